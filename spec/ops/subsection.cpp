// Subsection hot-add: ZONE_DEVICE ranges (pmem namespaces) of any subsection-aligned size,
// added by memremap_pages() and removed by memunmap_pages(), in sections of their own or
// sharing a section with boot System RAM (an early section) or with another device — the
// "mixed sections" of Dan Williams' sub-section hotplug series (5.3) and of 1f90a3477df3.
// mm/memremap.c, mm/sparse.c, mm/memory_hotplug.c, mm/page_alloc.c, mm/memory-failure.c
// (Linux 6.1.192).
//
// State (spec/state.hpp, DevSectionState / DevState / DevZoneState):
//   per device section: section_mem_map bits (SEC_*), ms->usage->subsection_map (a bit per
//   subsection), which subsections' struct pages are mapped;
//   per device: pgmap registered, which of its struct pages are initialized, where its
//   memmap lives, pgmap->altmap.alloc;
//   per node: the ZONE_DEVICE span.
// The block paths (spec/ops/add.cpp, remove.cpp, sections.cpp) call into this file when a
// pfn belongs to a section a device touches and not to a memory block.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/ops/subsection.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
// The device whose range holds pfn, or -1.
int device_of_pfn(const Machine& m, const pfn_t& pfn) {
    for (unsigned d = 0; d < m.devices.size(); ++d)
        if (pfn >= m.devices[d].base_pfn && pfn < m.devices[d].base_pfn + m.devices[d].nr_pages)
            return static_cast<int>(d);
    return -1;
}
u64 subsection_bit(const Machine& m, const pfn_t& pfn) { return m.subsection_mask(pfn - pfn % m.geo.pages_per_subsection, m.geo.pages_per_subsection); }
u64 memmap_pages_of(const Geometry& g, const u64& nr_pages) {
    return (g.memmap_bytes(nr_pages) + g.page_size - 1) / g.page_size;
}
}  // namespace

bool device_section_pfn(Kernel& k, const pfn_t& pfn) {
    return k.m.block_of_pfn(pfn) < 0 && !k.m.boot_zone_of_pfn(pfn) && k.m.dev_section_of_pfn(pfn) >= 0;
}

bool early_section_pfn(Kernel& k, const pfn_t& pfn) {
    if (k.m.boot_zone_of_pfn(pfn)) return true;
    const int si = k.m.dev_section_of_pfn(pfn);
    return si >= 0 && k.m.dev_sections[si].early;
}

flag dev_valid_section(Kernel& k, pfn_t pfn) {
    return (k.s.dev_sections[k.m.dev_section_of_pfn(pfn)].flags & SEC_VALID) != 0;
}
flag dev_online_section(Kernel& k, pfn_t pfn) {
    return (k.s.dev_sections[k.m.dev_section_of_pfn(pfn)].flags & SEC_ONLINE) != 0;
}
flag dev_pfn_section_valid(Kernel& k, pfn_t pfn) {
    const DevSectionState& ms = k.s.dev_sections[k.m.dev_section_of_pfn(pfn)];
    if (!(ms.flags & SEC_USAGE)) {
        k.observe(Observation::USAGE_READ_AFTER_FREE, "pfn_section_valid", pfn);
        return false;
    }
    return (ms.subsection_map & subsection_bit(k.m, pfn)) != 0;
}

// get_dev_pagemap(pfn): xa_load(&pgmap_array, pfn) — a registered range holding pfn.
bool get_dev_pagemap(Kernel& k, const pfn_t& pfn) {
    const int d = device_of_pfn(k.m, pfn);
    return d >= 0 && k.s.devices[d].mapped;
}

// SECTION_TAINT_ZONE_DEVICE (online_device_section()); never set on a memory block's section.
flag online_device_section(Kernel& k, pfn_t pfn) {
    const int si = k.m.dev_section_of_pfn(pfn);
    if (si < 0) return false;
    return (k.s.dev_sections[si].flags & SEC_TAINT_ZONE_DEVICE) != 0;
}

