// The prover runs the model's own kernel functions over Z3 terms (one source of truth).
// These tests keep that true: every mutant of spec/ops (spec/variants/mutants.cpp) must be
// refuted by `prove` with a counterexample that the explicit model replays, and found by
// the explorer on the same machine; the baseline must be proved; a proof that stops at a
// depth bound must say "bounded", never "proved".
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "checker/prover/prover.hpp"
#include "checker/prover/prover_machine.hpp"
#include "checker/run.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;
using namespace hp::prover;

namespace {
ProveOptions on_x86_64(const std::string& variant) {
    ProveOptions o;
    o.variant = variant;
    o.bounds = GeometryBounds::exactly(*from_geometry(*geometry_preset("x86_64")));
    return o;
}

// The explorer, exhaustively, on the prover's machine under `variant`.
hp::Verdict explorer_verdict(const std::string& variant) {
    const Machine m = prover_machine(*geometry_preset("x86_64"), ProverLayout{});
    const std::string toml = explore_scenario_toml(m, variant);
    const std::string path = "/tmp/hpcheck-test-" + variant + ".toml";
    { std::ofstream(path) << toml; }
    const Scenario sc = load_scenario(path);
    std::remove(path.c_str());
    return run_scenario(sc, RunOptions{}).explore.verdict;
}
}  // namespace

TEST_CASE("prover: every mutant of spec/ops is refuted by prove (replayed) and found by the explorer") {
    int mutants = 0;
    for (const Variant& v : all_variants()) {
        if (v.name.rfind("mutant-", 0) != 0) continue;
        ++mutants;
        CAPTURE(v.name);
        const ProveResult r = prove(on_x86_64(v.name));
        CHECK(r.verdict == prover::Verdict::COUNTEREXAMPLE);
        REQUIRE(r.cex);
        CHECK(r.cex->replayed);
        CHECK(explorer_verdict(v.name) == hp::Verdict::VIOLATION);
    }
    CHECK(mutants >= 8);
}

TEST_CASE("prover: a known-bad design (hocko-2021) gives a counterexample that replays") {
    const ProveResult r = prove(on_x86_64("hocko-2021"));
    CHECK(r.verdict == prover::Verdict::COUNTEREXAMPLE);
    REQUIRE(r.cex);
    CHECK(r.cex->replayed);
}

TEST_CASE("prover: a depth bound is 'bounded', never 'proved'") {
    ProveOptions o = on_x86_64("v6.1");
    o.max_depth = 2;
    const ProveResult r = prove(o);
    CHECK(r.verdict == prover::Verdict::BOUNDED);
    CHECK(r.search.depth_done == 2);
}

TEST_CASE("prover: v6.1 is proved on x86_64 for every sequence length, with every invariant") {
    const ProveResult r = prove(on_x86_64("v6.1"));
    CHECK(r.verdict == prover::Verdict::PROVED);
    CHECK(r.search.outcome == SearchResult::Outcome::FIXPOINT);
    CHECK(r.search.checked.size() >= 18);
    CHECK(r.search.states == 771);  // the explorer's count for the same machine
}

TEST_CASE("prover: unknown variant or invariant is bad input") {
    ProveOptions o = on_x86_64("no-such-variant");
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
    o = on_x86_64("v6.1");
    o.invariants = {"no-such-invariant"};
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
}
