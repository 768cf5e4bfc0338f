// v5.12 — before memmap_on_memory: the memmap of hot-added memory always comes from
// memory the kernel already has, so a hot-added but not yet onlined DIMM costs free
// memory and can make the next hot-add fail. Seed 001 (the 2019 RFC cover letter): "it
// consumes an additional memory until the hotadded memory itself is onlined ... can lead
// to OOM and that led to introduction of hacks like auto onlining (31bc3858ea3e)".
//
// Deviations from v6.1:
// - mhp_supports_memmap_on_memory(): always false. The memory_hotplug.memmap_on_memory
//   parameter arrived with a08a2ae34613 in 5.13; ACPI never sets MHP_MEMMAP_ON_MEMORY.
// - populate_section_memmap(): vmemmap_populate() -> vmemmap_alloc_block_buf() takes the
//   struct pages from the buddy allocator (alloc_pages_node(node, GFP_KERNEL |
//   __GFP_RETRY_MAYFAIL | __GFP_NOWARN), which may fall back to any node) and fails with
//   -ENOMEM when there is no free memory left; section_activate() then undoes the section
//   and sparse_add_section() returns -ENOMEM (mm/sparse.c, Rtoax/linux-5.10.13, which
//   is 5.12 for these paths, docs/kernel-reference.md §0).
// - section_deactivate(): kfree(ms->usage), not kfree_rcu() (5ec8e8ea8b77 is 6.8-rc1, long
//   after 5.12 was tagged; the variant usage-kfree-no-rcu reuses it by name). Otherwise 6.1's: 8068df3b6037,
//   d41e2f3bd546 and b943f045a9af are from 2019-12 to 5.6-rc. Only interleaved runs tell the two apart.
//
// The "free boot memory" figure: the model does not track every allocation of a running
// system, only what hotplug takes. Free memory = managed_pages of every zone (boot
// memory plus onlined hot-added memory) minus the struct pages already taken from it
// (node<N>.vmemmap_pages_from_node_memory). Give a scenario a small `managed` in [[boot]]
// to model a guest whose memory is nearly used up; the add then fails like the real one.
// The rest of the paths (shrink at offline, feee6b298916, 5.5) are those of 6.1; memory
// groups (5.15) and mem->zone (5.17) did not exist but change no observable here.
//
// Device paths (mm/memremap.c@v5.12: memremap_pages() -> pagemap_range(), memunmap_pages() ->
// pageunmap_range(), since b7b3c01b1915 "mm/memremap_pages: support multiple ranges per
// invocation", 5.10): the same steps as 6.1's in what the model keeps -- the conflict checks,
// arch_add_memory(), move_pfn_range_to_zone(ZONE_DEVICE) with SECTION_TAINT_ZONE_DEVICE
// (1f90a3477df3, 5.12), memmap_init_zone_device() after mem_hotplug_done(); at unmap
// page_to_nid()/page_zone() of pfn_first() (77e080e7680e), remove_pfn_range_from_zone() (poison,
// no ZONE_DEVICE shrink), arch_remove_memory() -> __remove_pages() -> section_deactivate() (after
// ef69bc9f689d, 5.7), WARN_ONCE(pgmap->altmap.alloc). What 6.1 adds is not modelled (compound
// device pages, pgmap->vmemmap_shift, 5.17; the percpu ref handling of put_page()/
// percpu_ref_put_many()). So v5.12 keeps 6.1's memremap_pages/memunmap_pages; only the memmap
// of a device chunk without an altmap goes through the free-memory check below.
#include <fmt/format.h>

#include "spec/ops/base.hpp"
#include "spec/ops/section_deactivate.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

bool mhp_supports_memmap_on_memory(Kernel&, u64) { return false; }

// mm/sparse.c:section_deactivate@v5.12: 6.1's with kfree(ms->usage) (before 5ec8e8ea8b77).
void section_deactivate(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    base::section_deactivate_as(k, pfn, nr_pages, altmap, {.usage_kfree_rcu = false});
}

