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
    const std::string toml = explore_scenario_toml(m, variant, ProveOptions{}.faults);
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

namespace {
// x86_64 with sizeof(struct page) free (8..256 unless narrowed): the size of a block's
// memmap, and with it whether memmap_on_memory can be used and where the buddy part starts,
// depend on it.
ProveOptions struct_page_free(const std::string& variant, Engine engine, Range range = {8, 256}) {
    ProveOptions o = on_x86_64(variant);
    o.bounds.struct_page = range;
    o.engine = engine;
    return o;
}
}  // namespace

TEST_CASE("prover: the class engine covers a free geometry parameter with several classes, as the path engine does") {
    // 56 (the size behind 8d400913c231: sections share vmemmap PMDs) and 64; the range is
    // narrow because the path engine forks at every branch the two sizes take differently
    const ProveResult classes = prove(struct_page_free("v6.1", Engine::CLASSES, {56, 64}));
    const ProveResult paths = prove(struct_page_free("v6.1", Engine::PATHS, {56, 64}));
    CHECK(classes.verdict == prover::Verdict::PROVED);
    CHECK(paths.verdict == prover::Verdict::PROVED);
    CHECK(classes.search.classes.size() == 2);  // one class cannot cover both memmap sizes
    CHECK(classes.search.decisions > 0);
    CHECK(classes.search.transitions == paths.search.transitions);  // the same steps, taken two ways
    // the whole range: one class per way the memmap size plays out (memmap_on_memory refused
    // for a memmap that is not a whole number of PMDs, used otherwise, ...)
    const ProveResult all = prove(struct_page_free("v6.1", Engine::CLASSES));
    CHECK(all.verdict == prover::Verdict::PROVED);
    CHECK(all.search.classes.size() >= 3);
    CHECK(all.search.geometries == 32);  // every multiple of 8 in 8..256: each fits x86_64's block
}

TEST_CASE("prover: the class engine does not stop at a good geometry when a bad one is in bounds") {
    // no-vmemmap-alignment-check is wrong only where the memmap of a block is not a whole
    // number of pageblocks: struct_page=64 (the x86_64 preset) is fine, 16 or 32 are not.
    // Whichever geometry Z3 picks first, the recorded conditions must keep the bad ones
    // outside its class, so the search reaches them.
    ProveOptions o = struct_page_free("no-vmemmap-alignment-check", Engine::CLASSES);
    const ProveResult r = prove(o);
    CHECK(r.verdict == prover::Verdict::COUNTEREXAMPLE);
    REQUIRE(r.cex);
    CHECK(r.cex->replayed);
    CHECK(r.cex->geometry.struct_page != 64);
    // pinned to the good geometry, the same variant is proved: the verdict above came from
    // another class, not from the first one
    CHECK(prove(on_x86_64("no-vmemmap-alignment-check")).verdict == prover::Verdict::PROVED);
}

TEST_CASE("prover: every mutant of spec/ops is refuted by the class engine with a free geometry parameter") {
    for (const Variant& v : all_variants()) {
        if (v.name.rfind("mutant-", 0) != 0) continue;
        CAPTURE(v.name);
        const ProveResult r = prove(struct_page_free(v.name, Engine::CLASSES));
        CHECK(r.verdict == prover::Verdict::COUNTEREXAMPLE);
        REQUIRE(r.cex);
        CHECK(r.cex->replayed);
    }
}

TEST_CASE("prover: removal granularity with 16-section blocks: scenario 94's counterexample needs the allocation failure") {
    // x86_64 with 2 GiB blocks: a failed usage kzalloc() in section_activate() for the
    // second section leaves the first one behind (__add_pages() does not undo it, 6.1's
    // add_memory_resource() neither): a real error path of the kernel. Without allocation
    // failures injected, the same machine is proved, so the counterexample above comes from
    // that path and nothing else.
    ProveOptions o = on_x86_64("v6.1");
    o.bounds.sections_per_block = {16, 16};
    o.invariants = {"removal-granularity"};
    const ProveResult bad = prove(o);
    CHECK(bad.verdict == prover::Verdict::COUNTEREXAMPLE);
    REQUIRE(bad.cex);
    CHECK(bad.cex->replayed);
    CHECK(bad.cex->invariant == "removal-granularity");
    o.faults = parse_faults("unmovable-pages,notifier-veto-online,notifier-veto-offline,memory-block-enomem");
    const ProveResult good = prove(o);
    CHECK(good.verdict == prover::Verdict::PROVED);
    CHECK(good.scope.find("injected faults unmovable-pages,notifier-veto-online,notifier-veto-offline,memory-block-enomem") !=
          std::string::npos);
    CHECK_THROWS_AS(parse_faults("unmovable-pages,bogus"), std::invalid_argument);
    CHECK(parse_faults("none").empty());
}

TEST_CASE("prover: unknown variant or invariant is bad input") {
    ProveOptions o = on_x86_64("no-such-variant");
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
    o = on_x86_64("v6.1");
    o.invariants = {"no-such-invariant"};
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
}
