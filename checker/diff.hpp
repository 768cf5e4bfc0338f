// `hpcheck diff`: what does a patch change? Two variants explored in lockstep -- the
// product of the two kernel models, the same operation applied to both -- until their
// observable results differ: return codes, the /proc/zoneinfo fields of every zone
// (start_pfn, spanned, present, managed), every block's state and valid_zones. Breadth-
// first, so the reported sequence is a shortest one. "No difference" is claimed only when
// the product space was exhausted; a bound or limit makes the answer incomplete.
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

// Every observable of one state, in a stable order: (name, value).
std::vector<std::pair<std::string, std::string>> observables(const Machine& m, const KernelOps& ops,
                                                             const KernelState& s);

// Explore the product of variants `a` and `b` over the alphabet (exploration scenarios) or
// follow the fixed sequence `steps` (litmus scenarios, `litmus` true).
DiffResult diff_variants(const Machine& m, const Variant& a, const Variant& b, const std::vector<Action>& alphabet,
                         bool litmus, const Limits& lim);

// Convenience: a scenario's machine and alphabet (or steps); lim.max_depth 0 takes the
// scenario's max_depth.
DiffResult diff_scenario(const Scenario& sc, const Variant& a, const Variant& b, Limits lim);

// Human-readable report.
std::string format_diff(const Scenario& sc, const Variant& a, const Variant& b, const DiffResult& r);

}  // namespace hp
