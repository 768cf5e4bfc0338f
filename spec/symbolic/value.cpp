#include "spec/symbolic/value.hpp"

#include <bit>
#include <stdexcept>

namespace hp::symbolic {

namespace {
thread_local Decider* g_decider = nullptr;
using O = TermOp;
}  // namespace

Decider& decider() {
    if (!g_decider) throw std::logic_error("symbolic value used outside the path executor");
    return *g_decider;
}
void set_decider(Decider* d) { g_decider = d; }
Decider* current_decider() { return g_decider; }

const z3::expr& Decider::numeral(std::uint64_t v) {
    if (auto it = numerals_.find(v); it != numerals_.end()) return it->second;
    return numerals_.emplace(v, ctx().bv_val(v, 64)).first->second;
}

const z3::expr& Decider::z3_of(const Term* t) {
    if (auto it = z3_terms_.find(t); it != z3_terms_.end()) return it->second;
    z3::expr e = term_to_z3(ctx(), t, z3_terms_);
    return z3_terms_.find(t)->second;
}

// Known operands fold in C++ with SMT-LIB's bit-vector semantics (term_apply, what Z3
// would simplify the term to). tests/test_symbolic_value.cpp checks each against Z3.
namespace {
bool both(const Word& a, const Word& b) { return a.k && b.k; }
Word fold_or_mk(O op, const Word& a, const Word& b) {
    if (both(a, b)) return Word::known(term_apply(op, *a.k, *b.k, 0));
    return Word(term_mk(op, a.node_or_const(), b.node_or_const()));
}
// The result is 1 << log2 (a product or an exact quotient of powers of two).
Word with_log2(Word w, const Word& log2) {
    if (w.node()) term_set_log2(w.node(), log2.node_or_const());
    return w;
}
}  // namespace

Word Word::pow2(const Word& exponent) { return with_log2(Word(1) << exponent, exponent); }

std::optional<Word> Word::log2() const {
    if (k) {
        if (*k != 0 && (*k & (*k - 1)) == 0) return Word(static_cast<std::uint64_t>(std::countr_zero(*k)));
        return std::nullopt;
    }
    if (t_->log2) return Word(t_->log2);
    return std::nullopt;
}

Word select(const Flag& c, const Word& a, const Word& b) {
    if (c.k) return *c.k ? a : b;
    return Word(term_mk(O::ITE, c.node(), a.node_or_const(), b.node_or_const()));
}

Word word_term(O op, const Word& a, const Word& b) { return Word(term_mk(op, a.node_or_const(), b.node_or_const())); }
Flag flag_term(O op, const Word& a, const Word& b) { return Flag(term_mk(op, a.node_or_const(), b.node_or_const())); }

// A power-of-two operand (a known one, or a geometry size) makes a shift: the same value,
// less work for a solver.
Word operator*(const Word& a, const Word& b) {
    if (both(a, b)) return Word::known(*a.k * *b.k);
    const std::optional<Word> la = a.log2(), lb = b.log2();
    if (la && lb) return with_log2(a << *lb, *la + *lb);
    if (lb) return a << *lb;
    if (la) return b << *la;
    return fold_or_mk(O::MUL, a, b);
}
Word operator/(const Word& a, const Word& b) {
    if (both(a, b)) return Word::known(term_apply(O::UDIV, *a.k, *b.k, 0));
    if (const std::optional<Word> lb = b.log2()) {
        const std::optional<Word> la = a.log2();
        if (la) return with_log2(a >> *lb, *la - *lb);  // callers divide sizes exactly
        return a >> *lb;
    }
    return fold_or_mk(O::UDIV, a, b);
}
Word operator%(const Word& a, const Word& b) {
    if (both(a, b)) return Word::known(term_apply(O::UREM, *a.k, *b.k, 0));
    if (const std::optional<Word> lb = b.log2()) return a & ((Word(1) << *lb) - Word(1));
    return fold_or_mk(O::UREM, a, b);
}
Word operator<<(const Word& a, const Word& b) { return fold_or_mk(O::SHL, a, b); }
Word operator>>(const Word& a, const Word& b) { return fold_or_mk(O::LSHR, a, b); }
Word operator~(const Word& a) { return a.k ? Word::known(~*a.k) : Word(term_mk(O::BNOT, a.node())); }
Word operator-(const Word& a) { return a.k ? Word::known(~*a.k + 1) : Word(term_mk(O::NEG, a.node())); }

std::string to_string(const Word& w) {
    std::uint64_t v = 0;
    if (w.k) return std::to_string(*w.k);
    const z3::expr s = w.term().simplify();
    if (s.is_numeral_u64(v)) return std::to_string(v);
    return s.to_string();
}

}  // namespace hp::symbolic
