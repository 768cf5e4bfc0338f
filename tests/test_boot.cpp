// The boot sub-model (spec/boot.hpp, seed 003): memblock placement of early allocations and
// find_zone_movable_pfns_for_nodes(). Each case states the layout the kernel would produce.
#include <doctest/doctest.h>

#include "spec/boot.hpp"
#include <filesystem>
#include <fstream>

#include "spec/action.hpp"
#include "spec/kernel.hpp"

using namespace hp;

namespace {
// QEMU pc, two nodes: node 0 has 3 GiB below 4 GiB and 1 GiB above; node 1 is a 1 GiB
// cold-plugged DIMM that SRAT marks hot-pluggable (QEMU's SRAT covers device memory so).
BootInput qemu_two_nodes() {
    BootInput in;
    in.memory = {{0, 256, 0xc0000, false, "boot RAM"},
                 {0, 0x100000, 0x140000, false, "boot RAM"},
                 {1, 0x140000, 0x180000, true, "cold-plugged DIMM d1"}};
    in.kernel_start_pfn = 4096;  // the image at 16 MiB
    in.kernel_end_pfn = 4096 + 8192;
    in.allocs = {{"page tables (init_mem_mapping)", 1024, true},
                 {"log_buf (setup_log_buf)", 256, true},
                 {"NODE_DATA(0)", 64, false, 0},
                 {"NODE_DATA(1)", 64, false, 1},
                 {"memmap of node 0 (sparse_init)", 4096, false, 0},
                 {"memmap of node 1 (sparse_init)", 1024, false, 1}};
    in.movable_node = true;
    return in;
}
}  // namespace

TEST_CASE("boot: movable_node with bottom-up early allocations keeps hot-pluggable memory free and movable") {
    const BootInput in = qemu_two_nodes();
    const BootResult r = memblock_boot(in, 2);
    CHECK(r.bottom_up_before_srat);
    CHECK(r.allocs[0].pfn == 256);          // right above the reserved first MiB
    CHECK(r.allocs[1].pfn == 256 + 1024);
    // After SRAT, top-down with hot-pluggable regions skipped: node 1 has nothing else, so its
    // NODE_DATA and memmap fall back to node 0's top (memblock_alloc_try_nid()).
    CHECK(r.allocs[3].pfn + r.allocs[3].pages <= 0x140000);
    CHECK(r.allocs[3].pfn >= 0x100000);
    for (const EarlyAlloc& a : r.allocs) CHECK(a.placed);
    CHECK(r.zone_movable_pfn[1] == 0x140000);  // the DIMM is node 1's ZONE_MOVABLE
    CHECK(r.zone_movable_pfn[0] == 0);
    CHECK(boot_layout_violation(in, r, 32768) == "");
}

TEST_CASE("boot: top-down before SRAT (before the 3.13 series) pins the cold-plugged DIMM") {
    BootInput in = qemu_two_nodes();
    in.bottom_up_for_movable_node = false;
    const BootResult r = memblock_boot(in, 2);
    CHECK_FALSE(r.bottom_up_before_srat);
    CHECK(r.allocs[0].pfn == 0x180000 - 1024);  // the top of memory: inside the DIMM
    const std::string v = boot_layout_violation(in, r, 32768);
    CHECK(v.rfind("boot-placement:", 0) == 0);
    CHECK(v.find("page tables (init_mem_mapping)") != std::string::npos);  // the first allocation that pins
    CHECK(v.find("memory block 47") != std::string::npos);                  // 0x17fc00 / 32768
}

TEST_CASE("boot: without movable_node nothing is promised, after SRAT allocations may use the DIMM") {
    BootInput in = qemu_two_nodes();
    in.movable_node = false;
    const BootResult r = memblock_boot(in, 2);
    CHECK_FALSE(r.bottom_up_before_srat);
    CHECK(r.allocs[3].pfn >= 0x140000);  // NODE_DATA(1) on node 1, in the DIMM
    CHECK(r.zone_movable_pfn[1] == 0);
    CHECK(boot_layout_violation(in, r, 32768) == "");
}

TEST_CASE("boot: a hot-pluggable region below the node's ZONE_MOVABLE is reported") {
    BootInput in = qemu_two_nodes();
    BootResult r = memblock_boot(in, 2);
    r.zone_movable_pfn[1] = 0;  // as if find_zone_movable_pfns_for_nodes() had not looked at it
    CHECK(boot_layout_violation(in, r, 32768).rfind("boot-movable:", 0) == 0);
}

