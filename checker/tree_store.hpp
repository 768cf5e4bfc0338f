// A single-threaded visited set with dense ids, for the tools that walk a state graph
// themselves (graph.cpp, diff.cpp): the explorer's tree compression (visited_set.hpp)
// plus a table from dense id (0, 1, 2... in insertion order) to tree root. Lossless: a
// state is found again exactly, never by hash alone.
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "checker/visited_set.hpp"

namespace hp {

class TreeStore {
public:
    explicit TreeStore(unsigned words);
    // Returns the dense state id (0, 1, 2... in insertion order) and whether it is new.
    std::pair<std::uint32_t, bool> insert(const std::uint32_t* words);
    // The same, reusing the tree of a stored state `base` (as filled by get()): only the
    // nodes above words that differ from `base_words` are looked up. Successors differ
    // from their parent in a few words, so this is the fast path.
    // `base_words` must hold padded_words() words, the padding zero.
    std::pair<std::uint32_t, bool> insert(const std::uint32_t* words, const std::uint32_t* base_words,
                                          const std::uint32_t* base_tree);
    // Decompress state `id`; if `tree` is given, also its inner node ids (tree_size()).
    void get(std::uint32_t id, std::uint32_t* out, std::uint32_t* tree = nullptr) const;
    std::size_t size() const { return roots_.size(); }
    std::size_t bytes() const { return set_->bytes() + roots_.capacity() * 4; }
    unsigned words() const { return set_->words(); }
    unsigned padded_words() const { return set_->padded_words(); }
    unsigned tree_size() const { return set_->tree_size(); }

private:
    std::unique_ptr<VisitedSet> set_;  // each root's key is its dense id (the first one offered); a pointer: movable
    std::vector<std::uint32_t> roots_; // dense id -> root
    mutable std::vector<std::uint32_t> scratch_words_, scratch_tree_, new_tree_;
    std::uint64_t lookups_ = 0;
};

}  // namespace hp
