// v6.12 — Linux 6.12 (Debian linux-source-6.12, 6.12.117), derived from v6.8: everything
// 6.6-6.8 changed (per-block altmaps for multi-block DIMMs 6b8f0798b85a, the silent fallback
// e3c2bfdd33a3, `memmap_on_memory=force` 2d1f649c7c08, the 2026 error-path altmap fix) is
// v6.8's. What 6.9-6.12 changed in the paths the model covers, read in the 6.12.117 sources
// (drivers/base/memory.c, mm/memory_hotplug.c, mm/sparse.c) against 6.8:
//
// - c5f1e2d18909 "mm/memory_hotplug: introduce MEM_PREPARE_ONLINE/MEM_FINISH_OFFLINE
//   notifiers" (the s390 memmap_on_memory series, posted Nov 2023-Jan 2024 after 6.7's
//   001002e73712; merged in 6.9 or 6.10 — the release was not verified here,
//   docs/kernel-reference.md §6 says 6.10). memory_block_online() calls memory_notify(MEM_PREPARE_ONLINE) after
//   zone_for_pfn_range() and before mhp_init_memmap_on_memory(); an error returns at once
//   (out_notifier: nothing was changed). When mhp_init_memmap_on_memory() or online_pages()
//   fails afterwards, memory_notify(MEM_FINISH_OFFLINE) runs on the way out.
//   memory_block_offline() sends MEM_FINISH_OFFLINE after a successful offline, once
//   mhp_deinit_memmap_on_memory() is done. MEM_FINISH_OFFLINE's return value is ignored.
//   The fault "notifier-veto-prepare-online" lets the explorer make MEM_PREPARE_ONLINE fail.
// - The same commit adds MHP_OFFLINE_INACCESSIBLE: add_memory_resource() marks the per-block
//   altmaps `inaccessible`, sparse_add_section() then does not poison the memmap and
//   mhp_init_memmap_on_memory() poisons it at online instead. Only s390's standby memory
//   (sclp, same series) passes the flag; the ACPI memory device driver never does, so on
//   the machines the model describes (ACPI DIMMs) the flag is always clear and nothing
//   changes (docs/limitations.md).
// - 44d46b76c3a4 (CONFIG_MHP_DEFAULT_ONLINE_TYPE_*, in Debian's 6.12.117): only the build-time
//   default of memhp_default_state moves into Kconfig; the scenario's default_online_type
//   (the boot parameter) decides as before.
// - offline_pages() subtracts the managed pages __offline_isolated_pages() counted instead of
//   nr_pages (PageOffline pages of virtio-mem are not managed); for ACPI DIMMs every page
//   went to the buddy at online, so the figure is the same.
// - node_states_clear_node() moved before build_all_zonelists() in offline_pages(): ordering
//   only, no state the model keeps.
// - The 2026 fix "mm/memory_hotplug: fix incorrect altmap passing in error path" (backported
//   to 6.12.117): when create_memory_block_devices() fails for a block,
//   create_altmaps_and_memory_blocks() calls arch_remove_memory(cur_start, memblock_size,
//   params.altmap, NULL) — the block's own altmap, not NULL as v6.8 (6b8f0798b85a) does, so
//   its vmemmap pages are no longer freed to the buddy (scenario 35 passes under v6.12).
// - auto-movable (auto_movable_zone_for_pfn(), auto_movable_can_online_movable()) and
//   default_zone_for_pfn() are unchanged from 6.1 (diffed), dynamic groups included.
// - virtio-mem (drivers/virtio/virtio_mem.c, diffed against 6.1): bbm_safe_unplug is gone (6.1's
//   default is the only way), virtio_mem_fake_offline() gives up with -EAGAIN when the config
//   changed meanwhile, virtio_mem_offline_and_remove_memory() turns every error but -ENOMEM into
//   -EBUSY, and offline_and_remove_memory() is unchanged: none of it is observable between the
//   model's atomic steps (spec/ops/virtio_mem.cpp), so v6.12 inherits the 6.1 functions; the
//   virtio-mem recordings of both lines agree with them.
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

int memory_block_online(Kernel& k, unsigned b, OnlineType type) {
    {
        KCALL(k, "memory_notify(MEM_PREPARE_ONLINE)");
        if (k.inject(FaultKind::NOTIFIER_VETO_PREPARE_ONLINE)) {
            k.say("a memory notifier vetoed MEM_PREPARE_ONLINE: out_notifier, nothing changed");
            return -EBUSY;
        }
    }
    // zone_for_pfn_range() runs before the notifier in the kernel; it only reads state, so
    // running it after (inside the 6.1 body) is the same.
    const int ret = base::memory_block_online(k, b, type);
    if (ret) KCALL(k, "memory_notify(MEM_FINISH_OFFLINE)");
    return ret;
}

int memory_block_offline(Kernel& k, unsigned b) {
    const int ret = base::memory_block_offline(k, b);
    if (!ret) KCALL(k, "memory_notify(MEM_FINISH_OFFLINE)");
    return ret;
}

}  // namespace

Variant v6_12() {
    Variant v;
    v.name = "v6.12";
    v.parent = "v6.8";
    v.source = "Linux 6.12.117 (Debian linux-source-6.12): c5f1e2d18909 \"mm/memory_hotplug: introduce "
               "MEM_PREPARE_ONLINE/MEM_FINISH_OFFLINE notifiers\" (6.9/6.10, also MHP_OFFLINE_INACCESSIBLE) and the "
               "error-path altmap fix on top of v6.8";
    v.description =
        "v6.8 plus the 6.9/6.10 memory notifiers: memory_block_online() sends MEM_PREPARE_ONLINE before initializing "
        "the vmemmap pages (a veto returns before anything changed) and MEM_FINISH_OFFLINE when onlining fails "
        "later; memory_block_offline() sends MEM_FINISH_OFFLINE after offlining. MHP_OFFLINE_INACCESSIBLE is "
        "never passed by the ACPI driver, so ACPI DIMMs behave as in 6.8. The error path of "
        "create_altmaps_and_memory_blocks() passes the block's altmap to arch_remove_memory() (the 2026 fix "
        "\"mm/memory_hotplug: fix incorrect altmap passing in error path\", in 6.12.117).";
    v.ops = v6_8().ops;  // the parent's table
    v.ops.memory_block_online = memory_block_online;
    v.ops.memory_block_offline = memory_block_offline;
    v.ops.undo_arch_add_memory = base::undo_arch_add_memory;  // the error-path altmap fix
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
