// hpcheck: the command line. Exit codes: 0 holds, 1 violation, 2 bad input or usage,
// 3 incomplete (a limit was hit, or interrupted).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "checker/output_file.hpp"
#include "checker/report_json.hpp"
#include "checker/report_text.hpp"

#ifndef HPCHECK_SCENARIO_DIR
#define HPCHECK_SCENARIO_DIR "spec/scenarios"
#endif

namespace fs = std::filesystem;
using namespace hp;

namespace {

constexpr int EXIT_HOLDS = 0, EXIT_VIOLATION = 1, EXIT_BAD_INPUT = 2, EXIT_INCOMPLETE = 3;

void on_sigint(int) { g_interrupted.store(true); }

std::string default_scenario_dir() {
    if (const char* env = std::getenv("HPCHECK_SCENARIOS")) return env;
    return HPCHECK_SCENARIO_DIR;
}

std::vector<std::string> scenario_files(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".toml") files.push_back(e.path().string());
    if (ec) throw std::runtime_error(dir + ": cannot read the scenario directory: " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

int exit_code_for(const RunResult& r) {
    switch (r.explore.verdict) {
        case Verdict::PASS: return EXIT_HOLDS;
        case Verdict::VIOLATION: return EXIT_VIOLATION;
        case Verdict::INCOMPLETE: return EXIT_INCOMPLETE;
    }
    return EXIT_BAD_INPUT;
}

int run_suite(const std::string& dir, const RunOptions& opt) {
    const auto files = scenario_files(dir);
    std::fputs(suite_header().c_str(), stdout);
    int passed = 0, failed = 0;
    bool bad_input = false;
    for (const std::string& f : files) {
        try {
            const Scenario sc = load_scenario(f);
            const RunResult r = run_scenario(sc, opt);
            std::fputs(suite_row(r).c_str(), stdout);
            std::fflush(stdout);
            (r.matches ? passed : failed)++;
        } catch (const ScenarioError& e) {
            std::printf("%s\n", fmt::format("{:<40} error: {}", fs::path(f).stem().string(), e.what()).c_str());
            bad_input = true;
            ++failed;
        }
        if (g_interrupted) break;
    }
    std::printf("\n%d passed, %d failed\n", passed, failed);
    if (bad_input) return EXIT_BAD_INPUT;
    return failed ? EXIT_VIOLATION : EXIT_HOLDS;
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGINT, on_sigint);
    CLI::App app{"hpcheck — a model checker for Linux memory-hotplug invariants.\n"
                 "With no subcommand, runs every scenario in the suite and exits 0 only if each verdict "
                 "matches its expectation.\nExit codes: 0 holds, 1 violation, 2 bad input or usage, 3 incomplete."};
    app.set_version_flag("--version", std::string("hpcheck 0.1.0"));
    std::string suite_dir = default_scenario_dir();
    app.add_option("--scenarios", suite_dir, "scenario directory for the suite")->capture_default_str();

    RunOptions opt;
    opt.progress = isatty(STDERR_FILENO);
    std::string scenario_file, json_out, trace_dir;
    auto* check = app.add_subcommand("check", "explore one scenario (or run its litmus steps) and report");
    check->add_option("scenario", scenario_file, "scenario file (TOML)")->required();
    check->add_option("--variant", opt.variant_override, "kernel variant to check instead of the scenario's");
    check->add_option("--max-depth", opt.limits.max_depth, "explore sequences of at most D operations");
    check->add_option("--max-states", opt.limits.max_states, "stop (incomplete) after N states");
    check->add_option("--max-seconds", opt.limits.max_seconds, "stop (incomplete) after S seconds");
    check->add_option("--max-memory", opt.limits.max_memory_mb, "stop (incomplete) when the visited set exceeds MB MiB");
    check->add_option("--invariant", opt.invariants, "check only these invariants (repeatable)");
    check->add_option("--json", json_out, "write the result as JSON to OUT");
    check->add_option("--trace-dir", trace_dir, "write the violating trace (text and JSON) into DIR");

    auto* list = app.add_subcommand("list", "list variants, invariants, scenarios or geometries");
    std::string what;
    list->add_option("what", what, "variants | invariants | scenarios | geometries")
        ->required()
        ->check(CLI::IsMember({"variants", "invariants", "scenarios", "geometries"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            app.exit(e);
            return 0;
        }
        std::cerr << "hpcheck: " << e.what() << " (see hpcheck --help)\n";
        return EXIT_BAD_INPUT;
    }

    try {
        if (*list) {
            if (what == "variants") {
                for (const Variant& v : all_variants())
                    std::cout << fmt::format("{:<12} parent {:<8} {}\n", v.name, v.parent.empty() ? "-" : v.parent, v.source);
            } else if (what == "invariants") {
                for (const Invariant& i : all_invariants())
                    std::cout << fmt::format("{:<20} {:<4} {:<10} {}\n", i.name, i.id, i.holds_in ? "state" : "transition",
                                             i.summary);
            } else if (what == "geometries") {
                for (const std::string& n : geometry_preset_names()) {
                    const Geometry g = *geometry_preset(n);
                    std::cout << fmt::format("{:<10} page {:>5} B  section {:>4} MiB  block {:>4} MiB  subsection {:>3} "
                                             "pages  pageblock {:>5} pages  vmemmap/block {:>4} pages\n",
                                             n, g.page_size, g.pages_to_mib(g.pages_per_section),
                                             g.pages_to_mib(g.pages_per_block), g.pages_per_subsection,
                                             g.pageblock_nr_pages, g.memory_block_memmap_pages());
                }
            } else {
                for (const std::string& f : scenario_files(suite_dir)) {
                    const Scenario sc = load_scenario(f);
                    std::cout << fmt::format("{:<40} {:<8} {:<7} expect {}\n", sc.name, sc.variant,
                                             sc.litmus() ? "litmus" : "explore", sc.expect);
                }
            }
            return EXIT_HOLDS;
        }
        if (*check) {
            const Scenario sc = load_scenario(scenario_file);
            const RunResult r = run_scenario(sc, opt);
            std::cout << format_check(sc, r);
            if (!json_out.empty()) write_file_atomically(json_out, format_json(sc, r));
            if (!trace_dir.empty() && !r.replay.empty()) {
                fs::create_directories(trace_dir);
                const std::string base = (fs::path(trace_dir) / fmt::format("{}-{}", sc.name, r.variant)).string();
                write_file_atomically(base + ".trace.txt", format_trace(sc.machine, r));
                write_file_atomically(base + ".trace.json", format_json(sc, r));
            }
            return exit_code_for(r);
        }
        return run_suite(suite_dir, opt);
    } catch (const ScenarioError& e) {
        std::cerr << "hpcheck: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    } catch (const std::exception& e) {
        std::cerr << "hpcheck: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    }
}
