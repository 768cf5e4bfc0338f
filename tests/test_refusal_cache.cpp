// Refusals answered from their precondition (KernelModel::RefusalCache, issue 12 item 3):
// memory_block_state_store_refusal() (spec/ops/acpi.cpp) must agree with the full write
// wherever the explorer uses it, and using it must change no verdict, count, counter or trace.
// CHECK runs the full write beside every answer and throws where they differ.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "tests/helpers.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {
void require_same(const RunResult& a, const RunResult& b) {
    CHECK(verdict_name(a.explore.verdict) == std::string(verdict_name(b.explore.verdict)));
    CHECK(a.explore.incomplete_reason == b.explore.incomplete_reason);
    CHECK(a.explore.states == b.explore.states);
    CHECK(a.explore.transitions == b.explore.transitions);
    CHECK(a.explore.depth == b.explore.depth);
    CHECK(a.explore.trace == b.explore.trace);
    CHECK(a.trace == b.trace);
    CHECK(a.counters.ok == b.counters.ok);
    CHECK(a.counters.refused == b.counters.refused);
    CHECK(a.counters.fired == b.counters.fired);
    CHECK(a.warnings == b.warnings);
    CHECK(a.explore.violation.has_value() == b.explore.violation.has_value());
    if (a.explore.violation && b.explore.violation) {
        CHECK(a.explore.violation->invariant == b.explore.violation->invariant);
        CHECK(a.explore.violation->detail == b.explore.violation->detail);
    }
}

struct Counted {
    ExploreResult r;
    KernelModel::Counters c;
    std::uint64_t answered = 0;
};
Counted explore_mode(const Machine& m, const Variant& v, const std::vector<FaultKind>& faults, KernelModel::RefusalCache mode) {
    KernelModel model(m, v, expand_alphabet(m, test::every_action(), faults), select_invariants({}, "test"));
    model.set_refusal_cache(mode);
    Limits lim;
    lim.threads = 1;
    Counted out;
    out.r = explore(model, lim);
    out.c = model.counters();
    out.answered = model.refusals_answered();
    return out;
}

const std::vector<FaultKind> kEveryFault{FaultKind::UNMOVABLE_PAGES,       FaultKind::NOTIFIER_VETO_ONLINE,
                                         FaultKind::NOTIFIER_VETO_OFFLINE, FaultKind::SECTION_ENOMEM,
                                         FaultKind::MEMORY_BLOCK_ENOMEM,   FaultKind::NOTIFIER_VETO_PREPARE_ONLINE};
}  // namespace

TEST_CASE("every suite scenario: the refusal cache, checked against the full write, changes no result") {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(HPCHECK_SOURCE_DIR) / "spec" / "scenarios"))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 20);
    for (const fs::path& f : files) {
        CAPTURE(f.filename().string());
        const Scenario sc = load_scenario(f.string());
        RunOptions opt;
        opt.limits.threads = 1;
        opt.refusal_cache = KernelModel::RefusalCache::OFF;
        const RunResult full = run_scenario(sc, opt);
        opt.refusal_cache = KernelModel::RefusalCache::CHECK;  // throws where an answer is wrong
        RunResult checked;
        CHECK_NOTHROW(checked = run_scenario(sc, opt));
        require_same(full, checked);
    }
}

TEST_CASE("every variant, every fault: refusals answered from the precondition agree with the full write") {
    for (const Variant& v : all_variants())
        for (const Machine& m : {test::qemu_machine(3, 1), test::qemu_machine(1, 2)}) {
            CAPTURE(v.name);
            CAPTURE(m.blocks.size());
            const Counted full = explore_mode(m, v, kEveryFault, KernelModel::RefusalCache::OFF);
            Counted checked;
            CHECK_NOTHROW(checked = explore_mode(m, v, kEveryFault, KernelModel::RefusalCache::CHECK));
            CHECK(full.answered == 0);
            CHECK(verdict_name(full.r.verdict) == std::string(verdict_name(checked.r.verdict)));
            CHECK(full.r.states == checked.r.states);
            CHECK(full.r.transitions == checked.r.transitions);
            CHECK(full.r.trace == checked.r.trace);
            CHECK(full.c.ok == checked.c.ok);
            CHECK(full.c.refused == checked.c.refused);
            CHECK(full.c.fired == checked.c.fired);
        }
}

