// Shrinking zone and node spans: remove_pfn_range_from_zone(), shrink_zone_span(),
// find_smallest_section_pfn()/find_biggest_section_pfn() in subsection steps (5.3+,
// ba72b4c8cf60) and update_pgdat_span(). mm/memory_hotplug.c (6.1.192).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

void remove_pfn_range_from_zone(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, u64 nr_pages) {
    if (zone == ZONE_DEVICE_IDX) return remove_pfn_range_from_zone_device(k, start_pfn, nr_pages);
    KCALL(k, "remove_pfn_range_from_zone");
    set_memmap(k, start_pfn, nr_pages, Memmap::POISONED);  // page_init_poison(): uninitialized again
    k.s.zone(nid, zone).contiguous = 0;                     // clear_zone_contiguous()
    // shrink_zone_span() rewrites zone_start_pfn/spanned_pages (no zone_span_writelock in 6.1.192).
    k.yield(YieldKind::SPAN_BEGIN, static_cast<unsigned>(nid) * MAX_NR_ZONES + zone);
    k.ops.shrink_zone_span(k, nid, zone, start_pfn, start_pfn + nr_pages);
    k.yield(YieldKind::SPAN_END, static_cast<unsigned>(nid) * MAX_NR_ZONES + zone);
    k.ops.update_pgdat_span(k, nid);
    set_zone_contiguous(k, nid, zone);
}

namespace {
// Does the walker stop at pfn? `test` (pfn_to_online_page() in 6.1), then page_to_nid()/
// page_zone() of the struct page, which the test promises is initialized (I12 checks it).
bool online_pfn_of_zone(Kernel& k, PfnTest test, const PfnProbe& p, pfn_t pfn, int nid, unsigned zone,
                        const char* func) {
    if (!test(k, pfn)) return false;
    if (!p.valid) {
        k.observe(Observation::UNMAPPED_MEMMAP_READ, func, pfn);
        return false;
    }
    if (!Memmap::initialized(p.memmap)) {
        k.observe(Observation::POISONED_MEMMAP_READ, func, pfn);
        return false;
    }
    return Memmap::nid(p.memmap) == nid && Memmap::zone(p.memmap) == zone;
}
}  // namespace

// for (; start_pfn < end_pfn; start_pfn += PAGES_PER_SUBSECTION): first online pfn of
// the zone. Positions inside one uniform run answer alike, so the walk jumps run by run
// while visiting exactly the kernel's positions.
pfn_t find_smallest_section_pfn(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, pfn_t end_pfn) {
    return find_smallest_section_pfn_by(k, k.ops.pfn_to_online_page, nid, zone, start_pfn, end_pfn);
}
pfn_t find_smallest_section_pfn_by(Kernel& k, PfnTest test, int nid, unsigned zone, pfn_t start_pfn, pfn_t end_pfn) {
    KCALL(k, "find_smallest_section_pfn");
    const u64 step = k.m.geo.pages_per_subsection;
    for (pfn_t pfn = start_pfn; pfn < end_pfn;) {
        const PfnProbe p = probe_pfn(k.m, k.s, pfn);
        if (online_pfn_of_zone(k, test, p, pfn, nid, zone, "find_smallest_section_pfn")) return pfn;
        // next walk position at or beyond the end of this run
        const pfn_t n = (p.run_hi - pfn + step - 1) / step;
        pfn += std::max<pfn_t>(n, 1) * step;
    }
    return 0;
}

// pfn = end_pfn - 1; for (; pfn >= start_pfn; pfn -= PAGES_PER_SUBSECTION)
pfn_t find_biggest_section_pfn(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, pfn_t end_pfn) {
    return find_biggest_section_pfn_by(k, k.ops.pfn_to_online_page, nid, zone, start_pfn, end_pfn);
}
pfn_t find_biggest_section_pfn_by(Kernel& k, PfnTest test, int nid, unsigned zone, pfn_t start_pfn, pfn_t end_pfn) {
    KCALL(k, "find_biggest_section_pfn");
    const u64 step = k.m.geo.pages_per_subsection;
    if (end_pfn == 0) return 0;
    for (pfn_t pfn = end_pfn - 1; pfn >= start_pfn;) {
        const PfnProbe p = probe_pfn(k.m, k.s, pfn);
        if (online_pfn_of_zone(k, test, p, pfn, nid, zone, "find_biggest_section_pfn")) return pfn;
        // previous walk position below the start of this run
        const pfn_t n = (pfn - p.run_lo) / step + 1;
        if (n * step > pfn) break;  // unsigned pfn would wrap below 0
        pfn -= n * step;
    }
    return 0;
}

void shrink_zone_span(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, pfn_t end_pfn) {
    KCALL(k, "shrink_zone_span");
    ZoneState& z = k.s.zone(nid, zone);
    if (z.zone_start_pfn == start_pfn) {
        // The removed range was the lowest: find the second smallest online pfn.
        const pfn_t pfn = k.ops.find_smallest_section_pfn(k, nid, zone, end_pfn, z.end_pfn());
        if (pfn) {
            z.spanned_pages = static_cast<u32>(z.end_pfn() - pfn);
            z.zone_start_pfn = static_cast<u32>(pfn);
        } else {
            z.zone_start_pfn = 0;
            z.spanned_pages = 0;
        }
    } else if (z.end_pfn() == end_pfn) {
        // The removed range was the highest: find the second biggest online pfn.
        const pfn_t pfn = k.ops.find_biggest_section_pfn(k, nid, zone, z.zone_start_pfn, start_pfn);
        if (pfn) {
            z.spanned_pages = static_cast<u32>(pfn - z.zone_start_pfn + 1);
        } else {
            z.zone_start_pfn = 0;
            z.spanned_pages = 0;
        }
    }
    // Otherwise a hole in the middle: the span stays.
}

void update_pgdat_span(Kernel& k, int nid) {
    KCALL(k, "update_pgdat_span");
    pfn_t node_start_pfn = 0, node_end_pfn = 0;
    NodeState& pgdat = k.s.nodes[nid];
    for (const ZoneState& z : pgdat.zones) {
        if (!z.spanned_pages) continue;
        if (!node_end_pfn) {
            node_start_pfn = z.zone_start_pfn;
            node_end_pfn = z.end_pfn();
            continue;
        }
        node_end_pfn = std::max<pfn_t>(node_end_pfn, z.end_pfn());
        node_start_pfn = std::min<pfn_t>(node_start_pfn, z.zone_start_pfn);
    }
    // The kernel's loop runs over every zone, ZONE_DEVICE included (KernelState::dev_zone).
    if (const DevZoneState& dz = k.s.dev_zone[nid]; dz.spanned_pages) {
        if (!node_end_pfn) {
            node_start_pfn = dz.zone_start_pfn;
            node_end_pfn = dz.zone_start_pfn + dz.spanned_pages;
        } else {
            node_end_pfn = std::max<pfn_t>(node_end_pfn, dz.zone_start_pfn + dz.spanned_pages);
            node_start_pfn = std::min<pfn_t>(node_start_pfn, dz.zone_start_pfn);
        }
    }
    pgdat.node_start_pfn = static_cast<u32>(node_start_pfn);
    pgdat.node_spanned_pages = static_cast<u32>(node_end_pfn - node_start_pfn);
}

}  // namespace hp::HP_DOMAIN::base
