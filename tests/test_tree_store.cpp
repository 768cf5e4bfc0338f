// The visited set must find states again exactly (it is lossless) and give dense ids.
#include <doctest/doctest.h>

#include <random>
#include <set>
#include <vector>

#include "checker/tree_store.hpp"

using hp::TreeStore;

TEST_CASE("tree store: insert, find again, decompress, for several widths") {
    for (unsigned words : {1u, 2u, 3u, 5u, 8u, 13u, 64u, 77u}) {
        TreeStore store(words);
        std::mt19937 rng(words);
        std::vector<std::vector<std::uint32_t>> states;
        std::set<std::vector<std::uint32_t>> distinct;
        for (int i = 0; i < 2000; ++i) {
            std::vector<std::uint32_t> s(words);
            for (auto& w : s) w = rng() % 4;  // few values: many shared subtrees and duplicates
            states.push_back(s);
            const auto [id, inserted] = store.insert(s.data());
            CHECK(inserted == distinct.insert(s).second);
            if (inserted) CHECK(id == distinct.size() - 1);  // dense ids in insertion order
        }
        CHECK(store.size() == distinct.size());
        // Incremental insertion from a stored base gives the same ids.
        std::vector<std::uint32_t> base(store.padded_words(), 0), tree(store.tree_size() + 2, 0);
        for (size_t i = 1; i < states.size(); ++i) {
            const auto [bid, bins] = store.insert(states[i - 1].data());
            CHECK_FALSE(bins);
            store.get(bid, base.data(), tree.data());
            std::vector<std::uint32_t> next = states[i];
            next[i % words] ^= 1;  // a neighbour of a stored state, new or not
            const bool known = distinct.count(next) > 0;
            const auto [id, inserted] = store.insert(next.data(), base.data(), tree.data());
            CHECK(inserted == !known);
            distinct.insert(next);
            std::vector<std::uint32_t> back(words);
            store.get(id, back.data());
            CHECK(back == next);
        }
        std::vector<std::uint32_t> out(words);
        for (const auto& s : states) {
            const auto [id, inserted] = store.insert(s.data());
            CHECK_FALSE(inserted);
            store.get(id, out.data());
            CHECK(out == s);
        }
    }
}
