// Hot-add: add_memory_resource() down to sparse_add_section() and the vmemmap
// population, and create_memory_block_devices(). mm/memory_hotplug.c, mm/sparse.c,
// drivers/base/memory.c (Linux 6.1.192).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

// 5.13-6.5: a single memory block whose memmap fills whole PMDs and leaves whole
// pageblocks for the buddy (a08a2ae34613).
bool mhp_supports_memmap_on_memory(Kernel& k, u64 nr_pages) {
    const Geometry& g = k.m.geo;
    const u64 vmemmap_size = nr_pages * g.struct_page_size;  // bytes
    const u64 size = nr_pages * g.page_size;
    const u64 remaining_size = size - vmemmap_size;
    return k.m.params.memmap_on_memory != MemmapMode::DISABLE && nr_pages == g.pages_per_block &&
           vmemmap_size % (g.pmd_pages * g.page_size) == 0 &&
           remaining_size % (g.pageblock_nr_pages * g.page_size) == 0;
}

int add_memory_resource(Kernel& k, int nid, unsigned group, pfn_t start, u64 nr_pages,
                        bool memmap_on_memory) {
    KCALL(k, "add_memory_resource");
    const u64 ppb = k.m.geo.pages_per_block;
    // check_hotplug_memory_range()
    if (!nr_pages || start % ppb || nr_pages % ppb) return -EINVAL;
    if (nid < 0 || nid >= k.m.nr_nodes) {
        KSAY(k, "WARN: node {} was absent from the node_possible_map", nid);
        return -EINVAL;
    }
    bool new_node = false;
    {
    const MemHotplugScope mem_hotplug(k);  // mem_hotplug_begin() (mm/memory_hotplug.c:1349, 6.1.192)
    // __try_online_node(nid, false)
    if (!k.s.nodes[nid].online) {
        KCALL(k, "__try_online_node");
        KCALL(k, "free_area_init_core_hotplug");
        NodeState& node = k.s.nodes[nid];
        node.node_start_pfn = 0;
        for (ZoneState& z : node.zones) z.managed_pages = 0;  // zone_init_internals(..., 0)
        new_node = true;
    }
    const int ret = k.ops.add_memory_blocks(k, nid, group, start, nr_pages, memmap_on_memory);
    if (ret) return ret;  // error: the node stays initialized but offline (6.x has no rollback)
    if (new_node) {
        k.say("node_set_online + __register_one_node");
        k.s.nodes[nid].online = 1;
    }
    }  // mem_hotplug_done() (mm/memory_hotplug.c:1410): before the blocks are onlined
    // Auto-online (memhp_default_state): walk_memory_blocks(online_memory_block). Errors
    // are ignored; the add still succeeded.
    if (k.m.params.default_online_type != MMOP_OFFLINE) {
        KCALL(k, "walk_memory_blocks(online_memory_block)");
        unsigned first = 0, count = 0;
        if (blocks_of_range(k.m, start, nr_pages, first, count))
            for (unsigned b = first; b < first + count; ++b) {
                k.s.blocks[b].online_type = k.m.params.default_online_type;
                device_online(k, b);
            }
    }
    return 0;
}

// 5.13-6.5: one altmap {base_pfn = start, free = all pfns} for the whole request; the
// blocks record altmap.alloc as nr_vmemmap_pages.
int add_memory_blocks(Kernel& k, int nid, unsigned group, pfn_t start, u64 nr_pages, bool memmap_on_memory) {
    VmemAltmap altmap;
    VmemAltmap* params_altmap = nullptr;
    if (memmap_on_memory) {
        if (!k.ops.mhp_supports_memmap_on_memory(k, nr_pages)) return -EINVAL;
        altmap.free = nr_pages;  // PHYS_PFN(size)
        altmap.base_pfn = start;
        altmap.owner_block = k.m.block_of_pfn(start);
        params_altmap = &altmap;
    }
    int ret = k.ops.arch_add_memory(k, nid, start, nr_pages, params_altmap);
    if (ret < 0) return ret;
    // create_memory_block_devices(start, size, mhp_altmap.alloc, group)
    ret = k.ops.create_memory_block_devices(k, start, nr_pages, altmap.alloc, group);
    if (ret) k.ops.undo_arch_add_memory(k, start, nr_pages, params_altmap);
    return ret;
}

