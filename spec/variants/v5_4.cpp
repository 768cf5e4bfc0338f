// v5.4 — before feee6b298916 "mm/memory_hotplug: shrink zones when offlining memory"
// (5.5, backported to stable): zones and nodes shrink only when memory is removed, and
// the shrink is driven by the memmap of the memory being removed.
//
// Deviations from v5.12 (docs/kernel-reference.md §3.3, §3.4, §6, §7 I2/I12):
// - offline_pages(): no remove_pfn_range_from_zone() at the end (the hook is a no-op). The span keeps covering
//   offline memory, and the struct pages keep their zone/node links (the poisoning at
//   offline, d33695b16a9f, came with the same series).
// - online_pages(): a MEM_GOING_ONLINE veto does not shrink the zone back ("Before
//   feee6b298916 (5.5) this path did not shrink the zone").
// - arch_remove_memory() (x86): `zone = page_zone(pfn_to_page(start_pfn) +
//   vmem_altmap_offset(altmap))`, then __remove_pages(zone, ...) -> __remove_section() ->
//   __remove_zone() -> shrink_zone_span() + update_pgdat_span() for every section. The
//   zone comes from a struct page of memory that is offline: poisoned (page_init_poison()
//   at sparse_add_section()) if the memory was never onlined. feee6b298916 (5.5) removed
//   that read, and moved __remove_pages()'s clear_zone_contiguous()/set_zone_contiguous()
//   (around the sections, on that zone) into remove_pfn_range_from_zone(). 00d6c019b5bc (pfn_to_online_page() in the boundary searches, no shrink of
//   ZONE_DEVICE in __remove_zone()) is in 5.4: akpm's 4-patch mm hotfix batch to Linus of
//   2019-11-21 (the stable list's copy), three days before v5.4 was tagged.
// - memunmap_pages(): 5.4's, one range, no remove_pfn_range_from_zone(); the device range
//   goes through the arch_remove_memory() above (page_zone() of pfn_first(): ZONE_DEVICE, no
//   shrink) -> __remove_pages() -> sparse_remove_section() -> section_deactivate().
// - move_pfn_range_to_zone(ZONE_DEVICE): no SECTION_TAINT_ZONE_DEVICE (1f90a3477df3, 5.12).
// - pfn_to_online_page(): 5.4's macro, online_section() alone (no pfn_section_valid(), no
//   ZONE_DEVICE slow path of 1f90a3477df3).
// - section_deactivate() of a device chunk: before ef69bc9f689d (an early section's removed
//   subsections are depopulated); bug-ef69bc9f689d reuses it by name. Under v5.4 the
//   memunmap of ef69bc9f689d's scenario reaches it, and the next memremap writes the
//   unmapped struct pages (memmap-init at page_init_poison), as the commit describes.
// - section_deactivate() of a memory block's section: before 8068df3b6037, d41e2f3bd546,
//   b943f045a9af (2019-12 to 5.6-rc) and 5ec8e8ea8b77 (6.8-rc1): the usage is kfree()d unless the
//   section is early, and section_mem_map is cleared before the memmap is freed.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/ops/section_deactivate.hpp"
#include "spec/ops/subsection.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// 5.4 has no remove_pfn_range_from_zone(): neither offline_pages() nor the
// MEM_GOING_ONLINE veto path of online_pages() shrinks the zone or poisons the struct
// pages. (No memmap_on_memory in 5.4, so mhp_deinit_memmap_on_memory() never calls it.)
void remove_pfn_range_from_zone(Kernel& k, int, unsigned, pfn_t, u64) {
    k.say("5.4: no remove_pfn_range_from_zone(): the zone keeps spanning the range, its struct pages keep their zone");
}

// The device whose range holds pfn, or -1 (spec/ops/subsection.cpp keeps its own copy).
int device_of_pfn(const Machine& m, const pfn_t& pfn) {
    for (unsigned d = 0; d < m.devices.size(); ++d)
        if (pfn >= m.devices[d].base_pfn && pfn < m.devices[d].base_pfn + m.devices[d].nr_pages)
            return static_cast<int>(d);
    return -1;
}

