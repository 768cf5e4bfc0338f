// Real memory-hotplug bugs of the kernel's history, each as the buggy form of the one
// kernel function its fix changed, on top of the fixed kernel's table (taken by name with
// ops_of()). Each has a scenario spec/scenarios/bug-<commit12>-<slug>.toml that expects the
// violation; the same scenario passes under the parent (tests/test_kernel_bugs.cpp), and
// docs/bugs-found.md lists them with the command and the verdict.
//
// The buggy functions run on the 6.1 call paths (the parent), not on the whole kernel of
// their time: what is checked is that the fix's one change is what keeps the invariant.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/ops/section_deactivate.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// b943f045a9af "mm/sparse: fix kernel crash with pfn_section_valid check" (5.6-rc7,
// Aneesh Kumar K.V; Fixes: d41e2f3bd546). Before it, section_deactivate() freed ms->usage
// (kfree; ms->usage = NULL) while SECTION_HAS_MEM_MAP was still set, then depopulated the
// memmap; on ppc64, vmemmap_free() -> vmemmap_populated() -> pfn_valid() of the section
// being removed passed valid_section() and dereferenced the NULL usage
// ("NIP vmemmap_populated+0x98 ... LR vmemmap_free+0x144 ... section_deactivate+0x220").
// The fix clears SECTION_HAS_MEM_MAP first.
void section_deactivate_usage_first(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    base::section_deactivate_as(k, pfn, nr_pages, altmap, {.invalid_before_usage_free = false});
}

// d41e2f3bd546 "mm/hotplug: fix hot remove failure in SPARSEMEM|!VMEMMAP case" (5.6-rc, Baoquan
// He; Fixes: ba72b4c8cf60, 5.3). ba72b4c8cf60's section_deactivate() cleared section_mem_map
// (address and flags) inside "if (bitmap_empty(subsection_map))", after decoding the memmap for
// free_map_bootmem(), and only then called depopulate_section_memmap(). Without VMEMMAP that is
// a free of pfn_to_page(pfn) decoded from the NULL section_mem_map ("kernel BUG at
// mm/page_alloc.c:4806!" in free_pages(), from __remove_pages() under acpi_memory_device_remove()),
// and the section's memmap is never freed. Early sections were not affected: their memmap was
// decoded before the clear. The fix moves "ms->section_mem_map = NULL" after the free.
void section_deactivate_clear_map_first(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    base::section_deactivate_as(k, pfn, nr_pages, altmap, {.map_cleared_after_memmap_free = false});
}

// 8068df3b6037 "mm/memory_hotplug: don't free usage map when removing a re-added early section"
// (5.6-rc, David Hildenbrand; Fixes: 326e1b8f83a4 "mm/sparsemem: introduce a SECTION_IS_EARLY
// flag", 5.3). section_deactivate() kept ms->usage only "if (section_is_early)": the first
// removal of an early section keeps its memblock usage, the re-add reuses it ("if (!ms->usage)")
// but is no longer early, and the second removal kfree()s the memblock allocation ("kernel BUG at
// mm/slub.c:3969" from section_deactivate() under __remove_pages(), ppc64 memtrace). The fix asks
// PageReserved(virt_to_page(ms->usage)) instead. The rest is v6.1's section_deactivate().
void section_deactivate_usage_kept_if_early(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    base::section_deactivate_as(k, pfn, nr_pages, altmap, {.usage_kept_if_reserved = false});
}

// 656d57119326 "mm/memory_hotplug: fix updating the node span" (5.4-rc, David Hildenbrand;
// Fixes: 00d6c019b5bc). update_pgdat_span() started from node_start_pfn = 0 and did not skip
// empty zones, so the node span always started at pfn 0 after a shrink.
void update_pgdat_span_from_zero(Kernel& k, int nid) {
    KCALL(k, "update_pgdat_span");
    pfn_t node_start_pfn = 0, node_end_pfn = 0;
    NodeState& pgdat = k.s.nodes[nid];
    for (const ZoneState& z : pgdat.zones) {
        const pfn_t zone_start_pfn = z.zone_start_pfn, zone_end_pfn = z.end_pfn();
        // No need to lock the zones, they can't change.
        if (zone_end_pfn > node_end_pfn) node_end_pfn = zone_end_pfn;
        if (zone_start_pfn < node_start_pfn) node_start_pfn = zone_start_pfn;
    }
    pgdat.node_start_pfn = static_cast<u32>(node_start_pfn);
    pgdat.node_spanned_pages = static_cast<u32>(node_end_pfn - node_start_pfn);
}

