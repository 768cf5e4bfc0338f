// The class engine decides which geometries a finished class covers with TermProgram
// (checker/prover/term_eval.hpp), not with Z3. A proof is only as sound as that evaluation:
// each operator must give exactly what Z3 gives for the same term at the same values. Checked
// operator by operator on edge values (tests/test_prover.cpp checks the classes and the
// geometries the engine covers on boxes whose answer is known).
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checker/prover/term_eval.hpp"

namespace {
using hp::prover::TermProgram;

std::uint64_t z3_value(z3::context& c, const z3::expr& e, const std::vector<z3::expr>& params,
                       const std::vector<std::uint64_t>& values) {
    z3::expr_vector from(c), to(c);
    for (size_t i = 0; i < params.size(); ++i) {
        from.push_back(params[i]);
        to.push_back(c.bv_val(values[i], params[i].get_sort().bv_size()));
    }
    z3::expr copy = e;  // substitute() is not const in Z3 4.8
    const z3::expr v = copy.substitute(from, to).simplify();
    if (v.is_true()) return 1;
    if (v.is_false()) return 0;
    std::uint64_t out = 0;
    REQUIRE(v.is_numeral_u64(out));
    return out;
}
}  // namespace

TEST_CASE("term evaluation: every operator equals Z3 at edge values") {
    z3::context c;
    const z3::expr x = c.bv_const("x", 64), y = c.bv_const("y", 64);
    const z3::expr p = c.bv_const("p", 8), q = c.bv_const("q", 8);
    const std::vector<z3::expr> params{x, y, p, q};
    using Mk = std::function<z3::expr()>;
    const std::vector<std::pair<std::string, Mk>> terms{
        {"bvadd", [&] { return x + y; }},
        {"bvsub", [&] { return x - y; }},
        {"bvneg", [&] { return -x; }},
        {"bvmul", [&] { return x * y; }},
        {"bvmul 8", [&] { return p * q; }},
        {"bvudiv", [&] { return z3::udiv(x, y); }},
        {"bvudiv 8", [&] { return z3::udiv(p, q); }},
        {"bvurem", [&] { return z3::urem(x, y); }},
        {"bvshl", [&] { return z3::shl(x, y); }},
        {"bvshl 8", [&] { return z3::shl(p, q); }},
        {"bvlshr", [&] { return z3::lshr(x, y); }},
        {"bvashr", [&] { return z3::ashr(x, y); }},
        {"bvashr 8", [&] { return z3::ashr(p, q); }},
        {"bvand", [&] { return x & y; }},
        {"bvor", [&] { return x | y; }},
        {"bvxor", [&] { return x ^ y; }},
        {"bvnot", [&] { return ~x; }},
        {"bvnot 8", [&] { return ~p; }},
        {"ule", [&] { return z3::ule(x, y); }},
        {"ult", [&] { return z3::ult(x, y); }},
        {"uge", [&] { return z3::uge(x, y); }},
        {"ugt", [&] { return z3::ugt(x, y); }},
        {"sle", [&] { return x <= y; }},
        {"slt 8", [&] { return p < q; }},
        {"sge", [&] { return x >= y; }},
        {"sgt 8", [&] { return p > q; }},
        {"eq", [&] { return x == y; }},
        {"distinct", [&] { return x != y; }},
        {"ite", [&] { return z3::ite(z3::ult(x, y), x - y, y - x); }},
        {"and/or/not/implies", [&] { return (z3::ult(x, y) && !(x == y)) || z3::implies(p == q, z3::ugt(x, y)); }},
        {"extract", [&] { return x.extract(40, 3); }},
        {"concat", [&] { return z3::concat(p, q); }},
        {"zero_extend", [&] { return z3::zext(p, 56); }},
        {"sign_extend", [&] { return z3::sext(p, 56); }},
        {"nested", [&] { return z3::urem(z3::shl(z3::zext(p, 56), z3::zext(q, 56)) * (x + 1), y | 1) == x; }},
    };
    const std::vector<std::uint64_t> wide{0, 1, 2, 7, 63, 64, 65, 4096, 0x8000'0000ull, 0xffff'ffffull,
                                          0x7fff'ffff'ffff'ffffull, 0x8000'0000'0000'0000ull, ~std::uint64_t{0}};
    const std::vector<std::uint64_t> narrow{0, 1, 7, 8, 9, 127, 128, 255};
    for (const auto& term : terms) {
        const std::string& name = term.first;  // not a structured binding: clang-14 cannot CAPTURE one
        TermProgram prog(c, params);
        const z3::expr e = term.second();
        const unsigned h = prog.add(e);
        for (std::uint64_t a : wide)
            for (std::uint64_t b : wide)
                for (size_t k = 0; k < narrow.size(); ++k) {
                    const std::vector<std::uint64_t> v{a, b, narrow[k], narrow[(k * 5 + 3) % narrow.size()]};
                    prog.at(v);
                    CAPTURE(name);
                    CAPTURE(a);
                    CAPTURE(b);
                    CHECK(prog.value(h) == z3_value(c, e, params, v));
                }
    }
}

