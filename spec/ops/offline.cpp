// Offlining a memory block: memory_block_offline(), offline_pages(),
// mhp_deinit_memmap_on_memory(). drivers/base/memory.c, mm/memory_hotplug.c (6.1.192).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/ops/refusal.hpp"

namespace hp::HP_DOMAIN::base {

int memory_block_offline(Kernel& k, unsigned b) {
    KCALL(k, "memory_block_offline");
    const pfn_t start_pfn = k.m.blocks[b].start_pfn;
    const u64 nr_pages = k.m.geo.pages_per_block;
    altmap_read(k, b, "memory_block_offline");  // 6.6+: if (mem->altmap) nr_vmemmap_pages = mem->altmap->free
    const u64 nr_vmemmap_pages = k.s.blocks[b].nr_vmemmap_pages;
    const unsigned group = group_of_block(k.m, b);
    const unsigned zone = as_index(k.s.blocks[b].zone, MAX_NR_ZONES, NO_ZONE);
    // A block spanning several zones or nodes has mem->zone == NULL and cannot be offlined.
    if (zone == NO_ZONE) return -EINVAL;
    const int nid = k.m.blocks[b].nid;
    // mem_hotplug_begin() (drivers/base/memory.c:245, 6.1.192)
    const MemHotplugScope mem_hotplug(k);
    // Unaccount before offlining, such that an unpopulated zone is torn down in offline_pages().
    if (nr_vmemmap_pages)
        k.ops.adjust_present_page_count(k, start_pfn, group, -static_cast<i64>(nr_vmemmap_pages));
    const int ret = k.ops.offline_pages(k, start_pfn + nr_vmemmap_pages, nr_pages - nr_vmemmap_pages, nid, zone, group);
    if (ret) {
        // offline_pages() failed. Account back.
        if (nr_vmemmap_pages)
            k.ops.adjust_present_page_count(k, start_pfn, group, static_cast<i64>(nr_vmemmap_pages));
        return ret;
    }
    if (nr_vmemmap_pages) k.ops.mhp_deinit_memmap_on_memory(k, start_pfn, nr_vmemmap_pages);
    k.s.blocks[b].zone = NO_ZONE;  // mem->zone = NULL
    return 0;
}

int offline_pages(Kernel& k, pfn_t start_pfn, u64 nr_pages, int nid, unsigned zone, unsigned group) {
    KCALL(k, "offline_pages");
    const Geometry& g = k.m.geo;
    const pfn_t end_pfn = start_pfn + nr_pages;
    if (!nr_pages || start_pfn % g.pageblock_nr_pages || end_pfn % g.pages_per_section) {
        k.say("WARN_ON_ONCE: offline_pages() range not pageblock/section aligned");
        k.observe(Observation::MISALIGNED_RANGE, "offline_pages", start_pfn, nr_pages);
        return -EINVAL;
    }
    // walk_system_ram_range(): hot-added memory has no holes, so the count always matches.
    // Only single-zone ranges: the first and last page must be in `zone`.
    const u8 first = read_memmap(k, start_pfn, "offline_pages");
    const u8 last = read_memmap(k, end_pfn - 1, "offline_pages");
    const std::uint8_t want = Memmap::make(nid, zone);
    if (first != want || last != want) {
        k.say("WARN_ON_ONCE: multizone range");
        return -EINVAL;
    }
    {
        KCALL(k, "start_isolate_page_range");
        // has_unmovable_pages() (mm/page_isolation.c 6.1): `if (PageReserved(page)) return
        // page;` comes before the ZONE_MOVABLE shortcut, so the PG_reserved pages of an early
        // memblock allocation (memblock_free_all() never frees reserved ranges) refuse the
        // isolation in every zone (seed 003; Machine::block_pinned()).
        const int pb = k.m.block_of_pfn(start_pfn);
        if (pb >= 0 && k.m.block_pinned(static_cast<unsigned>(pb))) {
            k.observe(Observation::EARLY_RESERVED_PAGES, "has_unmovable_pages", start_pfn, nr_pages);
            k.say("failure to isolate range: PageReserved (early memblock allocation)");
            return -EBUSY;
        }
        // Otherwise never in ZONE_MOVABLE; in a kernel zone unmovable
        // allocations may have landed (seen on a real 6.1 for the first Normal block).
        if (zone != ZONE_MOVABLE && k.inject_unmovable(start_pfn)) {
            k.say("failure to isolate range: unmovable page");
            return -EBUSY;
        }
    }
    {
        KCALL(k, "memory_notify(MEM_GOING_OFFLINE)");
        if (k.inject(FaultKind::NOTIFIER_VETO_OFFLINE)) {
            k.say("notifier failure; undo_isolate_page_range + memory_notify(MEM_CANCEL_OFFLINE)");
            return -EBUSY;
        }
    }
    {
        KCALL(k, "scan_movable_pages/do_migrate_range");
    }
    if (k.m.pt.enabled) k.ops.dissolve_free_huge_pages(k, start_pfn, end_pfn);  // HVO pages in the pool
    {
        KCALL(k, "__offline_isolated_pages");
        offline_mem_sections(k, start_pfn, end_pfn);
    }
    {
        KCALL(k, "adjust_managed_page_count");
        // virtio-mem SBM: fake-offline sub-blocks were never managed (6.1: MEM_GOING_OFFLINE
        // re-adds them and offline_pages() takes all; 6.12: __offline_isolated_pages() counts
        // only the managed ones) — the same figure either way.
        k.s.zone(nid, zone).managed_pages -= static_cast<u32>(nr_pages - virtio_mem_fake_offline_pages(k, start_pfn));
    }
    k.ops.adjust_present_page_count(k, start_pfn, group, -static_cast<i64>(nr_pages));
    {
        KCALL(k, "memory_notify(MEM_OFFLINE)");
    }
    k.ops.remove_pfn_range_from_zone(k, nid, zone, start_pfn, nr_pages);
    return 0;
}

namespace {
// read_memmap() of pfn without an observation (pfn_valid() and an initialized struct page).
flag memmap_readable(const PfnProbe& p) { return flag_and(p.valid, Memmap::initialized(p.memmap)); }
}  // namespace

// The returns of memory_block_offline() and offline_pages() above that leave the block as it
// was (drivers/base/memory.c:231-266 and mm/memory_hotplug.c:1798-1874, 6.1.192), for an
// online block, in their order. Answered: no mem->zone, and the two fault points (unmovable
// pages in this block of a kernel zone; a MEM_GOING_OFFLINE veto) when nothing before them
// observes (a freed altmap, an uninitialized struct page read, the misalignment WARN,
// PageReserved pages). Everything else is 0, run the path: the "multizone range" refusal is
// answered only on the way to such a fault (a block online_pages() put in one zone never meets it).
Refusal memory_block_offline_refusal(const Machine& m, const KernelState& s, unsigned b, const Fault& fault) {
    const BlockState& mem = s.blocks[b];
    if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_FREED)) return {};  // altmap_read() observes
    const unsigned zone = as_index(mem.zone, MAX_NR_ZONES, NO_ZONE);
    if (zone == NO_ZONE) return {-EINVAL};  // memory.c:238 `if (!mem->zone) return -EINVAL;`
    // The fault that would refuse (the cheap test first: most offlines are not refused).
    const bool unmovable = fault.kind == FaultKind::UNMOVABLE_PAGES && fault.index == b && zone != ZONE_MOVABLE;
    const bool vetoed = fault.kind == FaultKind::NOTIFIER_VETO_OFFLINE && fault.index == 0;  // this call's first visit
    if (!unmovable && !vetoed) return {};
    const pfn_t start_pfn = m.blocks[b].start_pfn;
    const u64 nr_vmemmap_pages = mem.nr_vmemmap_pages;
    // memory.c:246-256: adjust_present_page_count(-nr_vmemmap_pages), and the same back when
    // offline_pages() fails: the counters return to their values (u32 wrap-around) unless its
    // page_zone() read of start_pfn observes.
    if (nr_vmemmap_pages && !memmap_readable(probe_pfn(m, s, start_pfn))) return {};
    // offline_pages(start_pfn + nr_vmemmap_pages, nr_pages - nr_vmemmap_pages)
    const pfn_t first_pfn = start_pfn + nr_vmemmap_pages, end_pfn = start_pfn + m.geo.pages_per_block;
    if (first_pfn == end_pfn || first_pfn % m.geo.pageblock_nr_pages || end_pfn % m.geo.pages_per_section)
        return {};  // memory_hotplug.c:1816 WARN_ON_ONCE(): an observation
    const PfnProbe first = probe_pfn(m, s, first_pfn), last = probe_pfn(m, s, end_pfn - 1);
    if (!memmap_readable(first) || !memmap_readable(last)) return {};  // page_zone() reads observe
    const std::uint8_t want = Memmap::make(m.blocks[b].nid, zone);
    if (first.memmap != want || last.memmap != want) return {-EINVAL};  // :1844 "multizone range", before any fault
    if (m.block_pinned(b)) return {};  // has_unmovable_pages(): PageReserved, observed
    // :1856 start_isolate_page_range() fails ("failure to isolate range": Kernel::inject_unmovable()
    // of first_pfn, which lies in block b), or :1869 memory_notify(MEM_GOING_OFFLINE) is vetoed.
    return {-EBUSY, true};
}

void mhp_deinit_memmap_on_memory(Kernel& k, pfn_t pfn, u64 nr_pages) {
    KCALL(k, "mhp_deinit_memmap_on_memory");
    const pfn_t end_pfn = pfn + nr_pages;
    const u64 pps = k.m.geo.pages_per_section;
    if (nr_pages >= pps) offline_mem_sections(k, pfn, end_pfn - end_pfn % pps);
    // remove_pfn_range_from_zone(page_zone(pfn_to_page(pfn)), pfn, nr_pages)
    const u8 mm = read_memmap(k, pfn, "mhp_deinit_memmap_on_memory");
    if (!Memmap::initialized(mm)) return;
    k.ops.remove_pfn_range_from_zone(k, Memmap::nid(mm), Memmap::zone(mm), pfn, nr_pages);
    // kasan_remove_zero_shadow()
}

}  // namespace hp::HP_DOMAIN::base
