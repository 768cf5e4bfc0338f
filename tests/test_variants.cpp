// Variants (issue 3): every variant's verdict on the scenarios that matter to it, the
// counterexample goldens, and the replay of every failing trace step by step.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "checker/counterexample.hpp"
#include "checker/run.hpp"
#include "invariants/invariant.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {

std::string scenario_path(const char* file) { return std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file; }

RunResult run_as(const char* file, const char* variant) {
    const Scenario sc = load_scenario(scenario_path(file));
    RunOptions opt;
    opt.variant_override = variant;
    return run_scenario(sc, opt);
}

std::string verdict_of(const RunResult& r) {
    if (r.explore.verdict == Verdict::VIOLATION && r.explore.violation)
        return "violation: " + r.explore.violation->invariant;
    return verdict_name(r.explore.verdict);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Expectation {
    const char* variant;
    const char* scenario;
    const char* verdict;
};

// What each variant must do, verdicts found by exploring (run_scenario), never looked up.
const Expectation kExpect[] = {
    // Kernel versions.
    {"v6.1", "10-two-dimms-explore-mom.toml", "pass"},
    {"v6.1", "33-v6.8-256m-dimm-explore.toml", "pass"},
    {"v6.1", "36-rfc-2019-explore.toml", "pass"},
    {"v6.1", "37-rfc-2019-forward-free-explore.toml", "pass"},
    {"v6.1", "38-hocko-2021-out-of-zone-explore.toml", "pass"},
    {"v6.1", "39-hocko-2021-subsection-litmus.toml", "pass"},
    {"v6.1", "40-no-vmemmap-alignment-check-explore.toml", "pass"},
    {"v6.1", "41-add-error-path-without-altmap-explore.toml", "pass"},
    {"v6.1", "42-multi-block-removal-allowed-explore.toml", "pass"},
    {"v6.8", "10-two-dimms-explore-mom.toml", "pass"},
    {"v6.8", "33-v6.8-256m-dimm-explore.toml", "pass"},
    {"v6.8", "34-v6.8-force-ppc64-explore.toml", "pass"},
    {"v6.8", "37-rfc-2019-forward-free-explore.toml", "pass"},
    {"v6.8", "38-hocko-2021-out-of-zone-explore.toml", "pass"},
    // Not a pass: on this custom geometry (128 vmemmap pages, fewer than a 512-page
    // subsection) 6.8 gives the 64 MiB DIMM per-block vmemmap pages, and the shrink of
    // mhp_deinit_memmap_on_memory() walks from start + 128 in subsection steps past the next
    // block's vmemmap pages: Hildenbrand's subsection objection, latent in the merged code,
    // unreachable on shipping configurations (there the memmap of a block is >= a subsection).
    {"v6.8", "39-hocko-2021-subsection-litmus.toml", "violation: zone-span"},
    {"v6.8", "40-no-vmemmap-alignment-check-explore.toml", "pass"},
    {"v6.8", "42-multi-block-removal-allowed-explore.toml", "pass"},
    // 6b8f0798b85a's per-block error path passed NULL to arch_remove_memory() until 2026.
    {"v6.8", "35-v6.8-add-error-path-explore.toml", "violation: altmap-free"},
    {"v6.8", "41-add-error-path-without-altmap-explore.toml", "violation: altmap-free"},
    {"v5.12", "30-v5.12-boot-memory-oom-litmus.toml", "pass"},
    {"v5.12", "31-v5.12-small-boot-explore.toml", "pass"},
    {"v5.12", "10-two-dimms-explore-mom.toml", "pass"},
    {"v5.4", "32-v5.4-shrink-at-remove-explore.toml", "violation: memmap-init"},
    // Designs and bugs.
    {"rfc-2019", "36-rfc-2019-explore.toml", "pass"},
    {"rfc-2019", "37-rfc-2019-forward-free-explore.toml", "pass"},
    {"rfc-2019-forward-free", "37-rfc-2019-forward-free-explore.toml", "violation: memmap-freed-in-use"},
    {"rfc-2019-forward-free", "36-rfc-2019-explore.toml", "violation: memmap-freed-in-use"},
    {"hocko-2021", "38-hocko-2021-out-of-zone-explore.toml", "violation: zone-span"},
    {"hocko-2021", "39-hocko-2021-subsection-litmus.toml", "violation: zone-span"},
    {"no-vmemmap-alignment-check", "40-no-vmemmap-alignment-check-explore.toml", "violation: alignment"},
    {"add-error-path-without-altmap", "41-add-error-path-without-altmap-explore.toml", "violation: altmap-free"},
    {"multi-block-removal-allowed", "42-multi-block-removal-allowed-explore.toml", "violation: removal-granularity"},
};

}  // namespace

