// Refusals answered from their precondition (KernelModel::RefusalCache, issue 12 item 3):
// memory_block_state_store_refusal() (spec/ops/acpi.cpp) must agree with the full write
// wherever the explorer uses it, and using it must change no verdict, count, counter or trace.
// CHECK runs the full write beside every answer and throws where they differ.
#include <doctest/doctest.h>

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
