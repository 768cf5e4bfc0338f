// Mutants: one-line bugs injected into the baseline's kernel functions. They are not
// designs anybody proposed; they exist so that tests/test_prover.cpp can check that every
// checker — the explorer and `hpcheck prove` — sees a bug in spec/ops. Because the prover
// runs the same functions over Z3 terms, a mutant it called "proved" would mean the two
// builds of the model had drifted apart.
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {
void no_shrink_zone_span(Kernel&, int, unsigned, pfn_t, pfn_t) {}
void no_present_accounting(Kernel&, pfn_t, unsigned, i64) {}
void no_pgdat_update(Kernel&, int) {}
int online_pages_without_managed(Kernel& k, pfn_t pfn, u64 nr, int nid, unsigned zone, unsigned group) {
    const int ret = base::online_pages(k, pfn, nr, nid, zone, group);
    if (!ret) k.s.zone(nid, zone).managed_pages -= static_cast<u32>(nr);  // the bug: managed never grows
    return ret;
}
int vmemmap_always_normal(Kernel& k, pfn_t pfn, u64 nr, int nid, unsigned) {
    return base::mhp_init_memmap_on_memory(k, pfn, nr, nid, ZONE_NORMAL);  // the bug: ignores the zone
}
pfn_t smallest_off_by_one(Kernel& k, int nid, unsigned zone, pfn_t start, pfn_t end) {
    const pfn_t pfn = base::find_smallest_section_pfn(k, nid, zone, start, end);
    return pfn ? pfn + k.m.geo.pages_per_subsection : pfn;  // the bug: one subsection too far
}
void no_memmap_deinit(Kernel&, pfn_t, u64) {}
void depopulate_without_altmap(Kernel& k, pfn_t pfn, u64 nr, VmemAltmap*) {
    base::depopulate_section_memmap(k, pfn, nr, nullptr);  // the bug: vmemmap pages go to the buddy
}

Variant mutant(const char* name, const char* what, void (*inject)(KernelOps&)) {
    Variant v;
    v.name = name;
    v.parent = "v6.1";
    v.source = "test mutant (spec/variants/mutants.cpp): not a kernel version or design";
    v.description = what;
    v.ops = v6_1().ops;
    inject(v.ops);
    return v;
}
}  // namespace

void add_mutants(std::vector<Variant>& out) {
    out.push_back(mutant("mutant-no-shrink-zone-span", "shrink_zone_span() does nothing",
                         [](KernelOps& o) { o.shrink_zone_span = no_shrink_zone_span; }));
    out.push_back(mutant("mutant-no-present-accounting", "adjust_present_page_count() does nothing",
                         [](KernelOps& o) { o.adjust_present_page_count = no_present_accounting; }));
    out.push_back(mutant("mutant-no-pgdat-update", "update_pgdat_span() does nothing",
                         [](KernelOps& o) { o.update_pgdat_span = no_pgdat_update; }));
    out.push_back(mutant("mutant-managed-not-added", "online_pages() does not add to managed_pages",
                         [](KernelOps& o) { o.online_pages = online_pages_without_managed; }));
    out.push_back(mutant("mutant-vmemmap-always-normal", "mhp_init_memmap_on_memory() links to ZONE_NORMAL",
                         [](KernelOps& o) { o.mhp_init_memmap_on_memory = vmemmap_always_normal; }));
    out.push_back(mutant("mutant-smallest-off-by-one", "find_smallest_section_pfn() one subsection too far",
                         [](KernelOps& o) { o.find_smallest_section_pfn = smallest_off_by_one; }));
    out.push_back(mutant("mutant-no-memmap-deinit", "mhp_deinit_memmap_on_memory() does nothing",
                         [](KernelOps& o) { o.mhp_deinit_memmap_on_memory = no_memmap_deinit; }));
    out.push_back(mutant("mutant-altmap-dropped", "depopulate_section_memmap() ignores the altmap",
                         [](KernelOps& o) { o.depopulate_section_memmap = depopulate_without_altmap; }));
}

}  // namespace hp::HP_DOMAIN::variants
