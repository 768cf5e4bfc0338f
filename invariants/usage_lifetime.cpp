// I17 usage-lifetime: no kernel path reads ms->usage (pfn_section_valid(): the
// subsection_map) of a section whose usage was freed. valid_section() is the guard:
// section_deactivate() clears SECTION_HAS_MEM_MAP before it frees the usage
// (b943f045a9af), so pfn_valid() stops before pfn_section_valid(). Broken in 5.6-rc by
// d41e2f3bd546 (usage freed while the section still looked valid; ppc64 vmemmap_free()
// -> vmemmap_populated() -> pfn_valid() crashed on the NULL usage). The concurrent form
// (a reader between valid_section() and the free) is 5ec8e8ea8b77's RCU fix and needs
// interleavings (issue 11). Its allocation side: a cold-plugged DIMM's section has a usage from
// memblock (PageReserved), which section_deactivate() keeps and a re-add reuses; kfree() of it
// (the "if (!section_is_early)" test before 8068df3b6037, true for a re-added section) is judged
// here too.
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool usage_lifetime_holds(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind == Observation::USAGE_FREED_RESERVED) {
            const int b = st.m.block_of_pfn(o.pfn);
            *out = {"usage-lifetime", "ms->usage is freed only if section_activate() kzalloc()ed it",
                    fmt::format("{} kfree()d the memblock-allocated (PageReserved) ms->usage of pfn {:#x}{}: the "
                                "section was early at boot, was removed (usage kept) and re-added (usage reused, "
                                "no longer early); kfree() of a non-slab page is \"kernel BUG at mm/slub.c\" "
                                "(8068df3b6037)",
                                o.func, o.pfn,
                                b >= 0 ? fmt::format(" (memory{})", st.m.blocks[b].memory_block_id) : std::string())};
            return false;
        }
        if (o.kind != Observation::USAGE_READ_AFTER_FREE) continue;
        const int b = st.m.block_of_pfn(o.pfn);
        *out = {"usage-lifetime", "ms->usage is read only while it is allocated",
                fmt::format("{} read ms->usage->subsection_map for pfn {:#x}{}, whose mem_section_usage was freed "
                            "(NULL-pointer dereference before 5ec8e8ea8b77, use-after-free with it)",
                            o.func, o.pfn,
                            b >= 0 ? fmt::format(" (memory{})", st.m.blocks[b].memory_block_id) : std::string())};
        return false;
    }
    return true;
}

void register_usage_lifetime(std::vector<Invariant>& v) {
    v.push_back({"usage-lifetime", "I17",
                 "ms->usage is never read after section_deactivate() freed it, and a memblock-allocated usage is "
                 "never kfree()d",
                 "pfn_section_valid(), pfn_valid(), section_deactivate()", nullptr, usage_lifetime_holds});
}

}  // namespace hp::HP_DOMAIN::inv