TEST_CASE("variants: every variant is registered, cites a source and derives from a registered parent") {
    for (const Variant& v : all_variants()) {
        CAPTURE(v.name);
        CHECK_FALSE(v.source.empty());
        CHECK_FALSE(v.description.empty());
        if (v.name != "v6.1") CHECK(find_variant(v.parent) != nullptr);
    }
    for (const char* n : {"v5.12", "v5.4", "v6.8", "rfc-2019", "rfc-2019-forward-free", "hocko-2021",
                          "no-vmemmap-alignment-check", "add-error-path-without-altmap", "multi-block-removal-allowed"})
        CHECK(find_variant(n) != nullptr);
}

TEST_CASE("variants: expected verdict and violated invariant of every variant, found by exploring") {
    for (const Expectation& e : kExpect) {
        CAPTURE(std::string(e.variant));
        CAPTURE(std::string(e.scenario));
        const RunResult r = run_as(e.scenario, e.variant);
        CHECK(verdict_of(r) == e.verdict);
    }
}

TEST_CASE("variants: the same scenario passes under v6.1 and v6.8 and fails under the known-bad variant") {
    struct Case { const char* scenario; const char* bad; const char* invariant; };
    for (const Case c : {Case{"42-multi-block-removal-allowed-explore.toml", "multi-block-removal-allowed", "removal-granularity"},
                         Case{"37-rfc-2019-forward-free-explore.toml", "rfc-2019-forward-free", "memmap-freed-in-use"},
                         Case{"40-no-vmemmap-alignment-check-explore.toml", "no-vmemmap-alignment-check", "alignment"},
                         Case{"38-hocko-2021-out-of-zone-explore.toml", "hocko-2021", "zone-span"}}) {
        CAPTURE(std::string(c.scenario));
        CHECK(verdict_of(run_as(c.scenario, "v6.1")) == "pass");
        CHECK(verdict_of(run_as(c.scenario, "v6.8")) == "pass");
        CHECK(verdict_of(run_as(c.scenario, c.bad)) == std::string("violation: ") + c.invariant);
    }
    // f42ce5f087eb's bug: v6.1 has the fix, the variant (and 6.8's per-block path) not.
    CHECK(verdict_of(run_as("41-add-error-path-without-altmap-explore.toml", "v6.1")) == "pass");
    CHECK(verdict_of(run_as("41-add-error-path-without-altmap-explore.toml", "add-error-path-without-altmap")) ==
          "violation: altmap-free");
    // Hildenbrand's subsection objection: v6.1 (no memmap_on_memory for the 64 MiB DIMM) passes.
    CHECK(verdict_of(run_as("39-hocko-2021-subsection-litmus.toml", "v6.1")) == "pass");
    CHECK(verdict_of(run_as("39-hocko-2021-subsection-litmus.toml", "hocko-2021")) == "violation: zone-span");
}

