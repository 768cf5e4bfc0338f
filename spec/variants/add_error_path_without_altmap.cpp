// add-error-path-without-altmap — the bug f42ce5f087eb "mm/memory_hotplug: fix error
// handling in add_memory_resource()" (6.7, Sumanth Korikkar) fixed: when
// create_memory_block_devices() fails after arch_add_memory() populated the memmap from
// the altmap, the error path called arch_remove_memory(start, size, NULL). Without the
// altmap, vmemmap_free() -> free_hugepage_table()/free_pagetable() hands the vmemmap
// backing pages -- pfns inside the block being added -- to the buddy allocator, which is
// then given memory that is about to disappear (or is not even online).
//
// Deviation from v6.1: add_memory_resource()'s error path passes NULL instead of
// params.altmap. Reached with the MEMORY_BLOCK_ENOMEM fault (scenario 41); observed as
// Observation::ALTMAP_FREED_TO_BUDDY, judged by invariant altmap-free (I11).
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::variants {

namespace {
// v6.1's add_memory_resource() with the pre-f42ce5f087eb error path.
int add_memory_resource(Kernel& k, int nid, unsigned group, pfn_t start, std::uint64_t nr_pages,
                        bool memmap_on_memory) {
    KCALL(k, "add_memory_resource");
    const std::uint64_t ppb = k.m.geo.pages_per_block;
    if (!nr_pages || start % ppb || nr_pages % ppb) return -EINVAL;
    if (nid < 0 || nid >= k.m.nr_nodes) return -EINVAL;
    bool new_node = false;
    if (!k.s.nodes[nid].online) {
        KCALL(k, "__try_online_node");
        NodeState& node = k.s.nodes[nid];
        node.node_start_pfn = 0;
        for (ZoneState& z : node.zones) z.managed_pages = 0;
        new_node = true;
    }
    VmemAltmap altmap;
    VmemAltmap* params_altmap = nullptr;
    if (memmap_on_memory) {
        if (!k.ops.mhp_supports_memmap_on_memory(k, nr_pages)) return -EINVAL;
        altmap.free = nr_pages;
        altmap.base_pfn = start;
        altmap.owner_block = k.m.block_of_pfn(start);
        params_altmap = &altmap;
    }
    int ret = k.ops.arch_add_memory(k, nid, start, nr_pages, params_altmap);
    if (ret < 0) return ret;
    ret = k.ops.create_memory_block_devices(k, start, nr_pages, altmap.alloc, group);
    if (ret) {
        k.ops.arch_remove_memory(k, start, nr_pages, nullptr);  // the bug: params.altmap is not passed
        return ret;
    }
    if (new_node) k.s.nodes[nid].online = 1;
    if (k.m.params.default_online_type != MMOP_OFFLINE) {
        KCALL(k, "walk_memory_blocks(online_memory_block)");
        unsigned first = 0, count = 0;
        if (blocks_of_range(k.m, start, nr_pages, first, count))
            for (unsigned b = first; b < first + count; ++b) {
                k.s.blocks[b].online_type = k.m.params.default_online_type;
                base::device_online(k, b);
            }
    }
    return 0;
}
}  // namespace

Variant add_error_path_without_altmap() {
    Variant v;
    v.name = "add-error-path-without-altmap";
    v.parent = "v6.1";
    v.source = "the bug fixed by f42ce5f087eb \"mm/memory_hotplug: fix error handling in add_memory_resource()\" (6.7)";
    v.description =
        "When create_memory_block_devices() fails, add_memory_resource() undoes arch_add_memory() without the "
        "altmap: the vmemmap pages taken from the block are freed into the buddy allocator.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.add_memory_resource = add_memory_resource;
    return v;
}

}  // namespace hp::variants
