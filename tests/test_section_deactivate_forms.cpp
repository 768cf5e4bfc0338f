// section_deactivate() of a memory block's section in the forms the kernel had
// (spec/ops/section_deactivate.{hpp,cpp}): v5.4 has 5.4's (before 8068df3b6037, d41e2f3bd546,
// b943f045a9af and 5ec8e8ea8b77), v5.12 5.12's (before 5ec8e8ea8b77 only), and every variant
// whose form differs from 6.1's follows the early-section rules (free_map_bootmem(), the
// memblock usage kept) instead of a copy that ignores them. And the device populate with an
// altmap that runs out (issue 10, deep16 item 3).
#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "helpers.hpp"
#include "spec/action.hpp"
#include "spec/variant.hpp"

using namespace hp;

using test::logged;
using test::observed;
using test::scenario_path;
using test::verdict_as;

TEST_CASE("section_deactivate forms: v5.4 has the two bugs fixed after it (8068df3b6037, d41e2f3bd546), v5.12 neither") {
    CHECK(verdict_as("bug-8068df3b6037-readded-early-section-usage-kfree.toml", "v5.4") == "violation: usage-lifetime");
    CHECK(verdict_as("bug-d41e2f3bd546-no-vmemmap-section-mem-map-cleared-first.toml", "v5.4") ==
          "violation: section-memmap");
    for (const char* f : {"bug-8068df3b6037-readded-early-section-usage-kfree.toml",
                          "bug-d41e2f3bd546-no-vmemmap-section-mem-map-cleared-first.toml"}) {
        CAPTURE(std::string(f));
        CHECK(verdict_as(f, "v5.12") == "pass");
    }
}

TEST_CASE("section_deactivate forms: 5ec8e8ea8b77 (kfree_rcu) is after 5.12: v5.12 races like usage-kfree-no-rcu") {
    CHECK(verdict_as("79-usage-kfree-rcu-threads.toml", "v6.1") == "pass");
    CHECK(verdict_as("79-usage-kfree-rcu-threads.toml", "v5.12") == "violation: no-use-after-free");
    // The bug variant takes v5.12's function by name.
    const bool reused = find_variant("usage-kfree-no-rcu")->ops.section_deactivate == find_variant("v5.12")->ops.section_deactivate;
    CHECK(reused);
}

TEST_CASE("section_deactivate forms: every form gives an early section's memmap back with free_map_bootmem() and keeps its usage") {
    const Scenario sc = load_scenario(scenario_path("49-movable-node-boot-bottom-up-explore.toml"));
    const Machine& m = sc.machine;
    REQUIRE(keeps_section_maps(m));
    unsigned d0 = 0;
    while (!m.dimms[d0].coldplug) ++d0;
    const unsigned b0 = m.dimm_first_block[d0];
    const int nid = m.blocks[b0].nid;
    for (const char* name : {"v6.1", "v5.12", "v5.4", "usage-kfree-no-rcu", "bug-b943f045a9af", "bug-d41e2f3bd546",
                             "bug-8068df3b6037", "rfc-2019", "rfc-2019-forward-free"}) {
        CAPTURE(std::string(name));
        const KernelOps& ops = find_variant(name)->ops;
        KernelState s = initial_state(m);
        const u32 boot_pages = s.buddy_vmemmap_pages[nid];
        for (unsigned b = b0; b < b0 + m.dimms[d0].nr_blocks; ++b)
            REQUIRE(apply_action(m, ops, s, Action{ActionKind::OFFLINE, static_cast<std::uint8_t>(b), 1, {}}).rc == 0);
        CallLog log;
        const StepResult eject =
            apply_action(m, ops, s, Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d0), 1, {}}, &log);
        REQUIRE(eject.rc == 0);
        CHECK(logged(log, "free_map_bootmem"));
        CHECK_FALSE(observed(eject, Observation::USAGE_FREED_RESERVED));
        CHECK(s.blocks[b0].section_valid == 0);
        CHECK(s.section_maps[b0].early == 0);
        CHECK(s.buddy_vmemmap_pages[nid] < boot_pages);
        // The re-add reuses the kept usage: its kzalloc() (the section-enomem point) is not reached.
        const StepResult add = apply_action(m, ops, s,
                                            Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d0), 1,
                                                   {FaultKind::SECTION_ENOMEM, 0}});
        CHECK(add.rc == 0);
        CHECK_FALSE(add.fault_fired);
    }
}

TEST_CASE("section_deactivate forms: a device populate whose altmap runs out gives back nothing it did not take") {
    // Two sections of pmem with an altmap; the altmap is cut to one section's struct pages, which
    // the loader never does (it sizes vmem_altmap.free to every chunk: not reachable from a scenario).
    const std::string path = (std::filesystem::temp_directory_path() / "hpcheck-test-altmap-exhausted.toml").string();
    std::ofstream(path) << R"TOML(name = "altmap-exhausted"
variant = "v6.1"
expect = "pass"
[[boot]]
node = 0
zone = "Normal"
start_pfn = 0x100000
end_pfn = 0x200000
[[device]]
name = "namespace0"
base_pfn = 0x200000
subsections = 128
altmap = true
[explore]
actions = ["memremap"]
)TOML";
    const Scenario sc = load_scenario(path);
    Machine m = sc.machine;
    REQUIRE(m.devices.size() == 1);
    const u64 section_pages = (m.geo.memmap_bytes(m.geo.pages_per_section) + m.geo.page_size - 1) / m.geo.page_size;
    REQUIRE(m.devices[0].altmap_free == 2 * section_pages);
    m.devices[0].altmap_free = section_pages;
    KernelState s = initial_state(m);
    const StepResult r = apply_action(m, find_variant("v6.1")->ops, s, Action{ActionKind::DEV_MAP, 0, 1, {}});
    CHECK(r.rc == -ENOMEM);
    CHECK(r.nobs == 0);
    // The first section keeps the altmap pages it took (x86 arch_add_memory() undoes nothing); the
    // second section's undo (section_deactivate() -> vmemmap_free()) must not give them back.
    CHECK(s.devices[0].altmap_alloc == section_pages);
}
