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
//   at sparse_add_section()) if the memory was never onlined. 00d6c019b5bc / feee6b298916
//   removed that read. [unverified: whether 00d6c019b5bc's pfn_to_online_page() check of
//   the boundary searches was already in 5.4.0; the model keeps it, so only the
//   page_zone() read of arch_remove_memory() is the 5.4 behaviour.]
// - pfn_to_online_page(): 5.4's macro, online_section() alone (no pfn_section_valid(), no
//   ZONE_DEVICE slow path of 1f90a3477df3).
// - section_deactivate() of a device chunk: before ef69bc9f689d (an early section's removed
//   subsections are depopulated); bug-ef69bc9f689d reuses it by name.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// 5.4 has no remove_pfn_range_from_zone(): neither offline_pages() nor the
// MEM_GOING_ONLINE veto path of online_pages() shrinks the zone or poisons the struct
// pages. (No memmap_on_memory in 5.4, so mhp_deinit_memmap_on_memory() never calls it.)
void remove_pfn_range_from_zone(Kernel& k, int, unsigned, pfn_t, u64) {
    k.say("5.4: no remove_pfn_range_from_zone(): the zone keeps spanning the range, its struct pages keep their zone");
}

// x86 arch_remove_memory() of 5.4: the zone to shrink is read from the memmap of the
// memory being removed; __remove_section() shrinks it section by section.
void arch_remove_memory(Kernel& k, pfn_t start, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "arch_remove_memory");
    const pfn_t first = start + (altmap ? altmap->free : 0);  // + vmem_altmap_offset(altmap)
    const u8 mm = read_memmap(k, first, "arch_remove_memory: page_zone(pfn_to_page(start_pfn))");
    KCALL(k, "__remove_pages");
    const u64 pps = k.m.geo.pages_per_section;
    for (pfn_t pfn = start, end = start + nr_pages; pfn < end;) {
        const u64 cur = std::min<u64>(end - pfn, pps - pfn % pps);
        const int b = k.m.block_of_pfn(pfn);
        if (b < 0 || !k.ops.valid_section(k, pfn)) {
            KSAY(k, "WARN_ON_ONCE(!valid_section(ms)) at pfn {:#x}", pfn);
        } else {
            KCALL(k, "__remove_section");
            if (Memmap::initialized(mm)) {
                KCALL(k, "__remove_zone");
                k.ops.shrink_zone_span(k, Memmap::nid(mm), Memmap::zone(mm), pfn, pfn + cur);
                k.ops.update_pgdat_span(k, Memmap::nid(mm));
            } else {
                k.say("__remove_zone() on the zone of a poisoned struct page: garbage (the model skips the shrink)");
            }
            k.ops.section_deactivate(k, pfn, cur, altmap);
        }
        pfn += cur;
    }
}

// include/linux/memory_hotplug.h (5.4) pfn_to_online_page(), a macro: the section is online
// ("online_section_nr(___nr) && pfn_valid_within(___pfn)", pfn_valid_within() being 1 without
// CONFIG_HOLES_IN_ZONE). No subsection validity (Dan Williams' 5.12 series moved it out of line
// and added pfn_section_valid()) and no ZONE_DEVICE slow path (1f90a3477df3, 5.12-rc): a pmem
// pfn in a section whose other part is online System RAM is "online".
flag pfn_to_online_page(Kernel& k, pfn_t pfn) {
    return k.ops.online_section(k, pfn);
}

// mm/sparse.c (5.4) section_deactivate() for a chunk of a device section, before ef69bc9f689d
// "mm/sparse: never partially remove memmap for early section" (Wei Yang, 2020): the boot memmap
// of an early section is freed only when the section becomes empty, and otherwise the removed
// subsections' memmap is depopulated -- which section_activate() never repopulates for an early
// section ("reuse what is already there"): re-adding the range writes struct pages that are no
// longer mapped. The variant bug-ef69bc9f689d takes this function by name. Whole sections of
// hot-pluggable blocks keep 6.1's teardown here: 5.4's own (the usage kept only "if
// (!section_is_early)", 8068df3b6037; section_mem_map cleared before the memmap is freed,
// d41e2f3bd546) is not given to v5.4 [limitation: docs/limitations.md].
void section_deactivate(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    if (k.m.block_of_pfn(pfn) >= 0) return base::section_deactivate(k, pfn, nr_pages, altmap);
    KCALL(k, "section_deactivate");
    const int si = k.m.dev_section_of_pfn(pfn);
    DevSectionState& ms = k.s.dev_sections[si];
    const bool early = k.m.dev_sections[si].early;
    const u64 map = k.m.subsection_mask(pfn, nr_pages);
    if (!(ms.flags & SEC_USAGE) || (ms.subsection_map & map) != map) {
        KSAY(k, "WARN: section already deactivated ({:#x} + {})", pfn, nr_pages);
        return;
    }
    ms.subsection_map = ms.subsection_map ^ map;
    const bool empty = ms.subsection_map == 0;
    if (empty) {
        ms.flags &= ~SEC_VALID;
        if (!early) ms.flags &= ~SEC_USAGE;
    }
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
        "which is poisoned if that memory was never onlined.";
    v.ops = v5_12().ops;  // the parent's table
    v.ops.remove_pfn_range_from_zone = remove_pfn_range_from_zone;
    v.ops.arch_remove_memory = arch_remove_memory;
    v.ops.pfn_to_online_page = pfn_to_online_page;
    v.ops.section_deactivate = section_deactivate;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
