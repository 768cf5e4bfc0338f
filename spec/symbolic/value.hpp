// The symbolic value domain (spec/domain.hpp): terms that behave like the C integers they
// stand for, so the kernel model's source runs unchanged on them.
//
// - Word is a 64-bit value (u64, pfn_t, i64): a known number, or a node of the term DAG
//   (spec/symbolic/term.hpp). UInt<W> is a W-bit integer kept as a Word whose upper bits
//   are zero; storing into it truncates exactly as a C assignment to a uW does.
//   Arithmetic is done at 64 bits like the concrete model's (which computes in pfn_t /
//   std::uint64_t and stores with a narrowing cast), so every result is bit-identical.
// - Flag is a truth value. Converting a Flag (or a Word, as C's "nonzero") to a C++ bool
//   asks the current Decider which way the path goes: the class engine evaluates the
//   condition at its geometry and records it (checker/prover/class_search.cpp), the path
//   executor (checker/prover/path_executor.*) asks Z3, forks where both ways are possible,
//   and records the path condition.
// - A Word may know it is a power of two (its log2 as a term, kept in the term node):
//   geometry sizes are, and x / 2^k, x % 2^k and x * 2^k then become shifts and masks
//   instead of division circuits. The meaning is the same; the solver's work is not.
// - Known values fold in C++ with exactly the bit-vector semantics (wrap-around, udiv/urem
//   by zero as SMT-LIB defines them, shifts >= 64 give 0), and a known Flag decides its
//   branch without asking anyone. Pinned geometries then run almost natively.
// - Both types are trivially copyable (a value and a pointer into the thread's term table),
//   so the symbolic KernelState copies like the concrete one.
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

#include "spec/symbolic/term.hpp"

namespace hp::symbolic {

// Who answers "which way does this branch go?" (one per thread; set by the executor).
class Decider {
public:
    virtual ~Decider() = default;
    // A condition as a Z3 term (a decider that asks a solver).
    virtual bool decide(const z3::expr& condition) = 0;
    // A condition as a term of the DAG: by default its Z3 term goes to decide().
    virtual bool decide_term(const Term* condition) { return decide(z3_of(condition)); }
    virtual z3::context& ctx() = 0;
    // The 64-bit numeral v, built once per decider.
    const z3::expr& numeral(std::uint64_t v);
    // The Z3 term of a DAG term, built once per decider.
    const z3::expr& z3_of(const Term* t);

private:
    std::unordered_map<std::uint64_t, z3::expr> numerals_;
    std::unordered_map<const Term*, z3::expr> z3_terms_;
};
Decider& decider();                 // the current one; throws if none is installed
void set_decider(Decider* d);       // nullptr to uninstall
Decider* current_decider();         // nullptr if none

template <class T>
concept CInteger = std::is_integral_v<T> || std::is_enum_v<T>;

class Word;

class Flag {
public:
    std::optional<bool> k;  // the value, when it is known (true or false)
    explicit Flag(const z3::expr& b) : Flag(term_from_z3(b)) {}
    explicit Flag(const Term* t) {
        if (t->op == TermOp::BOOL_NUM) k = t->imm != 0;
        else t_ = t;
    }
    Flag(bool b) : k(b) {}
    Flag(const Word& w);  // C's "nonzero"
    // The node (nullptr when the value is known).
    const Term* node() const { return t_; }
    const Term* node_or_const() const { return t_ ? t_ : term_bool(*k); }
    // The Z3 term (through the current decider).
    z3::expr term() const { return t_ ? decider().z3_of(t_) : decider().ctx().bool_val(*k); }
    // Implicit, like a C comparison used as an int: every use of an unknown flag is a
    // decision point.
    operator bool() const { return k ? *k : decider().decide_term(t_); }
    Flag operator!() const { return k ? Flag(!*k) : Flag(term_mk(TermOp::NOT, t_)); }

private:
    const Term* t_ = nullptr;  // set unless k is
};
// a && b / a || b as one term (no decision), folded when either side is known.
inline Flag flag_and(const Flag& a, const Flag& b) {
    if (a.k) return *a.k ? b : Flag(false);
    if (b.k) return *b.k ? a : Flag(false);
    return Flag(term_mk(TermOp::LAND, a.node(), b.node()));
}
inline Flag flag_or(const Flag& a, const Flag& b) {
    if (a.k) return *a.k ? Flag(true) : b;
    if (b.k) return *b.k ? Flag(true) : a;
    return Flag(term_mk(TermOp::LOR, a.node(), b.node()));
}

class Word {
public:
    std::optional<std::uint64_t> k;  // the value, when it is known

