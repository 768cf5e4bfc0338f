// Geometry-class enumeration: the second way `prove` covers every geometry in bounds, and the
// default one (`prove --engine classes`).
//
// The path-forking search (symbolic_search.hpp) keeps every geometry at once: each state's
// fields are terms over the free parameters and the search forks wherever Z3 says a branch
// can go both ways. That is exact but slow: terms over free parameters do not fold, states
// that are equal as numbers are different as terms, and every fork costs solver queries.
//
// This engine runs the same symbolic build of the kernel model (spec/ops, the variant, the
// invariants over symbolic terms) concolically, one concrete geometry g at a time:
//   1. Every geometry in bounds is listed (the box is finite); the first one that no finished
//      class covers is the next representative g.
//   2. The whole breadth-first search runs at g: every branch on a geometry-dependent
//      condition is decided by evaluating the condition at g (no solver call) and the
//      condition, as it was taken, is recorded; states are compared by their values at g,
//      and where two states with different terms are merged the equality of their terms is
//      recorded too.
//   3. The class of g is the conjunction of everything recorded. Every geometry g' in it
//      makes the same decisions and the same merges, so the search at g' would visit the
//      same states (the same terms, evaluated at g') and check the invariants along the same
//      paths: the class is done. Every listed geometry at which its conditions hold (evaluated
//      exactly, term_eval.hpp) is removed, and the loop goes back to 1.
// When no geometry is left, every geometry in bounds is covered: proved. A violation found at g is a concrete counterexample on geometry g
// (replayed in the explicit model by prove()).
#pragma once
#include "checker/prover/symbolic_search.hpp"

namespace hp::prover {

// The same options and result as symbolic_search(); `classes` lists the geometry classes
// (a representative geometry, its states and the size of its condition), and `geometries`
// counts the geometries in bounds. Throws std::invalid_argument for an unknown
// variant or invariant.
SearchResult class_search(const SearchOptions& opt);

}  // namespace hp::prover
