// memblock_boot(): see spec/boot.hpp. Each step names the kernel function it follows.
#include "spec/boot.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hp {

namespace {
struct Range {
    std::uint64_t start, end;
};

// Free ranges of memblock.memory minus memblock.reserved, optionally skipping regions as
// should_skip_region() does (hotpluggable memory under movable_node once SRAT is parsed)
// and regions of other nodes (nid >= 0).
std::vector<Range> free_ranges(const BootInput& in, const std::vector<Range>& reserved, bool skip_hotplug, int nid) {
    std::vector<Range> out;
    for (const MemblockRegion& r : in.memory) {
        if (skip_hotplug && r.hotplug) continue;
        if (nid >= 0 && r.nid != nid) continue;
        std::uint64_t cur = std::max<std::uint64_t>(r.base_pfn, 1);  // "avoid allocating the first page"
        for (const Range& res : reserved) {  // reserved is sorted
            if (res.end <= cur || res.start >= r.end_pfn) continue;
            if (res.start > cur) out.push_back({cur, std::min(res.start, r.end_pfn)});
            cur = std::max(cur, res.end);
        }
        if (cur < r.end_pfn) out.push_back({cur, r.end_pfn});
    }
    return out;
}

// __memblock_find_range_bottom_up() / __memblock_find_range_top_down() (page alignment).
bool find_range(const std::vector<Range>& ranges, std::uint64_t pages, bool bottom_up, std::uint64_t& pfn) {
    if (bottom_up) {
        for (const Range& r : ranges)
            if (r.end - r.start >= pages) return pfn = r.start, true;
    } else {
        for (auto it = ranges.rbegin(); it != ranges.rend(); ++it)
            if (it->end - it->start >= pages) return pfn = it->end - pages, true;
    }
    return false;
}

std::uint64_t roundup(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }
}  // namespace

BootResult memblock_boot(const BootInput& in, int nr_nodes) {
    BootResult res;
    res.allocs = in.allocs;
    std::vector<Range> reserved{{0, 256}};  // x86: the first 1 MiB is reserved early (real mode, BIOS)
    if (in.kernel_end_pfn > in.kernel_start_pfn) reserved.push_back({in.kernel_start_pfn, in.kernel_end_pfn});
    auto reserve = [&](std::uint64_t s, std::uint64_t e) {
        reserved.push_back({s, e});
        std::sort(reserved.begin(), reserved.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
    };
    std::sort(reserved.begin(), reserved.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
    // setup_arch(): if (movable_node_is_enabled()) memblock_set_bottom_up(true);
    res.bottom_up_before_srat = in.movable_node && in.bottom_up_for_movable_node;
    for (EarlyAlloc& a : res.allocs) {
        // Before SRAT: the hotplug flags are not set yet, nothing is skipped. After numa_init():
        // top-down again (memblock_set_bottom_up(false)), hotpluggable regions skipped under
        // movable_node (should_skip_region()).
        const bool bottom_up = a.before_srat && res.bottom_up_before_srat;
        const bool skip = !a.before_srat && in.movable_node;
        std::uint64_t pfn = 0;
        bool ok = false;
        if (a.nid >= 0) ok = find_range(free_ranges(in, reserved, skip, a.nid), a.pages, bottom_up, pfn);
        if (!ok) ok = find_range(free_ranges(in, reserved, skip, -1), a.pages, bottom_up, pfn);  // any node
        a.placed = ok;
        if (ok) {
            a.pfn = pfn;
            reserve(pfn, pfn + a.pages);
        }
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

}  // namespace hp
