// Issue 11: threads, interleaving points, locks, RCU, the page tables of seed 002, the
// persistent-set reduction and the preemption bound (docs/interleavings.md).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "checker/report_json.hpp"
#include "checker/report_text.hpp"
#include "checker/run.hpp"
#include "checker/threaded_model.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {
const std::string kScen = std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/";

std::vector<fs::path> threaded_scenarios() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(kScen))
        if (e.path().extension() == ".toml" && load_scenario(e.path().string()).threads.enabled()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

RunResult run(const std::string& file, bool por, int max_preemptions = -1, const std::string& variant = "",
              bool sleep_sets = false) {
    RunOptions o;
    o.por = por;
    o.sleep_sets = sleep_sets;
    o.max_preemptions = max_preemptions;
    o.variant_override = variant;
    return run_scenario(load_scenario(kScen + file), o);
}
}  // namespace

TEST_CASE("interleave: every threaded scenario has its expected verdict, with and without partial-order reduction") {
    const auto files = threaded_scenarios();
    REQUIRE(files.size() >= 10);
    for (const fs::path& f : files) {
        CAPTURE(f.filename().string());
        const RunResult reduced = run(f.filename().string(), true);
        const RunResult full = run(f.filename().string(), false);
        const RunResult sleep = run(f.filename().string(), true, -1, "", true);  // persistent + sleep sets
        REQUIRE(sleep.explore.verdict != Verdict::INCOMPLETE);
        CHECK(sleep.sleep_sets);
        CHECK(sleep.matches);
        CHECK(sleep.explore.verdict == full.explore.verdict);
        if (sleep.explore.violation && full.explore.violation)
            CHECK(sleep.explore.violation->invariant == full.explore.violation->invariant);
        MESSAGE(f.filename().string() << ": states POR+sleep " << sleep.explore.states);
        // Both searches finish here, so they must agree (the reduction's soundness claim).
        REQUIRE(reduced.explore.verdict != Verdict::INCOMPLETE);
        REQUIRE(full.explore.verdict != Verdict::INCOMPLETE);
        CHECK(reduced.matches);
        CHECK(full.matches);
        CHECK(reduced.explore.verdict == full.explore.verdict);
        if (reduced.explore.violation && full.explore.violation)
            CHECK(reduced.explore.violation->invariant == full.explore.violation->invariant);
        if (full.explore.verdict == Verdict::PASS) CHECK(reduced.explore.states <= full.explore.states);
        MESSAGE(f.filename().string() << ": states POR " << reduced.explore.states << ", full " << full.explore.states);
    }
}

TEST_CASE("interleave: seed 002 — freeing shared vmemmap tables races with vmalloc(), the other designs do not") {
    const RunResult bad = run("70-seed002-free-tables-unconditionally-threads.toml", true);
    REQUIRE(bad.explore.verdict == Verdict::VIOLATION);
    CHECK(bad.explore.violation->invariant == "no-use-after-free");
    // The interleaving: vmalloc loads the table, hot-remove frees it, vmalloc writes into it.
    REQUIRE(bad.interleaving.size() >= 3);
    CHECK(bad.interleaving.back().thread == 1);
    bool walked = false, freed_after_walk = false;
    for (const InterleavingRow& r : bad.interleaving) {
        walked |= r.thread == 1;
        for (const CallLog::Entry& e : r.calls)
            freed_after_walk |= walked && e.text.find("free_empty_tables") != std::string::npos;
    }
    CHECK(freed_after_walk);
    const std::string json = format_json(load_scenario(kScen + "70-seed002-free-tables-unconditionally-threads.toml"), bad);
    CHECK(json.find("\"cpu\": \"cpu1\"") != std::string::npos);
    CHECK(json.find("\"locks_held\": \"device_hotplug_lock, mem_hotplug_lock(w)\"") != std::string::npos);
    const std::string text = format_interleaving(bad);
    CHECK(text.find("cpu0") != std::string::npos);
    CHECK(text.find("cpu1") != std::string::npos);
    CHECK(text.find("device_hotplug_lock") != std::string::npos);
    // The same threads under the other designs pass; the racy design is the only change.
    CHECK(run("70-seed002-free-tables-unconditionally-threads.toml", true, -1, "arm64-vmemmap-keep-tables").explore.verdict ==
          Verdict::PASS);
    CHECK(run("70-seed002-free-tables-unconditionally-threads.toml", true, -1, "arm64-v7-free-empty-tables").explore.verdict ==
          Verdict::PASS);
}

TEST_CASE("interleave: get_online_mems() excludes offline/remove, without it the walker reads a stale struct page") {
    CHECK(run("75-walker-online-page-unlocked-threads.toml", true).explore.verdict == Verdict::VIOLATION);
    const RunResult locked = run("76-walker-online-page-locked-threads.toml", false);
    CHECK(locked.explore.verdict == Verdict::PASS);
}

TEST_CASE("interleave: ms->usage — kfree() races with pfn_valid(), kfree_rcu() + rcu_read_lock_sched() does not") {
    const RunResult bad = run("bug-5ec8e8ea8b77-usage-kfree-race.toml", false);
    REQUIRE(bad.explore.verdict == Verdict::VIOLATION);
    CHECK(bad.explore.violation->detail.find("ms->usage") != std::string::npos);
    CHECK(run("79-usage-kfree-rcu-threads.toml", false).explore.verdict == Verdict::PASS);
    // The fixed free with the old, RCU-less reader is still a race: both halves of the fix matter.
    CHECK(run("bug-5ec8e8ea8b77-usage-kfree-race.toml", false, -1, "v6.1").explore.verdict == Verdict::VIOLATION);
}

