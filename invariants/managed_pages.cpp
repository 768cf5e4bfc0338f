// I6 managed-pages: managed_pages <= present_pages, and the hot-plugged part of
// managed_pages is exactly the online pages that went to the buddy: vmemmap pages are
// present but never managed (a08a2ae34613). Broken by freeing altmap pages with
// free_pages() or counting vmemmap pages in managed.
#include <fmt/format.h>

#include "invariants/census.hpp"
#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool managed_pages_holds(const Machine& m, const KernelState& s, Violation* out) {
    u64 buddy_pages[MAX_NODES][MAX_NR_ZONES] = {};
    for_each_run(m, s, [&](const MemRun& r) {
        if (!r.vmemmap && r.online && Memmap::initialized(r.memmap)) {
            u64 pages = r.pages();
            // minus virtio-mem's fake-offline sub-blocks (SBM), once per block
            if (!m.virtio_mems.empty() && r.lo == m.blocks[r.block].start_pfn) pages -= sbm_unplugged_pages(m, s, r.block);
            buddy_pages[Memmap::nid(r.memmap)][Memmap::zone(r.memmap)] += pages;
        }
    });
    for (int nid = 0; nid < m.nr_nodes; ++nid)
        for (unsigned zi = 0; zi < MAX_NR_ZONES; ++zi) {
            const ZoneState& z = s.zone(nid, zi);
            if (z.managed_pages > z.present_pages) {
                *out = {"managed-pages", "managed_pages <= present_pages",
                        fmt::format("node {} {}: managed_pages={} > present_pages={}", nid, zone_name(zi),
                                    z.managed_pages, z.present_pages)};
                return false;
            }
            const u64 boot = m.boot_managed(nid, zi);
            const u64 want = boot + buddy_pages[nid][zi];
            if (z.managed_pages == want) continue;
            *out = {"managed-pages", "managed_pages = boot managed + online non-vmemmap hot-plugged pages",
                    fmt::format("node {} {}: managed_pages={} but {} boot + {} online buddy pages = {} (off by {:+}); "
                                "vmemmap pages are present but never managed",
                                nid, zone_name(zi), z.managed_pages, boot, buddy_pages[nid][zi], want,
                                static_cast<i64>(z.managed_pages) - static_cast<i64>(want))};
            return false;
        }
    return true;
}

void register_managed_pages(std::vector<Invariant>& v) {
    v.push_back({"managed-pages", "I6", "managed_pages <= present_pages; vmemmap pages are present but never managed",
                 "online_pages_range()/generic_online_page(), adjust_managed_page_count()", managed_pages_holds,
                 nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