// mm/sparse.c section_activate() + the rest of sparse_add_section() for a chunk of one
// device section. Early sections keep their boot memmap: "If we hot-add memory into such a
// section then we do not need to populate the memmap and can simply reuse what is already
// there." (nr_pages < PAGES_PER_SECTION && early_section(ms)).
int sparse_add_subsections(Kernel& k, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "sparse_add_section");
    const int si = k.m.dev_section_of_pfn(pfn);
    DevSectionState& ms = k.s.dev_sections[si];
    const bool early = k.m.dev_sections[si].early;
    const u64 map = k.m.subsection_mask(pfn, nr_pages);
    {
        KCALL(k, "section_activate");
        bool allocated = false;
        if (!(ms.flags & SEC_USAGE)) {
            if (k.inject(FaultKind::SECTION_ENOMEM)) {
                k.say("kzalloc(mem_section_usage) failed");
                return -ENOMEM;
            }
            ms.flags |= SEC_USAGE;  // ms->usage = kzalloc(): an empty subsection_map
            ms.subsection_map = 0;
            allocated = true;
        }
        // fill_subsection_map(): -EEXIST if a subsection of the chunk is already present.
        if (ms.subsection_map & map) {
            KSAY(k, "fill_subsection_map: subsections {:#x} already present in {:#x}: -EEXIST", map, ms.subsection_map);
            if (allocated) ms.flags &= ~SEC_USAGE;  // ms->usage = NULL; kfree(usage)
            return -EEXIST;
        }
        ms.subsection_map |= map;
        if (nr_pages < k.m.geo.pages_per_section && early) {
            k.say("early section: reuse the boot memmap (no populate_section_memmap)");
        } else {
            const int ret = k.ops.populate_section_memmap(k, nid, pfn, nr_pages, altmap);
            if (ret) {
                k.say("populate_section_memmap() failed: section_deactivate()");
                k.ops.section_deactivate(k, pfn, nr_pages, altmap);
                k.memmap_unpopulated = false;
                return ret;
            }
        }
    }
    // page_init_poison(memmap, sizeof(struct page) * nr_pages): writes every struct page of
    // the chunk; a subsection whose struct pages are not mapped faults here.
    if ((ms.memmap_mapped & map) != map)
        k.observe(Observation::UNMAPPED_MEMMAP_READ, "page_init_poison", pfn, nr_pages);
    // ...so those struct pages are no longer all PAGE_UNUSED (x86 sub-PMD tracking).
    if (k.m.pt.enabled) pt_struct_pages_written(k, pfn, nr_pages);
    const int d = device_of_pfn(k.m, pfn);
    if (d >= 0) k.s.devices[d].memmap = 0;
    ms.flags |= SEC_VALID;  // __section_mark_present() + sparse_init_one_section(): HAS_MEM_MAP
    return 0;
}

