#include "checker/run.hpp"

#include <fmt/format.h>

#include "checker/explore_backend.hpp"
#include "spec/sysfs.hpp"

namespace hp {

std::vector<TraceStep> replay_trace(const Machine& m, const Variant& v, const std::vector<Action>& trace) {
    std::vector<TraceStep> out;
    KernelState s = initial_state(m);
    for (const Action& a : trace) {
        TraceStep st;
        st.action = a;
        const KernelState before = s;
        if (action_enabled(m, s, a)) st.rc = apply_action(m, v.ops, s, a, &st.log).rc;
        else st.rc = -ENODEV;
        st.changes = diff_states(m, before, s);
        st.after = s;
        out.push_back(std::move(st));
    }
    return out;
}

bool verdict_matches(const std::string& expect, const ExploreResult& r) {
    if (expect == "pass") return r.verdict == Verdict::PASS;
    if (r.verdict != Verdict::VIOLATION || !r.violation) return false;
    if (expect == "violation") return true;
    return expect.substr(11) == r.violation->invariant;  // "violation: <name>"
}

namespace {

const Variant& resolve_variant(const Scenario& sc, const RunOptions& opt) {
    const std::string name = opt.variant_override.empty() ? sc.variant : opt.variant_override;
    const Variant* v = find_variant(name);
    if (!v) {
        std::string known;
        for (const Variant& x : all_variants()) known += (known.empty() ? "" : ", ") + x.name;
        throw ScenarioError(sc.path, sc.line_of("variant"), opt.variant_override.empty() ? "variant" : "--variant",
                            fmt::format("unknown variant '{}' (known: {})", name, known));
    }
    return *v;
}

// A litmus test: run the steps in order, check every invariant after each step and the
// step's expectations (errno, zone fields, block state, valid_zones).
ExploreResult run_litmus(const Scenario& sc, KernelModel& model, std::vector<Action>& trace) {
    const auto t0 = std::chrono::steady_clock::now();
    ExploreResult res;
    const Machine& m = sc.machine;
    KernelState s = model.initial(), next = s;
    Violation v;
    res.states = 1;
    auto done = [&](Verdict verdict) {
        res.verdict = verdict;
        res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return res;
    };
    if (!model.check_state(s, &v)) {
        res.violation = v;
        return done(Verdict::VIOLATION);
    }
    // The model's alphabet for a litmus test is the list of steps itself.
    for (unsigned i = 0; i < sc.steps.size(); ++i) {
        if (g_interrupted.load(std::memory_order_relaxed)) {
            res.incomplete_reason = "interrupted";
            return done(Verdict::INCOMPLETE);
        }
        const LitmusStep& st = sc.steps[i];
        trace.push_back(st.action);
        res.depth = i + 1;
        const StepOutcome o = model.step(s, i, next, &v);
        auto mismatch = [&](const std::string& what) {
            res.violation = Violation{"litmus-expect", fmt::format("step {} (line {}) expectation", i + 1, st.line), what};
            return done(Verdict::VIOLATION);
        };
        if (o == StepOutcome::DISABLED)
            return mismatch(fmt::format("{} is not possible here (no such DIMM slot or memory block)",
                                        action_label(m, st.action)));
        if (o == StepOutcome::SKIPPED)
            return mismatch(fmt::format("the fault of {} never fired: the kernel path does not reach that fault point",
                                        action_label(m, st.action)));
        ++res.transitions;
        if (o == StepOutcome::VIOLATION) {
            res.violation = v;
            return done(Verdict::VIOLATION);
        }
        const int rc = model.last_rc();
        s = next;
        ++res.states;
        if (!model.check_state(s, &v)) {
            res.violation = v;
            return done(Verdict::VIOLATION);
        }
        if (st.expect_rc && -*st.expect_rc != rc && *st.expect_rc != rc)
            return mismatch(fmt::format("{} returned {}, expected {}", action_label(m, st.action), errno_name(rc),
                                        errno_name(*st.expect_rc)));
        for (const ZoneExpect& ze : st.expect_zones) {
            const ZoneState& z = s.zone(ze.node, ze.zone);
            auto check = [&](const char* field, std::optional<std::uint64_t> want, std::uint64_t got) -> bool {
                if (!want || *want == got) return true;
                mismatch(fmt::format("{}/{} {} = {}, expected {}", ze.node, zone_name(ze.zone), field, got, *want));
                return false;
            };
            if (!check("start_pfn", ze.start_pfn, z.zone_start_pfn) || !check("spanned", ze.spanned, z.spanned_pages) ||
                !check("present", ze.present, z.present_pages) || !check("managed", ze.managed, z.managed_pages))
                return res;
        }
        const unsigned blk = st.action.target;
        if (st.action.kind != ActionKind::DIMM_ADD && st.action.kind != ActionKind::DIMM_EJECT && !device_action(st.action.kind) &&
            !virtio_mem_action(st.action.kind)) {
            if (st.expect_state && *st.expect_state != block_state_name(s.blocks[blk].state))
                return mismatch(fmt::format("memory{} state = {}, expected {}", m.blocks[blk].memory_block_id,
                                            block_state_name(s.blocks[blk].state), *st.expect_state));
            if (st.expect_valid_zones) {
                const std::string vz = valid_zones(m, model.variant().ops, s, blk);
                if (vz != *st.expect_valid_zones)
                    return mismatch(fmt::format("memory{} valid_zones = \"{}\", expected \"{}\"",
                                                m.blocks[blk].memory_block_id, vz, *st.expect_valid_zones));
            }
        }
    }
    return done(Verdict::PASS);
}

}  // namespace

namespace {
// The static half of seed 003 on the layout: every hotpluggable region inside its node's
// ZONE_MOVABLE (`boot-movable`). It holds in the very first state, so it is the result
// without exploring. Early allocations in hotpluggable memory (`boot-placement`) are not
// decided here: apply_boot_layout() pins the blocks they landed in, and the explorer finds
// the offline that has_unmovable_pages() refuses (invariants/boot_placement.cpp), a shortest trace.
bool check_boot_layout(const Scenario& sc, const Variant& variant, RunResult& rr) {
    BootInput in = *sc.memblock;
    in.bottom_up_for_movable_node = variant.memblock_bottom_up_for_movable_node;
    in.mirror_needs_mirrored_memory = variant.kernelcore_mirror_needs_mirrored_memory;
    BootResult br = memblock_boot(in, sc.machine.nr_nodes);
    // kernelcore=mirror: early allocations land in boot RAM, which the explorer does not
    // offline, so placement is judged here on the layout.
    if (const std::string mv = boot_mirror_violation(in, br, sc.machine.geo.pages_per_block); !mv.empty()) {
        Violation viol;
        viol.invariant = "boot-mirror";
        viol.conjunct = "with kernelcore=mirror no early allocation lands in ZONE_MOVABLE (non-mirrored memory)";
        viol.detail = mv.substr(mv.find(": ") + 2);
        rr.explore.verdict = Verdict::VIOLATION;
        rr.explore.violation = viol;
        rr.matches = verdict_matches(sc.expect, rr.explore);
        return true;
    }
    const std::vector<EarlyAlloc> allocs = br.allocs;
    br.allocs.clear();  // placement is the explorer's to show
    const std::string v = boot_layout_violation(in, br, sc.machine.geo.pages_per_block);
    if (v.empty()) return false;
    Violation viol;
    const auto colon = v.find(": ");
    viol.invariant = v.substr(0, colon);
    viol.conjunct = "with movable_node every hotpluggable region is in ZONE_MOVABLE";
    viol.detail = v.substr(colon + 2) + fmt::format("; setup_arch(): memblock {} before SRAT; early allocations:",
                                                    br.bottom_up_before_srat ? "bottom-up" : "top-down");
    for (const EarlyAlloc& a : allocs)
        viol.detail += a.placed ? fmt::format(" [{} {} pages at pfn {:#x}, {} SRAT]", a.name, a.pages, a.pfn,
                                              a.before_srat ? "before" : "after")
                                : fmt::format(" [{}: no free range]", a.name);
    rr.explore.verdict = Verdict::VIOLATION;
    rr.explore.violation = viol;
    rr.matches = verdict_matches(sc.expect, rr.explore);
    return true;
}

RunResult run_scenario_on(const Scenario& sc, const Variant& variant, const RunOptions& opt);
}  // namespace

RunResult run_scenario(const Scenario& sc, const RunOptions& opt) {
    const Variant& variant = resolve_variant(sc, opt);
    // The cold-plugged DIMMs' pinned blocks depend on the variant's allocation direction.
    if (sc.memblock && (variant.memblock_bottom_up_for_movable_node != sc.boot_bottom_up ||
                        variant.kernelcore_mirror_needs_mirrored_memory != sc.boot_mirror_needs_mirror)) {
        Scenario other = sc;
        other.boot_bottom_up = variant.memblock_bottom_up_for_movable_node;
        other.boot_mirror_needs_mirror = variant.kernelcore_mirror_needs_mirrored_memory;
        if (const std::string e = layout_boot(other.machine, sc.boot_uncarved, *sc.memblock, other.boot_bottom_up,
                                              other.boot_mirror_needs_mirror);
            !e.empty())
            throw ScenarioError(sc.path, sc.line_of("memblock"), "memblock.coldplug", e);
        return run_scenario_on(other, variant, opt);
    }
    return run_scenario_on(sc, variant, opt);
}

namespace {
RunResult run_scenario_on(const Scenario& sc, const Variant& variant, const RunOptions& opt) {
    // Unknown names are reported at the scenario's invariants line (or for --invariant).
    const auto invs = select_invariants(opt.invariants.empty() ? sc.invariants : opt.invariants,
                                        opt.invariants.empty() ? fmt::format("{}:{}", sc.path, sc.line_of("invariants"))
                                                               : sc.path + ":1: --invariant");
    RunResult rr;
    rr.scenario = sc.name;
    rr.file = sc.path;
    rr.variant = variant.name;
    rr.expected = sc.expect;
    rr.litmus = sc.litmus();
    // The boot layout (seed 003) comes first: a violation there holds in the very first state.
    if (sc.memblock && check_boot_layout(sc, variant, rr)) return rr;
    if (sc.threads.enabled()) {
        ThreadedModel::Options to;
        to.por = opt.por && opt.max_preemptions < 0;  // POR and the preemption bound are not combined
        to.max_preemptions = opt.max_preemptions;
        to.sleep_sets = to.por && opt.sleep_sets;
        ThreadedModel model(sc, variant, invs, to);
        Limits lim = opt.limits;
        if (lim.max_depth) {
            throw ScenarioError(sc.path, 1, "--max-depth",
                                "a threaded scenario is bounded with --max-preemptions, not --max-depth");
        }
        Progress progress;
        progress.enabled = opt.progress;
        rr.explore = explore_backend() ? explore_backend()->threaded(model, lim) : explore(model, lim, &progress);
        rr.threaded = true;
        rr.por = to.por;
        rr.sleep_sets = to.sleep_sets;
        rr.max_preemptions = opt.max_preemptions;
        rr.cut_by_preemption_bound = model.cut_by_bound();
        for (const ThreadSpec& t : model.threads()) rr.thread_names.push_back(t.name);
        rr.thread_trace = rr.explore.trace;
        if (!rr.thread_trace.empty()) rr.interleaving = model.describe(rr.thread_trace);
        rr.matches = verdict_matches(sc.expect, rr.explore);
        return rr;
    }
    if (sc.litmus()) {
        std::vector<Action> steps;
        for (const LitmusStep& st : sc.steps) steps.push_back(st.action);
        KernelModel model(sc.machine, variant, steps, invs);
        model.set_refusal_cache(opt.refusal_cache);
        rr.explore = run_litmus(sc, model, rr.trace);
        rr.counters = model.counters();
        if (rr.explore.verdict != Verdict::VIOLATION) rr.trace.clear();
    } else {
        KernelModel model(sc.machine, variant, expand_alphabet(sc.machine, sc.actions, sc.faults), invs);
        model.set_refusal_cache(opt.refusal_cache);
        Limits lim = opt.limits;
        if (!lim.max_depth) lim.max_depth = sc.max_depth;
        Progress progress;
        progress.enabled = opt.progress;
        rr.explore = explore_backend() ? explore_backend()->kernel(model, lim) : explore(model, lim, &progress);
        for (unsigned a : rr.explore.trace) rr.trace.push_back(model.action(a));
        rr.counters = model.counters();
        // A vacuous scenario is a bug in the scenario: say which operations and fault
        // branches never fired (only meaningful when the search ran to its end).
        if (rr.explore.verdict == Verdict::PASS) {
            for (ActionKind k : sc.actions)
                if (!rr.counters.ok[static_cast<int>(k)] && !rr.counters.refused[static_cast<int>(k)])
                    rr.warnings.push_back(fmt::format("operation '{}' never fired", action_kind_name(k)));
                // soft_offline_page of a device pfn is a probe whose right answer is a refusal (-EIO).
                else if (!rr.counters.ok[static_cast<int>(k)] && k != ActionKind::SOFT_OFFLINE)
                    rr.warnings.push_back(fmt::format("operation '{}' never succeeded", action_kind_name(k)));
            for (FaultKind f : sc.faults)
                if (!rr.counters.fired[static_cast<int>(f)])
                    rr.warnings.push_back(fmt::format("fault branch '{}' never fired", fault_name(f)));
        }
    }
    rr.matches = verdict_matches(sc.expect, rr.explore);
    if (!rr.trace.empty()) rr.replay = replay_trace(sc.machine, variant, rr.trace);
    return rr;
}

}  // namespace

}  // namespace hp
