// I22 online-page: pfn_to_online_page() never hands out a page of a ZONE_DEVICE range.
// Its callers (pfn walkers: soft_offline_page(), memory_failure(), compaction, kmemleak,
// page_owner...) take the page to be System RAM managed by the page allocator. In a
// section mixing boot RAM and a pmem range, online_section() and pfn_section_valid() both
// say yes for the pmem pfns; 1f90a3477df3 ("mm: teach pfn_to_online_page() about
// ZONE_DEVICE section collisions", 5.12) taints such sections (SECTION_TAINT_ZONE_DEVICE)
// and asks get_dev_pagemap() on them.
// I23 altmap-lifetime: when memunmap_pages() has torn a range down, its altmap handed back
// every pfn it gave out as struct pages (mm/memremap.c: WARN_ONCE(pgmap->altmap.alloc,
// "failed to free all reserved pages")); anything left is leaked device memory.
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool online_page_holds(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::ZONE_DEVICE_PAGE_ONLINE) continue;
        *out = {"online-page", "pfn_to_online_page() returns only pages of online System RAM",
                fmt::format("{} returned the struct page of pfn {:#x}, which belongs to a device range (ZONE_DEVICE, "
                            "or left behind by a memremap_pages() that failed): the caller treats device memory as a "
                            "page-allocator page",
                            o.func, o.pfn)};
        return false;
    }
    return true;
}

static bool altmap_lifetime_holds(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::ALTMAP_LEAK) continue;
        *out = {"altmap-lifetime", "a torn-down altmap has handed back every pfn it gave out",
                fmt::format("{}: the altmap at pfn {:#x} still has alloc={} after arch_remove_memory() "
                            "(\"failed to free all reserved pages\")",
                            o.func, o.pfn, o.nr)};
        return false;
    }
    return true;
}

void register_zone_device(std::vector<Invariant>& v) {
    v.push_back({"online-page", "I22", "pfn_to_online_page() never returns a ZONE_DEVICE page",
                 "pfn_to_online_page(), SECTION_TAINT_ZONE_DEVICE, get_dev_pagemap() (1f90a3477df3)", nullptr,
                 online_page_holds});
    v.push_back({"altmap-lifetime", "I23", "memunmap_pages() leaves no pfn allocated from the altmap",
                 "pageunmap_range(), vmem_altmap_free()", nullptr, altmap_lifetime_holds});
}

}  // namespace hp::HP_DOMAIN::inv