// 2c91f8fc6c99 "mm/memory_hotplug: fix try_offline_node()" (5.5-rc, David Hildenbrand;
// Fixes: 60a5a19e7419, f1dd2cd13c4b). Before it, try_offline_node() looked for present
// sections of the node only inside the node span, and read their nid from the struct page
// (pfn_to_nid()). Memory that was added but never onlined (or offlined, since
// feee6b298916 shrinks at offline) is outside the span: the node went offline while its
// memory block devices still existed. The fix checks node_spanned_pages and walks the
// memory blocks (check_no_memblock_for_node_cb).
void try_offline_node_by_span(Kernel& k, int nid) {
    KCALL(k, "try_offline_node");
    const NodeState& pgdat = k.s.nodes[nid];
    const u64 pps = k.m.geo.pages_per_section;
    const pfn_t start_pfn = pgdat.node_start_pfn, end_pfn = start_pfn + pgdat.node_spanned_pages;
    for (pfn_t pfn = start_pfn - start_pfn % pps; pfn < end_pfn; pfn += pps) {
        if (!k.ops.valid_section(k, pfn)) continue;  // present_section_nr()
        const u8 mm = read_memmap(k, pfn, "try_offline_node: pfn_to_nid()");
        if (!Memmap::initialized(mm) || Memmap::nid(mm) != nid) continue;
        return;  // some memory sections of this node are not removed
    }
    if (k.m.cpus_per_node[nid]) return;  // check_cpu_on_node()
    KSAY(k, "node_set_offline({}) + unregister_one_node", nid);
    k.s.nodes[nid].online = 0;
}

// "mm/memory_hotplug: don't access uninitialized memmaps in shrink_zone_span()" (5.5-rc /
// 5.4.y stable, David Hildenbrand; Fixes: f1dd2cd13c4b, visible after d0dc12e86b31). Before
// it, find_smallest_section_pfn()/find_biggest_section_pfn() skipped a pfn only if
// !pfn_valid(): the struct pages of memory that was added but not onlined are valid but
// poisoned, and pfn_to_nid()/page_zone() read garbage. The fix tests pfn_to_online_page().
pfn_t find_smallest_section_pfn_valid(Kernel& k, int nid, unsigned zone, pfn_t start, pfn_t end) {
    return base::find_smallest_section_pfn_by(k, k.ops.pfn_valid, nid, zone, start, end);
}
pfn_t find_biggest_section_pfn_valid(Kernel& k, int nid, unsigned zone, pfn_t start, pfn_t end) {
    return base::find_biggest_section_pfn_by(k, k.ops.pfn_valid, nid, zone, start, end);
}

