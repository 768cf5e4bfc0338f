// The linear map's page tables per architecture (issue 10 item 2; spec/ops/pagetables_linear.cpp,
// invariants linear-map (I20) and linear-map-unmap (T6)): the layout per preset, what each
// architecture's add and remove do to the leaves and tables, and that the invariants see a
// leaked table, a table freed under a mapped block, and a mapping left after removal.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "checker/run.hpp"
#include "helpers.hpp"
#include "spec/ops/pagetables.hpp"
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
    bool observed(Observation::Kind kind) const {
        for (int i = 0; i < last.nobs; ++i)
            if (last.obs[i].kind == kind) return true;
        return false;
    }
    std::string check() const {
        for (const Invariant& i : all_invariants()) {
            Violation out;
            if (i.holds_in && !i.holds_in(sc.machine, s, &out)) return out.invariant + ": " + out.conjunct;
        }
        return "";
    }
};

// The first invariant the variant breaks when every add/eject/online/offline order is explored.
std::string explore_with(const Scenario& sc, const Variant& v) {
    KernelModel model(sc.machine, v,
                      expand_alphabet(sc.machine, {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT}, {}),
                      select_invariants({}, "test"));
    const ExploreResult res = explore(model, {});
    if (res.verdict != Verdict::VIOLATION) return verdict_name(res.verdict);
    return res.violation->invariant + ": " + res.violation->conjunct;
}

// Buggy forms of the removal, for the invariants to catch.
void remove_keeping_tables(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    if (map) return base::linear_map(k, start, nr_pages, true);
    unsigned first = 0, count = 0;  // the leaves go, free_pmd_table() is never called
    if (blocks_of_range(k.m, start, nr_pages, first, count))
        for (unsigned b = first; b < first + count; ++b) base::pt::lm_unmap_unit(k, b);
}
void remove_freeing_shared_tables(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    if (map) return base::linear_map(k, start, nr_pages, true);
    unsigned first = 0, count = 0;  // each table of the range is freed, empty or not
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return;
    for (unsigned b = first; b < first + count; ++b) base::pt::lm_unmap_unit(k, b);
    for (unsigned gi = 0; gi < k.m.pt.lm_nr_groups; ++gi)
        if (k.m.pt.lm_group_level[gi] == 0 && ((k.m.pt.lm_block_groups[first] >> gi) & 1) &&
            ((k.s.pt.lm_tables >> gi) & 1))
            base::pt::lm_free_table(k, gi, "free_pmd_table");
}
void no_linear_map(Kernel&, pfn_t, u64, bool) {}  // arch_add_memory() maps nothing

}  // namespace

// The bits of level-`level` groups in lm_tables, renumbered from 0 in group order.
unsigned tables_at(const Runner& r, unsigned level) {
    unsigned out = 0, n = 0;
    for (unsigned gi = 0; gi < r.sc.machine.pt.lm_nr_groups; ++gi)
        if (r.sc.machine.pt.lm_group_level[gi] == level) out |= ((r.s.pt.lm_tables >> gi) & 1u) << n++;
    return out;
}
// The level-`level` groups: {blocks, boot} in group order.
std::vector<std::pair<unsigned, bool>> groups_at(const Runner& r, unsigned level) {
    std::vector<std::pair<unsigned, bool>> out;
    for (unsigned gi = 0; gi < r.sc.machine.pt.lm_nr_groups; ++gi)
        if (r.sc.machine.pt.lm_group_level[gi] == level)
            out.emplace_back(r.sc.machine.pt.lm_group_blocks[gi], r.sc.machine.pt.lm_group_boot[gi]);
    return out;
}
using G = std::vector<std::pair<unsigned, bool>>;

