// `hpcheck tests --cover`: model-based test generation. Explores a scenario's state space
// breadth-first and, for every transition, re-runs the kernel functions with the narrative
// on to see which coverage items it hits. A coverage item is
//   fn:NAME           a kernel function of the model ran (KCALL),
//   say:FN:TEXT       a narrative line (KSAY: a WARN, a pr_warn, a decision) inside FN, with
//                     numbers replaced by '#' (so "pfn 0x8000" and "pfn 0x8200" are one item),
//   rc:ACTION:ERRNO   an entry point returned that code (every refusal errno).
// Every item gets the shortest sequence reaching it; sequences that are prefixes of others
// are dropped. Coverage = items the sequences hit / items reachable in the model (both
// measured by replaying); kernel functions defined for the variant (spec/ops + its variant
// files) that no reachable transition calls are listed as never reached.
#pragma once
#include <string>
#include <vector>

#include "checker/explorer.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

namespace hp {

struct CoverOptions {
    bool with_faults = false;  // the real kernel cannot be forced into model faults: off by default
    Limits limits;             // max_states / max_depth (0: the scenario's)
};

struct CoverResult {
    std::vector<std::vector<Action>> sequences;
    std::vector<std::string> reachable;      // every item reachable in the explored space, sorted
    std::vector<std::string> hit;            // items the sequences hit when replayed, sorted
    std::vector<std::string> never_called;   // kernel functions defined for the variant, never run
    std::size_t functions_defined = 0;
    std::uint64_t states = 0, transitions = 0;
    bool complete = true;                    // false: a limit cut the exploration short
};

CoverResult generate_covering_tests(const Scenario& sc, const Variant& v, const CoverOptions& opt);

// The items one step hits (exposed for tests).
std::vector<std::string> coverage_items(const Action& a, int rc, const CallLog& log);

// The sequences in conformance/record.py's --steps format: {"sequences": [[{op, args}...]]}
// with DIMM slots d1, d2, ... (a fresh slot per add, as record.py names them).
std::string format_sequences_json(const Scenario& sc, const Variant& v, const CoverResult& r);

}  // namespace hp
