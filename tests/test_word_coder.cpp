// The word coder is lossless, says when a position runs out of codes, and the explorer's
// re-encoding on overflow changes nothing in the results.
#include <doctest/doctest.h>

#include "bench/toy_model.hpp"
#include "checker/explorer.hpp"
#include "checker/word_coder.hpp"

using namespace hp;

TEST_CASE("word coder: round trip, incremental encoding, overflow and widening") {
    WordCoder c({4, 8, 32, 4});
    CHECK(c.coded_words() == 3);  // 4 + 8 bits, a 32-bit word, 4 bits (a code never straddles words)
    std::uint32_t raw[4] = {7, 1000, 0xdeadbeef, 3}, coded[3], back[4];  // 3 coded words (checked above)
    REQUIRE(c.encode(raw, nullptr, nullptr, coded));
    c.decode(coded, back);
    CHECK(std::equal(raw, raw + 4, back));
    std::uint32_t raw2[4] = {7, 2000, 0xdeadbeef, 3}, coded2[3];
    REQUIRE(c.encode(raw2, raw, coded, coded2));
    c.decode(coded2, back);
    CHECK(std::equal(raw2, raw2 + 4, back));
    for (std::uint32_t v = 0; v < 15; ++v) {  // position 0 holds 16 values at most
        raw2[0] = 100 + v;
        CHECK(c.encode(raw2, nullptr, nullptr, coded2));
    }
    raw2[0] = 999;
    CHECK_FALSE(c.encode(raw2, nullptr, nullptr, coded2));
    CHECK(c.overflowed());
    CHECK(c.widened()[0] == 8);
    CHECK(c.widened()[2] == 32);
}

namespace {
// The toy model spread over 3 words, one of which takes thousands of values: the 4-bit
// codes the explorer starts with overflow several times.
struct WideToy : bench::ToyModel {
    WideToy() : bench::ToyModel(3) {}
    unsigned packed_words() const { return 3; }
    void pack(const State& s, std::uint32_t* w) const {
        bench::ToyModel::pack(s, w);
        w[1] = 5;
        w[2] = ~w[0];
    }
    void unpack(const std::uint32_t* w, State& s) const { bench::ToyModel::unpack(w, s); }
};
}  // namespace

TEST_CASE("re-encoding the visited set on overflow keeps SPIN's counts, for 1 and 2 threads") {
    for (unsigned threads : {1u, 2u}) {
        WideToy m;
        Limits lim;
        lim.threads = threads;
        const ExploreResult r = explore(m, lim);
        CHECK(r.verdict == Verdict::PASS);
        CHECK(r.states == 18880);  // pan on toy.pml with NSEC 3
        CHECK(r.transitions == 43004);
        CHECK(r.recodes >= 2);
    }
}
