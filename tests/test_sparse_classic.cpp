// SPARSEMEM without VMEMMAP (spec/ops/sparse_classic.cpp, KernelState::section_maps): the
// teardown order of section_deactivate() against the memmap address in section_mem_map
// (d41e2f3bd546) and the early-section path (free_map_bootmem(), the kept PageReserved usage).
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "checker/run.hpp"
#include "helpers.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {

Scenario scenario(const char* file) {
    return load_scenario(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file);
}

unsigned dimm_named(const Machine& m, const char* name) {
    for (unsigned d = 0; d < m.dimms.size(); ++d)
        if (m.dimms[d].name == name) return d;
    FAIL("no DIMM " << name);
    return 0;
}

bool freed_bad_address(const StepResult& r) {
    for (int i = 0; i < r.nobs; ++i)
        if (r.obs[i].kind == Observation::MEMMAP_FREED_BAD_ADDRESS) return true;
    return false;
}

// Offline every block of DIMM d (online at boot), then eject it.
void offline_and_eject(const Machine& m, const KernelOps& ops, KernelState& s, unsigned d, StepResult& eject) {
    for (unsigned b = m.dimm_first_block[d]; b < m.dimm_first_block[d] + m.dimms[d].nr_blocks; ++b)
        REQUIRE(apply_action(m, ops, s, Action{ActionKind::OFFLINE, static_cast<std::uint8_t>(b), 1, {}}).rc == 0);
    eject = apply_action(m, ops, s, Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d), 1, {}});
    REQUIRE(eject.rc == 0);
}

}  // namespace

TEST_CASE("sparse without vmemmap: a cold-plugged section is early, freed by free_map_bootmem(), keeps its usage") {
    const Scenario sc = scenario("96-no-vmemmap-coldplug-explore.toml");
    const Machine& m = sc.machine;
    REQUIRE(keeps_section_maps(m));
    const KernelOps& ops = find_variant("v6.1")->ops;
    const unsigned d0 = dimm_named(m, "d0");
    const unsigned b0 = m.dimm_first_block[d0];
    const int nid = m.dimms[d0].node;
    KernelState s = initial_state(m);
    // Present at boot: SECTION_IS_EARLY with the memmap address, the memblock memmap counted.
    CHECK(s.blocks[b0].section_valid != 0);
    CHECK(s.section_maps[b0].early == s.blocks[b0].section_valid);
    CHECK(s.section_maps[b0].mem_map == s.blocks[b0].section_valid);
    CHECK(s.buddy_vmemmap_pages[nid] != 0u);

    StepResult eject;
    offline_and_eject(m, ops, s, d0, eject);
    CHECK_FALSE(freed_bad_address(eject));
    CHECK(s.blocks[b0].section_valid == 0);
    CHECK(s.section_maps[b0].mem_map == 0);
    CHECK(s.section_maps[b0].early == 0);
    CHECK(s.buddy_vmemmap_pages[nid] == 0u);  // put_page_bootmem() gave every memmap page back

    // The re-add reuses the kept usage: section_activate() allocates nothing before the
    // memmap, so the section-enomem fault point (kzalloc of the usage) is never reached.
    const StepResult add =
        apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d0), 1, {FaultKind::SECTION_ENOMEM, 0}});
    CHECK(add.rc == 0);
    CHECK_FALSE(add.fault_fired);
    CHECK_FALSE(add.reach.reaches(Fault{FaultKind::SECTION_ENOMEM, 0}));
    CHECK(s.section_maps[b0].mem_map == s.blocks[b0].section_valid);
    CHECK(s.section_maps[b0].early == 0);  // no longer an early section

    // A hot-plugged DIMM's section allocates its usage: the fault point is there.
    const unsigned d1 = dimm_named(m, "d1");
    KernelState t = initial_state(m);
    const StepResult hot =
        apply_action(m, ops, t, Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d1), 1, {FaultKind::SECTION_ENOMEM, 0}});
    CHECK(hot.fault_fired);
}

