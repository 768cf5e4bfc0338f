// The linear map of ZONE_DEVICE ranges and x86's 1 GiB direct-map leaves (issue 10 items 2 and
// 7; spec/pagetable.cpp compute_lm_layout(), spec/ops/pagetables_linear.cpp, invariants
// linear-map (I20) and linear-map-unmap (T6)): which tables a device range shares with boot
// RAM and DIMMs, that memremap_pages()/memunmap_pages() map and unmap it and free an empty
// table, direct_gbpages' PUD leaves without PMD tables, and that the invariants catch a
// device range left mapped, never mapped, or a shared table freed under it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <tuple>
#include <vector>

#include "checker/run.hpp"
#include "helpers.hpp"
#include "spec/ops/pagetables.hpp"
#include "spec/pagetable.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {

std::string scenario_path(const std::string& file) { return std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file; }

struct Runner {
    Scenario sc;
    const Variant* v;
    KernelState s;
    StepResult last;
    explicit Runner(const std::string& file, const Variant* variant = nullptr)
        : sc(load_scenario(scenario_path(file))), v(variant ? variant : find_variant(sc.variant)),
          s(initial_state(sc.machine)) {
        REQUIRE(v != nullptr);
    }
    int act(ActionKind kind, unsigned target) {
        last = apply_action(sc.machine, v->ops, s, Action{kind, static_cast<std::uint8_t>(target), 1, {}});
        return last.rc;
    }
    std::string check() const {
        for (const Invariant& i : all_invariants()) {
            Violation out;
            if (i.holds_in && !i.holds_in(sc.machine, s, &out)) return out.invariant + ": " + out.conjunct;
        }
        return "";
    }
};

// The level-`level` groups as {blocks, devices, boot}, in group order.
using G = std::vector<std::tuple<unsigned, unsigned, bool>>;
G groups_at(const Machine& m, unsigned level) {
    G out;
    for (unsigned gi = 0; gi < m.pt.lm_nr_groups; ++gi)
        if (m.pt.lm_group_level[gi] == level)
            out.emplace_back(m.pt.lm_group_blocks[gi], m.pt.lm_group_devices[gi], m.pt.lm_group_boot[gi]);
    return out;
}
// The bits of level-`level` groups in lm_tables, renumbered from 0 in group order.
unsigned tables_at(const Runner& r, unsigned level) {
    unsigned out = 0, n = 0;
    for (unsigned gi = 0; gi < r.sc.machine.pt.lm_nr_groups; ++gi)
        if (r.sc.machine.pt.lm_group_level[gi] == level) out |= ((r.s.pt.lm_tables >> gi) & 1u) << n++;
    return out;
}

// The first invariant broken when every add/eject/memremap/memunmap order is explored.
std::string explore_with(const Scenario& sc, const Variant& v) {
    KernelModel model(sc.machine, v,
                      expand_alphabet(sc.machine,
                                      {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT, ActionKind::DEV_MAP,
                                       ActionKind::DEV_UNMAP},
                                      {}),
                      select_invariants({}, "test"));
    const ExploreResult res = explore(model, {});
    if (res.verdict != Verdict::VIOLATION) return verdict_name(res.verdict);
    return res.violation->invariant + ": " + res.violation->conjunct;
}

bool device_range(const Kernel& k, const pfn_t& start, const u64& nr_pages) {
    unsigned first = 0, count = 0;
    return base::pt::lm_units_of_range(k, start, nr_pages, first, count) && first >= base::pt::LM_DEVICE_UNIT;
}
// Buggy forms: a device range is never unmapped; never mapped; its removal frees every table
// it has leaves in, empty or not.
void unmap_skipping_devices(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    if (!map && device_range(k, start, nr_pages)) return;
    base::linear_map(k, start, nr_pages, map);
}
void map_skipping_devices(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    if (map && device_range(k, start, nr_pages)) return;
    base::linear_map(k, start, nr_pages, map);
}
void unmap_freeing_device_tables(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    if (map || !device_range(k, start, nr_pages)) return base::linear_map(k, start, nr_pages, map);
    unsigned first = 0, count = 0;
    REQUIRE(base::pt::lm_units_of_range(k, start, nr_pages, first, count));
    base::pt::lm_unmap_unit(k, first);
    for (unsigned gi = 0; gi < k.m.pt.lm_nr_groups; ++gi)
        if (k.m.pt.lm_group_level[gi] == 0 && ((k.m.pt.lm_dev_groups[first - base::pt::LM_DEVICE_UNIT] >> gi) & 1) &&
            ((k.s.pt.lm_tables >> gi) & 1))
            base::pt::lm_free_table(k, gi, "free_pmd_table");
}

}  // namespace

