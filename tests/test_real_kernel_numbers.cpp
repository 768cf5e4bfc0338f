// The numbers a real Debian 6.1.192 kernel reported under QEMU (docs/kernel-reference.md §9.3,
// conformance/recordings/r61-*.jsonl) are unit tests of the model.
#include <doctest/doctest.h>

#include "spec/state_diff.hpp"
#include "spec/sysfs.hpp"
#include "tests/helpers.hpp"

using namespace hp;

namespace {
struct Run {
    Machine m;
    const Variant& v = *find_variant("v6.1");
    KernelState s;
    explicit Run(Machine machine) : m(std::move(machine)), s(initial_state(m)) {}
    int act(ActionKind k, unsigned target, Fault f = {}) {
        Action a{k, static_cast<std::uint8_t>(target), 1, f};
        REQUIRE(action_enabled(m, s, a));
        return apply_action(m, v.ops, s, a).rc;
    }
    const ZoneState& zone(unsigned z) const { return s.zone(0, z); }
};
void check_zone(const ZoneState& z, std::uint32_t start, std::uint32_t spanned, std::uint32_t present, std::uint32_t managed) {
    CHECK(z.zone_start_pfn == start);
    CHECK(z.spanned_pages == spanned);
    CHECK(z.present_pages == present);
    CHECK(z.managed_pages == managed);
}
}  // namespace

TEST_CASE("128 MiB DIMM online_movable with memmap_on_memory: 512 vmemmap pages present, not managed") {
    Run r(test::qemu_machine(1, 1, true));
    CHECK(r.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(r.s.blocks[0].nr_vmemmap_pages == 512);
    CHECK(valid_zones(r.m, r.v.ops, r.s, 0) == "Normal Movable");
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    check_zone(r.zone(ZONE_MOVABLE), 1048576, 32768, 32768, 32256);
    CHECK(valid_zones(r.m, r.v.ops, r.s, 0) == "Movable");
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, 0) == -EINVAL);  // writing the current state again
    CHECK(r.act(ActionKind::OFFLINE, 0) == 0);
    check_zone(r.zone(ZONE_MOVABLE), 0, 0, 0, 0);
    CHECK(r.act(ActionKind::DIMM_EJECT, 0) == 0);
    // Back at boot, except that the emptied Movable zone is now "contiguous" (a cache
    // that set_zone_contiguous() sets on an empty span).
    for (const FieldChange& c : diff_states(r.m, initial_state(r.m), r.s)) CHECK(c.field == "node0.Movable.contiguous");
}

TEST_CASE("128 MiB DIMM without memmap_on_memory: every page managed, memmap from node memory") {
    Run r(test::qemu_machine(1, 1, false));
    CHECK(r.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(r.s.blocks[0].nr_vmemmap_pages == 0);
    CHECK(r.s.buddy_vmemmap_pages[0] == 512);
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    check_zone(r.zone(ZONE_MOVABLE), 1048576, 32768, 32768, 32768);
}

TEST_CASE("6.1 gives memmap_on_memory only to one-block DIMMs (256 MiB: managed == present)") {
    Run r(test::qemu_machine(1, 2, true));
    CHECK(r.act(ActionKind::DIMM_ADD, 0) == 0);
    CHECK(r.s.blocks[0].nr_vmemmap_pages == 0);
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, 0) == 0);
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, 1) == 0);
    check_zone(r.zone(ZONE_MOVABLE), 1048576, 65536, 65536, 65536);
}

TEST_CASE("two DIMMs: the span shrinks from the edge that went offline (r61-two-dimms-mom1)") {
    for (unsigned first_off : {0u, 1u}) {
        Run r(test::qemu_machine(2));
        r.act(ActionKind::DIMM_ADD, 0);
        r.act(ActionKind::DIMM_ADD, 1);
        r.act(ActionKind::ONLINE_MOVABLE, 0);
        r.act(ActionKind::ONLINE_MOVABLE, 1);
        check_zone(r.zone(ZONE_MOVABLE), 1048576, 65536, 65536, 64512);
        CHECK(r.act(ActionKind::OFFLINE, first_off) == 0);
        CHECK(r.zone(ZONE_MOVABLE).zone_start_pfn == (first_off == 0 ? 1081344u : 1048576u));
        CHECK(r.zone(ZONE_MOVABLE).spanned_pages == 32768);
    }
}

TEST_CASE("a middle block going offline leaves its hole spanned (r61-1g-dimm-mom1 step 9)") {
    Run r(test::qemu_machine(1, 8));
    r.act(ActionKind::DIMM_ADD, 0);
    for (unsigned b = 0; b < 8; ++b) CHECK(r.act(ActionKind::ONLINE_MOVABLE, b) == 0);
    CHECK(r.act(ActionKind::OFFLINE, 3) == 0);
    check_zone(r.zone(ZONE_MOVABLE), 1048576, 262144, 229376, 229376);
    CHECK(valid_zones(r.m, r.v.ops, r.s, 3) == "Movable Normal");
}

TEST_CASE("kernel-zone offline refused with EBUSY leaves every counter as it was") {
    Run r(test::qemu_machine(1));
    r.act(ActionKind::DIMM_ADD, 0);
    r.act(ActionKind::ONLINE_KERNEL, 0);
    const KernelState before = r.s;
    CHECK(r.act(ActionKind::OFFLINE, 0, {FaultKind::UNMOVABLE_PAGES, 0}) == -EBUSY);
    CHECK(r.s == before);
    CHECK(r.act(ActionKind::DIMM_EJECT, 0, {FaultKind::UNMOVABLE_PAGES, 0}) == -EBUSY);
    CHECK(r.s == before);
}

TEST_CASE("eject rollback re-onlines with MMOP_ONLINE: Movable blocks come back in Normal") {
    Run r(test::qemu_machine(1, 3));
    r.act(ActionKind::DIMM_ADD, 0);
    r.act(ActionKind::ONLINE_KERNEL, 0);
    r.act(ActionKind::ONLINE_MOVABLE, 1);
    r.act(ActionKind::ONLINE_MOVABLE, 2);
    CHECK(r.act(ActionKind::DIMM_EJECT, 0, {FaultKind::UNMOVABLE_PAGES, 0}) == -EBUSY);
    CHECK(r.s.blocks[1].state == MEM_ONLINE);
    CHECK(r.s.blocks[1].zone == ZONE_NORMAL);
    CHECK(r.s.blocks[2].zone == ZONE_NORMAL);
    CHECK(r.zone(ZONE_MOVABLE).spanned_pages == 0);
    check_zone(r.zone(ZONE_NORMAL), 1048576, 98304, 98304, 98304);
}

TEST_CASE("a hot-added DIMM on a memoryless node onlines the node, the last eject offlines it") {
    Machine m = test::qemu_machine(2, 1, true, 2);  // d1 sits on node 1
    Run r(m);
    CHECK_FALSE(r.s.nodes[1].online);
    r.act(ActionKind::DIMM_ADD, 1);
    CHECK(r.s.nodes[1].online);
    r.act(ActionKind::ONLINE_MOVABLE, 1);
    CHECK(r.s.nodes[1].node_start_pfn == 1081344);
    CHECK(r.s.nodes[1].node_present_pages == 32768);
    r.act(ActionKind::OFFLINE, 1);
    CHECK(r.s.nodes[1].node_spanned_pages == 0);
    CHECK(r.s.nodes[1].online);  // the memory block still links to the node
    CHECK(r.act(ActionKind::DIMM_EJECT, 1) == 0);
    CHECK_FALSE(r.s.nodes[1].online);
}
