// Invariants: one per file, each with its name, what it means, the kernel code that relies
// on it, and a predicate that returns the exact conjunct that failed with the values.
//
// State invariants are checked in every reachable state; transition properties on every
// step (before, action, after, and what the kernel paths observed while running).
#pragma once
#include <string>
#include <vector>

#include "spec/action.hpp"

namespace hp::HP_DOMAIN {

struct Violation {
    std::string invariant;  // e.g. "zone-span"
    std::string conjunct;   // e.g. "online pfn inside its zone's span"
    std::string detail;     // values: which pfn, which field, expected vs actual
};

struct Step {
    const Machine& m;
    const KernelState& before;
    const KernelState& after;
    const Action& action;
    const StepResult& result;
};

struct Invariant {
    const char* name;      // CLI / scenario name
    const char* id;        // docs/kernel-reference.md §7 id ("I1") or "T1" for transition properties
    const char* summary;   // one line
    const char* kernel;    // which kernel code relies on it / where it comes from
    // Exactly one of these is set. They return true when the property holds and fill
    // *out only when it does not (no allocation on the hot path).
    bool (*holds_in)(const Machine&, const KernelState&, Violation* out) = nullptr;
    bool (*holds_on)(const Step&, Violation* out) = nullptr;
};

const std::vector<Invariant>& all_invariants();
const Invariant* find_invariant(const std::string& name);

}  // namespace hp::HP_DOMAIN
