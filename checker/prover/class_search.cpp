// Geometry-class enumeration (class_search.hpp). This translation unit sees the kernel model
// in its symbolic build: hp::sym::Kernel, the variants and invariants over symbolic terms.
#define HP_SYMBOLIC 1
#include "checker/prover/class_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "checker/prover/path_executor.hpp"
#include "checker/prover/term_eval.hpp"
#include "checker/prover/term_print.hpp"
#include "checker/prover/symbolic_machine.hpp"
#include "invariants/invariant.hpp"
#include "spec/state.hpp"
#include "spec/variant.hpp"

namespace hp::prover {

using symbolic::Word;

namespace {

// Decides every branch on a geometry-dependent condition by evaluating it at one geometry
// (term_set_valuation() holds the parameters' values), and records the condition the way
// it was taken.
class AtGeometry : public symbolic::Decider {
public:
    AtGeometry(z3::context& c, const std::unordered_map<std::string, std::uint64_t>& params)
        : c_(c), stamp_(++stamps_) {
        symbolic::term_set_valuation(params);
    }

    bool decide(const z3::expr&) override {
        throw std::logic_error("the class engine decides terms of the symbolic DAG, not Z3 terms");
    }
    bool decide_term(const symbolic::Term* condition) override {
        ++decisions_;
        const bool taken = symbolic::term_eval(condition) != 0;
        record(taken ? condition : symbolic::term_mk(symbolic::TermOp::NOT, condition));
        return taken;
    }
    z3::context& ctx() override { return c_; }

    // The value of a field at this geometry.
    std::uint64_t value(const Word& w) const { return w.k ? *w.k : symbolic::term_eval(w.node()); }

    // Something every geometry of the class must satisfy (it holds here).
    void record(const symbolic::Term* literal) {
        if (literal->op == symbolic::TermOp::BOOL_NUM) {
            if (!literal->imm) throw std::logic_error("a recorded condition is false at the class's geometry");
            return;
        }
        if (literal->mark == stamp_) return;  // recorded already
        literal->mark = stamp_;
        literals_.push_back(literal);
    }

    // The recorded literals as Z3 terms (for TermProgram).
    std::vector<z3::expr> literals_taken() {
        std::vector<z3::expr> out;
        out.reserve(literals_.size());
        for (const symbolic::Term* t : literals_) out.push_back(z3_of(t));
        return out;
    }
    size_t literals() const { return literals_.size(); }
    std::uint64_t decisions() const { return decisions_; }

private:
    z3::context& c_;
    std::vector<const symbolic::Term*> literals_;
    std::uint32_t stamp_;  // Term::mark of the literals this class recorded
    static inline thread_local std::uint32_t stamps_ = 0;
    std::uint64_t decisions_ = 0;
};


struct Node {
    int parent;
    int action;
    unsigned depth;
    std::uint32_t terms_begin, terms_end;  // its fields whose Word is a term: ClassRun::terms[begin, end)
};

// Where the fields of for_each_field() sit in a KernelState (the struct has a fixed layout),
// found once per machine. A symbolic KernelState is about 20 KB (every u8..u64 is a 24-byte
// Word, and the arrays are sized for the largest machine), while the fields machine `m` uses
// are a few dozen Words: the search keeps a state as those fields only (their values, and the
// terms of the few that are not numbers), and writes them into a whole KernelState when it
// needs one (ClassRun::load()). That is exact because every other Word of a state is the
// initial state's: the kernel functions write only fields of the machine (each new state is
// checked against that, same_outside_fields()), as the engine's identifying states by these
// fields alone already required. Measured (v6.1, x86_64, --dimms 1,4, 60,000 states): 1.29 GB
// and 7.1 CPU s before, 83 MB and 3.0 s after.
struct FieldLayout {
    std::vector<size_t> offsets;                  // of each field's Word, in for_each_field() order
    std::vector<std::pair<size_t, size_t>> rest;  // [begin, end) byte ranges outside every field
    std::unique_ptr<S::KernelState> initial;

