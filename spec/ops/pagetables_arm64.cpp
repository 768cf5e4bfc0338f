// arm64's vmemmap page tables (arch/arm64/mm/mmu.c, Linux 6.1.192): vmemmap_populate()
// maps PMD blocks with 4K pages (pmd_set_huge) and base pages otherwise;
// vmemmap_free() = unmap_hotplug_range(start, end, true, altmap) +
// free_empty_tables(start, end, VMEMMAP_START, VMEMMAP_END) (bbd6ec605c0f "arm64/mm: Enable
// memory hot remove", 5.7; seed 002's review thread). unmap_hotplug_pmd_range() clears and
// frees a whole block mapping that the range only touches: harmless while a section's
// struct pages fill whole leaves (4K: 128 MiB sections, 2 MiB of struct pages = one PMD),
// which is what d4234d131b0a "arm64: mm: Populate vmemmap at the page level if not section
// aligned" (6.14, stable 5.4+; Fixes ba72b4c8cf60 "mm/sparsemem: support sub-section hotplug")
// restored for sub-section hot-add: base pages when the range is less than a section.
#include "spec/ops/pagetables.hpp"

namespace hp::HP_DOMAIN::base::arm64 {

// arch/arm64/mm/mmu.c (6.1.192, with d4234d131b0a "arm64: mm: Populate vmemmap at the page
// level if not section aligned", 6.14, backported to 6.1.y) vmemmap_populate():
// "if (!ARM64_KERNEL_USES_PMD_MAPS || (end - start < PAGES_PER_SECTION * sizeof(struct page)))
// return vmemmap_populate_basepages(start, end, node, altmap);" — sub-section ranges get
// base pages, so no PMD block is shared between hot-plugged ranges.
int vmemmap_populate(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap) {
    KCALL(k, "vmemmap_populate");
    if (k.m.geo.page_size == 4096 && nr_pages < k.m.geo.pages_per_section) {
        pt::populate_basepages(k, pt::vmemmap_addr(k.m, pfn), pt::vmemmap_addr(k.m, pfn + nr_pages));
        return 0;
    }
    return vmemmap_populate_hugepages(k, pfn, nr_pages, nid, altmap);
}

// The PMD-block loop of vmemmap_populate() (the only form before d4234d131b0a on 4K pages;
// with 64K pages a leaf is a base page and the same loop stands for
// vmemmap_populate_basepages()).
int vmemmap_populate_hugepages(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap) {
    (void)nid;
    const u64 start = pt::vmemmap_addr(k.m, pfn), end = pt::vmemmap_addr(k.m, pfn + nr_pages);
    for (u64 addr = start; addr < end;) {
        const unsigned slot = pt::slot_of(k.m, addr);
        const u64 leaf_end = addr - addr % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
        const u64 next = end < leaf_end ? end : leaf_end;
        // pmd_none(): vmemmap_alloc_block_buf(PMD_SIZE, node, altmap) + pmd_set_huge();
        // otherwise vmemmap_verify() (the block is shared). Base pages alike, per page.
        if (slot < MAX_PT_SLOTS && k.s.pt.entry[slot] == PT_NONE) pt::map_leaf(k, slot, altmap);
        addr = next;
    }
    return 0;
}

// unmap_hotplug_range(addr, end, free_mapped = true, altmap): every leaf the range touches
// is cleared and its backing freed (free_hotplug_page_range(): vmem_altmap_free() with an
// altmap, free_pages() without).
static void unmap_hotplug_range(Kernel& k, const u64& start, const u64& end, VmemAltmap* altmap) {
    KCALL(k, "unmap_hotplug_range");
    for (u64 addr = start; addr < end;) {
        const unsigned slot = pt::slot_of(k.m, addr);
        const u64 leaf_end = addr - addr % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
        if (slot < MAX_PT_SLOTS && k.s.pt.entry[slot] == PT_SPLIT) {
            // unmap_hotplug_pte_range(): the PTEs of the range only; the PTE table stays for
            // free_empty_tables().
            KCALL(k, "unmap_hotplug_pte_range");
            pt::unmap_basepages(k, slot, addr, end < leaf_end ? end : leaf_end, "unmap_hotplug_pte_range");
        } else if (slot < MAX_PT_SLOTS && k.s.pt.entry[slot] != PT_NONE) {
            // unmap_hotplug_pmd_range(): pmd_sect() — the whole block goes, however little
            // of it the range covers.
            KCALL(k, "free_hotplug_page_range");
            pt::free_leaf_backing(k, slot, altmap != nullptr, "unmap_hotplug_range");
            pt::clear_leaf(k, slot);  // pmd_clear() (before the free in the kernel; one step here)
        }
        addr = end < leaf_end ? end : leaf_end;
    }
}

// free_empty_tables(addr, end, floor, ceiling): a table is freed when every entry is none
// and pgtable_range_aligned() says [floor, ceiling) owns all of it. The vmemmap's own
// tables pass; a table that also maps boot memory's struct pages is never empty.
void free_empty_tables(Kernel& k, u64 addr, u64 end, u64 floor, u64 ceiling) {
    (void)floor;
    (void)ceiling;
    KCALL(k, "free_empty_tables");
    for (u64 a = addr; a < end;) {
        const unsigned slot = pt::slot_of(k.m, a);
        const u64 leaf_end = a - a % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
        // free_empty_pte_table(): a PTE table none of whose entries is present goes first.
        if (slot < MAX_PT_SLOTS && k.s.pt.entry[slot] == PT_SPLIT && pt::pte_table_empty(k, slot)) {
            KCALL(k, "free_empty_pte_table");
            pt::clear_leaf(k, slot);
        }
        if (slot < MAX_PT_SLOTS) pt::free_table_if_empty(k, slot, "free_empty_pmd_table");
        a = end < leaf_end ? end : leaf_end;
    }
}

void vmemmap_free(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "vmemmap_free");
    const u64 start = pt::vmemmap_addr(k.m, pfn), end = pt::vmemmap_addr(k.m, pfn + nr_pages);
    unmap_hotplug_range(k, start, end, altmap);
    k.ops.free_empty_tables(k, start, end, 0, 0);  // VMEMMAP_START, VMEMMAP_END
}

}  // namespace hp::HP_DOMAIN::base::arm64
