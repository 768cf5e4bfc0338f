// `hpcheck prove`: Z3 proofs over every geometry in bounds, and for every sequence length
// with --induction; counterexamples come back as a scenario that `hpcheck check` replays.
#include <fmt/format.h>

#include <filesystem>
#include <unistd.h>

#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/output_file.hpp"
#include "checker/prover/prover.hpp"
#include "checker/report_text.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct ProveArgs {
    prover::ProveOptions opt;
    std::string bounds, geometry, emit;
    std::vector<std::string> invariants;
    bool quiet_queries = false;
};

int run_prove(ProveArgs& a) {
    using namespace hp::prover;
    ProveOptions opt = a.opt;
    try {
        if (!a.invariants.empty()) opt.invariants = a.invariants;
        if (!a.geometry.empty()) {
            auto g = geometry_preset(a.geometry);
            if (!g) throw std::invalid_argument(fmt::format("unknown geometry preset '{}'", a.geometry));
            auto p = from_geometry(*g);
            if (!p) throw std::invalid_argument("preset geometry is not expressible");
            opt.bounds = GeometryBounds::exactly(*p);
        }
        if (!a.bounds.empty()) {
            if (!a.geometry.empty()) throw std::invalid_argument("--geometry and --geometry-bounds exclude each other");
            opt.bounds = GeometryBounds::parse(a.bounds);
        }
    } catch (const std::invalid_argument& e) {
        std::cerr << "hpcheck prove: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    }
    ProveResult r;
    try {
        r = prove(opt);
    } catch (const std::invalid_argument& e) {
        // A variant without an encoding: say why, and what to run instead (one line).
        const bool variant = std::string(e.what()).find("variant") != std::string::npos;
        std::cerr << "hpcheck prove: " << e.what()
                  << (variant ? ": its Z3 encoding is written by hand per variant (checker/prover/), not derived from "
                                "the C++ kernel functions of spec/variants/, so a new variant has none yet; check it "
                                "explicitly with `hpcheck suite --variant NAME` (docs/prover.md)"
                              : "")
                  << "\n";
        return EXIT_BAD_INPUT;
    }
    std::string invs;
    for (const std::string& n : opt.invariants) invs += (invs.empty() ? "" : ", ") + n;
    std::cout << fmt::format("variant    {}\n", opt.variant);
    std::cout << fmt::format("invariant  {}\n", invs);
    std::cout << fmt::format("machine    one node, {} single-block DIMM(s) above boot memory, memmap_on_memory=1\n",
                             opt.blocks);
    std::cout << fmt::format("bounds     {}{}\n", opt.bounds.describe(),
                             opt.supported_only ? "; only geometries where mhp_supports_memmap_on_memory() holds" : "");
    std::cout << fmt::format("verdict    {}\n", prover::verdict_name(r.verdict));
    std::cout << fmt::format("scope      {}\n", r.scope);
    std::cout << fmt::format("solver     {:.3f} s in {} queries\n", r.seconds, r.queries.size());
    for (const QueryStat& q : r.queries)
        std::cout << fmt::format("           {:<70} {:>8.3f} s  {:>5} assertions  {}\n", q.what, q.seconds,
                                 q.assertions, q.result);
    if (r.induction.attempted) {
        if (r.induction.plain_inductive)
            std::cout << fmt::format("induction  the invariant alone is {}-inductive\n", r.induction.k);
        else {
            std::cout << "induction  the invariant alone is NOT inductive (too weak: this is not a counterexample, the "
                         "pre-state below need not be reachable)\n";
            std::cout << "           counterexample to induction:\n" << r.induction.cti;
            if (r.induction.with_lemmas)
                std::cout << "induction  proved with the auxiliary lemmas (docs/prover.md): invariant + lemmas hold "
                             "initially and are preserved by every operation\n";
        }
    }
    if (!r.unknown_reason.empty()) std::cout << fmt::format("unknown    {}\n", r.unknown_reason);
    if (!r.condition.empty()) std::cout << fmt::format("condition  {}\n", r.condition);
    if (r.cex) {
        const Counterexample& cx = *r.cex;
        std::cout << fmt::format("geometry   {}\n", describe(cx.geometry));
        std::cout << fmt::format("violated   {}\n", cx.invariant);
        std::cout << fmt::format("replay     explicit model: {}{}\n",
                                 cx.replayed ? "same violation" : "DID NOT REPRODUCE", " — " + cx.replay_detail);
        const Machine m = prover_machine(to_geometry(cx.geometry), opt.blocks);
        const std::string toml =
            scenario_toml(m, fmt::format("prover-{}-{}", opt.variant, cx.invariant),
                          fmt::format("Found by hpcheck prove: {} breaks {} on this geometry.", opt.variant, cx.invariant),
                          opt.variant, cx.invariant, cx.trace, cx.rcs, true);
        std::string path = a.emit;
        bool temp = false;
        if (path.empty()) {
            path = (fs::temp_directory_path() / fmt::format("hpcheck-prove-{}.toml", ::getpid())).string();
            temp = true;
        }
        write_file_atomically(path, toml);
        if (!temp) std::cout << fmt::format("scenario   {} (hpcheck check {})\n", path, path);
        try {
            const Scenario sc = load_scenario(path);
            const RunResult rr = run_scenario(sc, RunOptions{});
            std::cout << "\n--- the explorer on the emitted scenario ---\n" << format_check(sc, rr);
        } catch (const std::exception& e) {
            std::cout << fmt::format("(the emitted scenario could not be run: {})\n", e.what());
        }
        if (temp) fs::remove(path);
    }
    switch (r.verdict) {
        case prover::Verdict::PROVED: return EXIT_HOLDS;
        case prover::Verdict::COUNTEREXAMPLE: return EXIT_VIOLATION;
        case prover::Verdict::UNKNOWN: return EXIT_INCOMPLETE;
    }
    return EXIT_INCOMPLETE;
}
}  // namespace

