// online_policy=auto-movable: auto_movable_zone_for_pfn() and
// auto_movable_can_online_movable(), mm/memory_hotplug.c, introduced in 5.15 by
// e83a437faa62 "mm/memory_hotplug: introduce "auto-movable" online policy" (with
// memory groups, 028fc57a1c36 / 836809ec75cc). Read in 6.1.192 and 6.12.117: identical.
//
// The policy onlines a block to ZONE_MOVABLE only if the whole rest of its memory group
// could *currently* be onlined movable while MOVABLE pages stay within auto_movable_ratio
// percent of the kernel zones' early (boot) present pages — over the whole machine and, with
// auto_movable_numa_aware, over the block's node too. Otherwise the default kernel zone.
//
// Memory groups: every ACPI memory device registers one static group
// (memory_group_register_static(nid, PFN_UP(total_length)), drivers/acpi/acpi_memhotplug.c),
// so group = the DIMM, max_pages = the DIMM's pages. Every virtio-mem device registers one
// dynamic group (memory_group_register_dynamic(nid, unit_pages = PHYS_PFN(bb_size)) in BBM,
// drivers/virtio/virtio_mem.c virtio_mem_init_hotplug()), kept in the slot of its first big
// block (Dimm::group); walk_dynamic_memory_groups() (drivers/base/memory.c) visits them.
// CONFIG_CMA is off in Debian's amd64 kernels, so zone->cma_pages is 0.
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
struct AutoMovableStats {  // struct auto_movable_stats
    u64 kernel_early_pages = 0;
    u64 movable_pages = 0;
};

// auto_movable_stats_account_zone(), for populated zones only (populated_zone()).
void account_node(Kernel& k, AutoMovableStats& st, int nid) {
    for (unsigned zid = 0; zid < MAX_NR_ZONES; ++zid) {
        const ZoneState& z = k.s.zone(nid, zid);
        if (!(z.present_pages != 0)) continue;
        if (zid == ZONE_MOVABLE) st.movable_pages += z.present_pages;
        else st.kernel_early_pages += k.m.boot_present(nid, zid);  // zone->present_early_pages
    }
}
}  // namespace

flag auto_movable_can_online_movable(Kernel& k, int nid, int group, u64 nr_pages) {
    KCALL(k, "auto_movable_can_online_movable");
    AutoMovableStats st;
    if (nid < 0) {
        for (int n = 0; n < k.m.nr_nodes; ++n) account_node(k, st, n);  // for_each_populated_zone()
    } else {
        account_node(k, st, nid);
    }
    const u64 ratio = k.m.params.auto_movable_ratio;
    // "Kernel memory inside dynamic memory group allows for more MOVABLE memory within the
    // same group. Remove the effect of all but the current group from the stats."
    // walk_dynamic_memory_groups(nid, auto_movable_stats_account_group, group, &group_stats):
    // every dynamic group but `group`, of node nid unless NUMA_NO_NODE.
    u64 req_kernel_early_pages = 0, group_movable_pages = 0;
    for (const VirtioMem& vm : k.m.virtio_mems) {
        const unsigned g = vm.first_dimm;
        if (static_cast<int>(g) == group) continue;
        if (nid >= 0 && vm.node != nid) continue;
        if (ratio == 0) continue;  // "Just avoid the division by zero below."
        const GroupState& gs = k.s.groups[g];
        u64 movable = 0, kernel = 0;
        movable += gs.present_movable_pages;
        kernel += gs.present_kernel_pages;
        // pages = present_movable_pages * 100 / ratio - present_kernel_pages; added if > 0
        const u64 pages = movable * 100 / ratio;
        if (pages > kernel) req_kernel_early_pages += pages - kernel;
        group_movable_pages += movable;
    }
    if (st.kernel_early_pages <= req_kernel_early_pages) return flag(false);
    u64 kernel_early_pages = st.kernel_early_pages - req_kernel_early_pages;
    const u64 movable_pages = st.movable_pages - group_movable_pages;
    // A static group adds no kernel pages back; the current dynamic group does.
    if (group >= 0 && k.m.group_is_dynamic(static_cast<unsigned>(group)))
        kernel_early_pages += k.s.groups[group].present_kernel_pages;
    return movable_pages + nr_pages <= ratio * kernel_early_pages / 100;
}

unsigned auto_movable_zone_for_pfn(Kernel& k, int nid, int group, pfn_t pfn, u64 nr_pages) {
    KCALL(k, "auto_movable_zone_for_pfn");
    if (k.m.params.auto_movable_ratio == 0) return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
    u64 max_pages = nr_pages;  // !group: just this range
    u64 online_pages = 0;
    if (group >= 0 && !k.m.group_is_dynamic(static_cast<unsigned>(group))) {  // a static group (ACPI)
        const unsigned g = static_cast<unsigned>(group);
        max_pages = static_cast<u64>(k.m.dimms[g].nr_blocks) * k.m.geo.pages_per_block;  // group->s.max_pages
        online_pages = k.s.groups[g].present_movable_pages;
        // If anything is kernel, we won't be able to remove the whole group.
        if (k.s.groups[g].present_kernel_pages != 0) return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
    } else if (group >= 0) {  // a dynamic group (virtio-mem)
        const u64 unit_pages = k.m.virtio_mems[k.m.dimms[group].virtio_mem].bb_pages;  // group->d.unit_pages
        if (!(unit_pages == nr_pages)) {  // else: max_pages = nr_pages, as without a group
            max_pages = unit_pages;
            // "Take a look at all online sections in the current unit. We can safely assume
            // that all pages within a section belong to the same zone, because dynamic memory
            // groups only deal with hotplugged memory."
            const u64 pps = k.m.geo.pages_per_section;
            const pfn_t unit_start = pfn - pfn % unit_pages;  // ALIGN_DOWN(pfn, unit_pages)
            for (pfn_t p = unit_start; p < unit_start + unit_pages; p += pps) {
                if (!k.ops.pfn_to_online_page(k, p)) continue;
                // "If anything is kernel, we want to online all kernel."
                if (Memmap::zone(read_memmap(k, p, "auto_movable_zone_for_pfn")) != ZONE_MOVABLE)
                    return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
                online_pages += pps;
            }
        }
    }
    // Online MOVABLE if we could *currently* online all remaining parts MOVABLE.
    const u64 remaining = max_pages - online_pages;
    if (!auto_movable_can_online_movable(k, -1, group, remaining))
        return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
    if (k.m.params.auto_movable_numa_aware && !auto_movable_can_online_movable(k, nid, group, remaining))
        return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
    return ZONE_MOVABLE;
}

}  // namespace hp::HP_DOMAIN::base
