// `hpcheck report SCENARIO [--variant X] | TRACE.itf.json`: the plain-text report a reviewer
// pastes into an email (checker/report_email.hpp). From a scenario it runs the check (a
// passing litmus test is reported with its run); from an ITF trace it re-executes the trace.
// Exit codes as `check`: 0 holds, 1 violation, 2 bad input, 3 incomplete; for a trace, 1 when
// the model no longer reproduces it.
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/report_email.hpp"
#include "checker/report_itf.hpp"

namespace hp::cli {

namespace {
struct ReportArgs {
    std::string input, variant;
    Limits limits;
};

bool is_trace(const std::string& f) { return f.size() > 9 && f.compare(f.size() - 9, 9, ".itf.json") == 0; }

int report_trace(const ReportArgs& a, const Context& ctx) {
    const LoadedTrace t = load_itf(a.input, "", ctx.scenario_dir);
    const ReplayReport rep = replay_itf(t);
    RunResult r;
    r.scenario = t.sc.name;
    r.file = t.sc.path;
    r.variant = t.variant;
    r.expected = t.sc.expect;
    r.litmus = t.sc.litmus();
    r.replay = rep.steps;
    for (const TraceStep& s : rep.steps) r.trace.push_back(s.action);
    r.explore.violation = rep.violation;
    r.explore.verdict = rep.violation ? Verdict::VIOLATION : Verdict::PASS;
    r.explore.depth = static_cast<unsigned>(rep.steps.size());
    if (t.threaded) {  // the steps are the threads' (one column per CPU), not sysfs writes
        r.replay.clear();
        r.trace.clear();
        r.threaded = true;
        r.thread_names = rep.thread_names;
        r.interleaving = rep.rows;
        r.thread_trace = t.thread_steps;
    }
    std::cout << format_email(t.sc, r, "hpcheck report " + a.input);
    if (!rep.reproduced) {
        std::cout << wrap("NOTE: the model no longer reproduces this trace: " + rep.message, kEmailColumns, 0, 6);
        return EXIT_VIOLATION;
    }
    return rep.violation ? EXIT_VIOLATION : EXIT_HOLDS;
}

int run_report(const ReportArgs& a, const Context& ctx) {
    if (is_trace(a.input)) return report_trace(a, ctx);
    const Scenario sc = load_scenario(a.input);
    RunOptions opt;
    opt.variant_override = a.variant;
    opt.limits = a.limits;
    RunResult r = run_scenario(sc, opt);
    if (r.litmus && r.replay.empty() && r.explore.verdict == Verdict::PASS) {
        for (const LitmusStep& st : sc.steps) r.trace.push_back(st.action);
        r.replay = replay_trace(sc.machine, *find_variant(r.variant), r.trace);
    }
    std::cout << format_email(sc, r, "hpcheck report " + a.input + (a.variant.empty() ? "" : " --variant " + a.variant));
    switch (r.explore.verdict) {
        case Verdict::PASS: return EXIT_HOLDS;
        case Verdict::VIOLATION: return EXIT_VIOLATION;
        case Verdict::INCOMPLETE: return EXIT_INCOMPLETE;
    }
    return EXIT_BAD_INPUT;
}
}  // namespace

static void add_report_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("report", "plain-text report for an email (<= 72 columns): header (version, variant "
                                             "and parent, machine, kernel command line), numbered steps, the violated "
                                             "invariant and conjunct");
    static ReportArgs a;
    sub->add_option("input", a.input, "scenario (TOML) or trace (.itf.json)")->required();
    sub->add_option("--variant", a.variant, "kernel variant instead of the scenario's");
    sub->add_option("--max-depth", a.limits.max_depth, "explore sequences of at most D operations");
    sub->add_option("--max-seconds", a.limits.max_seconds, "stop (incomplete) after S seconds");
    r.push_back({sub, [&ctx] { return run_report(a, ctx); }});
}

static const bool registered = register_command(25, add_report_command);

}  // namespace hp::cli