TEST_CASE("boot: kernelcore= and movablecore= carve ZONE_MOVABLE as find_zone_movable_pfns_for_nodes() does") {
    BootInput in;
    in.memory = {{0, 256, 0xc0000, false, "boot RAM"}, {0, 0x100000, 0x140000, false, "boot RAM"}};
    // kernelcore=512M: low memory alone covers it, so everything from ZONE_NORMAL's lowest pfn is movable.
    in.kernelcore_pages = 131072;
    CHECK(memblock_boot(in, 1).zone_movable_pfn[0] == 0x100000);
    // movablecore=256M: 1048320 pages in all, kernelcore 982784, 196608 of them above 4 GiB.
    in.kernelcore_pages = 0;
    in.movablecore_pages = 65536;
    CHECK(memblock_boot(in, 1).zone_movable_pfn[0] == 0x130000);
    // kernelcore larger than the memory: no ZONE_MOVABLE.
    in.movablecore_pages = 0;
    in.kernelcore_pages = 2000000;
    CHECK(memblock_boot(in, 1).zone_movable_pfn[0] == 0);
    // Two nodes, kernelcore=1G spread evenly (512 MiB each): node 0's 3 GiB below ZONE_NORMAL's
    // lowest pfn count as kernel memory and meet the whole requirement (required_kernelcore
    // drops to 0), so node 1's share becomes 0 / 2 and all of node 1 is ZONE_MOVABLE.
    BootInput two;
    two.memory = {{0, 256, 0xc0000, false, "low"}, {0, 0x100000, 0x180000, false, "n0"}, {1, 0x180000, 0x200000, false, "n1"}};
    two.kernelcore_pages = 262144;
    const BootResult r = memblock_boot(two, 2);
    CHECK(r.zone_movable_pfn[0] == 0x100000);
    CHECK(r.zone_movable_pfn[1] == 0x180000);
    // Without the low memory, each node keeps 512 MiB of kernel memory at its start.
    two.memory = {{0, 0x100000, 0x180000, false, "n0"}, {1, 0x180000, 0x200000, false, "n1"}};
    const BootResult r2 = memblock_boot(two, 2);
    CHECK(r2.zone_movable_pfn[0] == 0x100000 + 131072);
    CHECK(r2.zone_movable_pfn[1] == 0x180000 + 131072);
}

// The same seed-003 claim through scenarios and variants: the boot layout is checked before
// the explorer runs, with the variant's allocation direction.
#include "checker/run.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"
#include "spec/variants/registry.hpp"
#include "spec/geometry.hpp"