    FieldLayout(const S::Machine& m, const S::KernelState& s0) : initial(std::make_unique<S::KernelState>(s0)) {
        const char* base = reinterpret_cast<const char*>(&s0);
        for_each_field(m, s0, [&](const S::FieldName&, const auto& field) {
            offsets.push_back(static_cast<size_t>(reinterpret_cast<const char*>(&field.word()) - base));
        });
        std::vector<size_t> sorted = offsets;
        std::sort(sorted.begin(), sorted.end());
        size_t at = 0;
        for (size_t off : sorted) {
            if (off > at) rest.emplace_back(at, off);
            at = off + sizeof(Word);
        }
        if (at < sizeof(S::KernelState)) rest.emplace_back(at, sizeof(S::KernelState));
    }
    size_t size() const { return offsets.size(); }
    const Word& at(const S::KernelState& s, size_t f) const {
        return *reinterpret_cast<const Word*>(reinterpret_cast<const char*>(&s) + offsets[f]);
    }
    // Compared Word by Word (a symbolic KernelState is nothing but Words), by value: a store
    // of the same value may leave different padding bytes.
    bool same_outside_fields(const S::KernelState& s) const {
        static_assert(sizeof(S::KernelState) % sizeof(Word) == 0);
        const char* a = reinterpret_cast<const char*>(&s);
        const char* b = reinterpret_cast<const char*>(initial.get());
        for (const auto& [begin, end] : rest)
            for (size_t at = begin; at < end; at += sizeof(Word)) {
                const Word& x = *reinterpret_cast<const Word*>(a + at);
                const Word& y = *reinterpret_cast<const Word*>(b + at);
                if (x.k != y.k || x.node() != y.node()) return false;
            }
        return true;
    }
};

// The breadth-first search of one class, at its representative geometry.
struct ClassRun {
    const SearchOptions& opt;
    const S::Machine& m;
    const S::Variant& variant;
    const std::vector<const S::Invariant*>& state_invs;
    const std::vector<const S::Invariant*>& step_invs;
    AtGeometry& at;
    std::uint64_t states_budget;  // --max-states: per class (each class's states are dropped when it is done)

    FieldLayout layout{m, S::initial_state(m)};
    std::vector<Node> nodes;
    // Node i's fields: their values at this geometry, values[i * layout.size() ...] (what
    // states are compared by), and those whose Word is a term rather than a number
    // (terms[nodes[i].terms_begin ... terms_end)); every other field's Word is its value.
    std::vector<std::uint64_t> values;
    std::vector<std::pair<std::uint32_t, const symbolic::Term*>> terms;
    std::vector<std::int32_t> index;  // open addressing over the nodes by their values; -1 empty
    std::uint64_t transitions = 0;
    unsigned depth_done = 0;
    std::string limit;  // set when a limit stopped this class
    std::optional<SymbolicViolation> violation;
    // Scratch (a KernelState is 20 KB, so on the heap): the state being expanded, its
    // successor, the successor's values, and a node's terms by field while merging.
    std::unique_ptr<S::KernelState> before = std::make_unique<S::KernelState>(*layout.initial);
    std::unique_ptr<S::KernelState> after = std::make_unique<S::KernelState>(*layout.initial);
    std::vector<std::uint64_t> key = std::vector<std::uint64_t>(layout.size());
    std::vector<const symbolic::Term*> term_of = std::vector<const symbolic::Term*>(layout.size(), nullptr);

    const std::uint64_t* values_of(size_t node) const { return &values[node * layout.size()]; }

    // Makes `s` (which holds any state of this search) node i's state.
    void load(size_t i, S::KernelState& s) const {
        const size_t nf = layout.size();
        char* base = reinterpret_cast<char*>(&s);
        const std::uint64_t* v = values_of(i);
        for (size_t f = 0; f < nf; ++f) *reinterpret_cast<Word*>(base + layout.offsets[f]) = Word::known(v[f]);
        for (std::uint32_t t = nodes[i].terms_begin; t < nodes[i].terms_end; ++t)
            *reinterpret_cast<Word*>(base + layout.offsets[terms[t].first]) = Word(terms[t].second);
    }

    // Node i's field f.
    Word field(size_t i, size_t f) const {
        for (std::uint32_t t = nodes[i].terms_begin; t < nodes[i].terms_end; ++t)
            if (terms[t].first == f) return Word(terms[t].second);
        return Word::known(values_of(i)[f]);
    }

    static std::uint64_t hash_of(const std::uint64_t* v, size_t n) {
        std::uint64_t h = 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < n; ++i) h = std::rotl((h ^ v[i]) * 0xff51afd7ed558ccdull, 29);
        return h ^ (h >> 32);
    }

    void grow_index() {
        std::vector<std::int32_t> bigger(std::max<size_t>(1024, index.size() * 2), -1);
        const size_t mask = bigger.size() - 1, nf = layout.size();
        for (std::int32_t n : index) {
            if (n < 0) continue;
            size_t slot = hash_of(values_of(static_cast<size_t>(n)), nf) & mask;
            while (bigger[slot] >= 0) slot = (slot + 1) & mask;
            bigger[slot] = n;
        }
        index.swap(bigger);
    }

