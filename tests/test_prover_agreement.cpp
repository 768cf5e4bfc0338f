// One source of truth for the prover: its abstraction (checker/prover/abstract_model.hpp,
// the very code Z3 runs symbolically) must simulate the explicit model (spec/ops)
// transition by transition, on a grid of geometries and for every variant both know; and
// the prover's verdict must equal the explorer's, with every counterexample replaying.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>
#include <set>
#include <string>

#include "checker/explorer.hpp"
#include "checker/kernel_model.hpp"
#include "checker/prover/prover.hpp"
#include "invariants/invariant.hpp"
#include "spec/variant.hpp"

using namespace hp;
using namespace hp::prover;

namespace {

// The grid: the presets plus geometries chosen to exercise every branch of the
// abstraction (vmemmap shorter than a subsection, several sections per block, odd
// sizeof(struct page), pageblocks smaller than a subsection, V >= a section).
std::vector<GeoParams> grid() {
    std::vector<GeoParams> g;
    for (const char* name : {"x86_64", "arm64-4k", "arm64-64k", "ppc64-64k"})
        g.push_back(*from_geometry(*geometry_preset(name)));
    // page_shift, section_bits, spb_log, pageblock_order, pmd_order, struct_page
    g.push_back({16, 24, 4, 2, 5, 64});   // ppc-like, V = 16 < subsection (32), pageblock 4
    g.push_back({16, 24, 4, 4, 5, 128});  // V = 32 = subsection
    g.push_back({12, 22, 2, 5, 9, 64});   // 4 MiB sections, 4 per block, V = 64 < 512
    g.push_back({12, 21, 4, 9, 9, 256});  // V = 512 = one section (vmemmap-only section)
    g.push_back({14, 25, 1, 5, 7, 72});   // 16K pages, odd struct page
    g.push_back({12, 27, 0, 9, 9, 56});   // sizeof(struct page) 56: V = 448, not PMD-aligned
    g.push_back({13, 23, 3, 3, 8, 64});   // 8K pages
    return g;
}

std::vector<std::string> variants_both_know() {
    std::vector<std::string> v;
    for (const VariantSpec& s : known_variant_specs())
        if (find_variant(s.name)) v.push_back(s.name);
    return v;
}

struct Key {
    std::string bytes;
    bool operator<(const Key& o) const { return bytes < o.bytes; }
};
Key key_of(const KernelState& s) { return Key{std::string(reinterpret_cast<const char*>(&s), sizeof s)}; }

}  // namespace

