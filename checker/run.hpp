// Running one scenario: exploration or litmus test, expectation matching, and the replay
// of a violating trace with the kernel's narrative (which functions ran, what changed).
#pragma once
#include <string>
#include <vector>

#include "checker/explorer.hpp"
#include "checker/kernel_model.hpp"
#include "checker/threaded_model.hpp"
#include "spec/state_diff.hpp"

namespace hp {

struct RunOptions {
    Limits limits;                 // max_depth here overrides the scenario's when non-zero
    std::string variant_override;  // --variant
    std::vector<std::string> invariants;  // --invariant (empty: the scenario's list)
    bool progress = false;
    // Threaded scenarios (docs/interleavings.md).
    bool por = true;               // --no-por turns the persistent-set reduction off
    int max_preemptions = -1;      // --max-preemptions K; -1: unbounded
    bool sleep_sets = false;       // --sleep-sets: sleep sets on top of the persistent sets
    // Refusals answered from their precondition (KernelModel::RefusalCache); CHECK is
    // --check-refusal-cache: run them in full as well and fail (std::logic_error) where they differ.
    KernelModel::RefusalCache refusal_cache = KernelModel::RefusalCache::USE;
};

struct TraceStep {
    Action action;
    int rc = 0;
    CallLog log;
    std::vector<FieldChange> changes;
    KernelState after;
};

struct RunResult {
    std::string scenario, file, variant;
    std::string expected;
    ExploreResult explore;
    bool litmus = false;
    bool matches = false;              // verdict matches the scenario's expectation
    std::vector<Action> trace;         // actions of the violating trace
    std::vector<TraceStep> replay;     // the same, re-executed with narrative
    KernelModel::Counters counters;
    std::vector<std::string> warnings; // never-fired operations or fault branches
    // Threaded scenarios: the violating interleaving, one row per step (thread, what, locks).
    bool threaded = false;
    std::vector<std::string> thread_names;
    std::vector<unsigned> thread_trace;
    std::vector<InterleavingRow> interleaving;
    int max_preemptions = -1;
    std::uint64_t cut_by_preemption_bound = 0;  // > 0: the search was bounded by --max-preemptions
    bool por = false;
    bool sleep_sets = false;
};

// Throws ScenarioError for an unknown variant or invariant.
RunResult run_scenario(const Scenario& sc, const RunOptions& opt);

// Re-execute a trace from the initial state with the narrative on.
std::vector<TraceStep> replay_trace(const Machine& m, const Variant& v, const std::vector<Action>& trace);

bool verdict_matches(const std::string& expect, const ExploreResult& r);

}  // namespace hp
