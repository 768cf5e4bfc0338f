// Device paths per kernel version (issue 10 item 7). v5.4: 5.4's pfn_to_online_page() (the macro:
// online_section() alone), memunmap_pages() -> x86 arch_remove_memory() -> __remove_pages() ->
// sparse_remove_section() -> section_deactivate() (before ef69bc9f689d, which bug-ef69bc9f689d
// reuses by name). v5.12: 1f90a3477df3 and ef69bc9f689d, 6.1's memremap_pages()/memunmap_pages(),
// its own populate_section_memmap() (struct pages from node memory or the device's altmap).
#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "checker/run.hpp"
#include "spec/action.hpp"
#include "spec/scenario.hpp"
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

bool logged(const CallLog& log, const std::string& func) {
    for (const CallLog::Entry& e : log.entries)
        if (e.text.find(func) != std::string::npos) return true;
    return false;
}

StepResult step(const Machine& m, const char* variant, KernelState& s, ActionKind kind, CallLog* log = nullptr) {
    return apply_action(m, find_variant(variant)->ops, s, Action{kind, 0, 1, {}}, log);
}
}  // namespace

TEST_CASE("versions: which device functions each version has of its own") {
    // Function pointers compared outside the CHECK macro (doctest cannot print them).
    const KernelOps& v54 = find_variant("v5.4")->ops;
    const KernelOps& v512 = find_variant("v5.12")->ops;
    const KernelOps& v61 = find_variant("v6.1")->ops;
    const bool reused = find_variant("bug-ef69bc9f689d")->ops.section_deactivate == v54.section_deactivate;
    const bool own_deactivate = v54.section_deactivate != v512.section_deactivate;
    const bool own_online_page = v54.pfn_to_online_page != v512.pfn_to_online_page;
    const bool own_memunmap = v54.memunmap_pages != v512.memunmap_pages;
    const bool v512_online_page_is_61 = v512.pfn_to_online_page == v61.pfn_to_online_page;
    const bool v512_memremap_is_61 = v512.memremap_pages == v61.memremap_pages && v512.memunmap_pages == v61.memunmap_pages;
    const bool v54_memremap_is_61 = v54.memremap_pages == v61.memremap_pages;  // pagemap_range() as 5.4's memremap_pages()
    CHECK(reused);
    CHECK(own_deactivate);
    CHECK(own_online_page);
    CHECK(own_memunmap);
    CHECK(v512_online_page_is_61);
    CHECK(v512_memremap_is_61);
    CHECK(v54_memremap_is_61);
}

TEST_CASE("versions: v5.4's memunmap reaches section_deactivate() and breaks the early section as ef69bc9f689d says") {
    const Scenario sc = load_scenario(scenario_path("bug-ef69bc9f689d-early-section-partial-depopulate.toml"));
    const Machine& m = sc.machine;
    REQUIRE(m.dev_sections.size() == 1);
    REQUIRE(m.dev_sections[0].early);
    const u64 dev_bits = 0xffffull << 32;  // [0x1fc000, 0x200000): subsections 32..47 of the early section
    for (const char* variant : {"v5.4", "v5.12"}) {
        CAPTURE(std::string(variant));
        const bool v54 = std::string(variant) == "v5.4";
        KernelState s = initial_state(m);
        const StepResult map = step(m, variant, s, ActionKind::DEV_MAP);
        CHECK(map.rc == 0);
        CHECK(map.nobs == 0);
        CallLog log;
        const StepResult unmap = step(m, variant, s, ActionKind::DEV_UNMAP, &log);
        CHECK(unmap.rc == 0);
        CHECK(unmap.nobs == 0);  // page_zone() of pfn_first(): initialized, ZONE_DEVICE
        // 5.4: arch_remove_memory() -> __remove_pages() -> __remove_section() -> __remove_zone() (no
        // shrink for ZONE_DEVICE) -> sparse_remove_section() -> section_deactivate().
        CHECK(logged(log, "__remove_pages"));
        CHECK(logged(log, "sparse_remove_section"));
        CHECK(logged(log, "section_deactivate"));
        CHECK(logged(log, "__remove_zone") == v54);
        CHECK(logged(log, "pageunmap_range") == !v54);       // 5.10+
        CHECK(logged(log, "remove_pfn_range_from_zone") == !v54);  // feee6b298916 (5.5)
        CHECK(s.dev_sections[0].subsection_map == m.dev_sections[0].boot_map);
        // Before ef69bc9f689d the removed subsections of the early section are depopulated.
        CHECK(logged(log, "depopulate_section_memmap") == v54);
        CHECK(((s.dev_sections[0].memmap_mapped & dev_bits) == dev_bits) == !v54);
        // memremap_pages() again: section_activate() reuses the boot memmap of an early section and
        // page_init_poison() writes the struct pages v5.4 unmapped.
        const StepResult again = step(m, variant, s, ActionKind::DEV_MAP);
        CHECK(again.rc == 0);
        CHECK(again.nobs == (v54 ? 1 : 0));
        if (v54 && again.nobs) {
            CHECK(again.obs[0].kind == Observation::UNMAPPED_MEMMAP_READ);
            CHECK(std::string(again.obs[0].func) == "page_init_poison");
        }
    }
}