TEST_CASE("sparse without vmemmap: d41e2f3bd546's order spares early sections, not a re-added one") {
    const Scenario sc = scenario("96-no-vmemmap-coldplug-explore.toml");
    const Machine& m = sc.machine;
    const unsigned d0 = dimm_named(m, "d0");
    const int nid = m.dimms[d0].node;
    for (const char* name : {"bug-d41e2f3bd546", "v6.1"}) {
        CAPTURE(std::string(name));
        const bool buggy = std::string(name) != "v6.1";
        const KernelOps& ops = find_variant(name)->ops;
        KernelState s = initial_state(m);
        StepResult eject;
        offline_and_eject(m, ops, s, d0, eject);
        // The early section's memmap was decoded before the address was cleared: freed either way.
        CHECK_FALSE(freed_bad_address(eject));
        CHECK(s.buddy_vmemmap_pages[nid] == 0u);
        REQUIRE(apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d0), 1, {}}).rc == 0);
        const u32 readded = s.buddy_vmemmap_pages[nid];
        CHECK(readded != 0u);
        const StepResult again = apply_action(m, ops, s, Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d0), 1, {}});
        REQUIRE(again.rc == 0);
        // Not early any more: depopulate_section_memmap() -> kvfree(pfn_to_page(pfn)).
        CHECK(freed_bad_address(again) == buggy);
        CHECK(s.buddy_vmemmap_pages[nid] == (buggy ? readded : 0u));  // the kvmalloc_node()ed memmap leaks
        CHECK(s.section_maps[m.dimm_first_block[d0]].mem_map == 0);
    }
}

namespace {
// depopulate_section_memmap() that forgets the kvfree() (a leak without a bad address).
void depopulate_forgetting_kvfree(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const int b = k.m.block_of_pfn(pfn);
    const u32 pages = k.s.buddy_vmemmap_pages[k.m.blocks[b].nid];
    base::depopulate_section_memmap(k, pfn, nr_pages, altmap);
    k.s.buddy_vmemmap_pages[k.m.blocks[b].nid] = pages;
}
}  // namespace

TEST_CASE("sparse without vmemmap: section-memmap names the bad free, and a memmap that is never freed") {
    const Scenario sc = scenario("bug-d41e2f3bd546-no-vmemmap-section-mem-map-cleared-first.toml");
    const std::vector<ActionKind> kinds = {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT};
    const auto explore_only_i24 = [&](const Variant& v) {
        KernelModel model(sc.machine, v, expand_alphabet(sc.machine, kinds, {}), select_invariants({"section-memmap"}, "test"));
        return explore(model, Limits{});
    };
    const ExploreResult bug = explore_only_i24(*find_variant("bug-d41e2f3bd546"));
    REQUIRE(bug.verdict == Verdict::VIOLATION);
    REQUIRE(bug.violation.has_value());
    CHECK(bug.violation->conjunct == "the memmap is freed through the address section_mem_map still holds");
    CHECK(bug.violation->detail.find("kvfree()d pfn_to_page(0x100000) of memory32") != std::string::npos);
    CHECK(bug.trace.size() == 2);  // add, eject

    Variant leak = test::mutant("no-vmemmap-kvfree-forgotten");
    leak.ops.depopulate_section_memmap = depopulate_forgetting_kvfree;
    const ExploreResult r = explore_only_i24(leak);
    REQUIRE(r.verdict == Verdict::VIOLATION);
    REQUIRE(r.violation.has_value());
    CHECK(r.violation->conjunct == "every memmap is freed when its section is removed (no leak)");

    CHECK(explore_only_i24(*find_variant("v6.1")).verdict == Verdict::PASS);
}