TEST_CASE("term evaluation: a term freed and rebuilt between adds keeps its own value") {
    // Z3 reuses the id of a freed term; a program keyed by ids must keep its terms alive
    z3::context c;
    const z3::expr x = c.bv_const("x", 64);
    TermProgram prog(c, {x});
    unsigned first = 0;
    {
        const z3::expr t = x * 3 + 5;
        first = prog.add(t);
    }
    const unsigned second = prog.add(x * 7 + 1);
    prog.at({2});
    CHECK(prog.value(first) == 11);
    CHECK(prog.value(second) == 15);
}

TEST_CASE("term evaluation: an operator it does not compile is evaluated by Z3") {
    z3::context c;
    const z3::expr x = c.bv_const("x", 64);
    const z3::expr wide = z3::concat(x, x);  // 128 bits
    const z3::expr e = wide.extract(70, 7);  // 64 bits of a 128-bit term
    TermProgram prog(c, {x});
    const unsigned h = prog.add(e);
    for (std::uint64_t v : {0ull, 1ull, 0x8000'0000'0000'0001ull, 0x1234'5678'9abc'def0ull}) {
        prog.at({v});
        CHECK(prog.value(h) == z3_value(c, e, {x}, {v}));
    }
}

TEST_CASE("term evaluation: the class sweep removes exactly the geometries where every literal holds") {
    // Literals over different subsets of the parameters (the sweep groups them by that and
    // remembers a group's answer per value of its parameters), checked against evaluating
    // every literal at every geometry.
    z3::context c;
    const z3::expr a = c.bv_const("a", 64), b = c.bv_const("b", 64), d = c.bv_const("d", 64);
    const std::vector<z3::expr> params{a, b, d};
    const std::vector<z3::expr> literals{
        z3::ult(a, c.bv_val(6, 64)),                                   // a only
        z3::urem(a + b, c.bv_val(3, 64)) != c.bv_val(0, 64),           // a, b
        z3::ule(z3::shl(c.bv_val(1, 64), b), d * 4 + 1),               // b, d
        z3::ult(a, c.bv_val(7, 64)),                                   // a only, a second one
        z3::ite(d == c.bv_val(5, 64), a == b, z3::uge(d, c.bv_val(1, 64))),  // all three
    };
    std::vector<std::vector<std::uint64_t>> box;
    for (std::uint64_t x = 0; x < 9; ++x)
        for (std::uint64_t y = 0; y < 7; ++y)
            for (std::uint64_t z = 0; z < 11; ++z) box.push_back({x, y, z});
    std::vector<std::vector<std::uint64_t>> expected;
    for (const auto& g : box) {
        bool all = true;
        for (const z3::expr& l : literals) all = all && z3_value(c, l, params, g) == 1;
        if (!all) expected.push_back(g);
    }
    TermProgram prog(c, params);
    std::vector<std::vector<std::uint64_t>> remaining = box;
    hp::prover::remove_where_all_hold(remaining, prog, literals);
    CHECK(remaining.size() < box.size());  // the literals do cover something
    CHECK(remaining.size() > 0);
    CHECK(remaining == expected);
}
