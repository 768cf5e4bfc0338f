// memblock_boot(): see spec/boot.hpp. Each step names the kernel function it follows.
#include "spec/boot.hpp"

#include <stdexcept>

#include "spec/boot_place.hpp"

#include <fmt/format.h>

#include <algorithm>

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
    for (const MemblockRegion& r : in.memory) l.region[l.nr_regions++] = {r.base_pfn, r.end_pfn, r.hotplug, r.nid};
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
    } else {
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

void carve_boot_movable(Machine& m, const std::vector<std::uint64_t>& zone_movable_pfn) {
    std::vector<BootZone> out;
    for (const BootZone& z : m.boot) {
        const std::uint64_t zmp = static_cast<size_t>(z.node) < zone_movable_pfn.size() ? zone_movable_pfn[z.node] : 0;
        if (!zmp || z.zone == ZONE_MOVABLE || z.end_pfn <= zmp) {
            out.push_back(z);
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
    std::sort(out.begin(), out.end(), [](const BootZone& a, const BootZone& b) { return a.start_pfn < b.start_pfn; });
    m.boot = out;
}

}  // namespace hp