    Word() : k(0) {}
    template <CInteger T>
    Word(T v) : k(std::is_unsigned_v<T> ? static_cast<std::uint64_t>(v)
                                        : static_cast<std::uint64_t>(static_cast<std::int64_t>(v))) {}
    explicit Word(const z3::expr& x) : Word(term_from_z3(x)) {}
    explicit Word(const Term* t) {
        if (t->op == TermOp::NUM) k = t->imm;
        else t_ = t;
    }
    static Word known(std::uint64_t v) { return Word(v); }
    // 1 << exponent, remembering the exponent.
    static Word pow2(const Word& exponent);
    // The exponent, when the value is known to be a power of two (else nullopt).
    std::optional<Word> log2() const;
    // The node (nullptr when the value is known).
    const Term* node() const { return t_; }
    const Term* node_or_const() const { return t_ ? t_ : term_num(*k); }
    // The 64-bit bit-vector term (through the current decider).
    z3::expr term() const { return t_ ? decider().z3_of(t_) : decider().numeral(*k); }
    explicit operator bool() const {
        return k ? *k != 0 : decider().decide_term(term_mk(TermOp::NOT, term_mk(TermOp::EQ, t_, term_num(0))));
    }

    Word& operator+=(const Word& o);
    Word& operator-=(const Word& o);
    Word& operator*=(const Word& o);
    Word& operator|=(const Word& o);
    Word& operator&=(const Word& o);
    Word& operator++() { return *this += Word(1); }
    Word& operator--() { return *this -= Word(1); }

private:
    const Term* t_ = nullptr;  // set unless k is
};

// c ? a : b without a decision (one ITE term unless c is known).
Word select(const Flag& c, const Word& a, const Word& b);

// The term of `a op b` when an operand is not known (value.cpp). The operators below fold
// two known operands inline, with SMT-LIB's bit-vector semantics (term_apply(): for these
// operators C's unsigned 64-bit arithmetic): the prover runs most of the model on known
// values, and a call per operator was a fifth of its time.
Word word_term(TermOp op, const Word& a, const Word& b);
Flag flag_term(TermOp op, const Word& a, const Word& b);

Word operator-(const Word& a);
inline Word operator+(const Word& a, const Word& b) {
    return a.k && b.k ? Word::known(*a.k + *b.k) : word_term(TermOp::ADD, a, b);
}
inline Word operator-(const Word& a, const Word& b) { return a.k && b.k ? Word::known(*a.k - *b.k) : a + (-b); }
Word operator*(const Word& a, const Word& b);
Word operator/(const Word& a, const Word& b);
Word operator%(const Word& a, const Word& b);
inline Word operator&(const Word& a, const Word& b) {
    return a.k && b.k ? Word::known(*a.k & *b.k) : word_term(TermOp::AND, a, b);
}
inline Word operator|(const Word& a, const Word& b) {
    return a.k && b.k ? Word::known(*a.k | *b.k) : word_term(TermOp::OR, a, b);
}
inline Word operator^(const Word& a, const Word& b) {
    return a.k && b.k ? Word::known(*a.k ^ *b.k) : word_term(TermOp::XOR, a, b);
}
Word operator<<(const Word& a, const Word& b);
Word operator>>(const Word& a, const Word& b);
Word operator~(const Word& a);
inline Flag operator==(const Word& a, const Word& b) {
    return a.k && b.k ? Flag(*a.k == *b.k) : flag_term(TermOp::EQ, a, b);
}
inline Flag operator!=(const Word& a, const Word& b) { return !(a == b); }
inline Flag operator<(const Word& a, const Word& b) {  // unsigned, as every model quantity is
    return a.k && b.k ? Flag(*a.k < *b.k) : flag_term(TermOp::ULT, a, b);
}
inline Flag operator<=(const Word& a, const Word& b) {
    return a.k && b.k ? Flag(*a.k <= *b.k) : flag_term(TermOp::ULE, a, b);
}
inline Flag operator>(const Word& a, const Word& b) { return b < a; }
inline Flag operator>=(const Word& a, const Word& b) { return b <= a; }

inline Word& Word::operator+=(const Word& o) { return *this = *this + o; }
inline Word& Word::operator-=(const Word& o) { return *this = *this - o; }
inline Word& Word::operator*=(const Word& o) { return *this = *this * o; }
inline Word& Word::operator|=(const Word& o) { return *this = *this | o; }
inline Word& Word::operator&=(const Word& o) { return *this = *this & o; }

inline Flag::Flag(const Word& w) {
    if (w.k) k = *w.k != 0;
    else t_ = term_mk(TermOp::NOT, term_mk(TermOp::EQ, w.node(), term_num(0)));
}

// Keep the low W bits (C's conversion to an unsigned W-bit type).
inline Word truncate(const Word& w, unsigned bits) { return w & Word::known((std::uint64_t{1} << bits) - 1); }

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
