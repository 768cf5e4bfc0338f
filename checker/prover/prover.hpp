// `hpcheck prove`: the kernel model's own functions, run symbolically over every geometry
// in bounds (symbolic_search.hpp), with honest verdicts:
//   proved          the symbolic search reached its fixpoint: every state reachable by
//                   any sequence of operations, on every geometry in bounds, satisfies
//                   every checked invariant;
//   bounded         the user bounded the depth: every sequence of <= N operations;
//   counterexample  a violation whose geometry and trace replay in the explicit model;
//   unknown         a limit ran out first (which one is said);
// and a counterexample that does not replay in the explicit model is an internal error.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checker/prover/geometry_params.hpp"
#include "checker/prover/class_search.hpp"

namespace hp::prover {

// How the geometries in bounds are covered: one concrete geometry class after another
// (class_search.hpp; the default), or all at once with path forking (symbolic_search.hpp).
enum class Engine { CLASSES, PATHS };

enum class Verdict { PROVED, BOUNDED, COUNTEREXAMPLE, UNKNOWN, INTERNAL_ERROR };
const char* verdict_name(Verdict v);

struct ProveOptions {
    std::string variant = "v6.1";
    std::vector<std::string> invariants;   // empty: every invariant
    GeometryBounds bounds;
    ProverLayout layout;
    std::vector<FaultKind> faults{FaultKind::UNMOVABLE_PAGES, FaultKind::NOTIFIER_VETO_ONLINE,
                                  FaultKind::NOTIFIER_VETO_OFFLINE, FaultKind::SECTION_ENOMEM,
                                  FaultKind::MEMORY_BLOCK_ENOMEM};
    unsigned max_depth = 0;                // 0: until the fixpoint
    std::uint64_t max_states = 200000;
    unsigned rlimit = 2000000;
    Engine engine = Engine::CLASSES;
    std::function<void(const std::string&)> progress;  // see SearchOptions
    bool print_invariant = false;          // class engine: SearchResult::invariant, each field's reachable values
};

// "injected faults unmovable-pages,..." or "no injected faults": part of every verdict's scope,
// since a proof holds only for the sequences whose faults the alphabet injects.
std::string describe_faults(const std::vector<FaultKind>& faults);
// --faults: comma-separated fault names (spec/ops/common.cpp fault_name()), or "none".
// Throws std::invalid_argument naming the unknown one.
std::vector<FaultKind> parse_faults(const std::string& list);

struct Counterexample {
    GeoParams geometry;
    std::vector<Action> trace;
    std::vector<int> rcs;                  // as the explicit model returned them
    std::string invariant, conjunct;       // what the symbolic search found
    std::string condition;                 // the geometry class it was found under
    bool replayed = false;                 // the explicit model reproduces it
    std::string replay_detail;             // the explicit model's violation, or why not
};

struct ProveResult {
    Verdict verdict = Verdict::UNKNOWN;
    std::string scope;                     // what exactly was proved / searched
    SearchResult search;
    std::optional<Counterexample> cex;
    double seconds = 0;                    // CPU seconds
};

// Throws std::invalid_argument for an unknown variant / invariant or bad options.
ProveResult prove(const ProveOptions& opt);

// Replays a trace in the explicit model (spec/ops) on prover_machine(): the first violated
// invariant among `invariants` (all if empty), or "" if none; fills rcs and detail.
std::string replay_explicit(const GeoParams& p, const ProverLayout& layout, const std::string& variant,
                            const std::vector<std::string>& invariants, const std::vector<Action>& trace,
                            std::vector<int>* rcs, std::string* detail);

}  // namespace hp::prover
