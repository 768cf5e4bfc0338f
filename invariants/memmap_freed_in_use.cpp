// T3 memmap-freed-in-use: a kernel path never frees vmemmap -- the struct pages, or the
// memory backing them -- while a section that is still present uses it. I9's "no block's
// memmap is freed while it is still present", checked on the step itself: the state after
// a removal no longer shows the order in which the sections went. The 2019 RFC (seed 001)
// deferred vmemmap_free() to the last section and ran it backwards for exactly this reason:
// its vmemmap pages (head page with the section refcount, tails pointing at it) are
// described by the first section's memmap, so removing that section first frees memory the
// later sections still read. Kernel paths report it as Observation::MEMMAP_FREED_IN_USE.
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool memmap_not_freed_in_use(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::MEMMAP_FREED_IN_USE) continue;
        const int b = st.m.block_of_pfn(o.pfn);
        *out = {"memmap-freed-in-use", "vmemmap is freed only after every section using it",
                fmt::format("{} freed the memmap of pfn {:#x}{} while {} struct-page pages of sections still present "
                            "live in the vmemmap pages it describes: the later sections' removal reads freed memory "
                            "(use-after-free of the memmap)",
                            o.func, o.pfn,
                            b >= 0 ? fmt::format(" (memory{})", st.m.blocks[b].memory_block_id) : std::string(), o.nr)};
        return false;
    }
    return true;
}

void register_memmap_freed_in_use(std::vector<Invariant>& v) {
    v.push_back({"memmap-freed-in-use", "T3", "vmemmap is never freed while a present section still uses it",
                 "section_deactivate()/depopulate_section_memmap() order; the RFC's deferred backwards vmemmap_free()",
                 nullptr, memmap_not_freed_in_use});
}

}  // namespace hp::HP_DOMAIN::inv
