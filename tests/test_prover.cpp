// hpcheck prove: bounds parsing, the geometry bridge, and small end-to-end proofs on
// pinned geometries (each a few seconds at most).
#include <doctest/doctest.h>

#include <stdexcept>

#include "checker/prover/prover.hpp"
#include "spec/variant.hpp"

using namespace hp;
using namespace hp::prover;

TEST_CASE("prover: geometry bounds parse and reject") {
    const GeometryBounds b = GeometryBounds::parse("page_shift=12..14,struct_page=64,sections_per_block=1..4");
    CHECK(b.page_shift.lo == 12);
    CHECK(b.page_shift.hi == 14);
    CHECK(b.struct_page.lo == 64);
    CHECK(b.struct_page.hi == 64);
    CHECK(b.sections_per_block.hi == 4);
    CHECK_THROWS_AS(GeometryBounds::parse("page_size=4096"), std::invalid_argument);
    CHECK_THROWS_AS(GeometryBounds::parse("page_shift=14..12"), std::invalid_argument);
    CHECK_THROWS_AS(GeometryBounds::parse("page_shift=10..12"), std::invalid_argument);
    CHECK_THROWS_AS(GeometryBounds::parse("struct_page"), std::invalid_argument);
}

TEST_CASE("prover: presets round-trip through the prover's parameters") {
    for (const std::string& name : geometry_preset_names()) {
        const Geometry g = *geometry_preset(name);
        const auto p = from_geometry(g);
        REQUIRE(p);
        const Geometry back = to_geometry(*p);
        CHECK(back.page_size == g.page_size);
        CHECK(back.pages_per_subsection == g.pages_per_subsection);
        CHECK(back.pages_per_section == g.pages_per_section);
        CHECK(back.pages_per_block == g.pages_per_block);
        CHECK(back.pageblock_nr_pages == g.pageblock_nr_pages);
        CHECK(back.pmd_pages == g.pmd_pages);
        CHECK(back.struct_page_size == g.struct_page_size);
    }
}

TEST_CASE("prover: the concrete abstraction computes the kernel's vmemmap numbers") {
    const VariantSpec& v61 = *find_variant_spec("v6.1");
    // x86_64: 128 MiB blocks, 512 vmemmap pages, memmap_on_memory supported
    const CModel x86 = concrete_model(*from_geometry(*geometry_preset("x86_64")), 2, v61);
    CHECK(x86.g.V == 512);
    CHECK(x86.g.supports == 1);
    // arm64 64K: 8 vmemmap pages are not PMD-aligned: refused
    const CModel a64 = concrete_model(*from_geometry(*geometry_preset("arm64-64k")), 2, v61);
    CHECK(a64.g.V == 8);
    CHECK(a64.g.supports == 0);
    // without the alignment check, it is accepted
    const CModel nc =
        concrete_model(*from_geometry(*geometry_preset("arm64-64k")), 2, *find_variant_spec("no-vmemmap-alignment-check"));
    CHECK(nc.g.supports == 1);
}

TEST_CASE("prover: bad input is refused") {
    ProveOptions o;
    o.variant = "no-such-variant";
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
    o.variant = "v6.1";
    o.invariants = {"node-span"};
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
    o.invariants = {"zone-span"};
    o.blocks = 9;
    CHECK_THROWS_AS(prove(o), std::invalid_argument);
}

TEST_CASE("prover: v6.1 keeps zone-span and present-pages on x86_64 for every sequence length") {
    ProveOptions o;
    o.variant = "v6.1";
    o.invariants = {"zone-span", "present-pages"};
    o.bounds = GeometryBounds::exactly(*from_geometry(*geometry_preset("x86_64")));
    o.depth = 2;
    o.induction = true;
    o.induction_k = 1;
    const ProveResult r = prove(o);
    CHECK(r.verdict == Verdict::PROVED);
    CHECK(r.induction.attempted);
    // the invariants alone are too weak to be inductive: the lemmas close the proof
    CHECK_FALSE(r.induction.plain_inductive);
    CHECK_FALSE(r.induction.cti.empty());
    CHECK(r.induction.with_lemmas);
}

TEST_CASE("prover: no-vmemmap-alignment-check breaks zone-span on a ppc-like geometry, and it replays") {
    if (!find_variant("no-vmemmap-alignment-check")) return;  // the explicit variant has not landed
    ProveOptions o;
    o.variant = "no-vmemmap-alignment-check";
    o.bounds = GeometryBounds::exactly(GeoParams{16, 24, 4, 2, 5, 64});
    o.depth = 5;
    o.condition = false;
    const ProveResult r = prove(o);
    REQUIRE(r.verdict == Verdict::COUNTEREXAMPLE);
    REQUIRE(r.cex);
    CHECK(r.cex->invariant == "zone-span");
    CHECK(r.cex->replayed);
}
