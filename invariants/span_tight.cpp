// I2 span-tight: a non-empty zone starts at an online pfn of that zone and ends just after
// one. The kernel guarantees only the edges (holes in the middle are allowed): growth sets
// them from the onlined range, shrink_zone_span() moves them to the next online pfn
// (feee6b298916). Before 5.5 offline left the span untouched. One boot layout is not tight by
// the kernel's own making: under kernelcore=mirror ZONE_NORMAL and ZONE_MOVABLE overlap and an
// edge may be another zone's page (free_area_init() sets the spans from zone_movable_pfn and the
// node's end, not from the pages); such an edge inside a BootZone::span_only piece of the zone is
// the boot layout, which shrink_zone_span() copes with (it skips pfns of other zones).
#include <fmt/format.h>

#include "invariants/registry.hpp"
#include "spec/memmap.hpp"

namespace hp::HP_DOMAIN::inv {

static bool span_tight_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (int nid = 0; nid < m.nr_nodes; ++nid)
        for (unsigned zi = 0; zi < MAX_NR_ZONES; ++zi) {
            const ZoneState& z = s.zone(nid, zi);
            if (z.empty()) continue;
            const std::uint8_t want = Memmap::make(nid, zi);
            const pfn_t edges[2] = {z.zone_start_pfn, static_cast<pfn_t>(z.end_pfn()) - 1};
            for (int e = 0; e < 2; ++e) {
                const PfnProbe p = probe_pfn(m, s, edges[e]);
                if (p.online && p.memmap == want) continue;
                bool boot_overlap = false;
                for (const BootZone& bz : m.boot)
                    boot_overlap = boot_overlap || (bz.span_only && bz.node == nid && bz.zone == zi &&
                                                    edges[e] >= bz.start_pfn && edges[e] < bz.end_pfn);
                if (boot_overlap) continue;
                *out = {"span-tight", e == 0 ? "zone_start_pfn is an online pfn of the zone"
                                             : "zone_end_pfn - 1 is an online pfn of the zone",
                        fmt::format("node {} {}: pfn {:#x} ({}) is {}; span [{:#x}, {:#x}) is wider than the online "
                                    "memory it covers",
                                    nid, zone_name(zi), edges[e], e == 0 ? "zone_start_pfn" : "zone_end_pfn - 1",
                                    !p.online ? "not online" : "online in another zone", z.zone_start_pfn, z.end_pfn())};
                return false;
            }
        }
    return true;
}

void register_span_tight(std::vector<Invariant>& v) {
    v.push_back({"span-tight", "I2", "a non-empty zone's first and last pfn are online pages of that zone",
                 "shrink_zone_span(), find_smallest_section_pfn(), find_biggest_section_pfn()", span_tight_holds,
                 nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
