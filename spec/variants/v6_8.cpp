// v6.8 — one altmap per memory block: 6b8f0798b85a "mm/memory_hotplug: split
// memmap_on_memory requests across memblocks" (6.8), on top of the 6.6 changes
// e3c2bfdd33a3 (fall back to the normal path instead of -EINVAL), 2d1f649c7c08 (the
// `force` mode: memmap pages rounded up to whole pageblocks), 85a2b4b08f20
// (arch_supports_memmap_on_memory() override) and 1a8c64e11043 (mem->altmap).
// Read in Debian linux-source-6.12 (6.12.117) mm/memory_hotplug.c.
//
// Deviations from v6.1:
// - mhp_supports_memmap_on_memory(): no size argument any more — a property of the
//   memory block size: mode on; memmap size page-aligned; memmap pages
//   (memory_block_memmap_on_memory_pages(): PFN_UP(memmap size), pageblock_align()ed in
//   `force` mode) a whole number of pageblocks and fewer than the block;
//   arch_supports_memmap_on_memory(vmemmap_size): PMD-aligned by default, any size on
//   ppc64 radix with 64K pages (85a2b4b08f20). So ACPI asks for memmap_on_memory on a
//   DIMM of any number of blocks.
// - add_memory_resource(): with MHP_MEMMAP_ON_MEMORY and support,
//   create_altmaps_and_memory_blocks(): for each block its own altmap {base = block
//   start, free = memmap_on_memory_pages}, arch_add_memory(block), then
//   create_memory_block_devices(block, altmap); a failure rolls back the blocks done so
//   far with remove_memory_blocks_and_altmaps(). Without support the request silently
//   falls back to the normal path (e3c2bfdd33a3). mem->altmap->free (not alloc) is the
//   block's vmemmap page count, so in `force` mode the padding counts as vmemmap pages.
//   The error path of create_memory_block_devices() calls arch_remove_memory(cur_start,
//   memblock_size, NULL) as 6b8f0798b85a merged it; the altmap is passed there only since
//   the 2026 fix "mm/memory_hotplug: fix incorrect altmap passing in error path"
//   (backported to Debian 6.12.117). Scenario 35 shows what NULL does.
// - try_remove_memory(): no single-block rule. memory_blocks_have_altmaps(): 0 if the mode
//   is off or no block has an altmap, -EINVAL (WARN) if only some do, 1 if all do; then
//   each block is torn down with its own altmap (remove_memory_blocks_and_altmaps(),
//   WARN "Altmap not fully unmapped" if alloc stays non-zero). In this model remove
//   ranges stay inside one ACPI device, which is added all with or all without altmaps,
//   so the mixed case is unreachable from the scenarios (a unit test drives it directly).
#include <fmt/format.h>

#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

u64 memory_block_memmap_size(const Kernel& k) {
    return k.m.geo.memmap_bytes(k.m.geo.pages_per_block);  // PHYS_PFN(block) * sizeof(struct page)
}

u64 memory_block_memmap_on_memory_pages(const Kernel& k) {
    const Geometry& g = k.m.geo;
    const u64 nr_pages = (memory_block_memmap_size(k) + g.page_size - 1) / g.page_size;
    if (k.m.params.memmap_on_memory == MemmapMode::FORCE)
        return (nr_pages + g.pageblock_nr_pages - 1) / g.pageblock_nr_pages * g.pageblock_nr_pages;
    return nr_pages;
}

bool arch_supports_memmap_on_memory(const Kernel& k, u64 vmemmap_size) {
    const Geometry& g = k.m.geo;
    // arch/powerpc: radix with 64K pages accepts any vmemmap size (85a2b4b08f20).
    if (g.preset.rfind("ppc64", 0) == 0 && g.page_size == 65536) return true;
    return vmemmap_size % (g.pmd_pages * g.page_size) == 0;  // IS_ALIGNED(vmemmap_size, PMD_SIZE)
}

bool mhp_supports_memmap_on_memory(Kernel& k, u64) {
    const Geometry& g = k.m.geo;
    const u64 vmemmap_size = memory_block_memmap_size(k);
    const u64 memmap_pages = memory_block_memmap_on_memory_pages(k);
    if (k.m.params.memmap_on_memory == MemmapMode::DISABLE) return false;
    if (vmemmap_size % g.page_size) return false;
    if (memmap_pages % g.pageblock_nr_pages) return false;
    if (memmap_pages == g.pages_per_block) return false;  // "No effective hotplugged memory doesn't make sense."
    return arch_supports_memmap_on_memory(k, vmemmap_size);
}

}  // namespace

