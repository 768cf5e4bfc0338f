// virtio-mem in Big Block Mode and the dynamic memory groups of online_policy=auto-movable
// (spec/ops/virtio_mem.cpp, spec/ops/auto_movable.cpp): the driver's choices, the unit rule
// and the replay of the real-kernel recordings (conformance/recordings/r61-/r612-vmem-*).
#include <doctest/doctest.h>

#include <filesystem>

#include "checker/conformance.hpp"
#include "checker/run.hpp"
#include "helpers.hpp"
#include "spec/action.hpp"
#include "spec/scenario.hpp"
#include "spec/sysfs.hpp"

using namespace hp;
namespace fs = std::filesystem;

namespace {
// 1 GiB QEMU boot, no DIMMs, one virtio-mem device of `region_mb` with `block_mb` device blocks at 4 GiB.
Machine vmem_machine(unsigned region_mb, unsigned block_mb, OnlinePolicy policy = OnlinePolicy::CONTIG_ZONES,
                     unsigned ratio = 301) {
    Machine m = test::qemu_machine(0);
    m.params.online_policy = policy;
    m.params.auto_movable_ratio = ratio;
    VirtioMem vm;
    vm.name = "vm0";
    vm.base_pfn = 1ull << 20;
    vm.region_pages = m.geo.mib_to_pages(region_mb);
    vm.device_block_pages = m.geo.mib_to_pages(block_mb);
    REQUIRE(m.add_virtio_mem(vm).empty());
    m.finalize();
    return m;
}

struct Run {
    const Machine& m;
    const Variant& v;
    KernelState s;
    Run(const Machine& machine, const char* variant = "v6.1")
        : m(machine), v(*find_variant(variant)), s(initial_state(machine)) {}
    int act(ActionKind k, unsigned target, Fault f = {}) {
        Action a{k, static_cast<std::uint8_t>(target), 1, f};
        if (!action_enabled(m, s, a)) return 1;  // not offered
        return apply_action(m, v.ops, s, a).rc;
    }
    bool bb_added(unsigned bb) const { return (s.dimm_enabled >> (m.virtio_mems[0].first_dimm + bb) & 1) != 0; }
    unsigned block(std::uint64_t id) const {
        for (unsigned b = 0; b < m.blocks.size(); ++b)
            if (m.blocks[b].memory_block_id == id) return b;
        FAIL("no memory" << id);
        return 0;
    }
    unsigned zone_of(std::uint64_t id) const { return s.blocks[block(id)].zone; }
};

std::string recording(const std::string& name) {
    return (fs::path(HPCHECK_SOURCE_DIR) / "conformance" / "recordings" / name).string();
}
}  // namespace

TEST_CASE("virtio-mem: Big Block Mode geometry (virtio_mem_init_hotplug)") {
    const Machine m = vmem_machine(1024, 256);
    REQUIRE(m.virtio_mems.size() == 1);
    const VirtioMem& v = m.virtio_mems[0];
    CHECK(v.bb_pages == 65536);  // bb_size = max(device_block_size, memory_block_size_bytes())
    CHECK(v.nr_bbs == 4);
    CHECK(m.dimms.size() == 4);
    CHECK(m.blocks.size() == 8);
    for (unsigned d = 0; d < m.dimms.size(); ++d) {
        CHECK(m.dimms[d].virtio_mem == 0);
        CHECK(m.dimms[d].group == v.first_dimm);  // one dynamic group per device
        CHECK(m.dimms[d].nr_blocks == 2);
    }
    CHECK(m.group_is_dynamic(v.first_dimm));
    // A device block below the memory block size is Sub Block Mode unless force_bbm.
    Machine sbm = test::qemu_machine(0);
    VirtioMem small;
    small.name = "vm1";
    small.base_pfn = 1ull << 20;
    small.region_pages = sbm.geo.mib_to_pages(256);
    small.device_block_pages = sbm.geo.mib_to_pages(64);
    CHECK(sbm.add_virtio_mem(small).empty());
    CHECK(sbm.virtio_mems[0].sbm);
    CHECK(sbm.virtio_mems[0].sbs_per_mb == 2);
    CHECK(sbm.virtio_mems[0].bb_pages == sbm.geo.pages_per_block);  // unit_pages: the memory block
    small.name = "vm2";
    small.base_pfn += small.region_pages;
    small.device_block_pages = sbm.geo.mib_to_pages(1);  // sb_size = max(1 MiB, pageblock 2 MiB): 64 per block
    CHECK(sbm.add_virtio_mem(small).empty());
    CHECK(sbm.virtio_mems[1].sbs_per_mb == 64);
    small.name = "vm3";
    small.base_pfn += small.region_pages;
    small.force_bbm = true;
    CHECK(sbm.add_virtio_mem(small).empty());
    CHECK_FALSE(sbm.virtio_mems[2].sbm);
    CHECK(sbm.virtio_mems[2].bb_pages == sbm.geo.pages_per_block);
}

