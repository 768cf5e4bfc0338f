// `hpcheck` / `hpcheck suite`: every scenario of the suite directory, one row each; CI
// outputs (--json, --junit, --sarif), --strict (vacuity warnings fail), selection (--only,
// --tag). With --variant X: the reviewer's question "which verdicts and behaviours does my
// patch change?" (checker/variant_suite.hpp): only the differing scenarios are printed.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/output_file.hpp"
#include "checker/report_itf.hpp"
#include "checker/report_text.hpp"
#include "checker/suite_outputs.hpp"
#include "checker/suite_select.hpp"
#include "checker/variant_suite.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

std::vector<std::string> scenario_files(const std::string& dir) {
    if (dir.empty())
        throw std::runtime_error("no scenario directory found next to the binary or in the install prefix: give "
                                 "--scenarios DIR or set HPCHECK_SCENARIOS");
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".toml") files.push_back(e.path().string());
    if (ec) throw std::runtime_error(dir + ": cannot read the scenario directory: " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

namespace {

struct SuiteArgs {
    std::string json, junit, sarif, variant, parent;
    bool strict = false;
    SuiteSelection sel;
    Limits limits;
};

// The selected scenarios, loaded; a file that does not load is an ERROR entry (kept so
// that CI reports it), unless a selection is given and its name does not match.
std::vector<SuiteEntry> load_selected(const std::string& dir, const SuiteSelection& sel) {
    std::vector<SuiteEntry> out;
    for (const std::string& f : scenario_files(dir)) {
        SuiteEntry e;
        e.file = f;
        try {
            e.scenario = load_scenario(f);
            if (!selected(sel, *e.scenario)) continue;
        } catch (const ScenarioError& err) {
            if (!file_may_match(sel, f) || !sel.tags.empty()) continue;
            e.error = err.what();
        }
        out.push_back(std::move(e));
    }
    return out;
}

int run_variant_suite(const Context& ctx, const SuiteArgs& a) {
    const Variant* x = find_variant(a.variant);
    auto known = [] {
        std::string k;
        for (const Variant& v : all_variants()) k += (k.empty() ? "" : ", ") + v.name;
        return k;
    };
    if (!x) throw std::runtime_error(fmt::format("--variant: unknown variant '{}' (known: {})", a.variant, known()));
    const std::string pname = a.parent.empty() ? x->parent : a.parent;
    if (pname.empty())
        throw std::runtime_error(fmt::format("--parent: variant '{}' has no parent; give --parent P", x->name));
    const Variant* p = find_variant(pname);
    if (!p) throw std::runtime_error(fmt::format("--parent: unknown variant '{}' (known: {})", pname, known()));
    const auto entries = load_selected(ctx.scenario_dir, a.sel);
    for (const SuiteEntry& e : entries)
        if (!e.error.empty()) throw std::runtime_error(e.error);  // bad input: one line, no partial output
    std::cout << fmt::format("hpcheck {} -- variant {} against {} {} on {} scenario(s) of {}\n", kHpcheckVersion,
                             x->name, p->name == x->parent ? "its parent" : "the variant", p->name, entries.size(),
                             ctx.scenario_dir);
    std::cout << "(each scenario runs under both variants; its own variant and expectation are ignored)\n\n";
    int differing = 0, incomplete = 0;
    for (const SuiteEntry& e : entries) {
        const VariantComparison c = compare_variants_on(*e.scenario, *x, *p, a.limits);
        incomplete += c.incomplete() && !c.differs();
        if (!c.differs()) continue;
        ++differing;
        std::cout << format_comparison(*e.scenario, *x, *p, c) << "\n";
        std::fflush(stdout);
        if (g_interrupted) break;
    }
    std::cout << fmt::format("{} of {} scenario(s) differ between {} and {}{}\n", differing, entries.size(), p->name,
                             x->name,
                             incomplete ? fmt::format("; {} could not be compared to the end (a bound or limit)", incomplete)
                                        : "");
    if (g_interrupted) return EXIT_INCOMPLETE;
    if (differing) return EXIT_VIOLATION;
    return incomplete ? EXIT_INCOMPLETE : EXIT_HOLDS;
}

int run_suite_with(const Context& ctx, const SuiteArgs& a) {
    if (!a.variant.empty() || !a.parent.empty()) {
        if (a.variant.empty()) throw std::runtime_error("--parent: give --variant X as well");
        return run_variant_suite(ctx, a);
    }
    const auto t0 = std::chrono::steady_clock::now();
    SuiteRun s;
    s.scenario_dir = ctx.scenario_dir;
    s.strict = a.strict;
    s.only = a.sel.only;
    s.tags = a.sel.tags;
    s.entries = load_selected(ctx.scenario_dir, a.sel);
    RunOptions opt;
    opt.limits = a.limits;
    std::fputs(suite_header().c_str(), stdout);
    int passed = 0, failed = 0;
    bool bad_input = false, incomplete = false;
    for (SuiteEntry& e : s.entries) {
        if (g_interrupted) {  // also between scenarios: loading one is not a reason to go on
            incomplete = true;
            break;
        }
        if (e.error.empty()) {
            try {
                e.run = run_scenario(*e.scenario, opt);
            } catch (const ScenarioError& err) {
                e.error = err.what();
            }
        }
        if (!e.error.empty()) {
            std::printf("%-40s error: %s\n", fs::path(e.file).stem().string().c_str(), e.error.c_str());
            e.status = SuiteEntry::ERROR;
            bad_input = true;
            ++failed;
            continue;
        }
        const RunResult& r = e.run;
        std::fputs(suite_row(r).c_str(), stdout);
        // Vacuity is not hidden behind a plain "pass": every warning is printed under its row.
        for (const std::string& w : r.warnings)
            std::printf("    warning: %s (vacuous scenario?)%s\n", w.c_str(), a.strict ? " -- fails under --strict" : "");
        std::fflush(stdout);
        e.status = SuiteEntry::PASS;
        if (!r.matches) {
            e.status = SuiteEntry::FAIL;
            e.failure = r.explore.verdict == Verdict::INCOMPLETE ? "incomplete" : "verdict";
        } else if (a.strict && !r.warnings.empty()) {
            e.status = SuiteEntry::FAIL;
            e.failure = "vacuous";
        }
        (e.status == SuiteEntry::PASS ? passed : failed)++;
        incomplete |= r.explore.verdict == Verdict::INCOMPLETE;
        if (g_interrupted) {
            incomplete = true;
            break;
        }
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int warnings = 0;
    for (const SuiteEntry& e : s.entries) warnings += static_cast<int>(e.run.warnings.size());
    std::printf("\n%d passed, %d failed%s%s\n", passed, failed,
                warnings ? fmt::format(", {} vacuity warning(s){}", warnings, a.strict ? " (--strict: failures)" : "").c_str()
                         : "",
                g_interrupted ? " (interrupted)" : "");
    if (!a.json.empty()) write_file_atomically(a.json, format_suite_json(s));
    if (!a.junit.empty()) write_file_atomically(a.junit, format_suite_junit(s));
    if (!a.sarif.empty()) write_file_atomically(a.sarif, format_suite_sarif(s));
    if (bad_input) return EXIT_BAD_INPUT;
    if (g_interrupted) return EXIT_INCOMPLETE;  // scenarios were left out: never a pass
    if (failed) return incomplete ? EXIT_INCOMPLETE : EXIT_VIOLATION;
    return EXIT_HOLDS;
}

SuiteArgs g_suite_args;

}  // namespace

int run_suite(const Context& ctx) { return run_suite_with(ctx, g_suite_args); }

static void add_suite_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("suite", "run every scenario of the suite (the default); with --variant X, print "
                                            "only the scenarios whose verdict or behaviour X changes against its parent");
    SuiteArgs& a = g_suite_args;
    sub->add_option("--variant", a.variant, "compare this variant with its parent on every scenario (a patch review)");
    sub->add_option("--parent", a.parent, "the variant to compare with (default: --variant's parent)");
    sub->add_option("--json", a.json, "write the results as JSON (docs/suite-result.schema.json) to FILE");
    sub->add_option("--junit", a.junit, "write JUnit XML (one test case per scenario) to FILE");
    sub->add_option("--sarif", a.sarif, "write SARIF 2.1.0 (violations at the kernel function's source line) to FILE");
    sub->add_flag("--strict", a.strict, "vacuity warnings (an operation or fault that never fired) fail the scenario");
    sub->add_option("--only", a.sel.only, "only scenarios whose name or file matches GLOB (repeatable: any)");
    sub->add_option("--tag", a.sel.tags, "only scenarios with TAG (repeatable: all); implicit tags: litmus, explore, "
                                         "pass, violation, the scenario's variant");
    sub->add_option("--max-depth", a.limits.max_depth, "explore sequences of at most D operations");
    sub->add_option("--max-seconds", a.limits.max_seconds, "per scenario: stop (incomplete) after S seconds");
    r.push_back({sub, [&ctx] { return run_suite(ctx); }});
}

static const bool registered = register_command(10, add_suite_command);

}  // namespace hp::cli
