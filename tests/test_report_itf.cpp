// ITF traces: written by check --trace-dir, valid against docs/itf-trace.schema.json,
// replayed exactly (exit 0), a corrupted trace diverges at the right step and field
// (exit 1), a malformed one is refused in one line (exit 2), output is byte-identical.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "report_test_util.hpp"

using namespace report_test;

namespace {
// Writes the naive-span-expectation trace into a scratch dir; returns the .itf.json path.
std::string make_trace(const std::string& dir_name) {
    const std::string dir = scratch(dir_name);
    const Run r = hpcheck("check '" + fixture("naive-span-expectation.toml") + "' --trace-dir '" + dir + "'");
    REQUIRE(r.rc == 1);
    const std::string itf = dir + "/naive-span-expectation-v6.1.itf.json";
    REQUIRE(fs::exists(itf));
    return itf;
}
}  // namespace

TEST_CASE("report: the ITF trace validates against the schema kept in docs/") {
    const SchemaValidator v(json::parse(slurp(kSrc + "/docs/itf-trace.schema.json")));
    const json doc = json::parse(slurp(make_trace("itf-schema")));
    CHECK(v.validate(doc) == "");
    CHECK(doc["#meta"]["variant"] == "v6.1");
    CHECK(doc["#meta"]["scenario"]["name"] == "naive-span-expectation");
    CHECK(doc["#meta"]["violation"]["invariant"] == "litmus-expect");
    CHECK(doc["states"].size() == 6);
    CHECK(doc["states"][3]["#meta"]["action"]["kind"] == "online_movable");
    CHECK(doc["states"][4]["node0"]["Movable"]["spanned_pages"]["#bigint"] == "65536");

    // The validator is not vacuous: typical breakages are caught.
    json bad = doc;
    bad["states"][2]["node0"]["Movable"]["spanned_pages"] = 65536;  // a plain number, not {"#bigint"}
    CHECK(v.validate(bad) != "");
    bad = doc;
    bad["states"][1]["#meta"].erase("action");
    CHECK(v.validate(bad).find("missing action") != std::string::npos);
    bad = doc;
    bad["#meta"]["format"] = "JSON";
    CHECK(v.validate(bad) != "");
    bad = doc;
    bad["states"][1]["#meta"]["rc"] = "EBUSY";
    CHECK(v.validate(bad) != "");
}

TEST_CASE("report: replay reproduces a trace written by check (exit 0)") {
    const std::string itf = make_trace("itf-replay");
    const Run r = hpcheck("replay '" + itf + "'");
    CHECK(r.rc == 0);
    CHECK(r.out.find("REPRODUCED: 5 step(s)") != std::string::npos);
    CHECK(r.out.find("state 5 after step 5: offline memory32") != std::string::npos);
    CHECK(r.out.find("litmus-expect") != std::string::npos);
}

TEST_CASE("report: a corrupted trace diverges at the first wrong step and field (exit 1)") {
    const std::string itf = make_trace("itf-corrupt");
    json doc = json::parse(slurp(itf));
    doc["states"][4]["node0"]["Movable"]["spanned_pages"]["#bigint"] = "32768";
    const std::string bad = fs::path(itf).parent_path() / "corrupt.itf.json";
    spit(bad, doc.dump(1));
    Run r = hpcheck("replay '" + bad + "'");
    CHECK(r.rc == 1);
    CHECK(r.out.find("DIVERGES at state 4 field node0.Movable.spanned_pages") != std::string::npos);
    CHECK(r.out.find("'32768'") != std::string::npos);
    CHECK(r.out.find("'65536'") != std::string::npos);

    // A different action at step 3: the return code or the state differs from there on.
    doc = json::parse(slurp(itf));
    doc["states"][3]["#meta"]["action"]["kind"] = "online_kernel";
    spit(bad, doc.dump(1));
    r = hpcheck("replay '" + bad + "'");
    CHECK(r.rc == 1);
    CHECK(r.out.find("DIVERGES at state 3 field ") != std::string::npos);

    // A different recorded violation.
    doc = json::parse(slurp(itf));
    doc["#meta"]["violation"]["detail"] = "something else";
    spit(bad, doc.dump(1));
    r = hpcheck("replay '" + bad + "'");
    CHECK(r.rc == 1);
    CHECK(r.out.find("DIVERGES at state 5 field #meta.violation.detail") != std::string::npos);
}

