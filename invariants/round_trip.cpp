// T2 round-trip: add -> online -> offline -> remove restores every counter. Checked as a
// state property: whenever no hot-plugged memory is left (no block device, no valid
// section, no vmemmap), every zone, node and group counter equals its boot value.
#include <fmt/format.h>

#include "invariants/registry.hpp"
#if !HP_SYMBOLIC
#include "spec/state_diff.hpp"
#endif

namespace hp::HP_DOMAIN::inv {

static bool round_trip_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const Dimm& d = m.dimms[m.blocks[b].dimm];
        if (d.coldplug) {  // memory present at boot: back at boot when online in its boot zone again
            const BlockState& bs = s.blocks[b];
            if (bs.state != MEM_ONLINE || bs.zone != d.boot_zone || bs.nr_vmemmap_pages != 0u) return true;
            continue;
        }
        if (s.blocks[b].state != BLOCK_ABSENT || s.blocks[b].section_valid) return true;  // not back at boot yet
    }
    KernelState boot = initial_state(m);
    KernelState cmp = s;
    cmp.dimm_plugged = boot.dimm_plugged;
    cmp.dimm_enabled = boot.dimm_enabled;
    for (int n = 0; n < m.nr_nodes; ++n) {
        // Nodes hot-added on the way keep existing; contiguity is recomputed lazily.
        cmp.nodes[n].online = boot.nodes[n].online;
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) cmp.nodes[n].zones[z].contiguous = boot.nodes[n].zones[z].contiguous;
    }
    for (unsigned b = 0; b < m.blocks.size(); ++b) cmp.blocks[b] = boot.blocks[b];
    // A re-added cold-plugged section is no longer early (section-memmap, I24, judges section_maps).
    for (unsigned b = 0; b < m.blocks.size(); ++b) cmp.section_maps[b] = boot.section_maps[b];
    cmp.pt = boot.pt;  // page tables left behind are vmemmap-pagetables' (I19) to name
    // kernelcore=mirror: a boot span over another zone's pages (BootZone::span_only) is not
    // tight, and shrink_zone_span() after an offline at its edge tightens it to the zone's own
    // pages (it skips other zones' pfns): the real kernel does not come back to that span.
    // Within the boot span, the span is span-tight's (I2) and zone-span's (I1) to judge.
    for (const BootZone& bz : m.boot) {
        if (!bz.span_only) continue;
        const ZoneState& now = s.zone(bz.node, bz.zone);
        ZoneState& c = cmp.nodes[bz.node].zones[bz.zone];
        const ZoneState& b = boot.nodes[bz.node].zones[bz.zone];
        if (now.zone_start_pfn >= b.zone_start_pfn && now.end_pfn() <= b.end_pfn()) {
            c.zone_start_pfn = b.zone_start_pfn;
            c.spanned_pages = b.spanned_pages;
            cmp.nodes[bz.node].node_start_pfn = boot.nodes[bz.node].node_start_pfn;
            cmp.nodes[bz.node].node_spanned_pages = boot.nodes[bz.node].node_spanned_pages;
        }
    }
    // ZONE_DEVICE ranges are not hot-plugged memory; their zone span (and so the node span)
    // is never shrunk by the kernel, and SECTION_TAINT_ZONE_DEVICE is never cleared.
    if (!m.devices.empty()) {
        for (int n = 0; n < m.nr_nodes; ++n)
            if (s.dev_zone[n].spanned_pages) {
                cmp.nodes[n].node_start_pfn = boot.nodes[n].node_start_pfn;
                cmp.nodes[n].node_spanned_pages = boot.nodes[n].node_spanned_pages;
            }
        for (int n = 0; n < MAX_NODES; ++n) cmp.dev_zone[n] = boot.dev_zone[n];
        for (int d = 0; d < MAX_DEVICES; ++d) cmp.devices[d] = boot.devices[d];
        for (int i = 0; i < MAX_DEV_SECTIONS; ++i) cmp.dev_sections[i] = boot.dev_sections[i];
        // A mapped device keeps the struct pages it took from node memory.
        bool mapped = false;
        for (unsigned d = 0; d < m.devices.size(); ++d) mapped = mapped || s.devices[d].mapped;
        if (mapped)
            for (int n = 0; n < m.nr_nodes; ++n) cmp.buddy_vmemmap_pages[n] = boot.buddy_vmemmap_pages[n];
    }
    if (states_equal(m, cmp, boot)) return true;
#if HP_SYMBOLIC  // the prover replays its counterexample in the explorer, which names the fields
    *out = {"round-trip", "with all hot-plugged memory gone, every counter is back at its boot value", "differs"};
    return false;
#else
    const auto changes = diff_states(m, boot, cmp);
    if (changes.empty()) {
        *out = {"round-trip", "with all hot-plugged memory gone, every counter is back at its boot value",
                "a field without a name in spec/state_diff.cpp differs"};
        return false;
    }
    const FieldChange& c = changes.front();
    *out = {"round-trip", "with all hot-plugged memory gone, every counter is back at its boot value",
            fmt::format("{} is {} but was {} at boot ({} field(s) differ)", c.field, c.after, c.before,
                        changes.size())};
    return false;
#endif
}

void register_round_trip(std::vector<Invariant>& v) {
    v.push_back({"round-trip", "T2", "add, online, offline, remove restore every zone/node/group counter",
                 "the accounting of online_pages()/offline_pages()/adjust_present_page_count()", round_trip_holds,
                 nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
