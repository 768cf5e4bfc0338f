// `hpcheck list variants|invariants|scenarios|geometries`
#include <fmt/format.h>

#include <iostream>

#include "checker/cli/command.hpp"
#include "invariants/invariant.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

namespace hp::cli {

namespace {
int run_list(const std::string& what, const Context& ctx) {
    if (what == "variants") {
        for (const Variant& v : all_variants())
            std::cout << fmt::format("{:<30} parent {:<10} {}\n", v.name, v.parent.empty() ? "-" : v.parent, v.source);
    } else if (what == "invariants") {
        for (const Invariant& i : all_invariants())
            std::cout << fmt::format("{:<20} {:<4} {:<10} {}\n", i.name, i.id, i.holds_in ? "state" : "transition",
                                     i.summary);
    } else if (what == "geometries") {
        for (const std::string& n : geometry_preset_names()) {
            const Geometry g = *geometry_preset(n);
            std::cout << fmt::format("{:<10} page {:>5} B  section {:>4} MiB  block {:>4} MiB  subsection {:>3} pages  "
                                     "pageblock {:>5} pages  vmemmap/block {:>4} pages\n",
                                     n, g.page_size, g.pages_to_mib(g.pages_per_section), g.pages_to_mib(g.pages_per_block),
                                     g.pages_per_subsection, g.pageblock_nr_pages, g.memory_block_memmap_pages());
        }
    } else {
        for (const std::string& f : scenario_files(ctx.scenario_dir)) {
            const Scenario sc = load_scenario(f);
            std::cout << fmt::format("{:<44} {:<10} {:<8} expect {}\n", sc.name, sc.variant,
                                     sc.threads.enabled() ? "threads" : sc.litmus() ? "litmus" : "explore", sc.expect);
        }
    }
    return EXIT_HOLDS;
}
}  // namespace

static void add_list_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("list", "list variants, invariants, scenarios or geometries");
    static std::string what;
    sub->add_option("what", what, "variants | invariants | scenarios | geometries")
        ->required()
        ->check(CLI::IsMember({"variants", "invariants", "scenarios", "geometries"}));
    r.push_back({sub, [&ctx] { return run_list(what, ctx); }});
}

static const bool registered = register_command(90, add_list_command);

}  // namespace hp::cli
