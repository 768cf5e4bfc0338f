// Kernel page tables of the vmemmap and the linear map, and HVO (issue 10 items 2 and 5;
// spec/pagetable.hpp, spec/ops/pagetables*.cpp, spec/ops/hugetlb_vmemmap.cpp, invariants
// vmemmap-pagetables / vmemmap-free / linear-map). Step-level checks of what each
// architecture's code does to the slots, and that the invariants see the bugs.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

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
    explicit Runner(const std::string& file, const char* variant = nullptr)
        : sc(load_scenario(scenario_path(file))), v(find_variant(variant ? variant : sc.variant)),
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
    unsigned slot(std::uint64_t leaf) const { return static_cast<unsigned>(leaf - sc.machine.pt.first_leaf); }
    std::string check() const {
        for (const Invariant& i : all_invariants()) {
            Violation out;
            if (i.holds_in && !i.holds_in(sc.machine, s, &out)) return out.invariant + ": " + out.conjunct;
        }
        return "";
    }
};

std::string verdict_as(const std::string& file, const std::string& variant) {
    const Scenario sc = load_scenario(scenario_path(file));
    RunOptions opt;
    opt.variant_override = variant;
    const RunResult r = run_scenario(sc, opt);
    if (r.explore.verdict == Verdict::VIOLATION && r.explore.violation) return "violation: " + r.explore.violation->invariant;
    return verdict_name(r.explore.verdict);
}

}  // namespace

TEST_CASE("pagetables: the layout of x86 with 56-byte struct pages has sections sharing vmemmap PMDs") {
    const Scenario sc = load_scenario(scenario_path("85-x86-sub-pmd-explore.toml"));
    const PtLayout& l = sc.machine.pt;
    REQUIRE(l.enabled);
    CHECK(l.arch == PtArch::X86_64);
    CHECK(l.leaf_bytes == (2u << 20));
    // sections 32, 33, 34 (4 GiB + 0/128/256 MiB) at 1792 KiB of struct pages each: leaves 28..30
    CHECK(l.first_leaf == 28);
    CHECK(l.nr_slots == 3);
    CHECK(l.first_section[0] == 32);
    CHECK(l.nr_pieces[0] == 2);  // section 32 and the first 256 KiB of section 33
    CHECK(l.piece_owner[0][0] == 0 * MAX_SECTIONS_PER_BLOCK + 0);
    CHECK(l.piece_owner[0][1] == 1 * MAX_SECTIONS_PER_BLOCK + 0);
    CHECK(!l.slot_boot[0]);
    CHECK(l.table_boot[0]);  // the PMD table also maps boot memory's vmemmap
    // scenario 10 has no page tables: nothing of them in its packed state
    const Scenario plain = load_scenario(scenario_path("10-two-dimms-explore-mom.toml"));
    CHECK(!plain.machine.pt.enabled);
    Scenario with = plain;
    with.machine.params.pagetables = true;
    REQUIRE(compute_pt_layout(with.machine, true).empty());
    CHECK(packed_words(with.machine) == packed_words(plain.machine) + sizeof(PageTableState) / 4);
}

TEST_CASE("pagetables: x86 6.1 marks the unpopulated parts of a shared PMD PAGE_UNUSED and frees it with its last user") {
    Runner r("85-x86-sub-pmd-explore.toml");
    const unsigned s28 = r.slot(28), s29 = r.slot(29);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);  // section 33 alone
    CHECK(r.s.pt.entry[s28] == PT_LEAF);
    CHECK(r.s.pt.entry[s29] == PT_LEAF);
    CHECK(r.s.pt.backing[s28] == PT_BACKING_BUDDY);
    CHECK((r.s.pt.unused[s28] & 1) == 1);  // section 32's part: memset(page, PAGE_UNUSED, start - page)
    CHECK((r.s.pt.unused[s28] & 2) == 0);  // our own struct pages
    // the tail of leaf 29 after section 33 is left to unused_pmd_start (faf1c0008a33)
    CHECK(r.s.pt.unused_pmd_start == 0x110000 + 1);
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);  // section 32 joins leaf 28
    CHECK((r.s.pt.unused[s28] & 1) == 0);
    CHECK(r.s.pt.unused_pmd_start == 0);  // flushed: section 32 does not follow the unused range
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 1) == 0);
    CHECK(r.s.pt.entry[s28] == PT_LEAF);  // section 32 still uses it
    CHECK(r.s.pt.entry[s29] == PT_NONE);  // all PAGE_UNUSED: freed
    CHECK(!r.observed(Observation::VMEMMAP_FREED_IN_USE));
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(r.s.pt.entry[s28] == PT_NONE);
    CHECK(r.check().empty());
}

