#include "checker/word_coder.hpp"

#include <algorithm>
#include <cstring>

#include "checker/hash.hpp"

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
        d.index = std::make_unique<std::atomic<std::uint64_t>[]>(2 * d.capacity);
        d.values = std::make_unique<std::atomic<std::uint32_t>[]>(d.capacity);
    }
    coded_words_ = std::max(1u, (bit + 31) / 32);
}

std::uint32_t WordCoder::code_of(unsigned p, std::uint32_t value) {
    Dict& d = dict_[p];
    std::uint64_t h = mix64(value) & d.index_mask;
    for (;; h = (h + 1) & d.index_mask) {
        const std::uint64_t e = d.index[h].load(std::memory_order_acquire);
        if (!e) break;
        if (static_cast<std::uint32_t>(e >> 32) == value) return static_cast<std::uint32_t>(e) - 1;
    }
    std::lock_guard g(insert_mu_);
    for (h = mix64(value) & d.index_mask;; h = (h + 1) & d.index_mask) {  // again: another thread may have won
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

bool WordCoder::encode(const std::uint32_t* raw, const std::uint32_t* base_raw, const std::uint32_t* base_coded,
                       std::uint32_t* coded) {
    if (identity_) {
        std::memcpy(coded, raw, pos_.size() * 4);
        return true;
    }
    if (base_raw) std::memcpy(coded, base_coded, coded_words_ * 4);
    else std::memset(coded, 0, coded_words_ * 4);
    constexpr unsigned kRun = 8;  // a successor differs from its parent in a few runs of positions
    for (unsigned r = 0, n = raw_words(); r < n; r += kRun) {
        const unsigned e = std::min(n, r + kRun);
        if (base_raw) {
            std::uint32_t diff = 0;
            for (unsigned p = r; p < e; ++p) diff |= raw[p] ^ base_raw[p];
            if (!diff) continue;
        }
        for (unsigned p = r; p < e; ++p) {
            if (base_raw && raw[p] == base_raw[p]) continue;
            const Pos& q = pos_[p];
            std::uint32_t code = raw[p];
            if (q.width != 32 && (code = code_of(p, raw[p])) == kFull) return false;
            coded[q.word] = (coded[q.word] & ~(q.mask << q.shift)) | code << q.shift;
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
