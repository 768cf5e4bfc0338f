// HugeTLB vmemmap optimisation (HVO; issue 10 item 5): mm/hugetlb_vmemmap.c, Linux 6.1.192.
// A 2 MiB hugetlb page has 512 struct pages = 8 vmemmap pages (4K, 64-byte struct pages).
// hugetlb_vmemmap_optimize() keeps the first (HUGETLB_VMEMMAP_RESERVE_SIZE = PAGE_SIZE),
// remaps the other 7 to it read-only and frees them (free_vmemmap_page(): __free_page(), or
// free_bootmem_page() for PageReserved memory); the PMD mapping them is split into a PTE
// table first (split_vmemmap_huge_pmd()) and never coalesced again.
// hugetlb_vmemmap_restore() allocates 7 pages again and remaps them (before the page goes
// back to the buddy, and in dissolve_free_huge_page() at offline).
// With memmap_on_memory the vmemmap pages of a block live in the block itself (altmap); 6.1's
// vmemmap_should_optimize() refuses them (PageVmemmapSelfHosted(), set by
// mhp_init_memmap_on_memory()). That check came with 66361095129b "mm: memory_hotplug: make
// hugetlb_optimize_vmemmap compatible with memmap_on_memory" (6.0); before it the two
// features excluded each other.
// The model: one hugetlb page per block, the first pageblock-aligned 2 MiB after the
// block's vmemmap pages (x86_64 only; the scenario checks).
#include <fmt/format.h>

#include "spec/ops/pagetables.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
inline constexpr unsigned kHugetlbOrder2M_pages = 512;  // pages of a 2 MiB hugetlb page (4K)
inline constexpr unsigned kFreedVmemmapPages = 7;       // vmemmap pages HVO frees per 2 MiB page

pfn_t hugetlb_head_pfn(Kernel& k, unsigned block) {
    const u64 v = k.s.blocks[block].nr_vmemmap_pages;
    const u64 aligned = (v + kHugetlbOrder2M_pages - 1) / kHugetlbOrder2M_pages * kHugetlbOrder2M_pages;
    return k.m.blocks[block].start_pfn + aligned;
}
unsigned head_slot(Kernel& k, unsigned block) { return pt::slot_of(k.m, pt::vmemmap_addr(k.m, hugetlb_head_pfn(k, block))); }
}  // namespace

// vmemmap_should_optimize(): the sysctl, then (CONFIG_MEMORY_HOTPLUG) "Only the vmemmap
// page's vmemmap page can be self-hosted": the page backing the head's struct page is one of
// a memmap_on_memory block's own vmemmap pages.
flag vmemmap_should_optimize(Kernel& k, unsigned block) {
    KCALL(k, "vmemmap_should_optimize");
    if (!k.m.params.hugetlb_optimize_vmemmap) return false;
    const unsigned slot = head_slot(k, block);
    if (slot >= MAX_PT_SLOTS) return false;
    const u8 backing = k.s.pt.backing[slot];
    if (backing != PT_BACKING_BUDDY && backing != PT_BACKING_BOOT) {
        k.say("PageVmemmapSelfHosted(vmemmap_page): the struct pages live in the hot-added block itself");
        return false;
    }
    return true;
}

// hugetlb_vmemmap_optimize() -> vmemmap_remap_free(): split the PMD, remap, free 7 pages.
static void hugetlb_vmemmap_optimize(Kernel& k, unsigned block) {
    KCALL(k, "hugetlb_vmemmap_optimize");
    if (!k.ops.vmemmap_should_optimize(k, block)) return;
    const unsigned slot = head_slot(k, block);
    {
        KCALL(k, "vmemmap_remap_free");
        if (k.s.pt.entry[slot] == PT_LEAF) {
            KCALL(k, "split_vmemmap_huge_pmd");  // pte_alloc_one_kernel(); split_page() unless PageReserved
            k.s.pt.entry[slot] = PT_SPLIT;
            k.s.pt.unused[slot] = 0;  // every PTE present
        }
        KCALL(k, "free_vmemmap_page_list");
        const u8 backing = k.s.pt.backing[slot];
        if (backing != PT_BACKING_BUDDY && backing != PT_BACKING_BOOT) {
            // __free_page() of altmap pfns: pages inside the hot-added block join the buddy
            const unsigned owner = as_index(backing, MAX_BLOCKS, 0);
            k.observe(Observation::ALTMAP_FREED_TO_BUDDY, "free_vmemmap_page", k.m.blocks[owner].start_pfn,
                      kFreedVmemmapPages);
        }
    }
    k.s.pt.hugetlb[block] = HUGETLB_OPTIMIZED;  // SetHPageVmemmapOptimized()
}

// echo N > /sys/devices/system/node/nodeX/hugepages/hugepages-2048kB/nr_hugepages, with the
// new page coming from `block`: alloc_fresh_hugetlb_folio() -> prep_new_hugetlb_folio().
int hugetlb_alloc(Kernel& k, unsigned block) {
    KCALL(k, "alloc_fresh_hugetlb_folio");
    if (!k.m.pt.enabled || k.s.blocks[block].state != MEM_ONLINE || k.s.pt.hugetlb[block] != HUGETLB_NONE) {
        k.say("no free 2 MiB range in this block");
        return -ENOMEM;
    }
    k.s.pt.hugetlb[block] = HUGETLB_ALLOCATED;
    hugetlb_vmemmap_optimize(k, block);
    return 0;
}

// hugetlb_vmemmap_restore() -> vmemmap_remap_alloc(): 7 fresh pages (node memory) are mapped
// again; the PMD stays split.
int hugetlb_vmemmap_restore(Kernel& k, unsigned block) {
    KCALL(k, "hugetlb_vmemmap_restore");
    if (k.s.pt.hugetlb[block] != HUGETLB_OPTIMIZED) return 0;
    KCALL(k, "vmemmap_remap_alloc");
    k.s.pt.hugetlb[block] = HUGETLB_ALLOCATED;  // ClearHPageVmemmapOptimized()
    return 0;
}

// Shrinking the pool by the page of `block`: update_and_free_hugetlb_folio().
int hugetlb_free(Kernel& k, unsigned block) {
    KCALL(k, "update_and_free_hugetlb_folio");
    if (!k.m.pt.enabled || k.s.pt.hugetlb[block] == HUGETLB_NONE) return -EINVAL;
    if (const int ret = k.ops.hugetlb_vmemmap_restore(k, block)) return ret;
    k.s.pt.hugetlb[block] = HUGETLB_NONE;
    return 0;
}

// offline_pages() -> dissolve_free_huge_pages(start_pfn, end_pfn): free pool pages in the
// range are dissolved (their vmemmap restored first).
void dissolve_free_huge_pages(Kernel& k, pfn_t start, pfn_t end) {
    for (unsigned b = 0; b < k.m.blocks.size(); ++b) {
        if (k.s.pt.hugetlb[b] == HUGETLB_NONE) continue;
        const pfn_t head = hugetlb_head_pfn(k, b);
        if (head < start || head >= end) continue;
        KCALL(k, "dissolve_free_huge_pages");
        if (k.ops.hugetlb_vmemmap_restore(k, b)) continue;
        k.s.pt.hugetlb[b] = HUGETLB_NONE;
    }
}

}  // namespace hp::HP_DOMAIN::base