TEST_CASE("report: a malformed trace is refused in one line naming file, line and field (exit 2)") {
    const std::string itf = make_trace("itf-malformed");
    const std::string dir = fs::path(itf).parent_path();
    const std::string bad = dir + "/bad.itf.json";
    const std::string text = slurp(itf);
    spit(bad, text.substr(0, text.size() / 2));
    Run r = hpcheck("replay '" + bad + "'");
    CHECK(r.rc == 2);
    CHECK(r.out.find(bad + ":" + std::to_string(std::count(text.begin(), text.begin() + text.size() / 2, '\n') + 1) +
                     ": json: not JSON") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);

    json doc = json::parse(text);
    doc["states"][2]["#meta"]["action"].erase("kind");
    spit(bad, doc.dump(1));
    r = hpcheck("replay '" + bad + "'");
    CHECK(r.rc == 2);
    // The line named is the one of the object the key is missing from: states[2]'s action.
    const std::string prefix = "hpcheck: " + bad + ":";
    REQUIRE(r.out.rfind(prefix, 0) == 0);
    const long line = std::stol(r.out.substr(prefix.size()));
    CHECK(r.out == prefix + std::to_string(line) + ": states[2].#meta.action.kind: missing\n");
    {
        // Line `line` opens an action object, the second one of the file (states[0] has none).
        std::istringstream in(doc.dump(1));
        std::string l;
        int actions = 0;
        for (long i = 0; i < line && std::getline(in, l); ++i) actions += l.find("\"action\": {") != std::string::npos;
        CHECK(l.find("\"action\": {") != std::string::npos);
        CHECK(actions == 2);
    }

    doc = json::parse(text);
    doc["states"][3]["#meta"]["action"]["memory_block"] = 99;
    spit(bad, doc.dump());
    r = hpcheck("explain '" + bad + "'");
    CHECK(r.rc == 2);
    CHECK(r.out.find("states[3].#meta.action.memory_block: memory99 is not a hot-pluggable block") != std::string::npos);

    doc = json::parse(text);
    doc["#meta"]["variant"] = "v0.0";
    spit(bad, doc.dump());
    r = hpcheck("replay '" + bad + "'");
    CHECK(r.rc == 2);
    CHECK(r.out.find("#meta.variant: unknown variant 'v0.0'") != std::string::npos);

    r = hpcheck("replay '" + dir + "/does-not-exist.itf.json'");
    CHECK(r.rc == 2);
    CHECK(r.out.find("does-not-exist.itf.json:1: file: cannot be read") != std::string::npos);
}

TEST_CASE("report: trace files are byte-identical across runs") {
    const std::string a = make_trace("itf-det-a"), b = make_trace("itf-det-b");
    CHECK(slurp(a) == slurp(b));
    CHECK(slurp(fs::path(a).parent_path() / "naive-span-expectation-v6.1.trace.txt") ==
          slurp(fs::path(b).parent_path() / "naive-span-expectation-v6.1.trace.txt"));
    const Run e1 = hpcheck("explain '" + a + "'"), e2 = hpcheck("explain '" + b + "'");
    CHECK(e1.rc == 0);
    CHECK(e1.out == e2.out);
}

TEST_CASE("report: every committed counterexample trace still replays exactly") {
    const fs::path dir = fs::path(kSrc) / "counterexamples";
    if (!fs::exists(dir)) return;
    std::vector<std::string> traces;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.path().string().size() > 9 && e.path().string().rfind(".itf.json") == e.path().string().size() - 9)
            traces.push_back(e.path().string());
    std::sort(traces.begin(), traces.end());
    for (const std::string& t : traces) {
        const Run r = hpcheck("replay '" + t + "'");
        INFO(t << "\n" << r.out.substr(r.out.size() > 600 ? r.out.size() - 600 : 0));
        CHECK(r.rc == 0);
    }
}