// populate_section_memmap() of a device chunk: struct pages from the device's altmap
// (altmap_alloc_block_buf(), no fallback) or from node memory.
// An altmap without room fails the populate like the block path does (spec/ops/add.cpp): 6.1's
// vmemmap_populate() (x86 vmemmap_populate_hugepages()/_basepages(), arm64, ppc64) returns
// -ENOMEM from vmemmap_alloc_block_buf() with "no fallback" for an altmap, before the leaf is
// mapped, and section_activate()'s undo vmemmap_free()s nothing of the chunk: so the model
// checks the room before vmemmap_populate() and sets Kernel::memmap_unpopulated. It is not
// reachable from a scenario: the loader (spec/scenario.cpp) sizes vmem_altmap.free to the
// memmap of every chunk of the range, memremap_pages() starts each mapping with alloc = 0, and
// each chunk is populated at most once per mapping (fill_subsection_map()'s -EEXIST comes
// first; an early section's chunk takes nothing), so alloc + pages <= free always holds.
int populate_subsection_memmap(Kernel& k, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "populate_section_memmap");
    if (altmap && altmap->free - altmap->alloc < memmap_pages_of(k.m.geo, nr_pages)) {
        k.say("altmap_alloc_block_buf(): the altmap is exhausted (no fallback): -ENOMEM");
        k.memmap_unpopulated = true;
        return -ENOMEM;
    }
    // __populate_section_memmap() -> the architecture's vmemmap_populate() (spec/ops/pagetables*.cpp;
    // only with [kernel] pagetables): base pages for a sub-section range on x86 and on arm64
    // since d4234d131b0a, a PMD block / PMD shared with neighbours otherwise.
    if (k.m.pt.enabled) {
        const int ret = k.ops.vmemmap_populate(k, pfn, nr_pages, nid, altmap);
        if (ret) return ret;
    }
    const u64 pages = memmap_pages_of(k.m.geo, nr_pages);
    const int d = device_of_pfn(k.m, pfn);
    DevSectionState& ms = k.s.dev_sections[k.m.dev_section_of_pfn(pfn)];
    if (altmap) {
        altmap->alloc += pages;
        if (altmap->owner_device >= 0) k.s.devices[altmap->owner_device].altmap_alloc += static_cast<u16>(pages);
        if (d >= 0) k.s.devices[d].vmemmap_backing = 0;  // its own altmap
    } else {
        k.s.buddy_vmemmap_pages[nid] += static_cast<u32>(pages);
        if (d >= 0) k.s.devices[d].vmemmap_backing = BACKING_BUDDY;
    }
    ms.memmap_mapped |= k.m.subsection_mask(pfn, nr_pages);
    return 0;
}

// mm/sparse.c (6.1.192) section_deactivate() for a chunk of a device section:
//   clear_subsection_map()        WARN "section already deactivated" unless every bit is set
//   if the map is now empty:      ~SECTION_HAS_MEM_MAP, then kfree_rcu(ms->usage) unless it
//                                 came from memblock (an early section's usage is kept)
//   if (!section_is_early)        depopulate_section_memmap()
//   else if (memmap)              free_map_bootmem()   (ef69bc9f689d: never a partial depopulate)
//   if empty: ms->section_mem_map = NULL
// An early section never becomes empty here: its boot subsections stay (boot memory is
// not removable in the model).
int clear_device_subsections(Kernel& k, pfn_t pfn, u64 nr_pages) {
    const int si = k.m.dev_section_of_pfn(pfn);
    DevSectionState& ms = k.s.dev_sections[si];
    const u64 map = k.m.subsection_mask(pfn, nr_pages);
    if (!(ms.flags & SEC_USAGE) || (ms.subsection_map & map) != map) {
        KSAY(k, "WARN: section already deactivated ({:#x} + {})", pfn, nr_pages);
        return -1;
    }
    ms.subsection_map = ms.subsection_map ^ map;
    const bool empty = ms.subsection_map == 0;
    if (empty) {
        ms.flags &= ~SEC_VALID;
        if (!k.m.dev_sections[si].early) ms.flags &= ~SEC_USAGE;  // kfree_rcu(ms->usage); WRITE_ONCE(ms->usage, NULL)
    }
    return empty ? 1 : 0;
}

void section_deactivate_subsections(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "section_deactivate");
    const int cleared = clear_device_subsections(k, pfn, nr_pages);
    if (cleared < 0) return;
    const bool empty = cleared == 1;
    const int si = k.m.dev_section_of_pfn(pfn);
    DevSectionState& ms = k.s.dev_sections[si];
    const bool early = k.m.dev_sections[si].early;
    if (!early) {
        k.ops.depopulate_section_memmap(k, pfn, nr_pages, altmap);
    } else if (empty) {
        k.say("free_map_bootmem(memmap)");
        ms.memmap_mapped = 0;
    }
    if (empty) ms.flags = 0;  // ms->section_mem_map = NULL: ONLINE and TAINT go too
}

