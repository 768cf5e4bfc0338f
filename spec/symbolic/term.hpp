// The symbolic model's own term DAG: what a Word or Flag of the symbolic build
// (spec/symbolic/value.hpp) is when its value is not a known number.
//
// Why not Z3's terms directly: the class engine (checker/prover/class_search.cpp) builds
// hundreds of geometry-dependent terms per transition and decides each branch by the term's
// value at one concrete geometry. Built as Z3 terms, that was 60% of a proof's CPU (API
// calls, reference counting, Z3's model evaluation); a value type that held two
// optional<z3::expr> also made the symbolic KernelState ~65 KB, and copying it was most of
// what was left. Here a term is a hash-consed node (the same operator over the same operands
// is the same node), immutable, never freed (the table lives as long as its thread; the
// distinct terms of a proof number in the millions at most), evaluated at the current
// parameter values with a per-node memo, and turned into a Z3 term only where a solver or
// TermProgram needs one (to_z3). Words are then two plain words and the state is trivially
// copyable.
//
// Semantics are SMT-LIB's 64-bit bit-vector ones (wrap-around, udiv by 0 = all ones, urem by
// 0 = the dividend, shifts >= 64 give 0), the same the concrete fold in value.cpp and
// TermProgram use. Construction applies a few identities (constants folded and moved right,
// x + 0, x - x, (x + c1) + c2, x & mask & mask, ...), each exact in that semantics;
// tests/test_symbolic_value.cpp compares every operator and rewrite with Z3.
#pragma once
#include <z3++.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hp::symbolic {

enum class TermOp : std::uint8_t {
    // 64-bit bit-vectors
    NUM, PARAM, ADD, MUL, UDIV, UREM, AND, OR, XOR, SHL, LSHR, BNOT, NEG, ITE,
    // Booleans
    BOOL_NUM, BOOL_PARAM, EQ, ULT, ULE, NOT, LAND, LOR,
};

struct Term {
    TermOp op;
    std::uint32_t id;                  // creation order in its thread's table: deterministic
    const Term* a = nullptr;
    const Term* b = nullptr;
    const Term* c = nullptr;           // ITE's else branch
    std::uint64_t imm = 0;             // NUM / BOOL_NUM value, PARAM / BOOL_PARAM index
    mutable const Term* log2 = nullptr;  // set when the value is known to be 1 << log2
    mutable std::uint32_t epoch = 0;   // value is the value at valuation `epoch`
    mutable std::uint64_t value = 0;
    std::uint64_t hash = 0;            // of (op, a, b, c, imm): the table's
    mutable std::uint32_t mark = 0;    // free for one user at a time (the class engine's "recorded")
    bool is_bool() const { return op >= TermOp::BOOL_NUM; }
    bool is_num() const { return op == TermOp::NUM || op == TermOp::BOOL_NUM; }
};

// Builders. Each returns the table's node for the (rewritten) term; a result that folds to
// a constant is a NUM / BOOL_NUM node.
const Term* term_num(std::uint64_t v);
const Term* term_bool(bool v);
const Term* term_param(const std::string& name, bool is_bool = false);
const Term* term_mk(TermOp op, const Term* a, const Term* b = nullptr, const Term* c = nullptr);
// Records that t's value is 1 << log2 (kept if t already has one).
void term_set_log2(const Term* t, const Term* log2);

// The parameters' names, by index (PARAM / BOOL_PARAM imm).
const std::vector<std::string>& term_param_names();
// Sets the parameters' values (missing names keep no value: evaluating them throws) and
// starts a new valuation: every memoised value is stale.
void term_set_valuation(const std::unordered_map<std::string, std::uint64_t>& values);
// The value of t at the current valuation (Booleans 0 / 1).
std::uint64_t term_eval(const Term* t);
// The operator applied to values (the semantics folding and evaluation share).
std::uint64_t term_apply(TermOp op, std::uint64_t a, std::uint64_t b, std::uint64_t c);

// Z3 terms of the DAG and back. to_z3 memoises in `memo` (which must be used with one
// context only); from_z3 takes the operators the model's terms use and throws
// std::logic_error on any other.
z3::expr term_to_z3(z3::context& c, const Term* t, std::unordered_map<const Term*, z3::expr>& memo);
const Term* term_from_z3(const z3::expr& e);

// How many distinct terms this thread has built.
size_t term_count();

}  // namespace hp::symbolic
