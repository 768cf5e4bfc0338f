// The explorer's visited set: a lossless tree compression of packed states (LTSmin's
// tree database). A state of k 32-bit words is the root of a binary tree whose inner
// nodes are interned pairs; states that share sub-vectors share the nodes, so a new
// state usually costs one root entry plus the few nodes on the paths to the words that
// changed. Made safe for several threads inserting at once so that successor
// generation, invariant checks and lookups all run in parallel.
//
// - Both interning tables (inner nodes, roots) are split into segments chosen by the
//   pair's hash; each segment has its own small lock, index and storage, so two threads
//   rarely meet. With one thread the locks are not taken at all.
// - A state of one word needs no tree: the word is its own id, and the roots table keeps
//   just the set of words, stored in the index slots themselves (4 bytes a slot, no entry
//   behind it: one cache miss a lookup instead of two). The SPIN anchor model is such a
//   state (bench/toy_model.hpp).
// - Entries are never moved (storage grows by adding chunks), so a thread may decompress
//   any state stored before the current BFS level while others insert.
// - Ids are not dense: an id is (segment, index in segment). The explorer keeps its own
//   dense, deterministic numbering (see explorer.hpp); the store only answers "seen?".
// - A root inserted during the current level carries the smallest discovery key offered
//   for it (parent position in the level, action), kept under the segment lock: that is
//   what lets the explorer number new states exactly as a sequential BFS would.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "checker/huge_pages.hpp"

namespace hp {

// Process memory: resident set size in bytes (from /proc/self/statm), 0 if unknown.
std::size_t resident_bytes();

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

class SharedPairTable {
public:
    static constexpr unsigned kSegBits = 4;
    static constexpr unsigned kSegments = 1u << kSegBits;
    static constexpr unsigned kLocalBits = 32 - kSegBits;

    // `single_words`: a set of words (b always 0) whose ids are the words themselves.
    // `keyed`: keep discovery keys (the roots table; the inner nodes need none).
    explicit SharedPairTable(bool single_words = false, bool keyed = true);
    // The id of (a, b), inserting it if new. `key` (roots only): offered discovery key,
    // kept as the minimum for entries inserted since begin_level().
    std::uint32_t intern(std::uint32_t a, std::uint32_t b, bool& inserted, std::uint64_t key = ~0ull) {
        return single_ ? intern_word(a, inserted, key) : intern_pair(a, b, hash_of(a, b), inserted, key);
    }
    // The same with the pair's hash (hash_of()) already computed: a batch hashes each pair
    // once for its two prefetches and the lookup.
    static std::uint64_t hash_of(std::uint32_t a, std::uint32_t b);
    std::uint32_t intern_hashed(std::uint32_t a, std::uint32_t b, std::uint64_t hash, bool& inserted,
                                std::uint64_t key = ~0ull) {
        return single_ ? intern_word(a, inserted, key) : intern_pair(a, b, hash, inserted, key);
    }
    void prefetch_hashed(std::uint64_t hash, bool entry) const;
    std::pair<std::uint32_t, std::uint32_t> at(std::uint32_t id) const {
        if (single_) return {id, 0};
        const std::uint64_t v = *slot_of(segs_[id >> kLocalBits], id & kLocalMask);
        return {static_cast<std::uint32_t>(v >> 32), static_cast<std::uint32_t>(v)};
    }
    std::size_t size() const;
    std::size_t bytes() const;
    // Start loading the index line (a, b) hashes to; with `entry`, also the pair its first
    // slot points to (single-threaded only: that read needs the index to stay put).
    void prefetch(std::uint32_t a, std::uint32_t b, bool entry) const;

    void set_concurrent(bool on) { concurrent_ = on; }
    // Memory budget (0 = none): an index is not doubled if the process would pass it;
    // the table then fills further and exhausted() turns true.
    void set_budget(std::size_t bytes) { budget_ = bytes; }
    bool exhausted() const { return exhausted_.load(std::memory_order_relaxed); }

    // Word sets, several threads: the segment a word belongs to. A thread that owns some
    // segments (no other thread touches them this phase) interns their words without the
    // lock, offering each segment's words in increasing key order, so no key is ever lowered
    // (the explorer's partitioned insert phase for one-word states). The new words are the
    // caller's to keep with their keys: new_entries() and key_of() do not list them.
    static unsigned segment_of_word(std::uint32_t w);
    std::uint32_t intern_word_owned(std::uint32_t w, bool& inserted);
    void prefetch_word(std::uint32_t w) const { prefetch(w, 0, false); }