// mm/memory_hotplug.c:__remove_zone@v5.4. 00d6c019b5bc "mm/memory_hotplug: don't access
// uninitialized memmaps in shrink_zone_span()" (sent to Linus as an mm hotfix on 2019-11-21, in
// v5.4) returns early for ZONE_DEVICE: "Zone shrinking code cannot properly deal with ZONE_DEVICE".
// `zone_mm` is the struct page arch_remove_memory() took the zone from.
void remove_zone(Kernel& k, bool zone_device, u8 zone_mm, pfn_t pfn, u64 nr_pages) {
    KCALL(k, "__remove_zone");
    if (zone_device) {
        k.say("__remove_zone: zone_idx(zone) == ZONE_DEVICE: no shrink");
    } else if (Memmap::initialized(zone_mm)) {
        k.ops.shrink_zone_span(k, Memmap::nid(zone_mm), Memmap::zone(zone_mm), pfn, pfn + nr_pages);
        k.ops.update_pgdat_span(k, Memmap::nid(zone_mm));
    } else {
        k.say("__remove_zone() on the zone of a poisoned struct page: garbage (the model skips the shrink)");
    }
}

// arch/x86/mm/init_64.c:arch_remove_memory@v5.4:
//   struct page *page = pfn_to_page(start_pfn) + vmem_altmap_offset(altmap);
//   struct zone *zone = page_zone(page);
//   __remove_pages(zone, start_pfn, nr_pages, altmap);
//   kernel_physical_mapping_remove(start, start + size);
// The zone to shrink is read from the memmap of the memory being removed. For a pmem range
// (memunmap_pages()) that struct page is pfn_first(), which memmap_init_zone_device()
// initialized: ZONE_DEVICE. For a DIMM it is poisoned if the memory was never onlined.
// mm/memory_hotplug.c:__remove_pages@v5.4 -> __remove_section(): "if
// (WARN_ON_ONCE(!valid_section(ms))) return;", __remove_zone(), sparse_remove_section().
void arch_remove_memory(Kernel& k, pfn_t start, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "arch_remove_memory");
    const pfn_t first = start + (altmap ? altmap->reserve + altmap->free : 0);  // + vmem_altmap_offset(altmap)
    const char* const what = "arch_remove_memory: page_zone(pfn_to_page(start_pfn))";  // + vmem_altmap_offset()
    const int dev = k.m.block_of_pfn(first) < 0 ? device_of_pfn(k.m, first) : -1;
    u8 mm = Memmap::POISONED;
    if (dev >= 0) base::read_device_memmap(k, static_cast<unsigned>(dev), first, what);  // ZONE_DEVICE
    else mm = read_memmap(k, first, what);
    // __remove_pages(zone, ...) of 5.4: clear_zone_contiguous(zone) before the sections and
    // set_zone_contiguous(zone) after them (feee6b298916 moved both into
    // remove_pfn_range_from_zone()). A poisoned struct page gives a garbage zone (the model
    // touches none) and ZONE_DEVICE has no contiguity in the model (never contiguous).
    const bool zone_known = dev < 0 && Memmap::initialized(mm);
    {
        KCALL(k, "__remove_pages");
        if (zone_known) k.s.zone(Memmap::nid(mm), Memmap::zone(mm)).contiguous = 0;  // clear_zone_contiguous()
        const u64 pps = k.m.geo.pages_per_section;
        for (pfn_t pfn = start, end = start + nr_pages; pfn < end;) {
            const u64 cur = std::min<u64>(end - pfn, pps - pfn % pps);
            KCALL(k, "__remove_section");
            if ((k.m.block_of_pfn(pfn) < 0 && k.m.dev_section_of_pfn(pfn) < 0) || !k.ops.valid_section(k, pfn)) {
                KSAY(k, "WARN_ON_ONCE(!valid_section(ms)) at pfn {:#x}", pfn);
            } else {
                remove_zone(k, dev >= 0, mm, pfn, cur);
                k.ops.sparse_remove_section(k, pfn, cur, altmap);
            }
            pfn += cur;
        }
        if (zone_known) base::set_zone_contiguous(k, Memmap::nid(mm), Memmap::zone(mm));
    }
    // kernel_physical_mapping_remove(): the linear map goes.
    if (k.m.pt.enabled) k.ops.linear_map(k, start, nr_pages, false);
}