// arch_remove_memory(start, size, params.altmap) on the add error path (f42ce5f087eb,
// backported to 6.1.y).
void undo_arch_add_memory(Kernel& k, pfn_t start, u64 nr_pages, VmemAltmap* altmap) {
    k.ops.arch_remove_memory(k, start, nr_pages, altmap);
}

// x86_64 arch_add_memory() -> add_pages() -> __add_pages(). x86 only WARNs when
// __add_pages() fails and does not undo the sections it already added.
// The linear map goes first (x86 init_memory_mapping(), arm64 __create_pgd_mapping(), ppc64
// arch_create_linear_mapping()); arm64 and ppc64 remove it again when __add_pages() fails,
// x86 does not. Only with page tables ([kernel] pagetables).
int arch_add_memory(Kernel& k, int nid, pfn_t start, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "arch_add_memory");
    if (!k.m.pt.enabled) return add_pages(k, nid, start, nr_pages, altmap);
    k.ops.linear_map(k, start, nr_pages, true);
    const int ret = add_pages(k, nid, start, nr_pages, altmap);
    if (ret < 0 && k.m.pt.arch != PtArch::X86_64) k.ops.linear_map(k, start, nr_pages, false);
    if (ret < 0 && k.m.pt.arch == PtArch::X86_64 && !k.error_leaves_changes)
        k.error_leaves_changes = "x86 arch_add_memory() does not undo init_memory_mapping() when __add_pages() fails";
    return ret;
}

int add_pages(Kernel& k, int nid, pfn_t start, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "__add_pages");
    const Geometry& g = k.m.geo;
    if (altmap) {
        // vmem_altmap_offset(altmap) = reserve + free must not exceed the range.
        if (altmap->base_pfn != start || altmap->free > nr_pages) {
            k.say("WARN: __add_pages: altmap does not match the range");
            return -EINVAL;
        }
        altmap->alloc = 0;
    }
    // check_pfn_span(): subsection alignment with SPARSEMEM_VMEMMAP, whole sections without.
    const u64 min_align = k.m.params.sparsemem_vmemmap ? g.pages_per_subsection : g.pages_per_section;
    if (start % min_align || nr_pages % min_align) {
        k.observe(Observation::MISALIGNED_RANGE, "__add_pages", start, nr_pages);
        return -EINVAL;
    }
    int ret = 0;
    bool added_any = false;
    for (pfn_t pfn = start, end = start + nr_pages; pfn < end;) {
        const u64 cur = std::min<u64>(end - pfn, g.pages_per_section - pfn % g.pages_per_section);
        ret = k.ops.sparse_add_section(k, nid, pfn, cur, altmap);
        if (ret < 0) break;
        added_any = true;
        pfn += cur;
    }
    if (ret < 0) {
        KSAY(k, "WARN_ON_ONCE(ret) in add_pages: {}", errno_name(ret));
        if (added_any) k.error_leaves_changes = "x86 arch_add_memory() does not undo the sections __add_pages() added";
    }
    return ret;
}

