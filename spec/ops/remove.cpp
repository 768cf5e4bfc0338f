// Hot-remove: try_remove_memory() with the 5.13-6.5 single-block rule for memory added
// with memmap_on_memory, arch_remove_memory() -> __remove_pages() -> section_deactivate()
// -> depopulate_section_memmap(), and try_offline_node(). mm/memory_hotplug.c,
// mm/sparse.c, arch/x86/mm/init_64.c (Linux 6.1.192).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/ops/section_deactivate.hpp"

namespace hp::HP_DOMAIN::base {

int try_remove_memory(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "try_remove_memory");
    unsigned first = 0, count = 0;
    // BUG_ON(check_hotplug_memory_range(start, size)): callers pass block-aligned ranges.
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return -EINVAL;
    int nid = -1;  // NUMA_NO_NODE
    // walk_memory_blocks(check_memblock_offlined_cb): every existing block must be offline.
    for (unsigned b = first; b < first + count; ++b) {
        if (k.s.blocks[b].state == BLOCK_ABSENT) continue;
        nid = k.m.blocks[b].nid;
        if (k.s.blocks[b].state != MEM_OFFLINE) {
            KSAY(k, "pr_warn: removing memory fails, because memory{} is onlined",
                              k.m.blocks[b].memory_block_id);
            return -EBUSY;
        }
    }
    // "We only support removing memory added with MHP_MEMMAP_ON_MEMORY in the same
    // granularity it was added - a single memory block."
    VmemAltmap mhp_altmap;
    VmemAltmap* altmap = nullptr;
    if (k.m.params.memmap_on_memory != MemmapMode::DISABLE) {
        u64 nr_vmemmap_pages = 0;  // walk_memory_blocks(get_nr_vmemmap_pages_cb): first non-zero
        for (unsigned b = first; b < first + count && !nr_vmemmap_pages; ++b)
            if (k.s.blocks[b].state != BLOCK_ABSENT) nr_vmemmap_pages = k.s.blocks[b].nr_vmemmap_pages;
        if (nr_vmemmap_pages) {
            if (const int ret = k.ops.check_removal_granularity(k, start, nr_pages, nr_vmemmap_pages)) return ret;
            // Let free_hugepage_table() use vmem_altmap_free() for the vmemmap.
            mhp_altmap.alloc = nr_vmemmap_pages;
            mhp_altmap.base_pfn = start;
            mhp_altmap.owner_block = static_cast<int>(first);
            altmap = &mhp_altmap;
        }
    }
    remove_memory_block_devices(k, start, nr_pages);
    const MemHotplugScope mem_hotplug(k);  // mem_hotplug_begin() (mm/memory_hotplug.c:2124, 6.1.192)
    k.ops.arch_remove_memory(k, start, nr_pages, altmap);
    // release_mem_region_adjustable()
    if (nid >= 0) k.ops.try_offline_node(k, nid);
    return 0;
}

// "We only support removing memory added with MHP_MEMMAP_ON_MEMORY in the same
// granularity it was added - a single memory block."
int check_removal_granularity(Kernel& k, pfn_t start, u64 nr_pages, u64 nr_vmemmap_pages) {
    (void)start;
    (void)nr_vmemmap_pages;
    if (nr_pages != k.m.geo.pages_per_block) {
        k.say("pr_warn: Refuse to remove ... wrong granularity");
        return -EINVAL;
    }
    return 0;
}

void arch_remove_memory(Kernel& k, pfn_t start, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "arch_remove_memory");
    KCALL(k, "__remove_pages");
    const u64 pps = k.m.geo.pages_per_section;
    for (pfn_t pfn = start, end = start + nr_pages; pfn < end;) {
        const u64 cur = std::min<u64>(end - pfn, pps - pfn % pps);
        // __remove_section(): "if (WARN_ON_ONCE(!valid_section(ms))) return;"
        if ((k.m.block_of_pfn(pfn) < 0 && k.m.dev_section_of_pfn(pfn) < 0) || !k.ops.valid_section(k, pfn)) {
            KSAY(k, "WARN_ON_ONCE(!valid_section(ms)) at pfn {:#x}", pfn);
        } else {
            k.ops.sparse_remove_section(k, pfn, cur, altmap);
        }
        pfn += cur;
    }
    // kernel_physical_mapping_remove(): the linear map goes.
    if (k.m.pt.enabled) k.ops.linear_map(k, start, nr_pages, false);
}