TEST_CASE("linear map of devices: a device range shares the PMD table of boot RAM and a DIMM, or has its own") {
    // Boot RAM [64 KiB, 768 MiB), dimm0 [768, 896) MiB and namespace0 [896, 960) MiB: all in
    // the PMD table of the first GiB (allocated at boot, never empty); namespace1 alone in the
    // second GiB's; the PUD table above them all maps boot memory too.
    Runner r("102-x86-linear-map-devices-explore.toml");
    const Machine& m = r.sc.machine;
    CHECK(std::string(m.pt.lm_leaf_level) == "PMD");
    CHECK(groups_at(m, 0) == G{{1u, 1u, true}, {0u, 2u, false}});
    CHECK(groups_at(m, 1) == G{{1u, 3u, true}});
    CHECK(tables_at(r, 0) == 1u);

    REQUIRE(r.act(ActionKind::DEV_MAP, 1) == 0);  // phys_pud_init(): alloc_low_page() for the PMD table
    CHECK(r.s.pt.dev_linear_mapped == 2u);
    CHECK(tables_at(r, 0) == 3u);
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_MAP, 0) == 0);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(r.s.pt.dev_linear_mapped == 3u);
    CHECK(r.s.pt.linear_mapped == 1u);
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 1) == 0);  // free_pmd_table(): the second GiB's table is empty
    CHECK(r.s.pt.dev_linear_mapped == 1u);
    CHECK(tables_at(r, 0) == 1u);
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 0) == 0);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(r.s.pt.dev_linear_mapped == 0u);
    CHECK(r.s.pt.linear_mapped == 0u);
    CHECK(tables_at(r, 0) == 1u);  // boot memory's leaves are still in the first GiB's table
    CHECK(r.check().empty());
}

TEST_CASE("linear map of devices: a device and a DIMM share one PMD table, freed with the last of them") {
    // Scenario 95: dimm0 (section 32) and both namespaces (sections 33-34) in the PMD table of
    // [4 GiB, 5 GiB), which holds no boot memory.
    Runner r("95-x86-pagetables-devices-explore.toml");
    CHECK(groups_at(r.sc.machine, 0) == G{{1u, 3u, false}});
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(r.act(ActionKind::DEV_MAP, 1) == 0);
    CHECK(tables_at(r, 0) == 1u);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(tables_at(r, 0) == 1u);  // namespace1's leaves are still in it
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 1) == 0);
    CHECK(tables_at(r, 0) == 0u);
    CHECK(r.check().empty());
}

TEST_CASE("linear map of devices: the invariants catch a range left mapped, never mapped, or its table freed") {
    const Scenario sc = load_scenario(scenario_path("102-x86-linear-map-devices-explore.toml"));
    CHECK(explore_with(sc, *find_variant("v6.1")) == "pass");

    Variant left = test::mutant("linear-map-device-left");
    left.ops.linear_map = unmap_skipping_devices;
    CHECK(explore_with(sc, left) == "linear-map-unmap: a removed ZONE_DEVICE range has no linear mapping");

    Variant never = test::mutant("linear-map-device-never");
    never.ops.linear_map = map_skipping_devices;
    CHECK(explore_with(sc, never) == "linear-map: a mapped ZONE_DEVICE range is in the linear map");

    Variant freeing = test::mutant("linear-map-device-frees-shared");
    freeing.ops.linear_map = unmap_freeing_device_tables;
    Runner r("95-x86-pagetables-devices-explore.toml", &freeing);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(r.act(ActionKind::DEV_MAP, 1) == 0);
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 1) == 0);
    CHECK(r.check() == "linear-map: a mapped block's linear-map table page is allocated");
    const std::string found = explore_with(r.sc, freeing);
    CHECK((found == "linear-map-unmap: a linear-map page-table page is freed only when it maps nothing" ||
           found == "linear-map: a mapped block's linear-map table page is allocated"));
}

