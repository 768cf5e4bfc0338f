// Walking hot-pluggable memory in uniform runs, for invariants that count pages.
#pragma once
#include "spec/memmap.hpp"

namespace hp::HP_DOMAIN {

struct MemRun {
    unsigned block;
    pfn_t lo, hi;          // [lo, hi)
    bool vmemmap;          // inside [start, start + nr_vmemmap_pages)
    bool valid, online;
    u8 memmap;
    u64 pages() const { return hi - lo; }
    bool online_in(int nid, unsigned zone) const {
        return online && Memmap::initialized(memmap) && Memmap::nid(memmap) == nid && Memmap::zone(memmap) == zone;
    }
};

// Calls f(MemRun) for each section-and-vmemmap-split run of every hot-pluggable block.
template <class F>
void for_each_run(const Machine& m, const KernelState& s, F&& f) {
    const u64 pps = m.geo.pages_per_section;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const pfn_t start = m.blocks[b].start_pfn, split = start + bs.nr_vmemmap_pages;
        for (unsigned sec = 0; sec < m.geo.sections_per_block(); ++sec) {
            const pfn_t lo = start + sec * pps, hi = lo + pps;
            const bool valid = (bs.section_valid >> sec & 1) != 0, online = valid && (bs.section_online >> sec & 1) != 0;
            if (split > lo && split < hi) {
                f(MemRun{b, lo, split, true, valid, online, bs.memmap_vmemmap});
                f(MemRun{b, split, hi, false, valid, online, bs.memmap_rest});
            } else {
                const bool vm = hi <= split;
                f(MemRun{b, lo, hi, vm, valid, online, vm ? bs.memmap_vmemmap : bs.memmap_rest});
            }
        }
    }
}

}  // namespace hp::HP_DOMAIN
