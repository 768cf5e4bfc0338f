// The symbolic value domain folds known operands in C++ (spec/symbolic/value.cpp). The prover
// is only as sound as that folding: each folded result must be exactly what Z3 makes of the
// same term. Checked per operator on edge values (0, 1, all ones, shifts past 64, division by
// zero) and a spread of others, against Z3's own simplification of the unfolded term.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spec/symbolic/value.hpp"

namespace {
using hp::symbolic::Flag;
using hp::symbolic::Word;

struct ContextOnly : hp::symbolic::Decider {
    z3::context c;
    bool decide(const z3::expr&) override { throw std::logic_error("no decision expected"); }
    z3::context& ctx() override { return c; }
};

std::uint64_t numeral(const z3::expr& e) {
    std::uint64_t v = 0;
    REQUIRE(e.is_numeral_u64(v));
    return v;
}
}  // namespace

TEST_CASE("symbolic value: folding known operands equals Z3 on the same term") {
    ContextOnly d;
    hp::symbolic::set_decider(&d);
    const std::vector<std::uint64_t> values{0, 1, 2, 3, 7, 63, 64, 65, 4096, 0x8000'0000ull, 0xffff'ffffull,
                                            0x1'0000'0000ull, 0x7fff'ffff'ffff'ffffull, 0x8000'0000'0000'0000ull,
                                            ~std::uint64_t{0}, ~std::uint64_t{0} - 1, 123456789};
    using WordOp = std::function<Word(const Word&, const Word&)>;
    const std::vector<std::pair<std::string, WordOp>> word_ops{
        {"+", [](const Word& a, const Word& b) { return a + b; }},
        {"-", [](const Word& a, const Word& b) { return a - b; }},
        {"*", [](const Word& a, const Word& b) { return a * b; }},
        {"/", [](const Word& a, const Word& b) { return a / b; }},
        {"%", [](const Word& a, const Word& b) { return a % b; }},
        {"&", [](const Word& a, const Word& b) { return a & b; }},
        {"|", [](const Word& a, const Word& b) { return a | b; }},
        {"^", [](const Word& a, const Word& b) { return a ^ b; }},
        {"<<", [](const Word& a, const Word& b) { return a << b; }},
        {">>", [](const Word& a, const Word& b) { return a >> b; }},
        {"~a", [](const Word& a, const Word&) { return ~a; }},
        {"-a", [](const Word& a, const Word&) { return -a; }},
        {"u8", [](const Word& a, const Word&) { return hp::symbolic::truncate(a, 8); }},
        {"u32", [](const Word& a, const Word&) { return hp::symbolic::truncate(a, 32); }},
    };
    using FlagOp = std::function<Flag(const Word&, const Word&)>;
    const std::vector<std::pair<std::string, FlagOp>> flag_ops{
        {"==", [](const Word& a, const Word& b) { return a == b; }},
        {"!=", [](const Word& a, const Word& b) { return a != b; }},
        {"<", [](const Word& a, const Word& b) { return a < b; }},
        {"<=", [](const Word& a, const Word& b) { return a <= b; }},
        {">", [](const Word& a, const Word& b) { return a > b; }},
        {">=", [](const Word& a, const Word& b) { return a >= b; }},
        {"nonzero", [](const Word& a, const Word&) { return Flag(a); }},
    };
    const z3::expr x = d.c.bv_const("x", 64), y = d.c.bv_const("y", 64);
    const Word sx(x), sy(y);
    for (std::uint64_t a : values)
        for (std::uint64_t b : values) {
            z3::expr_vector from(d.c), to(d.c);
            from.push_back(x);
            from.push_back(y);
            to.push_back(d.c.bv_val(a, 64));
            to.push_back(d.c.bv_val(b, 64));
            for (const auto& entry : word_ops) {  // no structured binding: CAPTURE is a lambda (clang-14)
                const std::string& name = entry.first;
                const WordOp& op = entry.second;
                CAPTURE(name);
                CAPTURE(a);
                CAPTURE(b);
                const Word folded = op(Word::known(a), Word::known(b));
                REQUIRE(folded.k.has_value());
                Word term = op(sx, sy);
                CHECK_FALSE(term.k.has_value());
                z3::expr z = term.term();
                CHECK(*folded.k == numeral(z.substitute(from, to).simplify()));
                CHECK(*folded.k == numeral(folded.term()));
                hp::symbolic::term_set_valuation({{"x", a}, {"y", b}});  // the class engine's evaluation
                CHECK(*folded.k == hp::symbolic::term_eval(term.node()));
            }
            for (const auto& entry : flag_ops) {
                const std::string& name = entry.first;
                const FlagOp& op = entry.second;
                CAPTURE(name);
                CAPTURE(a);
                CAPTURE(b);
                const Flag folded = op(Word::known(a), Word::known(b));
                REQUIRE(folded.k.has_value());
                z3::expr z = op(sx, sy).term();
                const z3::expr s = z.substitute(from, to).simplify();
                REQUIRE((s.is_true() || s.is_false()));
                CHECK(*folded.k == s.is_true());
                hp::symbolic::term_set_valuation({{"x", a}, {"y", b}});
                CHECK(*folded.k == (hp::symbolic::term_eval(op(sx, sy).node()) != 0));
            }
        }
    // a known side decides flag_and / flag_or without a term.
    const Flag unknown(x == y);
    CHECK(hp::symbolic::flag_and(Flag(false), unknown).k == std::optional<bool>(false));
    CHECK(hp::symbolic::flag_or(Flag(true), unknown).k == std::optional<bool>(true));
    CHECK_FALSE(hp::symbolic::flag_and(Flag(true), unknown).k.has_value());
    hp::symbolic::set_decider(nullptr);
}

