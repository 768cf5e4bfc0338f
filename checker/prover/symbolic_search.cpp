// The symbolic search (symbolic_search.hpp). This translation unit sees the kernel model
// in its symbolic build: hp::sym::Kernel, the variants and invariants over Z3 terms.
#define HP_SYMBOLIC 1
#include "checker/prover/symbolic_search.hpp"

#include <fmt/format.h>

#include <map>
#include <stdexcept>
#include <unordered_map>

#include "checker/prover/path_executor.hpp"
#include "checker/prover/symbolic_machine.hpp"
#include "invariants/invariant.hpp"
#include "spec/state.hpp"
#include "spec/variant.hpp"

namespace hp::prover {

namespace S = hp::sym;
using symbolic::Word;

namespace {

// A symbolic state's identity: per field, the Z3 id of its simplified term. Z3's simplifier
// is the canonical form: the term DAG (spec/symbolic/term.hpp) rewrites only a little, and
// without it the same value built two ways would be two states and the search would not
// reach its fixpoint. The simplified terms are kept (`canon`) so their ids stay theirs.
using Key = std::vector<unsigned>;
struct KeyHash {
    size_t operator()(const Key& k) const {
        size_t h = 1469598103934665603ull;
        for (unsigned x : k) h = (h ^ x) * 1099511628211ull;
        return h;
    }
};
struct Canon {
    z3::context& c;
    std::unordered_map<const symbolic::Term*, z3::expr> z3_terms;
    std::unordered_map<const symbolic::Term*, z3::expr> simplified;
    std::unordered_map<std::uint64_t, z3::expr> numerals;

    unsigned id(const symbolic::Word& w) {
        if (w.k) {
            auto it = numerals.find(*w.k);
            if (it == numerals.end()) it = numerals.emplace(*w.k, c.bv_val(*w.k, 64)).first;
            return it->second.id();
        }
        auto it = simplified.find(w.node());
        if (it == simplified.end())
            it = simplified.emplace(w.node(), symbolic::term_to_z3(c, w.node(), z3_terms).simplify()).first;
        return it->second.id();
    }
};
Key key_of(Canon& canon, const S::Machine& m, const S::KernelState& s) {
    Key k;
    for_each_field(m, s, [&](const S::FieldName&, const auto& f) { k.push_back(canon.id(f.word())); });
    return k;
}

struct SymNode {
    S::KernelState s;
    PathCondition pc;
    int parent;
    int action;
    unsigned depth;
};

struct Search {
    const SearchOptions& opt;
    z3::context& c;
    const SymbolicGeometry& sg;
    PathExecutor& ex;
    const S::Machine& m;
    const S::Variant& variant;
    std::vector<const S::Invariant*> state_invs, step_invs;
    std::vector<SymNode> nodes;
    std::unordered_map<Key, std::vector<int>, KeyHash> seen;
    SearchResult r;
    Canon canon;

    // A new state, unless one equal to it was reached under a condition this one implies.
    void add(S::KernelState s, PathCondition pc, int parent, int action, unsigned depth) {
        std::vector<int>& same = seen[key_of(canon, m, s)];
        if (!same.empty()) {
            for (int j : same)
                if (pc.implies_syntactically(nodes[j].pc)) return;
            z3::expr_vector known(c);
            for (int j : same) known.push_back(nodes[j].pc.conjunction(c));
            if (ex.check(pc.conjunction(c) && !z3::mk_or(known)) == z3::unsat) return;
        }
        same.push_back(static_cast<int>(nodes.size()));
        nodes.push_back(SymNode{std::move(s), std::move(pc), parent, action, depth});
    }

    std::vector<Action> trace_to(int i, const Action* last) const {
        std::vector<Action> t;
        if (last) t.push_back(*last);
        for (; nodes[i].parent >= 0; i = nodes[i].parent) t.push_back(opt.alphabet[nodes[i].action]);
        return {t.rbegin(), t.rend()};
    }

    bool violation(int node, const Action* last, const PathCondition& pc, const S::Violation& v) {
        SymbolicViolation out;
        out.trace = trace_to(node, last);
        out.invariant = v.invariant;
        out.conjunct = v.conjunct;
        out.detail = v.detail;
        const z3::expr cond = pc.conjunction(c);
        out.condition = cond.simplify().to_string();
        if (ex.check(cond) != z3::sat) return false;  // undecided: keep searching, it cannot be shown
        out.geometry = sg.evaluate(ex.model_of(cond));
        r.violation = std::move(out);
        r.outcome = SearchResult::Outcome::VIOLATION;
        return true;
    }

    bool check_state(int i) {
        struct Found { PathCondition pc; S::Violation v; };
        std::vector<Found> bad;
        S::Violation v;
        bool ok = true;
        ex.explore(
            nodes[i].pc,
            [&] {
                ok = true;
                for (const S::Invariant* inv : state_invs)
                    if (!inv->holds_in(m, nodes[i].s, &v)) {
                        ok = false;
                        return;
                    }
            },
            [&](const PathCondition& pc) {
                if (!ok) bad.push_back({pc, v});
            });
        for (const Found& f : bad)
            if (violation(i, nullptr, f.pc, f.v)) return false;
        return true;
    }

