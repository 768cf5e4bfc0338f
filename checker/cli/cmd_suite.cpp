// `hpcheck` / `hpcheck suite`: every scenario of spec/scenarios, one row each.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "checker/cli/command.hpp"
#include "checker/report_text.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

std::vector<std::string> scenario_files(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".toml") files.push_back(e.path().string());
    if (ec) throw std::runtime_error(dir + ": cannot read the scenario directory: " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

int run_suite(const Context& ctx) {
    RunOptions opt;
    const auto files = scenario_files(ctx.scenario_dir);
    std::fputs(suite_header().c_str(), stdout);
    int passed = 0, failed = 0;
    bool bad_input = false, incomplete = false;
    for (const std::string& f : files) {
        if (g_interrupted) break;  // also between scenarios: loading one is not a reason to go on
        try {
            const Scenario sc = load_scenario(f);
            const RunResult r = run_scenario(sc, opt);
            std::fputs(suite_row(r).c_str(), stdout);
            std::fflush(stdout);
            (r.matches ? passed : failed)++;
            incomplete |= r.explore.verdict == Verdict::INCOMPLETE;
        } catch (const ScenarioError& e) {
            std::printf("%-40s error: %s\n", fs::path(f).stem().string().c_str(), e.what());
            bad_input = true;
            ++failed;
        }
    }
    std::printf("\n%d passed, %d failed%s\n", passed, failed, g_interrupted ? " (interrupted)" : "");
    if (bad_input) return EXIT_BAD_INPUT;
    if (g_interrupted) return EXIT_INCOMPLETE;  // scenarios were left out: never a pass
    if (failed) return incomplete ? EXIT_INCOMPLETE : EXIT_VIOLATION;
    return EXIT_HOLDS;
}

static void add_suite_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("suite", "run every scenario of the suite (the default)");
    r.push_back({sub, [&ctx] { return run_suite(ctx); }});
}

static const bool registered = register_command(10, add_suite_command);

}  // namespace hp::cli
