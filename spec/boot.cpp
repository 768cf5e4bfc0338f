// memblock_boot(): see spec/boot.hpp. Each step names the kernel function it follows.
#include "spec/boot.hpp"

#include <stdexcept>

#include "spec/boot_place.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace hp {

namespace {
std::uint64_t roundup(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }
}  // namespace

BootResult memblock_boot(const BootInput& in, int nr_nodes) {
    BootResult res;
    res.allocs = in.allocs;
    // The placement itself is spec/boot_place.cpp's memblock_place() (compiled twice: the
    // prover proves the same function, `hpcheck prove --boot`).
    if (in.memory.size() > static_cast<size_t>(MB_MAX_REGIONS) || in.allocs.size() > static_cast<size_t>(MB_MAX_ALLOCS))
        throw std::invalid_argument(fmt::format("memblock: at most {} regions and {} early allocations are modelled",
                                                MB_MAX_REGIONS, MB_MAX_ALLOCS));
    MbLayout l;
    bool some_mirror = false;  // system_has_some_mirror: memblock_mark_mirror() ran (only under kernelcore=mirror)
    for (const MemblockRegion& r : in.memory) {
        const bool mirror = in.kernelcore_mirror && r.mirror;
        l.region[l.nr_regions++] = {r.base_pfn, r.end_pfn, r.hotplug, r.nid, mirror};
        some_mirror = some_mirror || mirror;
    }
    l.has_mirror = some_mirror;
    l.kernel_start = in.kernel_start_pfn;
    l.kernel_end = in.kernel_end_pfn;
    for (const EarlyAlloc& a : in.allocs) l.alloc[l.nr_allocs++] = {a.pages, a.before_srat, a.nid, 0, false};
    l.movable_node = in.movable_node;
    l.bottom_up_for_movable_node = in.bottom_up_for_movable_node;
    memblock_place(l);
    res.bottom_up_before_srat = in.movable_node && in.bottom_up_for_movable_node;
    for (size_t i = 0; i < res.allocs.size(); ++i) {
        res.allocs[i].placed = l.alloc[i].placed;
        res.allocs[i].pfn = l.alloc[i].placed ? l.alloc[i].pfn : 0;
    }

    // find_zone_movable_pfns_for_nodes() (6.1 mm/page_alloc.c, 6.12 mm/mm_init.c).
    std::vector<std::uint64_t> zmp(static_cast<size_t>(nr_nodes), 0);
    auto node_range = [&](int nid, std::uint64_t& s, std::uint64_t& e) {
        s = ~0ull, e = 0;
        for (const MemblockRegion& r : in.memory)
            if (r.nid == nid) s = std::min(s, r.base_pfn), e = std::max(e, r.end_pfn);
        if (s > e) s = e = 0;
    };
    bool align = false;
    if (in.movable_node) {
        for (const MemblockRegion& r : in.memory)
            if (r.hotplug) zmp[r.nid] = zmp[r.nid] ? std::min(r.base_pfn, zmp[r.nid]) : r.base_pfn;
        align = true;  // goto out2
    } else if (in.kernelcore_mirror && (some_mirror || !in.mirror_needs_mirrored_memory)) {
        // "If kernelcore=mirror is specified, ignore movablecore option": ZONE_MOVABLE starts at
        // the lowest non-mirrored region at or above 4 GiB (PHYS_PFN(SZ_4G)); non-mirrored memory
        // below it stays kernel memory ("This configuration results in unmirrored kernel
        // memory"). Without any mirrored memory 6.6+ ignores kernelcore=mirror ("The system has no
        // mirror memory, ignore kernelcore=mirror.", 0db31d63f27e: goto out, no ZONE_MOVABLE);
        // before it every region above 4 GiB became ZONE_MOVABLE.
        for (const MemblockRegion& r : in.memory) {
            if (some_mirror && r.mirror) continue;
            if (r.base_pfn < in.pfn_4g) continue;
            zmp[r.nid] = zmp[r.nid] ? std::min(r.base_pfn, zmp[r.nid]) : r.base_pfn;
        }
        res.mirror_layout = true;
        align = true;  // goto out2
    } else if (!in.kernelcore_mirror) {
        std::uint64_t totalpages = 0;  // early_calculate_totalpages()
        for (const MemblockRegion& r : in.memory) totalpages += r.end_pfn - r.base_pfn;
        std::uint64_t required_kernelcore = in.kernelcore_pages;
        if (in.movablecore_pages) {
            std::uint64_t movable = std::min(totalpages, roundup(in.movablecore_pages, in.max_order_nr_pages));
            required_kernelcore = std::max(required_kernelcore, totalpages - movable);
        }
        if (required_kernelcore && required_kernelcore < totalpages) {
            // find_usable_zone_for_movable(): the highest kernel zone with memory.
            std::uint64_t max_end = 0;
            for (const MemblockRegion& r : in.memory) max_end = std::max(max_end, r.end_pfn);
            const std::uint64_t usable_startpfn =
                max_end > in.zone_normal_lowest_pfn ? in.zone_normal_lowest_pfn : in.zone_dma32_lowest_pfn;
            std::vector<int> nodes;  // for_each_node_state(nid, N_MEMORY)
            for (int n = 0; n < nr_nodes; ++n) {
                std::uint64_t s, e;
                node_range(n, s, e);
                if (e > s) nodes.push_back(n);
            }
            int usable_nodes = static_cast<int>(nodes.size());
            do {  // restart:
                std::uint64_t kernelcore_node = required_kernelcore / usable_nodes;
                for (int nid : nodes) {
                    if (required_kernelcore < kernelcore_node) kernelcore_node = required_kernelcore / usable_nodes;
                    std::uint64_t remaining = kernelcore_node;
                    for (const MemblockRegion& r : in.memory) {  // for_each_mem_pfn_range(nid)
                        if (r.nid != nid) continue;
                        std::uint64_t start = std::max(r.base_pfn, zmp[nid]);
                        const std::uint64_t end = r.end_pfn;
                        if (start >= end) continue;
                        if (start < usable_startpfn) {
                            const std::uint64_t kernel_pages = std::min(end, usable_startpfn) - start;
                            remaining -= std::min(kernel_pages, remaining);
                            required_kernelcore -= std::min(kernel_pages, required_kernelcore);
                            if (end <= usable_startpfn) {
                                zmp[nid] = end;
                                continue;
                            }
                            start = usable_startpfn;
                        }
                        std::uint64_t size = std::min(end - start, remaining);
                        zmp[nid] = start + size;
                        required_kernelcore -= std::min(required_kernelcore, size);
                        remaining -= size;
                        if (!remaining) break;
                    }
                }
                --usable_nodes;
            } while (usable_nodes && required_kernelcore > static_cast<std::uint64_t>(usable_nodes));
            align = true;
        }
    }
    if (align)  // out2: align to MAX_ORDER_NR_PAGES; none if it is past the node's end
        for (int nid = 0; nid < nr_nodes; ++nid) {
            zmp[nid] = roundup(zmp[nid], in.max_order_nr_pages);
            std::uint64_t s, e;
            node_range(nid, s, e);
            if (zmp[nid] >= e) zmp[nid] = 0;
        }
    res.zone_movable_pfn = zmp;
    return res;
}

