// hocko-2021 — seed 004's counter-proposal: Michal Hocko, reply to "[PATCH v5 1/5]
// mm,memory_hotplug: Allocate memmap from the added memory range" (linux-mm, 24 Mar 2021):
// "{on,off}lining shouldn't care about where their vmemmaps come from at all. It should be
// a responsibility of the code which reserves that space to compensate for accounting ...
// I have dug out all the vmemmap pieces out of the {on,off}lining and hooked all the
// accounting when the space is reserved."
//
// Deviations from v6.1 (the merged design Oscar's v5 became, a08a2ae34613):
// - add_memory_resource(): once the memory block exists, the vmemmap pages are
//   initialized and accounted where the space was reserved: move_pfn_range_to_zone() of
//   [start, start + nr_vmemmap_pages) and adjust_present_page_count(+nr_vmemmap_pages).
//   At add time no online type is known; the vmemmap pages hold struct pages (kernel
//   data, MIGRATE_UNMOVABLE), so they go to the default kernel zone
//   (zone_for_pfn_range(MMOP_ONLINE_KERNEL)). Sections stay offline (the block is offline).
// - memory_block_online()/memory_block_offline(): only skip the vmemmap pages; no
//   mhp_init/deinit_memmap_on_memory(), no present_pages adjustment.
// - try_remove_memory(): un-account (adjust_present_page_count(-nr_vmemmap_pages)) and
//   remove_pfn_range_from_zone() for the vmemmap pages, after the parent's refusals.
//
// David Hildenbrand's objections in the same thread, which the checker must reproduce:
// 1. "If the underlying memory block is offline, all sections are offline. Zone shrinking
//    code will happily skip over the vmemmap pages and you can end up with out-of-zone
//    pages assigned to the zone." (scenario 38, invariant zone-span)
// 2. "our zone shrinking code currently searches in PAGES_PER_SUBSECTION (2 MiB IIRC)
//    increments. In case our vmemmap pages would be less than that, we could accidentally
//    shrink the !vmemmap part too much ... this would apply for memory block sizes < 128
//    MiB." (scenario 39, custom 32 MiB blocks, invariant zone-span)
// 3. "You heavily fragment zone layout ... set_zone_contiguous() will leave
//    zone->contiguous = false." (tests/test_variants.cpp)
// By design this proposal also changes two accounting contracts of v6.1: present_pages
// counts the vmemmap pages of offline blocks (I5), and an offline block keeps an
// initialized memmap for its vmemmap pages (I8); the scenarios check zone-span only.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

// The reservation's accounting, done right after create_memory_block_devices().
void account_reserved_vmemmap(Kernel& k, pfn_t start, u64 nr_pages) {
    unsigned first = 0, count = 0;
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return;
    for (unsigned b = first; b < first + count; ++b) {
        const u64 nr_vmemmap = k.s.blocks[b].nr_vmemmap_pages;
        if (!nr_vmemmap) continue;
        KCALL(k, "account the reserved vmemmap pages (at add, outside online)");
        const pfn_t pfn = k.m.blocks[b].start_pfn;
        const int nid = k.m.blocks[b].nid;
        const unsigned zone = k.ops.zone_for_pfn_range(k, MMOP_ONLINE_KERNEL, nid, pfn, nr_vmemmap);
        KSAY(k, "vmemmap pages [{:#x}, {:#x}) -> {}", pfn, pfn + nr_vmemmap, zone_name(zone));
        k.ops.move_pfn_range_to_zone(k, nid, zone, pfn, nr_vmemmap);
        k.ops.adjust_present_page_count(k, pfn, group_of_block(k.m, b), static_cast<i64>(nr_vmemmap));
    }
}

// v6.1's memory part of add_memory_resource(), then the accounting step once the block
// devices exist.
int add_memory_blocks(Kernel& k, int nid, unsigned group, pfn_t start, u64 nr_pages,
                      bool memmap_on_memory) {
    const int ret = base::add_memory_blocks(k, nid, group, start, nr_pages, memmap_on_memory);
    if (!ret) account_reserved_vmemmap(k, start, nr_pages);
    return ret;
}

