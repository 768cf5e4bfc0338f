// The threaded model (docs/interleavings.md): a scenario's [[threads]] as a transition
// system whose actions are "thread t takes its next atomic step".
//
// Hotplug paths are not rewritten: they are the variant's kernel functions, cut at the
// interleaving points they announce with Kernel::yield() (locks, frees, page-table
// changes). Only one hotplug operation is in flight at a time (device_hotplug_lock), so
// the state keeps the kernel state at the *start* of that operation plus how many
// interleaving points it has passed; its current state is recomputed by re-running the
// path from there and parking it (an exception) at that point. Effects the path has on
// the readers' world (a freed ms->usage, a freed page-table page) are applied only when
// the path passes the point live, never while it is re-run. Readers never write kernel
// state, so the re-run is exact (docs/interleavings.md, "why re-running is exact").
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "checker/transition_system.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

namespace hp {

inline constexpr std::uint8_t NO_THREAD = 0xff;

struct ThreadedAux {              // everything but the kernel state; bytes, packed as words
    std::uint8_t pc[MAX_THREADS];     // hotplug: next op; reader: program counter
    std::uint8_t local[MAX_THREADS];  // reader's saved locals (L_* bits)
    std::uint8_t hp_owner;            // hotplug thread with an op in flight (holds device_hotplug_lock)
    std::uint8_t hp_yield;            // interleaving points the in-flight op has passed
    std::uint8_t hp_next;             // YieldKind it is parked before
    std::uint8_t hp_locks;            // H_* bits held by the in-flight op
    std::uint8_t pt_present[2];       // intermediate table: [0] vmemmap's, [1] vmalloc's own (no overlap)
    std::uint8_t pt_entries[2];       // entries in it
    std::uint8_t last;                // thread of the previous step (only with --max-preemptions)
    std::uint8_t preemptions;
    std::uint8_t span_busy;           // 1 + (nid * MAX_NR_ZONES + zone) whose span the in-flight op is rewriting, 0: none
    std::uint8_t sleep;               // sleep set: bit t = thread t's next step need not be explored here (sleep sets)
};

struct ThreadedState {
    KernelState k;    // kernel state at the start of the in-flight hotplug op (the live one if none)
    ThreadedAux x;
};

// One step of a trace, told for the reports (one column per CPU).
struct InterleavingRow {
    unsigned thread = 0;
    std::string what;    // e.g. "pfn_to_online_page(0x48000) = page", "offline memory9 ... parked before mem_hotplug_done"
    std::string locks;   // locks the thread holds after the step
    std::vector<CallLog::Entry> calls;  // kernel functions a hotplug step ran (live part)
    std::vector<std::string> held;      // locks every thread holds after the step (index = thread)
};

class ThreadedModel {
public:
    using State = ThreadedState;
    struct Options {
        bool por = true;            // persistent-set reduction (docs/interleavings.md)
        int max_preemptions = -1;   // -1: unbounded
        bool sleep_sets = false;    // with por: sleep sets on top of the persistent sets (docs/interleavings.md; --sleep-sets)
    };
    ThreadedModel(const Scenario& sc, const Variant& v, std::vector<const Invariant*> invs, Options opt);

    unsigned packed_words() const { return kwords_ + xwords_; }
    State initial() const { return initial_; }
    unsigned action_count() const { return static_cast<unsigned>(threads_.size()); }
    void pack(const State& s, std::uint32_t* w) const;
    void unpack(const std::uint32_t* w, State& s) const;
    bool check_state(const State& s, Violation* v) const;
    StepOutcome step(const State& s, unsigned thread, State& out, Violation* v);

    void merge_counters_from(ThreadedModel& o) { cut_by_bound_ += o.cut_by_bound_; o.cut_by_bound_ = 0; }
    void reset_counters() { cut_by_bound_ = 0; }
    std::vector<std::uint64_t> counter_values() const { return {cut_by_bound_}; }  // distributed search
    void set_counter_values(const std::vector<std::uint64_t>& v) { cut_by_bound_ = v.at(0); }
    // Steps not taken because of --max-preemptions: non-zero means the search was bounded.
    std::uint64_t cut_by_bound() const { return cut_by_bound_; }
    const std::vector<ThreadSpec>& threads() const { return threads_; }
    const Machine& machine() const { return m_; }

    // Re-execute a trace (thread indices) from the initial state, telling each step.
    std::vector<InterleavingRow> describe(const std::vector<unsigned>& trace) const;

    // The current kernel state of `s` (the in-flight op re-run to where it is parked).
    KernelState live_kernel(const State& s) const;
    // Can thread t step in s (locks, device_hotplug_lock, program end)?
    bool enabled(const State& s, unsigned t) const;
    // Thread t's next step in s, told (out.x.* updated), without the reduction or the
    // preemption bound: what `hpcheck replay` re-executes. t must be enabled.
    StepOutcome replay_step(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const {
        return step_impl(s, t, out, v, row);
    }
    // The readers' world and every thread's position and locks, as named fields for the
    // ITF trace ("threads.cpu1.locks", "page_tables.vmemmap_pmd.present", ...).
    std::vector<std::pair<std::string, std::string>> world_fields(const State& s) const;
    std::string locks_held(const State& s, unsigned t) const { return locks_of(s, t); }

private:
    friend struct ReplayCtx;
    struct Prog { std::vector<std::uint8_t> steps; };  // reader programs (step ids)
    StepOutcome step_hotplug(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const;
    StepOutcome step_reader(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const;
    StepOutcome step_impl(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const;
    void apply_event(ThreadedAux& x, YieldKind kind, unsigned arg) const;
    unsigned next_footprint(const State& s, unsigned t) const;
    unsigned remaining_footprint(const State& s, unsigned t) const;
    int persistent_thread(const State& s) const;
    std::string locks_of(const State& s, unsigned t) const;
    unsigned pt_slot() const { return m_.params.vmalloc_vmemmap_overlap ? 0 : 1; }

    const Machine& m_;
    const Variant& v_;
    std::vector<ThreadSpec> threads_;
    std::vector<Prog> progs_;
    std::vector<const Invariant*> state_invs_, step_invs_;
    Options opt_;
    unsigned kwords_, xwords_;
    State initial_;
    std::uint64_t cut_by_bound_ = 0;
};
static_assert(TransitionSystem<ThreadedModel>);

}  // namespace hp