TEST_CASE("linear map: direct_gbpages maps the aligned GiBs of a range with PUD leaves and no PMD table") {
    Runner r("103-x86-direct-gbpages-explore.toml");
    const Machine& m = r.sc.machine;
    CHECK(m.pt.lm_gbpages);
    CHECK(m.pt.lm_pud_blocks == 0xffu);   // dimm0's first GiB: blocks 0-7
    CHECK(m.pt.lm_pud_devices == 1u);     // namespace0 is one GiB
    // dimm0's last 4 blocks and dimm1 share the fifth GiB's PMD table; nothing else has one.
    CHECK(groups_at(m, 0) == G{{0x1f00u, 0u, false}});
    CHECK(groups_at(m, 1) == G{{0x1fffu, 1u, true}});
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(r.act(ActionKind::DEV_MAP, 0) == 0);
    CHECK(tables_at(r, 0) == 1u);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);  // pud_clear() and the PMD leaves of [5, 5.5) GiB
    CHECK(r.s.pt.linear_mapped == 0x1000u);
    CHECK(tables_at(r, 0) == 1u);  // dimm1 is still in it
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 1) == 0);
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 0) == 0);
    CHECK(r.s.pt.linear_mapped == 0u);
    CHECK(r.s.pt.dev_linear_mapped == 0u);
    CHECK(tables_at(r, 0) == 0u);
    CHECK(r.check().empty());

    // Without gbpages (the presets' default): a PMD table per GiB.
    Machine flat = m;
    flat.params.direct_gbpages = false;
    REQUIRE(compute_pt_layout(flat, true).empty());
    CHECK(flat.pt.lm_pud_blocks == 0u);
    CHECK(groups_at(flat, 0) == G{{0xffu, 0u, false}, {0x1f00u, 0u, false}, {0u, 1u, false}});
}

TEST_CASE("linear map: 2 GiB blocks (scenario 94's geometry) are PUD leaves with direct_gbpages") {
    Scenario sc = load_scenario(scenario_path("94-dimm-add-enomem-2g-block-leftover.toml"));
    Machine& m = sc.machine;
    m.params.pagetables = true;
    m.params.direct_gbpages = true;
    REQUIRE(compute_pt_layout(m, true).empty());
    CHECK(m.pt.lm_pud_blocks == 3u);
    CHECK(groups_at(m, 0).empty());
    m.params.direct_gbpages = false;
    REQUIRE(compute_pt_layout(m, true).empty());
    CHECK(groups_at(m, 0) == G{{1u, 0u, false}, {2u, 0u, false}});
    for (unsigned gi = 0; gi < m.pt.lm_nr_groups; ++gi)
        if (m.pt.lm_group_level[gi] == 0) CHECK(m.pt.lm_group_tables[gi] == 2u);  // two GiBs per block
}

TEST_CASE("linear map: direct_gbpages is refused outside x86") {
    const std::filesystem::path p = std::filesystem::temp_directory_path() / "hpcheck-test-gbpages-arm64.toml";
    std::ofstream(p) << "name = \"t\"\n[geometry]\npreset = \"arm64-4k\"\n[kernel]\npagetables = true\n"
                        "direct_gbpages = true\n[[boot]]\nnode = 0\nzone = \"Normal\"\nstart_pfn = 0x40000\n"
                        "end_pfn = 0x80000\n";
    std::string what;
    try {
        load_scenario(p.string());
    } catch (const ScenarioError& e) {
        what = e.what();
    }
    CHECK(what.find("direct_gbpages is x86's") != std::string::npos);
}
