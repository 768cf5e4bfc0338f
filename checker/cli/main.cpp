// hpcheck: the command line. Exit codes: 0 holds, 1 violation, 2 bad input or usage,
// 3 incomplete (a limit was hit, or interrupted).
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <new>
#include <nlohmann/json.hpp>

#include "checker/cli/command.hpp"
#include "checker/cli/strict_numbers.hpp"
#include "checker/explorer.hpp"
#include "spec/input_check.hpp"
#include "checker/suite_select.hpp"
#include "spec/scenario.hpp"

#ifndef HPCHECK_DATA_DIR
#define HPCHECK_DATA_DIR ""
#endif

using namespace hp::cli;

// The first Ctrl-C asks every loop to stop (the run ends as incomplete, exit 3); SA_RESETHAND
// makes a second one end the process at once.
static void on_sigint(int) { hp::g_interrupted.store(true); }
static void install_sigint_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, nullptr);
}

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

namespace hp::cli {

// The command line, with parse_only (for the CLI fuzzer) stopping after the arguments
// have been parsed and checked.
int hpcheck_main(int argc, char** argv, bool parse_only) {
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
    make_numbers_strict(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return parse_only ? 0 : app.exit(e);
        if (!parse_only) std::cerr << "hpcheck: " << hp::one_line(e.what()) << " (see hpcheck --help)\n";
        return EXIT_BAD_INPUT;
    }
    if (parse_only) return 0;
    // Every error is one line naming the input; nothing escapes as an uncaught exception.
    auto input = [] {
        const std::string& f = hp::current_input_file();
        return f.empty() ? std::string("hpcheck") : f + ":1";
    };
    int rc = EXIT_BAD_INPUT;
    try {
        bool ran = false;
        for (const Command& c : commands)
            if (c.app->parsed()) {
                rc = c.run();
                ran = true;
                break;
            }
        if (!ran) rc = run_suite(ctx);
    } catch (const std::bad_alloc&) {
        std::cerr << "hpcheck: " << input() << ": memory: out of memory (bound the run with --max-memory)\n";
        return EXIT_BAD_INPUT;
    } catch (const nlohmann::json::exception& e) {
        std::cerr << "hpcheck: " << input() << ": json: " << hp::one_line(e.what()) << "\n";
        return EXIT_BAD_INPUT;
    } catch (const std::exception& e) {  // ScenarioError, TraceError, RecordingError, output files: one line
        std::cerr << "hpcheck: " << hp::one_line(e.what()) << "\n";
        return EXIT_BAD_INPUT;
    }
    // Ctrl-C is never a pass, nor a verdict: whatever the command found, the run is incomplete.
    if (hp::g_interrupted.load() && rc != EXIT_BAD_INPUT) {
        std::cerr << "hpcheck: interrupted\n";
        return EXIT_INCOMPLETE;
    }
    return rc;
}

}  // namespace hp::cli

#ifndef HPCHECK_NO_MAIN
int main(int argc, char** argv) {
    install_sigint_handler();
    return hp::cli::hpcheck_main(argc, argv, false);
}
#endif
