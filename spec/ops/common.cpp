// Building blocks shared by every kernel path: memmap initialization and poisoning,
// section online bits, zone contiguity, and the table of baseline functions.
#include <fmt/format.h>

#include <stdexcept>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"

#if !HP_SYMBOLIC  // domain-independent: defined once, by the concrete build
namespace hp {

const char* fault_name(FaultKind f) {
    switch (f) {
        case FaultKind::NONE: return "none";
        case FaultKind::UNMOVABLE_PAGES: return "unmovable-pages";
        case FaultKind::NOTIFIER_VETO_ONLINE: return "notifier-veto-online";
        case FaultKind::NOTIFIER_VETO_OFFLINE: return "notifier-veto-offline";
        case FaultKind::SECTION_ENOMEM: return "section-enomem";
        case FaultKind::MEMORY_BLOCK_ENOMEM: return "memory-block-enomem";
        case FaultKind::NOTIFIER_VETO_PREPARE_ONLINE: return "notifier-veto-prepare-online";
        case FaultKind::MEMMAP_ENOMEM: return "memmap-enomem";
        case FaultKind::COUNT: break;
    }
    return "?";
}

}  // namespace hp
#endif

namespace hp::HP_DOMAIN {

u8 read_memmap(Kernel& k, const pfn_t& pfn, const char* func) {
    const PfnProbe p = probe_pfn(k.m, k.s, pfn);
    if (!p.valid) {
        k.observe(Observation::UNMAPPED_MEMMAP_READ, func, pfn);
        return Memmap::POISONED;
    }
    if (!Memmap::initialized(p.memmap)) k.observe(Observation::POISONED_MEMMAP_READ, func, pfn);
    return p.memmap;
}

unsigned group_of_block(const Machine& m, unsigned block) {
    return m.dimms[m.blocks[block].dimm].boot_ram ? NO_GROUP : m.group_of(block);  // boot memory: mem->group NULL
}

bool blocks_of_range(const Machine& m, const pfn_t& start, const u64& nr_pages, unsigned& first, unsigned& count) {
    const u64 ppb = m.geo.pages_per_block;
    if (nr_pages == 0 || start % ppb || nr_pages % ppb) return false;
    const int b = m.block_of_pfn(start);
    if (b < 0) return false;
    const unsigned n = as_index(nr_pages / ppb, MAX_BLOCKS + 1, MAX_BLOCKS + 1);
    const unsigned dimm = m.blocks[b].dimm;
    if (m.blocks[b].index_in_dimm + n > m.dimms[dimm].nr_blocks) return false;
    first = static_cast<unsigned>(b);
    count = n;
    return true;
}

namespace base {

void set_memmap(Kernel& k, pfn_t pfn, u64 nr_pages, const u8& memmap) {
    // The struct pages are written: with page tables, no longer all PAGE_UNUSED (x86).
    if (k.m.pt.enabled) pt_struct_pages_written(k, pfn, nr_pages);
    const pfn_t end = pfn + nr_pages;
    while (pfn < end) {
        const int b = k.m.block_of_pfn(pfn);
        if (b < 0) throw std::logic_error(fmt::format("set_memmap: pfn {:#x} is not hot-pluggable memory", pfn));
        BlockState& bs = k.s.blocks[b];
        const pfn_t start = k.m.blocks[b].start_pfn, split = start + bs.nr_vmemmap_pages,
                    block_end = k.m.block_end_pfn(b);
        // The model keeps one memmap state per run (vmemmap pages, rest of the block); a
        // range must cover whole runs. Every kernel path in the model does.
        if (pfn == start && split > start) {
            if (end < split) throw std::logic_error(fmt::format("set_memmap: [{:#x},{:#x}) splits the vmemmap run", pfn, end));
            bs.memmap_vmemmap = memmap;
            pfn = split;
            continue;
        }
        if (pfn != split && !(pfn == start && split == start))
            throw std::logic_error(fmt::format("set_memmap: {:#x} is not the start of a memmap run", pfn));
        if (end < block_end) throw std::logic_error(fmt::format("set_memmap: [{:#x},{:#x}) splits a block", pfn, end));
        bs.memmap_rest = memmap;
        pfn = block_end;
    }
}

// online_mem_sections()/offline_mem_sections(): every section touched by [start, end).
static void set_sections_online(Kernel& k, pfn_t start, pfn_t end, bool online) {
    const u64 pps = k.m.geo.pages_per_section;
    for (pfn_t pfn = start - start % pps; pfn < end; pfn += pps) {
        const int b = k.m.block_of_pfn(pfn);
        if (b < 0) continue;
        const u32 bit = 1u << section_in_block(k.m, b, pfn);
        BlockState& bs = k.s.blocks[b];
        if (!(bs.section_valid & bit)) continue;  // "if (WARN_ON(!valid_section(ms))) continue;"
        if (online) bs.section_online |= bit;
        else bs.section_online &= ~bit;
    }
}
void online_mem_sections(Kernel& k, pfn_t start, pfn_t end) {
    KCALL(k, "online_mem_sections");
    set_sections_online(k, start, end, true);
}
void offline_mem_sections(Kernel& k, pfn_t start, pfn_t end) {
    KCALL(k, "offline_mem_sections");
    set_sections_online(k, start, end, false);
}

bool zone_intersects(const ZoneState& z, pfn_t start, u64 nr_pages) {
    if (z.empty()) return false;
    return !(start >= z.end_pfn() || start + nr_pages <= z.zone_start_pfn);
}

// set_zone_contiguous(): every pageblock of the span starts with an online page of this
// zone (__pageblock_pfn_to_page). Pageblocks inside one uniform run answer alike, so the
// walk jumps from run to run.
void set_zone_contiguous(Kernel& k, int nid, unsigned zone) {
    ZoneState& z = k.s.zone(nid, zone);
    const u64 pb = k.m.geo.pageblock_nr_pages;
    const pfn_t end = z.end_pfn();
    for (pfn_t pfn = z.zone_start_pfn; pfn < end;) {
        const pfn_t pb_end = std::min<pfn_t>(pfn - pfn % pb + pb, end);
        const PfnProbe first = probe_pfn(k.m, k.s, pfn);
        if (!first.online || !Memmap::initialized(first.memmap) || Memmap::nid(first.memmap) != nid ||
            Memmap::zone(first.memmap) != zone)
            return;  // contiguous stays false: clear_zone_contiguous() ran before us
        if (pb_end > first.run_hi) {  // the pageblock's last page lies in another run
            const PfnProbe last = probe_pfn(k.m, k.s, pb_end - 1);
            if (!last.valid || last.memmap != first.memmap) return;
        }
        // Every later pageblock lying wholly inside this run answers the same.
        pfn_t next = pb_end;
        if (first.run_hi > next) next = std::max(next, (first.run_hi - 1) - (first.run_hi - 1) % pb);
        pfn = next;
    }
    z.contiguous = 1;
}

KernelOps ops() {
    KernelOps o{};
    o.memremap_pages = memremap_pages;
    o.memunmap_pages = memunmap_pages;
    o.soft_offline_page = soft_offline_page;
    o.acpi_memory_device_add = acpi_memory_device_add;
    o.acpi_memory_device_eject = acpi_memory_device_eject;
    o.memory_block_state_store = memory_block_state_store;
    o.remove_memory = remove_memory;
    o.add_memory_resource = add_memory_resource;
    o.add_memory_blocks = add_memory_blocks;
    o.undo_arch_add_memory = undo_arch_add_memory;
    o.mhp_supports_memmap_on_memory = mhp_supports_memmap_on_memory;
    o.arch_add_memory = arch_add_memory;
    o.sparse_add_section = sparse_add_section;
    o.populate_section_memmap = populate_section_memmap;
    o.create_memory_block_devices = create_memory_block_devices;
    o.register_memory = register_memory;
    o.remove_memory_blocks_and_altmaps = nullptr;  // 6.8+
    o.memory_block_online = memory_block_online;
    o.zone_for_pfn_range = zone_for_pfn_range;
    o.mhp_init_memmap_on_memory = mhp_init_memmap_on_memory;
    o.online_pages = online_pages;
    o.move_pfn_range_to_zone = move_pfn_range_to_zone;
    o.adjust_present_page_count = adjust_present_page_count;
    o.memory_block_offline = memory_block_offline;
    o.offline_pages = offline_pages;
    o.mhp_deinit_memmap_on_memory = mhp_deinit_memmap_on_memory;
    o.remove_pfn_range_from_zone = remove_pfn_range_from_zone;
    o.shrink_zone_span = shrink_zone_span;
    o.find_smallest_section_pfn = find_smallest_section_pfn;
    o.find_biggest_section_pfn = find_biggest_section_pfn;
    o.update_pgdat_span = update_pgdat_span;
    o.try_remove_memory = try_remove_memory;
    o.check_removal_granularity = check_removal_granularity;
    o.arch_remove_memory = arch_remove_memory;
    o.section_deactivate = section_deactivate;
    o.depopulate_section_memmap = depopulate_section_memmap;
    o.try_offline_node = try_offline_node;
    o.valid_section = valid_section;
    o.online_section = online_section;
    o.pfn_section_valid = pfn_section_valid;
    o.pfn_valid = pfn_valid;
    o.pfn_to_online_page = pfn_to_online_page;
    o.sparse_remove_section = sparse_remove_section;
    o.vmemmap_populated = vmemmap_populated;
    // kernel page tables and HVO (spec/ops/pagetables*.cpp, hugetlb_vmemmap.cpp)
    o.vmemmap_populate = vmemmap_populate;
    o.vmemmap_free = vmemmap_free;
    o.vmemmap_use_sub_pmd = x86::vmemmap_use_sub_pmd;
    o.vmemmap_use_new_sub_pmd = x86::vmemmap_use_new_sub_pmd;
    o.vmemmap_pmd_is_unused = x86::vmemmap_pmd_is_unused;
    o.free_empty_tables = arm64::free_empty_tables;
    o.linear_map = linear_map;
    o.hugetlb_alloc = hugetlb_alloc;
    o.hugetlb_free = hugetlb_free;
    o.vmemmap_should_optimize = vmemmap_should_optimize;
    o.hugetlb_vmemmap_restore = hugetlb_vmemmap_restore;
    o.dissolve_free_huge_pages = dissolve_free_huge_pages;
    o.virtio_mem_plug_request = virtio_mem_plug_request;
    o.virtio_mem_unplug_request = virtio_mem_unplug_request;
    o.offline_and_remove_memory = offline_and_remove_memory;
    o.auto_movable_zone_for_pfn = auto_movable_zone_for_pfn;
    return o;
}

}  // namespace base
}  // namespace hp::HP_DOMAIN
