// `hpcheck diff SCENARIO --variant A --variant B`: the shortest operation sequence after
// which the two variants' observable results differ, or that none does.
// Exit codes: 1 a difference, 0 none (the product space was exhausted), 3 incomplete (a
// bound or limit cut the search short: no claim), 2 bad input.
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/diff.hpp"

namespace hp::cli {

namespace {
struct DiffArgs {
    std::string scenario;
    std::vector<std::string> variants;
    Limits limits;
};

int run_diff(DiffArgs& a) {
    if (a.variants.size() != 2) {
        std::cerr << "hpcheck diff: give exactly two --variant options\n";
        return EXIT_BAD_INPUT;
    }
    const Scenario sc = load_scenario(a.scenario);
    const Variant* va = find_variant(a.variants[0]);
    const Variant* vb = find_variant(a.variants[1]);
    for (size_t i = 0; i < 2; ++i)
        if (!(i ? vb : va)) {
            std::string known;
            for (const Variant& v : all_variants()) known += (known.empty() ? "" : ", ") + v.name;
            throw ScenarioError(sc.path, sc.line_of("variant"), "--variant", "unknown variant '" + a.variants[i] + "' (known: " + known + ")");
        }
    const DiffResult r = diff_scenario(sc, *va, *vb, a.limits);
    std::cout << format_diff(sc, *va, *vb, r);
    switch (r.kind) {
        case DiffResult::DIFFERENCE: return EXIT_VIOLATION;
        case DiffResult::NO_DIFFERENCE: return EXIT_HOLDS;
        case DiffResult::INCOMPLETE: return EXIT_INCOMPLETE;
    }
    return EXIT_BAD_INPUT;
}
}  // namespace

static void add_diff_command(CLI::App& app, Registry& r, Context&) {
    auto* sub = app.add_subcommand("diff", "what a patch changes: explore two variants in lockstep and report the "
                                           "shortest operation sequence after which their observable results differ");
    static DiffArgs a;
    sub->add_option("scenario", a.scenario, "scenario file (TOML): machine and operations")->required();
    sub->add_option("--variant", a.variants, "a variant (give exactly two: A and B)")->required();
    sub->add_option("--max-depth", a.limits.max_depth, "compare sequences of at most D operations");
    sub->add_option("--max-states", a.limits.max_states, "stop (incomplete) after N product states");
    sub->add_option("--max-seconds", a.limits.max_seconds, "stop (incomplete) after S seconds");
    r.push_back({sub, [] { return run_diff(a); }});
}

static const bool registered = register_command(40, add_diff_command);

}  // namespace hp::cli
