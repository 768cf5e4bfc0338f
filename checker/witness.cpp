#include "checker/witness.hpp"

#include <fmt/format.h>

#include "spec/state_diff.hpp"

namespace hp {

WitnessPredicate parse_witness(const std::string& text, const Scenario& sc) {
    WitnessPredicate p;
    p.text = text;
    const auto fields = state_fields(sc.machine, initial_state(sc.machine));
    auto known = [&](const std::string& f) {
        for (const auto& kv : fields)
            if (kv.first == f) return true;
        return false;
    };
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        const std::string term = text.substr(pos, comma - pos);
        const std::size_t eq = term.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == term.size())
            throw ScenarioError(sc.path, 0, "--witness", fmt::format("'{}' is not FIELD=VALUE or FIELD!=VALUE", term));
        WitnessTerm t;
        t.equal = term[eq - 1] != '!';
        t.field = term.substr(0, t.equal ? eq : eq - 1);
        t.value = term.substr(eq + 1);
        if (!known(t.field))
            throw ScenarioError(sc.path, 0, "--witness",
                                fmt::format("no field '{}' in this machine (e.g. {}, {}; `hpcheck explain --diff` lists them)",
                                            t.field, fields.front().first, fields.back().first));
        p.terms.push_back(std::move(t));
        pos = comma + 1;
    }
    return p;
}

bool witness_holds(const Machine& m, const WitnessPredicate& p, const KernelState& s) {
    const auto fields = state_fields(m, s);
    for (const WitnessTerm& t : p.terms)
        for (const auto& [k, v] : fields)
            if (k == t.field && (v == t.value) != t.equal) return false;
    return true;
}

namespace {
// The kernel model with one more "invariant": the predicate does not hold. Reaching it
// stops the breadth-first search with a shortest trace, as a violation would.
struct WitnessModel {
    using State = KernelState;
    KernelModel& inner;
    const WitnessPredicate& pred;
    bool reached = false;
    unsigned packed_words() const { return inner.packed_words(); }
    State initial() const { return inner.initial(); }
    unsigned action_count() const { return inner.action_count(); }
    void pack(const State& s, std::uint32_t* w) const { inner.pack(s, w); }
    void unpack(const std::uint32_t* w, State& s) const { inner.unpack(w, s); }
    bool check_state(const State& s, Violation* v) {
        if (!inner.check_state(s, v)) return false;
        if (!witness_holds(inner.machine(), pred, s)) return true;
        reached = true;
        *v = {"witness", "the state asked for by --witness", pred.text};
        return false;
    }
    StepOutcome step(const State& s, unsigned a, State& out, Violation* v) { return inner.step(s, a, out, v); }
};
static_assert(TransitionSystem<WitnessModel>);
}  // namespace

WitnessResult find_witness(const Scenario& sc, const RunOptions& opt, const WitnessPredicate& p) {
    if (sc.threads.enabled())
        throw ScenarioError(sc.path, sc.line_of("threads"), "--witness",
                            "witness search runs on the sequential model; this scenario has [[threads]]");
    if (sc.litmus())
        throw ScenarioError(sc.path, 0, "--witness",
                            "a litmus scenario has one run: use --trace-dir without --witness to draw it");
    WitnessResult w;
    RunResult& rr = w.run;
    const Variant* variant = find_variant(opt.variant_override.empty() ? sc.variant : opt.variant_override);
    if (!variant) return {WitnessOutcome::VIOLATION, run_scenario(sc, opt)};  // run_scenario names the bad variant
    KernelModel model(sc.machine, *variant, expand_alphabet(sc.machine, sc.actions, sc.faults),
                      select_invariants(opt.invariants.empty() ? sc.invariants : opt.invariants, sc.path));
    WitnessModel wm{model, p};
    Limits lim = opt.limits;
    if (!lim.max_depth) lim.max_depth = sc.max_depth;
    rr.explore = explore(wm, lim);
    // The parallel explorer may check states on copies of the model: whether the witness
    // was reached is read from the violation it stopped on, not from wm.reached.
    wm.reached = rr.explore.verdict == Verdict::VIOLATION && rr.explore.violation &&
                 rr.explore.violation->invariant == "witness";
    rr.scenario = sc.name;
    rr.file = sc.path;
    rr.variant = variant->name;
    rr.expected = sc.expect;
    rr.counters = model.counters();
    for (unsigned a : rr.explore.trace) rr.trace.push_back(model.action(a));
    if (wm.reached && rr.explore.verdict == Verdict::VIOLATION) {
        w.outcome = WitnessOutcome::FOUND;
        rr.explore.verdict = Verdict::PASS;  // nothing broke on the way
        rr.explore.violation.reset();
    } else if (rr.explore.verdict == Verdict::VIOLATION) {
        w.outcome = WitnessOutcome::VIOLATION;
    } else if (rr.explore.verdict == Verdict::INCOMPLETE || rr.explore.unexpanded_at_bound) {
        w.outcome = WitnessOutcome::INCOMPLETE;
    }
    rr.matches = verdict_matches(sc.expect, rr.explore);
    if (!rr.trace.empty()) rr.replay = replay_trace(sc.machine, *variant, rr.trace);
    return w;
}

}  // namespace hp
