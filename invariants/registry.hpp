// Each invariant file registers itself through one function listed in registry.cpp.
#pragma once
#include "invariants/invariant.hpp"

namespace hp::HP_DOMAIN::inv {
void register_zone_span(std::vector<Invariant>&);
void register_span_tight(std::vector<Invariant>&);
void register_zone_empty(std::vector<Invariant>&);
void register_node_span(std::vector<Invariant>&);
void register_present_pages(std::vector<Invariant>&);
void register_managed_pages(std::vector<Invariant>&);
void register_section_state(std::vector<Invariant>&);
void register_online_granularity(std::vector<Invariant>&);
void register_removal_granularity(std::vector<Invariant>&);
void register_altmap(std::vector<Invariant>&);
void register_memmap_init(std::vector<Invariant>&);
void register_node_lifecycle(std::vector<Invariant>&);
void register_alignment(std::vector<Invariant>&);
void register_refused_unchanged(std::vector<Invariant>&);
void register_round_trip(std::vector<Invariant>&);
void register_memmap_freed_in_use(std::vector<Invariant>&);
void register_usage_lifetime(std::vector<Invariant>&);
void register_zone_device(std::vector<Invariant>& v);
void register_memory_block_lifetime(std::vector<Invariant>&);
void register_vmemmap_pagetables(std::vector<Invariant>&);
void register_boot_placement(std::vector<Invariant>&);
void register_section_memmap(std::vector<Invariant>&);
}  // namespace hp::HP_DOMAIN::inv
