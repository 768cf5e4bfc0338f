// I3 zone-empty: spanned_pages == 0 exactly when no online page belongs to the zone.
// zone_is_empty() decides init_currently_empty_zone() and the zonelist rebuild; since 5.6
// (950b68d9178b) emptiness is found only through the boundary searches.
#include <fmt/format.h>

#include "invariants/census.hpp"
#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool zone_empty_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (int nid = 0; nid < m.nr_nodes; ++nid)
        for (unsigned zi = 0; zi < MAX_NR_ZONES; ++zi) {
            bool has_online = m.boot_present(nid, zi) > 0;
            pfn_t example = 0;
            for_each_run(m, s, [&](const MemRun& r) {
                if (!has_online && r.online_in(nid, zi)) {
                    has_online = true;
                    example = r.lo;
                }
            });
            const ZoneState& z = s.zone(nid, zi);
            if (z.empty() == !has_online) continue;
            *out = {"zone-empty", "spanned_pages == 0 <=> no online page in the zone",
                    z.empty() ? fmt::format("node {} {} has spanned_pages 0 but pfn {:#x} is online in it", nid,
                                            zone_name(zi), example)
                              : fmt::format("node {} {} spans [{:#x}, {:#x}) but no online page belongs to it", nid,
                                            zone_name(zi), z.zone_start_pfn, z.end_pfn())};
            return false;
        }
    return true;
}

void register_zone_empty(std::vector<Invariant>& v) {
    v.push_back({"zone-empty", "I3", "a zone spans nothing exactly when no online page belongs to it",
                 "zone_is_empty(); shrink_zone_span() empties the zone to (0, 0)", zone_empty_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
