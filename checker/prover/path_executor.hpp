// Runs a piece of the kernel model (compiled over symbolic terms, spec/domain.hpp; their Z3 form here) once per
// feasible path: every time the model turns a symbolic condition into a C++ bool, the
// executor answers from a decision trail; where both answers are possible under the path
// condition it takes `true` and remembers to come back for `false` (re-executing the
// function from its start with the recorded trail, as symbolic executors do). So a kernel
// function yields the set of its paths, each with the condition under which it is taken.
//
// Feasibility is decided by Z3 under a deterministic resource limit (rlimit), never a
// wall-clock timeout, so results do not depend on machine load. A branch whose feasibility
// Z3 cannot decide within the limit throws Undecided: the search then ends as "unknown"
// (following both ways could run the model down a path the kernel cannot take).
#pragma once
#include <z3++.h>

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "spec/symbolic/value.hpp"

namespace hp::prover {

// A path condition: the decisions that were real forks, as a sorted, duplicate-free list
// of literals (decisions Z3 found forced are implied and left out).
struct PathCondition {
    std::vector<z3::expr> literals;
    z3::expr conjunction(z3::context& c) const;  // cached until the next add()
    bool implies_syntactically(const PathCondition& weaker) const;  // weaker's literals are all ours
    void add(const z3::expr& literal);

private:
    mutable std::vector<z3::expr> conj_;  // 0 or 1 element: z3::expr has no empty state
};

struct Undecided {};

struct ExecutorStats {
    std::uint64_t paths = 0;
    std::uint64_t decisions = 0;         // symbolic branches met
    std::uint64_t solver_queries = 0;    // of which needed Z3
    std::uint64_t cache_hits = 0;
    std::uint64_t unknown = 0;           // queries Z3 could not decide within the limit
};

class PathExecutor : public symbolic::Decider {
public:
    // `background` holds the constraints every query assumes (geometry bounds).
    PathExecutor(z3::context& c, const z3::expr& background, unsigned rlimit_per_query);

    // Runs body() once per feasible path that extends `pc`, then on_path(path condition).
    // body() may throw; the exception propagates after the executor is uninstalled.
    void explore(const PathCondition& pc, const std::function<void()>& body,
                 const std::function<void(const PathCondition&)>& on_path);

    // Is `f` satisfiable together with the background? (sat / unsat / unknown)
    z3::check_result check(const z3::expr& f);
    z3::model model_of(const z3::expr& f);  // after check(f) == sat

    bool decide(const z3::expr& condition) override;
    z3::context& ctx() override { return c_; }
    const ExecutorStats& stats() const { return stats_; }

private:
    z3::context& c_;
    z3::expr background_;
    z3::solver solver_;
    unsigned rlimit_;
    std::uint64_t rlimit_used_ = 0;  // Z3's "rlimit count" after the last query
    ExecutorStats stats_;
    // the current run
    std::vector<bool> trail_;
    size_t pos_ = 0;
    PathCondition current_;
    std::vector<std::vector<bool>> pending_;
    // feasibility answers, by the id of the conjunction asked about (Z3 shares terms)
    std::vector<std::pair<z3::expr, z3::check_result>> cache_keep_;
    std::unordered_map<unsigned, z3::check_result> cache_;
    // which ways a branch can go under a path condition, by (condition id, branch term id)
    enum class Ways : std::uint8_t { ONLY_TRUE, ONLY_FALSE, BOTH };
    struct Branch { Ways ways; z3::expr literal; };  // literal: the simplified condition
    Branch classify(const z3::expr& pc, const z3::expr& condition);
    std::vector<z3::expr> branch_keep_;
    std::unordered_map<std::uint64_t, Branch> branches_;
};

// Installs a Decider for the lifetime of the object (symbolic values need one to exist).
class DeciderScope {
public:
    explicit DeciderScope(symbolic::Decider& d) : previous_(symbolic::current_decider()) { symbolic::set_decider(&d); }
    ~DeciderScope() { symbolic::set_decider(previous_); }
    DeciderScope(const DeciderScope&) = delete;
    DeciderScope& operator=(const DeciderScope&) = delete;

private:
    symbolic::Decider* previous_;
};

}  // namespace hp::prover
