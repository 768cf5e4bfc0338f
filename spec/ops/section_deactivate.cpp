// mm/sparse.c section_deactivate() of a memory block's whole section, in the forms of
// spec/ops/section_deactivate.hpp (6.1.192 with every fix; 5.4 and the bug variants without
// some of them). The model's state (spec/state.hpp BlockState, KernelState::section_maps):
//   section_valid   SECTION_HAS_MEM_MAP (and SECTION_MARKED_PRESENT)
//   section_usage   ms->usage with this section's subsection_map bits set
//   section_online  SECTION_IS_ONLINE
//   section_maps    the memmap address section_mem_map encodes, and SECTION_IS_EARLY
// An early section's usage (a cold-plugged DIMM's, from memblock) is PageReserved for ever
// (usage_is_reserved()); its memmap goes back with free_map_bootmem().
#include "spec/ops/section_deactivate.hpp"

#include "spec/memmap.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
// "ms->section_mem_map = NULL": the flags (HAS_MEM_MAP, ONLINE, EARLY) and the address.
void clear_section(Kernel& k, int b, const u32& bit) {
    BlockState& bs = k.s.blocks[b];
    bs.section_valid &= ~bit;
    bs.section_online &= ~bit;
    clear_section_mem_map(k, b, bit);
}
}  // namespace

void section_deactivate_block(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap,
                              const SectionDeactivateForm& form) {
    KCALL(k, "section_deactivate");
    const int b = k.m.block_of_pfn(pfn);
    const u32 bit = 1u << section_in_block(k.m, b, pfn);
    BlockState& bs = k.s.blocks[b];
    const flag section_is_early = early_section_of_block(k, b, bit);
    if (!(bs.section_usage & bit)) {  // clear_subsection_map()
        k.say("WARN: section already deactivated");
        return;
    }
    if (form.invalid_before_usage_free) bs.section_valid &= ~bit;  // ~SECTION_HAS_MEM_MAP (b943f045a9af)
    // Which usage the kernel frees: 6.1 asks PageReserved(virt_to_page(ms->usage)), the form
    // before 8068df3b6037 asks early_section(ms), which a re-added early section no longer is.
    const bool reserved = usage_is_reserved(k, b);
    bool frees = !reserved;
    if (!form.usage_kept_if_reserved) {
        frees = true;
        if (section_is_early) frees = false;
    }
    if (frees) {
        if (reserved)  // kfree() of the memblock allocation ("kernel BUG at mm/slub.c" in 8068df3b6037)
            k.observe(Observation::USAGE_FREED_RESERVED, "section_deactivate", pfn, k.m.geo.pages_per_section);
#if !HP_SYMBOLIC  // interleaving points (docs/interleavings.md); the symbolic build never interleaves
        k.yield(YieldKind::FREE_USAGE, section_key(k.m, b, pfn) | (form.usage_kfree_rcu ? kUsageRcu : 0u));
#endif
    } else {
        k.say(form.usage_kept_if_reserved
                  ? "PageReserved(virt_to_page(ms->usage)): the boot usage map is kept for a re-add"
                  : "section_is_early: the usage map is kept for a re-add");
    }
    bs.section_usage &= ~bit;  // kfree[_rcu](ms->usage); ms->usage = NULL (or kept, its map emptied)
    // memmap = sparse_decode_mem_map(ms->section_mem_map, section_nr): decoded here in every
    // form, so free_map_bootmem() has it even when the address is cleared next.
    if (!form.map_cleared_after_memmap_free) clear_section(k, b, bit);  // before d41e2f3bd546
#if !HP_SYMBOLIC
    k.yield(YieldKind::FREE_MEMMAP, section_key(k.m, b, pfn));
#endif
    // "if (!section_is_early) depopulate_section_memmap(); else if (memmap) free_map_bootmem(memmap);"
    // (5.4: "if (section_is_early && memmap) free_map_bootmem(); else depopulate": the same
    // for a whole section, whose memmap is always decoded).
    if (!section_is_early) k.ops.depopulate_section_memmap(k, pfn, nr_pages, altmap);
    else free_map_bootmem(k, pfn, nr_pages);
    if (form.map_cleared_after_memmap_free) clear_section(k, b, bit);
    // The model's record of the block's memmap backing, which depopulate_section_memmap() drops
    // after the block's last valid section: before b943f045a9af it still saw this one valid.
    if (!form.invalid_before_usage_free && form.map_cleared_after_memmap_free && !bs.section_valid)
        bs.vmemmap_backing = BACKING_NONE;
}

void section_deactivate_as(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap, const SectionDeactivateForm& form) {
    if (k.m.block_of_pfn(pfn) < 0) return section_deactivate_subsections(k, pfn, nr_pages, altmap);  // a device range
    section_deactivate_block(k, pfn, nr_pages, altmap, form);
}

}  // namespace hp::HP_DOMAIN::base