TEST_CASE("boot: scenario 49 passes under v6.1 (every hotpluggable block offlined and removed), scenario 50 shows the pinning page tables as a shortest trace") {
    const std::string dir = std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/";
    const Scenario ok = load_scenario(dir + "49-movable-node-boot-bottom-up-explore.toml");
    REQUIRE(ok.memblock);
    CHECK(ok.memblock->memory.size() == 4);  // DMA, DMA32, Normal, the cold-plugged DIMM
    // The cold-plugged DIMM is a DIMM of the explorer's machine, online at boot in node 1's ZONE_MOVABLE.
    REQUIRE(ok.machine.dimms.size() == 2);
    const Dimm& d0 = ok.machine.dimms[1];
    CHECK(d0.name == "d0");
    CHECK(d0.coldplug);
    CHECK(d0.boot_zone == ZONE_MOVABLE);
    CHECK(d0.pinned == 0u);  // bottom-up: nothing landed in it
    const KernelState boot = initial_state(ok.machine);
    CHECK((boot.dimm_plugged >> 1 & 1u) == 1u);
    CHECK((boot.dimm_enabled >> 1 & 1u) == 1u);
    for (unsigned b = ok.machine.dimm_first_block[1]; b < ok.machine.dimm_first_block[1] + d0.nr_blocks; ++b) {
        CHECK(boot.blocks[b].state == MEM_ONLINE);
        CHECK(boot.blocks[b].zone == ZONE_MOVABLE);
    }
    CHECK(boot.zone(1, ZONE_MOVABLE).zone_start_pfn == 0x140000u);
    CHECK(boot.zone(1, ZONE_MOVABLE).spanned_pages == 0x10000u);  // 256 MiB
    CHECK(boot.zone(1, ZONE_MOVABLE).present_pages == 0x10000u);
    CHECK(boot.nodes[1].online == 1u);
    // The ACPI eject of the cold-plugged DIMM from boot: offline every block, __remove_memory().
    {
        KernelState s = boot;
        const StepResult r = apply_action(ok.machine, variants::ops_of("v6.1"), s, Action{ActionKind::DIMM_EJECT, 1, 1, {}});
        CHECK(r.rc == 0);
        CHECK((s.dimm_plugged >> 1 & 1u) == 0u);
        CHECK(s.zone(1, ZONE_MOVABLE).spanned_pages == 0u);
        CHECK(s.nodes[1].online == 0u);  // try_offline_node(): no memory, no CPU left on node 1
    }
    const RunResult a = run_scenario(ok, {});
    CHECK(a.explore.verdict == Verdict::PASS);
    CHECK(a.explore.unexpanded_at_bound == 0u);
    CHECK(a.counters.ok[static_cast<int>(ActionKind::DIMM_EJECT)] > 0);
    CHECK(a.counters.ok[static_cast<int>(ActionKind::OFFLINE)] > 0);

    const Scenario bad = load_scenario(dir + "50-movable-node-boot-top-down-explore.toml");
    REQUIRE(bad.machine.dimms.size() == 2);
    CHECK(bad.machine.dimms[1].pinned == 1u << 1);  // the last block of the DIMM, memory41
    CHECK(bad.machine.dimms[1].pinned_by.find("top-down before SRAT") != std::string::npos);
    const RunResult b = run_scenario(bad, {});
    REQUIRE(b.explore.violation);
    CHECK(b.explore.violation->invariant == "boot-placement");
    CHECK(b.explore.violation->detail.find("'page tables (init_mem_mapping)'") != std::string::npos);
    CHECK(b.explore.violation->detail.find("top-down before SRAT") != std::string::npos);
    CHECK(b.explore.violation->detail.find("memory41") != std::string::npos);
    REQUIRE(b.trace.size() == 1);  // one operation shows it: the eject (or offline) that memory41 refuses
    CHECK((b.trace[0].kind == ActionKind::DIMM_EJECT || b.trace[0].kind == ActionKind::OFFLINE));
    CHECK(b.matches);
    // The same machine under v6.1 (bottom-up) passes, under memblock-top-down it does not.
    RunOptions o;
    o.variant_override = "memblock-top-down";
    CHECK(run_scenario(ok, o).explore.verdict == Verdict::VIOLATION);
    o.variant_override = "v6.1";
    CHECK(run_scenario(bad, o).explore.verdict == Verdict::PASS);
    // Without movable_node nothing is promised about hotpluggable memory: the pinned block
    // still refuses its offline (EBUSY), but that is no violation.
    Scenario off = bad;
    off.memblock->movable_node = false;
    off.machine.params.movable_node = false;
    CHECK(run_scenario(off, {}).explore.verdict == Verdict::PASS);
    KernelState s = initial_state(bad.machine);
    const unsigned b41 = bad.machine.dimm_first_block[1] + 1;
    const StepResult r = apply_action(bad.machine, variants::ops_of("memblock-top-down"), s, Action{ActionKind::OFFLINE, static_cast<std::uint8_t>(b41), 1, {}});
    CHECK(r.rc == -EBUSY);
    REQUIRE(r.nobs == 1);
    CHECK(r.obs[0].kind == Observation::EARLY_RESERVED_PAGES);
}

TEST_CASE("boot: kernelcore= in [memblock] carves a boot ZONE_MOVABLE out of boot RAM") {
    Machine m;
    m.geo = *geometry_preset("x86_64");
    m.boot = {{0, ZONE_DMA, 1, 4096, 3998, 3840}, {0, ZONE_DMA32, 4096, 0xc0000, 0xc0000 - 4096, 0xc0000 - 4096},
              {0, ZONE_NORMAL, 0x100000, 0x140000, 0x40000, 0x40000}};
    BootInput in;
    for (const BootZone& z : m.boot) in.memory.push_back({0, z.start_pfn, z.end_pfn, false, "boot RAM"});
    in.movablecore_pages = 65536;  // movablecore=256M
    carve_boot_movable(m, memblock_boot(in, 1), in);
    REQUIRE(m.boot.size() == 4);
    CHECK(m.boot[2].zone == ZONE_NORMAL);
    CHECK(m.boot[2].end_pfn == 0x130000u);
    CHECK(m.boot[2].present == 0x30000u);
    CHECK(m.boot[3].zone == ZONE_MOVABLE);
    CHECK(m.boot[3].start_pfn == 0x130000u);
    CHECK(m.boot[3].present == 0x10000u);
}

