// bench/toy.pml (the SPIN performance anchor) as a hpcheck transition system, so the
// explorer can be measured against SPIN on the same state space: 2 workers, each
// picking a section i, taking the lock, doing one section operation and releasing
// the lock (each step one atomic transition, as in the .pml).
//
// States are SPIN's: both program counters and both `i` are part of the state, so the
// counts match pan's exactly (NSEC = 6: 8,051,785 states, 19,602,512 transitions =
// pan's "transitions (= stored+matched)" minus the initial state, which pan counts as
// stored without a transition). The packed state is one 32-bit word for NSEC <= 6:
// each field at its real width (section states 2 bits, present/lo/hi 3, lock 1, pc 2,
// i 3), which is what the explorer's compression likes best.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>

#include "checker/transition_system.hpp"

namespace hp::bench {

class ToyModel {
public:
    static constexpr unsigned kMaxSec = 6;
    static constexpr std::uint8_t kNone = 255;  // lo/hi before any section went to state 2
    struct State {
        std::array<std::uint8_t, kMaxSec> sec{};
        std::uint8_t present = 0, lo = kNone, hi = kNone, lock = 0;
        std::array<std::uint8_t, 2> pc{}, i{};  // pc: 0 pick i, 1 take lock, 2 operate, 3 unlock
    };

    explicit ToyModel(unsigned nsec = kMaxSec) : nsec_(nsec) {
        if (nsec < 1 || nsec > kMaxSec) throw std::invalid_argument("toy model: 1..6 sections");
    }
    unsigned packed_words() const { return 1; }
    State initial() const { return State{}; }
    // Per worker: nsec picks, take lock, 5 operation branches, unlock.
    unsigned action_count() const { return 2 * per_proc(); }
    bool check_state(const State&, Violation*) const { return true; }  // the .pml asserts nothing

    StepOutcome step(const State& s, unsigned action, State& o, Violation*) const {
        const unsigned p = action / per_proc(), a = action % per_proc();
        const unsigned pc = s.pc[p];
        if (pc == 0) {
            if (a >= nsec_) return StepOutcome::DISABLED;
            o = s;
            o.i[p] = static_cast<std::uint8_t>(a);
            o.pc[p] = 1;
            return StepOutcome::OK;
        }
        if (pc == 1) {
            if (a != nsec_ || s.lock) return StepOutcome::DISABLED;
            o = s;
            o.lock = 1;
            o.pc[p] = 2;
            return StepOutcome::OK;
        }
        if (pc == 3) {
            if (a != nsec_ + 6) return StepOutcome::DISABLED;
            o = s;
            o.lock = 0;
            o.i[p] = 0;
            o.pc[p] = 0;
            return StepOutcome::OK;
        }
        if (a <= nsec_ || a > nsec_ + 5) return StepOutcome::DISABLED;
        const unsigned i = s.i[p], sec = s.sec[i];
        o = s;
        switch (a - nsec_ - 1) {
            case 0:
                if (sec != 0) return StepOutcome::DISABLED;
                o.sec[i] = 1;
                break;
            case 1:
                if (sec != 1) return StepOutcome::DISABLED;
                o.sec[i] = 2;
                ++o.present;
                if (i < s.lo) o.lo = static_cast<std::uint8_t>(i);
                if (i > s.hi || s.hi == kNone) o.hi = static_cast<std::uint8_t>(i);  // "hi" of 255 is "none"
                break;
            case 2:
                if (sec != 1) return StepOutcome::DISABLED;
                o.sec[i] = 3;
                ++o.present;
                break;
            case 3:
                if (sec < 2) return StepOutcome::DISABLED;
                o.sec[i] = 1;
                --o.present;
                break;
            case 4:
                if (sec != 1) return StepOutcome::DISABLED;
                o.sec[i] = 0;
                break;
        }
        o.pc[p] = 3;
        return StepOutcome::OK;
    }

    // Bit layout (low to high): sec 2 bits each, present 3, lo 3, hi 3, lock 1, pc 2+2, i 3+3.
    void pack(const State& s, std::uint32_t* w) const {
        std::uint32_t v = 0;
        unsigned at = 0;
        auto put = [&](unsigned value, unsigned bits) {
            v |= value << at;
            at += bits;
        };
        for (unsigned k = 0; k < kMaxSec; ++k) put(s.sec[k], 2);
        put(s.present, 3);
        put(small(s.lo), 3);
        put(small(s.hi), 3);
        put(s.lock, 1);
        put(s.pc[0], 2);
        put(s.pc[1], 2);
        put(s.i[0], 3);
        put(s.i[1], 3);
        w[0] = v;
    }
    void unpack(const std::uint32_t* w, State& s) const {
        std::uint32_t v = w[0];
        auto get = [&](unsigned bits) {
            const unsigned r = v & ((1u << bits) - 1);
            v >>= bits;
            return static_cast<std::uint8_t>(r);
        };
        for (unsigned k = 0; k < kMaxSec; ++k) s.sec[k] = get(2);
        s.present = get(3);
        s.lo = big(get(3));
        s.hi = big(get(3));
        s.lock = get(1);
        s.pc[0] = get(2);
        s.pc[1] = get(2);
        s.i[0] = get(3);
        s.i[1] = get(3);
    }

private:
    unsigned per_proc() const { return nsec_ + 7; }
    static unsigned small(std::uint8_t v) { return v == kNone ? 7 : v; }  // 0..5 or "none"
    static std::uint8_t big(unsigned v) { return v == 7 ? kNone : static_cast<std::uint8_t>(v); }
    unsigned nsec_;
};
static_assert(TransitionSystem<ToyModel>);

}  // namespace hp::bench
