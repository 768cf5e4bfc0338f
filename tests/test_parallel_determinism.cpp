// The multicore search gives the same answer for any number of threads: verdict, state
// and transition counts, operation counters, the shortest trace and the reports built
// from them (only the time and the memory figures may differ).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include "checker/explorer_pool.hpp"
#include "checker/report_json.hpp"
#include "checker/report_text.hpp"
#include "tests/helpers.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {
// The report with the machine-dependent figures (seconds, bytes per state) blanked.
std::string stable(std::string s) {
    s = std::regex_replace(s, std::regex(R"re("(seconds|bytes_per_state)": [0-9.e+-]+)re"), "\"$1\": X");
    return std::regex_replace(s, std::regex(R"([0-9.]+ s, [0-9]+ bytes/state)"), "X s, X bytes/state");
}

void require_same(const ExploreResult& a, const ExploreResult& b) {
    CHECK(verdict_name(a.verdict) == std::string(verdict_name(b.verdict)));
    CHECK(a.incomplete_reason == b.incomplete_reason);
    CHECK(a.states == b.states);
    CHECK(a.transitions == b.transitions);
    CHECK(a.depth == b.depth);
    CHECK(a.unexpanded_at_bound == b.unexpanded_at_bound);
    CHECK(a.trace == b.trace);
    CHECK(a.violation.has_value() == b.violation.has_value());
    if (a.violation && b.violation) {
        CHECK(a.violation->invariant == b.violation->invariant);
        CHECK(a.violation->conjunct == b.violation->conjunct);
        CHECK(a.violation->detail == b.violation->detail);
    }
}
}  // namespace

TEST_CASE("every suite scenario: --threads 1, 2 and 3 give identical verdicts, counts, traces and reports") {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(HPCHECK_SOURCE_DIR) / "spec" / "scenarios"))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 20);
    for (const fs::path& f : files) {
        CAPTURE(f.filename().string());
        const Scenario sc = load_scenario(f.string());
        RunOptions opt;
        opt.limits.threads = 1;
        const RunResult one = run_scenario(sc, opt);
        for (unsigned threads : {2u, 3u}) {
            CAPTURE(threads);
            opt.limits.threads = threads;
            const RunResult many = run_scenario(sc, opt);
            require_same(one.explore, many.explore);
            CHECK(stable(format_check(sc, one)) == stable(format_check(sc, many)));
            CHECK(stable(format_json(sc, one)) == stable(format_json(sc, many)));
            CHECK(format_trace(sc.machine, one) == format_trace(sc.machine, many));
        }
    }
}

TEST_CASE("a limit or a violation in the middle of a level stops at the same place for any number of threads") {
    const Machine m = test::qemu_machine(3);
    Variant v = test::mutant("no-shrink");
    v.ops.shrink_zone_span = [](Kernel&, int, unsigned, pfn_t, pfn_t) {};
    for (std::uint64_t max_states : {2ull, 37ull, 500ull, 1999ull}) {
        CAPTURE(max_states);
        Limits lim;
        lim.max_states = max_states;
        lim.threads = 1;
        const ExploreResult one = test::explore_with(m, *find_variant("v6.1"), test::every_action(), {}, lim);
        CHECK(one.verdict == Verdict::INCOMPLETE);
        CHECK(one.states == max_states);
        for (unsigned threads : {2u, 4u}) {
            lim.threads = threads;
            require_same(one, test::explore_with(m, *find_variant("v6.1"), test::every_action(), {}, lim));
        }
    }
    Limits lim;
    lim.threads = 1;
    const ExploreResult one = test::explore_with(m, v, test::every_action(), {FaultKind::UNMOVABLE_PAGES}, lim);
    REQUIRE(one.verdict == Verdict::VIOLATION);
    for (unsigned threads : {2u, 4u}) {
        lim.threads = threads;
        require_same(one, test::explore_with(m, v, test::every_action(), {FaultKind::UNMOVABLE_PAGES}, lim));
    }
}

