// I5 present-pages: zone->present_pages counts the zone's boot pages plus every online
// hot-plugged page linked to it, vmemmap pages included; node_present_pages is the sum
// over the node's zones; a memory group's present_kernel_pages + present_movable_pages
// count its online blocks (a virtio-mem device's dynamic group: the online blocks of all its
// big blocks, kept in its first big block's slot; the other slots stay 0). adjust_present_page_count() keeps them; the vmemmap pages are
// added after online_pages() succeeds and removed before offline_pages() runs (a08a2ae34613).
#include <fmt/format.h>

#include "invariants/census.hpp"
#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool present_pages_holds(const Machine& m, const KernelState& s, Violation* out) {
    u64 zone_pages[MAX_NODES][MAX_NR_ZONES] = {};
    u64 group_kernel[MAX_DIMMS] = {}, group_movable[MAX_DIMMS] = {};
    for_each_run(m, s, [&](const MemRun& r) {
        if (!r.online || !Memmap::initialized(r.memmap)) return;
        const unsigned zone = Memmap::zone(r.memmap);
        zone_pages[Memmap::nid(r.memmap)][zone] += r.pages();
        (zone == ZONE_MOVABLE ? group_movable : group_kernel)[m.group_of(r.block)] += r.pages();
    });
    for (int nid = 0; nid < m.nr_nodes; ++nid) {
        u64 node_sum = 0;
        for (unsigned zi = 0; zi < MAX_NR_ZONES; ++zi) {
            const u64 boot = m.boot_present(nid, zi);
            const u64 want = boot + zone_pages[nid][zi];
            const ZoneState& z = s.zone(nid, zi);
            node_sum += z.present_pages;
            if (z.present_pages == want) continue;
            *out = {"present-pages", "zone present_pages = boot pages + online hot-plugged pages of the zone",
                    fmt::format("node {} {}: present_pages={} but {} boot + {} online hot-plugged pages = {} "
                                "(off by {:+})",
                                nid, zone_name(zi), z.present_pages, boot, zone_pages[nid][zi], want,
                                static_cast<i64>(z.present_pages) - static_cast<i64>(want))};
            return false;
        }
        if (s.nodes[nid].node_present_pages != node_sum) {
            *out = {"present-pages", "node_present_pages = sum of its zones' present_pages",
                    fmt::format("node {}: node_present_pages={} but its zones add up to {}", nid,
                                s.nodes[nid].node_present_pages, node_sum)};
            return false;
        }
    }
    for (unsigned d = 0; d < m.dimms.size(); ++d) {
        const GroupState& g = s.groups[d];
        if (m.dimms[d].boot_ram) {  // boot memory belongs to no memory group: nothing may count it
            group_kernel[d] = group_movable[d] = 0;
        }
        if (g.present_kernel_pages == group_kernel[d] && g.present_movable_pages == group_movable[d]) continue;
        *out = {"present-pages", "memory group present_kernel/movable_pages = its online pages by zone kind",
                fmt::format("group of {}: present_kernel_pages={} present_movable_pages={} but its online pages are "
                            "{} kernel + {} movable",
                            m.dimms[d].name, g.present_kernel_pages, g.present_movable_pages, group_kernel[d],
                            group_movable[d])};
        return false;
    }
    return true;
}

void register_present_pages(std::vector<Invariant>& v) {
    v.push_back({"present-pages", "I5",
                 "present_pages (zone, node, memory group) counts exactly the online pages, vmemmap pages included",
                 "adjust_present_page_count(), memory_block_online()/memory_block_offline()", present_pages_holds,
                 nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
