#include "checker/tree_store.hpp"

#include <algorithm>
#include <cstring>

#include "checker/hash.hpp"

namespace hp {

namespace {
inline std::uint64_t mix(std::uint64_t x) { return mix64(x); }
}  // namespace

PairTable::PairTable() : slots_(1024, 0), mask_(1023) {}

void PairTable::grow() {
    std::vector<std::uint32_t> bigger(slots_.size() * 2, 0);
    const std::uint64_t mask = bigger.size() - 1;
    for (std::uint32_t id = 0; id < pairs_.size(); ++id) {
        std::uint64_t h = mix(pairs_[id]) & mask;
        while (bigger[h]) h = (h + 1) & mask;
        bigger[h] = id + 1;
    }
    slots_.swap(bigger);
    mask_ = mask;
}

std::uint32_t PairTable::intern(std::uint32_t a, std::uint32_t b, bool& inserted) {
    const std::uint64_t key = static_cast<std::uint64_t>(a) << 32 | b;
    std::uint64_t h = mix(key) & mask_;
    while (std::uint32_t s = slots_[h]) {
        if (pairs_[s - 1] == key) {
            inserted = false;
            return s - 1;
        }
        h = (h + 1) & mask_;
    }
    const std::uint32_t id = static_cast<std::uint32_t>(pairs_.size());
    pairs_.push_back(key);
    slots_[h] = id + 1;
    inserted = true;
    if (pairs_.size() * 2 > slots_.size()) grow();  // load factor <= 1/2
    return id;
}

TreeStore::TreeStore(unsigned words) : words_(words), leaves_(2) {
    while (leaves_ < words) leaves_ *= 2;
    // Levels: level 0 has leaves/2 nodes (pairs of words), each level above half as many,
    // down to the top level of 2 nodes whose pair is the root.
    unsigned off = 0;
    for (unsigned n = leaves_ / 2; n >= 2; n /= 2) {
        level_off_.push_back(off);
        off += n;
    }
    tree_size_ = off;
    scratch_words_.assign(leaves_, 0);
    scratch_tree_.assign(tree_size_ + 2, 0);
}

std::pair<std::uint32_t, bool> TreeStore::insert_tree(const std::uint32_t* w, const std::uint32_t* bw,
                                                      const std::uint32_t* bt) {
    bool ins;
    if (leaves_ == 2) {
        const std::uint32_t id = roots_.intern(w[0], w[1], ins);
        return {id, ins};
    }
    std::uint32_t* t = scratch_tree_.data();
    const unsigned levels = static_cast<unsigned>(level_off_.size());
    const unsigned top = level_off_.back();
    if (!bt) {  // full build, level by level
        for (unsigned j = 0, n = leaves_ / 2; j < n; ++j) t[j] = nodes_.intern(w[2 * j], w[2 * j + 1], ins);
        for (unsigned l = 1; l < levels; ++l) {
            const unsigned below = level_off_[l - 1], here = level_off_[l], n = (leaves_ / 2) >> l;
            for (unsigned j = 0; j < n; ++j) t[here + j] = nodes_.intern(t[below + 2 * j], t[below + 2 * j + 1], ins);
        }
    } else {
        // Start from the base's tree; re-intern only the paths above changed word pairs.
        std::memcpy(t, bt, tree_size_ * 4);
        unsigned dirty[2][64];
        unsigned nd = 0;
        unsigned* cur = dirty[0];
        for (unsigned c = 0; c < leaves_; c += 16) {  // skip unchanged 64-byte chunks quickly
            const unsigned len = std::min(16u, leaves_ - c);
            if (std::memcmp(w + c, bw + c, len * 4) == 0) continue;
            for (unsigned j = c / 2; j < (c + len) / 2; ++j) {
                if (w[2 * j] == bw[2 * j] && w[2 * j + 1] == bw[2 * j + 1]) continue;
                t[j] = nodes_.intern(w[2 * j], w[2 * j + 1], ins);
                if (nd < 64) cur[nd] = j;
                ++nd;
            }
        }
        if (nd > 64) return insert_tree(w, nullptr, nullptr);  // many changes: rebuild
        for (unsigned l = 1; l < levels && nd; ++l) {
            unsigned* next = dirty[l & 1];
            unsigned nn = 0;
            const unsigned below = level_off_[l - 1], here = level_off_[l];
            for (unsigned i = 0; i < nd; ++i) {
                const unsigned j = cur[i] / 2;
                if (nn && next[nn - 1] == j) continue;  // both children dirty: once
                next[nn++] = j;
                t[here + j] = nodes_.intern(t[below + 2 * j], t[below + 2 * j + 1], ins);
            }
            cur = next;
            nd = nn;
        }
    }
    const std::uint32_t id = roots_.intern(t[top], t[top + 1], ins);
    return {id, ins};
}

std::pair<std::uint32_t, bool> TreeStore::insert(const std::uint32_t* words) {
    std::memcpy(scratch_words_.data(), words, words_ * 4);  // the padding words stay 0
    return insert_tree(scratch_words_.data(), nullptr, nullptr);
}

std::pair<std::uint32_t, bool> TreeStore::insert(const std::uint32_t* words, const std::uint32_t* base_words,
                                                 const std::uint32_t* base_tree) {
    std::memcpy(scratch_words_.data(), words, words_ * 4);
    return insert_tree(scratch_words_.data(), base_words, base_tree);
}

void TreeStore::get(std::uint32_t id, std::uint32_t* out, std::uint32_t* tree) const {
    std::uint32_t* w = scratch_words_.data();
    const auto [ra, rb] = roots_.at(id);
    if (leaves_ == 2) {
        w[0] = ra;
        w[1] = rb;
    } else {
        std::uint32_t* t = tree ? tree : scratch_tree_.data();
        const unsigned levels = static_cast<unsigned>(level_off_.size());
        t[level_off_.back()] = ra;
        t[level_off_.back() + 1] = rb;
        for (unsigned l = levels - 1; l >= 1; --l) {
            const unsigned below = level_off_[l - 1], here = level_off_[l], n = (leaves_ / 2) >> l;
            for (unsigned j = 0; j < n; ++j) {
                const auto [a, b] = nodes_.at(t[here + j]);
                t[below + 2 * j] = a;
                t[below + 2 * j + 1] = b;
            }
        }
        for (unsigned j = 0, n = leaves_ / 2; j < n; ++j) {
            const auto [a, b] = nodes_.at(t[j]);
            w[2 * j] = a;
            w[2 * j + 1] = b;
        }
    }
    std::memcpy(out, w, words_ * 4);
}

}  // namespace hp
