// The symbolic value domain (spec/domain.hpp): Z3 bit-vector terms that behave like the C
// integers they stand for, so the kernel model's source runs unchanged on them.
//
// - Word is a 64-bit term (u64, pfn_t, i64). UInt<W> is a W-bit integer kept as a Word whose
//   upper bits are zero; storing into it truncates exactly as a C assignment to a uW does.
//   Arithmetic is done at 64 bits like the concrete model's (which computes in pfn_t /
//   std::uint64_t and stores with a narrowing cast), so every result is bit-identical.
// - Flag is a boolean term. Converting a Flag (or a Word, as C's "nonzero") to a C++ bool
//   asks the current Decider which way the path goes: the path executor
//   (checker/prover/path_executor.*) answers from its decision trail, forks where both
//   ways are possible, and records the path condition.
// - A Word may know it is a power of two (its log2 as a term): geometry sizes are, and
//   x / 2^k, x % 2^k and x * 2^k then become shifts and masks instead of Z3 division
//   circuits. The meaning is the same; the solver's work is not.
// - A Word or Flag whose term is a numeral also carries its value (`k`): arithmetic and
//   comparisons on known values are folded in C++ with exactly the bit-vector semantics
//   (wrap-around, udiv/urem by zero as SMT-LIB defines them, shifts >= 64 give 0), and a
//   known Flag decides its branch without asking the executor; its Z3 term is built only
//   if something asks for it (term()). Pinned geometries then run almost natively; only
//   what depends on a free parameter builds terms.
#pragma once
#include <z3++.h>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace hp::symbolic {

// Z3's simplify(), remembered by term id for as long as the cache lives (its context must
// outlive it). Simplifying is the symbolic model's main cost: every store into a u8/u16/u32
// field simplifies its truncation, and the same terms are stored again and again.
class SimplifyCache {
public:
    z3::expr operator()(const z3::expr& e);

private:
    std::unordered_map<unsigned, std::pair<z3::expr, z3::expr>> done_;  // keeps e alive: its id stays e's
};

// Who answers "which way does this branch go?" (one per thread; set by the executor).
class Decider {
public:
    virtual ~Decider() = default;
    virtual bool decide(const z3::expr& condition) = 0;
    virtual z3::context& ctx() = 0;
    // e.simplify(), or a cached answer (a decider that owns a SimplifyCache).
    virtual z3::expr simplify(const z3::expr& e) { return e.simplify(); }
    // The 64-bit numeral v, built once per decider: every use of a known value in a term
    // asks for one, and Z3_mk_unsigned_int64 was 15% of a class search.
    const z3::expr& numeral(std::uint64_t v);

private:
    std::unordered_map<std::uint64_t, z3::expr> numerals_;
};
Decider& decider();                 // the current one; throws if none is installed
void set_decider(Decider* d);       // nullptr to uninstall
Decider* current_decider();         // nullptr if none

template <class T>
concept CInteger = std::is_integral_v<T> || std::is_enum_v<T>;

class Flag {
public:
    std::optional<bool> k;  // the value, when it is known (true or false)
    explicit Flag(z3::expr b) : t_(std::move(b)) {
        if (t_->is_true()) k = true;
        else if (t_->is_false()) k = false;
    }
    Flag(bool b) : k(b) {}
    Flag(const class Word& w);  // C's "nonzero"
    // The boolean term (built on first use for a known value).
    const z3::expr& term() const {
        if (!t_) t_ = decider().ctx().bool_val(*k);
        return *t_;
    }
    // Implicit, like a C comparison used as an int: every use of an unknown flag is a
    // decision point.
    operator bool() const { return k ? *k : decider().decide(*t_); }
    Flag operator!() const { return k ? Flag(!*k) : Flag(!*t_); }

private:
    mutable std::optional<z3::expr> t_;  // set unless k is (and then only once asked for)
};
// a && b / a || b as one term (no decision), folded when either side is known.
Flag flag_and(const Flag& a, const Flag& b);
Flag flag_or(const Flag& a, const Flag& b);

class Word {
public:
    std::optional<z3::expr> log2;   // set when the value is known to be 1 << log2
    std::optional<std::uint64_t> k; // the value, when it is known

