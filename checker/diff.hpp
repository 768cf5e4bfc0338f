// `hpcheck diff`: what does a patch change? Two variants explored in lockstep -- the
// product of the two kernel models, the same operation applied to both -- until anything a
// reviewer cares about differs: whether the operation is possible, its return code, the
// invariant verdicts (a step after which one variant violates an invariant and the other
// does not), what the kernel paths observed (reads of poisoned struct pages, misaligned
// ranges, ...), every field of the state that has a kernel name (node spans, zone fields,
// memmap links, sections, altmap, DIMM/group state: spec/state_diff.cpp) and each block's
// valid_zones. Breadth-first, so the reported sequence is a shortest one. "No difference"
// is claimed only when the product space was exhausted; a bound or limit makes the answer
// incomplete.
#pragma once
#include <string>
#include <vector>

#include "checker/explorer.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

namespace hp {

// One observable that differs after the last step.
struct ObservableDiff {
    std::string what;  // e.g. "rc", "node0 Movable managed", "memory32 valid_zones"
    std::string a, b;
};

struct DiffStep {
    Action action;
    int rc_a = 0, rc_b = 0;
};

struct DiffResult {
    enum Kind { NO_DIFFERENCE, DIFFERENCE, INCOMPLETE } kind = NO_DIFFERENCE;
    std::string incomplete_reason;        // which limit cut the search short
    std::vector<DiffStep> trace;          // the shortest sequence, for DIFFERENCE
    std::vector<ObservableDiff> diffs;    // what differs after its last step
    std::uint64_t states = 0, transitions = 0;
    unsigned depth = 0;
    double seconds = 0;
};

// Every compared field of one state, in a stable order: (name, value): state_fields()
// plus each block's valid_zones (which depends on the variant's zone policy).
std::vector<std::pair<std::string, std::string>> observables(const Machine& m, const KernelOps& ops,
                                                             const KernelState& s);

// One line naming everything diff compares (printed in its report, so the reader knows
// what "no difference" covers).
extern const char* const kDiffCompared;

// Explore the product of variants `a` and `b` over the alphabet (exploration scenarios) or
// follow the fixed sequence `steps` (litmus scenarios, `litmus` true).
// `invs`: the invariants whose verdicts are compared (empty: all).
DiffResult diff_variants(const Machine& m, const Variant& a, const Variant& b, const std::vector<Action>& alphabet,
                         bool litmus, const Limits& lim, std::vector<const Invariant*> invs = {});

// Convenience: a scenario's machine and alphabet (or steps); lim.max_depth 0 takes the
// scenario's max_depth.
DiffResult diff_scenario(const Scenario& sc, const Variant& a, const Variant& b, Limits lim);

// Human-readable report.
std::string format_diff(const Scenario& sc, const Variant& a, const Variant& b, const DiffResult& r);

}  // namespace hp
