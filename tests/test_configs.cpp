// Issue 13: the v6.12 variant (6.9's memory notifiers, the error-path altmap fix) and
// online_policy=auto-movable (memory groups, auto_movable_ratio, auto_movable_numa_aware),
// checked by driving the kernel model directly, so each test fails if the code is wrong.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include "checker/run.hpp"
#include "spec/action.hpp"
#include "spec/scenario.hpp"
#include "spec/sysfs.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {
std::string scenario_path(const char* file) { return std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file; }

std::string verdict_as(const char* file, const char* variant) {
    const Scenario sc = load_scenario(scenario_path(file));
    RunOptions opt;
    opt.variant_override = variant;
    const RunResult r = run_scenario(sc, opt);
    if (r.explore.verdict == Verdict::VIOLATION && r.explore.violation) return "violation: " + r.explore.violation->invariant;
    return verdict_name(r.explore.verdict);
}

Action act(ActionKind k, unsigned target, Fault f = {}) { return Action{k, static_cast<std::uint8_t>(target), 1, f}; }
}  // namespace

TEST_CASE("v6.12: registered, derived from v6.8, and the recordings of 6.12 kernels map to it") {
    const Variant* v = find_variant("v6.12");
    REQUIRE(v != nullptr);
    CHECK(v->parent == "v6.8");
    CHECK(v->source.find("c5f1e2d18909") != std::string::npos);
}

TEST_CASE("v6.12: a MEM_PREPARE_ONLINE veto returns before anything changed, v6.8 has no such notifier") {
    const Scenario sc = load_scenario(scenario_path("33-v6.8-256m-dimm-explore.toml"));
    const Machine& m = sc.machine;
    for (const char* name : {"v6.12", "v6.8"}) {
        CAPTURE(std::string(name));
        const Variant& v = *find_variant(name);
        KernelState s = initial_state(m);
        REQUIRE(apply_action(m, v.ops, s, act(ActionKind::DIMM_ADD, 0)).rc == 0);
        const KernelState before = s;
        const StepResult r =
            apply_action(m, v.ops, s, act(ActionKind::ONLINE_MOVABLE, 0, Fault{FaultKind::NOTIFIER_VETO_PREPARE_ONLINE, 0}));
        if (std::string(name) == "v6.12") {
            CHECK(r.fault_fired);
            CHECK(r.rc == -EBUSY);
            CHECK(s == before);  // out_notifier: not even the vmemmap pages were initialized
        } else {
            CHECK_FALSE(r.fault_fired);  // the fault point does not exist before 6.9/6.10
            CHECK(r.rc == 0);
            CHECK(s.blocks[0].state == MEM_ONLINE);
        }
    }
}

TEST_CASE("v6.12: the error path passes the block's altmap (fixed in 6.12.117), v6.8 does not") {
    CHECK(verdict_as("35-v6.8-add-error-path-explore.toml", "v6.8") == "violation: altmap-free");
    CHECK(verdict_as("35-v6.8-add-error-path-explore.toml", "v6.12") == "pass");
    CHECK(verdict_as("33-v6.8-256m-dimm-explore.toml", "v6.12") == "pass");
    CHECK(verdict_as("10-two-dimms-explore-mom.toml", "v6.12") == "pass");
}

TEST_CASE("auto-movable: scenario keys are read and bad values refused") {
    const Scenario a = load_scenario(scenario_path("44-auto-movable-ratio-litmus.toml"));
    CHECK(a.machine.params.online_policy == OnlinePolicy::AUTO_MOVABLE);
    CHECK(a.machine.params.auto_movable_ratio == 20);
    CHECK(a.machine.params.auto_movable_numa_aware);
    const Scenario b = load_scenario(scenario_path("46-auto-movable-numa-unaware-litmus.toml"));
    CHECK_FALSE(b.machine.params.auto_movable_numa_aware);
    const Scenario c = load_scenario(scenario_path("10-two-dimms-explore-mom.toml"));
    CHECK(c.machine.params.online_policy == OnlinePolicy::CONTIG_ZONES);
    CHECK(c.machine.params.auto_movable_ratio == 301);  // the kernel's default
}

TEST_CASE("auto-movable: the ratio decides, the memory group counts, valid_zones follows") {
    Scenario sc = load_scenario(scenario_path("44-auto-movable-ratio-litmus.toml"));
    Machine& m = sc.machine;
    const Variant& v = *find_variant("v6.1");
    KernelState s = initial_state(m);
    REQUIRE(apply_action(m, v.ops, s, act(ActionKind::DIMM_ADD, 0)).rc == 0);
    REQUIRE(apply_action(m, v.ops, s, act(ActionKind::DIMM_ADD, 1)).rc == 0);
    // 262014 early kernel pages * 20 % = 52402: one 32768-page DIMM fits, two do not.
    CHECK(valid_zones(m, v.ops, s, 0) == "Movable Normal");
    REQUIRE(apply_action(m, v.ops, s, act(ActionKind::ONLINE, 0)).rc == 0);
    CHECK(s.blocks[0].zone == ZONE_MOVABLE);
    CHECK(s.groups[0].present_movable_pages == 32768);
    CHECK(valid_zones(m, v.ops, s, 1) == "Normal Movable");
    REQUIRE(apply_action(m, v.ops, s, act(ActionKind::ONLINE, 1)).rc == 0);
    CHECK(s.blocks[1].zone == ZONE_NORMAL);
    CHECK(s.groups[1].present_kernel_pages == 32768);
    // Raise the ratio: 65536 <= 301 % of 262014, and the same step picks Movable.
    m.params.auto_movable_ratio = 301;
    KernelState t = initial_state(m);
    for (unsigned d = 0; d < 2; ++d) REQUIRE(apply_action(m, v.ops, t, act(ActionKind::DIMM_ADD, d)).rc == 0);
    for (unsigned b = 0; b < 2; ++b) REQUIRE(apply_action(m, v.ops, t, act(ActionKind::ONLINE, b)).rc == 0);
    CHECK(t.blocks[1].zone == ZONE_MOVABLE);
    // Ratio 0: auto_movable_zone_for_pfn() goes straight to the kernel zone.
    m.params.auto_movable_ratio = 0;
    KernelState z = initial_state(m);
    REQUIRE(apply_action(m, v.ops, z, act(ActionKind::DIMM_ADD, 0)).rc == 0);
    REQUIRE(apply_action(m, v.ops, z, act(ActionKind::ONLINE, 0)).rc == 0);
    CHECK(z.blocks[0].zone == ZONE_NORMAL);
}

