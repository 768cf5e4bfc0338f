// mm/sparse.c section_deactivate() for a whole section of a memory block, in every form the
// kernel had between ba72b4c8cf60 (5.3, sub-section hotplug) and 6.12. The forms differ only
// in four statements that four fixes changed; the rest (clear_subsection_map()'s WARN, the
// choice between depopulate_section_memmap() and free_map_bootmem(), the final
// "ms->section_mem_map = NULL") is one function for all of them, and a variant names the
// fixes its kernel lacks instead of copying the body.
//
// 6.1.192 (every field true):
//   clear_subsection_map()                 WARN "section already deactivated"
//   ms->section_mem_map &= ~SECTION_HAS_MEM_MAP         (b943f045a9af)
//   if (!PageReserved(virt_to_page(ms->usage)))          (8068df3b6037)
//           kfree_rcu(ms->usage); ms->usage = NULL       (5ec8e8ea8b77)
//   if (!section_is_early) depopulate_section_memmap() else if (memmap) free_map_bootmem()
//   ms->section_mem_map = NULL                           (d41e2f3bd546: after the memmap is freed)
// mm/sparse.c:section_deactivate@v5.4 (every field false; its device chunks take
// ef69bc9f689d's earlier form too, spec/variants/v5_4.cpp):
//   if (!section_is_early) { kfree(ms->usage); ms->usage = NULL; }
//   memmap = sparse_decode_mem_map(ms->section_mem_map, section_nr);
//   ms->section_mem_map = sparse_encode_mem_map(NULL, section_nr);   (flags and address gone)
//   if (section_is_early && memmap) free_map_bootmem(memmap); else depopulate_section_memmap();
#pragma once
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

struct SectionDeactivateForm {
    // 8068df3b6037 (posted 2019-12, after v5.4): the usage is kept when
    // PageReserved(virt_to_page(ms->usage)) (it came from memblock); before it, only
    // "if (section_is_early)", so a re-added early section's memblock usage was kfree()d by
    // its second removal.
    bool usage_kept_if_reserved = true;
    // 5ec8e8ea8b77 (6.8-rc1, 6.1.y): kfree_rcu(ms->usage); before it kfree().
    bool usage_kfree_rcu = true;
    // b943f045a9af (5.6-rc7): SECTION_HAS_MEM_MAP cleared before the usage is freed; before
    // it the section stayed valid until "ms->section_mem_map = NULL".
    bool invalid_before_usage_free = true;
    // d41e2f3bd546 (5.6-rc): "ms->section_mem_map = NULL" after the memmap is freed; before it
    // the address was cleared first, and !VMEMMAP's kvfree(pfn_to_page(pfn)) decoded NULL.
    bool map_cleared_after_memmap_free = true;
};

// The whole-section teardown of a memory block's section in the given form. Device chunks
// are not handled here (section_deactivate_subsections(), or v5.4's own).
void section_deactivate_block(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap, const SectionDeactivateForm&);

// section_deactivate() of a kernel whose block teardown has the given form and whose device
// chunks are 6.1's: what a variant that changes one of the four statements calls.
void section_deactivate_as(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap, const SectionDeactivateForm&);

}  // namespace hp::HP_DOMAIN::base
