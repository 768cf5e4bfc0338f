// Issue 14: model-based test generation (`tests --cover`) and the conformance run against a
// kernel the user built (`conformance --kernel-image`: config check and dry run; booting is
// the conformance test's job).
#include <doctest/doctest.h>

#include "checker/cover_tests.hpp"
#include "report_test_util.hpp"

using namespace report_test;

namespace {
bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }
}  // namespace

TEST_CASE("cover: the generated sequences hit every reachable branch and refusal errno") {
    const hp::Scenario sc = hp::load_scenario(kSrc + "/spec/scenarios/10-two-dimms-explore-mom.toml");
    const hp::CoverResult r = hp::generate_covering_tests(sc, *hp::find_variant("v6.1"), {});
    CHECK(r.complete);
    CHECK(r.hit == r.reachable);  // measured by replaying the sequences
    CHECK(r.reachable.size() > 40);
    auto reached = [&](const std::string& item) {
        return std::find(r.reachable.begin(), r.reachable.end(), item) != r.reachable.end();
    };
    CHECK(reached("fn:shrink_zone_span"));
    CHECK(reached("rc:offline:0"));
    CHECK(reached("rc:online_kernel:-EINVAL"));  // a refusal: a block already online
    // Far fewer operations than the state space: prefixes are shared.
    std::size_t ops = 0;
    for (const auto& s : r.sequences) ops += s.size();
    CHECK(ops < r.transitions / 4);
}

TEST_CASE("cover: the CLI writes record.py sequences and reports coverage") {
    const std::string d = scratch("cover");
    const Run r = hpcheck("tests --cover spec/scenarios/10-two-dimms-explore-mom.toml -o '" + d + "/s.json'");
    CHECK(r.rc == 0);
    CHECK(has(r.out, "coverage   "));
    const json j = json::parse(slurp(d + "/s.json"));
    REQUIRE(j["sequences"].size() > 3);
    CHECK(j["coverage"]["hit"] == j["coverage"]["reachable"]);
    const json& first = j["sequences"][0][0];
    CHECK(first["op"] == "dimm_add");
    CHECK(first["args"]["slot"] == "d1");
    CHECK(first["args"]["size_mb"] == 128);
    for (const json& seq : j["sequences"])
        for (const json& st : seq) {
            const std::string op = st["op"];
            CHECK((op == "dimm_add" || op == "dimm_eject" || op == "online" || op == "online_kernel" ||
                   op == "online_movable" || op == "offline"));
        }
}

TEST_CASE("kimage: missing CONFIG_ options are listed and nothing boots (exit 2)") {
    const Run r = hpcheck("conformance --kernel-image '" + fixture("../kimage/fake-bzImage") + "' --kernel-config '" +
                          fixture("../kimage/no-acpi-hotplug.config") + "'");
    CHECK(r.rc == 2);
    CHECK(has(r.out, "CONFIG_ACPI_HOTPLUG_MEMORY=y"));
    CHECK(has(r.out, "CONFIG_MHP_MEMMAP_ON_MEMORY=y"));
    CHECK_FALSE(has(r.out, "CONFIG_MEMORY_HOTPLUG=y"));
    CHECK_FALSE(has(r.out, "record "));
    CHECK(hpcheck("conformance --kernel-image /nonexistent/bzImage").rc == 2);
}

TEST_CASE("kimage: a complete config passes, --dry-run writes the model's sequences and the recorder commands") {
    const std::string d = scratch("kimage");
    const Run r = hpcheck("conformance --kernel-image '" + fixture("../kimage/fake-bzImage") + "' --kernel-config '" +
                          fixture("../kimage/harness.config") + "' --runs 2 --dry-run --work-dir '" + d + "'");
    CHECK(r.rc == 0);
    CHECK(has(r.out, "(Linux 6.1.192)"));
    CHECK(has(r.out, "all 17 CONFIG_ options"));
    CHECK(has(r.out, "--steps"));
    CHECK(has(r.out, "--kernel-image"));
    CHECK(has(r.out, "--random 2"));
    CHECK(fs::exists(d + "/model-sequences.json"));
    // Debian's own 6.1 config (the "user-built" stand-in) has everything the harness needs.
    const std::string debian = "/usr/src/linux-config-6.1/config.amd64_none_amd64.xz";
    if (fs::exists(debian)) {
        const std::string cfg = d + "/debian.config";
        REQUIRE(std::system(("xz -dc " + debian + " > '" + cfg + "'").c_str()) == 0);
        const Run deb = hpcheck("conformance --kernel-image '" + fixture("../kimage/fake-bzImage") + "' --kernel-config '" +
                                cfg + "' --dry-run --work-dir '" + d + "'");
        CHECK(deb.rc == 0);
    }
}