    Word() : k(0) {}
    template <CInteger T>
    Word(T v) : k(std::is_unsigned_v<T> ? static_cast<std::uint64_t>(v)
                                        : static_cast<std::uint64_t>(static_cast<std::int64_t>(v))) {}
    explicit Word(z3::expr x, std::optional<z3::expr> l = std::nullopt) : log2(std::move(l)), t_(std::move(x)) {
        std::uint64_t v;
        if (t_->is_numeral_u64(v)) k = v;
    }
    static Word known(std::uint64_t v) { return Word(v); }
    // 1 << exponent, remembering the exponent.
    static Word pow2(const z3::expr& exponent) {
        return Word(decider().simplify(z3::shl(decider().numeral(1), exponent)), exponent);
    }
    // The 64-bit bit-vector term (a numeral built on first use for a known value).
    const z3::expr& term() const {
        if (!t_) t_ = decider().numeral(*k);
        return *t_;
    }
    explicit operator bool() const {
        return k ? *k != 0 : decider().decide(*t_ != decider().numeral(0));
    }

    Word& operator+=(const Word& o);
    Word& operator-=(const Word& o);
    Word& operator*=(const Word& o);
    Word& operator|=(const Word& o);
    Word& operator&=(const Word& o);
    Word& operator++() { return *this += Word(1); }
    Word& operator--() { return *this -= Word(1); }

private:
    mutable std::optional<z3::expr> t_;  // set unless k is (and then only once asked for)
};

Word operator+(const Word& a, const Word& b);
Word operator-(const Word& a, const Word& b);
Word operator*(const Word& a, const Word& b);
Word operator/(const Word& a, const Word& b);
Word operator%(const Word& a, const Word& b);
Word operator&(const Word& a, const Word& b);
Word operator|(const Word& a, const Word& b);
Word operator^(const Word& a, const Word& b);
Word operator<<(const Word& a, const Word& b);
Word operator>>(const Word& a, const Word& b);
Word operator~(const Word& a);
Word operator-(const Word& a);
Flag operator==(const Word& a, const Word& b);
Flag operator!=(const Word& a, const Word& b);
Flag operator<(const Word& a, const Word& b);   // unsigned, as every model quantity is
Flag operator<=(const Word& a, const Word& b);
Flag operator>(const Word& a, const Word& b);
Flag operator>=(const Word& a, const Word& b);

inline Word& Word::operator+=(const Word& o) { return *this = *this + o; }
inline Word& Word::operator-=(const Word& o) { return *this = *this - o; }
inline Word& Word::operator*=(const Word& o) { return *this = *this * o; }
inline Word& Word::operator|=(const Word& o) { return *this = *this | o; }
inline Word& Word::operator&=(const Word& o) { return *this = *this & o; }

inline Flag::Flag(const Word& w) {
    if (w.k) k = *w.k != 0;
    else t_ = w.term() != decider().numeral(0);
}

// Keep the low W bits (C's conversion to an unsigned W-bit type).
Word truncate(const Word& w, unsigned bits);

template <unsigned W>
class UInt {
    static_assert(W > 0 && W < 64);

public:
    UInt() = default;
    UInt(const Word& w) : v_(truncate(w, W)) {}
    template <CInteger T>
    UInt(T x) : v_(truncate(Word(x), W)) {}
    operator const Word&() const { return v_; }
    const Word& word() const { return v_; }
    explicit operator bool() const { return static_cast<bool>(v_); }

    UInt& operator+=(const Word& o) { return *this = UInt(v_ + o); }
    UInt& operator-=(const Word& o) { return *this = UInt(v_ - o); }
    UInt& operator|=(const Word& o) { return *this = UInt(v_ | o); }
    UInt& operator&=(const Word& o) { return *this = UInt(v_ & o); }

private:
    Word v_;
};

std::string to_string(const Word& w);

}  // namespace hp::symbolic

// Symbolic values print as their term, whatever format spec the model's message asked for.
struct hp_symbolic_formatter {
    constexpr auto parse(fmt::format_parse_context& ctx) {
        auto it = ctx.begin();
        while (it != ctx.end() && *it != '}') ++it;
        return it;
    }
};
template <>
struct fmt::formatter<hp::symbolic::Word> : hp_symbolic_formatter {
    template <class Ctx>
    auto format(const hp::symbolic::Word& w, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "{}", hp::symbolic::to_string(w));
    }
};
template <unsigned W>
struct fmt::formatter<hp::symbolic::UInt<W>> : hp_symbolic_formatter {
    template <class Ctx>
    auto format(const hp::symbolic::UInt<W>& w, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "{}", hp::symbolic::to_string(w.word()));
    }
};
