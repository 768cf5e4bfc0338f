// Field-by-field comparison of two states, in kernel field names and /proc/zoneinfo
// terms, for reports ("Movable.zone_start_pfn 0x100000 -> 0x108000").
#pragma once
#include <string>
#include <vector>

#include "spec/state.hpp"

namespace hp {

struct FieldChange {
    std::string field;  // e.g. "node0.Movable.spanned_pages", "memory33.state"
    std::string before;
    std::string after;
};

std::vector<FieldChange> diff_states(const Machine& m, const KernelState& a, const KernelState& b);

// Every observable field of a state as (field, value), in a stable order.
std::vector<std::pair<std::string, std::string>> state_fields(const Machine& m, const KernelState& s);

}  // namespace hp