// 00d6c019b5bc "mm/memory_hotplug: don't access uninitialized memmaps in
// shrink_pgdat_span()" (5.4-rc, David Hildenbrand; stable). Before it the node span was
// shrunk like the zone span, by walking pfns: pfn_valid(), then pfn_to_nid() of the struct
// page -- of memory that was added but never onlined too, whose struct pages are poisoned.
// The fix replaced shrink_pgdat_span(pgdat, start, end) by update_pgdat_span(pgdat), the
// hull of the zone spans. On the 6.1 paths the walk runs where update_pgdat_span() runs,
// from remove_pfn_range_from_zone(), so that function is the 6.1 one with the call swapped.
bool node_pfn(Kernel& k, int nid, pfn_t pfn) {
    if (!k.ops.pfn_valid(k, pfn)) return false;
    const u8 mm = read_memmap(k, pfn, "shrink_pgdat_span: pfn_to_nid()");
    return Memmap::initialized(mm) && Memmap::nid(mm) == nid;
}
// First (forward) or last pfn of node nid in [lo, hi) outside [skip_lo, skip_hi), in
// subsection steps, jumping over uniform runs like the 6.1 walkers.
pfn_t walk_node(Kernel& k, int nid, pfn_t lo, pfn_t hi, pfn_t skip_lo, pfn_t skip_hi, bool forward) {
    const u64 step = k.m.geo.pages_per_subsection;
    if (forward) {
        for (pfn_t pfn = lo; pfn < hi;) {
            const PfnProbe p = probe_pfn(k.m, k.s, pfn);
            if (!(pfn >= skip_lo && pfn < skip_hi) && node_pfn(k, nid, pfn)) return pfn;
            pfn += std::max<pfn_t>((p.run_hi - pfn + step - 1) / step, 1) * step;
        }
        return 0;
    }
    if (hi == 0) return 0;
    for (pfn_t pfn = hi - 1; pfn >= lo;) {
        const PfnProbe p = probe_pfn(k.m, k.s, pfn);
        if (!(pfn >= skip_lo && pfn < skip_hi) && node_pfn(k, nid, pfn)) return pfn;
        const pfn_t n = (pfn - p.run_lo) / step + 1;
        if (n * step > pfn) break;
        pfn -= n * step;
    }
    return 0;
}
void shrink_pgdat_span(Kernel& k, int nid, pfn_t start_pfn, pfn_t end_pfn) {
    KCALL(k, "shrink_pgdat_span");
    NodeState& pgdat = k.s.nodes[nid];
    const pfn_t pgdat_start_pfn = pgdat.node_start_pfn;
    const pfn_t pgdat_end_pfn = pgdat_start_pfn + pgdat.node_spanned_pages;
    if (pgdat_start_pfn == start_pfn) {
        // the smallest section of the node: find the second smallest valid pfn
        const pfn_t pfn = walk_node(k, nid, end_pfn, pgdat_end_pfn, 0, 0, true);
        if (pfn) {
            pgdat.node_start_pfn = static_cast<u32>(pfn);
            pgdat.node_spanned_pages = static_cast<u32>(pgdat_end_pfn - pfn);
        }
    } else if (pgdat_end_pfn == end_pfn) {
        const pfn_t pfn = walk_node(k, nid, pgdat_start_pfn, start_pfn, 0, 0, false);
        if (pfn) pgdat.node_spanned_pages = static_cast<u32>(pfn - pgdat_start_pfn + 1);
    }
    // "If we find valid section, we have nothing to do"; else the node spans nothing.
    if (walk_node(k, nid, pgdat.node_start_pfn, pgdat.node_start_pfn + pgdat.node_spanned_pages, start_pfn, end_pfn,
                  true))
        return;
    pgdat.node_start_pfn = 0;
    pgdat.node_spanned_pages = 0;
}
// 6.1's remove_pfn_range_from_zone() with shrink_pgdat_span() where update_pgdat_span() is.
void remove_pfn_range_from_zone_shrink_pgdat(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, u64 nr_pages) {
    KCALL(k, "remove_pfn_range_from_zone");
    base::set_memmap(k, start_pfn, nr_pages, Memmap::POISONED);
    k.s.zone(nid, zone).contiguous = 0;
    k.ops.shrink_zone_span(k, nid, zone, start_pfn, start_pfn + nr_pages);
    shrink_pgdat_span(k, nid, start_pfn, start_pfn + nr_pages);
    base::set_zone_contiguous(k, nid, zone);
}

// f47f758cff59 "drivers/base/memory: fix an unlikely reference counting issue in
// __add_memory_block()" (5.19-rc, Christophe JAILLET; Fixes: 4fb6eabf1037, 5.6). When
// xa_store() failed, register_memory() called put_device() and then device_unregister(),
// which puts the device again: the second put (and device_del()) runs on a memory_block
// that memory_block_release() already freed.
int register_memory_double_put(Kernel& k, unsigned b, bool xa_store_fails) {
    KCALL(k, "register_memory");
    BlockState& mem = k.s.blocks[b];
    mem.state = MEM_OFFLINE;  // device_register()
    mem.dev_kref = 1;
    mem.dev_ref_taker = 0u;
    if (xa_store_fails) {
        base::put_device(k, b);  // removed by the fix
        base::device_unregister(k, b);
        return -ENOMEM;
    }
    return 0;
}

