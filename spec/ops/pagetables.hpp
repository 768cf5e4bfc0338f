// Helpers of the kernel page-table model shared by the architectures' vmemmap code
// (spec/ops/pagetables*.cpp) and the HVO code: leaves ("slots"), pieces, tables, freeing.
// Addresses are vmemmap byte offsets: the struct page of pfn p is at p * sizeof(struct page).
#pragma once
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base::pt {

inline u64 vmemmap_addr(const Machine& m, const pfn_t& pfn) { return pfn * m.geo.struct_page_size; }
inline u64 leaf_bytes(const Machine& m) { return u64(m.pt.leaf_bytes); }
// [start, end) of slot `slot`'s leaf.
inline u64 slot_start(const Machine& m, unsigned slot) { return u64((m.pt.first_leaf + slot) * m.pt.leaf_bytes); }
inline u64 slot_end(const Machine& m, unsigned slot) { return slot_start(m, slot) + leaf_bytes(m); }
inline pfn_t slot_first_pfn(const Machine& m, unsigned slot) { return slot_start(m, slot) / m.geo.struct_page_size; }
inline flag leaf_aligned(const Machine& m, const u64& addr) { return addr % leaf_bytes(m) == 0; }
// The slot whose leaf holds `addr`, or MAX_PT_SLOTS for a leaf the model does not keep
// (struct pages of boot memory only).
unsigned slot_of(const Machine& m, const u64& addr);
// Piece `p` of a slot: the part of the leaf holding section first_section + p's struct pages.
u64 piece_start(const Machine& m, unsigned slot, unsigned p);
u64 piece_end(const Machine& m, unsigned slot, unsigned p);
// Does the section of piece `p` have struct pages in use (ms->usage allocated: populated by
// section_activate(), not yet torn down by section_deactivate(); boot sections always)?
flag piece_live(Kernel& k, unsigned slot, unsigned p);
// Does any section whose struct pages lie in the leaf still use them?
flag slot_live(Kernel& k, unsigned slot);
unsigned table_of(const Machine& m, unsigned slot);

// PT_BACKING_* of pages an altmap hands out: its block's number or PT_BACKING_DEVICE + d.
inline u8 altmap_backing(const VmemAltmap& altmap) {
    return altmap.owner_device >= 0 ? static_cast<u8>(PT_BACKING_DEVICE + altmap.owner_device)
                                    : static_cast<u8>(altmap.owner_block);
}
// The first pfn of the block or device whose altmap backs a leaf (for observations).
inline pfn_t altmap_backing_pfn(const Machine& m, const u8& backing) {
    if (backing >= PT_BACKING_DEVICE && backing < PT_BACKING_DEVICE + MAX_DEVICES)
        return m.devices[as_index(backing - PT_BACKING_DEVICE, MAX_DEVICES, 0)].base_pfn;
    return m.blocks[as_index(backing, MAX_BLOCKS, 0)].start_pfn;
}
// The leaf gets an entry backed by `altmap`'s block or node memory; its table is allocated
// first if absent (vmemmap_{pgd,p4d,pud}_populate / pmd_alloc).
void map_leaf(Kernel& k, unsigned slot, const VmemAltmap* altmap);
// The backing memory of a leaf goes back: `with_altmap` -> vmem_altmap_free(), else to the
// buddy (free_pagetable / free_pages / free_reserved_page for boot memory). Observes a
// leaf freed while in use, and altmap pfns freed into the buddy.
void free_leaf_backing(Kernel& k, unsigned slot, bool with_altmap, const char* func);
// pmd_clear() etc.: the slot no longer maps anything.
void clear_leaf(Kernel& k, unsigned slot);
// free_pmd_table()/free_pte_table()/free_empty_*_table(): the table holding `slot`'s entry is
// freed if none of its entries maps anything (a table that also maps boot memory never is).
void free_table_if_empty(Kernel& k, unsigned slot, const char* func);
// memset((void *)a, PAGE_UNUSED, b - a) on x86's vmemmap: pieces wholly covered become
// PAGE_UNUSED; a write through an unmapped leaf is observed.
void memset_unused(Kernel& k, const u64& a, const u64& b);
// __vmemmap_use_sub_pmd(): the struct page at `addr` is zeroed, its piece is not all PAGE_UNUSED.
void mark_used(Kernel& k, const u64& addr);
// mm/sparse-vmemmap.c vmemmap_populate_basepages(start, end, node, altmap): base pages under
// the PMD of each leaf the range touches. A none PMD gets a PTE table (vmemmap_pmd_populate():
// PT_SPLIT, every piece outside the range without PTEs); the pieces of the range get their
// PTEs. Which allocator backs each base page is the memmap accounting's
// (populate_section_memmap()), not this layer's.
void populate_basepages(Kernel& k, const u64& start, const u64& end);
// The PTEs of the pieces of a PTE-mapped (PT_SPLIT) leaf that [start, end) overlaps are
// cleared and their pages freed; freeing one a live section still uses is observed.
void unmap_basepages(Kernel& k, unsigned slot, const u64& start, const u64& end, const char* func);
// Every piece of a PTE-mapped leaf has its PTEs cleared: the PTE table is empty.
flag pte_table_empty(Kernel& k, unsigned slot);

// --- the linear map (spec/ops/pagetables_linear.cpp) ---
// A *unit* is what arch_add_memory()/arch_remove_memory() map and unmap as a whole: block b
// (u = b), or ZONE_DEVICE range d (u = LM_DEVICE_UNIT + d, pagemap_range()).
inline constexpr unsigned LM_DEVICE_UNIT = MAX_BLOCKS;
// Unit u's linear-map leaves are set; an absent table of its groups is allocated first, the
// level-1 table before the level-0 one (`alloc_upper`, `alloc_table`: the allocators' names).
void lm_map_unit(Kernel& k, unsigned u, const char* alloc_upper, const char* alloc_table);
// Unit u's leaves are cleared (pmd_clear()/pud_clear()/pte_clear()); the tables stay.
void lm_unmap_unit(Kernel& k, unsigned u);
// The first unit whose leaves (or, for a level-1 group, allocated level-0 tables) group gi's
// tables still hold, or -1: the tables are empty.
int lm_group_user(Kernel& k, unsigned gi);
// The first pfn of unit u (for reports).
pfn_t lm_unit_pfn(const Kernel& k, unsigned u);
// The table pages of group gi are freed; freeing them while in use is observed
// (LINEAR_MAP_TABLE_FREED_IN_USE).
void lm_free_table(Kernel& k, unsigned gi, const char* func);
// free_pmd_table()/free_empty_pte_table()/...: each table holding unit u's leaves, then each
// table above, is freed if it is empty (a table that also maps boot memory never is). A null
// name: the kernel never frees that level (x86 4-level paging's PUD tables).
void lm_free_empty_tables(Kernel& k, unsigned u, const char* free_table, const char* free_upper);
// The units of [start, start + nr_pages): the blocks it covers, or the device range it is.
// False if it is neither.
bool lm_units_of_range(const Kernel& k, const pfn_t& start, const u64& nr_pages, unsigned& first, unsigned& count);

}  // namespace hp::HP_DOMAIN::base::pt
