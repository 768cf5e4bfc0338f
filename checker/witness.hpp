// `check --witness PREDICATE`: the shortest run that reaches a state, for teaching pictures
// of runs that break nothing (a litmus test that passes has its own trace; an exploration
// needs a state to aim at). PREDICATE is FIELD=VALUE[,FIELD=VALUE...] (or FIELD!=VALUE)
// over the kernel-named fields of spec/state_diff.cpp, e.g.
// "memory32.state=online,node0.Movable.spanned_pages=32768".
#pragma once
#include <string>
#include <vector>

#include "checker/run.hpp"

namespace hp {

struct WitnessTerm {
    std::string field;
    bool equal = true;
    std::string value;
};

struct WitnessPredicate {
    std::string text;
    std::vector<WitnessTerm> terms;
};

// Throws ScenarioError (file = the scenario, field "--witness") for a malformed predicate or a
// field this machine does not have.
WitnessPredicate parse_witness(const std::string& text, const Scenario& sc);
bool witness_holds(const Machine& m, const WitnessPredicate& p, const KernelState& s);

enum class WitnessOutcome { FOUND, UNREACHABLE, INCOMPLETE, VIOLATION };

struct WitnessResult {
    WitnessOutcome outcome = WitnessOutcome::UNREACHABLE;
    RunResult run;  // for FOUND: verdict pass, trace/replay to the witness state
};

// Breadth-first from the boot state until a state satisfies `p` (shortest run). An invariant
// violation met first is reported as such (VIOLATION, run as `check` would report it).
WitnessResult find_witness(const Scenario& sc, const RunOptions& opt, const WitnessPredicate& p);

}  // namespace hp