TEST_CASE("sparse without vmemmap: section_maps are packed only without VMEMMAP (or with a cold-plugged DIMM), and round-trip") {
    const Scenario with = scenario("19-four-dimms-explore.toml");  // VMEMMAP, no cold-plugged DIMM
    REQUIRE(with.machine.params.sparsemem_vmemmap);
    REQUIRE_FALSE(with.machine.has_coldplug());
    CHECK_FALSE(keeps_section_maps(with.machine));
    const KernelState boot = initial_state(with.machine);
    for (unsigned b = 0; b < with.machine.blocks.size(); ++b) {
        CHECK(boot.section_maps[b].mem_map == 0);
        CHECK(boot.section_maps[b].early == 0);
    }
    const Scenario without = scenario("96-no-vmemmap-coldplug-explore.toml");
    const Machine& m = without.machine;
    Machine same = m;
    same.params.sparsemem_vmemmap = true;
    for (Dimm& d : same.dimms) d.coldplug = false;  // a cold-plugged DIMM keeps them with VMEMMAP too (early sections)
    CHECK(packed_words(m) == packed_words(same) + m.blocks.size());  // one word per block
    KernelState s = initial_state(m);
    REQUIRE(apply_action(m, find_variant("v6.1")->ops, s,
                         Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(dimm_named(m, "d1")), 1, {}})
                .rc == 0);
    std::vector<std::uint32_t> words(packed_words(m));
    pack(m, s, words.data());
    KernelState back = initial_state(m);
    back.section_maps[0] = SectionMapState{0xffff, 0xffff};  // overwritten by unpack()
    unpack(m, words.data(), back);
    CHECK(back == s);
}

// Scenario 97, a model finding (docs/bugs-found.md): section_activate()'s error path after a
// failed kvmalloc_node() of the memmap runs section_deactivate() before sparse_init_one_section()
// set section_mem_map, so depopulate_section_memmap() kvfree()s (struct page *)0 + pfn. 6.1 and
// 6.12 have the same code; the fixed form frees only an address section_mem_map holds.
TEST_CASE("sparse without vmemmap: a failed kvmalloc_node() of the memmap kvfree()s pfn_to_page() of a NULL "
          "section_mem_map (6.1, 6.12), the fixed form frees nothing") {
    const Scenario sc = scenario("97-no-vmemmap-memmap-enomem-explore.toml");
    const Machine& m = sc.machine;
    REQUIRE(keeps_section_maps(m));
    const unsigned d0 = dimm_named(m, "d0"), d1 = dimm_named(m, "d1");
    const unsigned b0 = m.dimm_first_block[d0], b1 = m.dimm_first_block[d1];
    const Action add_d1{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d1), 1, {FaultKind::MEMMAP_ENOMEM, 0}};
    const Action add_d0{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d0), 1, {FaultKind::MEMMAP_ENOMEM, 0}};
    for (const char* name : {"v6.1", "v6.12", "no-vmemmap-memmap-enomem-fix"}) {
        CAPTURE(std::string(name));
        const bool buggy = std::string(name) != "no-vmemmap-memmap-enomem-fix";
        const KernelOps& ops = find_variant(name)->ops;

        // A hot-added section: the usage is kzalloc()ed, then the memmap allocation fails.
        KernelState s = initial_state(m);
        const u32 boot_pages = s.buddy_vmemmap_pages[m.dimms[d1].node];
        const StepResult add = apply_action(m, ops, s, add_d1);
        CHECK(add.rc == -ENOMEM);
        CHECK(add.fault_fired);
        CHECK(freed_bad_address(add) == buggy);
        CHECK(s.blocks[b1].section_valid == 0);
        CHECK(s.blocks[b1].section_usage == 0);  // section_deactivate() freed the usage
        CHECK(s.section_maps[b1].mem_map == 0);
        CHECK(s.buddy_vmemmap_pages[m.dimms[d1].node] == boot_pages);  // nothing was allocated, nothing leaks
        // The DIMM can be added again, and ejected, with its memmap freed through section_mem_map.
        REQUIRE(apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d1), 1, {}}).rc == 0);
        const StepResult eject = apply_action(m, ops, s, Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d1), 1, {}});
        REQUIRE(eject.rc == 0);
        CHECK_FALSE(freed_bad_address(eject));
        CHECK(s.buddy_vmemmap_pages[m.dimms[d1].node] == boot_pages);

        // A re-added cold-plugged section reuses its PageReserved boot usage (no section-enomem
        // point) but kvmalloc_node()s its memmap like any other: the same error path.
        KernelState t = initial_state(m);
        StepResult gone;
        offline_and_eject(m, ops, t, d0, gone);
        const StepResult readd = apply_action(m, ops, t, add_d0);
        CHECK(readd.rc == -ENOMEM);
        CHECK(readd.fault_fired);
        CHECK_FALSE(readd.reach.reaches(Fault{FaultKind::SECTION_ENOMEM, 0}));
        CHECK(freed_bad_address(readd) == buggy);
        CHECK(t.section_maps[b0].mem_map == 0);
        CHECK(t.buddy_vmemmap_pages[m.dimms[d0].node] == 0u);
    }

    // The whole exploration: the finding under 6.1 and 6.12, found at depth 1 (the failed add).
    // The fixed form frees nothing bad, but the exploration goes on to scenario 98's finding:
    // the failed add of the two-block cold-plugged d0 leaves its first block's section present
    // (x86 __add_pages() does not undo it), the eject removes nothing, and the re-add
    // overwrites that section's section_mem_map (fill_subsection_map() is 0 without VMEMMAP):
    // a memmap leaks.
    for (const char* name : {"v6.1", "v6.12", "no-vmemmap-memmap-enomem-fix"}) {
        CAPTURE(std::string(name));
        RunOptions opt;
        opt.variant_override = name;
        const RunResult r = run_scenario(sc, opt);
        if (std::string(name) == "no-vmemmap-memmap-enomem-fix") {
            REQUIRE(r.explore.verdict == Verdict::VIOLATION);
            REQUIRE(r.explore.violation.has_value());
            CHECK(r.explore.violation->conjunct == "every memmap is freed when its section is removed (no leak)");
            REQUIRE(r.trace.size() == 4);  // eject d0, add d0 [memmap-enomem#1], eject d0, add d0
            CHECK(r.trace[1].fault.kind == FaultKind::MEMMAP_ENOMEM);
            CHECK(r.trace[3].kind == ActionKind::DIMM_ADD);
            continue;
        }
        REQUIRE(r.explore.verdict == Verdict::VIOLATION);
        REQUIRE(r.explore.violation.has_value());
        CHECK(r.explore.violation->invariant == "section-memmap");
        CHECK(r.explore.violation->detail.find("section_mem_map was never set") != std::string::npos);
        CHECK(r.trace.size() == 1);
    }
}

