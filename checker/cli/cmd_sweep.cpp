// `hpcheck sweep`: split scenarios x variants into independent jobs, one JSON result each.
// By default it prints the job list (one shell command per line) for a cluster scheduler
// (a Slurm array, `xargs -P`, or mpirun, see docs/cluster.md); `--run` runs it here.
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "checker/cli/command.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct SweepArgs {
    std::vector<std::string> scenarios, variants;
    bool all_variants = false, run = false;
    std::string out_dir = "sweep-out";
    unsigned threads = 1, jobs = 0;
    double max_seconds = 0;
};

std::string quoted(const std::string& s) {  // for a POSIX shell
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::vector<std::string> job_list(const SweepArgs& a, const Context& ctx) {
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::vector<std::string> files = a.scenarios.empty() ? scenario_files(ctx.scenario_dir) : a.scenarios;
    std::vector<std::string> jobs;
    for (const std::string& f : files) {
        const Scenario sc = load_scenario(f);  // bad input fails here, before any job runs
        std::vector<std::string> variants = a.variants;
        if (a.all_variants)
            for (const Variant& v : all_variants()) variants.push_back(v.name);
        if (variants.empty()) variants.push_back(sc.variant);
        for (const std::string& v : variants) {
            if (!find_variant(v)) throw ScenarioError("--variant", 0, "--variant", fmt::format("unknown variant '{}'", v));
            const std::string json = (fs::path(a.out_dir) / fmt::format("{}-{}.json", sc.name, v)).string();
            std::string cmd = fmt::format("{} check {} --variant {} --threads {} --json {}", quoted(self), quoted(f),
                                          quoted(v), a.threads, quoted(json));
            if (a.max_seconds > 0) cmd += fmt::format(" --max-seconds {}", a.max_seconds);
            jobs.push_back(cmd + " > /dev/null");
        }
    }
    return jobs;
}

int run_sweep(const SweepArgs& a, const Context& ctx) {
    const std::vector<std::string> jobs = job_list(a, ctx);
    if (!a.run) {
        for (const std::string& j : jobs) std::cout << j << "\n";
        return EXIT_HOLDS;
    }
    fs::create_directories(a.out_dir);
    // Exit codes of `check`: 0 holds, 1 violation, 3 incomplete are results; 2 is bad input.
    std::atomic<std::size_t> next{0};
    std::atomic<unsigned> failed{0};
    std::mutex out_mu;
    auto worker = [&] {
        for (std::size_t i; (i = next++) < jobs.size();) {
            const int st = std::system(jobs[i].c_str());
            const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
            if (rc != 0 && rc != 1 && rc != 3) ++failed;
            std::lock_guard g(out_mu);
            std::cout << fmt::format("exit {}  {}\n", rc, jobs[i]) << std::flush;
        }
    };
    std::vector<std::thread> pool;
    const unsigned n = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency() / std::max(1u, a.threads));
    for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    std::cout << fmt::format("{} jobs, {} failed to run; results in {}\n", jobs.size(), failed.load(), a.out_dir);
    return failed ? EXIT_BAD_INPUT : EXIT_HOLDS;
}
}  // namespace

static void add_sweep_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("sweep", "split scenarios x variants into independent jobs (one JSON result each)");
    static SweepArgs a;
    sub->add_option("scenarios", a.scenarios, "scenario files (default: the whole suite)");
    sub->add_option("--variant", a.variants, "check this variant (repeatable; default: each scenario's own)");
    sub->add_flag("--all-variants", a.all_variants, "check every known variant");
    sub->add_option("--out", a.out_dir, "directory of the JSON results")->default_val("sweep-out");
    sub->add_option("--threads", a.threads, "threads per job")->default_val(1);
    sub->add_option("--max-seconds", a.max_seconds, "per job: stop (incomplete) after S seconds");
    sub->add_flag("--run", a.run, "run the jobs here instead of printing the list");
    sub->add_option("--jobs", a.jobs, "with --run: jobs at a time (default: cores / threads)");
    r.push_back({sub, [&ctx] { return run_sweep(a, ctx); }});
}

static const bool registered = register_command(35, add_sweep_command);

}  // namespace hp::cli