void memblock_mark_mirror(BootInput& in, std::uint64_t base, std::uint64_t end) {
    std::vector<MemblockRegion> out;
    for (const MemblockRegion& r : in.memory) {
        const std::uint64_t lo = std::max(r.base_pfn, base), hi = std::min(r.end_pfn, end);
        if (lo >= hi) {
            out.push_back(r);
            continue;
        }
        if (r.base_pfn < lo) out.push_back({r.nid, r.base_pfn, lo, r.hotplug, r.what, r.mirror});
        out.push_back({r.nid, lo, hi, r.hotplug, r.what, true});
        if (hi < r.end_pfn) out.push_back({r.nid, hi, r.end_pfn, r.hotplug, r.what, r.mirror});
    }
    in.memory = out;
}

std::string boot_mirror_violation(const BootInput& in, const BootResult& r, std::uint64_t pages_per_block) {
    if (!in.kernelcore_mirror || !r.mirror_layout) return "";
    for (const EarlyAlloc& a : r.allocs) {
        if (!a.placed) continue;
        for (const MemblockRegion& m : in.memory) {
            const std::uint64_t zmp = static_cast<size_t>(m.nid) < r.zone_movable_pfn.size() ? r.zone_movable_pfn[m.nid] : 0;
            if (!zmp || m.mirror) continue;
            const std::uint64_t lo = std::max({a.pfn, m.base_pfn, zmp}), hi = std::min(a.pfn + a.pages, m.end_pfn);
            if (lo >= hi) continue;
            const bool any_mirror = std::any_of(in.memory.begin(), in.memory.end(), [](const MemblockRegion& x) { return x.mirror; });
            return fmt::format(
                "boot-mirror: early allocation '{}' ({} pages at pfn {:#x}) lies in non-mirrored {} at pfn {:#x}, in ZONE_MOVABLE "
                "of node {} (zone_movable_pfn {:#x}): kernel memory outside mirrored memory, and memory block {} holds "
                "PG_reserved pages in ZONE_MOVABLE and can never be offlined ({})",
                a.name, a.pages, a.pfn, m.what, lo, m.nid, zmp, lo / pages_per_block,
                any_mirror ? "memblock found no room in mirrored memory: \"Could not allocate ... of mirrored memory\""
                           : "no memory is mirrored, yet kernelcore=mirror made every region above 4 GiB ZONE_MOVABLE");
        }
    }
    return "";
}

