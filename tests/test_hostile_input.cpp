// Issue 15, hostile and broken input: one regression test per defect that fuzzing and the
// hand-written bad inputs found. Every bad input is refused with exit 2 and one line
// "file:line: field: message", no partial output, no crash, no unbounded work.
//
// HPCHECK_TEST_BINARY=<path> runs them against another build (main's fails every one).
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>

#include "checker/conformance.hpp"
#include "report_test_util.hpp"
#include "spec/scenario.hpp"

using namespace report_test;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

// The error contract: exit 2 and exactly one line naming file, line and field.
void check_bad_input(const Run& r, const std::string& file, const std::string& field) {
    CHECK(r.rc == 2);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    const std::regex line_re("hpcheck: " + std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                             ":[0-9]+: " + std::regex_replace(field, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                             ": .*\n");
    CHECK_MESSAGE(std::regex_match(r.out, line_re), r.out);
}

std::string scenario_error(const std::string& dir, const std::string& text) {
    const std::string path = dir + "/s.toml";
    spit(path, text);
    try {
        hp::load_scenario(path);
    } catch (const hp::ScenarioError& e) {
        return e.what();
    }
    return "";
}

const char* kLitmusHead = "name = \"h\"\nboot_ram_mb = 1024\n[[dimm]]\nname = \"d\"\nsize_mb = 256\n";

// The naive-span-expectation trace (a litmus violation), written by check --trace-dir.
std::string make_trace(const std::string& dir) {
    const Run r = hpcheck("check " + q(fixture("naive-span-expectation.toml")) + " --trace-dir " + q(dir));
    REQUIRE(r.rc == 1);
    return dir + "/naive-span-expectation-v6.1.itf.json";
}

std::string recording_header(unsigned steps) {
    std::ifstream in(kSrc + "/conformance/recordings/r61-rnd-1024-0-7003.jsonl");
    std::string line;
    std::getline(in, line);
    json h = json::parse(line);
    h["steps"] = steps;
    return h.dump() + "\n";
}

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("hostile 1: a deeply nested object in an ITF state is refused, no stack overflow") {
    const std::string dir = scratch("hostile-1");
    const std::string itf = make_trace(dir);
    std::string text = slurp(itf);
    // states[0] gets an object nested 200000 deep (the recursive flatten() overflowed the stack).
    std::string deep;
    for (int i = 0; i < 200000; ++i) deep += "{\"a\":";
    deep += "0" + std::string(200000, '}');
    const auto at = text.find("\"#meta\"", text.find("\"states\""));
    text.insert(at, "\"x\": " + deep + ",\n");
    const std::string bad = dir + "/deep.itf.json";
    spit(bad, text);
    for (const char* cmd : {"replay", "explain", "svg", "html", "repro"}) {
        CAPTURE(cmd);
        const Run r = hpcheck(std::string(cmd) + " " + q(bad));
        check_bad_input(r, bad, "json");
        CHECK(r.out.find("nested deeper than") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(dir + "/deep.svg"));
    CHECK_FALSE(fs::exists(dir + "/deep.html"));
}

TEST_CASE("hostile 2: an ITF remove whose count wraps past the block table is refused") {
    const std::string dir = scratch("hostile-2");
    const std::string itf = make_trace(dir);
    json doc = json::parse(slurp(itf));
    json& a = doc["states"][3]["#meta"]["action"];
    a["kind"] = "remove";
    a["memory_block"] = 33;  // block index 1: target + count wrapped to 0 and passed the check
    a["count"] = 18446744073709551615ull;
    const std::string bad = dir + "/count.itf.json";
    spit(bad, doc.dump(1));
    const Run r = hpcheck("replay " + q(bad));
    check_bad_input(r, bad, "states[3].#meta.action.count");
    CHECK(r.out.find("out of range") != std::string::npos);
}

TEST_CASE("hostile 3: a DIMM too large for the model is refused before anything is allocated") {
    const std::string dir = scratch("hostile-3");
    const auto t0 = std::chrono::steady_clock::now();
    const std::string blocks = dir + "/blocks.toml";
    spit(blocks, "name = \"x\"\n[[dimm]]\nname = \"d\"\nblocks = 1000000000\n[explore]\nactions = [\"add\"]\n");
    check_bad_input(hpcheck("check " + q(blocks)), blocks, "dimm[0].blocks");
    const std::string size = dir + "/size.toml";
    spit(size, "name = \"x\"\n[[dimm]]\nname = \"d\"\nsize_mb = 4294967296128\n[explore]\nactions = [\"add\"]\n");
    const Run r = hpcheck("check " + q(size));
    check_bad_input(r, size, "dimm[0].size_mb");
    CHECK(r.out.find(":4: dimm[0].size_mb") != std::string::npos);
    // A recording's dimm_add with a huge size.
    const std::string rec = dir + "/huge.jsonl";
    json step = json::parse(R"({"seq":0,"step":0,"op":"dimm_add","args":{"slot":"d1","size_mb":4294967296128},"rc":0,
        "err":null,"dimm_base_pfn":1048576,"dimm_blocks":[32],"blocks":{},"zones":{},"memtotal_kb":917440})");
    spit(rec, recording_header(1) + step.dump() + "\n");
    check_bad_input(hpcheck("conformance --recording " + q(rec)), rec, "args.size_mb");
    // Each refusal is immediate (the unfixed loader ran 93 s to 16.8 GB).
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}

TEST_CASE("hostile 4: repro never lets a name or detail become a shell line or a QMP command") {
    const std::string dir = scratch("hostile-4");
    std::string sc = slurp(fixture("naive-span-expectation.toml"));
    sc.replace(sc.find("name = \"naive-span-expectation\""), 31, "name = \"x\\ntouch PWNED\\n#\"");
    const std::string path = dir + "/inject.toml";
    spit(path, sc);
    const std::string traces = dir + "/traces";
    REQUIRE(hpcheck("check " + q(path) + " --trace-dir " + q(traces)).rc == 1);
    const std::vector<std::string> written = files_in(traces);
    REQUIRE(written.size() == 5);
    const std::string itf = traces + "/" + written[1];  // the .itf.json (sorted: html, itf.json, svg, ...)
    REQUIRE(itf.size() > 9);
    REQUIRE(itf.compare(itf.size() - 9, 9, ".itf.json") == 0);
    const std::string out = dir + "/repro";
    REQUIRE(hpcheck("repro " + q(itf) + " --scenario " + q(path) + " --out-dir " + q(out)).rc == 0);
    for (const std::string& f : files_in(out)) {
        std::istringstream in(slurp(out + "/" + f));
        std::string line;
        while (std::getline(in, line)) {
            CHECK(line.rfind("touch", 0) != 0);
            if (f.size() > 4 && f.compare(f.size() - 4, 4, ".qmp") == 0 && !line.empty() && line[0] != '#') {
                const json cmd = json::parse(line);  // every command line is one JSON object
                CHECK(cmd.contains("execute"));
            }
        }
    }
    // A DIMM name is a QEMU id: quotes or braces (QMP injection) are refused at load.
    const std::string dimm = dir + "/dimm.toml";
    spit(dimm, "name = \"x\"\n[[dimm]]\nname = 'd\", \"execute\": \"quit'\nsize_mb = 128\n[explore]\nactions = [\"add\"]\n");
    check_bad_input(hpcheck("check " + q(dimm)), dimm, "dimm[0].name");
    // A trace the model does not reproduce gets no reproducer.
    json doc = json::parse(slurp(itf));
    doc["#meta"]["violation"]["detail"] = "x\ntouch PWNED\n#";
    const std::string bad = dir + "/diverges.itf.json";
    spit(bad, doc.dump(1));
    const std::string out2 = dir + "/repro2";
    const Run r = hpcheck("repro " + q(bad) + " --scenario " + q(path) + " --out-dir " + q(out2));
    CHECK(r.rc == 1);
    CHECK(r.out.find("no reproducer written") != std::string::npos);
    const bool nothing_written = !fs::exists(out2) || fs::is_empty(out2);
    CHECK(nothing_written);
    CHECK(hpcheck("repro " + q(bad) + " --scenario " + q(path)).out.find("touch PWNED") == std::string::npos);
}

TEST_CASE("hostile 5: --trace-dir file names come from a slug of the scenario name") {
    const std::string dir = scratch("hostile-5");
    const std::string base = slurp(fixture("naive-span-expectation.toml"));
    for (const char* ext : {".html", ".itf.json", ".svg", ".trace.json", ".trace.txt"})
        fs::remove(std::string("/tmp/hpcheck-abs-v6.1") + ext);
    const std::vector<std::pair<std::string, std::string>> names{
        {"../../x", "-.-..-x-v6.1"}, {"/tmp/hpcheck-abs", "-tmp-hpcheck-abs-v6.1"}, {"a/b", "a-b-v6.1"},
        {"a\\u0000b", "a-b-v6.1"}};
    for (const auto& c : names) {  // not a structured binding: clang 14 cannot capture one in CAPTURE
        const std::string &name = c.first, &slug = c.second;
        CAPTURE(name);
        std::string sc = base;
        sc.replace(sc.find("name = \"naive-span-expectation\""), 31, "name = \"" + name + "\"");
        const std::string path = dir + "/s.toml";
        spit(path, sc);
        const std::string out = dir + "/out";
        fs::remove_all(out);
        const Run r = hpcheck("check " + q(path) + " --trace-dir " + q(out));
        CHECK(r.rc == 1);  // the violation, not an output error
        const std::vector<std::string> want{slug + ".html", slug + ".itf.json", slug + ".svg", slug + ".trace.json",
                                            slug + ".trace.txt"};
        CHECK(files_in(out) == want);
    }
    CHECK_FALSE(fs::exists("/tmp/hpcheck-abs-v6.1.itf.json"));
    CHECK_FALSE(fs::exists(dir + "/x-v6.1.itf.json"));
}

TEST_CASE("hostile 6: outputs never write through a planted symlink, parallel writers do not collide") {
    const std::string dir = scratch("hostile-6");
    const std::string victim = dir + "/victim", out = dir + "/result.json";
    spit(victim, "precious\n");
    fs::create_symlink(victim, out + ".tmp");
    const std::string sc = fixture("naive-span-expectation.toml");
    CHECK(hpcheck("check " + q(sc) + " --json " + q(out)).rc == 1);
    CHECK(slurp(victim) == "precious\n");
    CHECK(json::parse(slurp(out))["scenario"] == "naive-span-expectation");
    // 12 runs writing the same output at once: every one succeeds, the file is whole.
    const Run r = hpcheck("--version >/dev/null; for i in $(seq 12); do '" + kBin + "' check " + q(sc) + " --json " + q(out) +
                      " >/dev/null 2>&1 & pids=\"$pids $!\"; done; bad=0; for p in $pids; do wait $p; "
                      "[ $? -eq 1 ] || bad=$((bad+1)); done; echo failed=$bad");
    CHECK(r.out.find("failed=0") != std::string::npos);
    CHECK(json::parse(slurp(out))["scenario"] == "naive-span-expectation");
    for (const auto& f : files_in(dir)) CHECK(f.find(".tmp.") == std::string::npos);  // no temporary left
}

TEST_CASE("hostile 7: Ctrl-C is never a pass: the suite and graph exit 3") {
    const std::string dir = scratch("hostile-7");
    // A suite of litmus scenarios only (they have no limit to hit): long enough to interrupt.
    const std::string litmus = slurp(kSrc + "/spec/scenarios/01-dimm-128m-movable-mom-litmus.toml");
    for (int i = 0; i < 10000; ++i) spit(dir + "/" + std::to_string(10000 + i) + ".toml", litmus);
    const std::string log = dir + "/../hostile-7.log";
    auto interrupted = [&](const std::string& args, const std::string& wait) {
        const std::string cmd = ": >" + q(log) + "; '" + kBin + "' " + args + " >" + q(log) + " 2>&1 & p=$!; " + wait +
                                "; kill -INT $p; wait $p; echo rc=$?";
        return hpcheck("--version >/dev/null; " + cmd).out;
    };
    // The suite: SIGINT once it has printed 3 lines (handler installed, scenarios under way).
    CHECK(interrupted("--scenarios " + q(dir), "while [ $(wc -l < " + q(log) + ") -lt 3 ]; do sleep 0.01; done")
              .find("rc=3") != std::string::npos);
    // graph (91427 states, several seconds) used to run on to its own cap.
    CHECK(interrupted("graph " + q(kSrc + "/spec/scenarios/19-four-dimms-explore.toml") + " --max-states 100000000",
                      "sleep 0.3")
              .find("rc=3") != std::string::npos);
    CHECK(slurp(log).find("interrupted") != std::string::npos);
}

TEST_CASE("hostile 8: values the model would truncate are refused, naming the field and its line") {
    const std::string dir = scratch("hostile-8");
    const std::string head = kLitmusHead;
    const std::string step = "[[step]]\nop = \"add\"\ndimm = \"d\"\n";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"name = \"h\"\n[[dimm]]\nname = \"d\"\nsize_mb = 128\nbase_pfn = \"-1\"\n" + step, ":5: dimm[0].base_pfn"},
        {"name = \"h\"\n[geometry]\nstruct_page_size = 562949953421312\n" + step, ":3: geometry.struct_page_size"},
        {"name = \"h\"\nnodes = 4294967297\n" + step, ":2: nodes"},
        {"name = \"h\"\nnodes = 2\n[[dimm]]\nname = \"d\"\nnode = 4294967296\nsize_mb = 128\n" + step, ":5: dimm[0].node"},
        {"name = \"h\"\nnodes = 1\ncpus_per_node = [4294967297]\n" + step, ":3: cpus_per_node[0]"},
        {head + "[[step]]\nop = \"remove\"\nblock = 32\ncount = 257\n", ":9: step[0].count"},
        {head + "[[step]]\nop = \"offline\"\nblock = 32\nfault = \"unmovable-pages\"\nfault_index = 256\n",
         ":10: step[0].fault_index"},
        {head + "[explore]\nactions = [\"add\"]\nmax_depth = 4294967297\n", ":8: explore.max_depth"},
        {head + step + "expect_zone = { \"abc/Movable\" = { spanned = 0 } }\n", ":9: step[0].expect_zone.abc/Movable"},
    };
    for (const auto& c : cases) {  // not a structured binding: clang 14 cannot capture one in CAPTURE
        const std::string &text = c.first, &want = c.second;
        CAPTURE(text);
        const std::string e = scenario_error(dir, text);
        CHECK_MESSAGE(e.find(want) != std::string::npos, e);
        // The same through the CLI: exit 2, one line (the unfixed checker ran these machines).
        const Run r = hpcheck("check " + q(dir + "/s.toml") + " --max-seconds 5");
        check_bad_input(r, dir + "/s.toml", want.substr(want.find(' ') + 1));
    }
}

