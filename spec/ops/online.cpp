// Onlining a memory block: memory_block_online(), mhp_init_memmap_on_memory(),
// online_pages(), move_pfn_range_to_zone(), and zone selection (contig-zones policy;
// auto-movable in auto_movable.cpp).
// drivers/base/memory.c, mm/memory_hotplug.c (Linux 6.1.192).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

// default_kernel_zone_for_pfn(): the first zone below ZONE_NORMAL intersecting the range.
unsigned default_kernel_zone_for_pfn(Kernel& k, int nid, pfn_t start, u64 nr_pages) {
    for (unsigned zid = 0; zid < ZONE_NORMAL; ++zid)
        if (zone_intersects(k.s.zone(nid, zid), start, nr_pages)) return zid;
    return ZONE_NORMAL;
}

namespace {
// default_zone_for_pfn(): inherit the zone when exactly one of kernel/movable intersects.
unsigned default_zone_for_pfn(Kernel& k, int nid, pfn_t start, u64 nr_pages) {
    const unsigned kernel_zone = default_kernel_zone_for_pfn(k, nid, start, nr_pages);
    const bool in_kernel = zone_intersects(k.s.zone(nid, kernel_zone), start, nr_pages);
    const bool in_movable = zone_intersects(k.s.zone(nid, ZONE_MOVABLE), start, nr_pages);
    if (in_kernel != in_movable) return in_kernel ? kernel_zone : static_cast<unsigned>(ZONE_MOVABLE);
    return k.m.params.movable_node ? static_cast<unsigned>(ZONE_MOVABLE) : kernel_zone;
}
}  // namespace

unsigned zone_for_pfn_range(Kernel& k, OnlineType type, int nid, pfn_t start, u64 nr_pages) {
    if (type == MMOP_ONLINE_KERNEL) return default_kernel_zone_for_pfn(k, nid, start, nr_pages);
    if (type == MMOP_ONLINE_MOVABLE) return ZONE_MOVABLE;
    if (k.m.params.online_policy == OnlinePolicy::AUTO_MOVABLE) {
        const int b = k.m.block_of_pfn(start);  // mem->group: the DIMM's static group or virtio-mem's dynamic one
        const unsigned g = b < 0 ? NO_GROUP : group_of_block(k.m, b);
        return k.ops.auto_movable_zone_for_pfn(k, nid, g == NO_GROUP ? -1 : static_cast<int>(g), start, nr_pages);
    }
    return default_zone_for_pfn(k, nid, start, nr_pages);  // online_policy=contig-zones
}

int memory_block_online(Kernel& k, unsigned b, OnlineType type) {
    KCALL(k, "memory_block_online");
    const pfn_t start_pfn = k.m.blocks[b].start_pfn;
    const u64 nr_pages = k.m.geo.pages_per_block;
    altmap_read(k, b, "memory_block_online");  // 6.6+: if (mem->altmap) nr_vmemmap_pages = mem->altmap->free
    const u64 nr_vmemmap_pages = k.s.blocks[b].nr_vmemmap_pages;
    const int nid = k.m.blocks[b].nid;
    const unsigned group = group_of_block(k.m, b);
    const unsigned zone = k.ops.zone_for_pfn_range(k, type, nid, start_pfn, nr_pages);
    KSAY(k, "zone_for_pfn_range({}) = {}", online_type_name(type), zone_name(zone));
    // mem_hotplug_begin() (001002e73712, backported to 6.1.y; drivers/base/memory.c:199)
    const MemHotplugScope mem_hotplug(k);
    if (nr_vmemmap_pages) {
        const int ret = k.ops.mhp_init_memmap_on_memory(k, start_pfn, nr_vmemmap_pages, nid, zone);
        if (ret) return ret;
    }
    const int ret = k.ops.online_pages(k, start_pfn + nr_vmemmap_pages, nr_pages - nr_vmemmap_pages, nid, zone, group);
    if (ret) {
        if (nr_vmemmap_pages) k.ops.mhp_deinit_memmap_on_memory(k, start_pfn, nr_vmemmap_pages);
        return ret;
    }
    // Account once onlining succeeded: vmemmap pages are present, never managed.
    if (nr_vmemmap_pages)
        k.ops.adjust_present_page_count(k, start_pfn, group, static_cast<i64>(nr_vmemmap_pages));
    k.s.blocks[b].zone = static_cast<u8>(zone);  // mem->zone = zone
    return 0;
}

int mhp_init_memmap_on_memory(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, unsigned zone) {
    KCALL(k, "mhp_init_memmap_on_memory");
    const pfn_t end_pfn = pfn + nr_pages;
    k.ops.move_pfn_range_to_zone(k, nid, zone, pfn, nr_pages);  // MIGRATE_UNMOVABLE
    // SetPageVmemmapSelfHosted() on each vmemmap page (not modelled: no reader).
    const u64 pps = k.m.geo.pages_per_section;
    if (nr_pages >= pps) online_mem_sections(k, pfn, end_pfn - end_pfn % pps);
    return 0;
}