    // A new state, unless one with the same values at this geometry exists; then the two
    // are merged, and every geometry of the class must see them equal too.
    void add(const S::KernelState& s, int parent, int action, unsigned depth) {
        const size_t nf = layout.size();
        for (size_t f = 0; f < nf; ++f) key[f] = at.value(layout.at(s, f));
        if ((nodes.size() + 1) * 2 > index.size()) grow_index();
        const size_t mask = index.size() - 1;
        size_t slot = hash_of(key.data(), nf) & mask;
        for (; index[slot] >= 0; slot = (slot + 1) & mask) {
            const size_t old = static_cast<size_t>(index[slot]);
            if (!std::equal(key.begin(), key.end(), values_of(old))) continue;
            for (std::uint32_t t = nodes[old].terms_begin; t < nodes[old].terms_end; ++t) term_of[terms[t].first] = terms[t].second;
            for (size_t f = 0; f < nf; ++f) {
                const Word& w = layout.at(s, f);
                const symbolic::Term* old_term = term_of[f];
                if (w.k && !old_term) continue;   // the same number (the values are equal)
                if (w.node() == old_term) continue;  // the same term (hash-consed)
                at.record(symbolic::term_mk(symbolic::TermOp::EQ, w.node_or_const(),
                                            old_term ? old_term : symbolic::term_num(key[f])));
            }
            for (std::uint32_t t = nodes[old].terms_begin; t < nodes[old].terms_end; ++t) term_of[terms[t].first] = nullptr;
            return;
        }
        if (!layout.same_outside_fields(s))
            throw std::logic_error("a kernel step wrote KernelState memory outside the fields for_each_field() lists");
        index[slot] = static_cast<std::int32_t>(nodes.size());
        values.insert(values.end(), key.begin(), key.end());
        const auto terms_begin = static_cast<std::uint32_t>(terms.size());
        for (size_t f = 0; f < nf; ++f)
            if (const symbolic::Term* t = layout.at(s, f).node()) terms.emplace_back(static_cast<std::uint32_t>(f), t);
        nodes.push_back(Node{parent, action, depth, terms_begin, static_cast<std::uint32_t>(terms.size())});
    }

    std::vector<Action> trace_to(int i, const Action* last) const {
        std::vector<Action> t;
        if (last) t.push_back(*last);
        for (; nodes[i].parent >= 0; i = nodes[i].parent) t.push_back(opt.alphabet[nodes[i].action]);
        return {t.rbegin(), t.rend()};
    }

    void found(int node, const Action* last, const S::Violation& v) {
        SymbolicViolation out;
        out.trace = trace_to(node, last);
        out.invariant = v.invariant;
        out.conjunct = v.conjunct;
        out.detail = v.detail;
        violation = std::move(out);
    }

    // Node i's state is in *before (load()).
    bool check_state(int i) {
        S::Violation v;
        for (const S::Invariant* inv : state_invs)
            if (!inv->holds_in(m, *before, &v)) {
                found(i, nullptr, v);
                return false;
            }
        return true;
    }

    bool expand(int i) {
        for (unsigned ai = 0; ai < opt.alphabet.size(); ++ai) {
            const Action& a = opt.alphabet[ai];
            if (!S::action_enabled(m, *before, a)) continue;
            S::KernelState& out = *after;
            load(static_cast<size_t>(i), out);  // out = node i's state
            {
                const S::StepResult res = S::apply_action(m, variant.ops, out, a);
                if (a.fault.kind != FaultKind::NONE && !res.fault_fired) continue;
                ++transitions;
                const S::Step st{m, *before, out, a, res};
                S::Violation v;
                for (const S::Invariant* inv : step_invs)
                    if (!inv->holds_on(st, &v)) {
                        found(i, &a, v);
                        return false;
                    }
            }
            add(out, i, static_cast<int>(ai), nodes[i].depth + 1);
        }
        return true;
    }

