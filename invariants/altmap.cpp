// I11 altmap: each block's vmem_altmap.alloc equals the vmemmap pages taken from it by
// populated sections, never exceeds its free pfns, is 0 once the block is removed, and
// altmap pfns are never handed to the buddy (f42ce5f087eb fixed the add error path that
// freed them with free_pages()).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool altmap_holds(const Machine& m, const KernelState& s, Violation* out) {
    const Geometry& g = m.geo;
    const u64 section_memmap = (g.memmap_bytes(g.pages_per_section) + g.page_size - 1) / g.page_size;
    u64 taken[MAX_BLOCKS] = {};
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const unsigned host = vmemmap_backing_of(bs);
        if (host >= MAX_BLOCKS) continue;
        taken[host] += section_memmap * popcount(bs.section_valid, 16);
    }
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const auto id = m.blocks[b].memory_block_id;
        if (bs.altmap_alloc != taken[b]) {
            *out = {"altmap", "altmap.alloc = vmemmap pages in use from the altmap",
                    fmt::format("memory{}: altmap alloc={} but populated sections use {} of its pfns as struct pages",
                                id, bs.altmap_alloc, taken[b])};
            return false;
        }
        if (bs.altmap_alloc > g.pages_per_block) {
            *out = {"altmap", "altmap.alloc <= altmap.free",
                    fmt::format("memory{}: altmap alloc={} exceeds the block's {} pfns", id, bs.altmap_alloc,
                                g.pages_per_block)};
            return false;
        }
        if (bs.state == MEM_ONLINE && bs.altmap_alloc > bs.nr_vmemmap_pages) {
            *out = {"altmap", "no altmap pfn is in the buddy",
                    fmt::format("memory{} is online with nr_vmemmap_pages={} but {} of its pfns back struct pages: "
                                "pfns [{:#x}, {:#x}) are both vmemmap and buddy pages",
                                id, bs.nr_vmemmap_pages, bs.altmap_alloc, m.blocks[b].start_pfn + bs.nr_vmemmap_pages,
                                m.blocks[b].start_pfn + bs.altmap_alloc)};
            return false;
        }
    }
    return true;
}

static bool altmap_not_freed_to_buddy(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::ALTMAP_FREED_TO_BUDDY) continue;
        *out = {"altmap-free", "altmap pages go back with vmem_altmap_free(), never free_pages()",
                fmt::format("{} freed {} vmemmap pages at pfn {:#x}, taken from an altmap, into the buddy allocator: "
                            "block-internal pfns become free memory while the block is still plugged",
                            o.func, o.nr, o.pfn)};
        return false;
    }
    return true;
}

void register_altmap(std::vector<Invariant>& v) {
    v.push_back({"altmap", "I11", "altmap.alloc matches the vmemmap pages in use; altmap pfns never reach the buddy",
                 "vmem_altmap_free(), altmap_alloc_block_buf(), free_hugepage_table()", altmap_holds, nullptr});
    v.push_back({"altmap-free", "I11", "vmemmap pages taken from an altmap are never freed into the buddy",
                 "arch_remove_memory(..., altmap) on every error path (f42ce5f087eb)", nullptr,
                 altmap_not_freed_to_buddy});
}

}  // namespace hp::HP_DOMAIN::inv
