// Queries over a few small bit-vector parameters and thousands of 64-bit comparisons (the
// class engine's enumeration, the boot placement queries) are answered far faster by
// bit-blasting to SAT after simplification than by Z3's incremental SMT core, which
// decides bit-vectors lazily. Measured here: the third enumeration query of
// `prove --variant v6.1 --invariant zone-span` 1.3 s against 9 s; the `prove --boot`
// bottom-up queries with 2 regions 0.4-2.5 s each against not finishing in 10 minutes.
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