// mm/memremap.c:memunmap_pages@v5.4 (with 77e080e7680e, 5.4-rc): no pageunmap_range() (one
// range per pgmap until 5.10) and no remove_pfn_range_from_zone() (feee6b298916, 5.5): the
// struct pages are not poisoned and the zone is not touched here; the zone arch_remove_memory()
// shrinks is read again from the memmap.
//   start_pfn = pfn_first(pgmap); nid = page_to_nid(pfn_to_page(start_pfn));
//   mem_hotplug_begin(); arch_remove_memory(nid, res->start, resource_size(res), pgmap_altmap(pgmap));
//   kasan_remove_zero_shadow(); mem_hotplug_done(); untrack_pfn(); pgmap_array_delete(res);
//   dev_WARN_ONCE(dev, pgmap->altmap.alloc, "failed to free all reserved pages");
// dev_pagemap_kill()/put_page()/dev_pagemap_cleanup() (the percpu ref) are not modelled.
void memunmap_pages(Kernel& k, unsigned dev) {
    KCALL(k, "memunmap_pages");
    const Device& dv = k.m.devices[dev];
    DevState& ds = k.s.devices[dev];
    base::read_device_memmap(k, dev, dv.pfn_first(), "memunmap_pages: page_to_nid(pfn_to_page(pfn_first(pgmap)))");
    VmemAltmap altmap;
    if (dv.altmap) {
        altmap.base_pfn = dv.base_pfn;
        altmap.reserve = dv.altmap_reserve;
        altmap.free = dv.altmap_free;
        altmap.alloc = ds.altmap_alloc;
        altmap.owner_device = static_cast<int>(dev);
    }
    {
        const base::MemHotplugScope mem_hotplug(k);  // mem_hotplug_begin()
        k.ops.arch_remove_memory(k, dv.base_pfn, dv.nr_pages, dv.altmap ? &altmap : nullptr);
    }
    ds.mapped = 0;  // untrack_pfn(), pgmap_array_delete()
    if (dv.altmap && ds.altmap_alloc) {
        KSAY(k, "dev_WARN_ONCE: failed to free all reserved pages ({} still allocated)", ds.altmap_alloc);
        k.observe(Observation::ALTMAP_LEAK, "memunmap_pages", dv.base_pfn, ds.altmap_alloc);
    }
    ds.vmemmap_backing = BACKING_NONE;
}

// mm/memory_hotplug.c:move_pfn_range_to_zone@v5.4: for ZONE_DEVICE the same resize_zone_range(),
// resize_pgdat_range() and memmap_init_zone(MEMMAP_HOTPLUG) (the altmap's pfns only) as 6.1, but
// no SECTION_TAINT_ZONE_DEVICE: that flag came with 1f90a3477df3 (5.12). Nothing in 5.4 sets it,
// so the bit the parent's function sets is cleared on every device section again.
void move_pfn_range_to_zone(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, u64 nr_pages) {
    base::move_pfn_range_to_zone(k, nid, zone, start_pfn, nr_pages);
    if (zone != ZONE_DEVICE_IDX) return;
    for (DevSectionState& ms : k.s.dev_sections) ms.flags &= ~SEC_TAINT_ZONE_DEVICE;
}

// include/linux/memory_hotplug.h (5.4) pfn_to_online_page(), a macro: the section is online
// ("online_section_nr(___nr) && pfn_valid_within(___pfn)", pfn_valid_within() being 1 without
// CONFIG_HOLES_IN_ZONE). No subsection validity (Dan Williams' 5.12 series moved it out of line
// and added pfn_section_valid()) and no ZONE_DEVICE slow path (1f90a3477df3, 5.12-rc): a pmem
// pfn in a section whose other part is online System RAM is "online".
flag pfn_to_online_page(Kernel& k, pfn_t pfn) {
    return k.ops.online_section(k, pfn);
}