TEST_CASE("virtio-mem SBM: sub-blocks go to partially plugged online blocks first, unplugged ones are not managed") {
    const Machine m = vmem_machine(256, 64);  // two blocks of two 64 MiB sub-blocks
    Run r(m);
    auto managed = [&](unsigned z) { return r.s.zone(0, z).managed_pages; };
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);  // memory32 added with one sub-block
    CHECK(r.s.sbm_plugged[r.block(32)] == 1);
    REQUIRE(r.act(ActionKind::ONLINE_MOVABLE, r.block(32)) == 0);
    CHECK(managed(ZONE_MOVABLE) == 16384);  // the unplugged half stays fake-offline
    CHECK(r.s.zone(0, ZONE_MOVABLE).present_pages == 32768);
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);  // into the MOVABLE_PARTIAL block, fake-onlined
    CHECK(managed(ZONE_MOVABLE) == 32768);
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);  // memory33, offline
    REQUIRE(r.act(ActionKind::ONLINE_KERNEL, r.block(33)) == 0);
    CHECK(managed(ZONE_NORMAL) == 16384);
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == 1);  // the region is full
    // unplug: MOVABLE before KERNEL; a kernel block with unmovable pages is skipped
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0, {FaultKind::UNMOVABLE_PAGES, static_cast<std::uint8_t>(r.block(33))}) == 0);
    CHECK(r.s.sbm_plugged[r.block(32)] == 1);
    CHECK(managed(ZONE_MOVABLE) == 16384);
    REQUIRE(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // memory32 empty: offline_and_remove_memory()
    CHECK(r.s.blocks[r.block(32)].state == BLOCK_ABSENT);
    CHECK(r.s.zone(0, ZONE_MOVABLE).present_pages == 0);
    const KernelState before = r.s;
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0, {FaultKind::UNMOVABLE_PAGES, static_cast<std::uint8_t>(r.block(33))}) == -EBUSY);
    CHECK(r.s == before);
    REQUIRE(r.act(ActionKind::OFFLINE, r.block(33)) == 0);
    CHECK(managed(ZONE_NORMAL) == 0);
    REQUIRE(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // offline blocks first: no fake-offline needed
    REQUIRE(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // the last sub-block: remove_memory()
    CHECK(r.s.dimm_plugged == 0);
    CHECK(r.s.blocks[r.block(33)].state == BLOCK_ABSENT);
}

TEST_CASE("virtio-mem: plug takes the lowest unused big block, unplug an offline one, then a movable one, from the top") {
    const Machine m = vmem_machine(512, 128);
    Run r(m);
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0) == 1);  // nothing plugged: requested-size cannot go below 0
    for (int i = 0; i < 3; ++i) CHECK(r.act(ActionKind::VMEM_PLUG, 0) == 0);
    CHECK((r.bb_added(0) && r.bb_added(1) && r.bb_added(2) && !r.bb_added(3)));
    CHECK(r.s.blocks[r.block(33)].state == MEM_OFFLINE);  // memhp_default_state=offline
    CHECK(r.act(ActionKind::ONLINE_KERNEL, r.block(34)) == 0);
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, r.block(32)) == 0);
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // pass 0: the offline big block 1
    CHECK((r.bb_added(0) && !r.bb_added(1) && r.bb_added(2)));
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // pass 1: bb 2 is Normal, bb 0 Movable
    CHECK((!r.bb_added(0) && r.bb_added(2)));
    CHECK(r.s.blocks[r.block(32)].state == BLOCK_ABSENT);
    // pass 2: the Normal big block; unmovable pages make alloc_contig_range() fail: -EBUSY, nothing changed
    const KernelState before = r.s;
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0, {FaultKind::UNMOVABLE_PAGES, static_cast<std::uint8_t>(r.block(34))}) == -EBUSY);
    CHECK(r.s == before);
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == 0);  // the lowest unused: bb 0 again
    CHECK(r.bb_added(0));
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // offline first: bb 0, not the Normal bb 2
    CHECK((!r.bb_added(0) && r.bb_added(2)));
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);  // without the fault the Normal big block goes
    CHECK(r.s.dimm_plugged == 0);
    CHECK(r.s.zone(0, ZONE_NORMAL).present_pages == 0);
}

