// The prover's machine over Z3 terms (symbolic_machine.hpp).
#define HP_SYMBOLIC 1
#include "checker/prover/symbolic_machine.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "checker/prover/path_executor.hpp"

namespace hp::prover {

using symbolic::Word;

// Bounds as constraints, and every limit the explicit model and validate_geometry() put
// on a geometry, so that each model of a path condition is a geometry `hpcheck check`
// accepts.
S::Geometry build_geometry(z3::context& c, SymbolicGeometry& sg, const GeometryBounds& b) {
    auto k = [&](std::uint64_t v) { return c.bv_val(v, 64); };
    auto in = [&](const z3::expr& v, unsigned lo, unsigned hi) { return z3::uge(v, k(lo)) && z3::ule(v, k(hi)); };
    z3::expr pages_per_section_log = sg.section_bits - sg.page_shift;
    z3::expr block_log = pages_per_section_log + sg.spb_log;
    z3::expr cs = in(sg.page_shift, b.page_shift.lo, b.page_shift.hi) &&
                  in(sg.section_bits, std::max(21u, b.section_bits.lo), b.section_bits.hi) &&
                  in(sg.spb_log, SymbolicGeometry::log2_ceil(b.sections_per_block.lo), SymbolicGeometry::log2_floor(b.sections_per_block.hi)) &&
                  in(sg.pageblock_order, b.pageblock_order.lo, b.pageblock_order.hi) &&
                  z3::ule(sg.pageblock_order, pages_per_section_log) &&
                  in(sg.pmd_bits, b.pmd_bits.lo, b.pmd_bits.hi) && z3::uge(sg.pmd_bits, sg.page_shift) &&
                  in(sg.struct_page, std::max(8u, b.struct_page.lo), b.struct_page.hi) &&
                  z3::urem(sg.struct_page, k(8)) == k(0);
    S::Geometry g;
    g.preset = "symbolic";
    g.page_size = Word::pow2(Word(sg.page_shift));
    g.pages_per_subsection = Word::pow2(Word(k(21) - sg.page_shift));
    g.pages_per_section = Word::pow2(Word(pages_per_section_log));
    g.pages_per_block = Word::pow2(Word(block_log));
    g.pageblock_nr_pages = Word::pow2(Word(sg.pageblock_order));
    g.pmd_pages = Word::pow2(Word(sg.pmd_bits - sg.page_shift));
    g.struct_page_size = Word(sg.struct_page);
    // the memmap of a block fits in the block and in nr_vmemmap_pages (u16)
    const z3::expr vmemmap_pages = g.memory_block_memmap_pages().term();
    cs = cs && z3::ult(vmemmap_pages, g.pages_per_block.term()) && z3::ule(vmemmap_pages, k(0xffff));
    sg.constraints = cs;
    return g;
}

// The twin of prover_machine() (prover_machine.cpp) over terms.
S::Machine build_machine(z3::context& c, SymbolicGeometry& sg, const S::Geometry& g, const ProverLayout& layout) {
    auto k = [&](std::uint64_t v) { return c.bv_val(v, 64); };
    S::Machine m;
    m.geo = g;
    m.nr_nodes = static_cast<int>(layout.nodes);
    m.cpus_per_node.assign(layout.nodes, 0);
    m.cpus_per_node[0] = 1;
    m.boot.push_back({0, ZONE_DMA32, Word(16), Word(4096), Word(4096 - 16), Word(4096 - 16)});
    m.params.memmap_on_memory = MemmapMode::ENABLE;
    // max(4 GiB / PAGE_SIZE, one block): both powers of two
    const Word four_gib_log = Word(32) - Word(sg.page_shift);
    const Word block_log = *g.pages_per_block.log2();
    Word base = Word::pow2(symbolic::select(four_gib_log < block_log, block_log, four_gib_log));
    for (unsigned i = 0; i < layout.dimm_blocks.size(); ++i) {
        S::Dimm d;
        d.name = fmt::format("dimm{}", i);
        d.node = static_cast<int>(i % layout.nodes);
        d.base_pfn = base;
        d.nr_blocks = layout.dimm_blocks[i];
        base = base + d.nr_blocks * g.pages_per_block;
        m.dimms.push_back(d);
    }
    // every pfn fits the model's 32-bit pfn fields
    sg.constraints = sg.constraints && z3::ult(base.term(), k(1ull << 32));
    m.finalize();
    return m;
}

S::Machine build_prover_machine(z3::context& c, SymbolicGeometry& sg, const GeometryBounds& bounds,
                                const ProverLayout& layout) {
    struct Bootstrap : symbolic::Decider {
        z3::context& c;
        explicit Bootstrap(z3::context& ctx) : c(ctx) {}
        bool decide(const z3::expr&) override { throw std::logic_error("a decision while building the machine"); }
        z3::context& ctx() override { return c; }
    } boot(c);
    DeciderScope scope(boot);
    const S::Geometry g = build_geometry(c, sg, bounds);
    return build_machine(c, sg, g, layout);
}

CheckedInvariants select_invariants(const std::vector<std::string>& names, std::vector<std::string>& checked) {
    CheckedInvariants out;
    if (names.empty()) {
        for (const S::Invariant& inv : S::all_invariants()) (inv.holds_in ? out.state : out.step).push_back(&inv);
    } else {
        for (const std::string& n : names) {
            const S::Invariant* inv = S::find_invariant(n);
            if (!inv) throw std::invalid_argument(fmt::format("unknown invariant '{}'", n));
            (inv->holds_in ? out.state : out.step).push_back(inv);
        }
    }
    for (const auto* i : out.state) checked.push_back(i->name);
    for (const auto* i : out.step) checked.push_back(i->name);
    return out;
}

}  // namespace hp::prover