std::string boot_layout_violation(const BootInput& in, const BootResult& r, std::uint64_t pages_per_block) {
    if (!in.movable_node) return "";
    for (const EarlyAlloc& a : r.allocs) {
        if (!a.placed) continue;
        for (const MemblockRegion& m : in.memory)
            if (m.hotplug && a.pfn < m.end_pfn && m.base_pfn < a.pfn + a.pages) {
                const std::uint64_t blk = std::max(a.pfn, m.base_pfn) / pages_per_block;
                return fmt::format(
                    "boot-placement: early allocation '{}' ({} pages at pfn {:#x}, {} SRAT) lies in hotpluggable {} "
                    "[{:#x}, {:#x}): memory block {} holds PG_reserved pages and can never be offlined or removed",
                    a.name, a.pages, a.pfn, a.before_srat ? "before" : "after", m.what, m.base_pfn, m.end_pfn, blk);
            }
    }
    for (const MemblockRegion& m : in.memory) {
        if (!m.hotplug) continue;
        const std::uint64_t zmp = static_cast<size_t>(m.nid) < r.zone_movable_pfn.size() ? r.zone_movable_pfn[m.nid] : 0;
        if (!zmp || m.base_pfn < zmp)
            return fmt::format("boot-movable: hotpluggable {} [{:#x}, {:#x}) on node {} is not in ZONE_MOVABLE "
                               "(zone_movable_pfn[{}] = {:#x})",
                               m.what, m.base_pfn, m.end_pfn, m.nid, m.nid, zmp);
    }
    return "";
}

std::string apply_boot_layout(Machine& m, BootInput in, bool bottom_up_for_movable_node) {
    in.bottom_up_for_movable_node = bottom_up_for_movable_node;
    const BootResult r = memblock_boot(in, m.nr_nodes);
    const std::uint64_t ppb = m.geo.pages_per_block;
    for (Dimm& d : m.dimms) {
        if (!d.coldplug) continue;
        const std::uint64_t end = d.base_pfn + d.nr_blocks * ppb;
        const std::uint64_t zmp = static_cast<size_t>(d.node) < r.zone_movable_pfn.size() ? r.zone_movable_pfn[d.node] : 0;
        if (zmp > d.base_pfn && zmp < end)
            return fmt::format("cold-plugged DIMM {} [{:#x}, {:#x}) straddles zone_movable_pfn[{}] = {:#x}: its blocks "
                               "would be in two zones (not modelled)", d.name, d.base_pfn, end, d.node, zmp);
        d.boot_zone = zmp && zmp <= d.base_pfn ? ZONE_MOVABLE : ZONE_NORMAL;
        d.pinned = 0;
        d.pinned_by.clear();
        for (const EarlyAlloc& a : r.allocs) {
            if (!a.placed || a.pfn >= end || a.pfn + a.pages <= d.base_pfn) continue;
            const std::uint64_t first = (std::max<std::uint64_t>(a.pfn, d.base_pfn) - d.base_pfn) / ppb;
            const std::uint64_t last = (std::min<std::uint64_t>(a.pfn + a.pages, end) - 1 - d.base_pfn) / ppb;
            for (std::uint64_t i = first; i <= last; ++i) d.pinned |= 1u << i;
            const bool up = a.before_srat && r.bottom_up_before_srat;
            d.pinned_by += fmt::format("{}'{}' ({} pages at pfn {:#x}, memblock {} {} SRAT)", d.pinned_by.empty() ? "" : ", ",
                                       a.name, a.pages, a.pfn, up ? "bottom-up" : "top-down",
                                       a.before_srat ? "before" : "after");
        }
    }
    return "";
}