    bool expand(int i) {
        for (unsigned ai = 0; ai < opt.alphabet.size(); ++ai) {
            const Action& a = opt.alphabet[ai];
            enum { DISABLED, SKIPPED, OK, VIOLATED } status = DISABLED;
            S::KernelState out;
            S::Violation v;
            struct Succ { S::KernelState s; PathCondition pc; S::Violation v; bool violated; };
            std::vector<Succ> succs;
            ex.explore(
                nodes[i].pc,
                [&] {
                    const S::KernelState& before = nodes[i].s;
                    status = DISABLED;
                    if (!S::action_enabled(m, before, a)) return;
                    out = before;
                    const S::StepResult res = S::apply_action(m, variant.ops, out, a);
                    if (a.fault.kind != FaultKind::NONE && !res.fault_fired) {
                        status = SKIPPED;
                        return;
                    }
                    status = OK;
                    const S::Step st{m, before, out, a, res};
                    for (const S::Invariant* inv : step_invs)
                        if (!inv->holds_on(st, &v)) {
                            status = VIOLATED;
                            return;
                        }
                },
                [&](const PathCondition& pc) {
                    if (status == OK || status == VIOLATED) succs.push_back({out, pc, v, status == VIOLATED});
                });
            for (Succ& s : succs) {
                ++r.transitions;
                if (s.violated) {
                    if (violation(i, &a, s.pc, s.v)) return false;
                    continue;
                }
                add(std::move(s.s), std::move(s.pc), i, static_cast<int>(ai), nodes[i].depth + 1);
            }
        }
        return true;
    }

    void run() {
        {
            std::vector<std::pair<S::KernelState, PathCondition>> boots;
            S::KernelState s0;
            ex.explore(
                PathCondition{}, [&] { s0 = S::initial_state(m); },
                [&](const PathCondition& pc) { boots.emplace_back(s0, pc); });
            for (auto& [s, pc] : boots) add(std::move(s), std::move(pc), -1, -1, 0);
        }
        for (size_t i = 0; i < nodes.size(); ++i) {
            const unsigned depth = nodes[i].depth;
            if (i > 0 && nodes[i - 1].depth < depth) r.depth_done = depth - 1;  // a whole level is expanded
            if (!check_state(static_cast<int>(i))) return;
            if (opt.max_depth && depth >= opt.max_depth) {
                r.outcome = SearchResult::Outcome::LIMIT;
                r.limit = fmt::format("--max-depth {}", opt.max_depth);
                r.depth_done = opt.max_depth;
                continue;
            }
            if (nodes.size() > opt.max_states) {
                r.outcome = SearchResult::Outcome::LIMIT;
                r.limit = fmt::format("--max-states {} symbolic states", opt.max_states);
                return;
            }
            if (!expand(static_cast<int>(i))) return;
        }
        if (r.limit.empty()) {
            r.outcome = SearchResult::Outcome::FIXPOINT;
            r.depth_done = nodes.empty() ? 0 : nodes.back().depth;
        }
    }
};

}  // namespace

SearchResult symbolic_search(const SearchOptions& opt) {
    const S::Variant* variant = S::find_variant(opt.variant);
    if (!variant) throw std::invalid_argument(fmt::format("unknown variant '{}'", opt.variant));
    z3::context c;
    SymbolicGeometry sg(c, opt.bounds);
    const S::Machine machine = build_prover_machine(c, sg, opt.bounds, opt.layout);
    PathExecutor ex(c, sg.constraints, opt.rlimit);
    DeciderScope scope(ex);
    Search s{opt, c, sg, ex, machine, *variant, {}, {}, {}, {}, {}, Canon{c, {}, {}, {}}};
    CheckedInvariants invs = select_invariants(opt.invariants, s.r.checked);
    s.state_invs = std::move(invs.state);
    s.step_invs = std::move(invs.step);
    try {
        s.run();
    } catch (const Undecided&) {
        s.r.outcome = SearchResult::Outcome::LIMIT;
        s.r.violation.reset();
        s.r.limit = fmt::format("--rlimit {}: Z3 could not decide a branch within it", opt.rlimit);
    }
    SearchResult r = std::move(s.r);
    r.states = s.nodes.size();
    const ExecutorStats& st = ex.stats();
    r.paths = st.paths;
    r.decisions = st.decisions;
    r.queries = st.solver_queries;
    r.cache_hits = st.cache_hits;
    r.unknown = st.unknown;
    std::map<std::string, unsigned> classes;
    for (const SymNode& n : s.nodes) ++classes[n.pc.conjunction(c).to_string()];
    for (const auto& [cond, count] : classes) r.classes.push_back(fmt::format("{} state(s) where {}", count, cond));
    return r;
}

}  // namespace hp::prover