TEST_CASE("the precondition answers only while the variant keeps state_store()") {
    const Machine m = test::qemu_machine(2);
    const Counted base = explore_mode(m, *find_variant("v6.1"), {FaultKind::UNMOVABLE_PAGES}, KernelModel::RefusalCache::USE);
    CHECK(base.answered > 0);
    // A variant whose state_store() refuses every write: the explorer must run it.
    Variant v = test::mutant("refuse-every-write");
    v.ops.memory_block_state_store = [](Kernel& k, unsigned b, OnlineType) {
        return k.s.blocks[b].state == BLOCK_ABSENT ? -ENODEV : -EPERM;
    };
    const Counted own = explore_mode(m, v, {FaultKind::UNMOVABLE_PAGES}, KernelModel::RefusalCache::USE);
    CHECK(own.answered == 0);
    CHECK(own.c.ok[static_cast<int>(ActionKind::ONLINE)] == 0);
    CHECK(own.c.ok[static_cast<int>(ActionKind::OFFLINE)] == 0);
}

TEST_CASE("memory_block_state_store_refusal(): only the writes device_online()/device_offline() turn away at once") {
    const Machine m = test::qemu_machine(1);
    KernelState s = initial_state(m);
    BlockState& mem = s.blocks[0];
    mem.state = BLOCK_ABSENT;
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_ONLINE) == -ENODEV);
    mem.state = MEM_OFFLINE;
    mem.online_type = MMOP_OFFLINE;
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_OFFLINE) == -EINVAL);
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_ONLINE_MOVABLE) == 0);  // runs memory_block_online()
    mem.state = MEM_ONLINE;
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_OFFLINE) == 0);  // runs memory_block_offline()
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_ONLINE) == 0);   // stores mem->online_type: a change
    mem.online_type = MMOP_ONLINE;
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_ONLINE) == -EINVAL);
    CHECK(base::memory_block_state_store_refusal(s, 0, MMOP_ONLINE_KERNEL) == 0);
}

namespace {
// Run `a` on `s` in full (no shortcut), for building test states.
void run(const Machine& m, KernelState& s, ActionKind kind, unsigned target, Fault f = {}) {
    const StepResult r = apply_action(m, find_variant("v6.1")->ops, s, Action{kind, static_cast<std::uint8_t>(target), 1, f});
    REQUIRE(r.rc == 0);
}
}  // namespace

TEST_CASE("memory_block_offline_refusal(): no zone, unmovable pages in a kernel zone, a MEM_GOING_OFFLINE veto") {
    const Machine m = test::qemu_machine(2);
    KernelState s = initial_state(m);
    run(m, s, ActionKind::DIMM_ADD, 0);
    run(m, s, ActionKind::DIMM_ADD, 1);
    run(m, s, ActionKind::ONLINE_KERNEL, 0);
    run(m, s, ActionKind::ONLINE_MOVABLE, 1);
    const Fault none{}, unmovable0{FaultKind::UNMOVABLE_PAGES, 0}, unmovable1{FaultKind::UNMOVABLE_PAGES, 1},
        veto{FaultKind::NOTIFIER_VETO_OFFLINE, 0}, veto1{FaultKind::NOTIFIER_VETO_OFFLINE, 1};
    // Without a fault an online block goes offline: run it.
    CHECK(base::memory_block_offline_refusal(m, s, 0, none).rc == 0);
    CHECK(base::memory_block_offline_refusal(m, s, 1, none).rc == 0);
    const base::Refusal busy = base::memory_block_offline_refusal(m, s, 0, unmovable0);
    CHECK(busy.rc == -EBUSY);
    CHECK(busy.fault_fired);
    CHECK(base::memory_block_offline_refusal(m, s, 0, unmovable1).rc == 0);  // the pages are in another block
    CHECK(base::memory_block_offline_refusal(m, s, 1, unmovable1).rc == 0);  // ZONE_MOVABLE: never unmovable
    CHECK(base::memory_block_offline_refusal(m, s, 1, veto).rc == -EBUSY);
    CHECK(base::memory_block_offline_refusal(m, s, 1, veto1).rc == 0);       // a later visit: not this call's
    // A block without mem->zone: -EINVAL before any fault point.
    KernelState nozone = s;
    nozone.blocks[0].zone = NO_ZONE;
    const base::Refusal inval = base::memory_block_offline_refusal(m, nozone, 0, unmovable0);
    CHECK(inval.rc == -EINVAL);
    CHECK_FALSE(inval.fault_fired);
    // A read that observes (an uninitialized struct page) is for the full path to report.
    KernelState poisoned = s;
    poisoned.blocks[0].memmap_rest = Memmap::POISONED;
    CHECK(base::memory_block_offline_refusal(m, poisoned, 0, unmovable0).rc == 0);
    // device_offline_refusal(): only an online block reaches memory_block_offline().
    CHECK(base::device_offline_refusal(m, s, 0, unmovable0).rc == -EBUSY);
    run(m, s, ActionKind::OFFLINE, 0);
    CHECK(base::device_offline_refusal(m, s, 0, unmovable0).rc == 0);
}