TEST_CASE("linear map: the leaf and tables per preset, grouped by the blocks that share a table") {
    // x86: 2 MiB PMD leaves, a PMD table per GiB; both 128 MiB DIMMs after 1 GiB of boot RAM
    // share the table of [1 GiB, 2 GiB), which no boot memory is in; the PUD table above
    // (512 GiB) also maps boot memory.
    const Runner x86("84-x86-pagetables-mom-explore.toml");
    const PtLayout& l = x86.sc.machine.pt;
    CHECK(std::string(l.lm_leaf_level) == "PMD");
    CHECK(l.lm_leaf_bytes == 2u << 20);
    CHECK(l.lm_table_bytes == 1u << 30);
    CHECK(l.lm_upper_bytes == 512ull << 30);
    CHECK(l.lm_upper_kept);
    CHECK(groups_at(x86, 0) == G{{3u, false}});
    CHECK(groups_at(x86, 1) == G{{3u, true}});
    CHECK(tables_at(x86, 0) == 0u);
    CHECK(tables_at(x86, 1) == 1u);  // allocated at boot
    // arm64 with rodata_full (the Kconfig default): NO_BLOCK_MAPPINGS, 4K PTE leaves; every
    // 2 MiB PTE table lies inside one block: one group of 64 per block; the 1 GiB PMD table
    // above them is shared.
    const Runner arm("86-arm64-pagetables-explore.toml");
    CHECK(std::string(arm.sc.machine.pt.lm_leaf_level) == "PTE");
    CHECK(arm.sc.machine.pt.lm_table_bytes == 2u << 20);
    CHECK(groups_at(arm, 0) == G{{1u, false}, {2u, false}});
    CHECK(groups_at(arm, 1) == G{{3u, false}});
    CHECK(arm.sc.machine.pt.lm_group_tables[0] == 64);
    // arm64 without rodata_full: PMD blocks, one shared PMD table under a boot PUD table.
    const Runner blocks("101-arm64-linear-map-blocks-explore.toml");
    CHECK(std::string(blocks.sc.machine.pt.lm_leaf_level) == "PMD");
    CHECK(groups_at(blocks, 0) == G{{3u, false}});
    CHECK(groups_at(blocks, 1) == G{{3u, true}});
    // ppc64 radix: 2 MiB leaves (radix_mem_block_size caps the mapping), a 1 GiB PMD table:
    // both 256 MiB LMBs at 4 GiB share it.
    const Runner ppc("87-ppc64-pagetables-explore.toml");
    CHECK(ppc.sc.machine.pt.lm_table_bytes == 1u << 30);
    CHECK(groups_at(ppc, 0) == G{{3u, false}});
    CHECK(groups_at(ppc, 1) == G{{3u, true}});
}