TEST_CASE("virtio-mem: offline_and_remove_memory() rolls back to the sensed online type") {
    const Machine m = vmem_machine(256, 256);  // one big block of two memory blocks
    Run r(m);
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);
    REQUIRE(r.act(ActionKind::ONLINE_MOVABLE, r.block(32)) == 0);
    REQUIRE(r.act(ActionKind::ONLINE_KERNEL, r.block(33)) == 0);
    // the second block's offline fails (a notifier veto): the first goes back online, movable
    const KernelState before = r.s;
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0, {FaultKind::NOTIFIER_VETO_OFFLINE, 1}) == -EBUSY);
    CHECK(r.s.blocks[r.block(32)].state == MEM_ONLINE);
    CHECK(r.zone_of(32) == ZONE_MOVABLE);
    CHECK(r.s.zone(0, ZONE_MOVABLE).present_pages == before.zone(0, ZONE_MOVABLE).present_pages);
    CHECK(r.act(ActionKind::VMEM_UNPLUG, 0) == 0);
    CHECK(r.s.blocks[r.block(33)].state == BLOCK_ABSENT);
}

TEST_CASE("virtio-mem: virtio_mem_could_add_memory() stops plugging when 1 GiB of added memory is offline") {
    Machine m = test::qemu_machine(0);
    VirtioMem vm;
    vm.name = "vm0";
    vm.base_pfn = 1ull << 20;
    vm.region_pages = m.geo.mib_to_pages(2048);  // 4 big blocks of 512 MiB
    vm.device_block_pages = m.geo.mib_to_pages(512);
    REQUIRE(m.add_virtio_mem(vm).empty());
    m.finalize();
    Run r(m);
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == 0);
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == 0);   // 1 GiB offline: max(2 * bb_size, 1 GiB) reached
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == -ENOSPC);
    for (std::uint64_t id = 32; id < 35; ++id) CHECK(r.act(ActionKind::ONLINE_MOVABLE, r.block(id)) == 0);
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == -ENOSPC);  // 896 MiB offline + 512 MiB
    CHECK(r.act(ActionKind::ONLINE_MOVABLE, r.block(35)) == 0);
    CHECK(r.act(ActionKind::VMEM_PLUG, 0) == 0);        // 512 MiB offline + 512 MiB
}

TEST_CASE("auto-movable: a dynamic group's unit decides (auto_movable_zone_for_pfn)") {
    const Machine m = vmem_machine(512, 256, OnlinePolicy::AUTO_MOVABLE);
    for (const char* variant : {"v6.1", "auto-movable-dynamic-ignores-unit"}) {
        CAPTURE(variant);
        const bool kernel = std::string(variant) == "v6.1";
        Run r(m, variant);
        REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);
        REQUIRE(r.act(ActionKind::ONLINE, r.block(32)) == 0);
        CHECK(r.zone_of(32) == ZONE_MOVABLE);
        REQUIRE(r.act(ActionKind::ONLINE_KERNEL, r.block(33)) == 0);
        REQUIRE(r.act(ActionKind::OFFLINE, r.block(32)) == 0);
        // the unit's other section is online in ZONE_NORMAL: "we want to online all kernel"
        CHECK(valid_zones(m, r.v.ops, r.s, r.block(32)) == (kernel ? "Normal Movable" : "Movable Normal"));
        REQUIRE(r.act(ActionKind::ONLINE, r.block(32)) == 0);
        CHECK(r.zone_of(32) == (kernel ? ZONE_NORMAL : ZONE_MOVABLE));
        // group accounting of the dynamic group (I5 checks it in every explored state)
        const GroupState& g = r.s.groups[m.virtio_mems[0].first_dimm];
        CHECK(g.present_kernel_pages == (kernel ? 65536u : 32768u));
    }
    // Scenario 57 holds the kernel's answer; the variant without the unit rule fails it.
    const Scenario sc = load_scenario(std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/57-virtio-mem-unit-litmus.toml");
    CHECK(run_scenario(sc, {}).matches);
    RunOptions o;
    o.variant_override = "auto-movable-dynamic-ignores-unit";
    CHECK(run_scenario(sc, o).explore.verdict == Verdict::VIOLATION);
}