// depopulate_section_memmap() -> vmemmap_free() of a device chunk's struct pages. Without
// page tables the model maps struct pages per subsection (memmap_mapped: a base-page
// vmemmap); with [kernel] pagetables the architecture's vmemmap_free() also runs on the
// leaves the chunk shares with its neighbours (spec/ops/pagetables*.cpp).
void depopulate_subsection_memmap(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "depopulate_section_memmap");
    if (k.memmap_unpopulated) {  // section_activate()'s undo of a populate that took nothing (v5.12's -ENOMEM)
        k.say("vmemmap_free(): nothing of the chunk is mapped, nothing to free");
        return;
    }
    const u64 pages = memmap_pages_of(k.m.geo, nr_pages);
    const int si = k.m.dev_section_of_pfn(pfn);
    DevSectionState& ms = k.s.dev_sections[si];
    const int d = device_of_pfn(k.m, pfn);
    // vmemmap_free() of the chunk's struct pages (spec/ops/pagetables*.cpp; only with page tables).
    if (k.m.pt.enabled && !k.m.dev_sections[si].early) k.ops.vmemmap_free(k, pfn, nr_pages, altmap);
    if (k.m.dev_sections[si].early) {
        // The boot memmap (memblock): vmemmap_free() unmaps it; nothing returns to an allocator
        // the model counts.
        k.say("vmemmap_free() of the boot memmap of an early section");
    } else if (d >= 0 && k.s.devices[d].vmemmap_backing == BACKING_BUDDY) {
        if (altmap) altmap->alloc -= std::min<u64>(altmap->alloc, pages);
        else k.s.buddy_vmemmap_pages[k.m.devices[d].node] -= static_cast<u32>(pages);
    } else if (d >= 0 && k.s.devices[d].vmemmap_backing != BACKING_NONE) {
        DevState& ds = k.s.devices[d];
        ds.altmap_alloc -= static_cast<u16>(std::min<u64>(ds.altmap_alloc, pages));
        if (altmap) {
            KCALL(k, "vmem_altmap_free");
            altmap->alloc -= std::min<u64>(altmap->alloc, pages);
        } else {
            k.observe(Observation::ALTMAP_FREED_TO_BUDDY, "free_pagetable", k.m.devices[d].base_pfn, pages);
        }
    }
    ms.memmap_mapped &= ~k.m.subsection_mask(pfn, nr_pages);
}

// move_pfn_range_to_zone(ZONE_DEVICE) (mm/memory_hotplug.c, 6.1.192): resize_zone_range(),
// resize_pgdat_range(), memmap_init_range(MEMINIT_HOTPLUG) — which for ZONE_DEVICE only
// initializes the altmap's own pfns (mm/page_alloc.c: "Honor reservation requested by the
// driver"; without an altmap nothing) — and SECTION_TAINT_ZONE_DEVICE on a section the
// range starts or ends inside (1f90a3477df3).
void move_pfn_range_to_zone_device(Kernel& k, int nid, pfn_t start_pfn, u64 nr_pages) {
    KCALL(k, "move_pfn_range_to_zone");
    DevZoneState& z = k.s.dev_zone[nid];
    {
        KCALL(k, "resize_zone_range");
        const pfn_t old_end = z.zone_start_pfn + z.spanned_pages;
        if (!z.spanned_pages || start_pfn < z.zone_start_pfn) z.zone_start_pfn = static_cast<u32>(start_pfn);
        z.spanned_pages = static_cast<u32>(std::max<pfn_t>(start_pfn + nr_pages, old_end) - z.zone_start_pfn);
    }
    {
        KCALL(k, "resize_pgdat_range");
        NodeState& pgdat = k.s.nodes[nid];
        const pfn_t old_end = pgdat.node_start_pfn + pgdat.node_spanned_pages;
        if (!pgdat.node_spanned_pages || start_pfn < pgdat.node_start_pfn) pgdat.node_start_pfn = static_cast<u32>(start_pfn);
        pgdat.node_spanned_pages =
            static_cast<u32>(std::max<pfn_t>(start_pfn + nr_pages, old_end) - pgdat.node_start_pfn);
    }
    const int d = device_of_pfn(k.m, start_pfn);
    if (d >= 0 && k.m.devices[d].altmap) {
        KCALL(k, "memmap_init_range");
        k.s.devices[d].memmap |= DEV_MEMMAP_ALTMAP;
    }
    const u64 pps = k.m.geo.pages_per_section;
    if (start_pfn % pps) k.s.dev_sections[k.m.dev_section_of_pfn(start_pfn)].flags |= SEC_TAINT_ZONE_DEVICE;
    const pfn_t end = start_pfn + nr_pages;
    if (end % pps) k.s.dev_sections[k.m.dev_section_of_pfn(end)].flags |= SEC_TAINT_ZONE_DEVICE;
}

