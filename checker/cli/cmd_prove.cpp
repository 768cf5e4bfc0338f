// `hpcheck prove`: the kernel model's own functions run over Z3 terms for every geometry in
// bounds (checker/prover/). Verdicts: proved (fixpoint: every sequence length), bounded
// (--max-depth), counterexample (replayed in the explicit model, written as a scenario),
// unknown (a limit ran out), internal error (a counterexample the explicit model does not
// reproduce: the two builds of the model disagree).
#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <iostream>
#include <unistd.h>

#include "checker/cli/command.hpp"
#include "checker/output_file.hpp"
#include "checker/prover/boot_prover.hpp"
#include "checker/prover/prover.hpp"
#include "checker/prover/prover_machine.hpp"
#include "checker/report_text.hpp"
#include "spec/boot.hpp"
#include "spec/variant.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

inline constexpr int EXIT_INTERNAL_ERROR = 4;

namespace {
struct ProveArgs {
    prover::ProveOptions opt;
    std::string bounds, geometry, emit, dimms, emit_machine, faults, engine = "classes";
    std::vector<std::string> invariants;
    bool boot = false;
    unsigned boot_regions = 2;  // 3 regions: the bottom-up proof runs out of --boot-rlimit (docs/prover.md)
    unsigned boot_rlimit = 0;
};

// --boot: seed 003's placement invariant over every memblock layout in bounds
// (checker/prover/boot_prover.hpp); a counterexample is replayed through spec/boot.cpp's
// memblock_boot() and boot_layout_violation(), the code the scenarios use.
int run_prove_boot(const ProveArgs& a) {
    const Variant* v = find_variant(a.opt.variant);
    if (!v) {
        std::cerr << fmt::format("hpcheck prove: unknown variant '{}'\n", a.opt.variant);
        return EXIT_BAD_INPUT;
    }
    prover::BootProveOptions o;
    o.bottom_up_for_movable_node = v->memblock_bottom_up_for_movable_node;
    o.regions = a.boot_regions;
    if (a.boot_rlimit) o.rlimit = a.boot_rlimit;
    prover::BootProveResult r;
    try {
        r = prover::prove_boot(o);
    } catch (const std::invalid_argument& e) {
        std::cerr << "hpcheck prove: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    }
    static const char* const names[] = {"proved", "counterexample", "unknown"};
    std::cout << fmt::format("variant    {}\n", v->name);
    std::cout << "model      spec/boot_place.cpp memblock_place(), run over Z3 terms (the function memblock_boot() uses)\n";
    std::cout << "invariant  boot-placement: with movable_node no early allocation lands in hotpluggable memory\n";
    std::cout << fmt::format("bounds     {}\n", r.bounds);
    std::cout << fmt::format("verdict    {}\n", names[r.verdict]);
    std::cout << fmt::format("search     {} path(s), {} Z3 queries (one per allocation), {:.1f} s CPU\n", r.paths, r.queries,
                             r.seconds);
    if (r.verdict == prover::BootProveResult::PROVED) return EXIT_HOLDS;
    if (r.verdict == prover::BootProveResult::UNKNOWN) return EXIT_INCOMPLETE;
    const prover::BootLayoutValues& c = *r.cex;
    BootInput in;
    std::cout << "layout\n";
    for (const auto& g : c.regions) {
        in.memory.push_back({g.nid, g.base, g.end, g.hotplug, fmt::format("region of node {}", g.nid)});
        std::cout << fmt::format("  node {} [{:#x}, {:#x}){}\n", g.nid, g.base, g.end, g.hotplug ? " hotpluggable" : "");
    }
    std::cout << fmt::format("  kernel image [{:#x}, {:#x})\n", c.kernel_start, c.kernel_end);
    in.kernel_start_pfn = c.kernel_start;
    in.kernel_end_pfn = c.kernel_end;
    for (const auto& al : c.allocs) {
        in.allocs.push_back({al.name, al.pages, al.before_srat, al.nid});
        std::cout << fmt::format("  {:<34} {:>8} pages {} SRAT -> {}\n", al.name, al.pages, al.before_srat ? "before" : "after ",
                                 al.placed ? fmt::format("pfn {:#x}", al.pfn) : std::string("not placed"));
    }
    in.movable_node = true;
    in.bottom_up_for_movable_node = v->memblock_bottom_up_for_movable_node;
    const BootResult br = memblock_boot(in, static_cast<int>(c.regions.size()));
    bool same = true;
    for (size_t i = 0; i < br.allocs.size(); ++i)
        same = same && br.allocs[i].placed == c.allocs[i].placed && (!br.allocs[i].placed || br.allocs[i].pfn == c.allocs[i].pfn);
    const std::string viol = boot_layout_violation(in, br, 32768);
    const bool replayed = same && viol.rfind("boot-placement:", 0) == 0;
    std::cout << fmt::format("replay     memblock_boot(): {} — {}\n", replayed ? "same violation" : "DID NOT REPRODUCE",
                             viol.empty() ? "no violation" : viol);
    if (!replayed) {
        std::cerr << "hpcheck prove: internal error: the symbolic and the explicit boot placement disagree\n";
        return EXIT_INTERNAL_ERROR;
    }
    return EXIT_VIOLATION;
}

void print_counterexample(const prover::ProveOptions& opt, const prover::Counterexample& cx, const std::string& emit) {
    using namespace hp::prover;
    const Machine m = prover_machine(to_geometry(cx.geometry), opt.layout);
    std::cout << fmt::format("geometry   {}\n", describe(cx.geometry));
    std::cout << fmt::format("class      {}\n", cx.condition);
    std::cout << fmt::format("violated   {} ({})\n", cx.invariant, cx.conjunct);
    std::cout << "trace\n";
    for (size_t i = 0; i < cx.trace.size(); ++i)
        std::cout << fmt::format("  {:>2}. {:<48} {}\n", i + 1, action_label(m, cx.trace[i]),
                                 i < cx.rcs.size() ? errno_name(cx.rcs[i]) : "");
    std::cout << fmt::format("replay     explicit model: {} — {}\n", cx.replayed ? "same violation" : "DID NOT REPRODUCE",
                             cx.replay_detail);
    if (!cx.replayed) return;
    const std::string toml = scenario_toml(
        m, fmt::format("prover-{}-{}", opt.variant, cx.invariant),
        fmt::format("Found by hpcheck prove: {} breaks {} on this geometry.", opt.variant, cx.invariant), opt.variant,
        cx.invariant, cx.trace, cx.rcs, true);
    std::string path = emit;
    const bool temp = path.empty();
    if (temp) path = (fs::temp_directory_path() / fmt::format("hpcheck-prove-{}.toml", ::getpid())).string();
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

int run_prove(ProveArgs& a) {
    using namespace hp::prover;
    if (a.boot) return run_prove_boot(a);
    ProveOptions opt = a.opt;
    ProveResult r;
    std::optional<Geometry> pinned;
    try {
        opt.invariants = a.invariants;
        if (a.engine == "classes") opt.engine = Engine::CLASSES;
        else if (a.engine == "paths") opt.engine = Engine::PATHS;
        else throw std::invalid_argument(fmt::format("--engine: '{}' is not classes or paths", a.engine));
        if (!a.faults.empty()) opt.faults = parse_faults(a.faults);
        if (!a.dimms.empty()) opt.layout.dimm_blocks = ProverLayout::parse_dimms(a.dimms);
        if (opt.layout.nodes < 1 || opt.layout.nodes > 4) throw std::invalid_argument("--nodes: 1..4");
        if (!a.geometry.empty()) {
            auto g = geometry_preset(a.geometry);
            if (!g) throw std::invalid_argument(fmt::format("--geometry: unknown preset '{}'", a.geometry));
            auto p = from_geometry(*g);
            if (!p) throw std::invalid_argument("--geometry: the preset's sizes are not powers of two");
            opt.bounds = GeometryBounds::exactly(*p);
            pinned = *g;
        } else if (!a.emit_machine.empty()) {
            throw std::invalid_argument("--emit-machine needs a pinned --geometry (the explorer runs one geometry)");
        }
        if (!a.bounds.empty()) {  // on top of --geometry's preset, if given: "x86_64, but every section size"
            if (!a.emit_machine.empty())
                throw std::invalid_argument("--emit-machine needs a pinned --geometry without --geometry-bounds");
            opt.bounds = GeometryBounds::parse(a.bounds, opt.bounds);
        }
        if (::isatty(STDERR_FILENO))  // a long proof shows it is moving; logs and pipes get the result only
            opt.progress = [](const std::string& line) { std::cerr << "prove: " << line << "\n"; };
        r = prove(opt);  // validates the variant and invariants before anything is written
        if (!a.emit_machine.empty())
            write_file_atomically(a.emit_machine, explore_scenario_toml(prover_machine(*pinned, opt.layout), opt.variant, opt.faults));
    } catch (const std::invalid_argument& e) {
        std::cerr << "hpcheck prove: " << e.what() << "\n";
        return EXIT_BAD_INPUT;
    }
    const SearchResult& s = r.search;
    std::string invs;
    for (const std::string& n : s.checked) invs += (invs.empty() ? "" : ", ") + n;
    std::cout << fmt::format("variant    {}\n", opt.variant);
    std::cout << fmt::format("model      spec/ops and the variant's overrides, run over symbolic terms (one source)\n");
    std::cout << fmt::format("invariants {}\n", invs);
    std::cout << fmt::format("machine    {}\n", opt.layout.describe());
    std::cout << fmt::format("bounds     {}\n", opt.bounds.describe());
    std::cout << fmt::format("verdict    {}\n", verdict_name(r.verdict));
    std::cout << fmt::format("scope      {}\n", r.scope);
    if (opt.engine == Engine::CLASSES)
        std::cout << fmt::format("search     {} geometry class(es) covering {} geometries in bounds, {} states, {} "
                                 "transitions, {} geometry-dependent decisions, depth {}, {:.1f} s CPU\n",
                                 s.classes.size(), s.geometries, s.states, s.transitions, s.decisions, s.depth_done,
                                 r.seconds);
    else
        std::cout << fmt::format("search     {} symbolic states, {} transitions, {} paths, {} decisions, {} Z3 queries "
                                 "({} cached, {} undecided), depth {}, {:.1f} s CPU\n",
                                 s.states, s.transitions, s.paths, s.decisions, s.queries, s.cache_hits, s.unknown,
                                 s.depth_done, r.seconds);
    if (r.verdict == prover::Verdict::PROVED || (opt.engine == Engine::CLASSES && !s.classes.empty())) {
        std::cout << (r.verdict == prover::Verdict::PROVED
                          ? "invariant  the reachable set is the inductive invariant; its geometry classes:\n"
                          : "classes    finished before it stopped:\n");
        constexpr size_t shown = 16;  // the rest is a count: hundreds of lines would bury the verdict
        for (size_t i = 0; i < s.classes.size() && i < shown; ++i) std::cout << "           " << s.classes[i] << "\n";
        if (s.classes.size() > shown) std::cout << fmt::format("           ... and {} more\n", s.classes.size() - shown);
    }
    if (r.verdict == prover::Verdict::PROVED && !s.invariant.empty()) {
        std::cout << "fields     what every reachable state satisfies, per class and field (the inductive invariant, projected):\n";
        for (const std::string& line : s.invariant) std::cout << "           " << line << "\n";
    }
    if (r.cex) print_counterexample(opt, *r.cex, a.emit);
    switch (r.verdict) {
        case prover::Verdict::PROVED:
        case prover::Verdict::BOUNDED: return EXIT_HOLDS;
        case prover::Verdict::COUNTEREXAMPLE: return EXIT_VIOLATION;
        case prover::Verdict::UNKNOWN: return EXIT_INCOMPLETE;
        case prover::Verdict::INTERNAL_ERROR:
            std::cerr << "hpcheck prove: internal error: the symbolic and the explicit model disagree on this trace\n";
            return EXIT_INTERNAL_ERROR;
    }
    return EXIT_INCOMPLETE;
}
}  // namespace

static void add_prove_command(CLI::App& app, Registry& r, Context&) {
    auto* sub = app.add_subcommand(
        "prove",
        "Z3 over the model's own kernel functions: prove the invariants for every geometry in bounds and every "
        "sequence length, or find a counterexample that replays. Exit: 0 proved (or bounded, with --max-depth), "
        "1 counterexample, 2 bad input, 3 unknown (a limit ran out), 4 internal error (the symbolic and the "
        "explicit model disagree)");
    static ProveArgs a;
    sub->add_option("--variant", a.opt.variant, "kernel variant: any of `hpcheck list variants` (default v6.1)");
    sub->add_option("--invariant", a.invariants, "invariant to prove (repeatable; default: all of them)");
    sub->add_option("--geometry-bounds", a.bounds,
                    "NAME=LO..HI,... over page_shift, section_bits, sections_per_block, pageblock_order, pmd_bits, "
                    "struct_page; the others keep their defaults, or --geometry's values if it is given");
    sub->add_option("--emit-machine", a.emit_machine,
                    "write the prover's machine on the pinned --geometry as an explore scenario for `hpcheck check` "
                    "(the explicit model's answer to the same question)");
    sub->add_option("--geometry", a.geometry, "pin the geometry to a preset (x86_64, arm64-4k, arm64-64k, ppc64-64k)");
    sub->add_option("--dimms", a.dimms, "memory blocks per DIMM, e.g. 1,4 (default 1,1)");
    sub->add_option("--faults", a.faults,
                    "model faults the operations may inject, comma-separated, or none (default: unmovable-pages,"
                    "notifier-veto-online,notifier-veto-offline,section-enomem,memory-block-enomem). A verdict holds for "
                    "the sequences with these faults only; the scope line says which");
    sub->add_option("--nodes", a.opt.layout.nodes, "NUMA nodes; DIMM d sits on node d % nodes (default 1)");
    sub->add_option("--max-depth", a.opt.max_depth, "stop after sequences of this many operations: 'bounded'");
    sub->add_option("--max-states", a.opt.max_states, "stop after this many symbolic states (the class engine: in one geometry class): 'unknown'");
    sub->add_option("--engine", a.engine,
                    "classes (default): one geometry class at a time, each searched at a concrete geometry with every "
                    "geometry-dependent decision recorded, until every geometry in bounds is covered; paths: every geometry at "
                    "once, forking where Z3 says a branch can go both ways");
    sub->add_option("--rlimit", a.opt.rlimit, "--engine paths: Z3 resource limit per branch query (deterministic; default 2000000). The class engine runs no solver query: it evaluates terms at concrete geometries");
    sub->add_option("--emit-scenario", a.emit, "write the counterexample as a scenario TOML for `hpcheck check`");
    sub->add_flag("--print-invariant", a.opt.print_invariant,
                  "with a proof (class engine): print, per geometry class and state field, the values every reachable "
                  "state takes, as terms over the geometry in kernel names (a projection of the inductive invariant)");
    sub->add_flag("--boot", a.boot,
                  "prove seed 003's boot placement invariant (with movable_node no early memblock allocation lands in "
                  "hotpluggable memory) for every memblock layout in bounds, under the variant's allocation direction");
    sub->add_option("--boot-regions", a.boot_regions, "--boot: memblock regions (2..4, default 2; with 3 the bottom-up proof needs more than the default --boot-rlimit)");
    sub->add_option("--boot-rlimit", a.boot_rlimit, "--boot: Z3 resource limit per query (default 50000000)");
    r.push_back({sub, [] { return run_prove(a); }});
}

static const bool registered = register_command(35, add_prove_command);

}  // namespace hp::cli