TEST_CASE("auto-movable: a group with kernel memory stays kernel, the whole group's size is checked") {
    // One 512 MiB DIMM (4 blocks, one static group of 131072 pages) under ratio 20 (52402
    // pages): the group cannot become all-movable, so even its first block goes to Normal.
    Scenario sc = load_scenario(scenario_path("44-auto-movable-ratio-litmus.toml"));
    Machine& m = sc.machine;
    m.dimms.resize(1);
    m.dimms[0].nr_blocks = 4;
    m.finalize();
    const Variant& v = *find_variant("v6.1");
    KernelState s = initial_state(m);
    REQUIRE(apply_action(m, v.ops, s, act(ActionKind::DIMM_ADD, 0)).rc == 0);
    REQUIRE(apply_action(m, v.ops, s, act(ActionKind::ONLINE, 0)).rc == 0);
    CHECK(s.blocks[0].zone == ZONE_NORMAL);
    // With a ratio that allows the group, the first block is Movable; onlining block 1 as
    // kernel memory then pins the group: the next `online` goes to the kernel zone.
    m.params.auto_movable_ratio = 100;
    KernelState t = initial_state(m);
    REQUIRE(apply_action(m, v.ops, t, act(ActionKind::DIMM_ADD, 0)).rc == 0);
    REQUIRE(apply_action(m, v.ops, t, act(ActionKind::ONLINE, 0)).rc == 0);
    CHECK(t.blocks[0].zone == ZONE_MOVABLE);
    REQUIRE(apply_action(m, v.ops, t, act(ActionKind::ONLINE_KERNEL, 1)).rc == 0);
    REQUIRE(apply_action(m, v.ops, t, act(ActionKind::ONLINE, 2)).rc == 0);
    CHECK(t.blocks[2].zone == ZONE_NORMAL);
}

TEST_CASE("auto-movable: the scenarios keep their verdicts and exhaust their state space") {
    for (const char* f : {"44-auto-movable-ratio-litmus.toml", "45-auto-movable-numa-aware-litmus.toml",
                          "46-auto-movable-numa-unaware-litmus.toml", "47-auto-movable-two-nodes-explore.toml",
                          "43-v6.12-prepare-online-explore.toml"}) {
        CAPTURE(std::string(f));
        const Scenario sc = load_scenario(scenario_path(f));
        const RunResult r = run_scenario(sc, {});
        CHECK(r.explore.verdict == Verdict::PASS);
    }
}

namespace {
// The error a scenario text gives, as "line: field: message" without the file.
std::string load_error(const std::string& toml) {
    const std::string path = std::string("/tmp/hpcheck-configs-") + std::to_string(::getpid()) + ".toml";
    { std::ofstream(path) << toml; }
    std::string what;
    try {
        load_scenario(path);
    } catch (const ScenarioError& e) {
        what = e.what();
    }
    std::remove(path.c_str());
    return what.rfind(path + ":", 0) == 0 ? what.substr(path.size() + 1) : "not a one-line error: " + what;
}
}  // namespace

TEST_CASE("configs: bad auto-movable and [memblock] input is one line naming line and field") {
    const std::string head = "name = \"x\"\nboot_ram_mb = 4096\n[explore]\nactions = [\"add\"]\n";
    CHECK(load_error(head + "[kernel]\nonline_policy = \"auto-movablee\"\n") ==
          "6: kernel.online_policy: expected \"contig-zones\" or \"auto-movable\"");
    CHECK(load_error(head + "[kernel]\nauto_movable_ratio = -1\n").rfind("6: kernel.auto_movable_ratio: ", 0) == 0);
    CHECK(load_error(head + "[kernel]\nauto_movable_numa_aware = \"yes\"\n") ==
          "6: kernel.auto_movable_numa_aware: expected true or false");
    CHECK(load_error(head + "[memblock]\n[[memblock.coldplug]]\nbase_pfn = 0x100000\nsize_mb = 128\n")
              .rfind("7: memblock.coldplug[0].base_pfn: overlaps boot RAM", 0) == 0);
    CHECK(load_error(head + "[memblock]\nkernelcor_mb = 1\n").rfind("6: memblock.kernelcor_mb: unknown key", 0) == 0);
    CHECK(load_error(head + "[memblock]\n[[memblock.coldplug]]\nsize_mb = 128\n").rfind("6: memblock.coldplug[0]: ", 0) == 0);
}
