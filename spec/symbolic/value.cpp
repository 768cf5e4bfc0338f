#include "spec/symbolic/value.hpp"

#include <stdexcept>

namespace hp::symbolic {

namespace {
thread_local Decider* g_decider = nullptr;

z3::context& C() { return decider().ctx(); }
z3::expr bv(std::uint64_t v) { return C().bv_val(v, 64); }
// 2^k - 1 for a power of two whose log2 is k.
z3::expr low_mask(const z3::expr& log2) { return z3::shl(bv(1), log2) - bv(1); }
}  // namespace

Decider& decider() {
    if (!g_decider) throw std::logic_error("symbolic value used outside the path executor");
    return *g_decider;
}
void set_decider(Decider* d) { g_decider = d; }
Decider* current_decider() { return g_decider; }

Word operator+(const Word& a, const Word& b) { return Word(a.e + b.e); }
Word operator-(const Word& a, const Word& b) { return Word(a.e - b.e); }
Word operator*(const Word& a, const Word& b) {
    if (a.log2 && b.log2) return Word(z3::shl(a.e, *b.log2), *a.log2 + *b.log2);
    if (b.log2) return Word(z3::shl(a.e, *b.log2));
    if (a.log2) return Word(z3::shl(b.e, *a.log2));
    return Word(a.e * b.e);
}
Word operator/(const Word& a, const Word& b) {
    if (b.log2) {
        if (a.log2) return Word(z3::lshr(a.e, *b.log2), *a.log2 - *b.log2);  // callers divide sizes exactly
        return Word(z3::lshr(a.e, *b.log2));
    }
    return Word(z3::udiv(a.e, b.e));
}
Word operator%(const Word& a, const Word& b) {
    if (b.log2) return Word(a.e & low_mask(*b.log2));
    return Word(z3::urem(a.e, b.e));
}
Word operator&(const Word& a, const Word& b) { return Word(a.e & b.e); }
Word operator|(const Word& a, const Word& b) { return Word(a.e | b.e); }
Word operator^(const Word& a, const Word& b) { return Word(a.e ^ b.e); }
Word operator<<(const Word& a, const Word& b) { return Word(z3::shl(a.e, b.e)); }
Word operator>>(const Word& a, const Word& b) { return Word(z3::lshr(a.e, b.e)); }
Word operator~(const Word& a) { return Word(~a.e); }
Word operator-(const Word& a) { return Word(-a.e); }
Flag operator==(const Word& a, const Word& b) { return Flag(a.e == b.e); }
Flag operator!=(const Word& a, const Word& b) { return Flag(a.e != b.e); }
Flag operator<(const Word& a, const Word& b) { return Flag(z3::ult(a.e, b.e)); }
Flag operator<=(const Word& a, const Word& b) { return Flag(z3::ule(a.e, b.e)); }
Flag operator>(const Word& a, const Word& b) { return Flag(z3::ugt(a.e, b.e)); }
Flag operator>=(const Word& a, const Word& b) { return Flag(z3::uge(a.e, b.e)); }

Word truncate(const Word& w, unsigned bits) {
    return Word(z3::zext(w.e.extract(bits - 1, 0), 64 - bits).simplify());
}

std::string to_string(const Word& w) {
    std::uint64_t v = 0;
    const z3::expr s = w.e.simplify();
    if (s.is_numeral_u64(v)) return std::to_string(v);
    return s.to_string();
}

}  // namespace hp::symbolic
