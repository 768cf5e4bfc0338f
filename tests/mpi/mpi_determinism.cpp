// Run under `mpirun -np 2` (tests/CMakeLists.txt): the distributed search gives the same
// results as the in-process one with --threads 1 and --threads 2 on every scenario of the
// suite: verdict, incomplete reason, state and transition counts, depth, operation
// counters, the shortest trace and the reports built from them (times and bytes blanked).
// Also: --max-states stops every rank at the sequential search's state, a violation in
// the middle of a level gives the sequential trace, and the time and memory limits end
// every rank in the same "incomplete" verdict. Prints each mismatch; exit 1 if any.
#include <mpi.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>

#include "checker/explore_backend.hpp"
#include "checker/mpi/explorer_mpi.hpp"
#include "checker/report_json.hpp"
#include "checker/report_text.hpp"
#include "tests/helpers.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {
int rank = 0, nranks = 1, failures = 0;

std::string stable(std::string s) {
    s = std::regex_replace(s, std::regex(R"re("(seconds|bytes_per_state)": [0-9.e+-]+)re"), "\"$1\": X");
    return std::regex_replace(s, std::regex(R"([0-9.]+ s, [0-9]+ bytes/state)"), "X s, X bytes/state");
}

std::string summary(const ExploreResult& r) {
    std::ostringstream o;
    o << "verdict " << verdict_name(r.verdict) << " (" << r.incomplete_reason << ")\nstates " << r.states
      << "\ntransitions " << r.transitions << "\ndepth " << r.depth << "\nunexpanded " << r.unexpanded_at_bound
      << "\ntrace";
    for (unsigned a : r.trace) o << ' ' << a;
    if (r.violation) o << "\nviolation " << r.violation->invariant << " | " << r.violation->conjunct << " | " << r.violation->detail;
    return o.str() + "\n";
}

// Everything of a run that must not depend on how it was searched.
std::string summary(const Scenario& sc, const RunResult& r) {
    std::ostringstream o;
    o << summary(r.explore) << "counters";
    for (auto c : r.counters.ok) o << ' ' << c;
    for (auto c : r.counters.refused) o << ' ' << c;
    for (auto c : r.counters.fired) o << ' ' << c;
    o << "\ncut_by_preemption_bound " << r.cut_by_preemption_bound << "\n";
    return o.str() + stable(format_check(sc, r)) + stable(format_json(sc, r)) + format_trace(sc.machine, r);
}

std::string bcast(std::string s, int root) {
    std::uint64_t n = s.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
    s.resize(n);
    MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, root, MPI_COMM_WORLD);
    return s;
}

void expect_same(const std::string& what, const std::string& a, const std::string& b) {
    if (a == b) return;
    ++failures;
    std::cerr << "MISMATCH (rank " << rank << ") " << what << "\n--- expected\n" << a << "--- got\n" << b << "\n";
}

const ExploreBackend mpi_backend{
    [](KernelModel& m, const Limits& l) { return mpi::explore_mpi(m, l, MPI_COMM_WORLD); },
    [](ThreadedModel& m, const Limits& l) { return mpi::explore_mpi(m, l, MPI_COMM_WORLD); }};

RunResult run(const Scenario& sc, unsigned threads, bool distributed) {
    RunOptions opt;
    opt.limits.threads = threads;
    set_explore_backend(distributed ? &mpi_backend : nullptr);
    RunResult r = run_scenario(sc, opt);
    set_explore_backend(nullptr);
    return r;
}

ExploreResult explore_mpi_with(const Machine& m, const Variant& v, std::vector<FaultKind> faults, Limits lim) {
    KernelModel model(m, v, expand_alphabet(m, test::every_action(), faults), select_invariants({}, "test"));
    return mpi::explore_mpi(model, lim, MPI_COMM_WORLD);
}
}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);

    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(HPCHECK_SOURCE_DIR) / "spec" / "scenarios"))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    unsigned searched = 0;
    for (const fs::path& f : files) {
        const Scenario sc = load_scenario(f.string());
        // --threads 1 on rank 0 and --threads 2 on rank 1 at the same time; then all ranks
        // together, distributed.
        std::string one, two;
        if (rank == 0) one = summary(sc, run(sc, 1, false));
        if (rank == 1 || nranks == 1) two = summary(sc, run(sc, 2, false));
        const std::string dist = summary(sc, run(sc, 1, true));
        two = bcast(two, nranks > 1 ? 1 : 0);
        if (rank == 0) {
            expect_same(f.filename().string() + ": --threads 2 vs --threads 1", one, two);
            expect_same(f.filename().string() + ": mpirun -np " + std::to_string(nranks) + " vs --threads 1", one, dist);
        }
        if (!sc.litmus()) ++searched;
    }

    // --max-states in the middle of a level, and a violation in the middle of a level.
    const Machine m = test::qemu_machine(3);
    for (std::uint64_t max_states : {2ull, 37ull, 500ull, 1999ull}) {
        Limits lim;
        lim.max_states = max_states;
        lim.threads = 1;
        const std::string want = summary(test::explore_with(m, *find_variant("v6.1"), test::every_action(), {}, lim));
        const std::string got = summary(explore_mpi_with(m, *find_variant("v6.1"), {}, lim));
        expect_same("--max-states " + std::to_string(max_states), want, got);
        if (got.find("incomplete (--max-states reached)\nstates " + std::to_string(max_states) + "\n") == std::string::npos)
            expect_same("--max-states " + std::to_string(max_states) + " stops there", "states " + std::to_string(max_states), got);
    }
    Variant v = test::mutant("no-shrink");
    v.ops.shrink_zone_span = [](Kernel&, int, unsigned, pfn_t, pfn_t) {};
    {
        Limits lim;
        lim.threads = 1;
        const std::string want = summary(test::explore_with(m, v, test::every_action(), {FaultKind::UNMOVABLE_PAGES}, lim));
        const std::string got = summary(explore_mpi_with(m, v, {FaultKind::UNMOVABLE_PAGES}, lim));
        expect_same("mid-level violation", want, got);
        if (want.find("verdict violation") != 0) expect_same("the mutant is caught", "verdict violation", want);
    }
    // Time and memory limits: every rank ends incomplete, with the same reason.
    for (int which = 0; which < 2; ++which) {
        Limits lim;
        if (which == 0) lim.max_seconds = 1e-9;
        else lim.max_memory_mb = 1;  // any process is larger: the first round ends it
        const ExploreResult r = explore_mpi_with(test::qemu_machine(4), *find_variant("v6.1"), {}, lim);
        const std::string mine = std::string(verdict_name(r.verdict)) + " (" + r.incomplete_reason + ")";
        expect_same("a limit on every rank", which == 0 ? "incomplete (--max-seconds reached)" : "incomplete (--max-memory reached)", mine);
        expect_same("the same limit verdict as rank 0", bcast(mine, 0), mine);
    }

    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        std::cout << files.size() << " scenarios (" << searched << " searched), " << nranks << " ranks: "
                  << (total ? std::to_string(total) + " mismatches" : "identical to --threads 1 and --threads 2") << "\n";
    MPI_Finalize();
    return total ? 1 : 0;
}
