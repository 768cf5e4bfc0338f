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
// so group = the DIMM, max_pages = the DIMM's pages. Dynamic groups (virtio-mem) are not
// modelled: walk_dynamic_memory_groups() finds none, its statistics are zero.
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

flag auto_movable_can_online_movable(Kernel& k, int nid, int, u64 nr_pages) {
    KCALL(k, "auto_movable_can_online_movable");
    AutoMovableStats st;
    if (nid < 0) {
        for (int n = 0; n < k.m.nr_nodes; ++n) account_node(k, st, n);  // for_each_populated_zone()
    } else {
        account_node(k, st, nid);
    }
    // walk_dynamic_memory_groups(): no dynamic groups, req_kernel_early_pages = 0 and no
    // group's movable pages to take out; a static group adds no kernel pages back.
    if (st.kernel_early_pages == 0) return flag(false);  // kernel_early_pages <= req (0)
    const u64 ratio = k.m.params.auto_movable_ratio;
    return st.movable_pages + nr_pages <= ratio * st.kernel_early_pages / 100;
}

unsigned auto_movable_zone_for_pfn(Kernel& k, int nid, int group, pfn_t pfn, u64 nr_pages) {
    KCALL(k, "auto_movable_zone_for_pfn");
    if (k.m.params.auto_movable_ratio == 0) return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
    u64 max_pages = nr_pages;  // !group: just this range
    u64 online_pages = 0;
    if (group >= 0) {  // a static group (group->is_dynamic is false for ACPI)
        const unsigned g = static_cast<unsigned>(group);
        max_pages = static_cast<u64>(k.m.dimms[g].nr_blocks) * k.m.geo.pages_per_block;  // group->s.max_pages
        online_pages = k.s.groups[g].present_movable_pages;
        // If anything is kernel, we won't be able to remove the whole group.
        if (k.s.groups[g].present_kernel_pages != 0) return default_kernel_zone_for_pfn(k, nid, pfn, nr_pages);
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
