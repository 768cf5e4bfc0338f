// The only translation unit that includes z3++.h: the Z3 value domain for the abstraction
// (abstract_model.hpp), bounded model checking, k-induction and the geometric condition.
#include "checker/prover/prover.hpp"

#include <fmt/format.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <z3++.h>

#include "invariants/invariant.hpp"
#include "spec/variant.hpp"

namespace hp::prover {

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::PROVED: return "proved";
        case Verdict::COUNTEREXAMPLE: return "counterexample";
        case Verdict::UNKNOWN: return "unknown";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------
// Bounds
namespace {
bool is_pow2(unsigned v) { return v && !(v & (v - 1)); }
unsigned log2u(unsigned v) {
    unsigned l = 0;
    while ((1u << l) < v) ++l;
    return l;
}
}  // namespace

GeometryBounds GeometryBounds::parse(const std::string& spec) {
    GeometryBounds b;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw std::invalid_argument(fmt::format("'{}': expected NAME=LO..HI", item));
        const std::string name = item.substr(0, eq), val = item.substr(eq + 1);
        Range r{};
        try {
            const auto dots = val.find("..");
            size_t pos = 0;
            if (dots == std::string::npos) {
                r.lo = r.hi = static_cast<unsigned>(std::stoul(val, &pos, 0));
                if (pos != val.size()) throw std::invalid_argument(val);
            } else {
                r.lo = static_cast<unsigned>(std::stoul(val.substr(0, dots), &pos, 0));
                r.hi = static_cast<unsigned>(std::stoul(val.substr(dots + 2), &pos, 0));
            }
        } catch (const std::exception&) {
            throw std::invalid_argument(fmt::format("'{}': '{}' is not LO..HI", name, val));
        }
        if (r.lo > r.hi) throw std::invalid_argument(fmt::format("'{}': empty range {}..{}", name, r.lo, r.hi));
        if (name == "page_shift") b.page_shift = r;
        else if (name == "section_bits") b.section_bits = r;
        else if (name == "sections_per_block") b.sections_per_block = r;
        else if (name == "pageblock_order") b.pageblock_order = r;
        else if (name == "pmd_bits") b.pmd_bits = r;
        else if (name == "struct_page") b.struct_page = r;
        else
            throw std::invalid_argument(fmt::format(
                "unknown geometry parameter '{}' (page_shift, section_bits, sections_per_block, pageblock_order, "
                "pmd_bits, struct_page)",
                name));
    }
    if (b.page_shift.lo < 12 || b.page_shift.hi > 16)
        throw std::invalid_argument("page_shift must stay within 12..16 (the model's page sizes)");
    if (b.section_bits.hi > 30) throw std::invalid_argument("section_bits must stay <= 30 (32-bit encoding)");
    if (b.sections_per_block.lo < 1 || b.sections_per_block.hi > 16)
        throw std::invalid_argument("sections_per_block must stay within 1..16 (the model's limit)");
    if (b.pmd_bits.hi > 30 || b.pageblock_order.hi > 18 || b.struct_page.hi > 256 || b.struct_page.hi < 8)
        throw std::invalid_argument("pmd_bits <= 30, pageblock_order <= 18, struct_page within 8..256 (32-bit encoding)");
    return b;
}

GeometryBounds GeometryBounds::exactly(const GeoParams& p) {
    GeometryBounds b;
    b.page_shift = {p.page_shift, p.page_shift};
    b.section_bits = {p.section_bits, p.section_bits};
    b.sections_per_block = {1u << p.spb_log, 1u << p.spb_log};
    b.pageblock_order = {p.pageblock_order, p.pageblock_order};
    b.pmd_bits = {p.pmd_order + p.page_shift, p.pmd_order + p.page_shift};
    b.struct_page = {p.struct_page, p.struct_page};
    return b;
}