TEST_CASE("auto-movable: a dynamic group's own kernel pages allow more MOVABLE (auto_movable_can_online_movable)") {
    // ratio 12: 262014 early kernel pages allow 31441 MOVABLE pages, less than one block;
    // the group's 32768 kernel pages count too (kernel_early_pages += present_kernel_pages).
    const Machine m = vmem_machine(256, 128, OnlinePolicy::AUTO_MOVABLE, 12);
    Run r(m);
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);
    REQUIRE(r.act(ActionKind::ONLINE, r.block(32)) == 0);
    CHECK(r.zone_of(32) == ZONE_NORMAL);  // 32768 > 31441
    REQUIRE(r.act(ActionKind::VMEM_PLUG, 0) == 0);
    REQUIRE(r.act(ActionKind::ONLINE, r.block(33)) == 0);
    CHECK(r.zone_of(33) == ZONE_MOVABLE);  // 32768 <= 12% of (262014 + 32768)
}

TEST_CASE("conformance replay: virtio-mem recordings agree (6.1: v6.1, 6.12: v6.12) and catch the unit rule") {
    for (const char* f : {"r61-vmem-bbm.jsonl", "r61-vmem-automovable.jsonl", "r612-vmem-bbm.jsonl",
                          "r612-vmem-automovable.jsonl", "r61-vmem-autoonline-ratio20.jsonl",
                          "r612-vmem-autoonline-ratio20.jsonl", "r61-vmem-sbm.jsonl", "r612-vmem-sbm.jsonl"}) {
        CAPTURE(f);
        const conformance::ReplayResult r = conformance::replay_recording(recording(f), {});
        INFO(conformance::format_replay(r, 20));
        CHECK_FALSE(r.skipped);
        CHECK(r.operations >= 14);
        CHECK(r.mismatches.empty());
        CHECK(r.not_modelled_ops == 0);
        CHECK(r.abandoned_ops == 0);
        // every refused unplug is the model's unmovable-pages choice in a kernel-zone block
        unsigned ebusy = 0;
        for (const auto& [choice, n] : r.choices)
            if (choice.rfind("vmem_unplug (EBUSY in the kernel): unmovable-pages", 0) == 0) ebusy += n;
        CHECK(ebusy >= 1);
    }
    // Two devices (two dynamic groups) on two nodes, auto-online, next to a pc-dimm.
    for (const char* f : {"r61-vmem-numa-two-devices.jsonl", "r612-vmem-numa-two-devices.jsonl",
                          "r61-vmem-sbm-autoonline.jsonl", "r612-vmem-sbm-autoonline.jsonl"}) {
        CAPTURE(f);
        const conformance::ReplayResult r = conformance::replay_recording(recording(f), {});
        INFO(conformance::format_replay(r, 20));
        CHECK_FALSE(r.skipped);
        CHECK(r.operations >= 16);
        CHECK(r.mismatches.empty());
    }
    conformance::ReplayOptions o;
    o.variant = "auto-movable-dynamic-ignores-unit";
    for (const char* f : {"r61-vmem-automovable.jsonl", "r612-vmem-automovable.jsonl"}) {
        CAPTURE(f);
        const conformance::ReplayResult r = conformance::replay_recording(recording(f), o);
        REQUIRE_FALSE(r.mismatches.empty());
        CHECK(r.mismatches[0].step == 4);  // offline of memory32: its valid_zones already differ
    }
    // Auto-online at ratio 20: the kernel puts both blocks of the first big block in Normal (the
    // whole unit would exceed the ratio); block by block the first one would fit into Movable.
    const conformance::ReplayResult a = conformance::replay_recording(recording("r61-vmem-autoonline-ratio20.jsonl"), o);
    REQUIRE_FALSE(a.mismatches.empty());
    CHECK(a.mismatches[0].step == 0);
}
