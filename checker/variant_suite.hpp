// `hpcheck suite --variant X [--parent P]`: the reviewer's one command. Every scenario is
// run under X and under P (the scenario's own variant and expectation are ignored) and
// explored as a product (checker/diff.hpp); a scenario is reported only when the verdicts
// differ or some operation sequence tells X from P, with the shortest such sequence.
#pragma once
#include <string>
#include <vector>

#include "checker/diff.hpp"
#include "checker/run.hpp"

namespace hp {

struct VariantComparison {
    std::string scenario, file;
    RunResult parent, variant;  // the verdict of each
    DiffResult diff;            // parent = A, variant = B
    bool verdict_differs() const;
    bool differs() const { return verdict_differs() || diff.kind == DiffResult::DIFFERENCE; }
    bool incomplete() const;
};

VariantComparison compare_variants_on(const Scenario& sc, const Variant& variant, const Variant& parent,
                                      const Limits& lim);

// The report of one differing scenario: both verdicts, then the shortest sequence after
// which the two differ and what differs.
std::string format_comparison(const Scenario& sc, const Variant& variant, const Variant& parent,
                              const VariantComparison& c);

}  // namespace hp
