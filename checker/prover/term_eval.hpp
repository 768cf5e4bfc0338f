// Evaluating Z3 terms over the geometry parameters at many concrete geometries, fast.
//
// The class engine (class_search.hpp) ends each geometry class with the conjunction of the
// conditions its search recorded: a few hundred to a few thousand literals over six
// bit-vector parameters. To find the geometries no finished class covers, it evaluates
// those literals at every geometry of the (finite) box. Z3's own model evaluation costs
// microseconds per call; this compiles a term DAG once into a flat program over 64-bit
// integers with SMT-LIB's bit-vector semantics (the same ones spec/symbolic/value.cpp folds
// with) and evaluates it with a per-geometry memo, so a literal shared by many classes or
// a subterm shared by many literals is evaluated once per geometry.
//
// Operators outside the supported set (and widths above 64 bits) are not guessed at: such
// a term is evaluated by Z3 (substitution and simplification), slower but exact.
// tests/test_term_eval.cpp compares every operator with Z3.
#pragma once
#include <z3++.h>

#include <cstdint>
#include <vector>

namespace hp::prover {

class TermProgram {
public:
    // `params`: the free parameters, in the order eval()'s values come in. A parameter
    // that is a numeral (pinned by its bounds) is allowed and ignored.
    TermProgram(z3::context& c, std::vector<z3::expr> params);

    // Compiles `e` (Boolean or bit-vector of at most 64 bits) and returns its handle.
    // Subterms already compiled are shared.
    unsigned add(const z3::expr& e);

    // Starts a new geometry: forgets every value computed for the previous one.
    void at(const std::vector<std::uint64_t>& param_values);
    // The value of a compiled term at the current geometry (Booleans are 0 / 1).
    std::uint64_t value(unsigned handle);

    // The parameters a compiled term depends on: bit i for params[i] (every bit for a term
    // Z3 evaluates). Its value is the same at two geometries that agree on those.
    std::uint32_t support(unsigned handle) const { return nodes_[handle].support; }

    size_t nodes() const { return nodes_.size(); }

private:
    enum class Op : std::uint8_t;
    struct Node {
        Op op;
        unsigned width;          // bits; 1 for Booleans
        std::uint64_t imm;       // numeral value, parameter index, or extract's low bit
        unsigned first, count;   // children: args_[first .. first+count)
        int fallback = -1;       // index into fallback_ for terms Z3 evaluates
        std::uint32_t support = 0;
    };

    unsigned compile(const z3::expr& e);
    std::uint64_t eval(unsigned n);
    std::uint64_t eval_by_z3(const Node& node);

    z3::context& c_;
    std::vector<z3::expr> params_;
    std::vector<std::uint64_t> param_values_;
    std::vector<Node> nodes_;
    std::vector<unsigned> args_;
    std::vector<z3::expr> fallback_;
    std::vector<unsigned> index_of_ast_;  // by Z3 ast id: node + 1, 0 = not compiled
    std::vector<z3::expr> compiled_;      // keeps those ids taken: Z3 reuses the id of a freed term
    std::vector<std::uint64_t> memo_;
    std::vector<std::uint32_t> stamp_;
    std::uint32_t generation_ = 1;
};

// Removes from `remaining` (parameter values, in `prog`'s order) every geometry at which all
// of `literals` hold: the geometries a finished class covers. Keeps the others in order.
void remove_where_all_hold(std::vector<std::vector<std::uint64_t>>& remaining, TermProgram& prog,
                           const std::vector<z3::expr>& literals);

}  // namespace hp::prover