u64 free_pages(const Kernel& k) {
    u64 managed = 0, taken = 0;
    for (int n = 0; n < k.m.nr_nodes; ++n) {
        for (const ZoneState& z : k.s.nodes[n].zones) managed += z.managed_pages;
        taken += k.s.buddy_vmemmap_pages[n];
    }
    return managed > taken ? managed - taken : 0;
}

// The free-memory check of vmemmap_alloc_block_buf() for struct pages from node memory.
bool node_memory_short(Kernel& k, u64 pages) {
    const u64 avail = free_pages(k);
    if (avail >= pages) {
        KSAY(k, "vmemmap_alloc_block_buf: {} pages from node memory; free memory {} -> {} pages", pages, avail,
             avail - pages);
        return false;
    }
    KSAY(k, "vmemmap_alloc_block_buf: {} pages of struct pages needed, {} pages of memory free: -ENOMEM", pages,
         avail);
    return true;
}

// mm/sparse.c:populate_section_memmap@v5.12 -> __populate_section_memmap() -> vmemmap_populate().
// A device chunk (memremap_pages() of a pmem range) takes its struct pages from its altmap
// (altmap_alloc_block_buf(), no fallback) or, without one, from node memory like System RAM;
// 5.12 and 6.1 do not differ there, so past the free-memory check it is 6.1's function
// (spec/ops/subsection.cpp populate_subsection_memmap()).
int populate_section_memmap(Kernel& k, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const Geometry& g = k.m.geo;
    const u64 pages = (g.memmap_bytes(nr_pages) + g.page_size - 1) / g.page_size;
    if (k.m.block_of_pfn(pfn) < 0) {
        if (!altmap && node_memory_short(k, pages)) {
            k.memmap_unpopulated = true;  // the undo gives back nothing
            return -ENOMEM;
        }
        return base::populate_section_memmap(k, nid, pfn, nr_pages, altmap);
    }
    KCALL(k, "populate_section_memmap");
    KCALL(k, "vmemmap_populate");
    // A failure maps nothing: section_activate()'s undo (section_deactivate() ->
    // depopulate_section_memmap()) must not give back struct pages this call never took.
    if (altmap) {  // nobody passes an altmap for System RAM before 5.13
        k.memmap_unpopulated = true;
        return -EINVAL;
    }
    if (node_memory_short(k, pages)) {
        k.memmap_unpopulated = true;
        return -ENOMEM;
    }
    k.s.buddy_vmemmap_pages[nid] += static_cast<u32>(pages);
    k.s.blocks[k.m.block_of_pfn(pfn)].vmemmap_backing = BACKING_BUDDY;
    // The architecture's page tables for these struct pages (spec/ops/pagetables*.cpp), as in 6.1.
    if (k.m.pt.enabled) return k.ops.vmemmap_populate(k, pfn, nr_pages, nid, altmap);
    return 0;
}

}  // namespace

Variant v5_12() {
    Variant v;
    v.name = "v5.12";
    v.parent = "v6.1";
    v.source = "Linux 5.12 (before a08a2ae34613 \"mm,memory_hotplug: allocate memmap from the added memory range\"); "
               "seed 001 (2019 RFC cover letter: the OOM risk)";
    v.description =
        "No memmap_on_memory: the struct pages of hot-added memory always come from free memory the kernel "
        "already has (vmemmap_alloc_block_buf), from add until remove, whether or not the memory is ever "
        "onlined. Free memory is modelled as the zones' managed pages minus the struct pages taken so far; "
        "when it runs out, sparse_add_section() fails and the hot-add returns -ENOMEM.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.mhp_supports_memmap_on_memory = mhp_supports_memmap_on_memory;
    v.ops.populate_section_memmap = populate_section_memmap;
    v.ops.section_deactivate = section_deactivate;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
