// The hash both visited-set tables use for their 64-bit keys.
#pragma once
#include <cstdint>

namespace hp {

inline std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finalizer
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

}  // namespace hp