static void add_prove_command(CLI::App& app, Registry& r, Context&) {
    auto* sub = app.add_subcommand("prove", "Z3: prove an invariant for every geometry in bounds (and every "
                                            "sequence length with --induction), or find a counterexample");
    static ProveArgs a;
    sub->add_option("--variant", a.opt.variant, "kernel variant (v6.1, no-vmemmap-alignment-check, hocko-2021, ...)");
    sub->add_option("--invariant", a.invariants, "zone-span or present-pages (repeatable; default zone-span)");
    sub->add_option("--geometry-bounds", a.bounds,
                    "NAME=LO..HI,... over page_shift, section_bits, sections_per_block, pageblock_order, pmd_bits, "
                    "struct_page");
    sub->add_option("--geometry", a.geometry, "pin the geometry to a preset (x86_64, arm64-4k, arm64-64k, ppc64-64k)");
    sub->add_flag("--supported-only", a.opt.supported_only,
                  "only geometries where mhp_supports_memmap_on_memory() holds");
    sub->add_option("--blocks", a.opt.blocks, "single-block DIMMs on the machine (1..4, default 2)");
    sub->add_option("--depth", a.opt.depth, "bounded model checking depth (operations, default 6)");
    sub->add_flag("--induction", a.opt.induction, "prove for every sequence length (k-induction)");
    sub->add_option("--induction-k", a.opt.induction_k, "largest k for k-induction (default 2)");
    sub->add_option("--timeout", a.opt.timeout_s, "seconds per solver query (default 60); a timeout is 'unknown'");
    sub->add_flag("!--no-condition", a.opt.condition, "do not search for the breaking geometric condition");
    sub->add_option("--emit-scenario", a.emit, "write the counterexample as a scenario TOML for `hpcheck check`");
    r.push_back({sub, [] { return run_prove(a); }});
}

static const bool registered = register_command(35, add_prove_command);

}  // namespace hp::cli
