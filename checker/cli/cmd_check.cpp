// `hpcheck check FILE`: explore one scenario (or run its litmus steps) and report; with
// --trace-dir every run that has a trace (a violation, a litmus run, a --witness) is drawn.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/output_file.hpp"
#include "checker/report_itf.hpp"
#include "checker/report_email.hpp"
#include "checker/report_json.hpp"
#include "checker/report_svg.hpp"
#include "checker/report_text.hpp"
#include "checker/witness.hpp"
#include "spec/input_check.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct CheckArgs {
    RunOptions opt;
    std::string scenario, json_out, trace_dir, witness, format = "text";
    std::string command;  // this command line, for the report header
};

int exit_code_for(const RunResult& r) {
    switch (r.explore.verdict) {
        case Verdict::PASS: return EXIT_HOLDS;
        case Verdict::VIOLATION: return EXIT_VIOLATION;
        case Verdict::INCOMPLETE: return EXIT_INCOMPLETE;
    }
    return EXIT_BAD_INPUT;
}

// Every trace file of one run into `dir`: text (the email report: header, steps, final
// violation line), JSON, ITF, and the SVG/HTML drawn from the ITF as `hpcheck svg/html` would.
void write_traces(const Scenario& sc, const RunResult& r, const std::string& dir, const std::vector<std::string>& invs,
                  const std::string& command) {
    fs::create_directories(dir);
    const std::string base = (fs::path(dir) / file_slug(fmt::format("{}-{}", sc.name, r.variant))).string();
    write_file_atomically(base + ".trace.txt", format_email(sc, r, command));
    write_file_atomically(base + ".trace.json", format_json(sc, r));
    write_file_atomically(base + ".itf.json", format_itf(sc, r, invs));
    const LoadedTrace t = load_itf(base + ".itf.json");
    const ReplayReport rep = replay_itf(t);
    write_file_atomically(base + ".svg", format_svg(t, rep));
    write_file_atomically(base + ".html", format_html(t, rep, fs::path(base + ".itf.json").filename().string()));
}

int run_witness(CheckArgs& a, const Scenario& sc) {
    const WitnessPredicate p = parse_witness(a.witness, sc);
    const WitnessResult w = find_witness(sc, a.opt, p);
    const RunResult& r = w.run;
    if (w.outcome == WitnessOutcome::VIOLATION) {
        std::cout << format_check(sc, r);
        if (!a.trace_dir.empty()) write_traces(sc, r, a.trace_dir, a.opt.invariants.empty() ? sc.invariants : a.opt.invariants, a.command);
        return EXIT_VIOLATION;
    }
    std::cout << fmt::format("scenario   {} ({})\nvariant    {}\nwitness    {}\n", sc.name, sc.path, r.variant, p.text);
    if (w.outcome == WitnessOutcome::UNREACHABLE) {
        std::cout << fmt::format("result     UNREACHABLE: no reachable state satisfies it ({} states, every one)\n",
                                 r.explore.states);
        return EXIT_VIOLATION;
    }
    if (w.outcome == WitnessOutcome::INCOMPLETE) {
        std::cout << fmt::format("result     INCOMPLETE: not found in {} states; {}\n", r.explore.states,
                                 r.explore.incomplete_reason.empty() ? "depth bound reached" : r.explore.incomplete_reason);
        return EXIT_INCOMPLETE;
    }
    std::cout << fmt::format("result     FOUND after {} operation(s) (breadth-first: a shortest run), no invariant "
                             "broken on the way\n",
                             r.replay.size());
    std::cout << format_trace(sc.machine, r);
    if (!a.trace_dir.empty()) write_traces(sc, r, a.trace_dir, a.opt.invariants.empty() ? sc.invariants : a.opt.invariants, a.command);
    return EXIT_HOLDS;
}

int run_check(CheckArgs& a, const Context& ctx) {
    a.opt.progress = ctx.progress;
    const InputScope scope(a.scenario);  // an allocation failure during the run names the scenario
    const Scenario sc = load_scenario(a.scenario);
    if (!a.witness.empty()) return run_witness(a, sc);
    RunResult r = run_scenario(sc, a.opt);
    // A litmus test that passes is one run too: keep it, so that it can be drawn.
    if (r.litmus && r.replay.empty() && r.explore.verdict == Verdict::PASS) {
        for (const LitmusStep& st : sc.steps) r.trace.push_back(st.action);
        r.replay = replay_trace(sc.machine, *find_variant(r.variant), r.trace);
    }
    std::cout << (a.format == "email" ? format_email(sc, r, a.command) : format_check(sc, r));
    if (!a.json_out.empty()) write_file_atomically(a.json_out, format_json(sc, r));
    // A threaded violation is one run too: its interleaving is written the same way (the
    // ITF trace carries the thread of every step; docs/interleavings.md).
    if (!a.trace_dir.empty() && (!r.replay.empty() || (r.threaded && !r.interleaving.empty())))
        write_traces(sc, r, a.trace_dir, a.opt.invariants.empty() ? sc.invariants : a.opt.invariants, a.command);
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
    sub->add_option("--max-memory", a.opt.limits.max_memory_mb,
                    "stop (incomplete) before the process's resident memory exceeds MB MiB")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 30));  // MiB << 20 must not wrap
    sub->add_option("--threads", a.opt.limits.threads,
                    "worker threads, 0 = every core (results are the same for any number)")
        ->default_val(0);
    sub->add_option("--invariant", a.opt.invariants, "check only this invariant (repeatable)");
    sub->add_option("--max-preemptions", a.opt.max_preemptions,
                    "threaded scenarios: at most K context switches away from a runnable thread ('bounded')")
        ->check(CLI::Range(0, 64));
    sub->add_flag("--no-por", [](std::int64_t) { a.opt.por = false; },  // `a` is static: no capture
                  "threaded scenarios: explore every interleaving (no partial-order reduction)");
    sub->add_flag("--check-refusal-cache", [](std::int64_t) { a.opt.refusal_cache = KernelModel::RefusalCache::CHECK; },
                  "run every refusal the explorer answers from its precondition in full too, and fail where they differ");
    sub->add_flag("--sleep-sets", [](std::int64_t) { a.opt.sleep_sets = true; },
                  "threaded scenarios: sleep sets on top of the persistent sets (docs/interleavings.md: measured, off by default)");
    sub->add_option("--json", a.json_out, "write the result as JSON to OUT");
    sub->add_option("--trace-dir", a.trace_dir,
                    "write the run's trace (text, JSON, ITF, SVG, HTML) into DIR: a violation, a litmus run, or a witness");
    sub->add_option("--witness", a.witness,
                    "find the shortest run to a state satisfying FIELD=VALUE[,FIELD!=VALUE...] (exit 0 found, 1 unreachable)");
    sub->add_option("--format", a.format, "text (default) or email (<= 72 columns, header, numbered steps)")
        ->check(CLI::IsMember({"text", "email"}));
    r.push_back({sub, [&ctx] {
        a.command = "hpcheck check " + a.scenario + (a.opt.variant_override.empty() ? "" : " --variant " + a.opt.variant_override);
        return run_check(a, ctx);
    }});
}

static const bool registered = register_command(20, add_check_command);

}  // namespace hp::cli
