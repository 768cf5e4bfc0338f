// The symbolic search (symbolic_search.hpp). This translation unit sees the kernel model
// in its symbolic build: hp::sym::Kernel, the variants and invariants over Z3 terms.
#define HP_SYMBOLIC 1
#include "checker/prover/symbolic_search.hpp"

#include <fmt/format.h>

#include <map>
#include <stdexcept>
#include <unordered_map>

#include "checker/prover/path_executor.hpp"
#include "invariants/invariant.hpp"
#include "spec/state.hpp"
#include "spec/variant.hpp"

namespace hp::prover {

namespace S = hp::sym;
using symbolic::Word;

namespace {

// The free geometry parameters and the geometry built from them.
struct SymbolicGeometry {
    z3::expr page_shift, section_bits, spb_log, pageblock_order, pmd_bits, struct_page;
    z3::expr constraints;

        // A parameter whose bounds pin it is a numeral, not a variable: terms over it then
    // fold to numbers and equal states get equal terms.
    SymbolicGeometry(z3::context& c, const GeometryBounds& b)
        : page_shift(param(c, "page_shift", b.page_shift)),
          section_bits(param(c, "section_bits", b.section_bits)),
          spb_log(param(c, "spb_log", {log2_ceil(b.sections_per_block.lo), log2_floor(b.sections_per_block.hi)})),
          pageblock_order(param(c, "pageblock_order", b.pageblock_order)),
          pmd_bits(param(c, "pmd_bits", b.pmd_bits)),
          struct_page(param(c, "struct_page", b.struct_page)),
          constraints(c.bool_val(true)) {}

    static unsigned log2_floor(unsigned v) {
        unsigned l = 0;
        while ((2u << l) <= v) ++l;
        return l;
    }
    static unsigned log2_ceil(unsigned v) {
        unsigned l = 0;
        while ((1u << l) < v) ++l;
        return l;
    }
    static z3::expr param(z3::context& c, const char* name, Range r) {
        return r.lo == r.hi ? c.bv_val(r.lo, 64) : c.bv_const(name, 64);
    }

