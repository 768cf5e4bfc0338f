#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN {

const std::vector<Invariant>& all_invariants() {
    static const std::vector<Invariant> list = [] {
        std::vector<Invariant> v;
        inv::register_zone_span(v);
        inv::register_span_tight(v);
        inv::register_zone_empty(v);
        inv::register_node_span(v);
        inv::register_present_pages(v);
        inv::register_managed_pages(v);
        inv::register_section_state(v);
        inv::register_online_granularity(v);
        inv::register_removal_granularity(v);
        inv::register_altmap(v);
        inv::register_memmap_init(v);
        inv::register_node_lifecycle(v);
        inv::register_alignment(v);
        inv::register_refused_unchanged(v);
        inv::register_round_trip(v);
        inv::register_memmap_freed_in_use(v);
        inv::register_usage_lifetime(v);
        inv::register_memory_block_lifetime(v);
        inv::register_vmemmap_pagetables(v);
        inv::register_zone_device(v);
        inv::register_boot_placement(v);
        inv::register_section_memmap(v);
        return v;
    }();
    return list;
}

const Invariant* find_invariant(const std::string& name) {
    for (const Invariant& i : all_invariants())
        if (name == i.name) return &i;
    return nullptr;
}

}  // namespace hp::HP_DOMAIN
