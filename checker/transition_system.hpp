// The seam between the explorer and any model: a C++20 concept. The explorer owns every
// table (visited set, parent links); the model only packs, unpacks, steps and checks.
#pragma once
#include <concepts>
#include <cstdint>

#include "invariants/invariant.hpp"

namespace hp {

enum class StepOutcome : std::uint8_t {
    DISABLED,   // the action is not possible in this state
    SKIPPED,    // its fault point was never reached: same as the fault-free action
    OK,         // a transition; check the target state
    VIOLATION,  // a transition that broke a transition property (filled in)
};

template <class M>
concept TransitionSystem = requires(M& m, const typename M::State& s, typename M::State& out, std::uint32_t* w,
                                    const std::uint32_t* cw, unsigned action, Violation* v) {
    { m.packed_words() } -> std::convertible_to<unsigned>;
    { m.initial() } -> std::same_as<typename M::State>;
    { m.action_count() } -> std::convertible_to<unsigned>;
    { m.pack(s, w) };
    { m.unpack(cw, out) };
    { m.check_state(s, v) } -> std::same_as<bool>;
    { m.step(s, action, out, v) } -> std::same_as<StepOutcome>;
};

}  // namespace hp