// remove_memory_blocks_and_altmaps(): every block with its own altmap. find_memory_block()
// takes a reference on the block's device; 93866f55f7e2 "mm/memory_hotplug: fix memory block
// reference leak on remove" (2026-04, Muchun Song; Fixes: 6b8f0798b85a; in 6.18.y and other
// stable trees) drops it after mem->altmap is taken. The v6.8 variant has the fix (it is in
// the stable trees that carry this function); bug-93866f55f7e2 is 6.8 as merged.
void remove_memory_blocks_and_altmaps_with(Kernel& k, pfn_t start, u64 nr_pages, bool put_found_block) {
    KCALL(k, "remove_memory_blocks_and_altmaps");
    const u64 ppb = k.m.geo.pages_per_block;
    for (pfn_t cur = start; cur < start + nr_pages; cur += ppb) {
        const int b = k.m.block_of_pfn(cur);
        // mem = find_memory_block(pfn_to_section_nr(PFN_DOWN(cur_start))); WARN_ON_ONCE(!mem)
        if (!base::find_memory_block_by_id(k, static_cast<unsigned>(b), MB_REF_REMOVE_MEMORY_BLOCKS_AND_ALTMAPS)) {
            k.say("WARN_ON_ONCE(!mem)");
            continue;
        }
        BlockState& mem = k.s.blocks[b];
        VmemAltmap altmap;  // altmap = mem->altmap; mem->altmap = NULL;
        altmap.base_pfn = cur;
        altmap.free = mem.nr_vmemmap_pages;
        altmap.alloc = mem.altmap_alloc;
        altmap.owner_block = b;
        base::altmap_detach(k, static_cast<unsigned>(b));
        if (put_found_block) base::put_device(k, static_cast<unsigned>(b));  // 93866f55f7e2
        base::remove_memory_block_devices(k, cur, ppb);
        k.ops.arch_remove_memory(k, cur, ppb, &altmap);
        // WARN(altmap->alloc, "Altmap not fully unmapped"); kfree(altmap);
        base::altmap_read(k, static_cast<unsigned>(b), "remove_memory_blocks_and_altmaps");
        if (altmap.alloc) KSAY(k, "WARN: Altmap not fully unmapped ({} pages)", altmap.alloc);
        base::altmap_kfree(k, static_cast<unsigned>(b));
    }
}

