// Kernel page tables of the vmemmap and the linear map (issue 10 item 2) and the hugetlb
// vmemmap optimisation's state (item 5). Opt-in per scenario: `[kernel] pagetables = true`
// (or `hugetlb_optimize_vmemmap = true`, which needs them). Without it none of this is in
// the packed state, so every other scenario keeps its states, counts and goldens.
//
// Granularity (docs/architecture.md "Kernel page tables"). The vmemmap is mapped in
// *leaves*, the unit an architecture allocates backing memory in:
//   x86_64     a PMD (2 MiB of struct pages) from vmemmap_populate_hugepages();
//   arm64-4k   a PMD block (pmd_set_huge) from vmemmap_populate();
//   arm64-64k  a 64K page from vmemmap_populate_basepages() (ARM64_KERNEL_USES_PMD_MAPS is 4K only);
//   ppc64-64k  radix: one mmu_vmemmap_psize page = 2 MiB of struct pages = 2 GiB of memory.
// Every leaf whose struct pages describe hot-pluggable memory is a *slot* of the state:
// mapped or not, what backs it (node memory, boot memory, or the altmap of a block), and
// on x86 which *pieces* are all PAGE_UNUSED (0xFD). A piece is the part of a leaf that
// holds one section's struct pages (x86 sub-PMD tracking, 8d400913c231). The page-table
// page holding a slot's entry (PMD table, or PTE table for basepages) is a *table*: present
// or freed; one that also maps boot memory's vmemmap is never empty.
// The linear map: a block's leaves (x86/ppc64 radix 2 MiB PMDs, arm64 PTEs under rodata_full or
// PMD blocks) are one bit, and the page-table pages holding them are kept per group
// (spec/pagetable_layout.hpp, spec/ops/pagetables_linear.cpp).
#pragma once
#include <cstdint>

#include "spec/machine.hpp"
#include "spec/pagetable_layout.hpp"


namespace hp::HP_DOMAIN {

// Everything the page-table layer changes, grouped so that it is packed only when the
// scenario asks for page tables (spec/state.cpp).
struct PageTableState {
    u8 entry[MAX_PT_SLOTS];     // PtEntry of each vmemmap slot
    u8 backing[MAX_PT_SLOTS];   // PT_BACKING_* or the block whose altmap backs the leaf
    u16 unused[MAX_PT_SLOTS];   // x86: bit i = piece i is all PAGE_UNUSED; PT_SPLIT: bit i = piece i's PTEs cleared
    u32 unused_pmd_start;       // x86 unused_pmd_start (faf1c0008a33): pfn + 1 of the struct page it points at, 0 = none
    u32 tables;                 // bit t: table page t is allocated
    u32 linear_mapped;          // bit b: block b's linear-map leaves are present (init_memory_mapping / __create_pgd_mapping)
    u32 lm_tables;              // bit g: the linear-map table pages of group g (PtLayout::lm_group_*) are allocated
    u8 hugetlb[MAX_BLOCKS];     // HugetlbState per block
    u8 dev_linear_mapped;       // bit d: ZONE_DEVICE range d's linear-map leaves are present (pagemap_range())
    u8 reserved_[3];            // explicit padding: states are compared and hashed as bytes
};

}  // namespace hp::HP_DOMAIN

#if !HP_SYMBOLIC
namespace hp {
// Fills m.pt from the geometry, boot memory and DIMMs; an empty string on success, else why
// the machine cannot have modelled page tables (too many slots, pieces, or an architecture
// without a model), naming the limit.
std::string compute_pt_layout(Machine& m, bool enabled);
}  // namespace hp
#endif