    void run() {
        add(S::initial_state(m), -1, -1, 0);
        for (size_t i = 0; i < nodes.size(); ++i) {
            const unsigned depth = nodes[i].depth;
            if (i > 0 && nodes[i - 1].depth < depth) depth_done = depth - 1;
            load(i, *before);
            if (!check_state(static_cast<int>(i))) return;
            if (opt.max_depth && depth >= opt.max_depth) {
                limit = fmt::format("--max-depth {}", opt.max_depth);
                depth_done = opt.max_depth;
                continue;
            }
            if (nodes.size() > states_budget) {
                limit = fmt::format("--max-states {} symbolic states in one geometry class", opt.max_states);
                return;
            }
            if (!expand(static_cast<int>(i))) return;
        }
        if (limit.empty()) depth_done = nodes.empty() ? 0 : nodes.back().depth;
    }
};

// Every geometry in bounds: the product of the parameters' ranges, kept where the
// geometry constraints (sg.constraints, the same ones validate_geometry() puts on a
// geometry) evaluate to true. The box is finite and small (at most a few million tuples
// with every parameter free), so it is enumerated rather than asked of a solver.
std::vector<std::vector<std::uint64_t>> geometries_in_bounds(const SymbolicGeometry& sg, const GeometryBounds& b,
                                                            TermProgram& prog) {
    const unsigned ok = prog.add(sg.constraints);
    const Range spb{SymbolicGeometry::log2_ceil(b.sections_per_block.lo), SymbolicGeometry::log2_floor(b.sections_per_block.hi)};
    const Range ranges[6] = {b.page_shift, b.section_bits, spb, b.pageblock_order, b.pmd_bits, b.struct_page};
    std::vector<std::vector<std::uint64_t>> out;
    std::vector<std::uint64_t> g(6);
    auto rec = [&](auto&& self, unsigned i) -> void {
        if (i == 6) {
            prog.at(g);
            if (prog.value(ok)) out.push_back(g);
            return;
        }
        for (unsigned v = ranges[i].lo; v <= ranges[i].hi; ++v) {
            g[i] = v;
            self(self, i + 1);
        }
    };
    rec(rec, 0);
    return out;
}

// A Z3 model that gives the free parameters the values of `g`.
z3::model model_of(z3::context& c, const std::vector<z3::expr>& params, const std::vector<std::uint64_t>& g) {
    z3::model m(c);
    for (size_t i = 0; i < params.size(); ++i)
        if (!params[i].is_numeral()) {
            z3::func_decl d = params[i].decl();
            z3::expr v = c.bv_val(g[i], params[i].get_sort().bv_size());
            m.add_const_interp(d, v);
        }
    return m;
}

// The same values by parameter name, for term_eval().
std::unordered_map<std::string, std::uint64_t> valuation_of(const std::vector<z3::expr>& params,
                                                           const std::vector<std::uint64_t>& g) {
    std::unordered_map<std::string, std::uint64_t> v;
    for (size_t i = 0; i < params.size(); ++i)
        if (!params[i].is_numeral()) v.emplace(params[i].decl().name().str(), g[i]);
    return v;
}

}  // namespace

// What every reachable state of a finished class satisfies, field by field: the values the
// field takes (terms over the geometry, printed in kernel terms). A projection of the class's
// inductive invariant (its reachable set), for a reviewer to read; fields that are 0 in every
// state are left out.
static std::string shorten(std::string s) {
    constexpr size_t kMax = 160;  // a longer term is a wall of parentheses, not something to read
    return s.size() <= kMax ? s : s.substr(0, kMax) + "...";
}

static void list_field_values(const S::Machine& m, ClassRun& run, size_t class_no, std::vector<std::string>& out) {
    TermPrinter pr;
    pr.name(m.geo.page_size.node(), "PAGE_SIZE");
    pr.name(m.geo.pages_per_subsection.node(), "PAGES_PER_SUBSECTION");
    pr.name(m.geo.pages_per_section.node(), "PAGES_PER_SECTION");
    pr.name(m.geo.pages_per_block.node(), "pages_per_block");
    pr.name(m.geo.pageblock_nr_pages.node(), "pageblock_nr_pages");
    pr.name(m.geo.pmd_pages.node(), "PMD_PAGES");
    for (const S::Dimm& d : m.dimms) pr.name(d.base_pfn.node(), d.name + ".start_pfn");
    const Word memmap = m.geo.memory_block_memmap_pages();  // what a block's nr_vmemmap_pages holds
    pr.name(memmap.node(), "memmap_pages");
    pr.name(symbolic::truncate(memmap, 16).node(), "memmap_pages");
    pr.name(symbolic::truncate(memmap, 32).node(), "memmap_pages");
    std::vector<std::string> names;
    for_each_field(m, *run.layout.initial, [&](const S::FieldName& n, const auto&) { names.push_back(n.str()); });
    size_t zero = 0;
    for (size_t f = 0; f < names.size(); ++f) {
        std::vector<std::string> values;
        std::unordered_set<std::uint64_t> numbers;
        std::unordered_set<const symbolic::Term*> terms;
        for (size_t node = 0; node < run.nodes.size(); ++node) {
            const Word w = run.field(node, f);
            if (w.k ? numbers.insert(*w.k).second : terms.insert(w.node()).second)
                values.push_back(w.k ? TermPrinter::number(*w.k) : shorten(pr(w.node())));
        }
        if (values.size() == 1 && numbers.count(0)) {
            ++zero;
            continue;
        }
        std::string list;
        for (size_t i = 0; i < values.size() && i < 8; ++i) list += (i ? ", " : "") + values[i];
        if (values.size() > 8) list += fmt::format(", ... ({} values)", values.size());
        out.push_back(values.size() == 1 ? fmt::format("class {}: {} = {}", class_no, names[f], list)
                                         : fmt::format("class {}: {} in {{{}}}", class_no, names[f], list));
    }
    out.push_back(fmt::format("class {}: the other {} fields are 0 in every reachable state", class_no, zero));
}