std::string GeometryBounds::describe() const {
    auto r = [](Range x) { return x.lo == x.hi ? fmt::format("{}", x.lo) : fmt::format("{}..{}", x.lo, x.hi); };
    return fmt::format(
        "page_shift={} section_bits={} sections_per_block={} (powers of two) pageblock_order={} (pageblock <= "
        "section) pmd_bits={} struct_page={} (multiple of 8)",
        r(page_shift), r(section_bits), r(sections_per_block), r(pageblock_order), r(pmd_bits), r(struct_page));
}

// ---------------------------------------------------------------------------------------
// Replay in the explicit model
std::string replay_explicit(const GeoParams& p, unsigned blocks, const std::string& variant,
                            const std::vector<std::string>& invariants, const std::vector<Action>& trace,
                            std::vector<int>* rcs, std::string* detail) {
    const Variant* v = find_variant(variant);
    if (!v) {
        if (detail) *detail = fmt::format("variant '{}' is not in the explicit model's registry", variant);
        return "";
    }
    const Machine m = prover_machine(to_geometry(p), blocks);
    KernelState s = initial_state(m);
    Violation viol;
    auto check = [&]() -> std::string {
        for (const std::string& name : invariants) {
            const Invariant* inv = find_invariant(name);
            if (inv && inv->holds_in && !inv->holds_in(m, s, &viol)) {
                if (detail) *detail = fmt::format("{}: {}", viol.conjunct, viol.detail);
                return name;
            }
        }
        return "";
    };
    if (auto bad = check(); !bad.empty()) return bad;
    for (const Action& a : trace) {
        const StepResult r = apply_action(m, v->ops, s, a);
        if (rcs) rcs->push_back(r.rc);
        if (auto bad = check(); !bad.empty()) return bad;
    }
    if (detail) *detail = "no invariant violated";
    return "";
}