TEST_CASE("versions: v5.4 has the ZONE_DEVICE bugs fixed after it, v5.12 has neither") {
    // 5.4's pfn_to_online_page() returns the pmem page of a mixed section (main's v5.4 passed).
    CHECK(verdict_as("bug-1f90a3477df3-zone-device-section-collision.toml", "v5.4") == "violation: online-page");
    // ef69bc9f689d's scenario: v5.4's own teardown reaches its section_deactivate() (above).
    CHECK(verdict_as("bug-ef69bc9f689d-early-section-partial-depopulate.toml", "v5.4") == "violation: memmap-init");
    for (const char* f : {"bug-1f90a3477df3-zone-device-section-collision.toml",
                          "bug-ef69bc9f689d-early-section-partial-depopulate.toml"}) {
        CAPTURE(std::string(f));
        CHECK(verdict_as(f, "v5.12") == "pass");
    }
}

TEST_CASE("versions: a pmem range with an altmap maps and unmaps under v5.4 and v5.12 (77e080e7680e is in 5.4-rc)") {
    // Before, v5.12's populate_section_memmap() refused every altmap (-EINVAL), so the memremap of
    // this scenario never succeeded and its pass under v5.4 was vacuous.
    const Scenario sc = load_scenario(scenario_path("bug-77e080e7680e-memunmap-uninitialized-first-page.toml"));
    const Machine& m = sc.machine;
    for (const char* variant : {"v5.4", "v5.12"}) {
        CAPTURE(std::string(variant));
        KernelState s = initial_state(m);
        const StepResult map = step(m, variant, s, ActionKind::DEV_MAP);
        CHECK(map.rc == 0);
        CHECK(map.nobs == 0);
        CHECK(s.devices[0].altmap_alloc > 0);  // the struct pages came from the device's altmap
        const StepResult unmap = step(m, variant, s, ActionKind::DEV_UNMAP);
        CHECK(unmap.rc == 0);
        CHECK(unmap.nobs == 0);  // pfn_first() is initialized; the altmap is given back in full
        CHECK(s.devices[0].altmap_alloc == 0);
        CHECK(verdict_as("bug-77e080e7680e-memunmap-uninitialized-first-page.toml", variant) == "pass");
    }
}

TEST_CASE("versions: SECTION_TAINT_ZONE_DEVICE exists from 5.12 (1f90a3477df3), not in v5.4") {
    const Scenario sc = load_scenario(scenario_path("bug-1f90a3477df3-zone-device-section-collision.toml"));
    const Machine& m = sc.machine;
    for (const char* variant : {"v5.4", "v5.12"}) {
        CAPTURE(std::string(variant));
        KernelState s = initial_state(m);
        CHECK(step(m, variant, s, ActionKind::DEV_MAP).rc == 0);
        bool tainted = false;
        for (const DevSectionState& ms : s.dev_sections) tainted = tainted || (ms.flags & SEC_TAINT_ZONE_DEVICE) != 0;
        CHECK(tainted == (std::string(variant) == "v5.12"));  // the range starts inside a section
    }
}