TEST_CASE("pagetables: before 8d400913c231 the shared PMD is never found unused and leaks") {
    Runner r("bug-8d400913c231-sub-pmd-leak.toml");
    REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 1) == 0);
    CHECK(r.s.pt.entry[r.slot(28)] == PT_LEAF);
    CHECK(r.check() == "vmemmap-pagetables: a vmemmap leaf no section uses is freed (no leak)");
}

TEST_CASE("pagetables: before 280abe14b6e0 the PAGE_UNUSED memset runs into the next, unmapped PMD") {
    Runner r("bug-280abe14b6e0-unused-sub-pmd-mark.toml");
    REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);
    CHECK(r.observed(Observation::VMEMMAP_UNMAPPED_WRITE));
    Runner fixed("bug-280abe14b6e0-unused-sub-pmd-mark.toml", "v6.1");
    REQUIRE(fixed.act(ActionKind::DIMM_ADD, 1) == 0);
    CHECK(!fixed.observed(Observation::VMEMMAP_UNMAPPED_WRITE));
}

TEST_CASE("pagetables: memmap_on_memory PMDs come from the block's altmap and go back with vmem_altmap_free()") {
    Runner r("84-x86-pagetables-mom-explore.toml");
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    const unsigned s = r.slot(32);
    CHECK(r.s.pt.entry[s] == PT_LEAF);
    CHECK(r.s.pt.backing[s] == 0);  // block 0's altmap
    CHECK((r.s.pt.linear_mapped & 1) == 1);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(r.s.pt.entry[s] == PT_NONE);
    CHECK((r.s.pt.linear_mapped & 1) == 0);
    CHECK(!r.observed(Observation::ALTMAP_FREED_TO_BUDDY));
    // the mutant that drops the altmap on removal frees the PMD's altmap pages into the buddy
    Runner m("84-x86-pagetables-mom-explore.toml", "mutant-altmap-dropped");
    REQUIRE(m.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(m.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(m.observed(Observation::ALTMAP_FREED_TO_BUDDY));
}

namespace {
// ppc64 vmemmap_free() without the vmemmap_populated() check: frees the shared vmemmap page
// with the first section that goes.
void ppc64_free_ignoring_neighbours(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap*) {
    const u64 start = base::pt::vmemmap_addr(k.m, pfn);
    const unsigned slot = base::pt::slot_of(k.m, start);
    (void)nr_pages;
    if (slot >= MAX_PT_SLOTS || k.s.pt.entry[slot] == PT_NONE) return;
    base::pt::free_leaf_backing(k, slot, false, "vmemmap_free");
    base::pt::clear_leaf(k, slot);
}
}  // namespace

TEST_CASE("pagetables: ppc64 keeps a vmemmap page while any section described by it is present") {
    Runner r("87-ppc64-pagetables-explore.toml");
    REQUIRE(r.sc.machine.pt.nr_slots == 1);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(r.act(ActionKind::DIMM_ADD, 1) == 0);
    CHECK(r.s.pt.entry[0] == PT_LEAF);
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(r.s.pt.entry[0] == PT_LEAF);
    CHECK(!r.observed(Observation::VMEMMAP_FREED_IN_USE));
    REQUIRE(r.act(ActionKind::DIMM_EJECT, 1) == 0);
    CHECK(r.s.pt.entry[0] == PT_NONE);
    CHECK(r.check().empty());

    Variant bad = test::mutant("ppc64-free-ignoring-neighbours");
    bad.ops.vmemmap_free = ppc64_free_ignoring_neighbours;
    KernelModel model(r.sc.machine, bad,
                      expand_alphabet(r.sc.machine, {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT}, {}),
                      select_invariants({}, "test"));
    const ExploreResult res = explore(model, {});
    REQUIRE(res.verdict == Verdict::VIOLATION);
    CHECK(res.violation->invariant == "vmemmap-free");
}

TEST_CASE("pagetables: HVO leaves self-hosted struct pages alone in 6.1 and splits node-memory PMDs") {
    Runner mom("88-hvo-memmap-on-memory-explore.toml");
    REQUIRE(mom.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(mom.act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    REQUIRE(mom.act(ActionKind::HUGETLB_ALLOC, 0) == 0);
    CHECK(mom.s.pt.hugetlb[0] == HUGETLB_ALLOCATED);  // not optimized: PageVmemmapSelfHosted()
    CHECK(mom.s.pt.entry[mom.slot(32)] == PT_LEAF);
    CHECK(!mom.observed(Observation::ALTMAP_FREED_TO_BUDDY));

    Runner bad("88-hvo-memmap-on-memory-explore.toml", "hvo-without-self-hosted-check");
    REQUIRE(bad.act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(bad.act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    REQUIRE(bad.act(ActionKind::HUGETLB_ALLOC, 0) == 0);
    CHECK(bad.s.pt.hugetlb[0] == HUGETLB_OPTIMIZED);
    CHECK(bad.observed(Observation::ALTMAP_FREED_TO_BUDDY));

    Runner buddy("89-hvo-split-pmd-explore.toml");
    const unsigned s = buddy.slot(32);
    REQUIRE(buddy.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(buddy.act(ActionKind::HUGETLB_ALLOC, 0) == -ENOMEM);  // offline block: no free range
    REQUIRE(buddy.act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    REQUIRE(buddy.act(ActionKind::HUGETLB_ALLOC, 0) == 0);
    CHECK(buddy.s.pt.hugetlb[0] == HUGETLB_OPTIMIZED);
    CHECK(buddy.s.pt.entry[s] == PT_SPLIT);
    REQUIRE(buddy.act(ActionKind::OFFLINE, 0) == 0);  // dissolve_free_huge_pages()
    CHECK(buddy.s.pt.hugetlb[0] == HUGETLB_NONE);
    CHECK(buddy.s.pt.entry[s] == PT_SPLIT);  // never coalesced
    REQUIRE(buddy.act(ActionKind::DIMM_EJECT, 0) == 0);
    CHECK(buddy.s.pt.entry[s] == PT_NONE);  // remove_pte_table() + free_pte_table()
    CHECK(buddy.check().empty());
}

TEST_CASE("pagetables: the page-table scenarios pass under v6.1 and the bug variants fail with their invariant") {
    CHECK(verdict_as("84-x86-pagetables-mom-explore.toml", "v6.1") == "pass");
    CHECK(verdict_as("85-x86-sub-pmd-explore.toml", "v6.1") == "pass");
    CHECK(verdict_as("85-x86-sub-pmd-explore.toml", "bug-8d400913c231") == "violation: vmemmap-pagetables");
    CHECK(verdict_as("86-arm64-pagetables-explore.toml", "v6.1") == "pass");
    CHECK(verdict_as("87-ppc64-pagetables-explore.toml", "v6.1") == "pass");
    CHECK(verdict_as("88-hvo-memmap-on-memory-explore.toml", "hvo-without-self-hosted-check") == "violation: altmap-free");
    CHECK(verdict_as("89-hvo-split-pmd-explore.toml", "v6.1") == "pass");
    // arm64: 6.1 frees the empty PMD table; seed 002's keep-tables design leaks it
    CHECK(verdict_as("90-arm64-vmemmap-table-free-explore.toml", "v6.1") == "pass");
    CHECK(verdict_as("90-arm64-vmemmap-table-free-explore.toml", "arm64-vmemmap-keep-tables") ==
          "violation: vmemmap-pagetables");
    CHECK(verdict_as("90-arm64-vmemmap-table-free-explore.toml", "arm64-v7-free-empty-tables") == "pass");
    CHECK(verdict_as("95-x86-pagetables-devices-explore.toml", "v6.1") == "pass");
    CHECK(verdict_as("bug-d4234d131b0a-arm64-subsection-pmd-shared.toml", "v6.1") == "pass");
    CHECK(verdict_as("bug-d4234d131b0a-arm64-subsection-pmd-shared.toml", "bug-d4234d131b0a") == "violation: vmemmap-free");
}

// --- page tables with ZONE_DEVICE ranges (sub-section hot-add) ------------------------------

TEST_CASE("pagetables: with devices a leaf's pieces follow the subsection runs of non-early sections") {
    const Scenario sc = load_scenario(scenario_path("bug-d4234d131b0a-arm64-subsection-pmd-shared.toml"));
    const PtLayout& l = sc.machine.pt;
    REQUIRE(l.enabled);
    CHECK(l.arch == PtArch::ARM64);
    REQUIRE(l.nr_slots == 1);  // section 32's 2 MiB of struct pages: one PMD block
    CHECK(l.first_leaf == 32);
    // namespace0 [0x100000, 0x101000), hole, namespace1 [0x102000, 0x103000), hole
    REQUIRE(l.nr_pieces[0] == 4);
    CHECK(l.piece_owner[0][0] == PT_PIECE_DEVICE - 0);
    CHECK(l.piece_lo[0][0] == 0x100000);
    CHECK(l.piece_hi[0][0] == 0x101000);
    CHECK(l.piece_owner[0][1] == PT_PIECE_HOLE);
    CHECK(l.piece_owner[0][2] == PT_PIECE_DEVICE - 1);
    CHECK(l.piece_lo[0][2] == 0x102000);
    CHECK(l.piece_hi[0][2] == 0x103000);
    CHECK(l.piece_owner[0][3] == PT_PIECE_HOLE);
    CHECK(l.piece_hi[0][3] == 0x108000);
    CHECK(pt_piece_device(l.piece_owner[0][2]) == 1);
    CHECK(pt_piece_device(PT_PIECE_BOOT) == -1);
    // a section holding boot memory stays one boot piece (sparse_init() mapped all of it)
    const Scenario x86 = load_scenario(scenario_path("95-x86-pagetables-devices-explore.toml"));
    CHECK(x86.machine.pt.enabled);
    CHECK(x86.machine.pt.nr_slots == 3);  // sections 32 (dimm0), 33, 34
}

TEST_CASE("pagetables: arm64 6.1 maps sub-section ranges with base pages, before d4234d131b0a they share a PMD block") {
    Runner r("bug-d4234d131b0a-arm64-subsection-pmd-shared.toml", "v6.1");
    const unsigned s = r.slot(32);
    REQUIRE(r.act(ActionKind::DEV_MAP, 0) == 0);
    CHECK(r.s.pt.entry[s] == PT_SPLIT);  // vmemmap_pmd_populate(): a PTE table
    CHECK(r.s.pt.unused[s] == 0b1110);   // only namespace0's PTEs
    REQUIRE(r.act(ActionKind::DEV_MAP, 1) == 0);
    CHECK(r.s.pt.unused[s] == 0b1010);
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 0) == 0);
    CHECK(!r.observed(Observation::VMEMMAP_FREED_IN_USE));
    CHECK(r.s.pt.entry[s] == PT_SPLIT);  // namespace1's PTEs keep the PTE table
    CHECK(r.s.pt.unused[s] == 0b1011);
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 1) == 0);
    CHECK(r.s.pt.entry[s] == PT_NONE);  // free_empty_pte_table()
    CHECK(r.check().empty());

    Runner bug("bug-d4234d131b0a-arm64-subsection-pmd-shared.toml");
    REQUIRE(bug.act(ActionKind::DEV_MAP, 0) == 0);
    CHECK(bug.s.pt.entry[s] == PT_LEAF);  // a 2 MiB block for 16 MiB of pmem
    REQUIRE(bug.act(ActionKind::DEV_MAP, 1) == 0);
    CHECK(bug.s.pt.entry[s] == PT_LEAF);  // vmemmap_verify(): shared
    REQUIRE(bug.act(ActionKind::DEV_UNMAP, 0) == 0);
    CHECK(bug.observed(Observation::VMEMMAP_FREED_IN_USE));  // unmap_hotplug_pmd_range() took the whole block
    CHECK(bug.s.pt.entry[s] == PT_NONE);
    CHECK(bug.check() == "vmemmap-pagetables: a section in use has its struct pages mapped");
}

TEST_CASE("pagetables: x86 6.1 gives a device's sub-section chunk base pages and its whole sections a PMD") {
    Runner r("95-x86-pagetables-devices-explore.toml");
    const unsigned s33 = r.slot(33), s34 = r.slot(34);
    REQUIRE(r.act(ActionKind::DEV_MAP, 0) == 0);
    CHECK(r.s.pt.entry[s33] == PT_LEAF);  // vmemmap_populate_hugepages() from the namespace's altmap
    CHECK(r.s.pt.backing[s33] == PT_BACKING_DEVICE + 0);
    CHECK(r.s.pt.entry[s34] == PT_SPLIT);  // vmemmap_populate_basepages(..., NULL)
    CHECK(r.s.pt.backing[s34] == PT_BACKING_BUDDY);
    REQUIRE(r.act(ActionKind::DEV_MAP, 1) == 0);
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 0) == 0);
    CHECK(!r.observed(Observation::VMEMMAP_FREED_IN_USE));
    CHECK(!r.observed(Observation::ALTMAP_FREED_TO_BUDDY));
    CHECK(r.s.pt.entry[s33] == PT_NONE);
    CHECK(r.s.pt.entry[s34] == PT_SPLIT);  // namespace1 still has PTEs in it
    CHECK(r.check().empty());
    REQUIRE(r.act(ActionKind::DEV_UNMAP, 1) == 0);
    CHECK(r.s.pt.entry[s34] == PT_NONE);  // remove_pte_table() + free_pte_table()
    CHECK(r.check().empty());
    // I19 sees a present subsection whose PTEs are gone
    REQUIRE(r.act(ActionKind::DEV_MAP, 1) == 0);
    r.s.pt.unused[s34] = static_cast<std::uint16_t>(r.s.pt.unused[s34] | 0xff);
    CHECK(r.check() == "vmemmap-pagetables: a section in use has its struct pages mapped");
}

TEST_CASE("pagetables: bad input is one line naming line and field") {
    auto load_error = [](const std::string& toml) {
        const std::string path = std::string("/tmp/hpcheck-pagetables-") + std::to_string(::getpid()) + ".toml";
        { std::ofstream(path) << toml; }
        std::string what;
        try {
            load_scenario(path);
        } catch (const ScenarioError& e) {
            what = e.what();
        }
        std::remove(path.c_str());
        return what.rfind(path + ":", 0) == 0 ? what.substr(path.size() + 1) : "not a one-line error: " + what;
    };
    const std::string arm = "name = \"x\"\n[geometry]\npreset = \"arm64-4k\"\n[[boot]]\nstart_pfn = 0x40000\n"
                            "end_pfn = 0x80000\n[[dimm]]\nname = \"d\"\nsize_mb = 128\nbase_pfn = 0x100000\n"
                            "[explore]\nactions = [\"add\"]\n";
    CHECK(load_error(arm + "[kernel]\nhugetlb_optimize_vmemmap = true\n") ==
          "14: kernel.hugetlb_optimize_vmemmap: HVO is modelled for x86_64 with 4K pages and 64-byte struct pages");
    CHECK(load_error(arm + "[kernel]\npagetables = \"yes\"\n") == "14: kernel.pagetables: expected true or false");
    const std::string x86 = "name = \"x\"\nboot_ram_mb = 1024\n[[dimm]]\nname = \"d\"\nsize_mb = 128\n[explore]\n";
    CHECK(load_error(x86 + "actions = [\"hugetlb_alloc\"]\n")
              .rfind("7: explore.actions[0]: hugetlb_alloc/hugetlb_free need [kernel] pagetables", 0) == 0);
    // 40 DIMMs' worth of struct pages is more vmemmap leaves than the model keeps
    CHECK(load_error("name = \"x\"\nboot_ram_mb = 1024\n[kernel]\npagetables = true\n[[dimm]]\nname = \"d\"\n"
                     "size_mb = 128\n[[dimm]]\nname = \"e\"\nsize_mb = 128\nbase_pfn = 0x1000000\n"
                     "[explore]\nactions = [\"add\"]\n")
              .rfind("4: kernel.pagetables: the hot-pluggable memory's struct pages span", 0) == 0);
}
