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

}  // namespace hp::HP_DOMAIN::base::pt