SearchResult class_search(const SearchOptions& opt) {
    const S::Variant* variant = S::find_variant(opt.variant);
    if (!variant) throw std::invalid_argument(fmt::format("unknown variant '{}'", opt.variant));
    SearchResult r;
    const CheckedInvariants invs = select_invariants(opt.invariants, r.checked);
    z3::context c;
    SymbolicGeometry sg(c, opt.bounds);
    const S::Machine machine = build_prover_machine(c, sg, opt.bounds, opt.layout);

    // The geometries in bounds that no finished class covers, in a fixed order (so the
    // classes, their representatives and any counterexample are the same on every run).
    const std::vector<z3::expr> params{sg.page_shift, sg.section_bits, sg.spb_log,
                                       sg.pageblock_order, sg.pmd_bits, sg.struct_page};
    TermProgram prog(c, params);
    std::vector<std::vector<std::uint64_t>> remaining = geometries_in_bounds(sg, opt.bounds, prog);
    r.geometries = remaining.size();
    unsigned min_depth = ~0u, max_depth = 0;
    using Clock = std::chrono::steady_clock;
    auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
    while (!remaining.empty()) {
        const Clock::time_point search_start = Clock::now();
        const z3::model model = model_of(c, params, remaining.front());
        const GeoParams g = sg.evaluate(model);
        AtGeometry at(c, valuation_of(params, remaining.front()));
        ClassRun run{opt, machine, *variant, invs.state, invs.step, at, opt.max_states};
        {
            DeciderScope scope(at);
            run.run();
        }
        r.states += run.nodes.size();
        r.transitions += run.transitions;
        r.decisions += at.decisions();
        if (run.violation) {
            run.violation->geometry = g;
            run.violation->condition = fmt::format("the class of {} ({} conditions on the geometry)", params_text(g), at.literals());
            r.violation = std::move(run.violation);
            r.outcome = SearchResult::Outcome::VIOLATION;
            r.depth_done = run.depth_done;
            return r;
        }
        r.classes.push_back(fmt::format("class {}: {} state(s), {} transition(s), depth {}, at {} ({} conditions on the geometry)",
                                        r.classes.size() + 1, run.nodes.size(), run.transitions, run.depth_done,
                                        params_text(g), at.literals()));
        if (opt.field_values) list_field_values(machine, run, r.classes.size(), r.invariant);
        const double search_seconds = seconds_since(search_start);
        min_depth = std::min(min_depth, run.depth_done);
        max_depth = std::max(max_depth, run.depth_done);
        if (!run.limit.empty()) {
            r.limit = run.limit;
            if (run.limit.rfind("--max-depth", 0) != 0) break;  // --max-states: nothing more is covered
        }
        const size_t before = remaining.size();
        remove_where_all_hold(remaining, prog, at.literals_taken());
        if (remaining.size() == before)  // the representative itself must be in its class
            throw std::logic_error("a geometry class does not contain the geometry it was searched at");
        if (opt.progress)
            opt.progress(fmt::format("{} [search {:.1f} s; covers {} geometries, {} left]", r.classes.back(),
                                     search_seconds, before - remaining.size(), remaining.size()));
    }
    r.paths = r.classes.size();
    if (r.limit.empty()) {
        r.outcome = SearchResult::Outcome::FIXPOINT;
        r.depth_done = max_depth;
    } else {
        r.outcome = SearchResult::Outcome::LIMIT;
        r.depth_done = r.classes.empty() || r.limit.rfind("--max-depth", 0) != 0 ? 0 : min_depth;
    }
    return r;
}

}  // namespace hp::prover
