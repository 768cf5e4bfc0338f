#include "checker/word_coder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "checker/hash.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hp {

WordCoder::WordCoder(std::vector<std::uint8_t> widths) : widths_(std::move(widths)), dict_(widths_.size()) {
    unsigned bit = 0;
    for (std::size_t p = 0; p < widths_.size(); ++p) {
        const unsigned w = widths_[p];
        if (bit % 32 + w > 32) bit = (bit + 31) / 32 * 32;  // a code never straddles two words
        if (w == 0) pos_.push_back({0, 0, 0, 0});  // no bits: any word will do
        else pos_.push_back({bit / 32, bit % 32, w, w == 32 ? ~0u : (1u << w) - 1});
        bit += w;
        if (w == 32) continue;
        identity_ = false;
        Dict& d = dict_[p];
        d.capacity = 1u << w;
        d.index_mask = 2 * d.capacity - 1;  // load <= 1/2
        d.index_shift = 64 - std::countr_zero(2 * d.capacity);
        d.index = std::make_unique<std::atomic<std::uint64_t>[]>(2 * d.capacity);
        d.values = std::make_unique<std::atomic<std::uint32_t>[]>(d.capacity);
    }
    coded_words_ = std::max(1u, (bit + 31) / 32);
}

std::uint32_t WordCoder::code_of_slow(unsigned p, std::uint32_t value) {
    Dict& d = dict_[p];
    std::uint64_t h = slot_of(d, value);
    for (;; h = (h + 1) & d.index_mask) {
        const std::uint64_t e = d.index[h].load(std::memory_order_acquire);
        if (!e) break;
        if (static_cast<std::uint32_t>(e >> 32) == value) return static_cast<std::uint32_t>(e) - 1;
    }
    std::lock_guard g(insert_mu_);
    for (h = slot_of(d, value);; h = (h + 1) & d.index_mask) {  // again: another thread may have won
        const std::uint64_t e = d.index[h].load(std::memory_order_acquire);
        if (!e) break;
        if (static_cast<std::uint32_t>(e >> 32) == value) return static_cast<std::uint32_t>(e) - 1;
    }
    if (d.count == d.capacity) {
        d.full = true;
        overflowed_.store(true, std::memory_order_relaxed);
        return kFull;
    }
    const std::uint32_t code = d.count++;
    d.values[code].store(value, std::memory_order_relaxed);
    d.index[h].store(static_cast<std::uint64_t>(value) << 32 | (code + 1), std::memory_order_release);
    return code;
}

// Bit i set: a[i] != b[i], for i < n <= 64.
std::uint64_t WordCoder::diff_mask(const std::uint32_t* a, const std::uint32_t* b, unsigned n) {
    std::uint64_t m = 0;
    unsigned i = 0;
#if defined(__SSE2__)
    for (; i + 4 <= n; i += 4) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
        const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
        const unsigned eq = static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, y))));
        m |= static_cast<std::uint64_t>(~eq & 0xf) << i;
    }
#endif
    for (; i < n; ++i) m |= static_cast<std::uint64_t>(a[i] != b[i]) << i;
    return m;
}

bool WordCoder::encode(const std::uint32_t* raw, const std::uint32_t* base_raw, const std::uint32_t* base_coded,
                       std::uint32_t* coded) {
    if (identity_) {
        std::memcpy(coded, raw, pos_.size() * 4);
        return true;
    }
    if (!base_raw) {
        std::memset(coded, 0, coded_words_ * 4);
        for (unsigned p = 0, n = raw_words(); p < n; ++p)
            if (!put(p, raw[p], coded)) return false;
        return true;
    }
    // A successor differs from its parent in a few positions: find them 64 at a time as a
    // bit mask (four words per compare) and look up only those.
    std::memcpy(coded, base_coded, coded_words_ * 4);
    for (unsigned r = 0, n = raw_words(); r < n; r += 64) {
        for (std::uint64_t diff = diff_mask(raw + r, base_raw + r, std::min(64u, n - r)); diff; diff &= diff - 1) {
            const unsigned p = r + static_cast<unsigned>(std::countr_zero(diff));
            if (!put(p, raw[p], coded)) return false;
        }
    }
    return true;
}

void WordCoder::decode(const std::uint32_t* coded, std::uint32_t* raw) const {
    if (identity_) {
        std::memcpy(raw, coded, pos_.size() * 4);
        return;
    }
    for (unsigned p = 0, n = raw_words(); p < n; ++p) {
        const Pos& q = pos_[p];
        const std::uint32_t code = (coded[q.word] >> q.shift) & q.mask;
        raw[p] = q.width == 32 ? code : dict_[p].values[code].load(std::memory_order_relaxed);
    }
}

std::vector<std::uint8_t> WordCoder::widened() const {
    std::vector<std::uint8_t> w = widths_;
    for (std::size_t p = 0; p < w.size(); ++p) {
        // Below 4 bits a position holds exactly the values it has (a flag, a block state: most
        // positions stay at 0-2 bits); from 4 bits on, a nearly full one is widened too (to
        // spare a pass), and by doubling.
        if (w[p] < 4 && dict_[p].full) w[p] = static_cast<std::uint8_t>(w[p] + 1);
        else if (w[p] >= 4 && w[p] < 32 && (dict_[p].full || dict_[p].count * 4 >= dict_[p].capacity * 3))
            w[p] = static_cast<std::uint8_t>(w[p] * 2);
    }
    return w;
}

std::size_t WordCoder::bytes() const {
    std::size_t n = 0;
    for (const Dict& d : dict_) n += d.capacity * 4 + (d.capacity ? 2 * d.capacity * 8 : 0);
    return n;
}

}  // namespace hp
