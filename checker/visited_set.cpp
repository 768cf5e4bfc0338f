#include "checker/visited_set.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <thread>
#include <unistd.h>

#include "checker/hash.hpp"
#include "checker/process_memory.hpp"

namespace hp {

std::size_t resident_bytes() { return process_rss_bytes(); }  // one reader of /proc/self/statm

namespace {
// A test-and-test-and-set spin lock: critical sections are a few probes long.
struct SpinGuard {
    std::atomic<bool>* l;
    explicit SpinGuard(std::atomic<bool>& lock, bool take) : l(take ? &lock : nullptr) {
        if (!l) return;
        while (l->exchange(true, std::memory_order_acquire))
            while (l->load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    ~SpinGuard() {
        if (l) l->store(false, std::memory_order_release);
    }
};
}  // namespace

SharedPairTable::SharedPairTable(bool single_words, bool keyed) : single_(single_words), keyed_(keyed) {
    for (Segment& s : segs_) {
        s.pub_slots.store(s.slots.data());
        s.pub_mask.store(s.mask);
    }
}

std::uint64_t SharedPairTable::hash_of(std::uint32_t a, std::uint32_t b) {
    return mix64(static_cast<std::uint64_t>(a) << 32 | b);
}

// A word set hashes the word alone (intern_word()); before session 8 this hashed (w, 0) as
// a pair, so every prefetch of the toy's word set loaded a line the lookup never read.
void SharedPairTable::prefetch(std::uint32_t a, std::uint32_t b, bool entry) const {
    prefetch_hashed(single_ ? mix64(a) : hash_of(a, b), entry);
}

void SharedPairTable::prefetch_hashed(std::uint64_t hash, bool entry) const {
    const Segment& s = segs_[hash >> (64 - kSegBits)];
    const std::uint32_t* slots = s.pub_slots.load(std::memory_order_relaxed);
    const std::uint64_t h = hash & s.pub_mask.load(std::memory_order_relaxed);
    if (single_) {  // the word is in the slot: nothing behind it
        if (!entry) __builtin_prefetch(slots + h);
        return;
    }
    if (!entry || concurrent_) {
        __builtin_prefetch(slots + h);
        return;
    }
    if (const std::uint32_t slot = slots[h]) __builtin_prefetch(slot_of(s, (slot & kLocalMask) - 1));
}

const std::uint64_t* SharedPairTable::slot_of(const Segment& s, std::uint32_t local) {
    const std::uint32_t x = local + (1u << kChunk0Bits);
    const unsigned k = std::bit_width(x) - 1 - kChunk0Bits;
    return &s.chunks[k][x - ((1u << kChunk0Bits) << k)];
}
std::uint64_t* SharedPairTable::slot_of(Segment& s, std::uint32_t local) {
    return const_cast<std::uint64_t*>(slot_of(static_cast<const Segment&>(s), local));
}

bool SharedPairTable::may_grow(Segment& s) {
    const std::size_t extra = s.slots.size() * 8;  // the doubled index, while the old one is still alive
    if (budget_ && resident_bytes() + extra > budget_) {
        // Do not pass the limit: fill the index further and let the explorer stop.
        exhausted_.store(true, std::memory_order_relaxed);
        if (s.size * 16 < s.slots.size() * 15) return false;  // room left at load <= 15/16
    }
    return true;
}

void SharedPairTable::grow(Segment& s) {
    if (!may_grow(s)) return;
    HugeVector<std::uint32_t> bigger(s.slots.size() * 2, 0);
    const std::uint64_t mask = bigger.size() - 1;
    if (single_) {
        for (const std::uint32_t w : s.slots) {
            if (!w) continue;
            std::uint64_t h = mix64(w) & mask;
            while (bigger[h]) h = (h + 1) & mask;
            bigger[h] = w;
        }
    } else {
        for (std::uint32_t i = 0; i < s.size; ++i) {
            const std::uint64_t hash = mix64(*slot_of(s, i));
            std::uint64_t h = hash & mask;
            while (bigger[h]) h = (h + 1) & mask;
            bigger[h] = pair_slot(hash, i);
        }
    }
    s.slots.swap(bigger);
    s.mask = mask;
    s.pub_slots.store(s.slots.data(), std::memory_order_relaxed);
    s.pub_mask.store(mask, std::memory_order_relaxed);
}

std::uint32_t SharedPairTable::intern_pair(std::uint32_t a, std::uint32_t b, std::uint64_t hash, bool& inserted,
                                           std::uint64_t key) {
    const std::uint64_t pair = static_cast<std::uint64_t>(a) << 32 | b;
    const unsigned seg = static_cast<unsigned>(hash >> (64 - kSegBits));
    Segment& s = segs_[seg];
    SpinGuard guard(s.lock, concurrent_);
    std::uint64_t h = hash & s.mask;
    const std::uint32_t tag = pair_slot(hash, 0) & ~kLocalMask;
    while (std::uint32_t slot = s.slots[h]) {
        // Only an entry whose hash bits match is read: most collisions cost no cache miss.
        if ((slot & ~kLocalMask) == tag && *slot_of(s, (slot & kLocalMask) - 1) == pair) {
            inserted = false;
            const std::uint32_t local = (slot & kLocalMask) - 1;
            if (keyed_ && local >= s.level_base && key < s.level_keys[local - s.level_base])
                s.level_keys[local - s.level_base] = key;
            return seg << kLocalBits | local;
        }
        h = (h + 1) & s.mask;
    }
    const std::uint32_t local = s.size;
    if (local >= kLocalMask) throw std::length_error("visited set: a segment is full (2^28 - 1 entries)");
    const std::uint32_t x = local + (1u << kChunk0Bits);
    const unsigned k = std::bit_width(x) - 1 - kChunk0Bits;
    if (!s.chunks[k]) s.chunks[k] = std::make_unique<std::uint64_t[]>(std::size_t{1u << kChunk0Bits} << k);
    *slot_of(s, local) = pair;
    s.slots[h] = pair_slot(hash, local);
    ++s.size;
    if (keyed_) s.level_keys.push_back(key);
    inserted = true;
    if (s.size * 8 > s.slots.size() * 5) grow(s);  // load factor <= 5/8
    return seg << kLocalBits | local;
}

// The level index of a word set: open addressing over positions in level_words (+1, 0 =
// empty), at most half full. Returns the slot holding `w`, or the empty slot it would take.
std::uint32_t* SharedPairTable::level_slot(Segment& s, std::uint32_t w) const {
    const std::size_t mask = s.level_index.size() - 1;
    for (std::size_t h = mix64(w) & mask;; h = (h + 1) & mask) {
        std::uint32_t& e = s.level_index[h];
        if (!e || s.level_words[e - 1] == w) return &e;
    }
}

void SharedPairTable::index_level_word(Segment& s, std::uint32_t pos) const {
    if (s.level_words.size() * 2 > s.level_index.size()) {  // rebuild twice as large
        s.level_index.assign(std::max<std::size_t>(64, s.level_index.size() * 2), 0);
        for (std::uint32_t p = 0; p + 1 < s.level_words.size(); ++p) *level_slot(s, s.level_words[p]) = p + 1;
    }
    *level_slot(s, s.level_words[pos]) = pos + 1;
}

std::uint32_t SharedPairTable::intern_word(std::uint32_t w, bool& inserted, std::uint64_t key) {
    const std::uint64_t hash = mix64(w);
    Segment& s = segs_[hash >> (64 - kSegBits)];
    SpinGuard guard(s.lock, concurrent_);
    std::uint64_t h = hash & s.mask;
    bool seen = w == 0 && s.has_zero;
    if (w != 0)
        for (; s.slots[h] && !seen; h = (h + 1) & s.mask) seen = s.slots[h] == w;
    if (seen) {
        inserted = false;
        if (!keys_increasing_ && !s.level_index.empty())  // new in this level: keep the smallest key
            if (const std::uint32_t pos = *level_slot(s, w); pos && key < s.level_keys[pos - 1]) s.level_keys[pos - 1] = key;
        return w;
    }
    if (s.size == ~0u) throw std::length_error("visited set: a segment is full (2^32 words)");
    if (w == 0) s.has_zero = true;
    else s.slots[h] = w;
    ++s.size;
    inserted = true;
    if (keys_increasing_) {
        ordered_.emplace_back(key, w);
    } else {
        s.level_keys.push_back(key);
        s.level_words.push_back(w);
        index_level_word(s, static_cast<std::uint32_t>(s.level_words.size() - 1));
    }
    if (s.size * 8 > s.slots.size() * 5) grow(s);  // load factor <= 5/8
    return w;
}

unsigned SharedPairTable::segment_of_word(std::uint32_t w) { return static_cast<unsigned>(mix64(w) >> (64 - kSegBits)); }

std::uint32_t SharedPairTable::intern_word_owned(std::uint32_t w, bool& inserted) {
    Segment& s = segs_[segment_of_word(w)];
    std::uint64_t h = mix64(w) & s.mask;
    bool seen = w == 0 && s.has_zero;
    if (w != 0)
        for (; s.slots[h] && !seen; h = (h + 1) & s.mask) seen = s.slots[h] == w;
    inserted = !seen;
    if (seen) return w;  // offered before with a smaller key (keys come in increasing order)
    if (s.size == ~0u) throw std::length_error("visited set: a segment is full (2^32 words)");
    if (w == 0) s.has_zero = true;
    else s.slots[h] = w;
    ++s.size;
    if (s.size * 8 > s.slots.size() * 5) grow(s);
    return w;
}

std::uint64_t SharedPairTable::word_key_of(std::uint32_t w) const {
    for (const auto& [key, word] : ordered_)
        if (word == w) return key;
    Segment& s = const_cast<Segment&>(segs_[mix64(w) >> (64 - kSegBits)]);
    if (!s.level_index.empty()) {
        const std::uint32_t pos = *level_slot(s, w);
        return pos ? s.level_keys[pos - 1] : ~0ull;
    }
    for (std::size_t p = 0; p < s.level_words.size(); ++p)  // keys in increasing order: no index kept
        if (s.level_words[p] == w) return s.level_keys[p];
    return ~0ull;
}

std::size_t SharedPairTable::size() const {
    std::size_t n = 0;
    for (const Segment& s : segs_) n += s.size;
    return n;
}

std::size_t SharedPairTable::bytes() const {
    std::size_t n = 0;
    for (const Segment& s : segs_) {
        n += s.slots.capacity() * 4 + s.level_keys.capacity() * 8 + s.level_words.capacity() * 4 +
             s.level_index.capacity() * 4;
        for (unsigned k = 0; k < kChunks && s.chunks[k]; ++k) n += (std::size_t{8} << kChunk0Bits) << k;
    }
    return n + ordered_.capacity() * sizeof(ordered_[0]);
}

void SharedPairTable::begin_level() {
    ordered_.clear();
    for (Segment& s : segs_) {
        s.level_base = s.size;
        s.level_keys.clear();
        s.level_words.clear();
        s.level_index.clear();  // rebuilt on a level's first word when keys are not offered in order
    }
}

void SharedPairTable::new_entries(std::vector<std::pair<std::uint64_t, std::uint32_t>>& out) const {
    // Each segment's entries are nearly in key order already (exactly, with one thread:
    // keys grow as the level is expanded), so sort each run if needed and merge the runs.
    if (single_ && keys_increasing_) {
        out.insert(out.end(), ordered_.begin(), ordered_.end());
        return;
    }
    std::vector<std::size_t> runs{out.size()};
    for (unsigned g = 0; g < kSegments; ++g) {
        const Segment& s = segs_[g];
        if (single_)
            for (std::size_t i = 0; i < s.level_words.size(); ++i) out.emplace_back(s.level_keys[i], s.level_words[i]);
        else
            for (std::uint32_t i = s.level_base; i < s.size; ++i)
                out.emplace_back(s.level_keys[i - s.level_base], g << kLocalBits | i);
        if (!std::is_sorted(out.begin() + runs.back(), out.end())) std::sort(out.begin() + runs.back(), out.end());
        runs.push_back(out.size());
    }
    for (std::size_t width = 1; width < kSegments; width *= 2)
        for (std::size_t r = 0; r + width < kSegments; r += 2 * width)
            std::inplace_merge(out.begin() + runs[r], out.begin() + runs[r + width],
                               out.begin() + runs[std::min<std::size_t>(r + 2 * width, kSegments)]);
}

VisitedSet::VisitedSet(unsigned words) : words_(words), leaves_(2), nodes_(false, false), roots_(words == 1) {
    while (leaves_ < words) leaves_ *= 2;
    unsigned off = 0;
    for (unsigned n = leaves_ / 2; n >= 2; n /= 2) {
        level_off_.push_back(off);
        off += n;
    }
    tree_size_ = off;
}

std::pair<std::uint32_t, bool> VisitedSet::insert(const std::uint32_t* w, const std::uint32_t* bw,
                                                  const std::uint32_t* bt, std::uint32_t* t, std::uint64_t key,
                                                  std::uint64_t& lookups) {
    bool ins;
    if (leaves_ == 2) {
        const std::uint32_t id = roots_.intern(w[0], w[1], ins, key);
        return {id, ins};
    }
    const unsigned levels = static_cast<unsigned>(level_off_.size());
    const unsigned top = level_off_.back();
    unsigned dirty[2][64];
    unsigned nd = 0;
    if (bt) {
        // Start from the base's tree; re-intern only the paths above changed word pairs.
        std::memcpy(t, bt, tree_size_ * 4);
        for (unsigned j = 0, n = leaves_ / 2; j < n; ++j) {
            if (w[2 * j] == bw[2 * j] && w[2 * j + 1] == bw[2 * j + 1]) continue;
            if (nd == 64) {
                bt = nullptr;  // many changes: rebuild
                break;
            }
            t[j] = nodes_.intern(w[2 * j], w[2 * j + 1], ins);
            ++lookups;
            dirty[0][nd++] = j;
        }
    }
    if (!bt) {  // full build, level by level
        for (unsigned j = 0, n = leaves_ / 2; j < n; ++j) t[j] = nodes_.intern(w[2 * j], w[2 * j + 1], ins);
        for (unsigned l = 1; l < levels; ++l) {
            const unsigned below = level_off_[l - 1], here = level_off_[l], n = (leaves_ / 2) >> l;
            for (unsigned j = 0; j < n; ++j) t[here + j] = nodes_.intern(t[below + 2 * j], t[below + 2 * j + 1], ins);
        }
        lookups += tree_size_;
    } else {
        unsigned* cur = dirty[0];
        for (unsigned l = 1; l < levels && nd; ++l) {
            unsigned* next = dirty[l & 1];
            unsigned nn = 0;
            const unsigned below = level_off_[l - 1], here = level_off_[l];
            for (unsigned i = 0; i < nd; ++i) {
                const unsigned j = cur[i] / 2;
                if (nn && next[nn - 1] == j) continue;  // both children dirty: once
                next[nn++] = j;
                t[here + j] = nodes_.intern(t[below + 2 * j], t[below + 2 * j + 1], ins);
                ++lookups;
            }
            cur = next;
            nd = nn;
        }
    }
    const std::uint32_t id = roots_.intern(t[top], t[top + 1], ins, key);
    return {id, ins};
}

void VisitedSet::insert_batch(InsertJob* jobs, unsigned n, std::uint64_t& lookups) {
    // Per tree level, every lookup of the batch is first prefetched, then its slot peeked
    // at (to prefetch the pair), then interned; a job's next level needs this level's ids.
    bool ins;
    if (leaves_ == 2) {
        for (unsigned k = 0; k < n; ++k) roots_.prefetch(jobs[k].words[0], jobs[k].words[1], false);
        for (unsigned k = 0; k < n; ++k) roots_.prefetch(jobs[k].words[0], jobs[k].words[1], true);
        for (unsigned k = 0; k < n; ++k) {
            InsertJob& j = jobs[k];
            j.root = roots_.intern(j.words[0], j.words[1], j.inserted, j.key);
        }
        return;
    }
    // Level 0: the word pairs that differ from the base.
    for (unsigned k = 0; k < n; ++k) {
        InsertJob& j = jobs[k];
        j.done = false;
        j.nd = 0;
        if (!j.base_words) {
            std::tie(j.root, j.inserted) = insert(j.words, nullptr, nullptr, j.tree, j.key, lookups);
            j.done = true;
            continue;
        }
        std::memcpy(j.tree, j.base_tree, tree_size_ * 4);
        for (unsigned p = 0, np = leaves_ / 2; p < np; ++p) {
            if (j.words[2 * p] == j.base_words[2 * p] && j.words[2 * p + 1] == j.base_words[2 * p + 1]) continue;
            if (j.nd == 64) {
                std::tie(j.root, j.inserted) = insert(j.words, nullptr, nullptr, j.tree, j.key, lookups);
                j.done = true;
                break;
            }
            j.dirty[j.nd++] = p;
        }
    }
    const unsigned levels = static_cast<unsigned>(level_off_.size());
    for (unsigned l = 0; l < levels; ++l) {
        const unsigned here = level_off_[l], below = l ? level_off_[l - 1] : 0;
        auto pair_at = [&](const InsertJob& j, unsigned p) {
            return l == 0 ? std::pair{j.words[2 * p], j.words[2 * p + 1]}
                          : std::pair{j.tree[below + 2 * p], j.tree[below + 2 * p + 1]};
        };
        for (unsigned k = 0; k < n; ++k) {
            InsertJob& j = jobs[k];
            if (j.done) continue;
            for (unsigned i = 0; i < j.nd; ++i) {
                const auto [a, b] = pair_at(j, j.dirty[i]);
                j.hash[i] = SharedPairTable::hash_of(a, b);
                nodes_.prefetch_hashed(j.hash[i], false);
            }
        }
        for (unsigned k = 0; k < n; ++k)
            if (!jobs[k].done)
                for (unsigned i = 0; i < jobs[k].nd; ++i) nodes_.prefetch_hashed(jobs[k].hash[i], true);
        for (unsigned k = 0; k < n; ++k) {
            InsertJob& j = jobs[k];
            if (j.done) continue;
            unsigned nn = 0;
            for (unsigned i = 0; i < j.nd; ++i) {
                const unsigned p = j.dirty[i];
                const auto [a, b] = pair_at(j, p);
                j.tree[here + p] = nodes_.intern_hashed(a, b, j.hash[i], ins);
                ++lookups;
                if (nn && j.dirty[nn - 1] == p / 2) continue;  // both children dirty: the parent once
                j.dirty[nn++] = p / 2;  // in place: nn <= i + 1, entries below are already read
            }
            j.nd = nn;
        }
    }
    const unsigned top = level_off_.back();
    for (unsigned k = 0; k < n; ++k)
        if (!jobs[k].done) {
            jobs[k].hash[0] = SharedPairTable::hash_of(jobs[k].tree[top], jobs[k].tree[top + 1]);
            roots_.prefetch_hashed(jobs[k].hash[0], false);
        }
    for (unsigned k = 0; k < n; ++k)
        if (!jobs[k].done) roots_.prefetch_hashed(jobs[k].hash[0], true);
    for (unsigned k = 0; k < n; ++k) {
        InsertJob& j = jobs[k];
        if (!j.done) j.root = roots_.intern_hashed(j.tree[top], j.tree[top + 1], j.hash[0], j.inserted, j.key);
    }
}

void VisitedSet::get(std::uint32_t id, std::uint32_t* w, std::uint32_t* t) const {
    const auto [ra, rb] = roots_.at(id);
    if (leaves_ == 2) {
        w[0] = ra;
        w[1] = rb;
        return;
    }
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

}  // namespace hp