TEST_CASE("hostile 9: every error is one line naming file, line and field") {
    const std::string dir = scratch("hostile-9");
    // A JSON number overflowing a double (json.exception.out_of_range.406).
    const std::string itf = make_trace(dir);
    std::string text = slurp(itf);
    const auto pos = text.find("\"index\": 0");
    text.replace(pos, 10, "\"index\": 1e999");
    const long number_line = std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n') + 1;
    const std::string bad = dir + "/big.itf.json";
    spit(bad, text);
    Run r = hpcheck("replay " + q(bad));
    check_bad_input(r, bad, "json");
    CHECK(r.out.find(":" + std::to_string(number_line) + ": json:") != std::string::npos);  // the number's line
    const std::string rec = dir + "/big.jsonl";
    spit(rec, recording_header(0).replace(recording_header(0).find("\"boots\":8"), 9, "\"boots\":1e999"));
    check_bad_input(hpcheck("conformance --recording " + q(rec)), rec, "json");
    // A directory is not a scenario.
    check_bad_input(hpcheck("check " + q(dir)), dir, "file");
    // `check` of a scenario written from text: its path and the run.
    auto check_text = [&](const std::string& name, const std::string& text) {
        const std::string path = dir + "/" + name;
        spit(path, text);
        return std::pair{path, hpcheck("check " + q(path))};
    };
    const std::string dimm_explore = "[[dimm]]\nname = \"d\"\nsize_mb = 128\n[explore]\nactions = [\"add\"]\n";
    // boot_ram_mb = 1 names boot_ram_mb, not boot[1].end_pfn.
    auto [ram, ram_run] = check_text("ram.toml", "name = \"x\"\nboot_ram_mb = 1\n" + dimm_explore);
    check_bad_input(ram_run, ram, "boot_ram_mb");
    // A newline in a user string stays inside the one line.
    auto [nl, nl_run] = check_text("nl.toml", "name = \"x\"\nvariant = \"v9\\nINJECTED\"\n" + dimm_explore);
    check_bad_input(nl_run, nl, "variant");
    CHECK(nl_run.out.find(":2: variant") != std::string::npos);
    // Validation errors found after parsing name their line too.
    auto [overlap, overlap_run] =
        check_text("overlap.toml", "name = \"x\"\n[[dimm]]\nname=\"a\"\nsize_mb = 256\nbase_pfn = 0x100000\n"
                                   "[[dimm]]\nname=\"b\"\nsize_mb = 128\nbase_pfn = 0x108000\n[explore]\nactions=[\"add\"]\n");
    check_bad_input(overlap_run, overlap, "dimm[1].base_pfn");
    CHECK(overlap_run.out.find(":9: dimm[1].base_pfn") != std::string::npos);
    auto [nothing, nothing_run] = check_text("nothing.toml", "name = \"x\"\n");
    check_bad_input(nothing_run, nothing, "explore.actions");
    // Found by fuzz_scenario: a 5000-byte key cut the message before its text; now the field
    // is cut, the message kept.
    auto [key, key_run] = check_text("key.toml", "name = \"x\"\n" + std::string(5000, 'k') + " = 1\n" + dimm_explore);
    check_bad_input(key_run, key, std::string(200, 'k') + "...");
    CHECK(key_run.out.find(": unknown key (allowed: ") != std::string::npos);
    auto [inv, inv_run] = check_text("inv.toml", "name = \"x\"\ninvariants = [\"nope\"]\n" + dimm_explore);
    CHECK(inv_run.rc == 2);
    CHECK(inv_run.out.find(inv + ":2: invariants[0]: unknown invariant 'nope'") != std::string::npos);
}

