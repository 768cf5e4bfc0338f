// hpcheck: the command line. Exit codes: 0 holds, 1 violation, 2 bad input or usage,
// 3 incomplete (a limit was hit, or interrupted).
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/explorer.hpp"
#include "checker/suite_select.hpp"
#include "spec/scenario.hpp"

#ifndef HPCHECK_DATA_DIR
#define HPCHECK_DATA_DIR ""
#endif

using namespace hp::cli;

static void on_sigint(int) { hp::g_interrupted.store(true); }

namespace hp::cli {
namespace {
std::vector<std::pair<int, AddCommand>>& command_table() {
    static std::vector<std::pair<int, AddCommand>> t;
    return t;
}
}  // namespace
bool register_command(int order, AddCommand add) {
    command_table().emplace_back(order, add);
    return true;
}
void add_registered_commands(CLI::App& app, Registry& r, Context& ctx) {
    auto t = command_table();
    std::stable_sort(t.begin(), t.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& [order, add] : t) add(app, r, ctx);
}
}  // namespace hp::cli

int main(int argc, char** argv) {
    std::signal(SIGINT, on_sigint);
    CLI::App app{"hpcheck — a model checker for Linux memory-hotplug invariants.\n"
                 "With no subcommand, runs every scenario of the suite and exits 0 only if every verdict "
                 "matches its expectation.\nExit codes: 0 holds, 1 violation, 2 bad input or usage, 3 incomplete."};
    app.set_version_flag("--version", std::string("hpcheck 0.1.0"));
    Context ctx;
    std::error_code ec;
    ctx.scenario_dir = std::getenv("HPCHECK_SCENARIOS")
                           ? std::getenv("HPCHECK_SCENARIOS")
                           : hp::default_scenario_dir(std::filesystem::read_symlink("/proc/self/exe", ec).string(), HPCHECK_DATA_DIR);
    ctx.progress = isatty(STDERR_FILENO);
    app.add_option("--scenarios", ctx.scenario_dir, "scenario directory of the suite")->capture_default_str();

    Registry commands;
    add_registered_commands(app, commands, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "hpcheck: " << e.what() << " (see hpcheck --help)\n";
        return EXIT_BAD_INPUT;
    }
    try {
        for (const Command& c : commands)
            if (c.app->parsed()) return c.run();
        return run_suite(ctx);
    } catch (const std::exception& e) {  // ScenarioError and output-file errors: one line
        std::cerr << "hpcheck: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    }
}