    // Discovery keys of the current level (roots table).
    void begin_level();
    // The caller (one thread) offers the keys of a level in increasing order: the first
    // offer is the smallest, so a word set need not find the entry of a repeat, and keeps
    // its new words in one list that is already in key order (key_of() then searches, for
    // the rare violation only).
    void set_keys_increasing(bool on) { keys_increasing_ = on; }
    // The smallest key offered for an entry inserted since begin_level().
    std::uint64_t key_of(std::uint32_t id) const {
        if (single_) return word_key_of(id);
        const Segment& s = segs_[id >> kLocalBits];
        return s.level_keys[(id & kLocalMask) - s.level_base];
    }
    // Every entry inserted since begin_level(), with its smallest key, sorted by key.
    void new_entries(std::vector<std::pair<std::uint64_t, std::uint32_t>>& out) const;

private:
    static constexpr std::uint32_t kLocalMask = (1u << kLocalBits) - 1;
    // A pair table's index slot: local index + 1 in the low 28 bits (0 = empty), and 4 bits
    // of the pair's hash (below the segment bits) on top, compared before the pair is read.
    static std::uint32_t pair_slot(std::uint64_t hash, std::uint32_t local) {
        return static_cast<std::uint32_t>(hash >> (64 - kSegBits - 4) & 0xf) << kLocalBits | (local + 1);
    }
    static constexpr unsigned kChunk0Bits = 6;  // chunk k holds 64 << k entries: small scenarios stay small
    static constexpr unsigned kChunks = kLocalBits - kChunk0Bits + 1;
    struct alignas(64) Segment {
        std::atomic<bool> lock{false};
        std::uint32_t size = 0, level_base = 0;
        std::uint64_t mask = 63;
        HugeVector<std::uint32_t> slots = HugeVector<std::uint32_t>(64, 0);  // local index + 1, 0 = empty
        std::array<std::unique_ptr<std::uint64_t[]>, kChunks> chunks;
        std::vector<std::uint64_t> level_keys;  // keys of entries level_base.. size
        // Word sets: the slots hold the words (0 = empty; word 0 is `has_zero`), the level's
        // new words beside level_keys, and (unless keys come in increasing order) an index
        // word -> position in level_words, to lower the key of a repeat.
        bool has_zero = false;
        std::vector<std::uint32_t> level_words, level_index;
        // The index as prefetch() may read it without the lock (a stale one is harmless).
        std::atomic<const std::uint32_t*> pub_slots{nullptr};
        std::atomic<std::uint64_t> pub_mask{0};
    };
    static const std::uint64_t* slot_of(const Segment& s, std::uint32_t local);
    static std::uint64_t* slot_of(Segment& s, std::uint32_t local);
    std::uint32_t intern_pair(std::uint32_t a, std::uint32_t b, std::uint64_t hash, bool& inserted, std::uint64_t key);
    std::uint32_t intern_word(std::uint32_t w, bool& inserted, std::uint64_t key);
    std::uint64_t word_key_of(std::uint32_t w) const;
    std::uint32_t* level_slot(Segment& s, std::uint32_t w) const;
    void index_level_word(Segment& s, std::uint32_t pos) const;
    bool may_grow(Segment& s);
    void grow(Segment& s);
    std::array<Segment, kSegments> segs_;
    bool single_ = false, keyed_ = true, keys_increasing_ = false;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ordered_;  // word set, keys increasing: (key, word)
    bool concurrent_ = false;
    std::size_t budget_ = 0;
    std::atomic<bool> exhausted_{false};
};

// One state lookup of a batch (VisitedSet::insert_batch).
struct InsertJob {
    const std::uint32_t* words;       // padded words
    const std::uint32_t* base_words;  // the parent's, or null
    const std::uint32_t* base_tree;
    std::uint32_t* tree;              // scratch, tree_size() + 2
    std::uint64_t key;
    std::uint32_t root = 0;           // out
    bool inserted = false;            // out
    bool done = false;                // internal
    unsigned nd = 0;                  // internal: dirty nodes of the current tree level
    unsigned dirty[64];
    std::uint64_t hash[64];           // internal: the hashes of the dirty nodes' pairs
};

class VisitedSet {
public:
    explicit VisitedSet(unsigned words);
    // Insert a state; `key` is its discovery key (see above). `base_words`/`base_tree`:
    // a stored state's padded words and inner nodes (from get()) to start from, so only
    // the paths above words that differ are looked up; may be null. `tree` receives the
    // inserted state's inner nodes (tree_size() + 2 entries, caller's scratch).
    // `lookups` counts the node-table lookups done (the caller's, so threads do not share it).
    std::pair<std::uint32_t, bool> insert(const std::uint32_t* padded_words, const std::uint32_t* base_words,
                                          const std::uint32_t* base_tree, std::uint32_t* tree, std::uint64_t key,
                                          std::uint64_t& lookups);
    // The same for many states at once, level by level across the batch, so that the
    // cache misses of one lookup overlap those of the others (prefetching).
    void insert_batch(InsertJob* jobs, unsigned n, std::uint64_t& lookups);
    // Decompress root `id` into padded words and (optionally) its inner nodes.
    void get(std::uint32_t id, std::uint32_t* padded_words, std::uint32_t* tree) const;

    unsigned words() const { return words_; }
    unsigned padded_words() const { return leaves_; }
    unsigned tree_size() const { return tree_size_; }
    std::size_t bytes() const { return nodes_.bytes() + roots_.bytes(); }
    std::size_t node_count() const { return nodes_.size(); }

    // The roots table (for a one-word state, the set of words: see above).
    SharedPairTable& roots() { return roots_; }
    const SharedPairTable& roots() const { return roots_; }
    void set_concurrent(bool on) {
        nodes_.set_concurrent(on);
        roots_.set_concurrent(on);
    }
    void set_budget(std::size_t bytes) {
        nodes_.set_budget(bytes);
        roots_.set_budget(bytes);
    }
    bool exhausted() const { return nodes_.exhausted() || roots_.exhausted(); }

private:
    unsigned words_, leaves_, tree_size_;
    std::vector<unsigned> level_off_;  // offset of each tree level in a tree array; level 0 pairs words
    SharedPairTable nodes_, roots_;
};

}  // namespace hp
