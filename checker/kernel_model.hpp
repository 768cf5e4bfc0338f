// The kernel model as a transition system: a scenario's machine and variant, the action
// alphabet expanded with every fault choice, and the selected invariants.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "checker/transition_system.hpp"
#include "spec/ops/refusal.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

namespace hp {

// Every concrete action the explorer tries: alphabet x targets x fault choices.
std::vector<Action> expand_alphabet(const Machine& m, const std::vector<ActionKind>& kinds,
                                    const std::vector<FaultKind>& faults);

// Resolve invariant names (empty = all); throws ScenarioError naming the unknown one.
std::vector<const Invariant*> select_invariants(const std::vector<std::string>& names, const std::string& file);

class KernelModel {
public:
    using State = KernelState;
    KernelModel(const Machine& m, const Variant& v, std::vector<Action> actions, std::vector<const Invariant*> invs);

    unsigned packed_words() const { return words_; }
    State initial() const { return initial_; }
    unsigned action_count() const { return static_cast<unsigned>(actions_.size()); }
    void pack(const State& s, std::uint32_t* w) const { hp::pack(m_, s, w); }
    void unpack(const std::uint32_t* w, State& s) const { hp::unpack(m_, w, s); }
    bool check_state(const State& s, Violation* v) const;
    StepOutcome step(const State& s, unsigned action, State& out, Violation* v) { return step_impl(s, action, out, v, false); }
    // The explorer's form of step(): the caller guarantees `out == s` on entry (it unpacked
    // the parent's words into a state of this machine: the fields no word holds are the same
    // in every state of it), which spares the 1,576-byte copy `out = s` on every step.
    // Afterwards out_written() says whether `out` may now differ from `s`.
    StepOutcome step_from_copy(const State& s, unsigned action, State& out, Violation* v) {
        return step_impl(s, action, out, v, true);
    }
    bool out_written() const { return out_written_; }
    // The explorer announces the state it is about to step every action of (and promises not
    // to change it until the next announcement): the fault-reach guard then recognises it by
    // address instead of packing and comparing it on every fault choice.
    void begin_state(const State& s) {
        announced_ = &s;
        ++generation_;
    }

    const Action& action(unsigned i) const { return actions_[i]; }
    const std::vector<Action>& actions() const { return actions_; }
    const Machine& machine() const { return m_; }
    const Variant& variant() const { return v_; }

    // How often each action kind succeeded / was refused, and each fault fired.
    struct Counters {
        std::array<std::uint64_t, static_cast<int>(ActionKind::COUNT)> ok{}, refused{};
        std::array<std::uint64_t, static_cast<int>(FaultKind::COUNT)> fired{};
    };
    const Counters& counters() const { return counters_; }
    // The explorer's worker threads each step a copy of the model: add a copy's counts
    // into this one and zero them there.
    void merge_counters_from(KernelModel& other);
    void reset_counters() {
        counters_ = {};
        refusals_answered_ = 0;
    }
    // The counters as one flat list and back (the distributed search sums them across ranks).
    std::vector<std::uint64_t> counter_values() const {
        std::vector<std::uint64_t> v(counters_.ok.begin(), counters_.ok.end());
        v.insert(v.end(), counters_.refused.begin(), counters_.refused.end());
        v.insert(v.end(), counters_.fired.begin(), counters_.fired.end());
        return v;
    }
    void set_counter_values(const std::vector<std::uint64_t>& v) {
        auto it = v.begin();
        for (auto& c : counters_.ok) c = *it++;
        for (auto& c : counters_.refused) c = *it++;
        for (auto& c : counters_.fired) c = *it++;
    }
    int last_rc() const { return last_rc_; }  // the return code of the last step()
    // The last step() that returned OK left the state as it was (out == s) and the caller
    // may count it as a self-loop without packing it: a refusal answered by its precondition.
    bool last_step_unchanged() const { return unchanged_; }

    // Refusals answered without running the kernel path (item 3 of issue 12): a step that a
    // precondition of spec/ops/refusal.hpp says is refused with the state unchanged (a sysfs
    // state write turned away by state_store() or by memory_block_offline(), an eject whose
    // offline passes all fail). USE: answer it from the precondition; CHECK: also run it in
    // full and throw std::logic_error unless it returns the same errno, leaves the state as it
    // was, observes nothing and fires the same fault; OFF: always run it.
    enum class RefusalCache : std::uint8_t { USE, CHECK, OFF };
    void set_refusal_cache(RefusalCache mode);
    // How many steps the precondition answered (refusals + fault choices it skipped).
    std::uint64_t refusals_answered() const { return refusals_answered_; }

private:
    const Machine& m_;
    const Variant& v_;
    std::vector<Action> actions_;
    std::vector<const Invariant*> state_invs_, step_invs_;
    unsigned words_;
    State initial_;
    Counters counters_;
    int last_rc_ = 0;
    bool unchanged_ = false;
    RefusalCache refusal_mode_ = RefusalCache::USE;
    // The mode is not OFF and the variant keeps the functions on the refusal's path.
    bool store_shortcut_ = false, offline_shortcut_ = false, eject_shortcut_ = false;
    std::uint64_t refusals_answered_ = 0;
    base::Refusal refusal_of(const State& s, const Action& a) const;
    StepOutcome step_impl(const State& s, unsigned action, State& out, Violation* v, bool out_is_s);
    bool out_written_ = false;
    const State* announced_ = nullptr;  // begin_state()
    std::uint64_t generation_ = 0;      // begin_state() calls so far
    void check_refusal(const State& s, const Action& a, const base::Refusal& answer) const;
    // Faulted actions whose fault point the unfaulted run never reaches (FaultReach): the
    // alphabet lists an action's fault choices right after it, so the unfaulted run on the
    // same state is the step just before. base_[i]: the unfaulted action of fault choice i
    // (-1 for an unfaulted action); the last unfaulted run with fault choices after it is
    // remembered with its state's packed words (the explorer's state: the kernel paths read
    // nothing else), which are compared in full before its reach is trusted.
    std::vector<int> base_;
    std::vector<bool> has_faults_;
    int reach_action_ = -1;
    std::uint64_t reach_generation_ = 0;  // nonzero: reach_'s state is the announced one of that generation
    std::vector<std::uint32_t> reach_words_, probe_words_;
    FaultReach reach_;
};
static_assert(TransitionSystem<KernelModel>);

}  // namespace hp