namespace {
// kernelcore=mirror (r.mirror_layout): zone_spanned_pages_in_node() / zone_absent_pages_in_node()
// with mirrored_kernelcore (6.1 mm/page_alloc.c, 6.12 mm/mm_init.c). ZONE_MOVABLE spans
// [zone_movable_pfn, node end) and holds the non-mirrored pages there; a kernel zone starting
// below zone_movable_pfn keeps its whole span and its other pages (ZONE_NORMAL: the mirrored
// ones, the non-mirrored being absent); one starting at or above it is emptied, and mirrored
// pages in it belong to no zone (ZONE_MOVABLE counts them absent). Present and managed pages
// of a carved zone go to its pieces from the top (no holes assumed there, as below).
void carve_mirror(const BootZone& z, std::uint64_t zmp, const BootInput& in, std::vector<BootZone>& out) {
    std::uint64_t present = z.present, managed = z.managed;
    std::vector<BootZone> pieces;  // of [max(start, zmp), end), split by mirroring, bottom-up
    const std::uint64_t from = std::max<std::uint64_t>(z.start_pfn, zmp);
    for (const MemblockRegion& r : in.memory) {
        const std::uint64_t lo = std::max<std::uint64_t>(r.base_pfn, from), hi = std::min<std::uint64_t>(r.end_pfn, z.end_pfn);
        if (lo >= hi) continue;
        if (r.mirror && z.start_pfn >= zmp) continue;  // absent from ZONE_MOVABLE, the kernel zone is empty
        pieces.push_back({z.node, r.mirror ? z.zone : ZONE_MOVABLE, lo, hi, 0, 0});
    }
    if (z.start_pfn < zmp) pieces.push_back({z.node, z.zone, z.start_pfn, zmp, 0, 0});
    std::sort(pieces.begin(), pieces.end(), [](const BootZone& a, const BootZone& b) { return a.start_pfn > b.start_pfn; });
    for (BootZone& p : pieces) {  // from the top
        p.present = std::min<std::uint64_t>(p.end_pfn - p.start_pfn, present);
        present -= p.present;
        p.managed = std::min<std::uint64_t>(p.present, managed);
        managed -= p.managed;
        out.push_back(p);
    }
    if (z.start_pfn < zmp) {  // the kernel zone keeps its span over ZONE_MOVABLE's memory
        BootZone span{z.node, z.zone, zmp, z.end_pfn, 0, 0};
        span.span_only = true;
        out.push_back(span);
    }
}
}  // namespace

void carve_boot_movable(Machine& m, const BootResult& r, const BootInput& in) {
    const std::vector<std::uint64_t>& zone_movable_pfn = r.zone_movable_pfn;
    std::vector<BootZone> out;
    std::vector<std::uint64_t> node_end(static_cast<size_t>(m.nr_nodes), 0);
    for (const BootZone& z : m.boot) node_end[z.node] = std::max<std::uint64_t>(node_end[z.node], z.end_pfn);
    for (const BootZone& z : m.boot) {
        const std::uint64_t zmp = static_cast<size_t>(z.node) < zone_movable_pfn.size() ? zone_movable_pfn[z.node] : 0;
        if (!zmp || z.zone == ZONE_MOVABLE || z.end_pfn <= zmp) {
            out.push_back(z);
            continue;
        }
        if (r.mirror_layout) {
            carve_mirror(z, zmp, in, out);
            continue;
        }
        const std::uint64_t start = std::max<std::uint64_t>(z.start_pfn, zmp), moved = z.end_pfn - start;
        BootZone mv{z.node, ZONE_MOVABLE, start, z.end_pfn, std::min<std::uint64_t>(moved, z.present),
                    std::min<std::uint64_t>(moved, z.managed)};
        if (z.start_pfn < zmp) {  // "ZONE_MOVABLE starting within this range": the zone ends at zmp
            BootZone keep = z;
            keep.end_pfn = zmp;
            keep.present = z.present - mv.present;
            keep.managed = z.managed - mv.managed;
            out.push_back(keep);
        }
        out.push_back(mv);
    }
    if (r.mirror_layout)  // ZONE_MOVABLE spans to the node's end even where its last pages are mirrored
        for (int n = 0; n < m.nr_nodes; ++n) {
            const std::uint64_t zmp = static_cast<size_t>(n) < zone_movable_pfn.size() ? zone_movable_pfn[n] : 0;
            if (!zmp || zmp >= node_end[n]) continue;
            std::uint64_t movable_end = 0;  // of its pages: a span-only piece only where the span goes further
            for (const BootZone& z : out)
                if (z.node == n && z.zone == ZONE_MOVABLE) movable_end = std::max<std::uint64_t>(movable_end, z.end_pfn);
            if (movable_end >= node_end[n]) continue;
            BootZone span{n, ZONE_MOVABLE, zmp, node_end[n], 0, 0};
            span.span_only = true;
            out.push_back(span);
        }
    std::stable_sort(out.begin(), out.end(), [](const BootZone& a, const BootZone& b) { return a.start_pfn < b.start_pfn; });
    m.boot = out;
}

std::string layout_boot(Machine& m, const std::vector<BootZone>& boot, BootInput in, bool bottom_up_for_movable_node,
                        bool mirror_needs_mirrored_memory) {
    in.bottom_up_for_movable_node = bottom_up_for_movable_node;
    in.mirror_needs_mirrored_memory = mirror_needs_mirrored_memory;
    m.boot = boot;
    m.finalize();
    carve_boot_movable(m, memblock_boot(in, m.nr_nodes), in);
    m.finalize();
    return apply_boot_layout(m, in, bottom_up_for_movable_node);
}

}  // namespace hp
