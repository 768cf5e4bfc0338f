// no-vmemmap-memmap-enomem-fix — a fixed form, written here, of a model finding on 6.1 and
// 6.12 (scenario 97; docs/bugs-found.md): without SPARSEMEM_VMEMMAP, when kvmalloc_node() of a
// hot-added section's memmap fails, section_activate() calls section_deactivate() before
// sparse_init_one_section() ever set ms->section_mem_map, and depopulate_section_memmap()'s
// kvfree(pfn_to_page(pfn)) frees (struct page *)0 + pfn (mm/sparse.c, 6.1 and 6.12).
//
// The fix: depopulate_section_memmap() without VMEMMAP frees only a memmap whose address
// section_mem_map holds,
//	struct page *map = __section_mem_map_addr(__pfn_to_section(pfn));
//	if (map)
//		kvfree(map + pfn);
// The address bits (SECTION_MAP_MASK) are mem_map - section_nr_to_pfn() as encoded by
// sparse_encode_mem_map(): 0 only before sparse_init_one_section(); clearing
// SECTION_HAS_MEM_MAP at the start of section_deactivate() keeps them. Nothing else changes:
// the usage is freed as before, and with VMEMMAP depopulate_section_memmap() is untouched
// (vmemmap_free() of a partly populated range is what its error path needs).
#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

void depopulate_section_memmap(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const int b = k.m.block_of_pfn(pfn);
    if (!k.m.params.sparsemem_vmemmap && b >= 0) {
        const u32 bit = 1u << section_in_block(k.m, b, pfn);
        if ((k.s.section_maps[b].mem_map & bit) == 0) {
            KCALL(k, "depopulate_section_memmap");
            k.say("__section_mem_map_addr() is NULL: populate_section_memmap() failed, nothing to kvfree()");
            return;
        }
    }
    base::depopulate_section_memmap(k, pfn, nr_pages, altmap);
}

}  // namespace

Variant no_vmemmap_memmap_enomem_fix() {
    Variant v;
    v.name = "no-vmemmap-memmap-enomem-fix";
    v.parent = "v6.1";
    v.source = "not upstream: the fix this model finding suggests (6.1/6.12 mm/sparse.c, !CONFIG_SPARSEMEM_VMEMMAP)";
    v.description =
        "Without VMEMMAP, depopulate_section_memmap() kvfree()s pfn_to_page(pfn) only when section_mem_map holds a "
        "memmap address: section_activate()'s error path after a failed kvmalloc_node() of the memmap frees nothing.";
    v.ops = ops_of("v6.1");
    v.ops.depopulate_section_memmap = depopulate_section_memmap;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
