// rfc-2019 — the design of seed 001: Oscar Salvador, "[RFC PATCH v2 0/4] mm,
// memory_hotplug: allocate memmap from hotadded memory" (linux-mm, 22 Jan 2019).
//
// "Let us say we hot-add 2GB of memory on a x86_64 (memblock size = 128M) ... 8192 vmemmap
// pages (out of those 524288) ... 0xffffea0004000000 is the head vmemmap page (first
// page), while all the others are tails. head->_refcount: number of sections; head->
// private: number of vmemmap pages; tail->freelist: pointer to the head."
// "Every time we hit free_section_memmap(), we decrease the refcount of the head. When it
// reaches 0, we know that we hit the last section, so we call vmemmap_free() for the
// whole memory-range in backwards, so we make sure that the pages used for the mapping
// will be latest to be freed up." "Vmemmap pages are charged to spanned/present_pages,
// but not to managed_pages."
//
// Deviations from v6.1 (whose memmap_on_memory code is the merged descendant, a08a2ae34613):
// - mhp_supports_memmap_on_memory(): any number of memory blocks; the vmemmap of the whole
//   add request must fill whole PMDs, leave whole pageblocks and fit in the first block.
// - The add path is v6.1's (one altmap for the whole request, sections populated in
//   order), so every section's struct pages land at the start of the first block: one
//   vmemmap area.
// - create_memory_block_devices(): the vmemmap pages belong to the first block (head->
//   private); the other blocks have none and online/offline whole.
// - check_removal_granularity(): no single-block rule (it came with a08a2ae34613).
// - depopulate_section_memmap() (from v6.1's section_deactivate()): head-page refcount of the
//   sections that use the area; the vmemmap is freed only when the last section goes, for the
//   whole area, backwards.
//   The RFC kept its bookkeeping (refcount, private, freelist) in the struct pages of the
//   vmemmap pages, which the first block's own memmap describes: freeing in order would
//   free that memmap first (variant rfc-2019-forward-free).
// Known limit of the design, not explored by scenario 36: a driver removing only part of
// the range (remove_memory() of one block) leaves the other blocks' memmap in removed
// memory; that is what the single-block rule of a08a2ae34613 later forbade (see
// multi-block-removal-allowed).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace rfc2019 {

bool mhp_supports_memmap_on_memory(Kernel& k, u64 nr_pages) {
    const Geometry& g = k.m.geo;
    const u64 vmemmap_size = nr_pages * g.struct_page_size;
    const u64 vmemmap_pages = (vmemmap_size + g.page_size - 1) / g.page_size;
    return k.m.params.memmap_on_memory != MemmapMode::DISABLE && nr_pages % g.pages_per_block == 0 &&
           vmemmap_size % (g.pmd_pages * g.page_size) == 0 && vmemmap_pages % g.pageblock_nr_pages == 0 &&
           vmemmap_pages < g.pages_per_block;
}

int create_memory_block_devices(Kernel& k, pfn_t start, u64 nr_pages, u64 vmemmap_pages,
                                unsigned group) {
    const int ret = base::create_memory_block_devices(k, start, nr_pages, vmemmap_pages, group);
    if (ret || !vmemmap_pages) return ret;
    unsigned first = 0, count = 0;
    blocks_of_range(k.m, start, nr_pages, first, count);
    KSAY(k, "head->_refcount = {} sections, head->private = {} vmemmap pages (memory{})",
                      count * k.m.geo.sections_per_block(), vmemmap_pages, k.m.blocks[first].memory_block_id);
    for (unsigned b = first + 1; b < first + count; ++b) k.s.blocks[b].nr_vmemmap_pages = 0;
    return 0;
}

int check_removal_granularity(Kernel&, pfn_t, u64, u64) { return 0; }

// Sections of hot-pluggable memory still using the vmemmap area hosted by block `host`:
// the head page's _refcount.
u64 area_refcount(const Kernel& k, unsigned host) {
    u64 refs = 0;
    for (unsigned b = 0; b < k.m.blocks.size(); ++b)
        if (k.s.blocks[b].vmemmap_backing == host) refs += popcount(k.s.blocks[b].section_valid, 16);
    return refs;
}

// vmemmap_free() of the section memmaps of every block of the area, last section first.
void free_area_backwards(Kernel& k, unsigned host, VmemAltmap* altmap) {
    KCALL(k, "vmemmap_free(whole range, backwards)");
    const Geometry& g = k.m.geo;
    const u64 section_pages = (g.memmap_bytes(g.pages_per_section) + g.page_size - 1) / g.page_size;
    for (int b = static_cast<int>(k.m.blocks.size()) - 1; b >= 0; --b) {
        BlockState& bs = k.s.blocks[b];
        if (bs.vmemmap_backing != host || bs.section_valid) continue;
        for (u64 sec = 0; sec < g.sections_per_block(); ++sec) {  // each section's memmap
            k.s.blocks[host].altmap_alloc -=
                static_cast<u16>(std::min<u64>(k.s.blocks[host].altmap_alloc, section_pages));
            if (altmap) altmap->alloc -= std::min<u64>(altmap->alloc, section_pages);
        }
        KSAY(k, "memmap of memory{} freed (vmem_altmap_free)", k.m.blocks[b].memory_block_id);
        bs.vmemmap_backing = BACKING_NONE;
    }
}

// The design's one change to section_deactivate(): the section's memmap is not depopulated at
// once; the head page's refcount drops (section_deactivate() cleared SECTION_HAS_MEM_MAP
// first, so this section no longer counts) and the last section frees the whole area. The
// rest of the teardown, early sections included, is v6.1's section_deactivate().
void depopulate_section_memmap(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const int b = k.m.block_of_pfn(pfn);
    const unsigned host = b >= 0 ? vmemmap_backing_of(k.s.blocks[b]) : BACKING_NONE;
    if (k.memmap_unpopulated || host == BACKING_NONE || host == BACKING_BUDDY)
        return base::depopulate_section_memmap(k, pfn, nr_pages, altmap);
    const u64 refs = area_refcount(k, host);
    KSAY(k, "free_section_memmap: page_ref_dec(head of memory{}) -> {}", k.m.blocks[host].memory_block_id, refs);
    if (refs) return;  // not the last section: the vmemmap area stays
    free_area_backwards(k, host, altmap);
}

}  // namespace rfc2019

Variant rfc_2019() {
    Variant v;
    v.name = "rfc-2019";
    v.parent = "v6.1";
    v.source = "seed 001: Oscar Salvador, [RFC PATCH v2 0/4] mm, memory_hotplug: allocate memmap from hotadded "
               "memory (linux-mm, 2019-01-22)";
    v.description =
        "One vmemmap area at the start of a multi-block hot-add holds the struct pages of every section; the "
        "first block owns the vmemmap pages (present, not managed); the head vmemmap page counts the sections "
        "and the area is freed, backwards, when the last section is removed.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.mhp_supports_memmap_on_memory = rfc2019::mhp_supports_memmap_on_memory;
    v.ops.create_memory_block_devices = rfc2019::create_memory_block_devices;
    v.ops.check_removal_granularity = rfc2019::check_removal_granularity;
    v.ops.depopulate_section_memmap = rfc2019::depopulate_section_memmap;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