TEST_CASE("linear map: a shared table is allocated by the first add and freed with the last remove") {
    for (const char* file : {"84-x86-pagetables-mom-explore.toml", "101-arm64-linear-map-blocks-explore.toml",
                             "87-ppc64-pagetables-explore.toml"}) {
        CAPTURE(file);
        Runner r(file);
        REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
        CHECK(r.s.pt.linear_mapped == 1u);
        CHECK(tables_at(r, 0) == 1u);
        REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);
        CHECK(r.s.pt.linear_mapped == 3u);
        REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
        CHECK(r.s.pt.linear_mapped == 2u);
        CHECK(tables_at(r, 0) == 1u);  // the other DIMM's leaves are still in it
        CHECK(r.check().empty());
        REQUIRE(r.act(ActionKind::DIMM_EJECT, 1) == 0);
        CHECK(r.s.pt.linear_mapped == 0u);
        CHECK(tables_at(r, 0) == 0u);
        CHECK(tables_at(r, 1) == 1u);  // the boot PUD table
        CHECK(r.check().empty());
    }
    // arm64 with rodata_full: each block's own PTE tables come and go with it, the PMD table
    // above them with the last.
    Runner arm("86-arm64-pagetables-explore.toml");
    REQUIRE(arm.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(tables_at(arm, 1) == 1u);
    REQUIRE(arm.act(ActionKind::DIMM_ADD, 1) == 0);
    CHECK(tables_at(arm, 0) == 3u);
    REQUIRE(arm.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(tables_at(arm, 0) == 2u);
    CHECK(tables_at(arm, 1) == 1u);
    CHECK(arm.check().empty());
    REQUIRE(arm.act(ActionKind::DIMM_EJECT, 1) == 0);
    CHECK(arm.s.pt.lm_tables == 0u);
    CHECK(arm.check().empty());
}

TEST_CASE("linear map: ppc64 frees the PUD table since 9ce8853b4a73, before it the table leaks") {
    Runner fixed("bug-9ce8853b4a73-radix-pud-table-leak.toml", find_variant("v6.1"));
    CHECK(groups_at(fixed, 0) == G{{1u, false}});
    CHECK(groups_at(fixed, 1) == G{{1u, false}});
    REQUIRE(fixed.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(fixed.s.pt.lm_tables == 3u);
    REQUIRE(fixed.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(fixed.s.pt.lm_tables == 0u);
    CHECK(fixed.check().empty());
    Runner bug("bug-9ce8853b4a73-radix-pud-table-leak.toml");
    REQUIRE(bug.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(bug.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(tables_at(bug, 0) == 0u);
    CHECK(tables_at(bug, 1) == 1u);
    CHECK(bug.check() == "linear-map: an empty linear-map table page is freed (no leak)");
}

TEST_CASE("linear map: the invariants see a leaked table, a table freed under a mapped block, a mapping left") {
    const Scenario sc = load_scenario(scenario_path("101-arm64-linear-map-blocks-explore.toml"));
    CHECK(explore_with(sc, *find_variant("v6.1")) == "pass");

    Variant keep = test::mutant("linear-map-keeps-tables");
    keep.ops.linear_map = remove_keeping_tables;
    CHECK(explore_with(sc, keep) == "linear-map: an empty linear-map table page is freed (no leak)");

    Variant shared = test::mutant("linear-map-frees-shared-tables");
    shared.ops.linear_map = remove_freeing_shared_tables;
    Runner r("101-arm64-linear-map-blocks-explore.toml", &shared);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(r.observed(Observation::LINEAR_MAP_TABLE_FREED_IN_USE));
    CHECK(r.check() == "linear-map: a mapped block's linear-map table page is allocated");
    const std::string found = explore_with(sc, shared);  // T6 on the step or I20 in the state after it
    CHECK((found == "linear-map-unmap: a linear-map page-table page is freed only when it maps nothing" ||
           found == "linear-map: a mapped block's linear-map table page is allocated"));

    // No linear map at all: the added block is not mapped (I20).
    Variant none = test::mutant("linear-map-none");
    none.ops.linear_map = no_linear_map;
    CHECK(explore_with(sc, none) == "linear-map: an added block is in the linear map");
}

TEST_CASE("linear map: a removal that leaves the leaves is caught on the step (T6)") {
    Runner r("84-x86-pagetables-mom-explore.toml");
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    const KernelState before = r.s;
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    KernelState after = r.s;
    const Invariant* t6 = find_invariant("linear-map-unmap");
    REQUIRE(t6 != nullptr);
    const Action a{ActionKind::DIMM_EJECT, 0, 1, {}};
    Violation out;
    CHECK(t6->holds_on(Step{r.sc.machine, before, after, a, r.last}, &out));
    after.pt.linear_mapped |= 1u;  // as if kernel_physical_mapping_remove() had not run
    CHECK(!t6->holds_on(Step{r.sc.machine, before, after, a, r.last}, &out));
    CHECK(out.conjunct == "a removed block has no linear mapping");
}

TEST_CASE("linear map: x86 keeps the mapping when __add_pages() fails, arm64 and ppc64 undo it") {
    // section-enomem at the first section: add_pages() fails after the linear map was made.
    for (const char* file : {"84-x86-pagetables-mom-explore.toml", "101-arm64-linear-map-blocks-explore.toml",
                             "87-ppc64-pagetables-explore.toml"}) {
        CAPTURE(file);
        Runner r(file);
        Action a{ActionKind::DIMM_ADD, 0, 1, {}};
        a.fault = Fault{FaultKind::SECTION_ENOMEM, 0};
        r.last = apply_action(r.sc.machine, r.v->ops, r.s, a);
        REQUIRE(r.last.rc < 0);
        const bool x86 = r.sc.machine.pt.arch == PtArch::X86_64;
        CHECK(r.s.pt.linear_mapped == (x86 ? 1u : 0u));
        CHECK(tables_at(r, 0) == (x86 ? 1u : 0u));
        CHECK(r.check().empty());
    }
}
