#include "checker/prover/prover.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "checker/prover/prover_machine.hpp"
#include "invariants/invariant.hpp"
#include "spec/variant.hpp"

namespace hp::prover {

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::PROVED: return "proved";
        case Verdict::BOUNDED: return "bounded";
        case Verdict::COUNTEREXAMPLE: return "counterexample";
        case Verdict::UNKNOWN: return "unknown";
        case Verdict::INTERNAL_ERROR: return "internal error";
    }
    return "?";
}

std::string replay_explicit(const GeoParams& p, const ProverLayout& layout, const std::string& variant,
                            const std::vector<std::string>& invariants, const std::vector<Action>& trace,
                            std::vector<int>* rcs, std::string* detail) {
    const Variant* v = find_variant(variant);
    if (!v) throw std::invalid_argument(fmt::format("variant '{}' is not in the explicit model's registry", variant));
    std::vector<const Invariant*> invs;
    if (invariants.empty())
        for (const Invariant& i : all_invariants()) invs.push_back(&i);
    for (const std::string& n : invariants)
        if (const Invariant* i = find_invariant(n)) invs.push_back(i);
    const Machine m = prover_machine(to_geometry(p), layout);
    KernelState s = initial_state(m);
    Violation viol;
    auto found = [&](const Invariant* i) {
        if (detail) *detail = fmt::format("{}: {}", viol.conjunct, viol.detail);
        return std::string(i->name);
    };
    for (const Invariant* i : invs)
        if (i->holds_in && !i->holds_in(m, s, &viol)) return found(i);
    for (const Action& a : trace) {
        KernelState before = s;
        if (!action_enabled(m, s, a)) {
            if (detail) *detail = fmt::format("step '{}' is not possible in the explicit model", action_label(m, a));
            return "";
        }
        const StepResult r = apply_action(m, v->ops, s, a);
        if (rcs) rcs->push_back(r.rc);
        const Step st{m, before, s, a, r};
        for (const Invariant* i : invs)
            if (i->holds_on && !i->holds_on(st, &viol)) return found(i);
        for (const Invariant* i : invs)
            if (i->holds_in && !i->holds_in(m, s, &viol)) return found(i);
    }
    if (detail) *detail = "no invariant violated";
    return "";
}

namespace {
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
}  // namespace

ProveResult prove(const ProveOptions& opt) {
    if (!find_variant(opt.variant)) {
        std::string known;
        for (const Variant& v : all_variants()) known += (known.empty() ? "" : ", ") + v.name;
        throw std::invalid_argument(fmt::format("unknown variant '{}' (known: {})", opt.variant, known));
    }
    for (const std::string& n : opt.invariants)
        if (!find_invariant(n)) throw std::invalid_argument(fmt::format("unknown invariant '{}'", n));
    const double t0 = cpu_seconds();
    SearchOptions so;
    so.variant = opt.variant;
    so.invariants = opt.invariants;
    so.bounds = opt.bounds;
    so.layout = opt.layout;
    so.alphabet = prover_alphabet(opt.layout, opt.faults);
    so.max_depth = opt.max_depth;
    so.max_states = opt.max_states;
    so.rlimit = opt.rlimit;
    so.progress = opt.progress;
    so.field_values = opt.print_invariant;
    ProveResult r;
    r.search = opt.engine == Engine::CLASSES ? class_search(so) : symbolic_search(so);
    const SearchResult& s = r.search;
    const std::string where = fmt::format("on every geometry with {}, {}, {}", opt.bounds.describe(),
                                          opt.layout.describe(), describe_faults(opt.faults));
    switch (s.outcome) {
        case SearchResult::Outcome::FIXPOINT:
            r.verdict = Verdict::PROVED;
            r.scope = opt.engine == Engine::CLASSES
                          ? fmt::format("every sequence of operations (any length: in each of the {} geometry classes "
                                        "the reachable states are closed under every operation) {}",
                                        s.classes.size(), where)
                          : fmt::format("every sequence of operations (any length: the {} reachable symbolic states are "
                                        "closed under every operation) {}",
                                        s.states, where);
            break;
        case SearchResult::Outcome::LIMIT:
            r.verdict = opt.max_depth && s.limit.rfind("--max-depth", 0) == 0 ? Verdict::BOUNDED : Verdict::UNKNOWN;
            r.scope = fmt::format("every sequence of <= {} operations {} (stopped by {})", s.depth_done, where, s.limit);
            break;
        case SearchResult::Outcome::VIOLATION: {
            Counterexample cx;
            cx.geometry = s.violation->geometry;
            cx.trace = s.violation->trace;
            cx.invariant = s.violation->invariant;
            cx.conjunct = s.violation->conjunct;
            cx.condition = s.violation->condition;
            const std::string got = replay_explicit(cx.geometry, opt.layout, opt.variant, {cx.invariant}, cx.trace,
                                                    &cx.rcs, &cx.replay_detail);
            cx.replayed = got == cx.invariant;
            r.verdict = cx.replayed ? Verdict::COUNTEREXAMPLE : Verdict::INTERNAL_ERROR;
            r.scope = fmt::format("a sequence of {} operation(s) on {}", cx.trace.size(), describe(cx.geometry));
            r.cex = std::move(cx);
            break;
        }
    }
    r.seconds = cpu_seconds() - t0;
    return r;
}

std::string describe_faults(const std::vector<FaultKind>& faults) {
    if (faults.empty()) return "no injected faults";
    std::string s = "injected faults ";
    for (size_t i = 0; i < faults.size(); ++i) s += (i ? "," : "") + std::string(fault_name(faults[i]));
    return s;
}

std::vector<FaultKind> parse_faults(const std::string& list) {
    std::vector<FaultKind> faults;
    if (list == "none") return faults;
    size_t from = 0;
    while (from <= list.size()) {
        const size_t comma = std::min(list.find(',', from), list.size());
        const std::string name = list.substr(from, comma - from);
        bool known = false;
        for (int i = 1; i < static_cast<int>(FaultKind::COUNT) && !known; ++i)
            if (name == fault_name(static_cast<FaultKind>(i))) {
                known = true;
                if (std::find(faults.begin(), faults.end(), static_cast<FaultKind>(i)) == faults.end())
                    faults.push_back(static_cast<FaultKind>(i));
            }
        if (!known) {
            std::string names;
            for (int i = 1; i < static_cast<int>(FaultKind::COUNT); ++i)
                names += (i > 1 ? ", " : "") + std::string(fault_name(static_cast<FaultKind>(i)));
            throw std::invalid_argument(fmt::format("--faults: unknown fault '{}' (known: {}, or none)", name, names));
        }
        from = comma + 1;
    }
    return faults;
}

}  // namespace hp::prover
