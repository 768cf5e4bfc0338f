// Issue 11, reports with threads: the ITF trace of a threaded violation carries the CPU of
// every step and the locks every CPU holds; `replay` re-executes it exactly; `explain`,
// `svg`, `html` and `report` draw one column per CPU with the locks (docs/interleavings.md).
#include <doctest/doctest.h>

#include "checker/report_explain.hpp"
#include "checker/report_svg.hpp"
#include "checker/report_threaded.hpp"
#include "report_test_util.hpp"

using namespace hp;
using namespace report_test;

namespace {
const std::string kScen = std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/";

struct Written {
    Scenario sc;
    RunResult r;
    std::string itf_path;
};

// Explore a threaded scenario and write its ITF trace, as `check --trace-dir` does.
Written write_itf(const std::string& file, const std::string& dir_name) {
    Written w{load_scenario(kScen + file), {}, {}};
    w.r = run_scenario(w.sc, RunOptions{});
    const std::string dir = scratch(dir_name);
    w.itf_path = dir + "/t.itf.json";
    spit(w.itf_path, format_itf(w.sc, w.r, w.sc.invariants));
    return w;
}

// The column a line's text starts in (after the "  NN. " step number).
std::size_t text_column(const std::string& line) { return line.find_first_not_of(' ', 7); }
}  // namespace

TEST_CASE("interleave reports: every threaded violation's ITF trace replays exactly, thread by thread") {
    unsigned n = 0;
    for (const auto& e : fs::directory_iterator(kScen)) {
        if (e.path().extension() != ".toml") continue;
        const Scenario sc = load_scenario(e.path().string());
        if (!sc.threads.enabled() || sc.expect.rfind("violation", 0) != 0) continue;
        CAPTURE(e.path().filename().string());
        const Written w = write_itf(e.path().filename().string(), "itl-rt-" + e.path().stem().string());
        REQUIRE(w.r.explore.verdict == Verdict::VIOLATION);
        const LoadedTrace t = load_itf(w.itf_path);
        REQUIRE(t.threaded);
        CHECK(t.thread_steps == w.r.thread_trace);
        const ReplayReport rep = replay_itf(t);
        CHECK(rep.reproduced);
        REQUIRE(rep.violation.has_value());
        CHECK(rep.violation->detail == w.r.explore.violation->detail);
        REQUIRE(rep.rows.size() == w.r.interleaving.size());
        for (std::size_t i = 0; i < rep.rows.size(); ++i) {
            CHECK(rep.rows[i].thread == w.r.interleaving[i].thread);
            CHECK(rep.rows[i].what == w.r.interleaving[i].what);
            CHECK(rep.rows[i].held == w.r.interleaving[i].held);
        }
        // Each state names its CPU and the locks every CPU holds after the step.
        const json doc = json::parse(slurp(w.itf_path));
        CHECK(doc["#meta"]["mode"] == "threads");
        CHECK(SchemaValidator(json::parse(slurp(kSrc + "/docs/itf-trace.schema.json"))).validate(doc) == "");
        for (std::size_t i = 1; i < doc["states"].size(); ++i) {
            const json& m = doc["states"][i]["#meta"];
            const unsigned th = w.r.thread_trace[i - 1];
            CHECK(m["thread"] == w.sc.threads.threads[th].name);
            CHECK(m["locks_held"].size() == w.sc.threads.threads.size());
            CHECK(doc["states"][i]["threads"][w.sc.threads.threads[th].name]["locks"].is_string());
        }
        ++n;
    }
    CHECK(n >= 6);
}

TEST_CASE("interleave reports: a trace whose steps are given to the wrong CPU or lock state does not replay") {
    const Written w = write_itf("70-seed002-free-tables-unconditionally-threads.toml", "itl-tamper");
    json doc = json::parse(slurp(w.itf_path));
    // Step 6 is vmalloc's lockless walk (cpu1) between unmap and free_empty_tables; give it to cpu0.
    std::size_t walk = 0;
    for (std::size_t i = 1; i < doc["states"].size(); ++i)
        if (doc["states"][i]["#meta"]["thread"] == "cpu1") {
            walk = i;
            break;
        }
    REQUIRE(walk > 0);
    json swapped = doc;
    swapped["states"][walk]["#meta"]["thread"] = "cpu0";
    const std::string p1 = fs::path(w.itf_path).parent_path().string() + "/swapped.itf.json";
    spit(p1, swapped.dump(1));
    CHECK_FALSE(replay_itf(load_itf(p1)).reproduced);
    // The lock column is checked too: a trace claiming cpu0 does not hold mem_hotplug_lock.
    json unlocked = doc;
    unlocked["states"][2]["threads"]["cpu0"]["locks"] = "device_hotplug_lock";
    const std::string p2 = fs::path(w.itf_path).parent_path().string() + "/unlocked.itf.json";
    spit(p2, unlocked.dump(1));
    const ReplayReport rep = replay_itf(load_itf(p2));
    CHECK_FALSE(rep.reproduced);
    CHECK(rep.field == "threads.cpu0.locks");
    CHECK(rep.step == 2);
    // An unknown CPU is bad input naming the field.
    json unknown = doc;
    unknown["states"][1]["#meta"]["thread"] = "cpu9";
    const std::string p3 = fs::path(w.itf_path).parent_path().string() + "/unknown.itf.json";
    spit(p3, unknown.dump(1));
    const Run r = hpcheck("replay '" + p3 + "'");
    CHECK(r.rc == 2);
    CHECK(r.out.find("states[1].#meta.thread") != std::string::npos);
}