namespace {

void remove_memory_blocks_and_altmaps(Kernel& k, pfn_t start, u64 nr_pages) {
    remove_memory_blocks_and_altmaps_with(k, start, nr_pages, true);
}

int create_altmaps_and_memory_blocks(Kernel& k, int nid, unsigned group, pfn_t start, u64 nr_pages) {
    KCALL(k, "create_altmaps_and_memory_blocks");
    const u64 ppb = k.m.geo.pages_per_block;
    int ret = 0;
    pfn_t cur = start;
    for (; cur < start + nr_pages; cur += ppb) {
        VmemAltmap altmap;  // params.altmap = kmemdup(&mhp_altmap): lives in mem->altmap
        altmap.base_pfn = cur;
        altmap.free = memory_block_memmap_on_memory_pages(k);
        altmap.owner_block = k.m.block_of_pfn(cur);
        const unsigned b = static_cast<unsigned>(altmap.owner_block);
        base::altmap_kmemdup(k, b);  // kmemdup() failing (-ENOMEM before anything else) is not modelled
        ret = k.ops.arch_add_memory(k, nid, cur, ppb, &altmap);
        if (ret < 0) {
            base::altmap_kfree(k, b);
            break;
        }
        ret = k.ops.create_memory_block_devices(k, cur, ppb, altmap.free, group);
        if (ret) {
            k.ops.undo_arch_add_memory(k, cur, ppb, &altmap);
            base::altmap_kfree(k, b);
            break;
        }
    }
    if (ret && cur != start) k.ops.remove_memory_blocks_and_altmaps(k, start, cur - start);
    return ret;
}

// The memory part of add_memory_resource(): per-block altmaps when supported, else the
// normal path (the 6.6 silent fallback, e3c2bfdd33a3).
int add_memory_blocks(Kernel& k, int nid, unsigned group, pfn_t start, u64 nr_pages,
                      bool memmap_on_memory) {
    if (memmap_on_memory && k.ops.mhp_supports_memmap_on_memory(k, nr_pages))
        return create_altmaps_and_memory_blocks(k, nid, group, start, nr_pages);
    if (memmap_on_memory) k.say("memmap_on_memory not supported: normal path (e3c2bfdd33a3)");
    int ret = k.ops.arch_add_memory(k, nid, start, nr_pages, nullptr);
    if (ret < 0) return ret;
    ret = k.ops.create_memory_block_devices(k, start, nr_pages, 0, group);
    if (ret) k.ops.undo_arch_add_memory(k, start, nr_pages, nullptr);
    return ret;
}

// create_altmaps_and_memory_blocks()'s error path: arch_remove_memory(block, NULL) from
// 6b8f0798b85a until the 2026 fix "mm/memory_hotplug: fix incorrect altmap passing in error
// path" (in Debian's 6.12.117).
void undo_arch_add_memory(Kernel& k, pfn_t start, u64 nr_pages, VmemAltmap*) {
    k.ops.arch_remove_memory(k, start, nr_pages, nullptr);
}

int try_remove_memory(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "try_remove_memory");
    unsigned first = 0, count = 0;
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return -EINVAL;
    int nid = -1;
    for (unsigned b = first; b < first + count; ++b) {
        if (k.s.blocks[b].state == BLOCK_ABSENT) continue;
        nid = k.m.blocks[b].nid;
        if (k.s.blocks[b].state != MEM_OFFLINE) {
            KSAY(k, "pr_warn: removing memory fails, because memory{} is onlined",
                              k.m.blocks[b].memory_block_id);
            return -EBUSY;
        }
    }
    // memory_blocks_have_altmaps()
    unsigned num_altmaps = 0, num_memblocks = 0;
    if (k.m.params.memmap_on_memory != MemmapMode::DISABLE)
        for (unsigned b = first; b < first + count; ++b) {
            if (k.s.blocks[b].state == BLOCK_ABSENT) continue;
            ++num_memblocks;
            num_altmaps += k.s.blocks[b].nr_vmemmap_pages != 0;  // mem->altmap != NULL
        }
    if (num_altmaps && num_altmaps != num_memblocks) {
        k.say("WARN_ON_ONCE(num_memblocks != num_altmaps) in memory_blocks_have_altmaps");
        return -EINVAL;
    }
    if (!num_altmaps) {
        base::remove_memory_block_devices(k, start, nr_pages);
        k.ops.arch_remove_memory(k, start, nr_pages, nullptr);
    } else {
        k.ops.remove_memory_blocks_and_altmaps(k, start, nr_pages);
    }
    if (nid >= 0) k.ops.try_offline_node(k, nid);
    return 0;
}

}  // namespace

Variant v6_8() {
    Variant v;
    v.name = "v6.8";
    v.parent = "v6.1";
    v.source = "Linux 6.8: 6b8f0798b85a \"mm/memory_hotplug: split memmap_on_memory requests across memblocks\"; "
               "6.6: e3c2bfdd33a3, 2d1f649c7c08, 1a8c64e11043 (Debian 6.12.117 mm/memory_hotplug.c read)";
    v.description =
        "memmap_on_memory for any number of memory blocks, each block with its own altmap (vmemmap pages at "
        "the start of every block); no single-block removal rule, each block torn down with its own altmap, "
        "-EINVAL when a range mixes blocks with and without altmaps; an unsupported request silently falls "
        "back to the normal path; `force` rounds the vmemmap pages up to whole pageblocks.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.mhp_supports_memmap_on_memory = mhp_supports_memmap_on_memory;
    v.ops.add_memory_blocks = add_memory_blocks;
    v.ops.undo_arch_add_memory = undo_arch_add_memory;
    v.ops.try_remove_memory = try_remove_memory;
    v.ops.remove_memory_blocks_and_altmaps = remove_memory_blocks_and_altmaps;
    // 6.6: 0db31d63f27e (boot, spec/boot.cpp); recorded on 6.1 and 6.12 (conformance/recordings/*-mirror-*).
    v.kernelcore_mirror_needs_mirrored_memory = true;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
