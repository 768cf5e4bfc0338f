// memmap-enomem with SPARSEMEM_VMEMMAP (issue 10): populate_section_memmap() returns NULL when
// vmemmap_populate() fails (mm/sparse-vmemmap.c __populate_section_memmap(), 6.1 and 6.12), and
// section_activate() undoes the section with section_deactivate() as without VMEMMAP. The model
// fails before anything of the chunk is mapped, so the undo frees the usage and nothing else.
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
}  // namespace

TEST_CASE("vmemmap memmap-enomem: a failed add of a one-section block changes nothing, with and without an altmap") {
    const Scenario sc = scenario("99-vmemmap-memmap-enomem-explore.toml");
    const KernelOps& ops = find_variant("v6.1")->ops;
    for (const bool mom : {true, false}) {
        CAPTURE(mom);
        Machine m = sc.machine;
        if (!mom) m.params.memmap_on_memory = MemmapMode::DISABLE;
        REQUIRE(m.params.sparsemem_vmemmap);
        const KernelState before = initial_state(m);
        // The undo leaves exactly what a failed kzalloc() of the usage leaves (the DIMM plugged,
        // not enabled): the usage freed again, no vmemmap page freed that was not taken.
        KernelState s = before, t = before;
        const StepResult r = apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {FaultKind::MEMMAP_ENOMEM, 0}});
        CHECK(r.rc == -ENOMEM);
        CHECK(r.fault_fired);
        REQUIRE(apply_action(m, ops, t, Action{ActionKind::DIMM_ADD, 0, 1, {FaultKind::SECTION_ENOMEM, 0}}).rc == -ENOMEM);
        CHECK(s == t);
        CHECK(s.buddy_vmemmap_pages[0] == before.buddy_vmemmap_pages[0]);
        CHECK(s.blocks[m.dimm_first_block[0]].altmap_alloc == 0);
        CHECK(s.blocks[m.dimm_first_block[0]].section_usage == 0);
        // Then the add succeeds, and a failed add of the second DIMM leaves the first alone.
        REQUIRE(apply_action(m, ops, s, Action{ActionKind::DIMM_EJECT, 0, 1, {}}).rc == 0);
        REQUIRE(apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {}}).rc == 0);
        const KernelState added = s;
        t = s;
        CHECK(apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, 1, 1, {FaultKind::MEMMAP_ENOMEM, 0}}).rc == -ENOMEM);
        CHECK(apply_action(m, ops, t, Action{ActionKind::DIMM_ADD, 1, 1, {FaultKind::SECTION_ENOMEM, 0}}).rc == -ENOMEM);
        CHECK(s == t);
        CHECK(s.buddy_vmemmap_pages[0] == added.buddy_vmemmap_pages[0]);
    }
}

TEST_CASE("vmemmap memmap-enomem: a failed section of a multi-section block keeps the sections before it") {
    const Scenario sc = scenario("100-ppc64-vmemmap-memmap-enomem-explore.toml");
    const Machine& m = sc.machine;
    const KernelOps& ops = find_variant("v6.1")->ops;
    const unsigned b = m.dimm_first_block[0];
    KernelState s = initial_state(m);
    const u32 boot_pages = s.buddy_vmemmap_pages[0];
    const StepResult r = apply_action(m, ops, s, Action{ActionKind::DIMM_ADD, 0, 1, {FaultKind::MEMMAP_ENOMEM, 2}});
    CHECK(r.rc == -ENOMEM);
    CHECK(r.fault_fired);
    CHECK(s.blocks[b].section_valid == 0x3u);  // __add_pages() does not undo sections 0 and 1
    CHECK(s.blocks[b].section_usage == 0x3u);  // section 2's usage was freed by section_deactivate()
    const Geometry& g = m.geo;
    const u32 per_section = static_cast<u32>((g.memmap_bytes(g.pages_per_section) + g.page_size - 1) / g.page_size);
    CHECK(s.buddy_vmemmap_pages[0] == boot_pages + 2 * per_section);  // nothing freed for section 2
}

TEST_CASE("vmemmap memmap-enomem: both scenarios pass every interleaving, and the fault fires") {
    for (const char* file : {"99-vmemmap-memmap-enomem-explore.toml", "100-ppc64-vmemmap-memmap-enomem-explore.toml"}) {
        CAPTURE(std::string(file));
        const RunResult r = run_scenario(scenario(file), RunOptions{});
        CHECK(r.explore.verdict == Verdict::PASS);
        bool fault_never_fired = false;
        for (const std::string& w : r.warnings)
            if (w.find("memmap-enomem") != std::string::npos) fault_never_fired = true;
        CHECK_FALSE(fault_never_fired);
    }
}
