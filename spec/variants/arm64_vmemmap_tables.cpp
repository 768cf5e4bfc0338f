// Seed 002 (lkml, "[PATCH V7 3/3] arm64/mm: Enable memory hot remove", Sep 2019): what
// arm64's vmemmap_free() does with the intermediate kernel page tables the vmemmap range
// may share with the vmalloc range. vmalloc() walks those tables without
// init_mm.page_table_lock ("it just takes the lock while allocating and installing page
// table pages via [p4d|pud|pmd|pte]_alloc()"), so a table freed by hot-remove can be
// written through a pointer vmalloc() already holds. Three designs, all on v6.1:
//   arm64-vmemmap-keep-tables     Catalin Marinas: unmap, never free the vmemmap tables;
//   arm64-v7-free-empty-tables    the posted V7: free_empty_tables() only when
//                                 !vmalloc_vmemmap_overlap (machine param);
//   arm64-free-tables-unconditionally  free_empty_tables() always: the race.
// What was merged (6.1.192, arch/arm64/mm/mmu.c:1265-1271): vmemmap_free() calls
// free_empty_tables(start, end, VMEMMAP_START, VMEMMAP_END); the floor/ceiling keep every
// table that also maps outside the vmemmap range, i.e. a table shared with vmalloc is never
// freed. In this model's single shared table that behaves like arm64-v7-free-empty-tables.
// The tables are observed by the threaded model (docs/interleavings.md); in a sequential run
// without [kernel] pagetables these functions are v6.1's, so every such verdict is v6.1's.
// With [kernel] pagetables (spec/ops/pagetables_arm64.cpp) the designs also decide whether
// free_empty_tables() runs: keep-tables never frees an empty vmemmap table (a leak that
// vmemmap-pagetables reports), V7 frees it unless the ranges overlap.
#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// vmemmap_populate(): the section's struct pages get a mapping in the (maybe shared)
// intermediate table, allocated under init_mm.page_table_lock if absent.
int populate_section_memmap(Kernel& k, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const int ret = base::populate_section_memmap(k, nid, pfn, nr_pages, altmap);
    if (!ret) k.yield(YieldKind::PT_POPULATE, 0);
    return ret;
}

// vmemmap_free() -> unmap_hotplug_range(start, end, true): the entries go, tables stay.
void depopulate_keep_tables(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    base::depopulate_section_memmap(k, pfn, nr_pages, altmap);
    k.yield(YieldKind::PT_UNMAP, 0);
}

// V7: "free_empty_tables() gets called where vmalloc and vmemmap range do not overlap at
// any intermediate level kernel page table entry."
void depopulate_v7(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    depopulate_keep_tables(k, pfn, nr_pages, altmap);
    if (!k.m.params.vmalloc_vmemmap_overlap) k.yield(YieldKind::PT_FREE_EMPTY, 0);
}

// remove_pagetable(start, end, true) as the FIXME asks: empty tables freed even when
// vmalloc() may be walking them.
void depopulate_unconditionally(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    depopulate_keep_tables(k, pfn, nr_pages, altmap);
    k.yield(YieldKind::PT_FREE_EMPTY, 0);
}

// With modelled page tables: the design's answer to "free the empty tables?".
void free_no_tables(Kernel& k, u64, u64, u64, u64) { k.say("vmemmap tables kept (never freed)"); }
void free_tables_v7(Kernel& k, u64 addr, u64 end, u64 floor, u64 ceiling) {
    if (!k.m.params.vmalloc_vmemmap_overlap) base::arm64::free_empty_tables(k, addr, end, floor, ceiling);
}

Variant arm64_base(const char* name, const char* description) {
    Variant v;
    v.name = name;
    v.parent = "v6.1";
    v.source = "seed 002: lkml 2019-09-12, Re: [PATCH V7 3/3] arm64/mm: Enable memory hot remove (Anshuman Khandual, "
               "Catalin Marinas)";
    v.description = description;
    v.ops = v6_1().ops;
    v.ops.populate_section_memmap = populate_section_memmap;
    return v;
}

}  // namespace

Variant arm64_vmemmap_keep_tables() {
    Variant v = arm64_base("arm64-vmemmap-keep-tables",
                           "arm64 hot-remove unmaps the vmemmap but never frees its intermediate page tables "
                           "(Catalin's suggestion): a concurrent vmalloc() walk can never reach a freed table.");
    v.ops.depopulate_section_memmap = depopulate_keep_tables;
    v.ops.free_empty_tables = free_no_tables;
    return v;
}

Variant arm64_v7_free_empty_tables() {
    Variant v = arm64_base("arm64-v7-free-empty-tables",
                           "arm64 hot-remove V7: free_empty_tables() only when the vmalloc and vmemmap ranges share "
                           "no intermediate table (!vmalloc_vmemmap_overlap).");
    v.ops.depopulate_section_memmap = depopulate_v7;
    v.ops.free_empty_tables = free_tables_v7;
    return v;
}

Variant arm64_free_tables_unconditionally() {
    Variant v = arm64_base("arm64-free-tables-unconditionally",
                           "arm64 hot-remove frees empty vmemmap page tables even when vmalloc shares them: a "
                           "vmalloc() that loaded the table pointer locklessly writes into a freed page (seed 002).");
    v.ops.depopulate_section_memmap = depopulate_unconditionally;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
