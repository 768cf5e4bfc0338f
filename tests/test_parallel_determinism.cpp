// The multicore search gives the same answer for any number of threads: verdict, state
// and transition counts, operation counters, the shortest trace and the reports built
// from them (only the time and the memory figures may differ).
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

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