TEST_CASE("interleave reports: explain puts each step in its CPU's column with the locks held") {
    const Written w = write_itf("70-seed002-free-tables-unconditionally-threads.toml", "itl-explain");
    const LoadedTrace t = load_itf(w.itf_path);
    const ReplayReport rep = replay_itf(t);
    const std::string text = format_explain(t, rep, ExplainOptions{});
    // The header: both CPUs on one line, cpu1's name 52 columns right of cpu0's.
    const std::size_t nl = text.find("\n       cpu0");  // the column header, not the "threads" lines
    REQUIRE(nl != std::string::npos);
    const std::size_t h = nl + 1;
    const std::string header = text.substr(h, text.find('\n', h) - h);
    CHECK(header.find("cpu1") == 7 + 52);
    // Every step's first line starts in its thread's column.
    std::istringstream in(text.substr(h));
    std::string line;
    unsigned step = 0;
    while (std::getline(in, line) && step < rep.rows.size()) {
        if (line.size() < 6 || line[5] != '.' || line.find_first_not_of(' ') > 4) continue;
        const unsigned th = rep.rows[step].thread;
        CHECK(text_column(line) == 7 + 52 * th);
        ++step;
    }
    CHECK(step == rep.rows.size());
    CHECK(text.find("[device_hotplug_lock, mem_hotplug_lock(w)]") != std::string::npos);
    CHECK(text.find("locks held after the step: cpu0 [device_hotplug_lock, mem_hotplug_lock(w)], cpu1 [-]") !=
          std::string::npos);
    CHECK(text.find("page_tables: vmemmap_pmd.present: yes -> no") != std::string::npos);
    // The RCU read-side section of pfn_valid() (5ec8e8ea8b77) shows as a lock.
    const Written rcu = write_itf("74-walker-pfn-valid-threads.toml", "itl-explain-rcu");
    const LoadedTrace t2 = load_itf(rcu.itf_path);
    const std::string text2 = format_explain(t2, replay_itf(t2), ExplainOptions{});
    CHECK(text2.find("[rcu]") != std::string::npos);
}

TEST_CASE("interleave reports: svg lanes, html page, email report and repro of a threaded trace") {
    const Written w = write_itf("70-seed002-free-tables-unconditionally-threads.toml", "itl-pictures");
    const LoadedTrace t = load_itf(w.itf_path);
    const ReplayReport rep = replay_itf(t);
    const std::string svg = format_svg(t, rep);
    CHECK(svg.find(">cpu0 (hotplug)</text>") != std::string::npos);
    CHECK(svg.find(">cpu1 (vmalloc)</text>") != std::string::npos);
    CHECK(svg.find("<title>cpu0 holds mem_hotplug_lock(w)</title>") != std::string::npos);
    CHECK(svg.find("#ffcdd2") != std::string::npos);  // the violating step
    const std::string html = format_html(t, rep, "t.itf.json");
    CHECK(html.find("<h2>The interleaving</h2>") != std::string::npos);
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("<tr><td>cpu0</td><td>device_hotplug_lock, mem_hotplug_lock(w)</td></tr>") != std::string::npos);
    // `report TRACE`: <= 72 columns, both CPUs.
    const Run rep_run = hpcheck("report '" + w.itf_path + "'");
    CHECK(rep_run.rc == 1);
    CHECK(rep_run.out.find("Shortest interleaving (8 steps") != std::string::npos);
    std::istringstream in(rep_run.out);
    std::string line;
    while (std::getline(in, line)) CHECK(line.size() <= 72 + 2);  // "—" is 3 bytes in UTF-8
    // No QEMU reproducer for a race: bad input, one line naming the field.
    const Run repro = hpcheck("repro '" + w.itf_path + "'");
    CHECK(repro.rc == 2);
    CHECK(repro.out.find("#meta.mode") != std::string::npos);
    // check --trace-dir writes the whole set for a threaded violation.
    const std::string dir = scratch("itl-trace-dir");
    const Run c = hpcheck("check spec/scenarios/82-span-reader-unlocked-threads.toml --trace-dir '" + dir + "'");
    CHECK(c.rc == 1);
    for (const char* ext : {".itf.json", ".svg", ".html", ".trace.txt", ".trace.json"})
        CHECK(fs::exists(dir + "/span-reader-unlocked-threads-v6.1" + ext));
    CHECK(hpcheck("replay '" + dir + "/span-reader-unlocked-threads-v6.1.itf.json'").rc == 0);
}