TEST_CASE("acpi_memory_device_eject_refusal(): only when no block of the DIMM can go offline") {
    const Machine m = test::qemu_machine(1, 2);
    KernelState s = initial_state(m);
    run(m, s, ActionKind::DIMM_ADD, 0);
    const Fault unmovable0{FaultKind::UNMOVABLE_PAGES, 0};
    // Nothing online: the eject removes the memory.
    CHECK(base::acpi_memory_device_eject_refusal(m, s, 0, unmovable0).rc == 0);
    run(m, s, ActionKind::ONLINE_KERNEL, 0);
    const base::Refusal r = base::acpi_memory_device_eject_refusal(m, s, 0, unmovable0);
    CHECK(r.rc == -EBUSY);
    CHECK(r.fault_fired);
    CHECK(r.error_leaves_changes != nullptr);  // as the full path's rollback says
    CHECK(base::acpi_memory_device_eject_refusal(m, s, 0, {}).rc == 0);
    CHECK(base::acpi_memory_device_eject_refusal(m, s, 0, {FaultKind::NOTIFIER_VETO_OFFLINE, 0}).rc == 0);
    // A second online block that can go offline would be re-onlined by the rollback: run it.
    run(m, s, ActionKind::ONLINE_MOVABLE, 1);
    CHECK(base::acpi_memory_device_eject_refusal(m, s, 0, unmovable0).rc == 0);
}

TEST_CASE("refused offlines and ejects are answered, fire their fault, and count as the full path does") {
    const Machine m = test::qemu_machine(2);
    const std::vector<FaultKind> faults{FaultKind::UNMOVABLE_PAGES, FaultKind::NOTIFIER_VETO_OFFLINE};
    const Counted full = explore_mode(m, *find_variant("v6.1"), faults, KernelModel::RefusalCache::OFF);
    const Counted used = explore_mode(m, *find_variant("v6.1"), faults, KernelModel::RefusalCache::USE);
    CHECK(full.r.states == used.r.states);
    CHECK(full.r.transitions == used.r.transitions);
    CHECK(full.c.ok == used.c.ok);
    CHECK(full.c.refused == used.c.refused);
    CHECK(full.c.fired == used.c.fired);
    // One step: offline of an online kernel-zone block with unmovable pages in it.
    KernelModel model(m, *find_variant("v6.1"), expand_alphabet(m, test::every_action(), faults),
                      select_invariants({}, "test"));
    KernelState s = initial_state(m);
    run(m, s, ActionKind::DIMM_ADD, 0);
    run(m, s, ActionKind::ONLINE_KERNEL, 0);
    const auto& acts = model.actions();
    const auto it = std::find(acts.begin(), acts.end(), Action{ActionKind::OFFLINE, 0, 1, {FaultKind::UNMOVABLE_PAGES, 0}});
    REQUIRE(it != acts.end());
    const auto before = model.refusals_answered();
    KernelState out;
    Violation v;
    CHECK(model.step(s, static_cast<unsigned>(it - acts.begin()), out, &v) == StepOutcome::OK);
    CHECK(model.last_step_unchanged());
    CHECK(model.last_rc() == -EBUSY);
    CHECK(model.refusals_answered() == before + 1);
    CHECK(model.counters().fired[static_cast<int>(FaultKind::UNMOVABLE_PAGES)] == 1);
    CHECK(out == s);
    // v6.12 replaces memory_block_offline(): its offlines run in full.
    KernelModel v612(m, *find_variant("v6.12"), expand_alphabet(m, test::every_action(), faults),
                     select_invariants({}, "test"));
    CHECK(v612.step(s, static_cast<unsigned>(it - acts.begin()), out, &v) == StepOutcome::OK);
    CHECK_FALSE(v612.last_step_unchanged());
    CHECK(v612.last_rc() == -EBUSY);
}
