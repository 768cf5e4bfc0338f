// I1 zone-span: every page linked to a zone lies inside that zone's span, the vmemmap
// pages of an online block included. pfn walkers that trust zone_spans_pfn() (compaction,
// page isolation, set_zone_contiguous) rely on it; broken by a shrink that ignores pages
// still online, or by vmemmap pages linked to a zone outside online/offline (seed 004).
#include <fmt/format.h>

#include "invariants/census.hpp"
#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool zone_span_holds(const Machine& m, const KernelState& s, Violation* out) {
    bool ok = true;
    for_each_run(m, s, [&](const MemRun& r) {
        if (!ok || !r.online || !Memmap::initialized(r.memmap)) return;
        const int nid = Memmap::nid(r.memmap);
        const unsigned zone = Memmap::zone(r.memmap);
        const ZoneState& z = s.zone(nid, zone);
        if (z.spans(r.lo) && z.spans(r.hi - 1)) return;
        ok = false;
        const pfn_t bad = z.spans(r.lo) ? static_cast<pfn_t>(z.end_pfn()) : r.lo;
        *out = {"zone-span", r.vmemmap ? "vmemmap pfn of an online block inside its zone's span"
                                       : "online pfn inside its zone's span",
                fmt::format("pfn {:#x} (memory{}, {}) is online and linked to node {} {} but {} spans "
                            "[{:#x}, {:#x}) (zone_start_pfn={}, spanned_pages={})",
                            bad, m.blocks[r.block].memory_block_id, r.vmemmap ? "vmemmap page" : "buddy page", nid,
                            zone_name(zone), zone_name(zone), z.zone_start_pfn, z.end_pfn(), z.zone_start_pfn,
                            z.spanned_pages)};
    });
    if (!ok) return false;
    // Online blocks: every pfn, vmemmap pages included, inside mem->zone.
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        if (bs.state != MEM_ONLINE || bs.zone == NO_ZONE) continue;
        const ZoneState& z = s.zone(m.blocks[b].nid, as_index(bs.zone, MAX_NR_ZONES, 0));
        const pfn_t lo = m.blocks[b].start_pfn, hi = m.block_end_pfn(b);
        if (z.spans(lo) && z.spans(hi - 1)) continue;
        *out = {"zone-span", "every pfn of an online block inside mem->zone",
                fmt::format("memory{} [{:#x}, {:#x}) is online in {} but the zone spans [{:#x}, {:#x})",
                            m.blocks[b].memory_block_id, lo, hi, zone_name(bs.zone), z.zone_start_pfn, z.end_pfn())};
        return false;
    }
    return true;
}

void register_zone_span(std::vector<Invariant>& v) {
    v.push_back({"zone-span", "I1", "every online page (vmemmap pages included) lies inside its zone's span",
                 "zone_spans_pfn(); move_pfn_range_to_zone()/shrink_zone_span() keep it", zone_span_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