// mm/sparse.c (6.1.192): section_activate() allocates ms->usage if the section has none
// (kzalloc: -ENOMEM), fill_subsection_map() (-EEXIST if the subsections are present), then
// populates the memmap; a populate failure runs section_deactivate(), which frees the
// usage again. Then page_init_poison(), __section_mark_present() and
// sparse_init_one_section(): SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP.
// A populate failure runs the kernel's section_deactivate() in both configs (6.1 and 6.12
// alike). Without VMEMMAP (memmap-enomem: kvmalloc_node()) it reaches depopulate_section_memmap()
// -> kvfree(pfn_to_page(pfn)) while section_mem_map is still 0, sparse_init_one_section() not
// having run. With VMEMMAP (memmap-enomem: vmemmap_populate() failing, or an altmap without
// room) the model fails before anything of the chunk is mapped, so the undo's vmemmap_free()
// frees nothing (Kernel::memmap_unpopulated) and section_deactivate() frees the usage.
int sparse_add_section(Kernel& k, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    if (k.m.block_of_pfn(pfn) < 0) return sparse_add_subsections(k, nid, pfn, nr_pages, altmap);  // a device range
    KCALL(k, "sparse_add_section");
    const int b = k.m.block_of_pfn(pfn);
    const u32 bit = 1u << section_in_block(k.m, b, pfn);
    BlockState& bs = k.s.blocks[b];
    {
        KCALL(k, "section_activate");
        // "if (!ms->usage)": an early section's boot usage (PageReserved) was kept by its
        // removal and is reused, and a section still present has one; only a section without
        // one allocates (the fault point).
        if (!usage_is_reserved(k, b) && !(bs.section_usage & bit) && k.inject(FaultKind::SECTION_ENOMEM)) {
            k.say("kzalloc(mem_section_usage) failed");
            return -ENOMEM;
        }
        // fill_subsection_map(): with VMEMMAP -EEXIST if any subsection of the chunk is already
        // present (then the usage is not ours: nothing is allocated or freed). Without VMEMMAP it
        // is "return 0" (mm/sparse.c, !CONFIG_SPARSEMEM_VMEMMAP, 6.1 and 6.12, since 0a9f9f6231 in
        // 5.7): a section still present is populated again and sparse_init_one_section()
        // overwrites section_mem_map, whose old memmap nothing frees any more (scenario 98).
        if (bs.section_usage & bit) {
            if (k.m.params.sparsemem_vmemmap) return -EEXIST;
            KSAY(k, "fill_subsection_map() = 0 (!CONFIG_SPARSEMEM_VMEMMAP): section at pfn {:#x} already present", pfn);
        }
        bs.section_usage |= bit;  // ms->usage = kzalloc(mem_section_usage_size())
        const int ret = k.ops.populate_section_memmap(k, nid, pfn, nr_pages, altmap);
        if (ret) {  // "if (!memmap) { section_deactivate(pfn, nr_pages, altmap); return ERR_PTR(-ENOMEM); }"
            k.say("populate_section_memmap() failed: section_deactivate()");
            k.ops.section_deactivate(k, pfn, nr_pages, altmap);
            k.memmap_unpopulated = false;
            return ret;
        }
    }
    // page_init_poison(memmap, sizeof(struct page) * nr_pages), then
    // SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP.
    bs.memmap_vmemmap = bs.memmap_rest = Memmap::POISONED;
    bs.section_valid |= bit;
    set_section_mem_map(k, b, bit);  // sparse_init_one_section(): the memmap's address, encoded
    return 0;
}