// KernelModel::step() skips a faulted add whose fault point the unfaulted run never reached
// (FaultReach): check that for memmap-enomem against running the action, on a random walk over
// scenario 97's machine (a re-added cold-plugged section reaches it, section-enomem not).
TEST_CASE("sparse without vmemmap: a memmap-enomem choice is skipped exactly when it would not fire") {
    const Scenario sc = scenario("97-no-vmemmap-memmap-enomem-explore.toml");
    const Machine& m = sc.machine;
    const Variant& v = *find_variant("no-vmemmap-memmap-enomem-fix");
    const std::vector<ActionKind> kinds = {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT, ActionKind::ONLINE_MOVABLE,
                                           ActionKind::OFFLINE};
    KernelModel model(m, v, expand_alphabet(m, kinds, {FaultKind::MEMMAP_ENOMEM, FaultKind::SECTION_ENOMEM}),
                      select_invariants({}, "test"));
    KernelState s = initial_state(m), out = s, direct = s;
    Violation viol;
    unsigned seed = 97, skipped = 0, fired = 0, memmap_fired = 0;
    for (int i = 0; i < 300; ++i) {
        for (unsigned a = 0; a < model.action_count(); ++a) {
            const Action& act = model.action(a);
            const StepOutcome o = model.step(s, a, out, &viol);
            if (act.fault.kind == FaultKind::NONE || o == StepOutcome::DISABLED) continue;
            direct = s;
            const bool fires = apply_action(m, v.ops, direct, act).fault_fired;
            CHECK(fires == (o != StepOutcome::SKIPPED));
            ++(fires ? fired : skipped);
            if (fires && act.fault.kind == FaultKind::MEMMAP_ENOMEM) ++memmap_fired;
        }
        for (int tries = 0; tries < 100; ++tries) {  // one random enabled unfaulted step
            seed = seed * 1103515245 + 12345;
            const Action& a = model.action((seed >> 8) % model.action_count());
            if (a.fault.kind != FaultKind::NONE || !action_enabled(m, s, a)) continue;
            apply_action(m, v.ops, s, a);
            break;
        }
    }
    CHECK(skipped > 10);
    CHECK(memmap_fired > 10);
    CHECK(fired > memmap_fired);  // section-enomem fires too, for the hot-added DIMM
}

