// Kernel page-table history as variants (issue 10 items 2 and 5), each a few lines over
// v6.1's table (spec/ops/pagetables*.cpp, hugetlb_vmemmap.cpp). They change only functions
// that run when a scenario keeps page tables ([kernel] pagetables), so on every other
// scenario they behave as v6.1.
//   bug-8d400913c231   before "x86/vmemmap: handle unpopulated sub-pmd ranges" (5.12): the
//                      parts of a PMD no section populated are never PAGE_UNUSED, so
//                      remove_pmd_table()'s memchr_inv() never sees the PMD empty: it leaks.
//   bug-280abe14b6e0   8d400913c231's vmemmap_use_new_sub_pmd() marked [start, 2*start - page)
//                      instead of [page, start) (fixed by "x86/mm: Fix marking of unused sub-pmd
//                      ranges", 5.18): it writes PAGE_UNUSED over the new section's own struct
//                      pages, past the PMD into the next, not yet mapped, one.
//   bug-d4234d131b0a   before "arm64: mm: Populate vmemmap at the page level if not section
//                      aligned" (6.14, stable 5.4+; Fixes ba72b4c8cf60, 5.3): arm64 4K maps every
//                      vmemmap range with PMD blocks, sub-section (ZONE_DEVICE) ranges too, so two
//                      ranges in one section share a block and unmap_hotplug_range() of the first
//                      frees it under the second.
//   bug-9ce8853b4a73   before "powerpc/mm/radix: Free PUD table when freeing pagetable" (5.9;
//                      Fixes 4b5d62ca17a1 "powerpc/mm: add radix__remove_section_mapping()"):
//                      radix remove_pagetable() freed empty PTE and PMD tables of the linear
//                      map but never the PUD table: a leak at every hot-remove that empties one.
//   hvo-without-self-hosted-check
//                      a design, not a kernel: HVO on a memmap_on_memory block as if
//                      vmemmap_should_optimize() had no PageVmemmapSelfHosted() check
//                      (66361095129b brought the check when it made the two features
//                      compatible; before it they excluded each other). Asks "what does HVO do
//                      to a block whose memmap is self-hosted?".
#include "spec/ops/pagetables.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// Before 8d400913c231 (arch/x86/mm/init_64.c, 5.11 remove_pmd_table()): nothing is marked at
// populate; at removal the range is memset(PAGE_INUSE) and the PMD freed if all of it is.
void no_sub_pmd_marking(Kernel&, u64, u64) {}
flag pmd_is_unused_5_11(Kernel& k, u64 addr, u64 end) {
    KCALL(k, "memset(PAGE_INUSE) + memchr_inv");
    base::pt::memset_unused(k, addr, end);
    const unsigned slot = base::pt::slot_of(k.m, addr);
    if (slot >= MAX_PT_SLOTS) return false;
    const u32 all = (1u << k.m.pt.nr_pieces[slot]) - 1;
    return (k.s.pt.unused[slot] & all) == all;
}

// 8d400913c231's memset((void *)start, PAGE_UNUSED, start - ALIGN_DOWN(start, PMD_SIZE)),
// with faf1c0008a33's unused_pmd_start as 6.1 has it around it.
void use_new_sub_pmd_marks_from_start(Kernel& k, u64 start, u64 end) {
    KCALL(k, "vmemmap_use_new_sub_pmd");
    const u64 page = start - start % base::pt::leaf_bytes(k.m);
    base::x86::vmemmap_flush_unused_pmd(k);
    base::pt::mark_used(k, start);
    if (!base::pt::leaf_aligned(k.m, start)) base::pt::memset_unused(k, start, start + (start - page));
    if (!base::pt::leaf_aligned(k.m, end)) k.s.pt.unused_pmd_start = u32(end / k.m.geo.struct_page_size + 1);
}

// arch/arm64/mm/mmu.c vmemmap_populate() before d4234d131b0a: "if (!ARM64_KERNEL_USES_PMD_MAPS)
// return vmemmap_populate_basepages(...)", PMD blocks for any range otherwise.
int vmemmap_populate_pmd_blocks_always(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap) {
    if (k.m.pt.arch != PtArch::ARM64) return base::vmemmap_populate(k, pfn, nr_pages, nid, altmap);
    KCALL(k, "vmemmap_populate");
    return base::arm64::vmemmap_populate_hugepages(k, pfn, nr_pages, nid, altmap);
}

