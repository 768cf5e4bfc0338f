// I4 node-span: [node_start_pfn, node_end) is the hull of the spans of the node's
// non-empty zones, or (0, 0). resize_pgdat_range() only grows; update_pgdat_span()
// recomputes after a shrink (656d57119326 fixed node_start_pfn stuck at 0 in 5.4).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool node_span_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (int nid = 0; nid < m.nr_nodes; ++nid) {
        u64 lo = 0, hi = 0;
        for (const ZoneState& z : s.nodes[nid].zones) {
            if (z.empty()) continue;
            if (!hi) {
                lo = z.zone_start_pfn;
                hi = z.end_pfn();
            } else {
                lo = std::min<u64>(lo, z.zone_start_pfn);
                hi = std::max<u64>(hi, z.end_pfn());
            }
        }
        // ZONE_DEVICE (KernelState::dev_zone) is one of the node's zones too.
        if (const DevZoneState& dz = s.dev_zone[nid]; dz.spanned_pages) {
            if (!hi) {
                lo = dz.zone_start_pfn;
                hi = dz.zone_start_pfn + dz.spanned_pages;
            } else {
                lo = std::min<u64>(lo, dz.zone_start_pfn);
                hi = std::max<u64>(hi, dz.zone_start_pfn + dz.spanned_pages);
            }
        }
        const NodeState& n = s.nodes[nid];
        if (n.node_start_pfn == lo && n.node_spanned_pages == hi - lo) continue;
        *out = {"node-span", "node span = hull of its zones' spans",
                fmt::format("node {}: node_start_pfn={} node_spanned_pages={} but the zones span [{}, {}) "
                            "(expected node_start_pfn={} node_spanned_pages={})",
                            nid, n.node_start_pfn, n.node_spanned_pages, lo, hi, lo, hi - lo)};
        return false;
    }
    return true;
}

void register_node_span(std::vector<Invariant>& v) {
    v.push_back({"node-span", "I4", "a node spans exactly the hull of its zones' spans",
                 "resize_pgdat_range(), update_pgdat_span()", node_span_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
