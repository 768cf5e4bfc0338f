// Queries over a few small bit-vector parameters and thousands of 64-bit comparisons (the
// boot placement queries; until session 7 also the class engine's enumeration, which now
// evaluates terms instead: term_eval.hpp) are answered far faster by bit-blasting to SAT
// after simplification than by Z3's incremental SMT core, which decides bit-vectors lazily.
// Measured here: the `prove --boot` bottom-up queries with 2 regions 0.4-2.5 s each against
// not finishing in 10 minutes; the class engine's third enumeration query of `prove
// --variant v6.1 --invariant zone-span` 1.3 s against 9 s.
#pragma once
#include <z3++.h>

#include <optional>

namespace hp::prover {

// simplify, propagate-values, solve-eqs, simplify, bit-blast, sat.
z3::tactic bitblast_tactic(z3::context& c);

// Is `background && f` satisfiable? A fresh bit-blasting solver under Z3's deterministic
// resource limit `rlimit`; `model` is filled when sat.
z3::check_result check_by_bitblasting(z3::context& c, const z3::expr& background, const z3::expr& f, unsigned rlimit,
                                      std::optional<z3::model>* model = nullptr);

}  // namespace hp::prover
