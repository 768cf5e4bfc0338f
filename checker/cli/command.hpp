// Each subcommand lives in its own file and registers itself with add_<name>_command();
// main.cpp lists them. A command returns the process exit code.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace hp::cli {

inline constexpr int EXIT_HOLDS = 0, EXIT_VIOLATION = 1, EXIT_BAD_INPUT = 2, EXIT_INCOMPLETE = 3;

struct Command {
    CLI::App* app;
    std::function<int()> run;
};

struct Context {
    std::string scenario_dir;  // the suite's directory (--scenarios)
    bool progress = false;     // stderr is a terminal
};

using Registry = std::vector<Command>;
using AddCommand = void (*)(CLI::App& app, Registry& r, Context& ctx);

// Every cmd_*.cpp registers its add function at static-initialization time:
//   static const bool registered = hp::cli::register_command(40, add_check_command);
// `order` fixes the order in --help.
bool register_command(int order, AddCommand add);
void add_registered_commands(CLI::App& app, Registry& r, Context& ctx);

// The whole command line (main() calls it; the CLI fuzzer calls it with parse_only).
int hpcheck_main(int argc, char** argv, bool parse_only);

// Helpers shared by commands.
std::vector<std::string> scenario_files(const std::string& dir);
int run_suite(const Context& ctx);

}  // namespace hp::cli
