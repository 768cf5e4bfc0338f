// The visited set: tree compression of packed states (as in LTSmin's tree database).
// A state of k 32-bit words is the root of a binary tree whose inner nodes are interned
// pairs; states that share sub-vectors share the nodes, so a new state usually costs one
// root entry plus the few nodes on the paths to the words that changed. Lossless: a state
// is found again exactly, never by hash alone (no hash compaction, no false "visited").
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace hp {

// Interning table: a pair of 32-bit values <-> a dense 32-bit id.
class PairTable {
public:
    PairTable();
    // The id of (a, b), inserting it if new; `inserted` tells which.
    std::uint32_t intern(std::uint32_t a, std::uint32_t b, bool& inserted);
    std::pair<std::uint32_t, std::uint32_t> at(std::uint32_t id) const {
        const std::uint64_t v = pairs_[id];
        return {static_cast<std::uint32_t>(v >> 32), static_cast<std::uint32_t>(v)};
    }
    std::size_t size() const { return pairs_.size(); }
    std::size_t bytes() const { return pairs_.capacity() * 8 + slots_.capacity() * 4; }

private:
    void grow();
    std::vector<std::uint64_t> pairs_;  // id -> (a << 32 | b)
    std::vector<std::uint32_t> slots_;  // open addressing, id + 1, 0 = empty
    std::uint64_t mask_;
};

class TreeStore {
public:
    explicit TreeStore(unsigned words);
    // Returns the dense state id (0, 1, 2... in insertion order) and whether it is new.
    std::pair<std::uint32_t, bool> insert(const std::uint32_t* words);
    void get(std::uint32_t id, std::uint32_t* out) const;
    std::size_t size() const { return roots_.size(); }
    std::size_t bytes() const { return nodes_.bytes() + roots_.bytes(); }
    unsigned words() const { return words_; }

private:
    std::uint32_t build(const std::uint32_t* words, unsigned lo, unsigned n);
    void expand(std::uint32_t node, unsigned n, std::uint32_t* out) const;
    unsigned words_;
    unsigned leaves_;  // words padded to a power of two >= 2
    PairTable nodes_;
    PairTable roots_;
    mutable std::vector<std::uint32_t> scratch_;
};

}  // namespace hp
