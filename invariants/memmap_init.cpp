// I12 memmap-init: every pfn walker reads page_zone()/page_to_nid() only where
// pfn_to_online_page() says the memmap is initialized. The shrink searches,
// adjust_present_page_count(), offline_pages()' zone check, set_zone_contiguous() all do.
// Broken before 00d6c019b5bc / feee6b298916 (5.4/5.5): shrinking at remove time read
// poisoned memmaps.
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool memmap_init_holds(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::POISONED_MEMMAP_READ && o.kind != Observation::UNMAPPED_MEMMAP_READ) continue;
        const int b = st.m.block_of_pfn(o.pfn);
        *out = {"memmap-init", "page_zone()/page_to_nid() only on initialized struct pages",
                fmt::format("{} read the struct page of pfn {:#x}{} which is {}", o.func, o.pfn,
                            b >= 0 ? fmt::format(" (memory{})", st.m.blocks[b].memory_block_id) : std::string(),
                            o.kind == Observation::POISONED_MEMMAP_READ
                                ? "poisoned (uninitialized): the zone/node it yields is garbage"
                                : "not even mapped (no valid section)")};
        return false;
    }
    return true;
}

void register_memmap_init(std::vector<Invariant>& v) {
    v.push_back({"memmap-init", "I12", "a struct page is read only where pfn_to_online_page() vouches for it",
                 "pfn_to_online_page(); find_smallest/biggest_section_pfn()", nullptr, memmap_init_holds});
}

}  // namespace hp::HP_DOMAIN::inv
