#include "checker/tree_store.hpp"

#include <cstring>

namespace hp {

namespace {
inline std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}
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
    scratch_.assign(leaves_, 0);
}

// Interns the subtree over words [lo, lo + n) (n a power of two >= 2).
std::uint32_t TreeStore::build(const std::uint32_t* w, unsigned lo, unsigned n) {
    bool ins;
    if (n == 2) return nodes_.intern(w[lo], w[lo + 1], ins);
    const unsigned h = n / 2;
    return nodes_.intern(build(w, lo, h), build(w, lo + h, h), ins);
}

std::pair<std::uint32_t, bool> TreeStore::insert(const std::uint32_t* words) {
    std::uint32_t* w = scratch_.data();
    std::memcpy(w, words, words_ * 4);  // the padding words stay 0
    bool inserted;
    std::uint32_t id;
    if (leaves_ == 2) {
        id = roots_.intern(w[0], w[1], inserted);
    } else {
        const unsigned h = leaves_ / 2;
        id = roots_.intern(build(w, 0, h), build(w, h, h), inserted);
    }
    return {id, inserted};
}

void TreeStore::expand(std::uint32_t node, unsigned n, std::uint32_t* out) const {
    const auto [a, b] = nodes_.at(node);
    if (n == 2) {
        out[0] = a;
        out[1] = b;
        return;
    }
    expand(a, n / 2, out);
    expand(b, n / 2, out + n / 2);
}

void TreeStore::get(std::uint32_t id, std::uint32_t* out) const {
    std::uint32_t* w = scratch_.data();
    const auto [a, b] = roots_.at(id);
    if (leaves_ == 2) {
        w[0] = a;
        w[1] = b;
    } else {
        expand(a, leaves_ / 2, w);
        expand(b, leaves_ / 2, w + leaves_ / 2);
    }
    std::memcpy(out, w, words_ * 4);
}

}  // namespace hp
