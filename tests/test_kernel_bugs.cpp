// Real kernel bugs as variants (issue 10): every spec/scenarios/bug-*.toml fails with its
// named invariant under the buggy variant and passes under the fixed kernel (the variant's
// parent), both found by exploring. docs/bugs-found.md lists the same pairs.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "checker/run.hpp"
#include "helpers.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"
#include "spec/variants/registry.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {

std::string scenario_path(const std::string& file) { return std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file; }

std::string verdict_as(const std::string& file, const std::string& variant) {
    const Scenario sc = load_scenario(scenario_path(file));
    RunOptions opt;
    opt.variant_override = variant;
    const RunResult r = run_scenario(sc, opt);
    if (r.explore.verdict == Verdict::VIOLATION && r.explore.violation)
        return "violation: " + r.explore.violation->invariant;
    return verdict_name(r.explore.verdict);
}

struct Bug {
    const char* scenario;
    const char* buggy;
    const char* fixed;
    const char* invariant;
    // The fixed form's scenario when the fix is in what the scenario declares too (a reader's
    // lock), not only in the kernel variant; otherwise the same file.
    const char* fixed_scenario = nullptr;
};

const Bug kBugs[] = {
    {"bug-b943f045a9af-usage-freed-before-has-mem-map.toml", "bug-b943f045a9af", "v6.1", "usage-lifetime"},
    {"bug-d41e2f3bd546-no-vmemmap-section-mem-map-cleared-first.toml", "bug-d41e2f3bd546", "v6.1", "section-memmap"},
    {"bug-8068df3b6037-readded-early-section-usage-kfree.toml", "bug-8068df3b6037", "v6.1", "usage-lifetime"},
    {"bug-656d57119326-node-span-from-zero.toml", "bug-656d57119326", "v6.1", "node-span"},
    {"bug-2c91f8fc6c99-try-offline-node-span.toml", "bug-2c91f8fc6c99", "v6.1", "node-lifecycle"},
    {"bug-shrink-zone-span-pfn-valid.toml", "bug-shrink-zone-span-pfn-valid", "v6.1", "memmap-init"},
    {"bug-00d6c019b5bc-shrink-pgdat-span-memmap.toml", "bug-00d6c019b5bc", "v6.1", "memmap-init"},
    {"bug-feee6b298916-shrink-zones-at-offline.toml", "v5.4", "v5.12", "memmap-init"},
    {"bug-f42ce5f087eb-add-error-path-altmap.toml", "add-error-path-without-altmap", "v6.1", "altmap-free"},
    {"bug-6b8f0798b85a-altmap-error-path.toml", "v6.8", "v6.8-altmap-error-path-fix", "altmap-free"},
    {"bug-5ec8e8ea8b77-usage-kfree-race.toml", "usage-kfree-no-rcu", "v6.1", "no-use-after-free",
     "79-usage-kfree-rcu-threads.toml"},
    {"bug-f47f758cff59-register-memory-double-put.toml", "bug-f47f758cff59", "v6.1", "memory-block-lifetime"},
    {"bug-93866f55f7e2-memory-block-ref-leak-on-remove.toml", "bug-93866f55f7e2", "v6.8", "memory-block-lifetime"},
    {"bug-a2b8d7827f48-altmap-set-before-registration.toml", "bug-a2b8d7827f48", "v6.12", "memory-block-lifetime"},
    // kernel page tables ([kernel] pagetables; spec/variants/pagetable_bugs.cpp)
    {"bug-8d400913c231-sub-pmd-leak.toml", "bug-8d400913c231", "v6.1", "vmemmap-pagetables"},
    {"bug-280abe14b6e0-unused-sub-pmd-mark.toml", "bug-280abe14b6e0", "v6.1", "vmemmap-free"},
    {"bug-d4234d131b0a-arm64-subsection-pmd-shared.toml", "bug-d4234d131b0a", "v6.1", "vmemmap-free"},
    {"bug-9ce8853b4a73-radix-pud-table-leak.toml", "bug-9ce8853b4a73", "v6.1", "linear-map"},
    // subsection hot-add (spec/ops/subsection.cpp, tests/test_zone_device.cpp)
    {"bug-1f90a3477df3-zone-device-section-collision.toml", "bug-1f90a3477df3", "v6.1", "online-page"},
    {"bug-ef69bc9f689d-early-section-partial-depopulate.toml", "bug-ef69bc9f689d", "v6.1", "memmap-init"},
    {"bug-77e080e7680e-memunmap-uninitialized-first-page.toml", "bug-77e080e7680e", "v6.1", "memmap-init"},
    // Boot layout (issue 13): 6.1 itself has the bug (recorded on Debian's 6.1 kernel), 6.6+ the fix.
    {"bug-0db31d63f27e-kernelcore-mirror-without-mirror.toml", "v6.1", "v6.12", "boot-mirror"},
};

}  // namespace