// ---------------------------------------------------------------------------------------
namespace {

constexpr unsigned W = 24;  // bit-vector width: blocks <= 2^20 pages, so relative pfns < 2^23 (docs/prover.md)

// z3::expr has no default constructor; the template's aggregates need one.
thread_local z3::context* g_ctx = nullptr;
struct ZE : z3::expr {
    ZE() : z3::expr(*g_ctx) {}
    ZE(const z3::expr& e) : z3::expr(e) {}  // NOLINT: implicit on purpose
};

struct Z3Domain {
    z3::context* c;
    using I = ZE;
    using B = ZE;
    I num(std::uint64_t v) const { return c->bv_val(static_cast<std::uint64_t>(v), W); }
    B lit(bool b) const { return c->bool_val(b); }
    static I ite(const z3::expr& a, const z3::expr& b, const z3::expr& e) { return z3::ite(a, b, e); }
    static I shl(const z3::expr& a, const z3::expr& s) { return z3::shl(a, s); }
    static I lshr(const z3::expr& a, const z3::expr& s) { return z3::lshr(a, s); }
    static B lt(const z3::expr& a, const z3::expr& b) { return z3::ult(a, b); }
    static B le(const z3::expr& a, const z3::expr& b) { return z3::ule(a, b); }
};
using ZModel = AbsModel<Z3Domain>;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Encoder {
    z3::context c;
    Z3Domain dom{&c};
    ProveOptions opt;
    VariantSpec spec;
    std::vector<ZE> params;
    std::unique_ptr<ZModel> model;
    std::vector<Action> alphabet;
    z3::expr geo_ok{c};
    unsigned fresh_id = 0;

    Encoder(const ProveOptions& o, const VariantSpec& v) : opt(o), spec(v) {
        g_ctx = &c;
        const char* names[6] = {"page_shift", "section_bits", "spb_log", "pageblock_order", "pmd_order", "struct_page"};
        const GeometryBounds& b = opt.bounds;
        auto point = [](Range r) { return r.lo == r.hi; };
        // a parameter pinned by the bounds is a constant: the shifts fold away
        std::optional<unsigned> fixed[6];
        if (point(b.page_shift)) fixed[0] = b.page_shift.lo;
        if (point(b.section_bits)) fixed[1] = b.section_bits.lo;
        if (point(b.sections_per_block) && is_pow2(b.sections_per_block.lo)) fixed[2] = log2u(b.sections_per_block.lo);
        if (point(b.pageblock_order)) fixed[3] = b.pageblock_order.lo;
        if (point(b.pmd_bits) && fixed[0] && b.pmd_bits.lo >= *fixed[0]) fixed[4] = b.pmd_bits.lo - *fixed[0];
        if (point(b.struct_page)) fixed[5] = b.struct_page.lo;
        for (int k = 0; k < 6; ++k) params.push_back(fixed[k] ? c.bv_val(*fixed[k], W) : c.bv_const(names[k], W));
        model = std::make_unique<ZModel>(dom, opt.blocks, spec, params.data());
        // the alphabet depends only on the number of blocks
        alphabet = solver_alphabet(prover_machine(*geometry_preset("x86_64"), opt.blocks));
        geo_ok = geometry_constraints();
    }

    z3::expr in(const z3::expr& x, unsigned lo, unsigned hi) { return z3::uge(x, dom.num(lo)) && z3::ule(x, dom.num(hi)); }

    // validate_geometry() + the bounds + what the explicit model's fields can hold.
    z3::expr geometry_constraints() {
        const GeometryBounds& b = opt.bounds;
        const auto& g = model->g;
        const z3::expr &ps = params[0], &sb = params[1], &spb = params[2], &pbo = params[3], &pmd = params[4],
                       &sp = params[5];
        z3::expr e = in(ps, b.page_shift.lo, b.page_shift.hi) && in(sb, std::max(21u, b.section_bits.lo), b.section_bits.hi);
        e = e && z3::uge(sb, ps);
        e = e && in(spb, log2u(std::max(1u, b.sections_per_block.lo)), log2u(b.sections_per_block.hi) -
                                                                          (is_pow2(b.sections_per_block.hi) ? 0 : 1));
        e = e && in(pbo, b.pageblock_order.lo, b.pageblock_order.hi) && z3::ule(pbo, sb - ps);
        e = e && z3::ule(pmd, dom.num(40)) && in(pmd + ps, b.pmd_bits.lo, b.pmd_bits.hi);
        e = e && in(sp, b.struct_page.lo, b.struct_page.hi) && (sp & dom.num(7)) == dom.num(0);
        // blocks of at most 2^20 pages (4 GiB with 4K pages): the 24-bit encoding's limit
        e = e && z3::ule(sb - ps + spb, dom.num(20));
        // the memmap of a block fits in the block, and nr_vmemmap_pages (u16) holds it
        e = e && z3::ult(g.exact, g.blk) && z3::ule(g.exact, dom.num(0xffff)) && z3::ule(g.V, dom.num(0xffff));
        if (opt.supported_only) e = e && g.supports == dom.num(1);
        return e;
    }

    ZModel::State fresh_state(const std::string& tag) {
        const std::string p = fmt::format("{}_{}_", tag, fresh_id++);
        ZModel::State s;
        auto bv = [&](const std::string& n) { return c.bv_const((p + n).c_str(), W); };
        auto bo = [&](const std::string& n) { return c.bool_const((p + n).c_str()); };
        for (unsigned i = 0; i < opt.blocks; ++i) {
            const std::string b = fmt::format("b{}_", i);
            s.b.push_back(ZModel::Block{bv(b + "st"), bo(b + "plugged"), bo(b + "mom"), bv(b + "zone"), bv(b + "mmv"),
                                        bv(b + "mmr"), bo(b + "onA"), bo(b + "onB"), bo(b + "valid")});
            s.gk.push_back(bv(fmt::format("gk{}", i)));
            s.gm.push_back(bv(fmt::format("gm{}", i)));
        }
        for (unsigned k = 0; k < 2; ++k) {
            const std::string z = k ? "mov_" : "nor_";
            s.z[k] = ZModel::Zone{bv(z + "start"), bv(z + "spanned"), bv(z + "present"), bv(z + "managed")};
        }
        s.node_present = bv("node_present");
        return s;
    }

    // Type correctness of a state: enumerations in range, counters far from wrapping.
    z3::expr wf(const ZModel::State& s) {
        z3::expr e = c.bool_val(true);
        const z3::expr big = dom.num(1ull << 23);
        for (unsigned i = 0; i < opt.blocks; ++i) {
            const auto& b = s.b[i];
            e = e && z3::ule(b.st, dom.num(2)) && z3::ule(b.zone, dom.num(2)) && z3::ule(b.mmv, dom.num(2)) &&
                z3::ule(b.mmr, dom.num(2)) && z3::ult(s.gk[i], big) && z3::ult(s.gm[i], big);
        }
        for (unsigned k = 0; k < 2; ++k)
            e = e && z3::ult(s.z[k].start, big) && z3::ult(s.z[k].spanned, big) && z3::ult(s.z[k].present, big) &&
                z3::ult(s.z[k].managed, big);
        return e && z3::ult(s.node_present, big);
    }

    z3::expr eq(const ZModel::State& a, const ZModel::State& b) {
        z3::expr e = c.bool_val(true);
        for (unsigned i = 0; i < opt.blocks; ++i) {
            const auto &x = a.b[i], &y = b.b[i];
            e = e && x.st == y.st && x.plugged == y.plugged && x.mom == y.mom && x.zone == y.zone && x.mmv == y.mmv &&
                x.mmr == y.mmr && x.onA == y.onA && x.onB == y.onB && x.valid == y.valid && a.gk[i] == b.gk[i] &&
                a.gm[i] == b.gm[i];
        }
        for (unsigned k = 0; k < 2; ++k)
            e = e && a.z[k].start == b.z[k].start && a.z[k].spanned == b.z[k].spanned &&
                a.z[k].present == b.z[k].present && a.z[k].managed == b.z[k].managed;
        return e && a.node_present == b.node_present;
    }

    z3::expr inv(const ZModel::State& s, const std::string& name) {
        if (name == "zone-span") return model->zone_span(s);
        if (name == "present-pages") return model->present_pages(s);
        throw std::invalid_argument(name);
    }
    z3::expr invs(const ZModel::State& s) {
        z3::expr e = c.bool_val(true);
        for (const std::string& n : opt.invariants) e = e && inv(s, n);
        return e;
    }

    struct Step {
        z3::expr act, rc;
    };
    // Constrain `next` to be a successor of `cur` by one enabled action; returns the action
    // variable and the return code.
    Step transition(z3::solver& sol, const ZModel::State& cur, const ZModel::State& next, const std::string& tag) {
        const z3::expr act = c.bv_const(fmt::format("act_{}", tag).c_str(), 8);
        z3::expr en = c.bool_val(false);
        z3::expr rc = dom.num(0);
        ZModel::State merged = cur;
        for (unsigned k = 0; k < alphabet.size(); ++k) {
            const ZModel::Result r = model->apply(cur, alphabet[k]);
            const z3::expr is = act == c.bv_val(k, 8);
            merged = model->merge(is, r.s, merged);
            en = en || (is && r.enabled);
            rc = z3::ite(is, r.rc, rc);
        }
        sol.add(en);
        sol.add(eq(next, merged));
        return Step{act, rc};
    }

    // Bit-blasting (qfbv), one run per check, bounded by --timeout (then: unknown).
    z3::solver mk() {
        return z3::try_for(z3::tactic(c, "qfbv"), opt.timeout_s * 1000u).mk_solver();
    }

    GeoParams geometry_of(const z3::model& m) {
        auto val = [&](const z3::expr& e) {
            return static_cast<unsigned>(m.eval(e, true).get_numeral_uint64());
        };
        GeoParams g;
        g.page_shift = val(params[0]);
        g.section_bits = val(params[1]);
        g.spb_log = val(params[2]);
        g.pageblock_order = val(params[3]);
        g.pmd_order = val(params[4]);
        g.struct_page = val(params[5]);
        return g;
    }

    std::string state_text(const z3::model& m, const ZModel::State& s) {
        auto v = [&](const z3::expr& e) { return m.eval(e, true).get_numeral_uint64(); };
        auto b = [&](const z3::expr& e) { return m.eval(e, true).is_true(); };
        static const char* st[] = {"absent", "offline", "online"};
        static const char* zn[] = {"-", "Normal", "Movable"};
        auto nm = [](std::uint64_t x, const char* const* t) { return x <= 2 ? t[x] : "?"; };
        std::string out;
        for (unsigned i = 0; i < opt.blocks; ++i) {
            const auto& x = s.b[i];
            out += fmt::format(
                "      block {}: {} plugged={} vmemmap={} mem->zone={} memmap(vmemmap)={} memmap(rest)={} "
                "sections online A={} B={} valid={} group kernel={} movable={}\n",
                i, nm(v(x.st), st), b(x.plugged), b(x.mom), nm(v(x.zone), zn), nm(v(x.mmv), zn), nm(v(x.mmr), zn),
                b(x.onA), b(x.onB), b(x.valid), v(s.gk[i]), v(s.gm[i]));
        }
        for (unsigned k = 0; k < 2; ++k)
            out += fmt::format("      {}: start={} spanned={} present={} managed={}\n", k ? "Movable" : "Normal",
                               v(s.z[k].start), v(s.z[k].spanned), v(s.z[k].present), v(s.z[k].managed));
        out += fmt::format("      node_present (hot-plugged)={}\n", v(s.node_present));
        return out;
    }
};

const char* result_name(z3::check_result r) { return r == z3::sat ? "sat" : r == z3::unsat ? "unsat" : "unknown"; }

struct Atom {
    std::string text;
    z3::expr e;
};

}  // namespace

