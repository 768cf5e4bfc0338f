// Every invariant must catch the bug it exists for. Each test plants one bug in a copy
// of the v6.1 kernel table (like a variant file does), explores, and checks that the
// explorer reports a violation of the right invariant — and that the unmodified kernel
// passes the same exploration.
#include <doctest/doctest.h>

#include "spec/memmap.hpp"
#include "tests/helpers.hpp"

using namespace hp;
using test::explore_with;
using test::mutant;
using test::qemu_machine;

namespace {
ExploreResult explore_only(const Machine& m, const Variant& v, const char* invariant,
                           std::vector<ActionKind> kinds = test::every_action(), std::vector<FaultKind> faults = {}) {
    KernelModel model(m, v, expand_alphabet(m, kinds, faults), select_invariants({invariant}, "test"));
    return explore(model, Limits{});
}
void expect_violation(const ExploreResult& r, const char* invariant) {
    REQUIRE(r.verdict == Verdict::VIOLATION);
    REQUIRE(r.violation);
    CHECK(r.violation->invariant == invariant);
    CHECK_FALSE(r.violation->detail.empty());
}
}  // namespace

TEST_CASE("the unmodified v6.1 kernel passes the explorations used below") {
    const Variant& v61 = *find_variant("v6.1");
    CHECK(explore_with(qemu_machine(3), v61, test::every_action(), {FaultKind::UNMOVABLE_PAGES}).verdict == Verdict::PASS);
    CHECK(explore_with(qemu_machine(2, 1, true, 2), v61).verdict == Verdict::PASS);
    CHECK(explore_with(qemu_machine(1, 2), v61, {ActionKind::DIMM_ADD, ActionKind::ONLINE_MOVABLE, ActionKind::OFFLINE,
                                                 ActionKind::REMOVE_MEMORY})
              .verdict == Verdict::PASS);
}

TEST_CASE("span-tight: offline that never shrinks the zone (pre-5.5 behaviour)") {
    Variant v = mutant("no-shrink");
    v.ops.shrink_zone_span = [](Kernel&, int, unsigned, pfn_t, pfn_t) {};
    const ExploreResult r = explore_with(qemu_machine(2), v);
    expect_violation(r, "span-tight");
    CHECK(r.trace.size() == 3);  // add, online, offline: breadth-first finds the shortest
}

TEST_CASE("zone-empty: a shrink that forgets to empty the zone") {
    Variant v = mutant("no-empty");
    // When nothing online is left, keep the old boundary instead of emptying the zone.
    v.ops.find_smallest_section_pfn = [](Kernel& k, int nid, unsigned zone, pfn_t s, pfn_t e) -> pfn_t {
        const pfn_t p = base::find_smallest_section_pfn(k, nid, zone, s, e);
        return p ? p : k.s.zone(nid, zone).zone_start_pfn;
    };
    v.ops.find_biggest_section_pfn = [](Kernel& k, int nid, unsigned zone, pfn_t s, pfn_t e) -> pfn_t {
        const pfn_t p = base::find_biggest_section_pfn(k, nid, zone, s, e);
        return p ? p : k.s.zone(nid, zone).end_pfn() - 1;
    };
    expect_violation(explore_only(qemu_machine(1), v, "zone-empty"), "zone-empty");
}

TEST_CASE("present-pages: vmemmap pages never accounted as present") {
    Variant v = mutant("no-vmemmap-present");
    v.ops.adjust_present_page_count = [](Kernel& k, pfn_t pfn, unsigned group, std::int64_t n) {
        const int b = k.m.block_of_pfn(pfn);
        if (b >= 0 && pfn == k.m.blocks[b].start_pfn && k.s.blocks[b].nr_vmemmap_pages == std::abs(n)) return;
        base::adjust_present_page_count(k, pfn, group, n);
    };
    expect_violation(explore_with(qemu_machine(1), v), "present-pages");
}

TEST_CASE("managed-pages: vmemmap pages handed to the buddy as managed") {
    Variant v = mutant("vmemmap-managed");
    v.ops.online_pages = [](Kernel& k, pfn_t pfn, std::uint64_t n, int nid, unsigned zone, unsigned group) {
        const int ret = base::online_pages(k, pfn, n, nid, zone, group);
        const int b = k.m.block_of_pfn(pfn);
        if (!ret) k.s.zone(nid, zone).managed_pages += k.s.blocks[b].nr_vmemmap_pages;
        return ret;
    };
    expect_violation(explore_with(qemu_machine(1), v), "managed-pages");
}

TEST_CASE("memmap-init: a shrink search trusting pfn_valid() reads poisoned struct pages") {
    Variant v = mutant("pfn-valid-walker");
    v.ops.find_smallest_section_pfn = [](Kernel& k, int nid, unsigned zone, pfn_t s, pfn_t e) -> pfn_t {
        for (pfn_t p = s; p < e; p += k.m.geo.pages_per_subsection) {
            const PfnProbe pr = probe_pfn(k.m, k.s, p);
            if (!pr.valid) continue;  // pfn_valid() instead of pfn_to_online_page()
            const std::uint8_t mm = read_memmap(k, p, "find_smallest_section_pfn");
            if (Memmap::initialized(mm) && Memmap::nid(mm) == nid && Memmap::zone(mm) == zone) return p;
        }
        return 0;
    };
    const ExploreResult r = explore_with(qemu_machine(3), v);
    expect_violation(r, "memmap-init");
    CHECK(r.violation->detail.find("poisoned") != std::string::npos);
}