// 93866f55f7e2 "mm/memory_hotplug: fix memory block reference leak on remove" (2026-04,
// Muchun Song; Fixes: 6b8f0798b85a): 6.8's remove_memory_blocks_and_altmaps() never put the
// reference its find_memory_block() took, so every removed memory_block leaks.
void remove_memory_blocks_and_altmaps_leaking(Kernel& k, pfn_t start, u64 nr_pages) {
    remove_memory_blocks_and_altmaps_with(k, start, nr_pages, /*put_found_block=*/false);
}

// a2b8d7827f48 "drivers/base/memory: set mem->altmap after successful device registration"
// (2026-05, Georgi Djakov; Fixes: 1a8c64e11043, 6.6): add_memory_block() set mem->altmap before
// __add_memory_block(); when xa_store() fails, device_unregister() releases the block with
// mem->altmap set (memory_block_release(): WARN_ON(mem->altmap)).
int register_memory_altmap_set_first(Kernel& k, unsigned b, bool xa_store_fails) {
    base::altmap_attach(k, b);  // mem->altmap = altmap; (moved below __add_memory_block() by the fix)
    return base::register_memory(k, b, xa_store_fails);
}

Variant bug(const char* name, const char* parent, const char* source, const char* what,
            void (*apply)(KernelOps&)) {
    Variant v;
    v.name = name;
    v.parent = parent;
    v.source = source;
    v.description = what;
    v.ops = ops_of(parent);  // the fixed kernel's table, by name
    apply(v.ops);
    return v;
}

}  // namespace

