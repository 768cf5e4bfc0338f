// ppc64 (radix) vmemmap page tables (arch/powerpc/mm/init_64.c, Linux 6.1.192): one
// vmemmap page is mmu_vmemmap_psize = 2 MiB of struct pages, i.e. 2 GiB of 64K pages = 128
// sections of 16 MiB = 8 LMBs of 256 MiB. Whether a vmemmap page is still in use is asked of
// the sections, not of the page tables: vmemmap_populated() -> pfn_valid() of each
// subsection whose struct pages are in it (spec/ops/sections.cpp). So the page stays while
// any neighbour is present and goes with the last one.
#include "spec/ops/pagetables.hpp"

namespace hp::HP_DOMAIN::base::ppc64 {

namespace {
// altmap_cross_boundary(): the pfns a vmemmap page describes must all be the altmap's own
// for the page to come from it (2 GiB per page against a 256 MiB LMB: never on radix 64K).
bool altmap_cross_boundary(Kernel& k, const VmemAltmap& altmap, unsigned slot) {
    const pfn_t start_pfn = pt::slot_first_pfn(k.m, slot);
    const u64 nr_pfn = pt::leaf_bytes(k.m) / k.m.geo.struct_page_size;
    const pfn_t end_pfn = altmap.base_pfn + altmap.free - 1;  // vmem_altmap.end_pfn
    if (start_pfn + nr_pfn - 1 > end_pfn) return true;
    if (start_pfn < altmap.base_pfn) return true;
    return false;
}
}  // namespace

// __vmemmap_populate(): per vmemmap page, skip it if vmemmap_populated(); else allocate it
// from the altmap unless it crosses the altmap's boundary, else from node memory, and map it.
int vmemmap_populate(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap) {
    (void)nid;
    KCALL(k, "vmemmap_populate");
    const u64 end = pt::vmemmap_addr(k.m, pfn + nr_pages);
    u64 start = pt::vmemmap_addr(k.m, pfn);
    start = start - start % pt::leaf_bytes(k.m);  // ALIGN_DOWN(start, page_size)
    for (; start < end; start += pt::leaf_bytes(k.m)) {
        const unsigned slot = pt::slot_of(k.m, start);
        if (slot >= MAX_PT_SLOTS) continue;
        if (k.ops.vmemmap_populated(k, start / k.m.geo.struct_page_size)) continue;
        const bool from_altmap = altmap && !altmap_cross_boundary(k, *altmap, slot);
        pt::map_leaf(k, slot, from_altmap ? altmap : nullptr);  // vmemmap_list_populate + vmemmap_create_mapping
    }
    return 0;
}

// vmemmap_free(): per vmemmap page, keep it while vmemmap_populated(); else
// vmemmap_list_free(), give the page back (vmem_altmap_free() when its pfn is in the altmap,
// free_reserved_page() for boot memory, free_pages() otherwise) and
// vmemmap_remove_mapping() (radix: remove_pagetable(), freeing empty tables).
void vmemmap_free(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "vmemmap_free");
    const u64 end = pt::vmemmap_addr(k.m, pfn + nr_pages);
    u64 start = pt::vmemmap_addr(k.m, pfn);
    start = start - start % pt::leaf_bytes(k.m);
    for (; start < end; start += pt::leaf_bytes(k.m)) {
        const unsigned slot = pt::slot_of(k.m, start);
        if (slot >= MAX_PT_SLOTS) continue;
        if (k.ops.vmemmap_populated(k, start / k.m.geo.struct_page_size)) {
            k.say("vmemmap_populated(): another section still uses this vmemmap page");
            continue;
        }
        if (k.s.pt.entry[slot] == PT_NONE) continue;  // vmemmap_list_free() found nothing
        const bool in_altmap = altmap && k.s.pt.backing[slot] == pt::altmap_backing(*altmap);
        pt::free_leaf_backing(k, slot, in_altmap, "vmemmap_free");
        {
            KCALL(k, "vmemmap_remove_mapping");
            pt::clear_leaf(k, slot);
            pt::free_table_if_empty(k, slot, "free_pmd_table");
        }
    }
}

}  // namespace hp::HP_DOMAIN::base::ppc64
