#include "checker/diff.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "checker/kernel_model.hpp"
#include "checker/rc_name.hpp"
#include "checker/report_text.hpp"
#include "checker/tree_store.hpp"
#include "spec/state_diff.hpp"
#include "spec/sysfs.hpp"

namespace hp {

const char* const kDiffCompared =
    "whether each operation is possible; return codes; invariant verdicts after every step (state invariants "
    "and transition properties); kernel observations (struct page reads of poisoned/unmapped memmap, misaligned "
    "ranges, altmap pages freed to the buddy, memmap freed in use); every kernel-named state field (node spans "
    "node_start_pfn/node_spanned_pages/node_present_pages, zone_start_pfn/spanned/present/managed/contiguous "
    "of every zone, memory block state/zone/online_type/nr_vmemmap_pages/sections/memmap/vmemmap backing/"
    "altmap.alloc, DIMM plug/ACPI state, memory-group counters); valid_zones of every memory block";

std::vector<std::pair<std::string, std::string>> observables(const Machine& m, const KernelOps& ops,
                                                             const KernelState& s) {
    auto o = state_fields(m, s);
    for (unsigned b = 0; b < m.blocks.size(); ++b)
        o.emplace_back(fmt::format("memory{}.valid_zones", m.blocks[b].memory_block_id), valid_zones(m, ops, s, b));
    return o;
}

namespace {

const char* observation_name(Observation::Kind k) {
    switch (k) {
        case Observation::POISONED_MEMMAP_READ: return "read of a poisoned struct page";
        case Observation::UNMAPPED_MEMMAP_READ: return "read of an unmapped struct page";
        case Observation::MISALIGNED_RANGE: return "misaligned range";
        case Observation::ALTMAP_FREED_TO_BUDDY: return "altmap pages freed to the buddy";
        case Observation::MEMMAP_FREED_IN_USE: return "memmap freed while in use";
        case Observation::USAGE_READ_AFTER_FREE: return "ms->usage read after free";
        case Observation::MEMORY_BLOCK_USE_AFTER_FREE: return "memory_block device used after release";
        case Observation::ALTMAP_OBJ_USE_AFTER_FREE: return "mem->altmap read after kfree()";
        case Observation::MEMORY_BLOCK_RELEASED_WITH_ALTMAP: return "memory_block released with mem->altmap set";
        case Observation::VMEMMAP_FREED_IN_USE: return "vmemmap page freed while its struct pages are in use";
        case Observation::VMEMMAP_UNMAPPED_WRITE: return "write through an unmapped vmemmap address";
        case Observation::PGTABLE_FREED_IN_USE: return "page-table page freed while it maps something";
        case Observation::LINEAR_MAP_TABLE_FREED_IN_USE: return "linear-map page-table page freed while it maps a block";
        case Observation::MEMMAP_FREED_BAD_ADDRESS: return "memmap freed through a NULL section_mem_map";
        case Observation::USAGE_FREED_RESERVED: return "memblock-allocated ms->usage kfree()d";
        case Observation::ZONE_DEVICE_PAGE_ONLINE: return "pfn_to_online_page() returned a ZONE_DEVICE page";
        case Observation::ALTMAP_LEAK: return "device altmap pages still allocated after removal";
        case Observation::EARLY_RESERVED_PAGES: return "PG_reserved early allocation met by offline";
    }
    return "?";
}

// What the kernel paths of one step observed, as one comparable string ("none" if nothing).
std::string observations_str(const StepResult& r) {
    std::string s;
    for (int i = 0; i < r.nobs; ++i)
        s += fmt::format("{}{} by {} at pfn {:#x}", i ? "; " : "", observation_name(r.obs[i].kind), r.obs[i].func,
                         r.obs[i].pfn);
    return s.empty() ? "none" : s;
}

// The verdict of the invariants on one step: "holds" or "violated: <conjunct>" for the
// first failing invariant (transition properties first, as the explorer checks them).
struct Verdicts {
    std::string invariant;  // "" when every invariant holds
    std::string text;
};
Verdicts judge(const Machine& m, const std::vector<const Invariant*>& invs, const KernelState* before,
               const KernelState& after, const Action* act, const StepResult* r) {
    Violation v;
    if (before)
        for (const Invariant* i : invs)
            if (i->holds_on && !i->holds_on(Step{m, *before, after, *act, *r}, &v))
                return {i->name, fmt::format("violated: {} ({})", v.conjunct, v.detail)};
    for (const Invariant* i : invs)
        if (i->holds_in && !i->holds_in(m, after, &v)) return {i->name, fmt::format("violated: {} ({})", v.conjunct, v.detail)};
    return {"", "holds"};
}

// Compare everything of the two sides after a step (or at boot: no action). Fills `out`
// when given; otherwise returns at the first difference.
bool differ(const Machine& m, const Variant& a, const Variant& b, const std::vector<const Invariant*>& invs,
            const KernelState* before_a, const KernelState* before_b, const KernelState& sa, const KernelState& sb,
            const Action* act, const StepResult* ra, const StepResult* rb, std::vector<ObservableDiff>* out) {
    bool any = false;
    auto add = [&](std::string what, std::string x, std::string y) {
        any = true;
        if (out) out->push_back({std::move(what), std::move(x), std::move(y)});
    };
    if (ra && ra->rc != rb->rc) add("return code", rc_name(ra->rc), rc_name(rb->rc));
    if (any && !out) return true;
    const Verdicts va = judge(m, invs, before_a, sa, act, ra), vb = judge(m, invs, before_b, sb, act, rb);
    if (va.invariant != vb.invariant)
        add(fmt::format("invariant {}", va.invariant.empty() ? vb.invariant : va.invariant), va.text, vb.text);
    if (any && !out) return true;
    if (ra) {
        const std::string oa = observations_str(*ra), ob = observations_str(*rb);
        if (oa != ob) add("kernel observations", oa, ob);
    }
    if (any && !out) return true;
    // Cheap screen: equal states have equal fields; valid_zones still depends on the variant.
    // The 6.6+ altmap object (BlockState::altmap_obj) is bookkeeping for I18, not a field the
    // kernel shows: 6.1 and 6.8 states that differ only there are the same to a user.
    bool same_state = sa == sb;
    if (!same_state) {
        KernelState xa = sa, xb = sb;
        for (unsigned blk = 0; blk < m.blocks.size(); ++blk) xa.blocks[blk].altmap_obj = xb.blocks[blk].altmap_obj = 0;
        same_state = xa == xb;
    }
    if (!same_state && !out) return true;
    const auto fa = observables(m, a.ops, sa), fb = observables(m, b.ops, sb);
    for (size_t i = 0; i < fa.size(); ++i)
        if (fa[i].second != fb[i].second) {
            add(fa[i].first, fa[i].second, fb[i].second);
            if (!out) return true;
        }
    return any;
}

}  // namespace

DiffResult diff_variants(const Machine& m, const Variant& a, const Variant& b, const std::vector<Action>& alphabet,
                         bool litmus, const Limits& lim, std::vector<const Invariant*> invs) {
    if (invs.empty())
        for (const Invariant& i : all_invariants()) invs.push_back(&i);
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    DiffResult res;
    const unsigned w = packed_words(m);
    const KernelState init = initial_state(m);
    auto finish = [&](DiffResult::Kind k) {
        res.kind = k;
        res.seconds = elapsed();
        return res;
    };
    if (differ(m, a, b, invs, nullptr, nullptr, init, init, nullptr, nullptr, nullptr, &res.diffs))
        return finish(DiffResult::DIFFERENCE);

    // One step of the product; returns true when the observables differ (diffs filled).
    struct Outcome { bool skip; bool differs; int rc_a, rc_b; };
    auto step = [&](const KernelState& sa, const KernelState& sb, const Action& act, KernelState& na, KernelState& nb,
                    std::vector<ObservableDiff>* diffs) -> Outcome {
        const bool ea = action_enabled(m, sa, act), eb = action_enabled(m, sb, act);
        if (!ea && !eb) return {true, false, 0, 0};
        na = sa;
        nb = sb;
        if (ea != eb) {
            if (diffs) diffs->push_back({"operation possible", ea ? "yes" : "no (no such sysfs file / slot)",
                                         eb ? "yes" : "no (no such sysfs file / slot)"});
            return {false, true, 0, 0};
        }
        const StepResult ra = apply_action(m, a.ops, na, act), rb = apply_action(m, b.ops, nb, act);
        // A fault that fires in neither model is the fault-free action again.
        if (act.fault.kind != FaultKind::NONE && !ra.fault_fired && !rb.fault_fired) return {true, false, 0, 0};
        const bool d = differ(m, a, b, invs, &sa, &sb, na, nb, &act, &ra, &rb, diffs);
        return {false, d, ra.rc, rb.rc};
    };

    if (litmus) {
        KernelState sa = init, sb = init, na, nb;
        for (const Action& act : alphabet) {
            const Outcome o = step(sa, sb, act, na, nb, &res.diffs);
            ++res.transitions;
            res.trace.push_back({act, o.rc_a, o.rc_b});
            res.depth = static_cast<unsigned>(res.trace.size());
            if (o.differs) return finish(DiffResult::DIFFERENCE);
            sa = na;
            sb = nb;
            ++res.states;
        }
        return finish(DiffResult::NO_DIFFERENCE);
    }

    TreeStore store(2 * w);
    std::vector<std::uint32_t> parent{0};
    std::vector<std::uint16_t> via{0};
    std::vector<std::uint32_t> words(2 * w);
    KernelState sa = init, sb = init, na = init, nb = init;
    auto pack2 = [&](const KernelState& x, const KernelState& y) {
        pack(m, x, words.data());
        pack(m, y, words.data() + w);
    };
    pack2(init, init);
    store.insert(words.data());
    std::size_t level_end = 1;
    bool cut = false;
    for (std::uint32_t id = 0; id < store.size(); ++id) {
        if (id == level_end) {
            ++res.depth;
            level_end = store.size();
        }
        if (lim.max_depth && res.depth >= lim.max_depth) {
            cut = id < store.size();
            res.incomplete_reason = fmt::format("depth bound {} reached with {} product states unexpanded",
                                                lim.max_depth, store.size() - id);
            break;
        }
        if ((id & 255) == 0) {
            if (g_interrupted.load()) {
                res.incomplete_reason = "interrupted";
                res.states = store.size();
                return finish(DiffResult::INCOMPLETE);
            }
            if (lim.max_seconds > 0 && elapsed() > lim.max_seconds) {
                res.incomplete_reason = "--max-seconds reached";
                res.states = store.size();
                return finish(DiffResult::INCOMPLETE);
            }
        }
        store.get(id, words.data());
        unpack(m, words.data(), sa);
        unpack(m, words.data() + w, sb);
        for (unsigned ai = 0; ai < alphabet.size(); ++ai) {
            const Outcome o = step(sa, sb, alphabet[ai], na, nb, nullptr);
            if (o.skip) continue;
            ++res.transitions;
            if (o.differs) {
                // Rebuild the path, then replay it to collect rcs and the differing fields.
                std::vector<unsigned> path;
                for (std::uint32_t p = id; p != 0; p = parent[p]) path.push_back(via[p]);
                std::reverse(path.begin(), path.end());
                path.push_back(ai);
                KernelState xa = init, xb = init, ya, yb;
                for (size_t i = 0; i < path.size(); ++i) {
                    const bool last = i + 1 == path.size();
                    const Outcome r = step(xa, xb, alphabet[path[i]], ya, yb, last ? &res.diffs : nullptr);
                    res.trace.push_back({alphabet[path[i]], r.rc_a, r.rc_b});
                    xa = ya;
                    xb = yb;
                }
                res.states = store.size();
                res.depth = static_cast<unsigned>(res.trace.size());
                return finish(DiffResult::DIFFERENCE);
            }
            pack2(na, nb);
            const auto [nid, inserted] = store.insert(words.data());
            if (!inserted) continue;
            parent.push_back(id);
            via.push_back(static_cast<std::uint16_t>(ai));
            if (lim.max_states && store.size() >= lim.max_states) {
                res.incomplete_reason = "--max-states reached";
                res.states = store.size();
                return finish(DiffResult::INCOMPLETE);
            }
        }
    }
    res.states = store.size();
    return finish(cut ? DiffResult::INCOMPLETE : DiffResult::NO_DIFFERENCE);
}

DiffResult diff_scenario(const Scenario& sc, const Variant& a, const Variant& b, Limits lim) {
    if (!lim.max_depth) lim.max_depth = sc.max_depth;
    const auto invs = select_invariants(sc.invariants, sc.path);
    if (sc.litmus()) {
        std::vector<Action> steps;
        for (const LitmusStep& st : sc.steps) steps.push_back(st.action);
        return diff_variants(sc.machine, a, b, steps, true, lim, invs);
    }
    return diff_variants(sc.machine, a, b, expand_alphabet(sc.machine, sc.actions, sc.faults), false, lim, invs);
}

std::string format_diff(const Scenario& sc, const Variant& a, const Variant& b, const DiffResult& r) {
    std::string s;
    s += fmt::format("scenario   {} ({})\n", sc.name, sc.path);
    s += fmt::format("variants   A = {} — {}\n           B = {} — {}\n", a.name, a.source, b.name, b.source);
    s += fmt::format("machine    {}\n", describe_machine(sc.machine));
    s += fmt::format("compared   {}\n", kDiffCompared);
    const char* scope = sc.litmus() ? "litmus sequence" : "product of the two models, breadth-first";
    s += fmt::format("explored   {} product states, {} transitions, depth {}, {:.3f} s ({})\n", r.states,
                     r.transitions, r.depth, r.seconds, scope);
    switch (r.kind) {
        case DiffResult::NO_DIFFERENCE:
            s += sc.litmus() ? "result     NO DIFFERENCE along the litmus sequence\n"
                             : "result     NO DIFFERENCE: the product space was exhausted; no sequence of these "
                               "operations tells A from B\n";
            return s;
        case DiffResult::INCOMPLETE:
            s += fmt::format("result     INCOMPLETE: no difference found, but {}; a longer sequence may differ\n",
                             r.incomplete_reason);
            return s;
        case DiffResult::DIFFERENCE: break;
    }
    s += fmt::format("result     DIFFERENCE after {} operation{} (a shortest sequence):\n", r.trace.size(),
                     r.trace.size() == 1 ? "" : "s");
    for (size_t i = 0; i < r.trace.size(); ++i) {
        const DiffStep& st = r.trace[i];
        s += fmt::format("  {:>2}. {}\n      $ {}\n      -> A: {}   B: {}\n", i + 1, action_label(sc.machine, st.action),
                         describe_action(sc.machine, st.action), rc_name(st.rc_a), rc_name(st.rc_b));
    }
    if (r.trace.empty()) s += "  (the boot states already differ)\n";
    s += "differs:\n";
    size_t width = 0;
    for (const ObservableDiff& d : r.diffs) width = std::max(width, d.what.size());
    for (const ObservableDiff& d : r.diffs)
        s += fmt::format("  {:<{}}  A: {:<16} B: {}\n", d.what, width, d.a, d.b);
    return s;
}

}  // namespace hp