TEST_CASE("versions: v5.12's pmem memmap from node memory runs out partway, and the undo gives back only what it took") {
    // Two sections of pmem without an altmap, free memory for one section's struct pages (512 pages).
    const std::string path = (std::filesystem::temp_directory_path() / "hpcheck-test-v5.12-pmem-oom.toml").string();
    std::ofstream(path) << R"TOML(name = "v5.12-pmem-oom"
variant = "v5.12"
expect = "pass"
[[boot]]
node = 0
zone = "Normal"
start_pfn = 0x100000
end_pfn = 0x200000
managed = 700
[[device]]
name = "namespace0"
base_pfn = 0x200000
subsections = 128
[explore]
actions = ["memremap"]
)TOML";
    const Scenario sc = load_scenario(path);
    const Machine& m = sc.machine;
    KernelState s = initial_state(m);
    const StepResult r = step(m, "v5.12", s, ActionKind::DEV_MAP);
    CHECK(r.rc == -ENOMEM);
    CHECK(r.nobs == 0);
    // The first section's struct pages stay taken (6.1's arch_add_memory() undoes nothing, the
    // leftover of scenario 53); the second section's failed populate took none and gives none back.
    CHECK(s.buddy_vmemmap_pages[0] == 512);
    // v6.1 does not model free memory: both sections populate.
    KernelState s61 = initial_state(m);
    CHECK(step(m, "v6.1", s61, ActionKind::DEV_MAP).rc == 0);
    CHECK(s61.buddy_vmemmap_pages[0] == 1024);
}

TEST_CASE("versions: v5.4's __remove_pages() recomputes the zone's contiguity (feee6b298916 moved it to offline)") {
    // d1 and d3 online movable with d2's slot empty between them: Movable spans a hole, not
    // contiguous. Offline and eject d3: under 5.4 the shrink happens at remove, in __remove_pages()
    // between clear_zone_contiguous() and set_zone_contiguous(); Movable is d1 alone, contiguous.
    const std::string path = (std::filesystem::temp_directory_path() / "hpcheck-test-v5.4-contiguous.toml").string();
    std::ofstream(path) << R"TOML(name = "v5.4-contiguous"
variant = "v5.4"
expect = "pass"
[[boot]]
node = 0
zone = "DMA32"
start_pfn = 0x1000
end_pfn = 0x40000
[[dimm]]
name = "d1"
size_mb = 128
[[dimm]]
name = "d2"
size_mb = 128
[[dimm]]
name = "d3"
size_mb = 128
[explore]
actions = ["add"]
)TOML";
    const Scenario sc = load_scenario(path);
    const Machine& m = sc.machine;
    REQUIRE(m.blocks.size() == 3);
    const KernelOps& ops = find_variant("v5.4")->ops;
    KernelState s = initial_state(m);
    auto act = [&](ActionKind kind, std::uint8_t target) { return apply_action(m, ops, s, Action{kind, target, 1, {}}).rc; };
    REQUIRE(act(ActionKind::DIMM_ADD, 0) == 0);
    REQUIRE(act(ActionKind::DIMM_ADD, 2) == 0);
    REQUIRE(act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    REQUIRE(act(ActionKind::ONLINE_MOVABLE, 2) == 0);
    CHECK(s.zone(0, ZONE_MOVABLE).contiguous == 0);  // the hole of d2's slot
    REQUIRE(act(ActionKind::OFFLINE, 2) == 0);
    CHECK(s.zone(0, ZONE_MOVABLE).spanned_pages == 3 * m.geo.pages_per_block);  // 5.4: no shrink at offline
    REQUIRE(act(ActionKind::DIMM_EJECT, 2) == 0);
    CHECK(s.zone(0, ZONE_MOVABLE).spanned_pages == m.geo.pages_per_block);
    CHECK(s.zone(0, ZONE_MOVABLE).contiguous == 1);
}
