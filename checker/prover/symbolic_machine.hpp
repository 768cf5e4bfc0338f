// The prover's machine over symbolic terms: the free geometry parameters, the geometry built from
// them (with every limit validate_geometry() puts on a geometry, as constraints) and the
// twin of prover_machine() (prover_machine.cpp). Shared by both search engines
// (symbolic_search.cpp, class_search.cpp); only symbolic translation units include it.
#pragma once
#if !HP_SYMBOLIC
#error "symbolic_machine.hpp belongs to the symbolic build (define HP_SYMBOLIC before including)"
#endif
#include <z3++.h>

#include <algorithm>
#include <string>
#include <vector>

#include "checker/prover/geometry_params.hpp"
#include "invariants/invariant.hpp"
#include "spec/machine.hpp"

namespace hp::prover {

namespace S = hp::sym;

// The free geometry parameters and the geometry built from them.
struct SymbolicGeometry {
    z3::expr page_shift, section_bits, spb_log, pageblock_order, pmd_bits, struct_page;
    z3::expr constraints;

    // A parameter whose bounds pin it is a numeral, not a variable: terms over it then
    // fold to numbers and equal states get equal terms.
    SymbolicGeometry(z3::context& c, const GeometryBounds& b)
        : page_shift(param(c, "page_shift", b.page_shift)),
          section_bits(param(c, "section_bits", b.section_bits)),
          spb_log(param(c, "spb_log", {log2_ceil(b.sections_per_block.lo), log2_floor(b.sections_per_block.hi)})),
          pageblock_order(param(c, "pageblock_order", b.pageblock_order)),
          pmd_bits(param(c, "pmd_bits", b.pmd_bits)),
          struct_page(param(c, "struct_page", b.struct_page)),
          constraints(c.bool_val(true)) {}

    static unsigned log2_floor(unsigned v) {
        unsigned l = 0;
        while ((2u << l) <= v) ++l;
        return l;
    }
    static unsigned log2_ceil(unsigned v) {
        unsigned l = 0;
        while ((1u << l) < v) ++l;
        return l;
    }
    static z3::expr param(z3::context& c, const char* name, Range r) {
        return r.lo == r.hi ? c.bv_val(r.lo, 64) : c.bv_const(name, 64);
    }

    GeoParams evaluate(const z3::model& m) const {
        auto v = [&](const z3::expr& e) { return static_cast<unsigned>(m.eval(e, true).get_numeral_uint64()); };
        GeoParams p;
        p.page_shift = v(page_shift);
        p.section_bits = v(section_bits);
        p.spb_log = v(spb_log);
        p.pageblock_order = v(pageblock_order);
        p.pmd_order = v(pmd_bits) - p.page_shift;
        p.struct_page = v(struct_page);
        return p;
    }
};

// Bounds as constraints, and every limit the explicit model and validate_geometry() put
// on a geometry, so that each model of a path condition is a geometry `hpcheck check`
// accepts. Sets sg.constraints.
S::Geometry build_geometry(z3::context& c, SymbolicGeometry& sg, const GeometryBounds& b);

// The twin of prover_machine() (prover_machine.cpp) over terms; adds its limits to sg.constraints.
S::Machine build_machine(z3::context& c, SymbolicGeometry& sg, const S::Geometry& g, const ProverLayout& layout);

// The prover's whole machine for `bounds` and `layout`: geometry and machine built with a
// decider installed that refuses every decision (building the machine decides nothing).
S::Machine build_prover_machine(z3::context& c, SymbolicGeometry& sg, const GeometryBounds& bounds,
                                const ProverLayout& layout);

// The invariants to check (every registered one if `names` is empty), split into state and
// transition invariants; their names go to `checked`. Throws std::invalid_argument.
struct CheckedInvariants {
    std::vector<const S::Invariant*> state, step;
};
CheckedInvariants select_invariants(const std::vector<std::string>& names, std::vector<std::string>& checked);

}  // namespace hp::prover
