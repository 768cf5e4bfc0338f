// x86_64's vmemmap page tables (arch/x86/mm/init_64.c, Linux 6.1.192): PMD-mapped vmemmap
// (vmemmap_populate_hugepages), sub-PMD PAGE_UNUSED tracking for PMDs shared by several
// sections (8d400913c231 "x86/vmemmap: handle unpopulated sub-pmd ranges", 5.12;
// faf1c0008a33 "x86/vmemmap: optimize for consecutive sections in partial populated PMDs",
// 5.12; 280abe14b6e0 "x86/mm: Fix marking of unused sub-pmd ranges", 5.18), and
// vmemmap_free() -> remove_pagetable() -> remove_pmd_table(): free_hugepage_table(),
// remove_pte_table() + free_pte_table() for PMDs split by HVO, free_pmd_table().
// Sections share a PMD when a section's struct pages are not a whole number of PMDs: with
// sizeof(struct page) = 56 (the case 8d400913c231 names) or sub-section ranges.
#include <fmt/format.h>

#include "spec/ops/pagetables.hpp"

namespace hp::HP_DOMAIN::base::x86 {

namespace {
// unused_pmd_start is kept as pfn + 1 of the struct page it points at (0: none).
u64 unused_pmd_start(Kernel& k) {
    const u64 v = k.s.pt.unused_pmd_start;
    return v == 0 ? u64(0) : (v - 1) * k.m.geo.struct_page_size;
}
void set_unused_pmd_start(Kernel& k, const u64& addr) {
    k.s.pt.unused_pmd_start = addr == 0 ? u32(0) : u32(addr / k.m.geo.struct_page_size + 1);
}
}  // namespace

// Marks (unused_pmd_start, PMD end] PAGE_UNUSED and forgets it.
void vmemmap_flush_unused_pmd(Kernel& k) {
    const u64 start = unused_pmd_start(k);
    if (start == 0) return;
    KCALL(k, "vmemmap_flush_unused_pmd");
    const u64 end = start - start % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
    if (start % pt::leaf_bytes(k.m) != 0) pt::memset_unused(k, start, end);
    set_unused_pmd_start(k, 0);
}

// Returns true if the PMD is completely unused and thus it can be freed.
flag vmemmap_pmd_is_unused(Kernel& k, u64 addr, u64 end) {
    KCALL(k, "vmemmap_pmd_is_unused");
    vmemmap_flush_unused_pmd(k);
    pt::memset_unused(k, addr, end);
    const unsigned slot = pt::slot_of(k.m, addr);
    if (slot >= MAX_PT_SLOTS) return false;
    const u32 all = (1u << k.m.pt.nr_pieces[slot]) - 1;
    return (k.s.pt.unused[slot] & all) == all;  // !memchr_inv(start, PAGE_UNUSED, PMD_SIZE)
}

void vmemmap_use_sub_pmd(Kernel& k, u64 start, u64 end) {
    KCALL(k, "vmemmap_use_sub_pmd");
    // "We only optimize if the new used range directly follows the previously unused range."
    if (unused_pmd_start(k) == start) {
        set_unused_pmd_start(k, pt::leaf_aligned(k.m, end) ? u64(0) : end);
        return;
    }
    vmemmap_flush_unused_pmd(k);
    pt::mark_used(k, start);  // __vmemmap_use_sub_pmd()
}

void vmemmap_use_new_sub_pmd(Kernel& k, u64 start, u64 end) {
    KCALL(k, "vmemmap_use_new_sub_pmd");
    const u64 page = start - start % pt::leaf_bytes(k.m);
    vmemmap_flush_unused_pmd(k);
    pt::mark_used(k, start);  // "Could be our memmap page is filled with PAGE_UNUSED already"
    if (!pt::leaf_aligned(k.m, start)) pt::memset_unused(k, page, start);  // the unused parts before us
    if (!pt::leaf_aligned(k.m, end)) set_unused_pmd_start(k, end);         // the tail: flushed lazily
}

// vmemmap_populate() for a whole section's struct pages: vmemmap_populate_hugepages().
// The backing comes from the altmap when one is passed (no fallback), else node memory;
// running out of either is the existing accounting's ENOMEM (populate_section_memmap).
// arch/x86/mm/init_64.c (6.1.192) vmemmap_populate(): "if (end - start < PAGES_PER_SECTION *
// sizeof(struct page)) err = vmemmap_populate_basepages(start, end, node, NULL);" — a
// sub-section range (ZONE_DEVICE) gets base pages from node memory, even with an altmap.
int vmemmap_populate(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap) {
    (void)nid;
    if (nr_pages < k.m.geo.pages_per_section) {
        KCALL(k, "vmemmap_populate");
        pt::populate_basepages(k, pt::vmemmap_addr(k.m, pfn), pt::vmemmap_addr(k.m, pfn + nr_pages));
        return 0;
    }
    KCALL(k, "vmemmap_populate_hugepages");
    const u64 start = pt::vmemmap_addr(k.m, pfn), end = pt::vmemmap_addr(k.m, pfn + nr_pages);
    for (u64 addr = start; addr < end;) {
        const unsigned slot = pt::slot_of(k.m, addr);
        const u64 leaf_end = addr - addr % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
        const u64 next = end < leaf_end ? end : leaf_end;
        if (slot >= MAX_PT_SLOTS) {
            addr = next;
            continue;
        }
        if (k.s.pt.entry[slot] == PT_NONE) {
            pt::map_leaf(k, slot, altmap);  // vmemmap_alloc_block_buf(PMD_SIZE, node, altmap); set_pmd()
            if (!pt::leaf_aligned(k.m, addr) || !pt::leaf_aligned(k.m, next)) k.ops.vmemmap_use_new_sub_pmd(k, addr, next);
        } else if (k.s.pt.entry[slot] == PT_LEAF) {
            // vmemmap_verify(); the PMD is shared with another section
            k.ops.vmemmap_use_sub_pmd(k, addr, next);
        } else {
            // PTE-mapped (split by HVO): vmemmap_populate_basepages() maps the range again.
            for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p)
                if (addr <= pt::piece_start(k.m, slot, p) && pt::piece_end(k.m, slot, p) <= next)
                    k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] & ~(1u << p));
        }
        addr = next;
    }
    return 0;
}