flag should_optimize_ignoring_self_hosted(Kernel& k, unsigned) {
    KCALL(k, "vmemmap_should_optimize");
    return k.m.params.hugetlb_optimize_vmemmap;
}

// Before 9ce8853b4a73 (arch/powerpc/mm/book3s64/radix_pgtable.c, 5.8 remove_pagetable()):
// remove_pud_table() + free_pmd_table() per PUD entry, and no free_pud_table() after it.
void linear_map_without_free_pud_table(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    if (map || k.m.pt.arch != PtArch::PPC64) return base::linear_map(k, start, nr_pages, map);
    KCALL(k, "arch_remove_linear_mapping");
    KCALL(k, "radix__remove_section_mapping");
    KCALL(k, "remove_pagetable");
    unsigned first = 0, count = 0;
    if (!base::pt::lm_units_of_range(k, start, nr_pages, first, count)) return;
    KCALL(k, "remove_pmd_table");
    for (unsigned u = first; u < first + count; ++u) base::pt::lm_unmap_unit(k, u);
    for (unsigned u = first; u < first + count; ++u) base::pt::lm_free_empty_tables(k, u, "free_pmd_table", nullptr);
}

Variant make(const char* name, const char* source, const char* what, void (*apply)(KernelOps&)) {
    Variant v;
    v.name = name;
    v.parent = "v6.1";
    v.source = source;
    v.description = what;
    v.ops = ops_of("v6.1");
    apply(v.ops);
    return v;
}

}  // namespace

void add_pagetable_variants(std::vector<Variant>& out) {
    out.push_back(make("bug-8d400913c231",
                       "before 8d400913c231 \"x86/vmemmap: handle unpopulated sub-pmd ranges\" (5.12, Oscar Salvador)",
                       "x86 vmemmap PMDs shared by sections: the unpopulated parts are never marked PAGE_UNUSED, so "
                       "remove_pmd_table() never finds the PMD unused and leaves it (and its 2 MiB page) behind.",
                       [](KernelOps& o) {
                           o.vmemmap_use_sub_pmd = no_sub_pmd_marking;
                           o.vmemmap_use_new_sub_pmd = no_sub_pmd_marking;
                           o.vmemmap_pmd_is_unused = pmd_is_unused_5_11;
                       }));
    out.push_back(make("bug-280abe14b6e0",
                       "before 280abe14b6e0 \"x86/mm: Fix marking of unused sub-pmd ranges\" (5.18, Adrian-Ken "
                       "Rueegsegger; Fixes: 8d400913c231)",
                       "vmemmap_use_new_sub_pmd() memsets PAGE_UNUSED from `start` instead of from the PMD's start: over "
                       "the new section's own struct pages and past the PMD.",
                       [](KernelOps& o) { o.vmemmap_use_new_sub_pmd = use_new_sub_pmd_marks_from_start; }));
    out.push_back(make("bug-d4234d131b0a",
                       "before d4234d131b0a \"arm64: mm: Populate vmemmap at the page level if not section aligned\" "
                       "(6.14, Zhenhua Huang; stable 5.4+; Fixes: ba72b4c8cf60)",
                       "arm64 4K maps sub-section vmemmap ranges with PMD blocks: two ZONE_DEVICE ranges in one section "
                       "share a block, and removing the first frees it while the second's struct pages are in it.",
                       [](KernelOps& o) { o.vmemmap_populate = vmemmap_populate_pmd_blocks_always; }));
    out.push_back(make("bug-9ce8853b4a73",
                       "before 9ce8853b4a73 \"powerpc/mm/radix: Free PUD table when freeing pagetable\" (5.9, Bharata B "
                       "Rao; Fixes: 4b5d62ca17a1)",
                       "ppc64 radix remove_pagetable() frees the linear map's empty PMD tables but not the PUD table "
                       "above them: hot-removing the last memory under a PUD table leaks it.",
                       [](KernelOps& o) { o.linear_map = linear_map_without_free_pud_table; }));
    out.push_back(make("hvo-without-self-hosted-check",
                       "design question (issue 10 item 5): 6.1's vmemmap_should_optimize() without the "
                       "PageVmemmapSelfHosted() check of 66361095129b",
                       "HVO optimizes hugetlb pages of memmap_on_memory blocks too: the 7 tail vmemmap pages it frees are "
                       "the block's own altmap pages.",
                       [](KernelOps& o) { o.vmemmap_should_optimize = should_optimize_ignoring_self_hosted; }));
}

}  // namespace hp::HP_DOMAIN::variants
