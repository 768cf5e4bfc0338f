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
    // The same, reusing the tree of a stored state `base` (as filled by get()): only the
    // nodes above words that differ from `base_words` are looked up. Successors differ
    // from their parent in a few words, so this is the explorer's fast path.
    // `base_words` must hold padded_words() words, the padding zero.
    std::pair<std::uint32_t, bool> insert(const std::uint32_t* words, const std::uint32_t* base_words,
                                          const std::uint32_t* base_tree);
    // Decompress state `id`; if `tree` is given, also its inner node ids (tree_size()).
    void get(std::uint32_t id, std::uint32_t* out, std::uint32_t* tree = nullptr) const;
    std::size_t size() const { return roots_.size(); }
    std::size_t bytes() const { return nodes_.bytes() + roots_.bytes(); }
    unsigned words() const { return words_; }
    unsigned padded_words() const { return leaves_; }
    unsigned tree_size() const { return tree_size_; }

private:
    std::pair<std::uint32_t, bool> insert_tree(const std::uint32_t* w, const std::uint32_t* base_w,
                                               const std::uint32_t* base_tree);
    unsigned words_;
    unsigned leaves_;                 // words padded to a power of two >= 2
    unsigned tree_size_;              // inner nodes below the root pair: leaves - 2
    std::vector<unsigned> level_off_; // offset of each level in a tree array; level 0 pairs words
    PairTable nodes_;
    PairTable roots_;
    mutable std::vector<std::uint32_t> scratch_words_, scratch_tree_;
};

}  // namespace hp