// vmemmap_free() -> remove_pagetable(start, end, false, altmap) -> remove_pmd_table(), then
// free_pmd_table() of the PMD table once none of its entries is present (4-level paging
// never frees PUD tables: free_pud_table() runs only with pgtable_l5_enabled()).
void vmemmap_free(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "vmemmap_free");
    KCALL(k, "remove_pagetable");
    const u64 start = pt::vmemmap_addr(k.m, pfn), end = pt::vmemmap_addr(k.m, pfn + nr_pages);
    for (u64 addr = start; addr < end;) {
        const unsigned slot = pt::slot_of(k.m, addr);
        const u64 leaf_end = addr - addr % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
        const u64 next = end < leaf_end ? end : leaf_end;
        if (slot >= MAX_PT_SLOTS || k.s.pt.entry[slot] == PT_NONE) {  // !pmd_present()
            addr = next;
            continue;
        }
        if (k.s.pt.entry[slot] == PT_LEAF) {  // pmd_large()
            if ((pt::leaf_aligned(k.m, addr) && pt::leaf_aligned(k.m, next)) ||
                k.ops.vmemmap_pmd_is_unused(k, addr, next)) {
                KCALL(k, "free_hugepage_table");
                pt::free_leaf_backing(k, slot, altmap != nullptr, "free_hugepage_table");
                pt::clear_leaf(k, slot);  // pmd_clear()
            }
        } else {
            // remove_pte_table(direct = false): free_pagetable() of every present PTE's page
            // in the range (order 0; the altmap is not passed down), then free_pte_table().
            KCALL(k, "remove_pte_table");
            bool all_cleared = true;
            for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p) {
                const u32 bit = 1u << p;
                if (addr <= pt::piece_start(k.m, slot, p) && pt::piece_end(k.m, slot, p) <= next &&
                    !(k.s.pt.unused[slot] & bit)) {
                    if (pt::piece_live(k, slot, p))
                        k.observe(Observation::VMEMMAP_FREED_IN_USE, "remove_pte_table", pt::slot_first_pfn(k.m, slot),
                                  k.m.pt.first_leaf + slot);
                    k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] | bit);
                }
                if (!(k.s.pt.unused[slot] & bit)) all_cleared = false;
            }
            {
                KCALL(k, "free_pagetable");
                const u8 backing = k.s.pt.backing[slot];
                if (backing != PT_BACKING_BUDDY && backing != PT_BACKING_BOOT) {
                    k.observe(Observation::ALTMAP_FREED_TO_BUDDY, "remove_pte_table", pt::altmap_backing_pfn(k.m, backing),
                              (next - addr) / k.m.geo.page_size);
                }
            }
            if (all_cleared) {
                KCALL(k, "free_pte_table");
                pt::clear_leaf(k, slot);
            }
        }
        pt::free_table_if_empty(k, slot, "free_pmd_table");
        addr = next;
    }
}

}  // namespace hp::HP_DOMAIN::base::x86
