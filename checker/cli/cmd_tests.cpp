// `hpcheck tests --cover [SCENARIO] [--variant V] [-o FILE]`: model-based test generation
// (checker/cover_tests.hpp). Writes operation sequences in conformance/record.py's --steps
// format that together hit every reachable kernel-function branch and refusal errno of the
// model, and prints the coverage. Exit 0 when the sequences hit every reachable item and the
// exploration was complete, 3 when a limit cut it short, 2 bad input.
#include <fmt/format.h>

#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/cover_tests.hpp"
#include "checker/output_file.hpp"

namespace hp::cli {

namespace {
struct TestsArgs {
    bool cover = false, with_faults = false;
    std::string scenario = "10-two-dimms-explore-mom.toml", variant, out;
    CoverOptions opt;
};

int run_tests(TestsArgs& a, const Context& ctx) {
    if (!a.cover) throw std::runtime_error("tests: give --cover (the only generator so far)");
    std::string path = a.scenario;
    if (!std::filesystem::exists(path) && !ctx.scenario_dir.empty()) path = ctx.scenario_dir + "/" + a.scenario;
    const Scenario sc = load_scenario(path);
    const std::string vname = a.variant.empty() ? sc.variant : a.variant;
    const Variant* v = find_variant(vname);
    if (!v) throw ScenarioError(sc.path, 0, "--variant", fmt::format("unknown variant '{}'", vname));
    a.opt.with_faults = a.with_faults;
    const CoverResult r = generate_covering_tests(sc, *v, a.opt);
    std::size_t steps = 0;
    for (const auto& s : r.sequences) steps += s.size();
    std::cout << fmt::format("scenario   {} ({}), variant {}{}\n", sc.name, sc.path, v->name,
                             a.with_faults ? "" : ", without model faults (a real kernel cannot be forced into them)");
    std::cout << fmt::format("explored   {} states, {} transitions{}\n", r.states, r.transitions,
                             r.complete ? " (every reachable state)" : " (INCOMPLETE: a bound or limit)");
    std::cout << fmt::format("generated  {} sequences, {} operations\n", r.sequences.size(), steps);
    std::cout << fmt::format("coverage   {} / {} branches ({:.1f}%): kernel functions run, narrative lines (WARN, "
                             "pr_warn, decisions) per function, return codes per operation\n",
                             r.hit.size(), r.reachable.size(),
                             r.reachable.empty() ? 100.0 : 100.0 * r.hit.size() / r.reachable.size());
    std::cout << fmt::format("functions  {} of {} kernel functions defined for {} never appear in the narrative (never "
                             "run here, or helpers without a KCALL marker){}{}\n",
                             r.never_called.size(), r.functions_defined, v->name, r.never_called.empty() ? "" : ": ",
                             fmt::join(r.never_called, ", "));
    if (!a.out.empty()) {
        write_file_atomically(a.out, format_sequences_json(sc, *v, r));
        std::cout << "written    " << a.out << " (conformance/record.py --steps, hpcheck conformance --steps)\n";
    }
    if (!r.complete) return EXIT_INCOMPLETE;
    return r.hit.size() == r.reachable.size() ? EXIT_HOLDS : EXIT_VIOLATION;
}
}  // namespace

static void add_tests_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("tests", "model-based test generation: --cover writes sequences hitting every "
                                            "reachable kernel-function branch and refusal errno of the model");
    static TestsArgs a;
    sub->add_flag("--cover", a.cover, "generate covering sequences");
    sub->add_option("scenario", a.scenario, "scenario whose machine and operations to use (a file, or a name in the "
                                            "suite directory)")
        ->capture_default_str();
    sub->add_option("--variant", a.variant, "variant instead of the scenario's");
    sub->add_flag("--with-faults", a.with_faults, "also use the scenario's model faults (model-only sequences)");
    sub->add_option("--max-states", a.opt.limits.max_states, "stop (incomplete) after N states");
    sub->add_option("--max-depth", a.opt.limits.max_depth, "sequences of at most D operations");
    sub->add_option("-o,--out", a.out, "write the sequences (JSON, record.py --steps format) to FILE");
    r.push_back({sub, [&ctx] { return run_tests(a, ctx); }});
}

static const bool registered = register_command(45, add_tests_command);

}  // namespace hp::cli