TEST_CASE("altmap-free: removal that drops the altmap frees vmemmap pages into the buddy") {
    Variant v = mutant("remove-without-altmap");
    v.ops.arch_remove_memory = [](Kernel& k, pfn_t start, std::uint64_t n, VmemAltmap*) {
        base::arch_remove_memory(k, start, n, nullptr);
    };
    expect_violation(explore_with(qemu_machine(1), v), "altmap-free");
}

TEST_CASE("node-lifecycle: try_offline_node() that ignores memory blocks (pre-2c91f8fc6c99)") {
    Variant v = mutant("offline-node-with-blocks");
    v.ops.try_offline_node = [](Kernel& k, int nid) {
        if (k.s.nodes[nid].node_spanned_pages || k.m.cpus_per_node[nid]) return;
        k.s.nodes[nid].online = 0;
    };
    Machine m = qemu_machine(3, 1, true, 2);  // d1 on node 1, d0/d2 on node 0 ... put two on node 1:
    m.dimms[2].node = 1;
    m.finalize();
    expect_violation(explore_with(m, v), "node-lifecycle");
}

TEST_CASE("refused-unchanged: offline_pages() failure without accounting the vmemmap pages back") {
    Variant v = mutant("no-account-back");
    v.ops.memory_block_offline = [](Kernel& k, unsigned b) {
        const std::uint64_t nr = k.s.blocks[b].nr_vmemmap_pages;
        const int ret = base::memory_block_offline(k, b);
        if (ret && nr) k.ops.adjust_present_page_count(k, k.m.blocks[b].start_pfn, b, -static_cast<std::int64_t>(nr));
        return ret;
    };
    expect_violation(explore_only(qemu_machine(1), v, "refused-unchanged", test::every_action(),
                                  {FaultKind::UNMOVABLE_PAGES}),
                     "refused-unchanged");
}

TEST_CASE("online-granularity: online_pages() that never marks the sections online") {
    Variant v = mutant("no-online-sections");
    v.ops.online_pages = [](Kernel& k, pfn_t pfn, std::uint64_t n, int nid, unsigned zone, unsigned group) {
        const int ret = base::online_pages(k, pfn, n, nid, zone, group);
        const int b = k.m.block_of_pfn(pfn);
        k.s.blocks[b].section_online = 0;
        return ret;
    };
    expect_violation(explore_only(qemu_machine(1), v, "online-granularity"), "online-granularity");
}

TEST_CASE("zone-span: growth that skips the vmemmap range") {
    Variant v = mutant("no-vmemmap-growth");
    v.ops.mhp_init_memmap_on_memory = [](Kernel& k, pfn_t pfn, std::uint64_t n, int nid, unsigned zone) {
        base::set_memmap(k, pfn, n, Memmap::make(nid, zone));  // linked to the zone, span not grown
        return 0;
    };
    expect_violation(explore_with(qemu_machine(1), v), "zone-span");
}

TEST_CASE("node-span: update_pgdat_span() that never recomputes") {
    Variant v = mutant("stale-node-span");
    v.ops.update_pgdat_span = [](Kernel&, int) {};
    expect_violation(explore_only(qemu_machine(2), v, "node-span"), "node-span");
}

TEST_CASE("section-state: a memmap left populated after its section is gone") {
    Variant v = mutant("leaky-depopulate");
    v.ops.depopulate_section_memmap = [](Kernel& k, pfn_t pfn, std::uint64_t n, VmemAltmap* a) {
        const int b = k.m.block_of_pfn(pfn);
        const std::uint8_t backing = k.s.blocks[b].vmemmap_backing;
        base::depopulate_section_memmap(k, pfn, n, a);
        k.s.blocks[b].vmemmap_backing = backing;
    };
    expect_violation(explore_only(qemu_machine(1), v, "section-state"), "section-state");
}

TEST_CASE("round-trip: an offline that leaks one managed page") {
    Variant v = mutant("managed-leak");
    v.ops.offline_pages = [](Kernel& k, pfn_t pfn, std::uint64_t n, int nid, unsigned zone, unsigned group) {
        const int ret = base::offline_pages(k, pfn, n, nid, zone, group);
        if (!ret) k.s.zone(nid, zone).managed_pages += 1;
        return ret;
    };
    expect_violation(explore_only(qemu_machine(1), v, "round-trip"), "round-trip");
}

TEST_CASE("range-alignment: online_pages() called off the pageblock boundary") {
    Variant v = mutant("misaligned-online");
    v.ops.memory_block_online = [](Kernel& k, unsigned b, OnlineType) {
        const pfn_t start = k.m.blocks[b].start_pfn;
        return k.ops.online_pages(k, start + 1, k.m.geo.pages_per_block - 1, k.m.blocks[b].nid, ZONE_MOVABLE, b);
    };
    expect_violation(explore_only(qemu_machine(1), v, "range-alignment"), "range-alignment");
}

TEST_CASE("removal-granularity: one altmap over a multi-block add, then one block removed") {
    Variant v = mutant("multi-block-altmap");
    // Let a two-block DIMM get memmap_on_memory with the 6.1 single altmap: block 1's
    // struct pages then live in block 0, and the single-block removal rule allows
    // removing block 0 alone.
    v.ops.mhp_supports_memmap_on_memory = [](Kernel& k, std::uint64_t n) {
        return k.m.params.memmap_on_memory != MemmapMode::DISABLE && n % k.m.geo.pages_per_block == 0;
    };
    const ExploreResult r =
        explore_only(qemu_machine(1, 2), v, "removal-granularity", {ActionKind::DIMM_ADD, ActionKind::REMOVE_MEMORY});
    expect_violation(r, "removal-granularity");
    CHECK(r.violation->detail.find("use-after-free") != std::string::npos);
}