// mm/sparse.c (6.1.192) section_deactivate(): a device chunk's (spec/ops/subsection.cpp), or a
// memory block's whole section in 6.1's form (spec/ops/section_deactivate.{hpp,cpp}, which
// keeps the statement order four fixes changed as data so that 5.4 and the bug variants name
// the fixes they lack instead of copying the body). SECTION_IS_EARLY and the PageReserved
// usage of a cold-plugged DIMM's sections are kept in KernelState::section_maps
// (spec/ops/sparse_classic.cpp), with and without VMEMMAP: the same function in both configs
// (free_map_bootmem() differs: vmemmap_free(start, end, NULL) with it).
void section_deactivate(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    section_deactivate_as(k, pfn, nr_pages, altmap, SectionDeactivateForm{});
}

// vmemmap_free() -> remove_pagetable(): free_hugepage_table() hands altmap pages back
// with vmem_altmap_free() when the caller passes the altmap, and to the buddy with
// free_pagetable() otherwise.
void depopulate_section_memmap(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    if (k.m.block_of_pfn(pfn) < 0) return depopulate_subsection_memmap(k, pfn, nr_pages, altmap);
    KCALL(k, "depopulate_section_memmap");
    if (k.memmap_unpopulated) {  // section_activate()'s undo of a VMEMMAP populate that mapped nothing
        k.say("vmemmap_free(): nothing of the chunk is mapped, nothing to free");
        return;
    }
    const Geometry& g = k.m.geo;
    // ppc64 vmemmap_free(): a vmemmap page (2 MiB of struct pages) serves 128 sections of
    // 16 MiB; it is freed only if vmemmap_populated() finds none of them pfn_valid(). The
    // model makes the reads (they are what b943f045a9af is about) but keeps its per-section
    // accounting of vmemmap pages [limitation: docs/limitations.md].
    // With page tables the architecture's vmemmap_free() does it (spec/ops/pagetables*.cpp).
    if (k.m.pt.enabled) k.ops.vmemmap_free(k, pfn, nr_pages, altmap);
    if (!k.m.params.sparsemem_vmemmap) {
        // kvfree(pfn_to_page(pfn)): the address comes from section_mem_map (spec/ops/sparse_classic.cpp).
        if (!kvfree_section_memmap(k, pfn)) return;  // not the memmap's address: the memmap leaks
    } else if (g.preset.rfind("ppc64", 0) == 0 && k.ops.vmemmap_populated(k, pfn))
        k.say("vmemmap_populated(): another section still uses this vmemmap page");
    const u64 pages = (g.memmap_bytes(nr_pages) + g.page_size - 1) / g.page_size;
    const int b = k.m.block_of_pfn(pfn);
    BlockState& bs = k.s.blocks[b];
    const unsigned backing = vmemmap_backing_of(bs);
    if (backing == BACKING_BUDDY) {
        if (altmap) {
            k.say("vmem_altmap_free() on node memory: the pages leak");
            altmap->alloc -= std::min<u64>(altmap->alloc, pages);
        } else {
            k.s.buddy_vmemmap_pages[k.m.blocks[b].nid] -= static_cast<u32>(pages);
        }
    } else if (backing != BACKING_NONE) {
        BlockState& owner = k.s.blocks[backing];
        owner.altmap_alloc -= static_cast<u16>(std::min<u64>(owner.altmap_alloc, pages));
        if (altmap) {
            KCALL(k, "vmem_altmap_free");
            altmap->alloc -= std::min<u64>(altmap->alloc, pages);
        } else {
            // The f42ce5f087eb bug class: block-internal pfns go to the buddy allocator.
            k.observe(Observation::ALTMAP_FREED_TO_BUDDY, "free_pagetable", k.m.blocks[backing].start_pfn, pages);
        }
    }
    if (!bs.section_valid) bs.vmemmap_backing = BACKING_NONE;
}

void try_offline_node(Kernel& k, int nid) {
    KCALL(k, "try_offline_node");
    if (k.s.nodes[nid].node_spanned_pages) return;
    if (k.m.boot_present(nid, ZONE_DMA) + k.m.boot_present(nid, ZONE_DMA32) + k.m.boot_present(nid, ZONE_NORMAL) +
        k.m.boot_present(nid, ZONE_MOVABLE))
        return;  // boot memory blocks of this node
    for (unsigned b = 0; b < k.m.blocks.size(); ++b)
        if (k.s.blocks[b].state != BLOCK_ABSENT && k.m.blocks[b].nid == nid) return;  // check_no_memblock_for_node_cb
    if (k.m.cpus_per_node[nid]) return;  // check_cpu_on_node()
    KSAY(k, "node_set_offline({}) + unregister_one_node", nid);
    k.s.nodes[nid].online = 0;
}

}  // namespace hp::HP_DOMAIN::base