int memory_block_online(Kernel& k, unsigned b, OnlineType type) {
    KCALL(k, "memory_block_online");
    const pfn_t start_pfn = k.m.blocks[b].start_pfn;
    const u64 nr_pages = k.m.geo.pages_per_block;
    const u64 nr_vmemmap_pages = k.s.blocks[b].nr_vmemmap_pages;  // only skipped
    const int nid = k.m.blocks[b].nid;
    const unsigned zone = k.ops.zone_for_pfn_range(k, type, nid, start_pfn, nr_pages);
    KSAY(k, "zone_for_pfn_range({}) = {}", online_type_name(type), zone_name(zone));
    const int ret = k.ops.online_pages(k, start_pfn + nr_vmemmap_pages, nr_pages - nr_vmemmap_pages, nid, zone,
                                       group_of_block(k.m, b));
    if (ret) return ret;
    k.s.blocks[b].zone = static_cast<u8>(zone);
    return 0;
}

int memory_block_offline(Kernel& k, unsigned b) {
    KCALL(k, "memory_block_offline");
    const pfn_t start_pfn = k.m.blocks[b].start_pfn;
    const u64 nr_pages = k.m.geo.pages_per_block;
    const u64 nr_vmemmap_pages = k.s.blocks[b].nr_vmemmap_pages;
    const unsigned zone = as_index(k.s.blocks[b].zone, MAX_NR_ZONES, NO_ZONE);
    if (zone == NO_ZONE) return -EINVAL;
    const int ret = k.ops.offline_pages(k, start_pfn + nr_vmemmap_pages, nr_pages - nr_vmemmap_pages,
                                        k.m.blocks[b].nid, zone, group_of_block(k.m, b));
    if (ret) return ret;
    k.s.blocks[b].zone = NO_ZONE;
    return 0;
}

int try_remove_memory(Kernel& k, pfn_t start, u64 nr_pages) {
    unsigned first = 0, count = 0;
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return base::try_remove_memory(k, start, nr_pages);
    // The parent's refusals come first: every block offline, the single-block rule.
    u64 nr_vmemmap = 0;
    for (unsigned b = first; b < first + count; ++b) {
        if (k.s.blocks[b].state == MEM_ONLINE) return base::try_remove_memory(k, start, nr_pages);  // -EBUSY
        if (k.s.blocks[b].state != BLOCK_ABSENT && !nr_vmemmap) nr_vmemmap = k.s.blocks[b].nr_vmemmap_pages;
    }
    if (nr_vmemmap && nr_pages != k.m.geo.pages_per_block) return base::try_remove_memory(k, start, nr_pages);  // -EINVAL
    for (unsigned b = first; b < first + count; ++b) {
        const u64 v = k.s.blocks[b].state == BLOCK_ABSENT ? 0 : k.s.blocks[b].nr_vmemmap_pages;
        if (!v) continue;
        KCALL(k, "unaccount the reserved vmemmap pages (before removal)");
        const pfn_t pfn = k.m.blocks[b].start_pfn;
        const u8 mm = read_memmap(k, pfn, "page_zone(vmemmap page)");
        if (!Memmap::initialized(mm)) continue;
        k.ops.adjust_present_page_count(k, pfn, group_of_block(k.m, b), -static_cast<i64>(v));
        k.ops.remove_pfn_range_from_zone(k, Memmap::nid(mm), Memmap::zone(mm), pfn, v);
    }
    return base::try_remove_memory(k, start, nr_pages);
}

}  // namespace

Variant hocko_2021() {
    Variant v;
    v.name = "hocko-2021";
    v.parent = "v6.1";
    v.source = "seed 004: Michal Hocko's counter-proposal and David Hildenbrand's objections, thread \"[PATCH v5 "
               "1/5] mm,memory_hotplug: Allocate memmap from the added memory range\" (linux-mm, 2021-03-24)";
    v.description =
        "The vmemmap pages of a memmap_on_memory block are linked to a zone and counted as present when the "
        "memory is added (the code that reserves the space does the accounting), not when it is onlined; "
        "online/offline only skip them.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.add_memory_blocks = add_memory_blocks;
    v.ops.memory_block_online = memory_block_online;
    v.ops.memory_block_offline = memory_block_offline;
    v.ops.try_remove_memory = try_remove_memory;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