// remove_pfn_range_from_zone() for ZONE_DEVICE: page_init_poison() of the range, then
// "Zone shrinking code cannot properly deal with ZONE_DEVICE": no shrink, no span update.
void remove_pfn_range_from_zone_device(Kernel& k, pfn_t start_pfn, u64 nr_pages) {
    KCALL(k, "remove_pfn_range_from_zone");
    (void)nr_pages;
    const int d = device_of_pfn(k.m, start_pfn);
    if (d >= 0) k.s.devices[d].memmap = 0;
}

// page_zone() of a device pfn's struct page: a read of a struct page that is not mapped,
// or that no init ran on, is an observation (memmap-init, I12).
void read_device_memmap(Kernel& k, unsigned dev, const pfn_t& pfn, const char* func) {
    const Device& dv = k.m.devices[dev];
    const int si = k.m.dev_section_of_pfn(pfn);
    if (si < 0 || !(k.s.dev_sections[si].memmap_mapped & subsection_bit(k.m, pfn))) {
        k.observe(Observation::UNMAPPED_MEMMAP_READ, func, pfn);
        return;
    }
    const u8 mm = k.s.devices[dev].memmap;
    const bool head = dv.altmap && pfn < dv.base_pfn + dv.altmap_reserve;
    const bool in_altmap = dv.altmap && !head && pfn < dv.pfn_first();
    const bool init = head ? (mm & DEV_MEMMAP_HEAD) != 0 : in_altmap ? (mm & DEV_MEMMAP_ALTMAP) != 0 : (mm & DEV_MEMMAP_REST) != 0;
    if (!init) k.observe(Observation::POISONED_MEMMAP_READ, func, pfn);
}

// mm/memremap.c (6.1.192) memremap_pages() -> pagemap_range() for a pmem range
// (MEMORY_DEVICE_FS_DAX / GENERIC: arch_add_memory(), not add_pages()).
int memremap_pages(Kernel& k, unsigned dev) {
    KCALL(k, "memremap_pages");
    const Device& dv = k.m.devices[dev];
    DevState& ds = k.s.devices[dev];
    KCALL(k, "pagemap_range");
    // get_dev_pagemap() conflict checks and region_intersects(IORESOURCE_SYSTEM_RAM): the
    // loader keeps device ranges disjoint from RAM, DIMM slots and each other.
    if (ds.mapped) {
        k.say("WARN: Conflicting mapping in same section");
        return -ENOMEM;
    }
    VmemAltmap altmap;
    if (dv.altmap) {
        altmap.base_pfn = dv.base_pfn;
        altmap.reserve = dv.altmap_reserve;
        altmap.free = dv.altmap_free;
        altmap.owner_device = static_cast<int>(dev);
    }
    int error = 0;
    {
        const MemHotplugScope mem_hotplug(k);  // mem_hotplug_begin()
        error = k.ops.arch_add_memory(k, dv.node, dv.base_pfn, dv.nr_pages, dv.altmap ? &altmap : nullptr);
        if (!error) k.ops.move_pfn_range_to_zone(k, dv.node, ZONE_DEVICE_IDX, dv.base_pfn, dv.nr_pages);
    }
    if (error) return error;  // err_add_memory: kasan, untrack_pfn(), pgmap_array_delete()
    // memmap_init_zone_device(): after mem_hotplug_done(), from pfn_first().
    {
        KCALL(k, "memmap_init_zone_device");
        ds.memmap |= DEV_MEMMAP_REST;
    }
    ds.mapped = 1;
    return 0;
}

