// Explorer soundness: limits give "incomplete", never "pass"; a bounded search says so;
// the trace of a violation is a shortest one and replays to the same violation.
#include <doctest/doctest.h>

#include "tests/helpers.hpp"

using namespace hp;

TEST_CASE("every limit ends in INCOMPLETE, never PASS") {
    const Machine m = test::qemu_machine(3);
    const Variant& v = *find_variant("v6.1");
    Limits lim;
    lim.max_states = 10;
    ExploreResult r = test::explore_with(m, v, test::every_action(), {}, lim);
    CHECK(r.verdict == Verdict::INCOMPLETE);
    CHECK(r.incomplete_reason == "--max-states reached");
    lim = {};
    lim.max_seconds = 1e-9;
    r = test::explore_with(m, v, test::every_action(), {}, lim);
    CHECK(r.verdict == Verdict::INCOMPLETE);
    // --max-memory limits the process's resident memory: below what the process already
    // uses it stops at once (incomplete); far above it, the search completes.
    const std::size_t rss_mb = resident_bytes() >> 20;
    REQUIRE(rss_mb > 1);
    lim = {};
    lim.max_memory_mb = rss_mb / 2;
    r = test::explore_with(m, v, test::every_action(), {}, lim);
    CHECK(r.verdict == Verdict::INCOMPLETE);
    CHECK(r.incomplete_reason == "--max-memory reached");
    lim.max_memory_mb = rss_mb + 4096;
    CHECK(test::explore_with(m, v, test::every_action(), {}, lim).verdict == Verdict::PASS);
}

TEST_CASE("interrupt (Ctrl-C) gives INCOMPLETE") {
    g_interrupted = true;
    const ExploreResult r = test::explore_with(test::qemu_machine(2), *find_variant("v6.1"));
    g_interrupted = false;
    CHECK(r.verdict == Verdict::INCOMPLETE);
    CHECK(r.incomplete_reason == "interrupted");
}

TEST_CASE("a depth bound is reported as bounded, with the states left unexpanded") {
    Limits lim;
    lim.max_depth = 2;
    const ExploreResult r = test::explore_with(test::qemu_machine(2), *find_variant("v6.1"), test::every_action(), {}, lim);
    CHECK(r.verdict == Verdict::PASS);
    CHECK(r.depth == 2);
    CHECK(r.unexpanded_at_bound > 0);
    const ExploreResult full = test::explore_with(test::qemu_machine(2), *find_variant("v6.1"));
    CHECK(full.unexpanded_at_bound == 0);
    CHECK(full.states > r.states);
}

TEST_CASE("pack/unpack round-trips the states of a long random walk") {
    const Machine m = test::qemu_machine(3, 2);
    const Variant& v = *find_variant("v6.1");
    const auto actions = expand_alphabet(m, test::every_action(), {FaultKind::UNMOVABLE_PAGES});
    KernelState s = initial_state(m), back = initial_state(m);
    std::vector<std::uint32_t> w(packed_words(m));
    unsigned seed = 12345, enabled_steps = 0;
    for (int i = 0; i < 5000; ++i) {
        seed = seed * 1103515245 + 12345;
        const Action& a = actions[(seed >> 8) % actions.size()];
        if (!action_enabled(m, s, a)) continue;
        apply_action(m, v.ops, s, a);
        ++enabled_steps;
        pack(m, s, w.data());
        unpack(m, w.data(), back);
        REQUIRE(back == s);
    }
    CHECK(enabled_steps > 1000);
}

TEST_CASE("a fault choice is skipped without running exactly when it would not fire") {
    // KernelModel::step() skips a faulted action whose fault point the unfaulted run of the
    // same state never reached (FaultReach); check that against running it, on a random walk
    // over every fault kind, 2-block DIMMs (several visits of each point).
    const Machine m = test::qemu_machine(3, 2);
    const Variant& v = *find_variant("v6.1");
    const std::vector<FaultKind> faults{FaultKind::UNMOVABLE_PAGES, FaultKind::NOTIFIER_VETO_ONLINE,
                                        FaultKind::NOTIFIER_VETO_OFFLINE, FaultKind::SECTION_ENOMEM,
                                        FaultKind::MEMORY_BLOCK_ENOMEM};
    KernelModel model(m, v, expand_alphabet(m, test::every_action(), faults), select_invariants({}, "test"));
    KernelState s = initial_state(m), out = s, direct = s;
    Violation viol;
    unsigned seed = 4711, skipped = 0, fired = 0;
    for (int i = 0; i < 400; ++i) {
        for (unsigned a = 0; a < model.action_count(); ++a) {  // in alphabet order, as the explorer does
            const Action& act = model.action(a);
            const StepOutcome o = model.step(s, a, out, &viol);
            if (act.fault.kind == FaultKind::NONE || o == StepOutcome::DISABLED) continue;
            direct = s;
            const bool fires = apply_action(m, v.ops, direct, act).fault_fired;
            CHECK(fires == (o != StepOutcome::SKIPPED));
            ++(fires ? fired : skipped);
        }
        for (int tries = 0; tries < 100; ++tries) {  // one random enabled unfaulted step
            seed = seed * 1103515245 + 12345;
            const Action& a = model.action((seed >> 8) % model.action_count());
            if (a.fault.kind != FaultKind::NONE || !action_enabled(m, s, a)) continue;
            apply_action(m, v.ops, s, a);
            break;
        }
    }
    CHECK(skipped > 100);
    CHECK(fired > 100);
}

TEST_CASE("state counts grow with the number of DIMMs") {
    std::uint64_t prev = 0;
    for (unsigned d = 1; d <= 3; ++d) {
        const ExploreResult r = test::explore_with(test::qemu_machine(d), *find_variant("v6.1"));
        CHECK(r.verdict == Verdict::PASS);
        CHECK(r.states > prev);
        prev = r.states;
    }
}

TEST_CASE("a violating trace replays step by step to the same violation") {
    Variant v = test::mutant("no-shrink");
    v.ops.shrink_zone_span = [](Kernel&, int, unsigned, pfn_t, pfn_t) {};
    const Machine m = test::qemu_machine(2);
    KernelModel model(m, v, expand_alphabet(m, test::every_action(), {}), select_invariants({}, "t"));
    const ExploreResult r = explore(model, Limits{});
    REQUIRE(r.verdict == Verdict::VIOLATION);
    std::vector<Action> actions;
    for (unsigned a : r.trace) actions.push_back(model.action(a));
    const auto steps = replay_trace(m, v, actions);
    REQUIRE(steps.size() == actions.size());
    Violation again;
    CHECK_FALSE(model.check_state(steps.back().after, &again));
    CHECK(again.invariant == r.violation->invariant);
    CHECK(again.detail == r.violation->detail);
    // Narrative: the kernel functions that ran are named.
    bool saw_shrink_caller = false;
    for (const auto& e : steps.back().log.entries) saw_shrink_caller |= e.text == "remove_pfn_range_from_zone";
    CHECK(saw_shrink_caller);
}
