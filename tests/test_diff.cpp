// `hpcheck diff`: the product exploration of two variants reports a shortest sequence after
// which their observable results differ, and claims "no difference" only when exhausted.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sys/wait.h>

#include "checker/diff.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {
Scenario load(const char* file) { return load_scenario(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file); }
bool has_diff(const DiffResult& r, const std::string& what) {
    for (const ObservableDiff& d : r.diffs)
        if (d.what == what) return true;
    return false;
}
int cli(const std::string& args) {
    const std::string cmd = std::string(HPCHECK_BINARY) + " diff " + std::string(HPCHECK_SOURCE_DIR) + "/" + args + " >/dev/null 2>&1";
    return WEXITSTATUS(std::system(cmd.c_str()));
}
}  // namespace

TEST_CASE("diff: v6.1 vs v6.8 -- a 256 MiB DIMM gets vmemmap pages per block in 6.8") {
    const Scenario sc = load("33-v6.8-256m-dimm-explore.toml");
    const DiffResult r = diff_scenario(sc, *find_variant("v6.1"), *find_variant("v6.8"), {});
    REQUIRE(r.kind == DiffResult::DIFFERENCE);
    // Since issue 14 every kernel-named field is compared: the add alone tells them apart
    // (before, only /proc/zoneinfo and sysfs were, and it took add + online).
    REQUIRE(r.trace.size() == 1);
    CHECK(r.trace[0].action.kind == ActionKind::DIMM_ADD);
    CHECK(r.trace[0].rc_a == 0);
    CHECK(r.trace[0].rc_b == 0);
    // 6.1: the 256 MiB request is not one block, no memmap_on_memory: the memmap comes from
    // node memory. 6.8: 512 vmemmap pages at the start of each block, from its altmap.
    CHECK(has_diff(r, "memory32.nr_vmemmap_pages"));
    CHECK(has_diff(r, "memory33.vmemmap_backing"));
    CHECK(has_diff(r, "node0.vmemmap_pages_from_node_memory"));
    for (const ObservableDiff& d : r.diffs)
        if (d.what == "memory32.nr_vmemmap_pages") {
            CHECK(d.a == "0");
            CHECK(d.b == "512");
        }
}

TEST_CASE("diff: v5.4 vs v6.1 -- remove reads the poisoned memmap (memmap-init), the span after offline") {
    const Scenario sc = load("32-v5.4-shrink-at-remove-explore.toml");
    const DiffResult r = diff_scenario(sc, *find_variant("v5.4"), *find_variant("v6.1"), {});
    REQUIRE(r.kind == DiffResult::DIFFERENCE);
    // add, eject: 5.4's arch_remove_memory() reads page_zone() of a never-onlined block.
    REQUIRE(r.trace.size() == 2);
    CHECK(r.trace[0].action.kind == ActionKind::DIMM_ADD);
    CHECK(r.trace[1].action.kind == ActionKind::DIMM_EJECT);
    CHECK(has_diff(r, "invariant memmap-init"));
    CHECK(has_diff(r, "kernel observations"));
    // The span after offline still differs, on the sequence that avoids the eject.
    const std::vector<Action> litmus{{ActionKind::DIMM_ADD, 0, 1, {}}, {ActionKind::ONLINE_MOVABLE, 0, 1, {}},
                                     {ActionKind::OFFLINE, 0, 1, {}}};
    const DiffResult s = diff_variants(sc.machine, *find_variant("v5.4"), *find_variant("v6.1"), litmus, true, {});
    REQUIRE(s.kind == DiffResult::DIFFERENCE);
    CHECK(s.trace.size() == 3);
    CHECK(has_diff(s, "node0.Movable.spanned_pages"));  // 5.4 keeps spanning the offline block
    CHECK(has_diff(s, "node0.Movable.zone_start_pfn"));
    CHECK(has_diff(s, "memory32.valid_zones"));         // "Movable Normal" vs "Normal Movable"
}

