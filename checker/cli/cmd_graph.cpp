// `hpcheck graph SCENARIO [--dot OUT] [--max-states N]`: keep the whole explored state graph
// (Boost.Graph), export it as DOT, and answer reversibility: can every reachable state
// return to the boot state? Exit 0 yes, 1 no (with a trace to such a state), 2 bad input,
// 3 the graph is over its bounds (nothing written) or bounded by a depth (no claim).
#include <fmt/format.h>

#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/graph.hpp"
#include "checker/graph_projection.hpp"
#include "checker/output_file.hpp"
#include "checker/report_text.hpp"
#include "spec/state_diff.hpp"

namespace hp::cli {

namespace {
struct GraphArgs {
    std::string scenario, dot, variant;
    std::vector<std::string> fields;  // --fields: project the DOT on these (graph_projection.hpp)
    GraphLimits lim;
};

int run_graph(const GraphArgs& a) {
    const Scenario sc = load_scenario(a.scenario);
    if (sc.actions.empty())
        throw ScenarioError(sc.path, sc.line_of("step"), "explore.actions", "the state graph needs an exploration scenario (an operation alphabet)");
    const std::string vname = a.variant.empty() ? sc.variant : a.variant;
    const Variant* variant = find_variant(vname);
    if (!variant) throw ScenarioError(sc.path, sc.line_of("variant"), a.variant.empty() ? "variant" : "--variant", fmt::format("unknown variant '{}'", vname));
    KernelModel model(sc.machine, *variant, expand_alphabet(sc.machine, sc.actions, sc.faults),
                      select_invariants(sc.invariants, sc.path));
    GraphLimits lim = a.lim;
    if (!lim.max_depth) lim.max_depth = sc.max_depth;
    StateGraph sg(model.packed_words());
    try {
        sg = build_state_graph(model, lim);
    } catch (const GraphTooLarge& e) {
        std::cerr << "hpcheck: " << sc.path << ": " << e.what() << "\n";
        return EXIT_INCOMPLETE;
    }
    const Reversibility rev = analyse_reversibility(sg);
    const Machine& m = sc.machine;
    std::size_t violating = 0;
    for (const std::string& v : sg.violation) violating += !v.empty();
    std::string out = fmt::format("scenario   {} ({})\nvariant    {}\n", sc.name, sc.path, variant->name);
    out += fmt::format("graph      {} states, {} transitions between different states, {} refusals/no-ops (self-loops), "
                       "{} strongly connected components{}\n",
                       rev.states, boost::num_edges(sg.g), sg.self_loops, rev.sccs,
                       sg.bounded ? fmt::format(" — BOUNDED at depth {}: a prefix of the real graph", lim.max_depth) : "");
    out += fmt::format("boot SCC   {} state(s) can reach each other and the boot state\n", rev.initial_scc_size);
    if (violating) out += fmt::format("violating  {} state(s) violate an invariant (not expanded)\n", violating);
    const KernelState s0 = model.initial();
    std::vector<std::uint32_t> w(model.packed_words());
    KernelState s = s0;
    if (sg.bounded) {
        // A prefix of the graph: a state that cannot get back *inside the prefix* may well
        // get back through states beyond the bound, so neither answer is claimed.
        out += fmt::format("reversible UNKNOWN: the graph is bounded at depth {}; {} of {} states return to the boot "
                           "state inside it, the other {} may return through states beyond the bound. "
                           "Reversibility is claimed only on an exhaustive graph (drop --max-depth)\n",
                           lim.max_depth, rev.states - rev.cannot_return.size(), rev.states, rev.cannot_return.size());
    } else if (rev.cannot_return.empty()) {
        out += fmt::format("reversible yes: every reachable state can return to the boot state\n");
    } else {
        out += fmt::format("reversible NO: {} of {} states can never return to the boot state\n", rev.cannot_return.size(), rev.states);
        // The most telling witness: the non-returning state closest to the boot state (fewest
        // differing fields; BFS order breaks ties), e.g. "everything ejected, yet X differs".
        std::uint32_t id = rev.cannot_return.front();
        std::size_t best = ~std::size_t{0};
        for (std::uint32_t c : rev.cannot_return) {
            sg.store.get(c, w.data());
            model.unpack(w.data(), s);
            const std::size_t d = diff_states(m, s0, s).size();
            if (d < best) {
                best = d;
                id = c;
            }
        }
        sg.store.get(id, w.data());
        model.unpack(w.data(), s);
        out += fmt::format("\nthe one closest to the boot state (s{}, blocks {}), by a shortest trace:\n", id, compact_state_label(m, s));
        const auto t = trace_to(sg, id);
        for (size_t i = 0; i < t.size(); ++i)
            out += fmt::format("  {:>2}. {}\n      $ {}\n", i + 1, action_label(m, model.action(t[i])),
                               describe_action(m, model.action(t[i])));
        out += "what differs from the boot state there (and stays different forever):\n";
        for (const FieldChange& c : diff_states(m, s0, s)) out += fmt::format("  {}: {} -> {}\n", c.field, c.before, c.after);
        std::string first;
        for (size_t i = 0; i < rev.cannot_return.size() && i < 12; ++i)
            first += fmt::format("{}s{}", i ? " " : "", rev.cannot_return[i]);
        out += fmt::format("states that cannot return: {}{}\n", first, rev.cannot_return.size() > 12 ? " ..." : "");
    }
    if (sg.bounded) {
        out += "dead ends  not claimed: states at the depth bound were not expanded\n";
    } else if (!rev.deadlocks.empty()) {
        std::string first;
        for (size_t i = 0; i < rev.deadlocks.size() && i < 12; ++i) first += fmt::format("{}s{}", i ? " " : "", rev.deadlocks[i]);
        out += fmt::format("dead ends  {} state(s) with no transition to another state: {}{}\n", rev.deadlocks.size(), first,
                           rev.deadlocks.size() > 12 ? " ..." : "");
    } else {
        out += "dead ends  none: every state has an operation that changes it\n";
    }
    if (!a.fields.empty()) {
        const ProjectedGraph pg = project_graph(model, sg, resolve_fields(m, a.fields, sc.path));
        out += fmt::format("projection {} states merged into {} by their {} field value(s); {} edges between them, {} "
                           "transitions inside a merged state\n",
                           rev.states, pg.labels.size(), a.fields.size(), pg.edges.size(), pg.internal);
        if (!a.dot.empty()) {
            Reversibility shown = rev;
            if (sg.bounded) shown.cannot_return.clear();
            write_file_atomically(a.dot, format_projected_dot(model, sg, pg, shown, a.fields));
        }
    } else if (!a.dot.empty()) {
        Reversibility shown = rev;
        if (sg.bounded) shown.cannot_return.clear();  // not known on a prefix: no orange states
        write_file_atomically(a.dot, format_dot(model, sg, shown));
    }
    std::cout << out;
    if (sg.bounded) return EXIT_INCOMPLETE;
    return rev.cannot_return.empty() ? EXIT_HOLDS : EXIT_VIOLATION;
}
}  // namespace

static void add_graph_command(CLI::App& app, Registry& r, Context&) {
    auto* sub = app.add_subcommand("graph", "keep the whole state graph: DOT export, reversibility (SCCs)");
    static GraphArgs a;
    sub->add_option("scenario", a.scenario, "exploration scenario (TOML)")->required();
    sub->add_option("--dot", a.dot, "write the graph as Graphviz DOT to OUT");
    sub->add_option("--variant", a.variant, "kernel variant instead of the scenario's");
    sub->add_option("--fields", a.fields, "project on these fields (comma-separated; e.g. state,zone or "
                                          "node0.Movable.spanned_pages): states equal on them are merged")
        ->delimiter(',');
    sub->add_option("--max-states", a.lim.max_states, "refuse (exit 3) above N states")->capture_default_str();
    sub->add_option("--max-memory", a.lim.max_memory_mb, "refuse (exit 3) above MB MiB")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 30))  // MiB << 20 must not wrap
        ->capture_default_str();
    sub->add_option("--max-depth", a.lim.max_depth, "explore sequences of at most D operations");
    r.push_back({sub, [] { return run_graph(a); }});
}

static const bool registered = register_command(40, add_graph_command);

}  // namespace hp::cli