TEST_CASE("kernel bugs: each buggy variant violates its invariant, the fixed kernel passes the same scenario") {
    for (const Bug& b : kBugs) {
        CAPTURE(std::string(b.scenario));
        CHECK(verdict_as(b.scenario, b.buggy) == std::string("violation: ") + b.invariant);
        CHECK(verdict_as(b.fixed_scenario ? b.fixed_scenario : b.scenario, b.fixed) == "pass");
    }
}

TEST_CASE("kernel bugs: every bug-*.toml scenario is listed here, with its own variant") {
    std::set<std::string> listed;
    for (const Bug& b : kBugs) listed.insert(b.scenario);
    for (const auto& e : fs::directory_iterator(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios")) {
        const std::string f = e.path().filename().string();
        if (f.rfind("bug-", 0) != 0) continue;
        CAPTURE(f);
        CHECK(listed.count(f) == 1);
        const Scenario sc = load_scenario(e.path().string());
        bool same = false;
        for (const Bug& b : kBugs)
            if (f == b.scenario) same = sc.variant == b.buggy && sc.expect == std::string("violation: ") + b.invariant;
        CHECK(same);
    }
}

TEST_CASE("variants: ops_of() reuses another variant's kernel functions by name") {
    const Variant* bug = find_variant("bug-656d57119326");
    REQUIRE(bug != nullptr);
    // The bug variant's table is v6.1's with exactly one function replaced.
    const KernelOps& parent = variants::ops_of("v6.1");
    CHECK((bug->ops.update_pgdat_span != parent.update_pgdat_span));
    CHECK((bug->ops.shrink_zone_span == parent.shrink_zone_span));
    CHECK((bug->ops.pfn_to_online_page == parent.pfn_to_online_page));
    CHECK(&variants::ops_of("v5.4") == &find_variant("v5.4")->ops);
    CHECK_THROWS_AS(variants::ops_of("no-such-variant"), std::logic_error);
}

TEST_CASE("variants: every variant's table has the section and pfn helpers") {
    for (const Variant& v : all_variants()) {
        CAPTURE(v.name);
        CHECK((v.ops.valid_section != nullptr));
        CHECK((v.ops.online_section != nullptr));
        CHECK((v.ops.pfn_section_valid != nullptr));
        CHECK((v.ops.pfn_valid != nullptr));
        CHECK((v.ops.pfn_to_online_page != nullptr));
        CHECK((v.ops.sparse_remove_section != nullptr));
        CHECK((v.ops.vmemmap_populated != nullptr));
        CHECK((v.ops.memremap_pages != nullptr));
        CHECK((v.ops.memunmap_pages != nullptr));
        CHECK((v.ops.soft_offline_page != nullptr));
    }
}

namespace {
// section_deactivate() that never frees ms->usage (the leak the section-state invariant reports).
void section_deactivate_leaking_usage(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const int b = k.m.block_of_pfn(pfn);
    const u16 usage = k.s.blocks[b].section_usage;
    base::section_deactivate(k, pfn, nr_pages, altmap);
    k.s.blocks[b].section_usage = usage;  // kfree(ms->usage) forgotten
}
}  // namespace

TEST_CASE("lifetimes: a mem_section_usage that is not freed at remove is reported as a leak") {
    const Machine m = test::qemu_machine(1);
    Variant v = test::mutant("usage-leak");
    v.ops.section_deactivate = section_deactivate_leaking_usage;
    const ExploreResult r = test::explore_with(m, v, {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT});
    REQUIRE(r.verdict == Verdict::VIOLATION);
    REQUIRE(r.violation.has_value());
    CHECK(r.violation->invariant == "section-state");
    CHECK(r.violation->conjunct == "ms->usage is freed when its section is removed (no leak)");
    // And v6.1 frees it: add + eject explored to the end.
    CHECK(test::explore_with(m, *find_variant("v6.1"), {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT}).verdict ==
          Verdict::PASS);
}

TEST_CASE("lifetimes: a leaked memory_block reference is reported with the block and who took it") {
    const Scenario sc = load_scenario(scenario_path("bug-93866f55f7e2-memory-block-ref-leak-on-remove.toml"));
    const RunResult r = run_scenario(sc, RunOptions{});
    REQUIRE(r.explore.verdict == Verdict::VIOLATION);
    REQUIRE(r.explore.violation.has_value());
    CHECK(r.explore.violation->conjunct == "no memory_block reference is held after the step (no leak)");
    CHECK(r.explore.violation->detail.find("memory32: 1 reference still held") != std::string::npos);
    CHECK(r.explore.violation->detail.find("find_memory_block() in remove_memory_blocks_and_altmaps()") !=
          std::string::npos);
    CHECK(r.explore.violation->detail.find("never freed") != std::string::npos);
}

TEST_CASE("lifetimes: a put of a released memory_block is a use after free") {
    const Scenario sc = load_scenario(scenario_path("bug-f47f758cff59-register-memory-double-put.toml"));
    const RunResult r = run_scenario(sc, RunOptions{});
    REQUIRE(r.explore.verdict == Verdict::VIOLATION);
    REQUIRE(r.explore.violation.has_value());
    CHECK(r.explore.violation->conjunct == "no use of a memory_block after memory_block_release()");
    CHECK(r.explore.violation->detail.find("device_unregister on memory32") != std::string::npos);
}

// --- the 6.6+ mem->altmap object (BlockState::altmap_obj) -------------------------------------

namespace {
// v6.8's remove_memory_blocks_and_altmaps() with the kfree(altmap) forgotten.
void remove_memory_blocks_and_altmaps_no_kfree(Kernel& k, pfn_t start, u64 nr_pages) {
    variants::ops_of("v6.8").remove_memory_blocks_and_altmaps(k, start, nr_pages);
    for (unsigned b = 0; b < k.m.blocks.size(); ++b)
        if (k.m.blocks[b].start_pfn >= start && k.m.blocks[b].start_pfn < start + nr_pages)
            k.s.blocks[b].altmap_obj = static_cast<u8>(ALTMAP_OBJ_DETACHED);  // still allocated, nothing points at it
}
// memory_block_online() after a kfree(mem->altmap) that left the pointer behind.
int memory_block_online_after_kfree(Kernel& k, unsigned b, OnlineType type) {
    base::altmap_kfree(k, b);
    return variants::ops_of("v6.8").memory_block_online(k, b, type);
}
}  // namespace

TEST_CASE("lifetimes: the 6.6+ altmap object is kmemdup()ed per block, pointed at by mem->altmap, kfree()d at remove") {
    const Scenario sc = load_scenario(scenario_path("bug-93866f55f7e2-memory-block-ref-leak-on-remove.toml"));
    const Machine& m = sc.machine;
    for (const char* name : {"v6.8", "v6.12", "v6.1"}) {
        CAPTURE(std::string(name));
        const Variant* v = find_variant(name);
        REQUIRE(v != nullptr);
        KernelState s = initial_state(m);
        REQUIRE(apply_action(m, v->ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {}}).rc == 0);
        const unsigned want = std::string(name) == "v6.1" ? unsigned(ALTMAP_OBJ_NONE) : unsigned(ALTMAP_OBJ_ATTACHED);
        CHECK(s.blocks[0].altmap_obj == want);  // 6.1: altmap on add_memory_resource()'s stack
        CHECK(s.blocks[1].altmap_obj == want);
        REQUIRE(apply_action(m, v->ops, s, Action{ActionKind::DIMM_EJECT, 0, 1, {}}).rc == 0);
        CHECK(s.blocks[0].altmap_obj == unsigned(ALTMAP_OBJ_NONE));
        CHECK(s.blocks[1].altmap_obj == unsigned(ALTMAP_OBJ_NONE));
    }
    // I18 reports an altmap nobody frees, naming the block and the step
    Variant leak = test::mutant("altmap-not-kfreed");
    leak.ops = variants::ops_of("v6.8");
    leak.ops.remove_memory_blocks_and_altmaps = remove_memory_blocks_and_altmaps_no_kfree;
    const ExploreResult r = test::explore_with(m, leak, {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT});
    REQUIRE(r.violation.has_value());
    CHECK(r.violation->invariant == "memory-block-lifetime");
    CHECK(r.violation->conjunct == "no struct vmem_altmap is leaked after the step");
    CHECK(r.violation->detail.find("memory32") != std::string::npos);
    CHECK(r.violation->detail.find("the eject step") != std::string::npos);
    // ... and a read of a freed one
    Variant uaf = test::mutant("altmap-read-after-kfree");
    uaf.ops = variants::ops_of("v6.8");
    uaf.ops.memory_block_online = memory_block_online_after_kfree;
    const ExploreResult u =
        test::explore_with(m, uaf, {ActionKind::DIMM_ADD, ActionKind::ONLINE_MOVABLE});
    REQUIRE(u.violation.has_value());
    CHECK(u.violation->conjunct == "mem->altmap is not used after kfree()");
}