    GeoParams evaluate(const z3::model& m) const {
        auto v = [&](const z3::expr& e) { return static_cast<unsigned>(m.eval(e, true).get_numeral_uint64()); };
        GeoParams p;
        p.page_shift = v(page_shift);
        p.section_bits = v(section_bits);
        p.spb_log = v(spb_log);
        p.pageblock_order = v(pageblock_order);
        p.pmd_order = v(pmd_bits) - p.page_shift;
        p.struct_page = v(struct_page);
        return p;
    }
};

// Bounds as constraints, and every limit the explicit model and validate_geometry() put
// on a geometry, so that each model of a path condition is a geometry `hpcheck check`
// accepts.
S::Geometry build_geometry(z3::context& c, SymbolicGeometry& sg, const GeometryBounds& b) {
    auto k = [&](std::uint64_t v) { return c.bv_val(v, 64); };
    auto in = [&](const z3::expr& v, unsigned lo, unsigned hi) { return z3::uge(v, k(lo)) && z3::ule(v, k(hi)); };
    z3::expr pages_per_section_log = sg.section_bits - sg.page_shift;
    z3::expr block_log = pages_per_section_log + sg.spb_log;
    z3::expr cs = in(sg.page_shift, b.page_shift.lo, b.page_shift.hi) &&
                  in(sg.section_bits, std::max(21u, b.section_bits.lo), b.section_bits.hi) &&
                  in(sg.spb_log, SymbolicGeometry::log2_ceil(b.sections_per_block.lo), SymbolicGeometry::log2_floor(b.sections_per_block.hi)) &&
                  in(sg.pageblock_order, b.pageblock_order.lo, b.pageblock_order.hi) &&
                  z3::ule(sg.pageblock_order, pages_per_section_log) &&
                  in(sg.pmd_bits, b.pmd_bits.lo, b.pmd_bits.hi) && z3::uge(sg.pmd_bits, sg.page_shift) &&
                  in(sg.struct_page, std::max(8u, b.struct_page.lo), b.struct_page.hi) &&
                  z3::urem(sg.struct_page, k(8)) == k(0);
    S::Geometry g;
    g.preset = "symbolic";
    g.page_size = Word::pow2(sg.page_shift);
    g.pages_per_subsection = Word::pow2(k(21) - sg.page_shift);
    g.pages_per_section = Word::pow2(pages_per_section_log);
    g.pages_per_block = Word::pow2(block_log);
    g.pageblock_nr_pages = Word::pow2(sg.pageblock_order);
    g.pmd_pages = Word::pow2(sg.pmd_bits - sg.page_shift);
    g.struct_page_size = Word(sg.struct_page);
    // the memmap of a block fits in the block and in nr_vmemmap_pages (u16)
    const z3::expr vmemmap_pages = g.memory_block_memmap_pages().term();
    cs = cs && z3::ult(vmemmap_pages, g.pages_per_block.term()) && z3::ule(vmemmap_pages, k(0xffff));
    sg.constraints = cs;
    return g;
}

// The twin of prover_machine() (prover_machine.cpp) over terms.
S::Machine build_machine(z3::context& c, SymbolicGeometry& sg, const S::Geometry& g, const ProverLayout& layout) {
    auto k = [&](std::uint64_t v) { return c.bv_val(v, 64); };
    S::Machine m;
    m.geo = g;
    m.nr_nodes = static_cast<int>(layout.nodes);
    m.cpus_per_node.assign(layout.nodes, 0);
    m.cpus_per_node[0] = 1;
    m.boot.push_back({0, ZONE_DMA32, Word(16), Word(4096), Word(4096 - 16), Word(4096 - 16)});
    m.params.memmap_on_memory = MemmapMode::ENABLE;
    // max(4 GiB / PAGE_SIZE, one block): both powers of two
    const z3::expr four_gib_log = k(32) - sg.page_shift;
    const z3::expr block_log = *g.pages_per_block.log2;
    const z3::expr base_log = z3::ite(z3::ult(four_gib_log, block_log), block_log, four_gib_log);
    Word base = Word::pow2(base_log);
    for (unsigned i = 0; i < layout.dimm_blocks.size(); ++i) {
        S::Dimm d;
        d.name = fmt::format("dimm{}", i);
        d.node = static_cast<int>(i % layout.nodes);
        d.base_pfn = base;
        d.nr_blocks = layout.dimm_blocks[i];
        base = base + d.nr_blocks * g.pages_per_block;
        m.dimms.push_back(d);
    }
    // every pfn fits the model's 32-bit pfn fields
    sg.constraints = sg.constraints && z3::ult(base.term(), k(1ull << 32));
    m.finalize();
    return m;
}

// A symbolic state's identity: the Z3 ids of its (simplified) field terms.
using Key = std::vector<unsigned>;
struct KeyHash {
    size_t operator()(const Key& k) const {
        size_t h = 1469598103934665603ull;
        for (unsigned x : k) h = (h ^ x) * 1099511628211ull;
        return h;
    }
};
Key key_of(const S::Machine& m, const S::KernelState& s) {
    Key k;
    for_each_field(m, s, [&](const std::string&, const auto& f) { k.push_back(f.word().term().id()); });
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

    // A new state, unless one equal to it was reached under a condition this one implies.
    void add(S::KernelState s, PathCondition pc, int parent, int action, unsigned depth) {
        std::vector<int>& same = seen[key_of(m, s)];
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
    // Geometry terms are built with the executor installed (symbolic values need a
    // context); its background constraints are the geometry's, set right after.
    struct Bootstrap : symbolic::Decider {
        z3::context& c;
        explicit Bootstrap(z3::context& ctx) : c(ctx) {}
        bool decide(const z3::expr&) override { throw std::logic_error("a decision while building the machine"); }
        z3::context& ctx() override { return c; }
    } boot(c);
    std::optional<S::Machine> machine;
    {
        DeciderScope scope(boot);
        const S::Geometry g = build_geometry(c, sg, opt.bounds);
        machine.emplace(build_machine(c, sg, g, opt.layout));
    }
    PathExecutor ex(c, sg.constraints, opt.rlimit);
    DeciderScope scope(ex);
    Search s{opt, c, sg, ex, *machine, *variant, {}, {}, {}, {}, {}};
    if (opt.invariants.empty()) {
        for (const S::Invariant& inv : S::all_invariants()) (inv.holds_in ? s.state_invs : s.step_invs).push_back(&inv);
    } else {
        for (const std::string& n : opt.invariants) {
            const S::Invariant* inv = S::find_invariant(n);
            if (!inv) throw std::invalid_argument(fmt::format("unknown invariant '{}'", n));
            (inv->holds_in ? s.state_invs : s.step_invs).push_back(inv);
        }
    }
    for (const auto* i : s.state_invs) s.r.checked.push_back(i->name);
    for (const auto* i : s.step_invs) s.r.checked.push_back(i->name);
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