// `hpcheck prove --boot`: the same memblock_place() over Z3 terms. Top-down before SRAT has a
// counterexample, and it replays through the concrete memblock_boot().
#include "checker/prover/boot_prover.hpp"

TEST_CASE("boot prover: top-down placement has a counterexample that memblock_boot() reproduces") {
    hp::prover::BootProveOptions o;
    o.bottom_up_for_movable_node = false;
    o.regions = 2;
    const hp::prover::BootProveResult r = hp::prover::prove_boot(o);
    REQUIRE(r.verdict == hp::prover::BootProveResult::COUNTEREXAMPLE);
    REQUIRE(r.cex);
    BootInput in;
    for (const auto& g : r.cex->regions) in.memory.push_back({g.nid, g.base, g.end, g.hotplug, "region"});
    CHECK_FALSE(in.memory[0].hotplug);  // the bounds: the kernel's region is not hotpluggable
    in.kernel_start_pfn = r.cex->kernel_start;
    in.kernel_end_pfn = r.cex->kernel_end;
    for (const auto& a : r.cex->allocs) in.allocs.push_back({a.name, a.pages, a.before_srat, a.nid});
    in.movable_node = true;
    in.bottom_up_for_movable_node = false;
    const BootResult br = memblock_boot(in, 2);
    for (size_t i = 0; i < br.allocs.size(); ++i) {
        CHECK(br.allocs[i].placed == r.cex->allocs[i].placed);
        if (br.allocs[i].placed) CHECK(br.allocs[i].pfn == r.cex->allocs[i].pfn);
    }
    CHECK(boot_layout_violation(in, br, 32768).rfind("boot-placement:", 0) == 0);
    CHECK_THROWS_AS(hp::prover::prove_boot(hp::prover::BootProveOptions{true, 7, 1000}), std::invalid_argument);
}

TEST_CASE("boot prover: bottom-up placement (3.13's movable_node) is proved for every 2-region layout in bounds") {
    // Seed 003's claim: with memblock bottom-up from the kernel image, no early allocation
    // lands in hotpluggable memory. Z3 proves it (every per-allocation query unsat) for two
    // regions; the same bounds give top-down the counterexample above, so the bounds do not
    // make the property trivially true.
    hp::prover::BootProveOptions o;
    o.bottom_up_for_movable_node = true;
    o.regions = 2;
    const hp::prover::BootProveResult r = hp::prover::prove_boot(o);
    CHECK(r.verdict == hp::prover::BootProveResult::PROVED);
    CHECK(r.queries == 6);  // 2 before SRAT + NODE_DATA and memmap of each node
    CHECK_FALSE(r.cex);
}

namespace {
// QEMU pc with 4 GiB (3 GiB below 4 GiB, 1 GiB above), as recorded with kernelcore=mirror.
BootInput qemu_4g_kernelcore_mirror() {
    BootInput in;
    in.memory = {{0, 256, 0xc0000, false, "boot RAM"}, {0, 0x100000, 0x140000, false, "boot RAM"}};
    in.kernel_start_pfn = 4096;
    in.kernel_end_pfn = 4096 + 8192;
    in.allocs = {{"page tables (init_mem_mapping)", 512, true}, {"NODE_DATA(0)", 16, false, 0},
                 {"memmap of node 0 (sparse_init)", 4096, false, 0}};
    in.kernelcore_mirror = true;
    return in;
}
}  // namespace

TEST_CASE("boot: kernelcore=mirror without mirrored memory: 6.1 makes all memory above 4 GiB movable, 6.6+ ignores it") {
    BootInput in = qemu_4g_kernelcore_mirror();
    // 6.1 (recorded: r61-rnd-kernelcore-mirror-17.jsonl has ZONE_MOVABLE from pfn 0x100000).
    BootResult r = memblock_boot(in, 1);
    CHECK(r.mirror_layout);
    CHECK(r.zone_movable_pfn[0] == 0x100000u);
    CHECK(r.allocs[0].pfn == 0x140000u - 512);  // top-down: the top of memory, now ZONE_MOVABLE
    const std::string v = boot_mirror_violation(in, r, 32768);
    CHECK(v.rfind("boot-mirror:", 0) == 0);
    CHECK(v.find("no memory is mirrored") != std::string::npos);
    // 0db31d63f27e (6.6; recorded: 6.12 keeps ZONE_NORMAL): "ignore kernelcore=mirror".
    in.mirror_needs_mirrored_memory = true;
    r = memblock_boot(in, 1);
    CHECK_FALSE(r.mirror_layout);
    CHECK(r.zone_movable_pfn[0] == 0);
    CHECK(boot_mirror_violation(in, r, 32768) == "");
}

