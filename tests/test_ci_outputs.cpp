// Issue 14, CI: suite --json (validated against docs/suite-result.schema.json), --junit,
// --sarif (violations at the kernel function's source line), --strict, --only, --tag, the
// scenario directory found relative to the binary, and `cmake --install`.
#include <doctest/doctest.h>

#include "report_test_util.hpp"

using namespace report_test;

namespace {
bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// A scratch suite: one vacuous scenario (offline never succeeds: nothing is ever online),
// one tagged litmus test, one known-bad design.
std::string small_suite(const std::string& name) {
    const std::string d = scratch(name);
    spit(d + "/a-vacuous.toml", R"(name = "vacuous-offline"
variant = "v6.1"
boot_ram_mb = 1024
[[dimm]]
name = "dimm0"
size_mb = 128
[explore]
actions = ["add", "offline"]
)");
    fs::copy(kSrc + "/spec/scenarios/01-dimm-128m-movable-mom-litmus.toml", d + "/b-litmus.toml");
    std::string litmus = slurp(d + "/b-litmus.toml");
    litmus.insert(litmus.find("boot_ram_mb"), "tags = [\"teaching\"]\n");
    spit(d + "/b-litmus.toml", litmus);
    fs::copy(kSrc + "/spec/scenarios/39-hocko-2021-subsection-litmus.toml", d + "/c-hocko.toml");
    return d;
}
}  // namespace

TEST_CASE("ci: suite --json follows the versioned schema, vacuity warnings are visible") {
    const std::string d = small_suite("json");
    const Run r = hpcheck("--scenarios '" + d + "' suite --json '" + d + "/out.json'");
    CHECK(r.rc == 0);
    CHECK(has(r.out, "warning: operation 'offline' never succeeded"));  // not hidden behind "pass"
    const json doc = json::parse(slurp(d + "/out.json"));
    const SchemaValidator schema(json::parse(slurp(kSrc + "/docs/suite-result.schema.json")));
    CHECK(schema.validate(doc) == "");
    CHECK(doc["schema_version"] == 1);
    CHECK(doc["summary"]["total"] == 3);
    CHECK(doc["summary"]["passed"] == 3);
    CHECK(doc["summary"]["warnings"] == 1);
    const json& hocko = doc["scenarios"][2];
    CHECK(hocko["violation"]["invariant"] == "zone-span");
    CHECK(hocko["violation"]["kernel_function"]["file"] == "spec/variants/hocko_2021.cpp");
    // The validator is not vacuous: a document without the version fails.
    json bad = doc;
    bad.erase("schema_version");
    CHECK(schema.validate(bad) != "");
}

TEST_CASE("ci: --strict fails a scenario with a vacuity warning") {
    const std::string d = small_suite("strict");
    const Run r = hpcheck("--scenarios '" + d + "' suite --strict --json '" + d + "/out.json'");
    CHECK(r.rc == 1);
    const json doc = json::parse(slurp(d + "/out.json"));
    CHECK(doc["scenarios"][0]["status"] == "fail");
    CHECK(doc["scenarios"][0]["failure"] == "vacuous");
    CHECK(doc["summary"]["failed"] == 1);
}

TEST_CASE("ci: --only GLOB and --tag select scenarios") {
    const std::string d = small_suite("select");
    Run r = hpcheck("--scenarios '" + d + "' suite --tag teaching --json '" + d + "/t.json'");
    CHECK(r.rc == 0);
    json doc = json::parse(slurp(d + "/t.json"));
    REQUIRE(doc["scenarios"].size() == 1);
    CHECK(doc["scenarios"][0]["name"] == "dimm-128m-movable-mom-litmus");
    r = hpcheck("--scenarios '" + d + "' suite --only 'c-*' --json '" + d + "/o.json'");
    doc = json::parse(slurp(d + "/o.json"));
    REQUIRE(doc["scenarios"].size() == 1);
    CHECK(doc["scenarios"][0]["variant"] == "hocko-2021");
    // Implicit tags: the mode and the variant.
    r = hpcheck("--scenarios '" + d + "' suite --tag litmus --tag hocko-2021 --json '" + d + "/i.json'");
    CHECK(json::parse(slurp(d + "/i.json"))["scenarios"].size() == 1);
}

TEST_CASE("ci: --junit has one test case per scenario, --sarif points at the variant's kernel function") {
    const std::string d = small_suite("junit");
    const Run r = hpcheck("--scenarios '" + d + "' suite --strict --junit '" + d + "/j.xml' --sarif '" + d + "/s.sarif'");
    CHECK(r.rc == 1);
    const std::string xml = slurp(d + "/j.xml");
    std::size_t cases = 0;
    for (std::size_t p = 0; (p = xml.find("<testcase ", p)) != std::string::npos; ++p) ++cases;
    CHECK(cases == 3);
    CHECK(has(xml, "<failure message=\"vacuous"));
    CHECK(has(xml, "tests=\"3\" failures=\"1\" errors=\"0\""));
    const json sarif = json::parse(slurp(d + "/s.sarif"));
    CHECK(sarif["version"] == "2.1.0");
    const json& results = sarif["runs"][0]["results"];
    REQUIRE(results.size() == 1);
    CHECK(results[0]["ruleId"] == "zone-span");
    const json& loc = results[0]["locations"][0]["physicalLocation"];
    CHECK(loc["artifactLocation"]["uri"] == "spec/variants/hocko_2021.cpp");
    // The line is where that file defines the blamed function.
    const int line = loc["region"]["startLine"];
    const std::string fn = results[0]["locations"][0]["logicalLocations"][0]["name"];
    std::istringstream src(slurp(kSrc + "/spec/variants/hocko_2021.cpp"));
    std::string text;
    for (int i = 0; i < line; ++i) std::getline(src, text);
    CHECK(has(text, " " + fn + "(Kernel& k"));
}

TEST_CASE("ci: the scenario directory is found relative to the binary, not a compiled-in source path") {
    const Run r = hpcheck("suite --only '01-*'");  // run from the source dir; now from elsewhere:
    const std::string cmd = "cd / && env -u HPCHECK_SCENARIOS '" + kBin + "' suite --only '01-*' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    CHECK(WEXITSTATUS(pclose(p)) == 0);
    CHECK(has(out, "dimm-128m-movable-mom-litmus"));
    CHECK(r.rc == 0);
}

TEST_CASE("ci: cmake --install puts hpcheck, the scenarios and the docs in a prefix that works") {
    const std::string prefix = scratch("install");
    const std::string build = fs::path(kBin).parent_path().string();
    REQUIRE(std::system(("cmake --install '" + build + "' --prefix '" + prefix + "' >/dev/null").c_str()) == 0);
    CHECK(fs::exists(prefix + "/bin/hpcheck"));
    CHECK(fs::exists(prefix + "/share/hpcheck/scenarios/01-dimm-128m-movable-mom-litmus.toml"));
    CHECK(fs::exists(prefix + "/share/doc/hpcheck/ci.md"));
    CHECK(fs::exists(prefix + "/share/doc/hpcheck/kernel-reference.md"));
    const std::string cmd = "cd / && env -u HPCHECK_SCENARIOS '" + prefix + "/bin/hpcheck' suite --only '01-*' >/dev/null 2>&1";
    CHECK(WEXITSTATUS(std::system(cmd.c_str())) == 0);
}