TEST_CASE("hostile 10: a recording with a header and no step compares nothing: exit 3") {
    const std::string dir = scratch("hostile-10");
    const std::string rec = dir + "/empty.jsonl";
    spit(rec, recording_header(0));
    const Run r = hpcheck("conformance --recording " + q(rec));
    CHECK(r.rc == 3);
}

TEST_CASE("hostile 11: limits: --max-memory bounds the process, nonsense limits are usage errors") {
    const std::string sc = q(kSrc + "/spec/scenarios/10-two-dimms-explore-mom.toml");
    // The process alone is above 4 MiB: incomplete at once (the visited set stays below it).
    const Run r = hpcheck("check " + sc + " --max-memory 4");
    CHECK(r.rc == 3);
    CHECK(r.out.find("--max-memory reached") != std::string::npos);
    for (const char* bad : {"--max-memory 17592186044416", "--max-states -1", "--max-seconds nan", "--max-seconds -5",
                            "--max-seconds inf", "--max-depth 4294967297", "--max-states 1e3"}) {
        CAPTURE(bad);
        const Run u = hpcheck("check " + sc + " " + bad);
        CHECK(u.rc == 2);
        CHECK(std::count(u.out.begin(), u.out.end(), '\n') == 1);
    }
    CHECK(hpcheck("graph " + sc + " --max-memory 17592186044416").rc == 2);
}
