// Real kernel bugs of subsection hot-add (ZONE_DEVICE / pmem in mixed sections), each as
// the buggy form of the one kernel function its fix changed, on the 6.1 call paths
// (spec/ops/subsection.cpp). Scenarios: spec/scenarios/bug-*-*.toml with `[[device]]`;
// tests/test_zone_device.cpp checks each violates under its variant and passes under v6.1.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// Before 1f90a3477df3 "mm: teach pfn_to_online_page() about ZONE_DEVICE section
// collisions" (5.12-rc, Dan Williams): online_section() && pfn_section_valid() (the form
// the same series' "teach pfn_to_online_page() to consider subsection validity" left). A
// pmem pfn in a section whose other half is online System RAM is "online".
flag pfn_to_online_page_no_zone_device(Kernel& k, pfn_t pfn) {
    if (!k.ops.online_section(k, pfn)) return false;
    return k.ops.pfn_section_valid(k, pfn);
}

// Before 77e080e7680e "mm/memunmap: don't access uninitialized memmap in memunmap_pages()"
// (5.4-rc, Aneesh Kumar K.V; in David Hildenbrand's "Shrink zones before removing memory" v6):
// devm_memremap_pages_release() took the zone to shrink from page_zone() of the range's
// first pfn. With an altmap that pfn is the nd_pfn reserve, whose struct page no init ever
// touched (memmap_init_range() starts at base + reserve; memmap_init_zone_device() at
// pfn_first()). The fix reads pfn_to_page(pfn_first()).
void memunmap_pages_first_pfn(Kernel& k, unsigned dev) {
    const Device& dv = k.m.devices[dev];
    KCALL(k, "memunmap_pages");
    // page_zone(pfn_to_page(PHYS_PFN(res->start))): the one line the fix changed.
    base::read_device_memmap(k, dev, dv.base_pfn, "memunmap_pages");
    // The rest is the fixed teardown (which reads pfn_first() again: harmless).
    base::memunmap_pages(k, dev);
}

Variant zd_bug(const char* name, const char* source, const char* what, void (*apply)(KernelOps&)) {
    Variant v;
    v.name = name;
    v.parent = "v6.1";
    v.source = source;
    v.description = what;
    v.ops = ops_of("v6.1");
    apply(v.ops);
    return v;
}

}  // namespace

void add_zone_device_bugs(std::vector<Variant>& out) {
    out.push_back(zd_bug("bug-1f90a3477df3",
                         "before 1f90a3477df3 \"mm: teach pfn_to_online_page() about ZONE_DEVICE section collisions\" "
                         "(5.12-rc)",
                         "pfn_to_online_page() is online_section() && pfn_section_valid(): in a section shared by "
                         "System RAM and a pmem range it returns the pmem pages (soft_offline_page() then works on "
                         "ZONE_DEVICE memory).",
                         [](KernelOps& o) { o.pfn_to_online_page = pfn_to_online_page_no_zone_device; }));
    out.push_back(zd_bug("bug-ef69bc9f689d",
                         "before ef69bc9f689d \"mm/sparse: never partially remove memmap for early section\" (5.7-rc)",
                         "section_deactivate() depopulates the memmap of subsections removed from an early section; "
                         "section_activate() reuses the boot memmap when they come back, so re-adding the range "
                         "writes unmapped struct pages.",
                         // v5.4's section_deactivate() (spec/variants/v5_4.cpp), by name: 5.4 is before the fix.
                         [](KernelOps& o) { o.section_deactivate = ops_of("v5.4").section_deactivate; }));
    out.push_back(zd_bug("bug-77e080e7680e",
                         "before 77e080e7680e \"mm/memunmap: don't access uninitialized memmap in memunmap_pages()\" "
                         "(5.4-rc, Aneesh Kumar K.V)",
                         "memunmap_pages() takes the zone from page_zone() of the range's first pfn; with an altmap "
                         "that is the reserve, whose struct page was never initialized.",
                         [](KernelOps& o) { o.memunmap_pages = memunmap_pages_first_pfn; }));
}

}  // namespace hp::HP_DOMAIN::variants
