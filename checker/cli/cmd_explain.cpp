// `hpcheck explain TRACE.itf.json [--diff]`: the trace told in kernel terms.
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/report_explain.hpp"

namespace hp::cli {

namespace {
struct ExplainArgs {
    std::string trace, scenario;
    bool diff = false;
};

int run_explain(const ExplainArgs& a, const Context& ctx) {
    const LoadedTrace t = load_itf(a.trace, a.scenario, ctx.scenario_dir);
    const ReplayReport rep = replay_itf(t);
    ExplainOptions opt;
    opt.diff_only = a.diff;
    std::cout << format_explain(t, rep, opt);
    return rep.reproduced ? EXIT_HOLDS : EXIT_VIOLATION;
}
}  // namespace

static void add_explain_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("explain", "tell an ITF trace in kernel terms: commands, kernel functions, fields");
    static ExplainArgs a;
    sub->add_option("trace", a.trace, "ITF trace (.itf.json) written by check --trace-dir")->required();
    sub->add_option("--scenario", a.scenario, "scenario file to use instead of #meta.scenario.path");
    sub->add_flag("--diff", a.diff, "show only what changed at each step");
    r.push_back({sub, [&ctx] { return run_explain(a, ctx); }});
}

static const bool registered = register_command(32, add_explain_command);

}  // namespace hp::cli