int online_pages(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, unsigned zone, unsigned group) {
    KCALL(k, "online_pages");
    const Geometry& g = k.m.geo;
    if (!nr_pages || pfn % g.pageblock_nr_pages || (pfn + nr_pages) % g.pages_per_section) {
        k.say("WARN_ON_ONCE: online_pages() range not pageblock/section aligned");
        k.observe(Observation::MISALIGNED_RANGE, "online_pages", pfn, nr_pages);
        return -EINVAL;
    }
    k.ops.move_pfn_range_to_zone(k, nid, zone, pfn, nr_pages);  // MIGRATE_ISOLATE
    {
        KCALL(k, "memory_notify(MEM_GOING_ONLINE)");
        if (k.inject(FaultKind::NOTIFIER_VETO_ONLINE)) {
            k.say("a memory notifier vetoed MEM_GOING_ONLINE; memory_notify(MEM_CANCEL_ONLINE)");
            k.ops.remove_pfn_range_from_zone(k, nid, zone, pfn, nr_pages);
            return -EBUSY;
        }
    }
    {
        // online_pages_range(): each chunk goes through generic_online_page() ->
        // __free_pages_core(), which adds it to zone->managed_pages; then the sections
        // containing the range are marked online.
        KCALL(k, "online_pages_range");
        // virtio-mem's online_page callback keeps unplugged sub-blocks fake-offline (SBM).
        k.s.zone(nid, zone).managed_pages += static_cast<u32>(nr_pages - virtio_mem_fake_offline_pages(k, pfn));
        online_mem_sections(k, pfn, pfn + nr_pages);
    }
    k.ops.adjust_present_page_count(k, pfn, group, static_cast<i64>(nr_pages));
    return 0;
}

void move_pfn_range_to_zone(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, u64 nr_pages) {
    if (zone == ZONE_DEVICE_IDX) return move_pfn_range_to_zone_device(k, nid, start_pfn, nr_pages);
    KCALL(k, "move_pfn_range_to_zone");
    ZoneState& z = k.s.zone(nid, zone);
    NodeState& pgdat = k.s.nodes[nid];
    z.contiguous = 0;                                           // clear_zone_contiguous()
    // zone_start_pfn and spanned_pages change together; 6.1.192 takes no zone_span_writelock
    // here (only mem_hotplug_lock), so a lockless reader can see them mid-update.
    k.yield(YieldKind::SPAN_BEGIN, static_cast<unsigned>(nid) * MAX_NR_ZONES + zone);
    if (z.empty()) z.zone_start_pfn = static_cast<u32>(start_pfn);  // init_currently_empty_zone()
    {
        KCALL(k, "resize_zone_range");
        const pfn_t old_end_pfn = z.end_pfn();
        if (z.empty() || start_pfn < z.zone_start_pfn) z.zone_start_pfn = static_cast<u32>(start_pfn);
        z.spanned_pages = static_cast<u32>(std::max<pfn_t>(start_pfn + nr_pages, old_end_pfn) - z.zone_start_pfn);
    }
    k.yield(YieldKind::SPAN_END, static_cast<unsigned>(nid) * MAX_NR_ZONES + zone);
    {
        KCALL(k, "resize_pgdat_range");
        const pfn_t old_end_pfn = pgdat.node_start_pfn + pgdat.node_spanned_pages;
        if (!pgdat.node_spanned_pages || start_pfn < pgdat.node_start_pfn)
            pgdat.node_start_pfn = static_cast<u32>(start_pfn);
        pgdat.node_spanned_pages =
            static_cast<u32>(std::max<pfn_t>(start_pfn + nr_pages, old_end_pfn) - pgdat.node_start_pfn);
    }
    {
        KCALL(k, "memmap_init_range(MEMINIT_HOTPLUG)");
        set_memmap(k, start_pfn, nr_pages, Memmap::make(nid, zone));
    }
    set_zone_contiguous(k, nid, zone);
}

void adjust_present_page_count(Kernel& k, pfn_t pfn, unsigned group, i64 nr_pages) {
    KCALL(k, "adjust_present_page_count");
    const u8 mm = read_memmap(k, pfn, "adjust_present_page_count");  // page_zone(page)
    if (!Memmap::initialized(mm)) return;  // already reported as an I12 observation
    const int nid = Memmap::nid(mm);
    const unsigned zone = Memmap::zone(mm);
    // Hot-added sections are never early: present_early_pages does not move.
    k.s.zone(nid, zone).present_pages += static_cast<u32>(nr_pages);
    k.s.nodes[nid].node_present_pages += static_cast<u32>(nr_pages);
    if (group == NO_GROUP) return;  // boot memory: no memory group
    GroupState& grp = k.s.groups[group];
    if (zone == ZONE_MOVABLE) grp.present_movable_pages += static_cast<u32>(nr_pages);
    else grp.present_kernel_pages += static_cast<u32>(nr_pages);
}

}  // namespace hp::HP_DOMAIN::base
