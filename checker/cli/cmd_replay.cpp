// `hpcheck replay TRACE.itf.json`: re-execute an ITF trace against the model (scenario and
// variant from #meta) and print each state. Exit 0 when the model reproduces the trace
// exactly (final violation included), 1 at the first diverging step and field, 2 when the
// trace cannot be read.
#include <fmt/format.h>

#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/report_explain.hpp"
#include "checker/report_itf.hpp"

namespace hp::cli {

namespace {
struct ReplayArgs {
    std::string trace, scenario;
    bool full = false;
};

int run_replay(const ReplayArgs& a, const Context& ctx) {
    const LoadedTrace t = load_itf(a.trace, a.scenario, ctx.scenario_dir);
    const ReplayReport rep = replay_itf(t);
    const Machine& m = t.sc.machine;
    std::string out = fmt::format("trace      {}\nscenario   {} ({})\nvariant    {}\n", a.trace, t.sc.name, t.sc.path, t.variant);
    for (size_t i = 0; i < rep.states.size(); ++i) {
        if (i == 0) out += "\nstate 0 (initial)\n";
        else if (rep.threaded) {  // a step of one CPU (docs/interleavings.md)
            const InterleavingRow& row = rep.rows[i - 1];
            out += fmt::format("\nstate {} after step {}: {}: {}{}\n", i, i, rep.thread_names[row.thread], row.what,
                               row.locks.empty() ? "" : " [" + row.locks + "]");
        } else {
            const TraceStep& st = rep.steps[i - 1];
            out += fmt::format("\nstate {} after step {}: {} -> {}\n", i, i, action_label(m, st.action),
                               st.rc == 0 ? std::string("success") : fmt::format("-{}", errno_name(st.rc)));
        }
        if (a.full || i == 0) {
            out += format_state_summary(m, rep.states[i]);
        } else {
            const auto& ch = rep.steps[i - 1].changes;
            if (ch.empty()) out += "  (no field changed)\n";
            for (const FieldChange& c : ch) out += fmt::format("  {}: {} -> {}\n", c.field, c.before, c.after);
        }
    }
    std::cout << out;
    if (!rep.reproduced) {
        std::cout << fmt::format("\nDIVERGES at state {} field {}: the trace says '{}', the model gives '{}' ({})\n", rep.step,
                                 rep.field, rep.in_trace, rep.in_model, rep.message);
        return EXIT_VIOLATION;
    }
    const std::size_t nsteps = t.threaded ? t.thread_steps.size() : t.actions.size();
    if (rep.violation)
        std::cout << fmt::format("\nREPRODUCED: {} step(s){}, every field equal; final state violates {}: {}\n", nsteps,
                                 t.threaded ? " of the interleaving" : "", rep.violation->invariant, rep.violation->detail);
    else
        std::cout << fmt::format("\nREPRODUCED: {} step(s), every field equal; no violation (as recorded)\n", nsteps);
    return EXIT_HOLDS;
}
}  // namespace

static void add_replay_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("replay", "re-execute an ITF trace against the model; exit 0 if it reproduces exactly");
    static ReplayArgs a;
    sub->add_option("trace", a.trace, "ITF trace (.itf.json) written by check --trace-dir")->required();
    sub->add_option("--scenario", a.scenario, "scenario file to use instead of #meta.scenario.path");
    sub->add_flag("--full", a.full, "print every field of every state, not only the changes");
    r.push_back({sub, [&ctx] { return run_replay(a, ctx); }});
}

static const bool registered = register_command(30, add_replay_command);

}  // namespace hp::cli
