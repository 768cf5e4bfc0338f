// Narrow state words before they reach the visited set. A packed kernel state has ~57
// 32-bit words, but each word position takes only a handful of values over the whole
// state space (a zone's start pfn is one of a few boundaries, a block's state one of
// four...). Each position gets a dictionary (value -> code, first seen first) and its
// codes are stored at a fixed width of 4, 8, 16 or 32 bits, several per word: 57 words
// become ~8-16, so the tree over them is 2-3 levels deep instead of 5 and a successor
// re-interns far fewer nodes.
//
// Lossless by construction. A position whose values outgrow its width makes encode()
// fail; the explorer then starts again with that position wider (explorer_impl.hpp), so
// the widths adapt to the model and the results never depend on them.
// Thread-safe: lookups are lock-free; a new value takes a mutex (rare: a few per position).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hp {

class WordCoder {
public:
    // widths[p]: 0-4, 8, 16 or 32 bits (32 = stored as is, no dictionary; 0 = one value).
    explicit WordCoder(std::vector<std::uint8_t> widths);
    // The width every position of a state of more than two words starts with. 0 codes the
    // 5-DIMM kernel state into 4 words (1.64 interns per lookup, ~10% less CPU) but nearly
    // every pair of words is then unique: 27.2 B/state at 5 DIMMs, 53.4 at 4. 4 keeps the
    // kernel model at 23.8 B/state (34.9 at 4 DIMMs), the issue's <= 24 (bench/README.md).
    static constexpr std::uint8_t kStartWidth = 4;
    unsigned raw_words() const { return static_cast<unsigned>(pos_.size()); }
    unsigned coded_words() const { return coded_words_; }
    bool identity() const { return identity_; }
    const std::vector<std::uint8_t>& widths() const { return widths_; }

    // raw -> coded. With a base (the parent's raw and coded words), only positions that
    // differ are looked up. Returns false if some position ran out of codes.
    bool encode(const std::uint32_t* raw, const std::uint32_t* base_raw, const std::uint32_t* base_coded,
                std::uint32_t* coded);
    void decode(const std::uint32_t* coded, std::uint32_t* raw) const;

    bool overflowed() const { return overflowed_.load(std::memory_order_relaxed); }
    // The widths to start again with: every position that overflowed (or is 3/4 full) one step wider.
    std::vector<std::uint8_t> widened() const;
    std::size_t bytes() const;

private:
    static constexpr std::uint32_t kFull = ~0u;
    struct Pos {
        unsigned word, shift, width;
        std::uint32_t mask;
    };
    struct Dict {
        std::unique_ptr<std::atomic<std::uint64_t>[]> index;  // (value << 32 | code + 1), 0 = empty
        std::unique_ptr<std::atomic<std::uint32_t>[]> values; // code -> value
        std::uint32_t index_mask = 0, capacity = 0, count = 0;
        unsigned index_shift = 64;  // 64 - log2(index size)
        bool full = false;
    };
    // Fibonacci hashing: the values are small integers and pfns, the index a power of two.
    static std::uint64_t slot_of(const Dict& d, std::uint32_t value) { return (value * 0x9e3779b97f4a7c15ull) >> d.index_shift; }
    // The code of `value` at position p (the lookup found in the first slot inline: nearly
    // every lookup), a new one if it was not seen before, kFull if p has no code left.
    std::uint32_t code_of(unsigned p, std::uint32_t value) {
        const Dict& d = dict_[p];
        const std::uint64_t e = d.index[slot_of(d, value)].load(std::memory_order_acquire);
        if (e && static_cast<std::uint32_t>(e >> 32) == value) return static_cast<std::uint32_t>(e) - 1;
        return code_of_slow(p, value);
    }
    std::uint32_t code_of_slow(unsigned p, std::uint32_t value);
    static std::uint64_t diff_mask(const std::uint32_t* a, const std::uint32_t* b, unsigned n);
    // Position p's code of `value` into the coded words; false if p ran out of codes.
    bool put(unsigned p, std::uint32_t value, std::uint32_t* coded) {
        const Pos& q = pos_[p];
        std::uint32_t code = value;
        if (q.width != 32 && (code = code_of(p, value)) == kFull) return false;
        coded[q.word] = (coded[q.word] & ~(q.mask << q.shift)) | code << q.shift;
        return true;
    }
    std::vector<std::uint8_t> widths_;
    std::vector<Pos> pos_;
    std::vector<Dict> dict_;
    unsigned coded_words_ = 0;
    bool identity_ = true;
    std::mutex insert_mu_;
    std::atomic<bool> overflowed_{false};
};

}  // namespace hp