// __populate_section_memmap() -> vmemmap_populate(): the struct pages of the chunk are
// backed by pfns handed out by the altmap, or by node memory (vmemmap_alloc_block).
int populate_section_memmap(Kernel& k, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    if (k.m.block_of_pfn(pfn) < 0) return populate_subsection_memmap(k, nid, pfn, nr_pages, altmap);
    KCALL(k, "populate_section_memmap");
    if (!k.m.params.sparsemem_vmemmap) {
        k.say("__populate_section_memmap(): kvmalloc_node() of the section's memmap");
        if (k.inject(FaultKind::MEMMAP_ENOMEM)) {  // nothing allocated: returns NULL
            k.say("kvmalloc_node() failed");
            return -ENOMEM;
        }
    }
    const Geometry& g = k.m.geo;
    const u64 pages = (g.memmap_bytes(nr_pages) + g.page_size - 1) / g.page_size;
    const int b = k.m.block_of_pfn(pfn);
    // With VMEMMAP: __populate_section_memmap() -> vmemmap_populate() returns an error and it
    // returns NULL (mm/sparse-vmemmap.c, 6.1 and 6.12). On x86 vmemmap_populate_hugepages()
    // fails when vmemmap_alloc_block_buf() finds no PMD of node memory and the base-page
    // fallback finds no page either (or, with an altmap, when a page-table page above the
    // leaf cannot be allocated from node memory); arm64 and ppc64 alike. The model fails
    // before the chunk's first leaf: a chunk whose leaf a populated neighbour already maps
    // allocates nothing there, and a partly mapped chunk (one PMD mapped, the next failing)
    // is not modelled.
    if (k.m.params.sparsemem_vmemmap && k.inject(FaultKind::MEMMAP_ENOMEM)) {
        k.say("vmemmap_populate() failed: __populate_section_memmap() returns NULL");
        k.memmap_unpopulated = true;
        return -ENOMEM;
    }
    if (altmap) {
        // altmap_alloc_block_buf(): no fallback to node memory when an altmap is given.
        if (altmap->free - altmap->alloc < pages) {
            k.memmap_unpopulated = true;
            return -ENOMEM;
        }
        altmap->alloc += pages;
        k.s.blocks[altmap->owner_block].altmap_alloc += static_cast<u16>(pages);
        k.s.blocks[b].vmemmap_backing = static_cast<u8>(altmap->owner_block);
    } else {
        k.s.buddy_vmemmap_pages[nid] += static_cast<u32>(pages);
        k.s.blocks[b].vmemmap_backing = BACKING_BUDDY;
    }
    // The architecture's page tables for these struct pages (spec/ops/pagetables*.cpp).
    if (k.m.pt.enabled) return k.ops.vmemmap_populate(k, pfn, nr_pages, nid, altmap);
    return 0;
}

int create_memory_block_devices(Kernel& k, pfn_t start, u64 nr_pages, u64 vmemmap_pages,
                                unsigned group) {
    KCALL(k, "create_memory_block_devices");
    (void)group;  // the block's group is its DIMM (ACPI registers one static group per device)
    unsigned first = 0, count = 0;
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return -EINVAL;
    // The rollback of the blocks created so far: find_memory_block_by_id() + remove_memory_block().
    auto rollback = [&k, first](unsigned upto) {
        for (unsigned r = first; r < upto; ++r)
            if (find_memory_block_by_id(k, r, MB_REF_CREATE_MEMORY_BLOCK_DEVICES)) remove_memory_block(k, r);
    };
    for (unsigned b = first; b < first + count; ++b) {
        // add_memory_block() -> __add_memory_block() -> register_memory(): the fault is the
        // allocation failure of xa_store() (kzalloc() failing earlier ends the same way).
        if (k.inject(FaultKind::MEMORY_BLOCK_ENOMEM)) {
            k.say("add_memory_block: -ENOMEM; removing the blocks created so far");
            if (k.s.blocks[b].state == BLOCK_ABSENT) k.ops.register_memory(k, b, true);
            rollback(b);
            return -ENOMEM;
        }
        if (k.s.blocks[b].state != BLOCK_ABSENT) {
            rollback(b);
            return -EEXIST;
        }
        const int ret = k.ops.register_memory(k, b, false);
        if (ret) {
            rollback(b);
            return ret;
        }
        BlockState& mem = k.s.blocks[b];
        mem.zone = NO_ZONE;
        mem.online_type = MMOP_OFFLINE;
        mem.nr_vmemmap_pages = static_cast<u16>(vmemmap_pages);  // the same for every block
        // 6.6+: add_memory_block() sets mem->altmap after __add_memory_block() succeeded
        // (a2b8d7827f48; 1a8c64e11043 set it before). Before 6.6 there is no object.
        altmap_attach(k, b);
    }
    return 0;
}

}  // namespace hp::HP_DOMAIN::base