TEST_CASE("boot: kernelcore=mirror puts early allocations in mirrored memory and the rest above 4 GiB in ZONE_MOVABLE") {
    BootInput in = qemu_4g_kernelcore_mirror();
    in.memory = {{0, 256, 0xc0000, false, "boot RAM"}, {0, 0x100000, 0x240000, false, "boot RAM"}};  // 8 GiB
    in.mirror_needs_mirrored_memory = true;
    memblock_mark_mirror(in, 0, 0x180000);         // below 6 GiB
    memblock_mark_mirror(in, 0x200000, 0x240000);  // from 8 GiB
    REQUIRE(in.memory.size() == 4);                // [4G,6G) mirrored, [6G,8G) not, [8G,9G) mirrored
    CHECK(in.memory[2].base_pfn == 0x180000u);
    CHECK_FALSE(in.memory[2].mirror);
    const BootResult r = memblock_boot(in, 1);
    CHECK(r.zone_movable_pfn[0] == 0x180000u);  // the lowest non-mirrored region above 4 GiB
    CHECK(r.allocs[0].pfn == 0x240000u - 512);  // top-down, in mirrored memory (above ZONE_MOVABLE's memory)
    CHECK(boot_mirror_violation(in, r, 32768) == "");
    // Mirrored memory too small for the memmap: memblock falls back to any memory, top-down,
    // into ZONE_MOVABLE ("Could not allocate ... of mirrored memory").
    BootInput small = in;
    small.memory = {{0, 256, 0xc0000, false, "boot RAM"}, {0, 0x100000, 0x240000, false, "boot RAM"}};
    memblock_mark_mirror(small, 0x100000, 0x100400);  // 4 MiB mirrored above 4 GiB only
    const BootResult s = memblock_boot(small, 1);
    CHECK(s.zone_movable_pfn[0] == 0x100400u);
    const std::string v = boot_mirror_violation(small, s, 32768);
    CHECK(v.rfind("boot-mirror:", 0) == 0);
    CHECK(v.find("Could not allocate") != std::string::npos);
}

TEST_CASE("boot: kernelcore=mirror zones overlap: ZONE_NORMAL keeps its span, its non-mirrored pages are ZONE_MOVABLE's") {
    Machine m;
    m.geo = *geometry_preset("x86_64");
    m.boot = {{0, ZONE_DMA, 1, 4096, 3998, 3840}, {0, ZONE_DMA32, 4096, 0xc0000, 0xc0000 - 4096, 0xc0000 - 4096},
              {0, ZONE_NORMAL, 0x100000, 0x240000, 0x140000, 0x13f000}};
    BootInput in;
    for (const BootZone& z : m.boot) in.memory.push_back({0, z.start_pfn, z.end_pfn, false, "boot RAM"});
    in.kernelcore_mirror = in.mirror_needs_mirrored_memory = true;
    memblock_mark_mirror(in, 0, 0x180000);
    memblock_mark_mirror(in, 0x200000, 0x240000);
    m.finalize();
    carve_boot_movable(m, memblock_boot(in, 1), in);
    m.finalize();
    const KernelState s = initial_state(m);
    const ZoneState& normal = s.nodes[0].zones[ZONE_NORMAL];
    const ZoneState& movable = s.nodes[0].zones[ZONE_MOVABLE];
    CHECK(normal.zone_start_pfn == 0x100000u);
    CHECK(normal.spanned_pages == 0x140000u);  // [4 GiB, 9 GiB): not cut at zone_movable_pfn
    CHECK(normal.present_pages == 0xc0000u);   // the mirrored 3 GiB
    CHECK(movable.zone_start_pfn == 0x180000u);
    CHECK(movable.spanned_pages == 0xc0000u);  // [6 GiB, 9 GiB)
    CHECK(movable.present_pages == 0x80000u);  // the non-mirrored 2 GiB
    CHECK(normal.managed_pages + movable.managed_pages == 0x13f000u);
    CHECK(movable.managed_pages == movable.present_pages);  // memblock's reservations are in mirrored memory
    // The memmap of a pfn in the overlap is the zone that holds it.
    REQUIRE(m.boot_zone_of_pfn(0x1c0000) != nullptr);
    CHECK(m.boot_zone_of_pfn(0x1c0000)->zone == ZONE_MOVABLE);
    REQUIRE(m.boot_zone_of_pfn(0x220000) != nullptr);
    CHECK(m.boot_zone_of_pfn(0x220000)->zone == ZONE_NORMAL);
}

