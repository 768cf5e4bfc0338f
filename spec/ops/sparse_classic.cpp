// SPARSEMEM without VMEMMAP ([kernel] sparsemem_vmemmap = false; KernelState::section_maps):
// the memmap of a hot-added section is one kvmalloc_node() (mm/sparse.c
// populate_section_memmap(), !CONFIG_SPARSEMEM_VMEMMAP, 6.1 and 6.12) whose address only
// section_mem_map remembers: pfn_to_page(pfn) = __section_mem_map_addr(ms) + pfn
// (include/asm-generic/memory_model.h), and depopulate_section_memmap() is
// kvfree(pfn_to_page(pfn)). So the teardown must free the memmap before it clears the address
// (d41e2f3bd546, 5.6-rc). Sections present at boot (a cold-plugged DIMM's) are early: their
// memmap and usage come from memblock (sparse_init_nid()); section_deactivate() gives the
// memmap back with free_map_bootmem() and keeps the PageReserved usage for a re-add, after
// which the section is no longer early.
//
// With VMEMMAP pfn_to_page() is arithmetic, but the early sections are the same: section_deactivate()
// is one function for both configs (mm/sparse.c, 6.1 and 6.12), so a cold-plugged DIMM's sections
// are SECTION_IS_EARLY, their teardown is free_map_bootmem() (with VMEMMAP: vmemmap_free(start,
// end, NULL)) and their memblock usage is kept for a re-add. The state is kept for machines
// without VMEMMAP or with a cold-plugged DIMM (keeps_section_maps()); on any other machine every
// function below answers as for a hot-added section.
#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

void set_section_mem_map(Kernel& k, int b, const u32& bit) {
    if (!keeps_section_maps(k.m)) return;
    k.s.section_maps[b].mem_map |= bit;
}

void clear_section_mem_map(Kernel& k, int b, const u32& bit) {
    if (!keeps_section_maps(k.m)) return;
    k.s.section_maps[b].mem_map &= ~bit;
    k.s.section_maps[b].early &= ~bit;  // SECTION_IS_EARLY is a flag of section_mem_map
}

flag early_section_of_block(Kernel& k, int b, const u32& bit) {
    if (!keeps_section_maps(k.m)) return false;
    return (k.s.section_maps[b].early & bit) != 0;
}

// section_deactivate(): "if (!PageReserved(virt_to_page(ms->usage)))" frees the usage. A
// section present at boot has a memblock usage (sparse_init_nid() -> sparse_early_usemaps_...),
// reused by every later re-add ("if (!ms->usage)" in section_activate()): reserved for ever.
bool usage_is_reserved(Kernel& k, int b) {
    return keeps_section_maps(k.m) && k.m.dimms[k.m.blocks[b].dimm].coldplug;
}

// depopulate_section_memmap(), !CONFIG_SPARSEMEM_VMEMMAP (mm/sparse.c, 6.1 and 6.12):
// kvfree(pfn_to_page(pfn)). With section_mem_map already NULL, pfn_to_page() is
// (struct page *)0 + pfn: not an address kvmalloc_node() returned (5.5's free_pages() hit
// "kernel BUG at mm/page_alloc.c" in d41e2f3bd546's report), and the memmap is never freed.
flag kvfree_section_memmap(Kernel& k, pfn_t pfn) {
    KCALL(k, "kvfree(pfn_to_page(pfn))");
    const int b = k.m.block_of_pfn(pfn);
    const u32 bit = 1u << section_in_block(k.m, b, pfn);
    if ((k.s.section_maps[b].mem_map & bit) == 0) {
        k.observe(Observation::MEMMAP_FREED_BAD_ADDRESS, "depopulate_section_memmap", pfn,
                  k.m.geo.pages_per_section);
        return false;
    }
    return true;
}

// free_map_bootmem(memmap), !CONFIG_SPARSEMEM_VMEMMAP (mm/sparse.c, 6.1 and 6.12):
// put_page_bootmem() of every page of the boot memmap that does not lie in the section being
// removed ("maps_section_nr != removing_section_nr"). A block holding its own boot memmap is
// pinned by it (PG_reserved: Machine::block_pinned(), spec/boot_place.hpp) and never offlined, so every page the model
// can reach here goes back to the buddy. With VMEMMAP it is vmemmap_free(start, end, NULL)
// (mm/sparse.c free_map_bootmem(), CONFIG_SPARSEMEM_VMEMMAP, 6.1 and 6.12): the section's
// depopulate with no altmap, whose x86 free_pagetable() gives the PageReserved boot pages back
// through put_page_bootmem()/free_reserved_page().
void free_map_bootmem(Kernel& k, pfn_t pfn, u64 nr_pages) {
    KCALL(k, "free_map_bootmem");
    if (k.m.params.sparsemem_vmemmap) return depopulate_section_memmap(k, pfn, nr_pages, nullptr);
    const Geometry& g = k.m.geo;
    const u64 pages = (g.memmap_bytes(nr_pages) + g.page_size - 1) / g.page_size;
    const int b = k.m.block_of_pfn(pfn);
    BlockState& bs = k.s.blocks[b];
    k.s.buddy_vmemmap_pages[k.m.blocks[b].nid] -= static_cast<u32>(pages);  // put_page_bootmem()
    if (!bs.section_valid) bs.vmemmap_backing = BACKING_NONE;
}

}  // namespace hp::HP_DOMAIN::base