// mm/sparse.c:section_deactivate@v5.4. A memory block's whole section: the form before all
// four fixes of spec/ops/section_deactivate.hpp (5.4 was tagged 2019-11-24; 8068df3b6037 was
// posted 2019-12, d41e2f3bd546 and b943f045a9af are 5.6-rc, 5ec8e8ea8b77 is 6.8-rc1; stable
// backports to 5.4.y are not the v5.4 tag this variant is):
//   if (!section_is_early) { kfree(ms->usage); ms->usage = NULL; }
//   memmap = sparse_decode_mem_map(ms->section_mem_map, section_nr);
//   ms->section_mem_map = sparse_encode_mem_map(NULL, section_nr);
//   if (section_is_early && memmap) free_map_bootmem(memmap); else depopulate_section_memmap();
// so a re-added early section's memblock usage is kfree()d by its second removal (the
// bug-8068df3b6037 form), and without VMEMMAP kvfree(pfn_to_page(pfn)) decodes the cleared
// section_mem_map (the bug-d41e2f3bd546 form). (sparse_encode_mem_map(NULL, nr) decodes to a
// NULL memmap at the section's first pfn, as the later "(unsigned long)NULL" does.)
// A chunk of a device section, before ef69bc9f689d "mm/sparse: never partially remove memmap
// for early section" (Wei Yang, 2020): the boot memmap of an early section is freed only when
// the section becomes empty, and otherwise the removed subsections' memmap is depopulated --
// which section_activate() never repopulates for an early section ("reuse what is already
// there"): re-adding the range writes struct pages that are no longer mapped. The variant
// bug-ef69bc9f689d takes this function by name.
constexpr base::SectionDeactivateForm kSectionDeactivate54{
    .usage_kept_if_reserved = false,         // before 8068df3b6037
    .usage_kfree_rcu = false,                // before 5ec8e8ea8b77
    .invalid_before_usage_free = false,      // before b943f045a9af
    .map_cleared_after_memmap_free = false,  // before d41e2f3bd546
};
void section_deactivate(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    if (k.m.block_of_pfn(pfn) >= 0) return base::section_deactivate_block(k, pfn, nr_pages, altmap, kSectionDeactivate54);
    KCALL(k, "section_deactivate");
    const int cleared = base::clear_device_subsections(k, pfn, nr_pages);
    if (cleared < 0) return;
    const bool empty = cleared == 1;
    const int si = k.m.dev_section_of_pfn(pfn);
    DevSectionState& ms = k.s.dev_sections[si];
    const bool early = k.m.dev_sections[si].early;
    if (early && empty) {  // "if (section_is_early && memmap) free_map_bootmem(memmap);"
        k.say("free_map_bootmem(memmap)");
        ms.memmap_mapped = 0;
    } else {  // "else depopulate_section_memmap(pfn, nr_pages, altmap);" -- an early section too
        k.ops.depopulate_section_memmap(k, pfn, nr_pages, altmap);
    }
    if (empty) ms.flags = 0;
}

}  // namespace

Variant v5_4() {
    Variant v;
    v.name = "v5.4";
    v.parent = "v5.12";
    v.source = "Linux 5.4, before feee6b298916 \"mm/memory_hotplug: shrink zones when offlining memory\" and "
               "00d6c019b5bc \"mm/memory_hotplug: don't access uninitialized memmaps in shrink_zone_span()\"";
    v.description =
        "Zones shrink only at remove time: offline_pages() leaves the span and the struct pages as they are, and "
        "x86 arch_remove_memory() reads the zone to shrink from the struct page of the memory being removed, "
        "which is poisoned if that memory was never onlined. Device ranges: 5.4's memunmap_pages() -> "
        "arch_remove_memory() -> __remove_pages() -> section_deactivate() (before ef69bc9f689d).";
    v.ops = v5_12().ops;  // the parent's table
    v.ops.remove_pfn_range_from_zone = remove_pfn_range_from_zone;
    v.ops.arch_remove_memory = arch_remove_memory;
    v.ops.memunmap_pages = memunmap_pages;
    v.ops.move_pfn_range_to_zone = move_pfn_range_to_zone;
    v.ops.pfn_to_online_page = pfn_to_online_page;
    v.ops.section_deactivate = section_deactivate;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
