// `hpcheck counterexamples [--out DIR] [--check]`: explore every known-bad scenario of the
// suite and write its shortest trace into DIR/<variant>/<scenario>.trace.{txt,json}
// (counterexamples/regenerate.sh). With --check, write nothing and exit 1 if any file
// differs from what is committed.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "checker/cli/command.hpp"
#include "checker/counterexample.hpp"
#include "checker/output_file.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct CxArgs {
    std::string out = "counterexamples";
    bool check = false;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int run_counterexamples(const CxArgs& a, const Context& ctx) {
    const auto all = generate_counterexamples(ctx.scenario_dir);
    int stale = 0;
    for (const Counterexample& c : all) {
        for (const auto& [rel, content] : {std::pair{counterexample_text_path(c), &c.text},
                                           std::pair{counterexample_json_path(c), &c.json}}) {
            const fs::path p = fs::path(a.out) / rel;
            if (a.check) {
                if (slurp(p) != *content) {
                    std::cout << fmt::format("stale    {}\n", p.string());
                    ++stale;
                }
                continue;
            }
            fs::create_directories(p.parent_path());
            write_file_atomically(p.string(), *content);
            std::cout << fmt::format("wrote    {}  ({} violates {}, {} steps)\n", p.string(), c.variant,
                                     c.run.explore.violation->invariant,
                                     c.run.threaded ? c.run.interleaving.size() : c.run.replay.size());
        }
    }
    if (a.check) std::cout << fmt::format("{} counterexample file(s) checked, {} stale\n", 2 * all.size(), stale);
    return stale ? EXIT_VIOLATION : EXIT_HOLDS;
}
}  // namespace

static void add_counterexamples_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("counterexamples",
                                   "write the shortest trace of every known-bad scenario into DIR/<variant>/");
    static CxArgs a;
    sub->add_option("--out", a.out, "output directory")->capture_default_str();
    sub->add_flag("--check", a.check, "compare with the files in DIR instead of writing (exit 1 if stale)");
    r.push_back({sub, [&ctx] { return run_counterexamples(a, ctx); }});
}

static const bool registered = register_command(60, add_counterexamples_command);

}  // namespace hp::cli
