#include "spec/memmap.hpp"

#include <algorithm>
#include <limits>

namespace hp::HP_DOMAIN {

PfnProbe probe_pfn(const Machine& m, const KernelState& s, const pfn_t& pfn) {
    PfnProbe p;
    // A pfn of a hot-pluggable block is not boot memory (Machine::finalize() checks that they
    // never overlap): the explorer's build looks the block up first and skips the boot zones.
    const int hot = kSymbolic ? -1 : m.block_of_pfn(pfn);
    if (const BootZone* bz = hot >= 0 ? nullptr : m.boot_zone_of_pfn(pfn)) {
        // Early sections: online since boot, memmap initialized by free_area_init().
        p.valid = p.online = p.early = true;
        p.memmap = Memmap::make(bz->node, bz->zone);
        p.run_lo = bz->start_pfn;
        p.run_hi = bz->end_pfn;
        return p;
    }
    const int b = kSymbolic ? m.block_of_pfn(pfn) : hot;
    if (b >= 0) {
        const BlockState& bs = s.blocks[b];
        const pfn_t start = m.blocks[b].start_pfn;
        const u64 pps = m.geo.pages_per_section;
        const u64 sec = section_in_block(m, b, pfn);
        pfn_t lo = start + sec * pps, hi = lo + pps;
        const pfn_t split = start + bs.nr_vmemmap_pages;
        if (pfn < split) hi = std::min<pfn_t>(hi, split);
        else lo = std::max<pfn_t>(lo, split);
        p.block = b;
        p.valid = (bs.section_valid >> sec) & 1;
        p.online = p.valid && ((bs.section_online >> sec) & 1);
        p.memmap = pfn < split ? bs.memmap_vmemmap : bs.memmap_rest;
        p.run_lo = lo;
        p.run_hi = hi;
        return p;
    }
    // A hole: nothing until the next boot zone or DIMM.
    pfn_t lo = 0, hi = std::numeric_limits<std::uint32_t>::max();
    for (const BootZone& z : m.boot) {
        if (z.end_pfn <= pfn) lo = std::max<pfn_t>(lo, z.end_pfn);
        if (z.start_pfn > pfn) hi = std::min<pfn_t>(hi, z.start_pfn);
    }
    for (const Dimm& d : m.dimms) {
        const pfn_t end = d.base_pfn + d.nr_blocks * m.geo.pages_per_block;
        if (end <= pfn) lo = std::max<pfn_t>(lo, end);
        if (d.base_pfn > pfn) hi = std::min<pfn_t>(hi, d.base_pfn);
    }
    p.run_lo = lo;
    p.run_hi = hi;
    return p;
}

}  // namespace hp::HP_DOMAIN