TEST_CASE("counterexamples: regenerated traces equal the committed goldens, one README per variant") {
    const auto all = generate_counterexamples(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios");
    const fs::path dir = fs::path(HPCHECK_SOURCE_DIR) / "counterexamples";
    REQUIRE(all.size() >= 8);
    std::set<std::string> variants;
    for (const Counterexample& c : all) {
        CAPTURE(c.scenario);
        variants.insert(c.variant);
        CHECK(slurp(dir / counterexample_text_path(c)) == c.text);
        CHECK(slurp(dir / counterexample_json_path(c)) == c.json);
        CHECK(fs::exists(dir / c.variant / "README.md"));
    }
    for (const char* n : {"v5.4", "rfc-2019-forward-free", "hocko-2021", "no-vmemmap-alignment-check",
                          "add-error-path-without-altmap", "multi-block-removal-allowed"})
        CHECK(variants.count(n) == 1);
}

TEST_CASE("counterexamples: every failing trace replays step by step to the same violation") {
    const auto all = generate_counterexamples(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios");
    for (const Counterexample& c : all) {
        CAPTURE(c.scenario);
        const Scenario sc = load_scenario(scenario_path((c.run.file.substr(c.run.file.rfind('/') + 1)).c_str()));
        const Variant& v = *find_variant(c.variant);
        const std::vector<const Invariant*> invs = select_invariants(sc.invariants, sc.path);
        const Violation& want = *c.run.explore.violation;
        if (c.run.threaded) {  // an interleaving: re-executed thread by thread, violation at the last step only
            const ThreadedModel model(sc, v, invs, ThreadedModel::Options{false, -1});
            ThreadedState s = model.initial(), next{};
            REQUIRE(!c.run.thread_trace.empty());
            for (size_t i = 0; i < c.run.thread_trace.size(); ++i) {
                REQUIRE(model.enabled(s, c.run.thread_trace[i]));
                Violation vio;
                const bool bad = model.replay_step(s, c.run.thread_trace[i], next, &vio, nullptr) == StepOutcome::VIOLATION ||
                                 !model.check_state(next, &vio);
                CHECK(bad == (i + 1 == c.run.thread_trace.size()));
                if (bad) {
                    CHECK(vio.invariant == want.invariant);
                    CHECK(vio.detail == want.detail);
                }
                s = next;
            }
            continue;
        }
        if (sc.memblock && c.run.trace.empty()) {  // a boot-layout violation (spec/boot.hpp): no hotplug step
            BootInput in = *sc.memblock;
            in.bottom_up_for_movable_node = v.memblock_bottom_up_for_movable_node;
            in.mirror_needs_mirrored_memory = v.kernelcore_mirror_needs_mirrored_memory;
            const BootResult br = memblock_boot(in, sc.machine.nr_nodes);
            const std::string mirror = boot_mirror_violation(in, br, sc.machine.geo.pages_per_block);
            const std::string again =
                !mirror.empty() ? mirror : boot_layout_violation(in, br, sc.machine.geo.pages_per_block);
            CHECK(again.rfind(want.invariant + ":", 0) == 0);
            continue;
        }
        const std::vector<TraceStep> replay = replay_trace(sc.machine, v, c.run.trace);
        REQUIRE(replay.size() == c.run.trace.size());
        KernelState s = initial_state(sc.machine);
        std::optional<Violation> got;
        size_t at = 0;
        for (size_t i = 0; i < c.run.trace.size() && !got; ++i) {
            const KernelState before = s;
            REQUIRE(action_enabled(sc.machine, s, c.run.trace[i]));
            const StepResult r = apply_action(sc.machine, v.ops, s, c.run.trace[i]);
            CHECK(r.rc == replay[i].rc);
            CHECK(s == replay[i].after);  // replay_trace() sees the same states
            const Step st{sc.machine, before, s, c.run.trace[i], r};
            Violation vio;
            // As the explorer judges a step: the transition invariants first
            // (KernelModel::step), then the state ones (check_state).
            for (const Invariant* inv : invs)
                if (!got && inv->holds_on && !inv->holds_on(st, &vio)) got = vio;
            for (const Invariant* inv : invs)
                if (!got && inv->holds_in && !inv->holds_in(sc.machine, s, &vio)) got = vio;
            at = i + 1;
        }
        REQUIRE(got.has_value());
        CHECK(at == c.run.trace.size());  // not earlier: the trace is the shortest
        CHECK(got->invariant == want.invariant);
        CHECK(got->detail == want.detail);
    }
}

TEST_CASE("v5.12: hot-adding without onlining uses up free memory, onlining gives it back") {
    const RunResult r = run_as("30-v5.12-boot-memory-oom-litmus.toml", "v5.12");
    CHECK(r.explore.verdict == Verdict::PASS);  // the litmus expects -ENOMEM on the third add, then success
    const RunResult base = run_as("30-v5.12-boot-memory-oom-litmus.toml", "v6.1");
    CHECK(base.explore.verdict == Verdict::VIOLATION);  // v6.1 never runs out: the third add succeeds
    CHECK(base.explore.violation->invariant == "litmus-expect");
}

TEST_CASE("v5.12: an add that runs out of free memory partway gives back only the struct pages it took") {
    // Found by `hpcheck prove --variant v5.12` (default box): with 16 sections per block the second
    // add populates some sections, then vmemmap_alloc_block_buf() fails; section_activate()'s undo
    // (section_deactivate() -> depopulate_section_memmap()) gave back 128 pages the failing section
    // never took, and node0.vmemmap_pages_from_node_memory wrapped to 4294967168 (round-trip).
    const std::string path = (std::filesystem::temp_directory_path() / "hpcheck-test-v5.12-partial-add.toml").string();
    std::ofstream(path) << R"TOML(name = "v5.12-partial-add-enomem"
description = "hpcheck prove --variant v5.12: 16 sections per block, the second add runs out of free memory partway"
variant = "v5.12"
expect = "pass"

[geometry]
page_size = 4096
pages_per_subsection = 512
pages_per_section = 2048
pages_per_block = 32768
pageblock_nr_pages = 1
struct_page_size = 256
pmd_pages = 512

[kernel]
memmap_on_memory = true

[[boot]]
node = 0
zone = "DMA32"
start_pfn = 16
end_pfn = 4096

[[dimm]]
name = "dimm0"
node = 0
blocks = 1
base_pfn = 0x100000

[[dimm]]
name = "dimm1"
node = 0
blocks = 1
base_pfn = 0x108000

[explore]
actions = ["add", "eject", "online_movable", "offline"]
)TOML";
    const RunResult r = run_scenario(load_scenario(path), RunOptions{});
    CHECK(verdict_name(r.explore.verdict) == std::string("pass"));
    CHECK(r.explore.states > 1);
}

TEST_CASE("hocko-2021: vmemmap pages in Normal fragment ZONE_MOVABLE (zone->contiguous stays false)") {
    // Three DIMMs onlined movable, the last offlined again: the shrink recomputes contiguity
    // with every remaining page online. v6.1: Movable is one run of Movable pages. hocko-2021:
    // the second DIMM's vmemmap pages (Normal, accounted at add) sit inside Movable's span.
    Scenario sc = load_scenario(scenario_path("38-hocko-2021-out-of-zone-explore.toml"));
    Machine m = sc.machine;
    const Dimm d0 = m.dimms[0];
    for (unsigned i = 1; i <= 2; ++i)
        m.dimms.push_back({"d" + std::to_string(i + 1), 0, d0.base_pfn + i * m.geo.pages_per_block, 1});
    m.finalize();
    auto run = [&](const char* variant) {
        const Variant& v = *find_variant(variant);
        KernelState s = initial_state(m);
        for (std::uint8_t d = 0; d < 3; ++d) REQUIRE(apply_action(m, v.ops, s, Action{ActionKind::DIMM_ADD, d, 1, {}}).rc == 0);
        for (std::uint8_t b = 0; b < 3; ++b)
            REQUIRE(apply_action(m, v.ops, s, Action{ActionKind::ONLINE_MOVABLE, b, 1, {}}).rc == 0);
        REQUIRE(apply_action(m, v.ops, s, Action{ActionKind::OFFLINE, 2, 1, {}}).rc == 0);
        return s;
    };
    const KernelState base = run("v6.1"), hocko = run("hocko-2021");
    CHECK(base.zone(0, ZONE_MOVABLE).contiguous == 1);
    CHECK(hocko.zone(0, ZONE_MOVABLE).contiguous == 0);
    CHECK(hocko.zone(0, ZONE_NORMAL).contiguous == 0);       // Normal spans the Movable pages in between
    CHECK(hocko.zone(0, ZONE_NORMAL).present_pages == 1536);  // three DIMMs' vmemmap pages, accounted at add
}

TEST_CASE("v6.8: a range mixing blocks with and without altmaps is refused with -EINVAL") {
    const Scenario sc = load_scenario(scenario_path("33-v6.8-256m-dimm-explore.toml"));
    const Variant& v = *find_variant("v6.8");
    KernelState s = initial_state(sc.machine);
    REQUIRE(apply_action(sc.machine, v.ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {}}).rc == 0);
    CHECK(s.blocks[0].nr_vmemmap_pages == 512);  // one altmap per block (6b8f0798b85a)
    CHECK(s.blocks[1].nr_vmemmap_pages == 512);
    KernelState mixed = s;
    mixed.blocks[1].nr_vmemmap_pages = 0;  // as if the second block had been added without an altmap
    const KernelState before = mixed;
    CHECK(apply_action(sc.machine, v.ops, mixed, Action{ActionKind::REMOVE_MEMORY, 0, 2, {}}).rc == -EINVAL);
    CHECK(mixed == before);
    // All blocks with altmaps: each is torn down with its own, every altmap back to 0.
    CHECK(apply_action(sc.machine, v.ops, s, Action{ActionKind::REMOVE_MEMORY, 0, 2, {}}).rc == 0);
    CHECK(s.blocks[0].altmap_alloc == 0);
    CHECK(s.blocks[1].altmap_alloc == 0);
}