namespace {
// A one-word transition system (a word set in the visited set, like the SPIN toy): the
// threads expand a level into per-owner lists and insert them partitioned by segment.
struct WordModel {
    struct State {
        std::uint32_t x = 1;
    };
    std::uint32_t bad = 0;  // a state invariant breaks at this value (0: never)
    unsigned packed_words() const { return 1; }
    State initial() const { return {}; }
    unsigned action_count() const { return 3; }
    void pack(const State& s, std::uint32_t* w) const { w[0] = s.x; }
    void unpack(const std::uint32_t* w, State& s) const { s.x = w[0]; }
    bool check_state(const State& s, Violation* v) const {
        if (!bad || s.x != bad) return true;
        *v = {"word", "x is not the bad value", std::to_string(s.x)};
        return false;
    }
    StepOutcome step(const State& s, unsigned a, State& out, Violation*) const {
        constexpr std::uint32_t P = 200003;  // states: the residues reached from 1
        if (a == 0) out.x = static_cast<std::uint32_t>((std::uint64_t{s.x} * 3 + 1) % P);
        else if (a == 1) out.x = static_cast<std::uint32_t>((std::uint64_t{s.x} * 7 + 5) % P);
        else if (s.x % 2) return StepOutcome::DISABLED;
        else out.x = s.x / 2;
        return StepOutcome::OK;
    }
};
}  // namespace

TEST_CASE("one-word states (partitioned insert): --threads 1, 2 and 3 give the same counts, limits and traces") {
    for (std::uint32_t bad : {0u, 4242u, 199999u}) {
        for (std::uint64_t max_states : {0ull, 1000ull, 77777ull}) {
            CAPTURE(bad);
            CAPTURE(max_states);
            Limits lim;
            lim.threads = 1;
            lim.max_states = max_states;
            WordModel m1{bad};
            const ExploreResult one = explore(m1, lim);
            if (!max_states && !bad) CHECK(one.verdict == Verdict::PASS);
            if (bad == 4242u && !max_states) {
                CHECK(one.verdict == Verdict::VIOLATION);
                CHECK_FALSE(one.trace.empty());
            }
            for (unsigned threads : {2u, 3u}) {
                lim.threads = threads;
                WordModel mt{bad};
                require_same(one, explore(mt, lim));
            }
        }
    }
}

TEST_CASE("one-word states: the levels are numbered alike for any number of threads (a trace to each of many states)") {
    // The trace to a state is found by re-stepping the previous levels in their order, so it
    // is the same only if every level before it was numbered the same: the parallel numbering
    // (each thread merges its key range of the owners' new states) must give BFS order.
    Limits lim;
    lim.threads = 1;
    WordModel all{0};
    const ExploreResult whole = explore(all, lim);
    REQUIRE(whole.states > 100000);
    for (std::uint32_t bad = 5; bad < 200003; bad += 4999) {
        CAPTURE(bad);
        lim.threads = 1;
        WordModel m1{bad};
        const ExploreResult one = explore(m1, lim);
        for (unsigned threads : {2u, 4u}) {
            CAPTURE(threads);
            lim.threads = threads;
            WordModel mt{bad};
            require_same(one, explore(mt, lim));
        }
    }
}

TEST_CASE("the explorer's worker pool runs a job on every thread and passes an exception on") {
    for (unsigned n : {1u, 2u, 5u}) {
        detail::WorkerPool pool(n);
        REQUIRE(pool.size() == n);
        for (int round = 0; round < 50; ++round) {
            std::vector<int> ran(n, 0);
            pool.run([&](unsigned t) { ++ran[t]; });
            CHECK(std::count(ran.begin(), ran.end(), 1) == static_cast<long>(n));
        }
        CHECK_THROWS_AS(pool.run([&](unsigned t) {
                            if (t + 1 == n) throw std::runtime_error("job");
                        }),
                        std::runtime_error);
        int after = 0;
        pool.run([&](unsigned t) {
            if (t == 0) after = 1;
        });
        CHECK(after == 1);
    }
}
