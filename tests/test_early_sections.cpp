// Early sections with SPARSEMEM_VMEMMAP (issue 10): a cold-plugged DIMM's sections are
// SECTION_IS_EARLY with VMEMMAP as without it (mm/sparse.c section_deactivate() is one function
// for both configs, 6.1 and 6.12): free_map_bootmem() (= vmemmap_free(start, end, NULL)) gives the
// boot memmap back, the memblock (PageReserved) usage is kept and a re-add reuses it, no longer
// early. 8068df3b6037's buggy form kfree()s that usage on the second removal.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "checker/run.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {

Scenario scenario(const char* file) {
    return load_scenario(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file);
}

bool observed(const StepResult& r, Observation::Kind kind) {
    for (int i = 0; i < r.nobs; ++i)
        if (r.obs[i].kind == kind) return true;
    return false;
}

StepResult eject_dimm(const Machine& m, const KernelOps& ops, KernelState& s, unsigned d, bool offline_first) {
    if (offline_first)
        for (unsigned b = m.dimm_first_block[d]; b < m.dimm_first_block[d] + m.dimms[d].nr_blocks; ++b)
            REQUIRE(apply_action(m, ops, s, Action{ActionKind::OFFLINE, static_cast<std::uint8_t>(b), 1, {}}).rc == 0);
    const StepResult r = apply_action(m, ops, s, Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d), 1, {}});
    REQUIRE(r.rc == 0);
    return r;
}

}  // namespace

TEST_CASE("early sections with VMEMMAP: a cold-plugged section is early, its usage kept and reused by a re-add") {
    const Scenario sc = scenario("49-movable-node-boot-bottom-up-explore.toml");
    const Machine& m = sc.machine;
    REQUIRE(m.params.sparsemem_vmemmap);
    REQUIRE(keeps_section_maps(m));
    const KernelOps& ops = find_variant("v6.1")->ops;
    unsigned d0 = 0;
    while (!m.dimms[d0].coldplug) ++d0;
    const unsigned b0 = m.dimm_first_block[d0];
    KernelState s = initial_state(m);
    CHECK(s.blocks[b0].section_valid != 0);
    CHECK(s.section_maps[b0].early == s.blocks[b0].section_valid);
    CHECK(s.section_maps[b0].mem_map == s.blocks[b0].section_valid);
    const KernelState boot = s;

    const StepResult eject = eject_dimm(m, ops, s, d0, true);
    CHECK_FALSE(observed(eject, Observation::USAGE_FREED_RESERVED));
    CHECK(s.blocks[b0].section_valid == 0);
    CHECK(s.section_maps[b0].early == 0);
    const int nid = m.blocks[b0].nid;
    CHECK(s.buddy_vmemmap_pages[nid] < boot.buddy_vmemmap_pages[nid]);  // free_map_bootmem(): vmemmap_free(.., NULL)
    const u32 after_first = s.buddy_vmemmap_pages[nid];

    // "if (!ms->usage)": the kept memblock usage is reused, so the usage's kzalloc() (the
    // section-enomem point) is never reached; the section is no longer early.
    const StepResult add =
        apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d0), 1, {FaultKind::SECTION_ENOMEM, 0}});
    CHECK(add.rc == 0);
    CHECK_FALSE(add.fault_fired);
    CHECK_FALSE(add.reach.reaches(Fault{FaultKind::SECTION_ENOMEM, 0}));
    CHECK(s.section_maps[b0].mem_map == s.blocks[b0].section_valid);
    CHECK(s.section_maps[b0].early == 0);

    // The second removal: PageReserved(virt_to_page(ms->usage)) keeps the usage again.
    const StepResult again = eject_dimm(m, ops, s, d0, false);
    CHECK_FALSE(observed(again, Observation::USAGE_FREED_RESERVED));
    CHECK(s.buddy_vmemmap_pages[nid] == after_first);  // the re-add's memmap came from node memory and went back
    CHECK(s.section_maps[b0].mem_map == 0);

    // A hot-plugged DIMM's section allocates its usage: the fault point is there.
    unsigned d1 = 0;
    while (m.dimms[d1].coldplug) ++d1;
    KernelState t = initial_state(m);
    CHECK(apply_action(m, ops, t, Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d1), 1, {FaultKind::SECTION_ENOMEM, 0}})
              .fault_fired);
}

TEST_CASE("early sections with VMEMMAP: section_maps are packed only with a cold-plugged DIMM") {
    const Scenario plain = scenario("bug-b943f045a9af-usage-freed-before-has-mem-map.toml");
    REQUIRE(plain.machine.params.sparsemem_vmemmap);
    REQUIRE_FALSE(plain.machine.has_coldplug());
    CHECK_FALSE(keeps_section_maps(plain.machine));
    const Scenario sc = scenario("bug-8068df3b6037-readded-early-section-usage-kfree.toml");
    Machine none = sc.machine;
    for (Dimm& d : none.dimms) d.coldplug = false;
    CHECK(packed_words(sc.machine) == packed_words(none) + sc.machine.blocks.size());
}

TEST_CASE("early sections with VMEMMAP: 8068df3b6037's buggy form kfree()s the reused memblock usage") {
    const Scenario sc = scenario("bug-8068df3b6037-readded-early-section-usage-kfree.toml");
    const Machine& m = sc.machine;
    for (const char* name : {"bug-8068df3b6037", "v6.1"}) {
        CAPTURE(std::string(name));
        const bool buggy = std::string(name) != "v6.1";
        const KernelOps& ops = find_variant(name)->ops;
        KernelState s = initial_state(m);
        // The first removal: the section is early, both forms keep the usage.
        CHECK_FALSE(observed(eject_dimm(m, ops, s, 0, true), Observation::USAGE_FREED_RESERVED));
        REQUIRE(apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {}}).rc == 0);
        // The second: no longer early, the usage is still the memblock one.
        CHECK(observed(eject_dimm(m, ops, s, 0, false), Observation::USAGE_FREED_RESERVED) == buggy);
    }
    // The exploration: found by usage-lifetime after eject (which offlines the block), add, eject.
    RunOptions opt;
    opt.variant_override = "bug-8068df3b6037";
    const RunResult r = run_scenario(sc, opt);
    REQUIRE(r.explore.verdict == Verdict::VIOLATION);
    REQUIRE(r.explore.violation.has_value());
    CHECK(r.explore.violation->invariant == "usage-lifetime");
    CHECK(r.explore.violation->conjunct == "ms->usage is freed only if section_activate() kzalloc()ed it");
    CHECK(r.trace.size() == 3);
}
