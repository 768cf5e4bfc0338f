// The value domain the kernel model is written in.
//
// The kernel model (spec/ops, spec/variants, invariants, and the machine/state types they
// use) is written once against a handful of value types, the way the kernel is written
// against u64 / unsigned long:
//
//   u8 u16 u32 u64 i64 pfn_t   integers of those widths
//   flag                       a truth value computed from them
//
// hpcheck compiles that source twice (CMakeLists.txt: the `hpsym` library):
//   - concrete (namespace hp::concrete, inline, so `hp::Kernel` means it): the types are
//     the C++ integers. This is what the explorer, the reporters and the conformance
//     replay run.
//   - symbolic (namespace hp::sym, HP_SYMBOLIC=1): the types are bit-vector terms (the
//     model's own hash-consed DAG, spec/symbolic/term.hpp, with Z3's semantics and turned
//     into Z3 terms where a solver needs them) of the same width with the same wrap-around
//     arithmetic, and turning a `flag` into a C++ bool (an `if`, a loop condition, `&&`)
//     asks the current decider which way to go (spec/symbolic/value.hpp). This is what
//     `hpcheck prove` runs.
// So the prover proves the very functions the explorer runs: there is no second copy of
// any kernel path. Code that must differ between the two (fast lookup tables, string
// formatting of values) is marked with `if constexpr (kSymbolic)` or HP_SYMBOLIC.
#pragma once
#include <cstdint>

#if HP_SYMBOLIC
#include "spec/symbolic/value.hpp"
#define HP_DOMAIN sym
namespace hp::sym {
using u8 = symbolic::UInt<8>;
using u16 = symbolic::UInt<16>;
using u32 = symbolic::UInt<32>;
using u64 = symbolic::Word;
using i64 = symbolic::Word;  // only ever cast and added (two's complement), never compared
using pfn_t = symbolic::Word;
using flag = symbolic::Flag;
inline constexpr bool kSymbolic = true;
// Messages name values only in the explorer; the prover replays every counterexample
// there, so a symbolic message says which field, not which value.
inline const char* zone_name(const symbolic::Word&) { return "(zone)"; }
inline const char* block_state_name(const symbolic::Word&) { return "(state)"; }
inline const char* online_type_name(const symbolic::Word&) { return "(online type)"; }
}  // namespace hp::sym
#else
#define HP_DOMAIN concrete
namespace hp {
inline namespace concrete {
using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i64 = std::int64_t;
using pfn_t = std::uint64_t;
using flag = bool;
inline constexpr bool kSymbolic = false;
}  // namespace concrete
}  // namespace hp
#endif

namespace hp::HP_DOMAIN {

// a && b / a || b without a decision: a symbolic flag stays one term (fewer paths).
#if HP_SYMBOLIC
using symbolic::flag_and;  // spec/symbolic/value.hpp: one term, folded when a side is known
using symbolic::flag_or;
#else
inline flag flag_and(flag a, flag b) { return a && b; }
inline flag flag_or(flag a, flag b) { return a || b; }
#endif

// __builtin_popcount() of the low `bits` bits.
template <class V>
auto popcount(const V& v, unsigned bits) {
    if constexpr (kSymbolic) {
        u64 n = 0;
        for (unsigned i = 0; i < bits; ++i) n += (v >> i) & 1;
        return n;
    } else {
        return static_cast<u64>(__builtin_popcountll(static_cast<std::uint64_t>(v) & ((1ull << bits) - 1)));
    }
}

// A value the model stores but uses as an array index or a switch label (a zone index
// decoded from a struct page, the block whose altmap backs a memmap). Concretely it is
// the value; symbolically the executor picks one of [0, limit) or `other` (the value is
// none of them), so the code after it indexes arrays with a plain integer.
template <class V>
unsigned as_index(const V& v, unsigned limit, unsigned other) {
    if constexpr (kSymbolic) {
        for (unsigned i = 0; i < limit; ++i)
            if (v == i) return i;
        return other;
    } else {
        (void)limit;
        (void)other;
        return static_cast<unsigned>(v);
    }
}

}  // namespace hp::HP_DOMAIN
