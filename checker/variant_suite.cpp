#include "checker/variant_suite.hpp"

#include <fmt/format.h>

#include "checker/rc_name.hpp"

namespace hp {

namespace {
std::string verdict_text(const RunResult& r) {
    std::string s = verdict_name(r.explore.verdict);
    if (r.explore.violation) s += ": " + r.explore.violation->invariant;
    return s;
}
}  // namespace

bool VariantComparison::verdict_differs() const { return verdict_text(parent) != verdict_text(variant); }

bool VariantComparison::incomplete() const {
    return diff.kind == DiffResult::INCOMPLETE || parent.explore.verdict == Verdict::INCOMPLETE ||
           variant.explore.verdict == Verdict::INCOMPLETE;
}

VariantComparison compare_variants_on(const Scenario& sc, const Variant& variant, const Variant& parent,
                                      const Limits& lim) {
    VariantComparison c;
    c.scenario = sc.name;
    c.file = sc.path;
    RunOptions opt;
    opt.limits = lim;
    opt.variant_override = parent.name;
    c.parent = run_scenario(sc, opt);
    opt.variant_override = variant.name;
    c.variant = run_scenario(sc, opt);
    c.diff = diff_scenario(sc, parent, variant, lim);
    return c;
}

std::string format_comparison(const Scenario& sc, const Variant& variant, const Variant& parent,
                              const VariantComparison& c) {
    std::string s = fmt::format("== {} ({})\n", sc.name, sc.path);
    s += fmt::format("   verdict  {}: {}   {}: {}{}\n", parent.name, verdict_text(c.parent), variant.name,
                     verdict_text(c.variant), c.verdict_differs() ? "   <-- the patch changes the verdict" : "");
    if (c.variant.explore.violation && c.verdict_differs())
        s += fmt::format("   {} violates {}: {}\n   {}\n", variant.name, c.variant.explore.violation->invariant,
                         c.variant.explore.violation->conjunct, c.variant.explore.violation->detail);
    if (c.diff.kind != DiffResult::DIFFERENCE) {
        s += c.diff.kind == DiffResult::INCOMPLETE
                 ? fmt::format("   states   no difference found before {}\n", c.diff.incomplete_reason)
                 : "   states   the same reachable behaviour (product exhausted)\n";
        return s;
    }
    s += fmt::format("   shortest difference, {} operation{} (A = {}, B = {}):\n", c.diff.trace.size(),
                     c.diff.trace.size() == 1 ? "" : "s", parent.name, variant.name);
    const Machine& m = sc.machine;
    for (std::size_t i = 0; i < c.diff.trace.size(); ++i) {
        const DiffStep& st = c.diff.trace[i];
        s += fmt::format("   {:>2}. {}\n       $ {}\n       -> A: {}   B: {}\n", i + 1, action_label(m, st.action),
                         describe_action(m, st.action), rc_name(st.rc_a), rc_name(st.rc_b));
    }
    if (c.diff.trace.empty()) s += "   (the boot states already differ)\n";
    s += "   differs:\n";
    for (const ObservableDiff& d : c.diff.diffs) s += fmt::format("     {}\n       A: {}\n       B: {}\n", d.what, d.a, d.b);
    return s;
}

}  // namespace hp
