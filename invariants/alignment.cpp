// I15 alignment: online_pages()/offline_pages() ranges start pageblock-aligned and end
// section-aligned, __add_pages() chunks are subsection-aligned, and the vmemmap pages of
// a block are a whole number of pageblocks (mhp_supports_memmap_on_memory()).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool alignment_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        if (bs.state == BLOCK_ABSENT || !bs.nr_vmemmap_pages) continue;
        if (bs.nr_vmemmap_pages % m.geo.pageblock_nr_pages == 0 && bs.nr_vmemmap_pages < m.geo.pages_per_block)
            continue;
        *out = {"alignment", "nr_vmemmap_pages is a whole number of pageblocks, smaller than the block",
                fmt::format("memory{}: nr_vmemmap_pages={} with pageblock_nr_pages={}: the buddy part starts "
                            "off a pageblock boundary",
                            m.blocks[b].memory_block_id, bs.nr_vmemmap_pages, m.geo.pageblock_nr_pages)};
        return false;
    }
    return true;
}

static bool ranges_aligned(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::MISALIGNED_RANGE) continue;
        *out = {"range-alignment", "kernel paths get pageblock/section/subsection-aligned ranges",
                fmt::format("{} called with [{:#x}, {:#x}) (WARN_ON_ONCE in the kernel)", o.func, o.pfn, o.pfn + o.nr)};
        return false;
    }
    return true;
}

void register_alignment(std::vector<Invariant>& v) {
    v.push_back({"alignment", "I15", "vmemmap pages are whole pageblocks; the buddy part of a block is aligned",
                 "mhp_supports_memmap_on_memory()", alignment_holds, nullptr});
    v.push_back({"range-alignment", "I15", "online_pages/offline_pages/__add_pages get aligned ranges",
                 "WARN_ON_ONCE in online_pages()/offline_pages(), check_pfn_span()", nullptr, ranges_aligned});
}

}  // namespace hp::HP_DOMAIN::inv