void add_kernel_bugs(std::vector<Variant>& out) {
    out.push_back(bug("bug-b943f045a9af", "v6.1",
                      "before b943f045a9af \"mm/sparse: fix kernel crash with pfn_section_valid check\" (5.6-rc7; "
                      "Fixes: d41e2f3bd546)",
                      "section_deactivate() frees ms->usage while SECTION_HAS_MEM_MAP is still set, then depopulates "
                      "the memmap: ppc64 vmemmap_free() asks pfn_valid() of the section and reads the freed usage.",
                      [](KernelOps& o) { o.section_deactivate = section_deactivate_usage_first; }));
    out.push_back(bug("bug-d41e2f3bd546", "v6.1",
                      "before d41e2f3bd546 \"mm/hotplug: fix hot remove failure in SPARSEMEM|!VMEMMAP case\" (5.6-rc; "
                      "Fixes: ba72b4c8cf60)",
                      "section_deactivate() clears section_mem_map before depopulate_section_memmap(): without "
                      "VMEMMAP, kvfree(pfn_to_page(pfn)) decodes the NULL section_mem_map and the memmap leaks.",
                      [](KernelOps& o) { o.section_deactivate = section_deactivate_clear_map_first; }));
    out.push_back(bug("bug-8068df3b6037", "v6.1",
                      "before 8068df3b6037 \"mm/memory_hotplug: don't free usage map when removing a re-added early "
                      "section\" (5.6-rc; Fixes: 326e1b8f83a4, 5.3)",
                      "section_deactivate() keeps ms->usage only for an early section: a cold-plugged DIMM's section "
                      "that was removed and re-added reuses its memblock usage, and its second removal kfree()s it.",
                      [](KernelOps& o) { o.section_deactivate = section_deactivate_usage_kept_if_early; }));
    out.push_back(bug("bug-656d57119326", "v6.1",
                      "before 656d57119326 \"mm/memory_hotplug: fix updating the node span\" (5.4-rc; Fixes: "
                      "00d6c019b5bc)",
                      "update_pgdat_span() starts from node_start_pfn = 0 and does not skip empty zones: after any "
                      "shrink the node spans from pfn 0.",
                      [](KernelOps& o) { o.update_pgdat_span = update_pgdat_span_from_zero; }));
    out.push_back(bug("bug-2c91f8fc6c99", "v6.1",
                      "before 2c91f8fc6c99 \"mm/memory_hotplug: fix try_offline_node()\" (5.5-rc; Fixes: "
                      "60a5a19e7419, f1dd2cd13c4b)",
                      "try_offline_node() looks for present sections of the node only inside the node span: a node "
                      "whose only memory is added but not online goes offline under its memory block devices.",
                      [](KernelOps& o) { o.try_offline_node = try_offline_node_by_span; }));
    out.push_back(bug("bug-shrink-zone-span-pfn-valid", "v6.1",
                      "before \"mm/memory_hotplug: don't access uninitialized memmaps in shrink_zone_span()\" (5.5-rc, "
                      "stable 4.13+; Fixes: f1dd2cd13c4b)",
                      "find_smallest/biggest_section_pfn() test pfn_valid() instead of pfn_to_online_page(): the "
                      "shrink reads the poisoned struct pages of memory that was added but never onlined.",
                      [](KernelOps& o) {
                          o.find_smallest_section_pfn = find_smallest_section_pfn_valid;
                          o.find_biggest_section_pfn = find_biggest_section_pfn_valid;
                      }));
    out.push_back(bug("bug-00d6c019b5bc", "v6.1",
                      "before 00d6c019b5bc \"mm/memory_hotplug: don't access uninitialized memmaps in "
                      "shrink_pgdat_span()\" (5.4-rc)",
                      "The node span shrinks by walking pfns with pfn_valid() and pfn_to_nid(): the walk reads the "
                      "poisoned struct pages of memory that was added but never onlined.",
                      [](KernelOps& o) { o.remove_pfn_range_from_zone = remove_pfn_range_from_zone_shrink_pgdat; }));
    out.push_back(bug("bug-f47f758cff59", "v6.1",
                      "before f47f758cff59 \"drivers/base/memory: fix an unlikely reference counting issue in "
                      "__add_memory_block()\" (5.19-rc; Fixes: 4fb6eabf1037)",
                      "register_memory() puts the device and then device_unregister()s it when xa_store() fails: the "
                      "second put runs on the freed memory_block.",
                      [](KernelOps& o) { o.register_memory = register_memory_double_put; }));
    out.push_back(bug("bug-93866f55f7e2", "v6.8",
                      "6.8 as merged, before 93866f55f7e2 \"mm/memory_hotplug: fix memory block reference leak on "
                      "remove\" (2026-04; Fixes: 6b8f0798b85a)",
                      "remove_memory_blocks_and_altmaps() does not put_device() the reference find_memory_block() "
                      "took: the removed memory_block is never freed.",
                      [](KernelOps& o) { o.remove_memory_blocks_and_altmaps = remove_memory_blocks_and_altmaps_leaking; }));
    out.push_back(bug("bug-a2b8d7827f48", "v6.12",
                      "before a2b8d7827f48 \"drivers/base/memory: set mem->altmap after successful device "
                      "registration\" (2026-05, Georgi Djakov; Fixes: 1a8c64e11043, 6.6)",
                      "add_memory_block() sets mem->altmap before __add_memory_block(): when xa_store() fails, "
                      "device_unregister() releases the memory_block with mem->altmap still set "
                      "(WARN_ON(mem->altmap) in memory_block_release()).",
                      [](KernelOps& o) { o.register_memory = register_memory_altmap_set_first; }));
    // The other direction: v6.8 (6b8f0798b85a as merged) has the bug, the fix is a variant.
    // "mm/memory_hotplug: fix incorrect altmap passing in error path" (Muchun Song, 2026-04;
    // Fixes: 6b8f0798b85a; in mm-stable, backported to Debian's 6.12.117): the per-block
    // error path of create_altmaps_and_memory_blocks() passes params.altmap to
    // arch_remove_memory() instead of NULL -- exactly what v6.1's undo_arch_add_memory()
    // (f42ce5f087eb) does, reused by name.
    out.push_back(bug("v6.8-altmap-error-path-fix", "v6.8",
                      "v6.8 with \"mm/memory_hotplug: fix incorrect altmap passing in error path\" (2026-04, Muchun "
                      "Song; Fixes: 6b8f0798b85a)",
                      "create_altmaps_and_memory_blocks() undoes arch_add_memory() of a block whose memory block "
                      "device could not be created with the block's altmap, so its vmemmap pages go back to the "
                      "altmap instead of the buddy.",
                      [](KernelOps& o) { o.undo_arch_add_memory = ops_of("v6.1").undo_arch_add_memory; }));
}

}  // namespace hp::HP_DOMAIN::variants