TEST_CASE("interleave: --max-preemptions bounds the search and says so") {
    const RunResult zero = run("75-walker-online-page-unlocked-threads.toml", false, 0);
    CHECK(zero.explore.verdict == Verdict::PASS);  // no preemption: every thread runs to its end or blocks
    CHECK(zero.cut_by_preemption_bound > 0);       // ... and that is reported as bounded, not complete
    const Scenario sc = load_scenario(kScen + "75-walker-online-page-unlocked-threads.toml");
    CHECK(format_check(sc, zero).find("bounded: every interleaving with <= 0 preemptions") != std::string::npos);
    const RunResult one = run("75-walker-online-page-unlocked-threads.toml", false, 1);
    CHECK(one.explore.verdict == Verdict::VIOLATION);
}

TEST_CASE("interleave: a hotplug thread alone, cut at every interleaving point, ends where the sequential op ends") {
    const Scenario sc = load_scenario(kScen + "76-walker-online-page-locked-threads.toml");
    const Variant& v = *find_variant(sc.variant);
    Scenario alone = sc;
    alone.threads.threads.resize(1);  // the hotplug thread only
    ThreadedModel model(alone, v, {}, ThreadedModel::Options{false, -1});
    ThreadedModel::State s = model.initial(), next{};
    unsigned steps = 0;
    Violation viol;
    while (model.step(s, 0, next, &viol) == StepOutcome::OK) {
        s = next;
        ++steps;
    }
    CHECK(steps > alone.threads.threads[0].ops.size());  // cut into more steps than operations
    KernelState seq = initial_state(sc.machine);
    for (const Action& a : sc.threads.setup) apply_action(sc.machine, v.ops, seq, a);
    for (const Action& a : sc.threads.threads[0].ops) apply_action(sc.machine, v.ops, seq, a);
    CHECK(s.k == seq);
    CHECK(s.x.hp_owner == NO_THREAD);
}

TEST_CASE("interleave: bad [[threads]] input names file, line and field") {
    const std::string path = (fs::temp_directory_path() / "hpcheck-bad-threads.toml").string();
    {
        std::ofstream(path) << "name = \"x\"\nboot_ram_mb = 1024\n[[dimm]]\nname = \"d\"\nsize_mb = 128\n"
                               "[[threads]]\nkind = \"reader\"\n";
    }
    try {
        load_scenario(path);
        FAIL("accepted an unknown thread kind");
    } catch (const ScenarioError& e) {
        const std::string w = e.what();
        CHECK(w.find(path) != std::string::npos);
        CHECK(w.find(":7") != std::string::npos);
        CHECK(w.find("threads[0].kind") != std::string::npos);
    }
    fs::remove(path);
}

TEST_CASE("interleave: deadlock-freedom — a writer waiting on a reader that never releases get_online_mems()") {
    const Scenario sc = load_scenario(kScen + "76-walker-online-page-locked-threads.toml");
    ThreadedModel model(sc, *find_variant(sc.variant), {}, ThreadedModel::Options{false, -1});
    ThreadedModel::State s = model.initial(), next{};
    Violation v;
    // The walker takes get_online_mems(); the hotplug thread starts offline and parks at mem_hotplug_begin.
    REQUIRE(model.step(s, 1, next, &v) == StepOutcome::OK);
    s = next;
    REQUIRE(model.step(s, 0, next, &v) == StepOutcome::OK);
    s = next;
    CHECK_FALSE(model.enabled(s, 0));  // percpu_down_write() waits for the reader
    CHECK(model.check_state(s, &v));   // the reader can still go on: no deadlock
    // A reader that finished its program but still holds the read side (a missing
    // put_online_mems()): nobody can step, the writer never gets the lock.
    s.x.pc[1] = 255;
    CHECK_FALSE(model.check_state(s, &v));
    CHECK(v.invariant == "deadlock-freedom");
}

TEST_CASE("interleave: ptdump — a walk without get_online_mems() reads a freed vmemmap pmd table, with it, it does not") {
    const RunResult bad = run("91-ptdump-unlocked-threads.toml", true);
    REQUIRE(bad.explore.verdict == Verdict::VIOLATION);
    CHECK(bad.explore.violation->invariant == "no-use-after-free");
    CHECK(bad.explore.violation->detail.find("ptdump") != std::string::npos);
    // The walk loads the table pointer, hot-remove frees the table, the walk reads it.
    REQUIRE(bad.interleaving.size() >= 3);
    CHECK(bad.interleaving.back().thread == 1);
    bool loaded = false, freed_after = false;
    for (const InterleavingRow& r : bad.interleaving) {
        loaded |= r.thread == 1 && r.what.find("pointer loaded") != std::string::npos;
        for (const CallLog::Entry& e : r.calls) freed_after |= loaded && e.text.find("free_empty_tables") != std::string::npos;
    }
    CHECK(freed_after);
    CHECK(run("92-ptdump-get-online-mems-threads.toml", false).explore.verdict == Verdict::PASS);
    // Keeping the tables (Catalin's design) makes even the unlocked walk safe.
    CHECK(run("91-ptdump-unlocked-threads.toml", false, -1, "arm64-vmemmap-keep-tables").explore.verdict == Verdict::PASS);
}

TEST_CASE("interleave: zone_span_seqbegin() reader — 6.1.192 writers never take zone_span_writelock(), the retry never fires") {
    const RunResult r = run("93-span-seqlock-reader-threads.toml", false);
    REQUIRE(r.explore.verdict == Verdict::VIOLATION);
    CHECK(r.explore.violation->detail.find("zone_span_seqretry() does not retry") != std::string::npos);
    // The same reader under get_online_mems() (scenario 83) passes: that lock is what excludes the writer.
    CHECK(run("83-span-reader-get-online-mems-threads.toml", false).explore.verdict == Verdict::PASS);
}
