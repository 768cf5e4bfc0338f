// Device paths per kernel version (issue 10 item 7): v5.4 has 5.4's pfn_to_online_page() (the
// macro: online_section() alone) and 5.4's section_deactivate() for device chunks (before
// ef69bc9f689d), which bug-ef69bc9f689d reuses by name; v5.12 has 1f90a3477df3 and ef69bc9f689d.
#include <doctest/doctest.h>

#include <string>

#include "checker/run.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {
std::string verdict_as(const char* file, const char* variant) {
    const Scenario sc = load_scenario(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file);
    RunOptions opt;
    opt.variant_override = variant;
    const RunResult r = run_scenario(sc, opt);
    if (r.explore.verdict == Verdict::VIOLATION && r.explore.violation) return "violation: " + r.explore.violation->invariant;
    return verdict_name(r.explore.verdict);
}
}  // namespace

TEST_CASE("versions: bug-ef69bc9f689d takes v5.4's section_deactivate() by name") {
    // Function pointers compared outside the CHECK macro (doctest cannot print them).
    const KernelOps& v54 = find_variant("v5.4")->ops;
    const KernelOps& v512 = find_variant("v5.12")->ops;
    const bool reused = find_variant("bug-ef69bc9f689d")->ops.section_deactivate == v54.section_deactivate;
    const bool own_deactivate = v54.section_deactivate != v512.section_deactivate;
    const bool own_online_page = v54.pfn_to_online_page != v512.pfn_to_online_page;
    const bool v512_is_61 = v512.pfn_to_online_page == find_variant("v6.1")->ops.pfn_to_online_page;
    CHECK(reused);
    CHECK(own_deactivate);
    CHECK(own_online_page);
    CHECK(v512_is_61);
}

TEST_CASE("versions: v5.4 has the ZONE_DEVICE bugs fixed after it, v5.12 has neither") {
    // 5.4's pfn_to_online_page() returns the pmem page of a mixed section (main's v5.4 passed).
    CHECK(verdict_as("bug-1f90a3477df3-zone-device-section-collision.toml", "v5.4") == "violation: online-page");
    // v5.4 stops earlier on ef69bc9f689d's scenario, in its own (block-oriented) arch_remove_memory()
    // at the first memunmap, before section_deactivate() runs: v5.4's device teardown is not 5.4's yet.
    CHECK(verdict_as("bug-ef69bc9f689d-early-section-partial-depopulate.toml", "v5.4") == "violation: memmap-init");
    CHECK(verdict_as("bug-77e080e7680e-memunmap-uninitialized-first-page.toml", "v5.4") == "pass");  // fixed in 5.4-rc
    for (const char* f : {"bug-1f90a3477df3-zone-device-section-collision.toml",
                          "bug-ef69bc9f689d-early-section-partial-depopulate.toml"}) {
        CAPTURE(std::string(f));
        CHECK(verdict_as(f, "v5.12") == "pass");
    }
}