// The term DAG rewrites while it builds (spec/symbolic/term.cpp: constants moved right and
// combined, x - x, (x + y) - y, masks of masks, x + c == d, ...). Random expressions over two
// parameters and edge constants: the rewritten term's value (term_eval, what the class
// engine decides with) and its Z3 term's value must both be the unrewritten arithmetic's.
TEST_CASE("symbolic value: the term DAG's rewrites keep every value") {
    ContextOnly d;
    hp::symbolic::set_decider(&d);
    const std::vector<std::uint64_t> consts{0, 1, 2, 7, 64, 0xffff, 0xffff'ffffull, ~std::uint64_t{0}, 0x8000'0000'0000'0000ull};
    const z3::expr x = d.c.bv_const("x", 64), y = d.c.bv_const("y", 64);
    std::uint64_t seed = 0x9e3779b97f4a7c15ull;
    auto rnd = [&seed](unsigned n) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        return static_cast<unsigned>(seed % n);
    };
    // An expression both as a Word and as the plain value at (vx, vy).
    struct Both {
        Word w;
        std::uint64_t v;
    };
    for (int round = 0; round < 400; ++round) {
        const std::uint64_t vx = consts[rnd(consts.size())] + rnd(3), vy = consts[rnd(consts.size())] ^ rnd(5);
        std::vector<Both> pool{{Word(x), vx}, {Word(y), vy}};
        for (int i = 0; i < 3; ++i) {
            const std::uint64_t c = consts[rnd(consts.size())];
            pool.push_back({Word::known(c), c});
        }
        for (int step = 0; step < 12; ++step) {
            const Both a = pool[rnd(pool.size())], b = pool[rnd(pool.size())];
            Both r{Word(), 0};
            switch (rnd(11)) {
            case 0: r = {a.w + b.w, a.v + b.v}; break;
            case 1: r = {a.w - b.w, a.v - b.v}; break;
            case 2: r = {a.w * b.w, a.v * b.v}; break;
            case 3: r = {a.w & b.w, a.v & b.v}; break;
            case 4: r = {a.w | b.w, a.v | b.v}; break;
            case 5: r = {a.w ^ b.w, a.v ^ b.v}; break;
            case 6: r = {-a.w, ~a.v + 1}; break;
            case 7: r = {~a.w, ~a.v}; break;
            case 8: r = {hp::symbolic::truncate(a.w, 16), a.v & 0xffff}; break;
            case 9: r = {a.w - a.w + b.w, b.v}; break;
            default: {
                const Flag f = a.w + Word(3) == b.w;
                r = {hp::symbolic::select(f, a.w, b.w), a.v + 3 == b.v ? a.v : b.v};
            }
            }
            pool.push_back(r);
            CAPTURE(round);
            CAPTURE(step);
            if (r.w.k) {
                CHECK(*r.w.k == r.v);
                continue;
            }
            hp::symbolic::term_set_valuation({{"x", vx}, {"y", vy}});
            CHECK(hp::symbolic::term_eval(r.w.node()) == r.v);
            z3::expr_vector from(d.c), to(d.c);
            from.push_back(x);
            from.push_back(y);
            to.push_back(d.c.bv_val(vx, 64));
            to.push_back(d.c.bv_val(vy, 64));
            CHECK(numeral(r.w.term().substitute(from, to).simplify()) == r.v);
        }
    }
    hp::symbolic::set_decider(nullptr);
}
