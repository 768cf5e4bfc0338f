// `hpcheck explain`: a violating trace told in kernel terms — per step the user's command
// (sysfs write or QMP), the kernel functions that ran, every field that changed in
// /proc/zoneinfo / sysfs / struct terms, and the invariant's report at the offending pfn.
#pragma once
#include <string>

#include "checker/report_itf.hpp"

namespace hp {

// One state, compactly: the /proc/zoneinfo numbers of every non-empty zone, the node
// spans, and each memory block's sysfs state.
std::string format_state_summary(const Machine& m, const KernelState& s);

// Where a changed field shows up for a kernel developer.
enum class FieldPlace { ZONEINFO, NODE, SYSFS, INTERNAL, PLATFORM };
struct FieldInfo {
    FieldPlace place;
    std::string where;  // "Node 0, zone Movable", "memory33", "dimm0", "node0"
    std::string name;   // "start_pfn:", "spanned", "state", "mem->nr_vmemmap_pages", ...
};
FieldInfo classify_field(const std::string& field);

// Everything about one pfn in one state, one line: block, section, subsection, vmemmap
// or buddy page, online, what its struct page says, which zone spans it.
std::string describe_pfn(const Machine& m, const KernelState& s, pfn_t pfn);

// The changes of one step grouped the way a kernel developer looks at them (sysfs,
// /proc/zoneinfo, pglist_data, kernel structures), each line prefixed by `indent`.
std::string format_changes(const Machine& m, const std::vector<FieldChange>& changes, const std::string& indent);

struct ExplainOptions {
    bool diff_only = false;
};
// The whole story. `rep` must come from replay_itf(t) (the model's own execution).
std::string format_explain(const LoadedTrace& t, const ReplayReport& rep, const ExplainOptions& opt);

// Per step, the sysfs valid_zones changes (before -> after) of every present block.
std::vector<FieldChange> valid_zones_changes(const Machine& m, const KernelOps& ops, const KernelState& a,
                                             const KernelState& b);

}  // namespace hp