// pfn_to_page(pfn_first(pgmap)) in pageunmap_range(): the first struct page
// memmap_init_zone_device() initialized (77e080e7680e's fix; before it, the range's first
// pfn, which with an altmap is the uninitialized reserve).
static pfn_t pageunmap_first_pfn(const Device& dv) { return dv.pfn_first(); }

// mm/memremap.c (6.1.192) memunmap_pages() -> pageunmap_range(), then
// WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages").
void memunmap_pages(Kernel& k, unsigned dev) {
    KCALL(k, "memunmap_pages");
    const Device& dv = k.m.devices[dev];
    DevState& ds = k.s.devices[dev];
    {
        KCALL(k, "pageunmap_range");
        // page_zone(first_page): the zone whose span remove_pfn_range_from_zone() would shrink.
        read_device_memmap(k, dev, pageunmap_first_pfn(dv), "pageunmap_range");
        VmemAltmap altmap;
        if (dv.altmap) {
            altmap.base_pfn = dv.base_pfn;
            altmap.reserve = dv.altmap_reserve;
            altmap.free = dv.altmap_free;
            altmap.alloc = ds.altmap_alloc;
            altmap.owner_device = static_cast<int>(dev);
        }
        const MemHotplugScope mem_hotplug(k);
        k.ops.remove_pfn_range_from_zone(k, dv.node, ZONE_DEVICE_IDX, dv.base_pfn, dv.nr_pages);
        k.ops.arch_remove_memory(k, dv.base_pfn, dv.nr_pages, dv.altmap ? &altmap : nullptr);
    }
    ds.mapped = 0;  // untrack_pfn(), pgmap_array_delete()
    if (dv.altmap && ds.altmap_alloc) {
        KSAY(k, "WARN_ONCE: failed to free all reserved pages ({} still allocated)", ds.altmap_alloc);
        k.observe(Observation::ALTMAP_LEAK, "memunmap_pages", dv.base_pfn, ds.altmap_alloc);
    }
    ds.vmemmap_backing = BACKING_NONE;
}

// mm/memory-failure.c (6.1.192) soft_offline_page(): "Only online pages can be
// soft-offlined (esp., not ZONE_DEVICE)." pfn_valid() (-ENXIO), then pfn_to_online_page()
// (-EIO when NULL). A page it hands back for a ZONE_DEVICE pfn is what 1f90a3477df3 fixed:
// soft-offline then works on a page that is not in the page allocator.
int soft_offline_page(Kernel& k, pfn_t pfn) {
    KCALL(k, "soft_offline_page");
    if (!k.ops.pfn_valid(k, pfn)) return -ENXIO;
    if (!k.ops.pfn_to_online_page(k, pfn)) return -EIO;
    if (device_of_pfn(k.m, pfn) >= 0) {
        k.observe(Observation::ZONE_DEVICE_PAGE_ONLINE, "pfn_to_online_page", pfn);
        return -EBUSY;  // the model stops here; the kernel goes on with a ZONE_DEVICE page
    }
    k.say("soft-offline of a System RAM page: not modelled further (no hwpoison state)");
    return 0;
}

}  // namespace hp::HP_DOMAIN::base
