#include "spec/symbolic/value.hpp"

#include <stdexcept>

namespace hp::symbolic {

namespace {
thread_local Decider* g_decider = nullptr;

z3::expr bv(std::uint64_t v) { return decider().numeral(v); }
// 2^k - 1 for a power of two whose log2 is k.
z3::expr low_mask(const z3::expr& log2) { return z3::shl(bv(1), log2) - bv(1); }
}  // namespace

Decider& decider() {
    if (!g_decider) throw std::logic_error("symbolic value used outside the path executor");
    return *g_decider;
}
void set_decider(Decider* d) { g_decider = d; }

z3::expr SimplifyCache::operator()(const z3::expr& e) {
    if (auto it = done_.find(e.id()); it != done_.end()) return it->second.second;
    z3::expr s = e.simplify();
    done_.emplace(e.id(), std::make_pair(e, s));
    return s;
}
Decider* current_decider() { return g_decider; }

const z3::expr& Decider::numeral(std::uint64_t v) {
    if (auto it = numerals_.find(v); it != numerals_.end()) return it->second;
    return numerals_.emplace(v, ctx().bv_val(v, 64)).first->second;
}

// Known operands fold in C++ with SMT-LIB's bit-vector semantics (what Z3 would simplify
// the term to): 64-bit wrap-around, bvudiv x 0 = all ones, bvurem x 0 = x, shifts by >= 64
// give 0. tests/test_symbolic_value.cpp checks each against Z3.
namespace {
bool both(const Word& a, const Word& b) { return a.k && b.k; }
std::uint64_t shl64(std::uint64_t a, std::uint64_t n) { return n >= 64 ? 0 : a << n; }
std::uint64_t shr64(std::uint64_t a, std::uint64_t n) { return n >= 64 ? 0 : a >> n; }
// A folded power of two keeps its exponent (callers may go on dividing by it).
Word with_log2(Word w, std::optional<z3::expr> l) {
    if (l) w.log2 = decider().simplify(*l);
    return w;
}
}  // namespace

Word operator+(const Word& a, const Word& b) {
    return both(a, b) ? Word::known(*a.k + *b.k) : Word(a.term() + b.term());
}
Word operator-(const Word& a, const Word& b) {
    return both(a, b) ? Word::known(*a.k - *b.k) : Word(a.term() - b.term());
}
Word operator*(const Word& a, const Word& b) {
    if (both(a, b))
        return with_log2(Word::known(*a.k * *b.k),
                         a.log2 && b.log2 ? std::optional<z3::expr>(*a.log2 + *b.log2) : std::nullopt);
    if (a.log2 && b.log2) return Word(z3::shl(a.term(), *b.log2), *a.log2 + *b.log2);
    if (b.log2) return Word(z3::shl(a.term(), *b.log2));
    if (a.log2) return Word(z3::shl(b.term(), *a.log2));
    return Word(a.term() * b.term());
}
Word operator/(const Word& a, const Word& b) {
    if (both(a, b))
        return with_log2(Word::known(*b.k == 0 ? ~std::uint64_t{0} : *a.k / *b.k),
                         a.log2 && b.log2 ? std::optional<z3::expr>(*a.log2 - *b.log2) : std::nullopt);
    if (b.log2) {
        if (a.log2) return Word(z3::lshr(a.term(), *b.log2), *a.log2 - *b.log2);  // callers divide sizes exactly
        return Word(z3::lshr(a.term(), *b.log2));
    }
    return Word(z3::udiv(a.term(), b.term()));
}
Word operator%(const Word& a, const Word& b) {
    if (both(a, b)) return Word::known(*b.k == 0 ? *a.k : *a.k % *b.k);
    if (b.log2) return Word(a.term() & low_mask(*b.log2));
    return Word(z3::urem(a.term(), b.term()));
}
Word operator&(const Word& a, const Word& b) { return both(a, b) ? Word::known(*a.k & *b.k) : Word(a.term() & b.term()); }
Word operator|(const Word& a, const Word& b) { return both(a, b) ? Word::known(*a.k | *b.k) : Word(a.term() | b.term()); }
Word operator^(const Word& a, const Word& b) { return both(a, b) ? Word::known(*a.k ^ *b.k) : Word(a.term() ^ b.term()); }
Word operator<<(const Word& a, const Word& b) {
    return both(a, b) ? Word::known(shl64(*a.k, *b.k)) : Word(z3::shl(a.term(), b.term()));
}
Word operator>>(const Word& a, const Word& b) {
    return both(a, b) ? Word::known(shr64(*a.k, *b.k)) : Word(z3::lshr(a.term(), b.term()));
}
Word operator~(const Word& a) { return a.k ? Word::known(~*a.k) : Word(~a.term()); }
Word operator-(const Word& a) { return a.k ? Word::known(~*a.k + 1) : Word(-a.term()); }
Flag operator==(const Word& a, const Word& b) { return both(a, b) ? Flag(*a.k == *b.k) : Flag(a.term() == b.term()); }
Flag operator!=(const Word& a, const Word& b) { return both(a, b) ? Flag(*a.k != *b.k) : Flag(a.term() != b.term()); }
Flag operator<(const Word& a, const Word& b) { return both(a, b) ? Flag(*a.k < *b.k) : Flag(z3::ult(a.term(), b.term())); }
Flag operator<=(const Word& a, const Word& b) { return both(a, b) ? Flag(*a.k <= *b.k) : Flag(z3::ule(a.term(), b.term())); }
Flag operator>(const Word& a, const Word& b) { return both(a, b) ? Flag(*a.k > *b.k) : Flag(z3::ugt(a.term(), b.term())); }
Flag operator>=(const Word& a, const Word& b) { return both(a, b) ? Flag(*a.k >= *b.k) : Flag(z3::uge(a.term(), b.term())); }

Flag flag_and(const Flag& a, const Flag& b) {
    if (a.k) return *a.k ? b : Flag(false);
    if (b.k) return *b.k ? a : Flag(false);
    return Flag(a.term() && b.term());
}
Flag flag_or(const Flag& a, const Flag& b) {
    if (a.k) return *a.k ? Flag(true) : b;
    if (b.k) return *b.k ? Flag(true) : a;
    return Flag(a.term() || b.term());
}

Word truncate(const Word& w, unsigned bits) {
    if (w.k) return Word::known(*w.k & ((std::uint64_t{1} << bits) - 1));
    return Word(decider().simplify(z3::zext(w.term().extract(bits - 1, 0), 64 - bits)));
}

std::string to_string(const Word& w) {
    std::uint64_t v = 0;
    if (w.k) return std::to_string(*w.k);
    const z3::expr s = w.term().simplify();
    if (s.is_numeral_u64(v)) return std::to_string(v);
    return s.to_string();
}

}  // namespace hp::symbolic
