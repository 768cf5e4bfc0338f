// `hpcheck check FILE`: explore one scenario (or run its litmus steps) and report.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/output_file.hpp"
#include "checker/report_itf.hpp"
#include "checker/report_json.hpp"
#include "checker/report_svg.hpp"
#include "checker/report_text.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct CheckArgs {
    RunOptions opt;
    std::string scenario, json_out, trace_dir;
};

int exit_code_for(const RunResult& r) {
    switch (r.explore.verdict) {
        case Verdict::PASS: return EXIT_HOLDS;
        case Verdict::VIOLATION: return EXIT_VIOLATION;
        case Verdict::INCOMPLETE: return EXIT_INCOMPLETE;
    }
    return EXIT_BAD_INPUT;
}

int run_check(CheckArgs& a, const Context& ctx) {
    a.opt.progress = ctx.progress;
    const Scenario sc = load_scenario(a.scenario);
    const RunResult r = run_scenario(sc, a.opt);
    std::cout << format_check(sc, r);
    if (!a.json_out.empty()) write_file_atomically(a.json_out, format_json(sc, r));
    if (!a.trace_dir.empty() && !r.replay.empty()) {
        fs::create_directories(a.trace_dir);
        const std::string base = (fs::path(a.trace_dir) / fmt::format("{}-{}", sc.name, r.variant)).string();
        write_file_atomically(base + ".trace.txt", format_trace(sc.machine, r));
        write_file_atomically(base + ".trace.json", format_json(sc, r));
    }
    // The ITF trace (replay, explain, svg, html, repro read it) for every violation.
    if (!a.trace_dir.empty() && r.explore.verdict == Verdict::VIOLATION && r.explore.violation) {
        fs::create_directories(a.trace_dir);
        const std::string base = (fs::path(a.trace_dir) / fmt::format("{}-{}", sc.name, r.variant)).string();
        write_file_atomically(base + ".itf.json",
                              format_itf(sc, r, a.opt.invariants.empty() ? sc.invariants : a.opt.invariants));
        // The pictures are drawn from the ITF file just written, as `hpcheck svg/html` would.
        const LoadedTrace t = load_itf(base + ".itf.json");
        const ReplayReport rep = replay_itf(t);
        write_file_atomically(base + ".svg", format_svg(t, rep));
        write_file_atomically(base + ".html", format_html(t, rep, fs::path(base + ".itf.json").filename().string()));
    }
    return exit_code_for(r);
}
}  // namespace

static void add_check_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("check", "explore one scenario (or run its litmus steps) and report");
    static CheckArgs a;
    sub->add_option("scenario", a.scenario, "scenario file (TOML)")->required();
    sub->add_option("--variant", a.opt.variant_override, "kernel variant to check instead of the scenario's");
    sub->add_option("--max-depth", a.opt.limits.max_depth, "explore sequences of at most D operations");
    sub->add_option("--max-states", a.opt.limits.max_states, "stop (incomplete) after N states");
    sub->add_option("--max-seconds", a.opt.limits.max_seconds, "stop (incomplete) after S seconds");
    sub->add_option("--max-memory", a.opt.limits.max_memory_mb, "stop (incomplete) before the process's resident memory exceeds MB MiB");
    sub->add_option("--threads", a.opt.limits.threads,
                    "worker threads, 0 = every core (results are the same for any number)")
        ->default_val(0);
    sub->add_option("--invariant", a.opt.invariants, "check only this invariant (repeatable)");
    sub->add_option("--json", a.json_out, "write the result as JSON to OUT");
    sub->add_option("--trace-dir", a.trace_dir, "write the violating trace (text, JSON and ITF JSON) into DIR");
    r.push_back({sub, [&ctx] { return run_check(a, ctx); }});
}

static const bool registered = register_command(20, add_check_command);

}  // namespace hp::cli