TEST_CASE("diff: no difference is claimed only when the product space is exhausted") {
    const Scenario sc = load("10-two-dimms-explore-mom.toml");
    const DiffResult same = diff_scenario(sc, *find_variant("v6.1"), *find_variant("v6.1"), {});
    CHECK(same.kind == DiffResult::NO_DIFFERENCE);
    CHECK(same.states > 100);
    // 128 MiB DIMMs: 6.8 behaves like 6.1 on every sequence (one block per request).
    CHECK(diff_scenario(sc, *find_variant("v6.1"), *find_variant("v6.8"), {}).kind == DiffResult::NO_DIFFERENCE);
    // A depth bound that cuts the search short is not "no difference".
    Limits lim;
    lim.max_depth = 1;
    const DiffResult cut = diff_scenario(load("32-v5.4-shrink-at-remove-explore.toml"), *find_variant("v5.4"),
                                         *find_variant("v6.1"), lim);
    CHECK(cut.kind == DiffResult::INCOMPLETE);
    CHECK_FALSE(cut.incomplete_reason.empty());
}

TEST_CASE("diff: exit codes 1 (difference), 0 (none, exhausted), 3 (bound hit), 2 (bad input)") {
    CHECK(cli("spec/scenarios/33-v6.8-256m-dimm-explore.toml --variant v6.1 --variant v6.8") == 1);
    CHECK(cli("spec/scenarios/10-two-dimms-explore-mom.toml --variant v6.1 --variant v6.8") == 0);
    CHECK(cli("spec/scenarios/32-v5.4-shrink-at-remove-explore.toml --variant v5.4 --variant v6.1 --max-depth 1") == 3);
    CHECK(cli("spec/scenarios/33-v6.8-256m-dimm-explore.toml --variant v6.1 --variant nope") == 2);
    CHECK(cli("spec/scenarios/33-v6.8-256m-dimm-explore.toml --variant v6.1") == 2);
}

// --- issue 14: diff compares invariant verdicts, kernel observations and node spans ------------
// Two test-only designs that change nothing /proc/zoneinfo or valid_zones shows: before issue 14,
// diff said NO DIFFERENCE for both although `check` finds a violation in the first.
namespace {
int (*g_v61_offline)(Kernel&, unsigned) = nullptr;
// memory_block_offline() as in 6.1, then a read of the block's (now poisoned) first struct page.
int offline_then_read_poisoned(Kernel& k, unsigned block) {
    const int rc = g_v61_offline(k, block);
    if (rc == 0) read_memmap(k, k.m.blocks[block].start_pfn + k.m.geo.pages_per_block - 1, "test: page_zone()");
    return rc;
}
// update_pgdat_span() that never shrinks the node: only node_start_pfn/node_spanned_pages differ.
void no_pgdat_update(Kernel&, int) {}

Variant derived(const char* name) {
    Variant v = *find_variant("v6.1");
    v.name = name;
    v.parent = "v6.1";
    g_v61_offline = v.ops.memory_block_offline;
    return v;
}
}  // namespace

TEST_CASE("diff: an invariant verdict and a kernel observation are differences (memmap-init)") {
    Variant bad = derived("test-read-poisoned");
    bad.ops.memory_block_offline = offline_then_read_poisoned;
    const Scenario sc = load("10-two-dimms-explore-mom.toml");
    const DiffResult r = diff_scenario(sc, *find_variant("v6.1"), bad, {});
    REQUIRE(r.kind == DiffResult::DIFFERENCE);
    REQUIRE(r.trace.size() == 3);  // add, online, eject (its offline reads the poisoned page)
    CHECK(r.trace[2].action.kind == ActionKind::DIMM_EJECT);
    REQUIRE(has_diff(r, "invariant memmap-init"));
    CHECK(has_diff(r, "kernel observations"));
    for (const ObservableDiff& d : r.diffs)
        if (d.what == "invariant memmap-init") {
            CHECK(d.a == "holds");
            CHECK(d.b.rfind("violated: ", 0) == 0);
        }
    CHECK(format_diff(sc, *find_variant("v6.1"), bad, r).find("invariant verdicts") != std::string::npos);
}

TEST_CASE("diff: node spans are compared (node0.node_spanned_pages)") {
    Variant bad = derived("test-no-pgdat-update");
    bad.ops.update_pgdat_span = no_pgdat_update;
    const DiffResult r = diff_scenario(load("10-two-dimms-explore-mom.toml"), *find_variant("v6.1"), bad, {});
    REQUIRE(r.kind == DiffResult::DIFFERENCE);
    CHECK(has_diff(r, "node0.node_spanned_pages"));
}