TEST_CASE("prover: the abstraction simulates the explicit model on a grid of geometries") {
    const auto variants = variants_both_know();
    REQUIRE(std::find(variants.begin(), variants.end(), "v6.1") != variants.end());
    const Invariant* i1 = find_invariant("zone-span");
    const Invariant* i5 = find_invariant("present-pages");
    REQUIRE(i1);
    REQUIRE(i5);
    for (const std::string& vname : variants) {
        const Variant& var = *find_variant(vname);
        const VariantSpec& spec = *find_variant_spec(vname);
        for (const GeoParams& gp : grid()) {
            const Geometry geo = to_geometry(gp);
            if (validate_geometry(geo)) continue;
            const unsigned N = 2;
            const Machine m = prover_machine(geo, N);
            const CModel am = concrete_model(gp, N, spec);
            const auto alphabet = prover_alphabet(m);
            CAPTURE(vname);
            CAPTURE(describe(gp));
            std::set<Key> seen;
            std::deque<KernelState> queue{initial_state(m)};
            seen.insert(key_of(queue.front()));
            unsigned states = 0, transitions = 0;
            bool ok = true;
            while (!queue.empty() && ok) {
                const KernelState s = queue.front();
                queue.pop_front();
                ++states;
                std::string why;
                const auto as = abstract_of(m, am, s, &why);
                if (!as) {
                    FAIL_CHECK("explicit state outside the abstraction: " << why);
                    ok = false;
                    break;
                }
                Violation v;
                CHECK(i1->holds_in(m, s, &v) == am.zone_span(*as));
                CHECK(i5->holds_in(m, s, &v) == am.present_pages(*as));
                // the auxiliary lemmas hold in every reachable state of the kernel versions,
                // and pin the state down to canonical() of its block fields
                if (vname == "v6.1" || vname == "v6.8") CHECK(am.lemmas(*as));
                if (am.lemmas(*as)) CHECK(same_state(am, am.canonical(*as), *as, nullptr));
                for (const Action& a : alphabet) {
                    KernelState next = s;
                    bool enabled = action_enabled(m, s, a);
                    StepResult r;
                    if (enabled) {
                        r = apply_action(m, var.ops, next, a);
                        if (a.fault.kind != FaultKind::NONE && !r.fault_fired) enabled = false;
                    }
                    const CModel::Result ar = am.apply(*as, a);
                    if (ar.enabled && dropped_from_solver(a)) {
                        // the solver leaves it out: some kept action must reach the same state
                        bool covered = false;
                        for (const Action& b : alphabet) {
                            if (dropped_from_solver(b)) continue;
                            const CModel::Result br = am.apply(*as, b);
                            if (br.enabled && same_state(am, br.s, ar.s, nullptr)) covered = true;
                        }
                        if (same_state(am, *as, ar.s, nullptr)) covered = true;  // a failed step: no change
                        CHECK_MESSAGE(covered, "dropped action " << action_label(m, a) << " reaches a new state");
                    }
                    if (enabled != ar.enabled) {
                        FAIL_CHECK("enabled differs for " << action_label(m, a) << ": explicit " << enabled
                                                          << ", abstraction " << ar.enabled);
                        ok = false;
                        break;
                    }
                    if (!enabled) continue;
                    ++transitions;
                    CHECK_MESSAGE(static_cast<std::uint64_t>(-r.rc) == ar.rc, action_label(m, a));
                    const auto an = abstract_of(m, am, next, &why);
                    if (!an) {
                        FAIL_CHECK("successor outside the abstraction after " << action_label(m, a) << ": " << why);
                        ok = false;
                        break;
                    }
                    std::string diff;
                    if (!same_state(am, *an, ar.s, &diff)) {
                        FAIL_CHECK("after " << action_label(m, a) << ": explicit vs abstraction: " << diff);
                        ok = false;
                        break;
                    }
                    if (seen.insert(key_of(next)).second) queue.push_back(next);
                }
            }
            CHECK(states > 1);
            CHECK(transitions > 0);
        }
    }
}

TEST_CASE("prover: verdicts equal the explorer's, and counterexamples replay") {
    const auto variants = variants_both_know();
    const Invariant* i1 = find_invariant("zone-span");
    // A smaller grid: each point costs one Z3 run.
    std::vector<GeoParams> points{*from_geometry(*geometry_preset("x86_64")), GeoParams{16, 24, 4, 2, 5, 64}};
    for (const std::string& vname : variants) {
        const Variant& var = *find_variant(vname);
        for (const GeoParams& gp : points) {
            CAPTURE(vname);
            CAPTURE(describe(gp));
            const Machine m = prover_machine(to_geometry(gp), 2);
            KernelModel km(m, var, prover_alphabet(m), {i1});
            const ExploreResult e = explore(km, Limits{});
            REQUIRE(e.verdict != hp::Verdict::INCOMPLETE);
            ProveOptions opt;
            opt.variant = vname;
            opt.invariants = {"zone-span"};
            opt.bounds = GeometryBounds::exactly(gp);
            opt.blocks = 2;
            opt.depth = e.verdict == hp::Verdict::VIOLATION ? static_cast<unsigned>(e.trace.size()) : 4;
            // the auxiliary lemmas describe the baseline's accounting; hocko-2021 changes it
            opt.induction = e.verdict == hp::Verdict::PASS && !find_variant_spec(vname)->account_at_add;
            opt.condition = false;
            const ProveResult r = prove(opt);
            if (e.verdict == hp::Verdict::VIOLATION) {
                REQUIRE(r.verdict == prover::Verdict::COUNTEREXAMPLE);
                CHECK(r.cex->trace.size() == e.trace.size());  // both shortest
                CHECK(r.cex->replayed);
            } else {
                CHECK(r.verdict == prover::Verdict::PROVED);
            }
        }
    }
}