TEST_CASE("boot: boot_blocks put boot RAM blocks into the explorer's operations with every boot counter unchanged") {
    const std::string file = std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/60-boot-blocks-kernelcore-explore.toml";
    const Scenario sc = load_scenario(file);
    // The same machine without boot_blocks: the boot state must be identical field by field
    // (the carved blocks come back through the boot's online_pages()).
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find("boot_blocks = [35, 37, 39]\n");
    REQUIRE(at != std::string::npos);
    text.erase(at, std::string("boot_blocks = [35, 37, 39]\n").size());
    const std::string plain_file = (std::filesystem::temp_directory_path() / "hpcheck-boot-blocks-plain.toml").string();
    std::ofstream(plain_file) << text;
    const Scenario plain = load_scenario(plain_file);
    std::filesystem::remove(plain_file);
    const KernelState s = initial_state(sc.machine), p = initial_state(plain.machine);
    for (unsigned zi = 0; zi < MAX_NR_ZONES; ++zi) {
        CAPTURE(zi);
        CHECK(s.nodes[0].zones[zi].zone_start_pfn == p.nodes[0].zones[zi].zone_start_pfn);
        CHECK(s.nodes[0].zones[zi].spanned_pages == p.nodes[0].zones[zi].spanned_pages);
        CHECK(s.nodes[0].zones[zi].present_pages == p.nodes[0].zones[zi].present_pages);
        CHECK(s.nodes[0].zones[zi].managed_pages == p.nodes[0].zones[zi].managed_pages);
    }
    CHECK(s.nodes[0].node_present_pages == p.nodes[0].node_present_pages);
    // memory35 (ZONE_NORMAL), memory37 and memory39 (boot ZONE_MOVABLE): online at boot, no group.
    int b35 = -1, b39 = -1;
    for (unsigned b = 0; b < sc.machine.blocks.size(); ++b) {
        const Dimm& d = sc.machine.dimms[sc.machine.blocks[b].dimm];
        if (!d.boot_ram) continue;
        CHECK(s.blocks[b].state == MEM_ONLINE);
        CHECK(group_of_block(sc.machine, b) == NO_GROUP);
        if (d.name == "memory35") {
            b35 = static_cast<int>(b);
            CHECK(s.blocks[b].zone == ZONE_NORMAL);
        }
        if (d.name == "memory39") {
            b39 = static_cast<int>(b);
            CHECK(s.blocks[b].zone == ZONE_MOVABLE);
        }
    }
    REQUIRE(b35 >= 0);
    REQUIRE(b39 >= 0);
    const Variant& v = *find_variant("v6.1");
    // Offlining memory35 takes its pages out of ZONE_NORMAL; memory39 holds memblock's
    // top-down allocations (PG_reserved): -EBUSY.
    KernelState t = s;
    CHECK(apply_action(sc.machine, v.ops, t, Action{ActionKind::OFFLINE, static_cast<std::uint8_t>(b35), 1, {}}, nullptr).rc == 0);
    CHECK(t.nodes[0].zones[ZONE_NORMAL].present_pages + 32768u == s.nodes[0].zones[ZONE_NORMAL].present_pages);
    CHECK(sc.machine.block_pinned(static_cast<unsigned>(b39)));
    KernelState u = s;
    CHECK(apply_action(sc.machine, v.ops, u, Action{ActionKind::OFFLINE, static_cast<std::uint8_t>(b39), 1, {}}, nullptr).rc != 0);
    // No ACPI device: no add, eject or remove of boot RAM.
    const unsigned d35 = sc.machine.blocks[b35].dimm;
    CHECK_FALSE(action_enabled(sc.machine, s, Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d35), 1, {}}));
    CHECK_FALSE(action_enabled(sc.machine, s, Action{ActionKind::REMOVE_MEMORY, static_cast<std::uint8_t>(b35), 1, {}}));
}
