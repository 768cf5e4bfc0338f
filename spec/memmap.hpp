// Queries on the memmap and the section bits, at pfn granularity, answered from the
// block-level state. These are the only way the model reads "what does the struct page
// of this pfn say": walkers must go through pfn_to_online_page() first (I12).
#pragma once
#include "spec/state.hpp"

namespace hp::HP_DOMAIN {

struct PfnProbe {
    flag valid = false;    // pfn_valid(): valid_section() && (early || pfn_section_valid())
    flag online = false;   // pfn_to_online_page() != NULL
    bool early = false;    // boot memory (SECTION_IS_EARLY)
    u8 memmap = Memmap::POISONED;  // meaningful only if valid
    int block = -1;        // hot-pluggable block containing pfn, -1 for boot memory / holes
    pfn_t run_lo = 0;      // [run_lo, run_hi): every pfn here answers the same
    pfn_t run_hi = 0;
};

PfnProbe probe_pfn(const Machine& m, const KernelState& s, const pfn_t& pfn);

// The section index of `pfn` inside its block.
inline u64 section_in_block(const Machine& m, unsigned block, const pfn_t& pfn) {
#if !HP_SYMBOLIC
    if (m.section_shift) return (pfn - m.blocks[block].start_pfn) >> m.section_shift;  // no division
#endif
    return (pfn - m.blocks[block].start_pfn) / m.geo.pages_per_section;
}

// A small number naming a hot-pluggable section (block * MAX_SECTIONS_PER_BLOCK + index):
// the argument of the interleaving events that free per-section objects.
inline unsigned section_key(const Machine& m, unsigned block, const pfn_t& pfn) {
    return block * MAX_SECTIONS_PER_BLOCK + as_index(section_in_block(m, block, pfn), MAX_SECTIONS_PER_BLOCK, 0);
}

}  // namespace hp::HP_DOMAIN
