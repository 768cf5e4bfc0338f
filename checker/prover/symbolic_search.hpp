// Symbolic reachability over every geometry in bounds: the kernel model's own functions
// (spec/ops, the variant's overrides, the invariants), compiled over symbolic terms (Z3 answers its branches), run from
// the boot state with the geometry parameters free. A symbolic state is a KernelState
// whose fields are terms over the geometry, together with the path condition (the
// geometry class) under which it is reached. Breadth-first, so the first violation has a
// shortest trace; a state equal to one already seen under a weaker condition is not
// expanded again. When no new state appears the search has reached its fixpoint: the
// states found are every state reachable by any sequence of operations on any geometry
// in bounds, and every invariant was checked in each of them — an unbounded proof.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checker/prover/geometry_params.hpp"
#include "spec/action.hpp"

namespace hp::prover {

struct SearchOptions {
    std::string variant = "v6.1";
    std::vector<std::string> invariants;   // names; empty = every invariant of the registry
    GeometryBounds bounds;
    ProverLayout layout;
    std::vector<Action> alphabet;          // prover_alphabet()
    unsigned max_depth = 0;                // 0: until the fixpoint
    std::uint64_t max_states = 200000;     // symbolic states
    unsigned rlimit = 2000000;             // Z3 resource limit per query (deterministic)
    std::function<void(const std::string&)> progress;  // a line per finished geometry class (may be empty)
    bool field_values = false;             // class engine: list each field's reachable values (SearchResult::invariant)
};

struct SymbolicViolation {
    std::vector<Action> trace;
    GeoParams geometry;                    // a model of the path condition
    std::string invariant, conjunct, detail;
    std::string condition;                 // the path condition, as Z3 prints it
};

struct SearchResult {
    enum class Outcome { FIXPOINT, VIOLATION, LIMIT };
    Outcome outcome = Outcome::LIMIT;
    unsigned depth_done = 0;               // every sequence of <= depth_done operations was explored
    std::uint64_t states = 0, transitions = 0, paths = 0, decisions = 0, queries = 0, cache_hits = 0, unknown = 0;
    std::optional<SymbolicViolation> violation;
    std::string limit;                     // what stopped the search, for LIMIT
    std::vector<std::string> checked;      // invariants checked
    std::vector<std::string> classes;      // geometry classes of the reachable states, with their counts
    std::uint64_t geometries = 0;          // class engine: the geometries in bounds it covered class by class
    std::vector<std::string> invariant;    // with field_values: per class, each field's reachable values in kernel terms
};

// Throws std::invalid_argument for an unknown variant or invariant.
SearchResult symbolic_search(const SearchOptions& opt);

}  // namespace hp::prover