// Scenario 98, a model finding (docs/bugs-found.md): without VMEMMAP fill_subsection_map() is
// "return 0" (6.1, 6.12), so re-adding a section that a failed add left present populates it
// again and overwrites section_mem_map; the first memmap is never freed. With VMEMMAP the same
// add stops at -EEXIST.
TEST_CASE("sparse without vmemmap: re-adding a section left present by a failed add overwrites its memmap") {
    const Scenario sc = scenario("98-no-vmemmap-readd-leftover-section.toml");
    const Machine& m = sc.machine;
    REQUIRE_FALSE(m.params.sparsemem_vmemmap);
    const KernelOps& ops = find_variant("v6.1")->ops;
    const unsigned b = m.dimm_first_block[0];
    const Geometry& g = m.geo;
    const u32 per_section = static_cast<u32>((g.memmap_bytes(g.pages_per_section) + g.page_size - 1) / g.page_size);
    const unsigned spb = static_cast<unsigned>(g.pages_per_block / g.pages_per_section);
    REQUIRE(spb == 16);
    for (const bool vmemmap : {false, true}) {
        CAPTURE(vmemmap);
        Machine mm = m;
        mm.params.sparsemem_vmemmap = vmemmap;
        KernelState s = initial_state(mm);
        const u32 boot = s.buddy_vmemmap_pages[0];
        const StepResult failed = apply_action(mm, ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {FaultKind::SECTION_ENOMEM, 1}});
        REQUIRE(failed.rc == -ENOMEM);
        CHECK(s.blocks[b].section_valid == 1u);  // the first section is left behind
        CHECK(s.buddy_vmemmap_pages[0] == boot + per_section);
        REQUIRE(apply_action(mm, ops, s, Action{ActionKind::DIMM_EJECT, 0, 1, {}}).rc == 0);
        CHECK(s.blocks[b].section_valid == 1u);  // eject removed nothing
        const StepResult again = apply_action(mm, ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {}});
        // "if (!ms->usage)": the present section has one, so only the other 15 reach kzalloc().
        CHECK(again.reach.visits[static_cast<int>(FaultKind::SECTION_ENOMEM)] == (vmemmap ? 0u : spb - 1));
        if (vmemmap) {
            CHECK(again.rc == -EEXIST);  // fill_subsection_map(): the subsections are present
            CHECK(s.buddy_vmemmap_pages[0] == boot + per_section);
            continue;
        }
        CHECK(again.rc == 0);
        CHECK(s.blocks[b].section_valid == (1u << spb) - 1);
        // 17 memmaps for 16 present sections: the first section's first memmap lost its address.
        CHECK(s.buddy_vmemmap_pages[0] == boot + (spb + 1) * per_section);
        CHECK(s.section_maps[b].mem_map == s.blocks[b].section_valid);
    }
    const RunResult r = run_scenario(sc, RunOptions{});
    REQUIRE(r.explore.verdict == Verdict::VIOLATION);
    REQUIRE(r.explore.violation.has_value());
    CHECK(r.explore.violation->invariant == "section-memmap");
    CHECK(r.explore.violation->conjunct == "every memmap is freed when its section is removed (no leak)");
}