ProveResult prove(const ProveOptions& opt) {
    const VariantSpec* spec = find_variant_spec(opt.variant);
    if (!spec) {
        std::string known;
        for (const VariantSpec& v : known_variant_specs()) known += (known.empty() ? "" : ", ") + v.name;
        throw std::invalid_argument(
            fmt::format("the prover has no encoding of variant '{}' (it has: {})", opt.variant, known));
    }
    for (const std::string& n : opt.invariants)
        if (n != "zone-span" && n != "present-pages")
            throw std::invalid_argument(
                fmt::format("the prover encodes the invariants zone-span and present-pages, not '{}'", n));
    if (opt.invariants.empty()) throw std::invalid_argument("no invariant given");
    if (opt.blocks < 1 || opt.blocks > 4) throw std::invalid_argument("--blocks must be 1..4");
    if (opt.depth > 40) throw std::invalid_argument("--depth must be <= 40");

    const auto t0 = Clock::now();
    ProveResult res;
    Encoder enc(opt, *spec);
    z3::context& c = enc.c;
    auto run = [&](z3::solver& s, const std::string& what, const z3::expr* extra = nullptr) {
        const auto q0 = Clock::now();
        if (extra) {
            s.push();
            s.add(*extra);
        }
        const z3::check_result r = s.check();
        res.queries.push_back(QueryStat{what, since(q0), s.assertions().size(), result_name(r)});
        if (extra) s.pop();
        return r;
    };
    std::string invs;
    for (const std::string& n : opt.invariants) invs += (invs.empty() ? "" : " and ") + n;

    // ---- bounded model checking from the initial state ------------------------------------
    z3::solver bmc = enc.mk();
    bmc.add(enc.geo_ok);
    std::vector<ZModel::State> states{enc.model->initial()};
    std::vector<Encoder::Step> steps;
    bool bmc_unknown = false;
    for (unsigned k = 0; k <= opt.depth; ++k) {
        bmc.push();
        bmc.add(!enc.invs(states[k]));
        const z3::check_result r = run(bmc, fmt::format("bmc depth {}", k));
        if (r == z3::sat) {
            const z3::model m = bmc.get_model();
            Counterexample cx;
            cx.geometry = enc.geometry_of(m);
            for (unsigned j = 0; j < k; ++j) {
                const unsigned a = static_cast<unsigned>(m.eval(steps[j].act, true).get_numeral_uint64());
                cx.trace.push_back(enc.alphabet.at(a));
                cx.rcs.push_back(static_cast<int>(m.eval(steps[j].rc, true).get_numeral_uint64()));
            }
            for (const std::string& n : opt.invariants)
                if (m.eval(enc.inv(states[k], n), true).is_false()) {
                    cx.invariant = n;
                    break;
                }
            std::vector<int> rcs;
            const std::string got =
                replay_explicit(cx.geometry, opt.blocks, opt.variant, opt.invariants, cx.trace, &rcs, &cx.replay_detail);
            cx.replayed = got == cx.invariant;
            res.cex = cx;
            res.verdict = Verdict::COUNTEREXAMPLE;
            res.scope = fmt::format("a sequence of {} operation(s) on {} single-block DIMM(s), geometry {}", k,
                                    opt.blocks, describe(cx.geometry));
            bmc.pop();
            // ---- the condition: which geometries break it (within this depth) ----
            if (opt.condition) {
                const auto& g = enc.model->g;
                const z3::expr zero = enc.dom.num(0), one = enc.dom.num(1);
                std::vector<Atom> atoms{
                    {"mhp_supports_memmap_on_memory() holds", g.supports == one},
                    {"V % PAGES_PER_SUBSECTION != 0", (g.V & (g.sub - one)) != zero},
                    {"V % pageblock_nr_pages == 0", (g.V & (g.pb - one)) == zero},
                    {"V < PAGES_PER_SUBSECTION", z3::ult(g.V, g.sub)},
                    {"V % (PMD_SIZE / PAGE_SIZE) != 0", (g.V & (g.pmd - one)) != zero},
                    {"pageblock_nr_pages < PAGES_PER_SUBSECTION", z3::ult(g.pb, g.sub)},
                    {"V >= PAGES_PER_SECTION", z3::uge(g.V, g.pps)},
                };
                // bad = some state within depth k violates; geometry otherwise free
                z3::expr bad = c.bool_val(false);
                for (unsigned j = 0; j <= k; ++j) bad = bad || !enc.invs(states[j]);
                bmc.push();
                bmc.add(bad);
                std::vector<std::string> lits;
                z3::expr cond = c.bool_val(true);
                bool complete = true;
                for (const Atom& a : atoms) {
                    const bool holds = m.eval(a.e, true).is_true();
                    const z3::expr lit = holds ? a.e : !a.e;
                    const z3::expr neg = !lit;
                    const z3::check_result cr = run(bmc, "condition: is '" + a.text + "' necessary", &neg);
                    if (cr == z3::unsat) {
                        lits.push_back(holds ? a.text : "not (" + a.text + ")");
                        cond = cond && lit;
                    } else if (cr == z3::unknown) {
                        complete = false;
                    }
                }
                bmc.pop();
                // sufficiency: the counterexample's own operation sequence breaks every geometry with cond
                z3::solver suf = enc.mk();
                suf.add(enc.geo_ok && cond);
                ZModel::State s = enc.model->initial();
                z3::expr all_en = c.bool_val(true), broke = !enc.invs(s);
                for (const Action& a : cx.trace) {
                    const ZModel::Result r = enc.model->apply(s, a);
                    all_en = all_en && r.enabled;
                    s = r.s;
                    broke = broke || !enc.invs(s);
                }
                suf.add(!(all_en && broke));
                const z3::check_result sr = run(suf, "condition: is it sufficient (the counterexample's operations)");
                std::string text;
                for (const std::string& l : lits) text += (text.empty() ? "" : " and ") + l;
                if (text.empty()) text = "(no single-atom condition is necessary)";
                if (sr == z3::unsat && complete)
                    res.condition = fmt::format(
                        "within the bounds, {} breaks in <= {} operations exactly when: {} (V = vmemmap pages per "
                        "block); the counterexample's operations break every such geometry",
                        invs, k, text);
                else
                    res.condition = fmt::format(
                        "within the bounds, every geometry where {} breaks in <= {} operations satisfies: {}{}", invs,
                        k, text,
                        sr == z3::sat ? " (not sufficient for the counterexample's operations)"
                                      : " (sufficiency undecided)");
            }
            res.seconds = since(t0);
            return res;
        }
        bmc.pop();
        if (r == z3::unknown) {
            bmc_unknown = true;
            res.unknown_reason = fmt::format("solver returned unknown at depth {} ({})", k, bmc.reason_unknown());
            break;
        }
        if (k == opt.depth) break;
        states.push_back(enc.fresh_state(fmt::format("s{}", k + 1)));
        steps.push_back(enc.transition(bmc, states[k], states[k + 1], std::to_string(k)));
    }
    if (bmc_unknown) {
        res.verdict = Verdict::UNKNOWN;
        res.seconds = since(t0);
        return res;
    }
    res.verdict = Verdict::PROVED;
    res.scope = fmt::format("every sequence of <= {} operations on {} single-block DIMM(s), every geometry with {}{}",
                            opt.depth, opt.blocks, opt.bounds.describe(),
                            opt.supported_only ? ", mhp_supports_memmap_on_memory() true" : "");

    // ---- induction ---------------------------------------------------------------------------
    if (opt.induction) {
        res.induction.attempted = true;
        auto try_k = [&](unsigned k, bool lemmas, std::string* cti) -> z3::check_result {
            z3::solver s = enc.mk();
            s.add(enc.geo_ok);
            std::vector<ZModel::State> path{enc.fresh_state("i0")};
            std::vector<Encoder::Step> st;
            for (unsigned j = 0; j < k; ++j) {
                s.add(enc.wf(path[j]) && enc.invs(path[j]));
                if (lemmas) s.add(enc.model->lemmas(path[j]));
                path.push_back(enc.fresh_state(fmt::format("i{}", j + 1)));
                st.push_back(enc.transition(s, path[j], path[j + 1], fmt::format("i{}", j)));
            }
            z3::expr goal = enc.invs(path[k]);
            if (lemmas) goal = goal && enc.model->lemmas(path[k]);
            s.add(!goal);
            const z3::check_result r =
                run(s, fmt::format("{}-induction step{}", k, lemmas ? " (invariant + lemmas)" : " (invariant alone)"));
            if (r == z3::sat && cti) {
                const z3::model m = s.get_model();
                const GeoParams gp = enc.geometry_of(m);
                std::string t = fmt::format("    geometry: {}\n", describe(gp));
                for (unsigned j = 0; j <= k; ++j) {
                    t += fmt::format("    state {}{}:\n", j, j == k ? " (violates)" : " (satisfies the assumption)");
                    t += enc.state_text(m, path[j]);
                    if (j < k) {
                        const unsigned a = static_cast<unsigned>(m.eval(st[j].act, true).get_numeral_uint64());
                        const Machine mach = prover_machine(to_geometry(gp), opt.blocks);
                        t += fmt::format("    --[{}]--> rc {}\n", action_label(mach, enc.alphabet.at(a)),
                                         errno_name(static_cast<int>(m.eval(st[j].rc, true).get_numeral_uint64())));
                    }
                }
                *cti = t;
            }
            return r;
        };
        // 1-induction one operation at a time: 16 small queries instead of one big one
        auto try_1 = [&](bool lemmas, std::string* cti) -> z3::check_result {
            z3::check_result worst = z3::unsat;
            for (const Action& a : enc.alphabet) {
                z3::solver s = enc.mk();
                // with the lemmas, the pre-state is determined by its block fields
                const ZModel::State free = enc.fresh_state("pre");
                const ZModel::State pre = lemmas ? enc.model->canonical(free) : free;
                s.add(enc.geo_ok && enc.wf(pre) && enc.invs(pre));
                if (lemmas) s.add(enc.model->lemmas(pre));
                const ZModel::Result r = enc.model->apply(pre, a);
                s.add(r.enabled);
                z3::expr goal = enc.invs(r.s);
                if (lemmas) goal = goal && enc.model->lemmas(r.s);
                s.add(!goal);
                const Machine mach0 = prover_machine(*geometry_preset("x86_64"), opt.blocks);
                const z3::check_result cr = run(s, fmt::format("1-induction step{}: {}", lemmas ? " (+ lemmas)" : "",
                                                               action_label(mach0, a)));
                if (cr == z3::sat) {
                    if (cti) {
                        const z3::model m = s.get_model();
                        const GeoParams gp = enc.geometry_of(m);
                        const Machine mach = prover_machine(to_geometry(gp), opt.blocks);
                        *cti = fmt::format("    geometry: {}\n    state 0 (satisfies the assumption):\n{}", describe(gp),
                                           enc.state_text(m, pre));
                        *cti += fmt::format("    --[{}]--> rc {}\n    state 1 (violates):\n{}", action_label(mach, a),
                                            errno_name(static_cast<int>(m.eval(r.rc, true).get_numeral_uint64())),
                                            enc.state_text(m, r.s));
                    }
                    return z3::sat;
                }
                if (cr == z3::unknown) worst = z3::unknown;
            }
            return worst;
        };
        bool done = false;
        for (unsigned k = 1; k <= std::max(1u, opt.induction_k) && !done; ++k) {
            std::string cti;
            const z3::check_result r = k == 1 ? try_1(false, &cti) : try_k(k, false, &cti);
            if (r == z3::unsat) {
                res.induction.plain_inductive = true;
                res.induction.k = k;
                done = true;
            } else if (r == z3::sat) {
                res.induction.cti = cti;
            } else {
                res.unknown_reason = "induction step: solver returned unknown";
            }
        }
        if (!done) {
            // base case of the lemmas, then their inductive step
            z3::solver base = enc.mk();
            base.add(enc.geo_ok);
            base.add(!enc.model->lemmas(enc.model->initial()));
            const z3::check_result br = run(base, "lemmas hold initially");
            std::string cti2;
            const z3::check_result r = br == z3::unsat ? try_1(true, &cti2) : z3::unknown;
            if (br == z3::unsat && r == z3::unsat) {
                res.induction.with_lemmas = true;
                res.induction.k = 1;
                done = true;
            } else {
                if (br == z3::sat) res.unknown_reason = "the auxiliary lemmas do not hold in the initial state";
                else if (r == z3::sat)
                    res.unknown_reason = "induction failed even with the auxiliary lemmas (they are too weak for this "
                                         "variant); counterexample to induction:\n" + cti2;
                else res.unknown_reason = "induction: solver returned unknown";
            }
        }
        if (done) {
            res.scope = fmt::format("every sequence of operations of any length on {} single-block DIMM(s), every "
                                    "geometry with {}{}",
                                    opt.blocks, opt.bounds.describe(),
                                    opt.supported_only ? ", mhp_supports_memmap_on_memory() true" : "");
        } else {
            res.verdict = Verdict::UNKNOWN;
            res.scope = fmt::format("no counterexample within {} operations; induction did not close", opt.depth);
        }
    }
    res.seconds = since(t0);
    return res;
}

}  // namespace hp::prover
