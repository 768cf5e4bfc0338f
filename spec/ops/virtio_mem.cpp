// virtio-mem in Big Block Mode: the driver's reaction to a changed requested-size (Sub Block
// Mode: spec/ops/virtio_mem_sbm.cpp).
// drivers/virtio/virtio_mem.c and mm/memory_hotplug.c, read in 6.1.192 and 6.12.117.
//
// The device's memory is a row of big blocks (bb_size = max(device_block_size,
// memory_block_size_bytes()), virtio_mem_init_hotplug()); each is Machine::dimms entry with
// Dimm::virtio_mem set, whose dimm_plugged/dimm_enabled bits say VIRTIO_MEM_BBM_BB_ADDED
// (plugged at the device and added to Linux). VIRTIO_MEM_BBM_BB_PLUGGED (plugged, not added)
// arises only when the device refuses an unplug, which QEMU never does; FAKE_OFFLINE lives
// only inside virtio_mem_bbm_offline_remove_and_unplug_bb() under hotplug_mutex. An action
// is one run of the driver's work for a requested-size one big block away from the plugged
// size; when unplugging fails with -EBUSY the driver retries later (virtio_mem_run_wq()'s
// retry timer) and may succeed once memory got freed: the model offers the unplug again,
// and the failed attempt is a refused step that changed nothing.
//
// 6.1 vs 6.12 (diffed): 6.12 dropped the bbm_safe_unplug parameter (6.1's default, true, is
// now the only behaviour), virtio_mem_fake_offline() returns -EAGAIN when the config changed
// meanwhile (not observable between atomic steps), and virtio_mem_offline_and_remove_memory()
// maps every error but -ENOMEM to -EBUSY (offline_and_remove_memory() of whole blocks of one
// zone fails only with -EBUSY in the model, so the mapping changes nothing here). The same
// functions therefore serve v6.1 and v6.12.
#include <fmt/format.h>

#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

namespace {

const VirtioMem& device(Kernel& k, unsigned vm) { return k.m.virtio_mems[vm]; }

// vm->offline_size: bytes added to Linux and not online (atomic64_add() in
// virtio_mem_add_memory(), MEM_ONLINE / MEM_OFFLINE in virtio_mem_memory_notifier_cb()), in pages.
u64 offline_size_pages(Kernel& k, const VirtioMem& v) {
    u64 n = 0;
    for (unsigned i = 0; i < v.nr_bbs; ++i) {
        const unsigned d = v.first_dimm + i;
        if (!(k.s.dimm_enabled >> d & 1)) continue;
        const unsigned first = k.m.dimm_first_block[d];
        for (unsigned b = first; b < first + k.m.dimms[d].nr_blocks; ++b)
            if (k.s.blocks[b].state != MEM_ONLINE) n += k.m.geo.pages_per_block;
    }
    return n;
}

// virtio_mem_could_add_memory(): offline_size + size <= offline_threshold, where
// offline_threshold = max(2 * bb_size, max(2 * memory_block_size_bytes(),
// VIRTIO_MEM_DEFAULT_OFFLINE_THRESHOLD = 1 GiB)) (virtio_mem_init_hotplug()).
bool could_add_memory(Kernel& k, const VirtioMem& v) {
    const u64 gib = (u64(1) << 30) / k.m.geo.page_size;
    u64 threshold = 2 * k.m.geo.pages_per_block;
    if (gib > threshold) threshold = gib;
    if (2 * v.bb_pages > threshold) threshold = 2 * v.bb_pages;
    return offline_size_pages(k, v) + v.bb_pages <= threshold;
}

// virtio_mem_bbm_bb_is_offline(): no section of the big block has an online page.
bool bb_is_offline(Kernel& k, const Dimm& bb, const VirtioMem& v) {
    const u64 pps = k.m.geo.pages_per_section;
    for (pfn_t pfn = bb.base_pfn; pfn < bb.base_pfn + v.bb_pages; pfn += pps)
        if (k.ops.pfn_to_online_page(k, pfn)) return false;
    return true;
}

// virtio_mem_bbm_bb_is_movable(): every online section of the big block is in ZONE_MOVABLE.
bool bb_is_movable(Kernel& k, const Dimm& bb, const VirtioMem& v) {
    const u64 pps = k.m.geo.pages_per_section;
    for (pfn_t pfn = bb.base_pfn; pfn < bb.base_pfn + v.bb_pages; pfn += pps) {
        if (!k.ops.pfn_to_online_page(k, pfn)) continue;
        if (Memmap::zone(read_memmap(k, pfn, "virtio_mem_bbm_bb_is_movable")) != ZONE_MOVABLE) return false;
    }
    return true;
}

// virtio_mem_fake_offline(): alloc_contig_range() of an online section, retried 5 times in
// ZONE_MOVABLE, given up at once elsewhere. The pages become PageOffline and leave
// managed_pages; the MEM_GOING_OFFLINE notifier gives them back so that offline_pages()
// (6.1) or __offline_isolated_pages() (6.12) takes them off again: after a successful unplug
// the counts are those of a plain offline, after a rollback (virtio_mem_fake_online()) those
// from before. Only the outcome is state: in a kernel zone unmovable pages (the explorer's
// unmovable-pages fault in that block) make it -EBUSY; ZONE_MOVABLE holds only movable pages
// in the model, so it succeeds there.
int virtio_mem_fake_offline(Kernel& k, pfn_t pfn) {
    KCALL(k, "virtio_mem_fake_offline");
    const unsigned zone = Memmap::zone(read_memmap(k, pfn, "virtio_mem_fake_offline"));  // is_zone_movable_page()
    KCALL(k, "alloc_contig_range");
    if (zone != ZONE_MOVABLE && k.inject_unmovable(pfn)) {
        k.say("alloc_contig_range() fails: unmovable pages in a kernel zone (-EBUSY)");
        return -EBUSY;
    }
    return 0;
}

// virtio_mem_bbm_plug_and_add_bb(): VIRTIO_MEM_REQ_PLUG (QEMU acknowledges it), then
// virtio_mem_bbm_add_bb() -> add_memory_driver_managed(vm->mgid, addr, bb_size,
// "System RAM (virtio_mem)", MHP_MERGE_RESOURCE | MHP_NID_IS_MGID): no MHP_MEMMAP_ON_MEMORY
// in 6.1 or 6.12, so the memmap comes from node memory. add_memory_resource() auto-onlines
// per memhp_default_state as for any hot-added memory. On failure the big block is unplugged
// again (VIRTIO_MEM_REQ_UNPLUG, acknowledged): back to UNUSED.
int virtio_mem_bbm_plug_and_add_bb(Kernel& k, unsigned vm, unsigned bb) {
    KCALL(k, "virtio_mem_bbm_plug_and_add_bb");
    const VirtioMem& v = device(k, vm);
    const unsigned d = v.first_dimm + bb;
    const Dimm& dm = k.m.dimms[d];
    {
        KCALL(k, "virtio_mem_bbm_plug_bb");  // VIRTIO_MEM_REQ_PLUG: VIRTIO_MEM_RESP_ACK
        k.s.dimm_plugged |= 1u << d;
    }
    int rc;
    {
        KCALL(k, "add_memory_driver_managed");  // MHP_NID_IS_MGID: nid = the group's nid
        rc = k.ops.add_memory_resource(k, v.node, dm.group, dm.base_pfn, v.bb_pages, false);
    }
    if (rc) {
        KSAY(k, "dev_warn: adding memory failed: {}", rc);
        KCALL(k, "virtio_mem_bbm_unplug_bb");  // acknowledged: VIRTIO_MEM_BBM_BB_UNUSED
        k.s.dimm_plugged &= ~(1u << d);
        return rc;
    }
    k.s.dimm_enabled |= 1u << d;  // VIRTIO_MEM_BBM_BB_ADDED
    return 0;
}

// virtio_mem_bbm_offline_remove_and_unplug_bb() (bbm_safe_unplug: 6.1's default, 6.12's only way).
int virtio_mem_bbm_offline_remove_and_unplug_bb(Kernel& k, unsigned vm, unsigned bb) {
    KCALL(k, "virtio_mem_bbm_offline_remove_and_unplug_bb");
    const VirtioMem& v = device(k, vm);
    const unsigned d = v.first_dimm + bb;
    const Dimm& dm = k.m.dimms[d];
    const u64 pps = k.m.geo.pages_per_section;
    // VIRTIO_MEM_BBM_BB_FAKE_OFFLINE, then fake-offline every online section.
    for (pfn_t pfn = dm.base_pfn; pfn < dm.base_pfn + v.bb_pages; pfn += pps) {
        if (!k.ops.pfn_to_online_page(k, pfn)) continue;
        if (const int rc = virtio_mem_fake_offline(k, pfn)) {
            k.say("rollback_safe_unplug: virtio_mem_fake_online() of the sections done so far");
            return rc;
        }
    }
    int rc;
    {
        KCALL(k, "virtio_mem_offline_and_remove_memory");
        rc = k.ops.offline_and_remove_memory(k, dm.base_pfn, v.bb_pages);
    }
    if (rc) {
        k.say("rollback_safe_unplug: virtio_mem_fake_online() of every online section");
        return rc;
    }
    KCALL(k, "virtio_mem_bbm_unplug_bb");  // VIRTIO_MEM_REQ_UNPLUG: acknowledged, VIRTIO_MEM_BBM_BB_UNUSED
    k.s.dimm_plugged &= ~(1u << d);
    k.s.dimm_enabled &= ~(1u << d);
    return 0;
}

}  // namespace

// virtio_mem_bbm_plug_request(vm, diff = one big block): the first UNUSED big block (those
// below next_bb_id first, then virtio_mem_bbm_prepare_next_bb(): either way the lowest
// bb_id), if virtio_mem_could_add_memory() allows it.
int virtio_mem_plug_request(Kernel& k, unsigned vm) {
    if (device(k, vm).sbm) return virtio_mem_sbm_plug_request(k, vm);
    KCALL(k, "virtio_mem_bbm_plug_request");
    const VirtioMem& v = device(k, vm);
    for (unsigned i = 0; i < v.nr_bbs; ++i) {
        if (k.s.dimm_plugged >> (v.first_dimm + i) & 1) continue;
        if (!could_add_memory(k, v)) {
            k.say("virtio_mem_could_add_memory(): too much added memory is offline (-ENOSPC, retried when memory gets onlined)");
            return -ENOSPC;
        }
        return virtio_mem_bbm_plug_and_add_bb(k, vm, i);
    }
    return -ENOSPC;  // virtio_mem_bbm_prepare_next_bb(): next_bb_id > last_usable_bb_id
}

// virtio_mem_bbm_unplug_request(vm, diff = one big block): three passes over the ADDED big
// blocks from the highest bb_id down — first the completely offline ones, then those online
// only in ZONE_MOVABLE, then any (unplug_online defaults to true) — skipping every one that
// fails with -EBUSY.
int virtio_mem_unplug_request(Kernel& k, unsigned vm) {
    if (device(k, vm).sbm) return virtio_mem_sbm_unplug_request(k, vm);
    KCALL(k, "virtio_mem_bbm_unplug_request");
    const VirtioMem& v = device(k, vm);
    for (int pass = 0; pass < 3; ++pass) {
        for (unsigned i = v.nr_bbs; i-- > 0;) {
            const unsigned d = v.first_dimm + i;
            if (!(k.s.dimm_enabled >> d & 1)) continue;
            const Dimm& dm = k.m.dimms[d];
            if (pass == 0 && !bb_is_offline(k, dm, v)) continue;
            if (pass == 1 && !bb_is_movable(k, dm, v)) continue;
            const int rc = virtio_mem_bbm_offline_remove_and_unplug_bb(k, vm, i);
            if (rc == -EBUSY) continue;
            return rc;
        }
    }
    k.say("no big block could be unplugged: -EBUSY, virtio_mem_run_wq() retries later");
    return -EBUSY;
}

// mm/memory_hotplug.c offline_and_remove_memory(): walk_memory_blocks(try_offline_memory_block)
// stops at the first block that fails; try_remove_memory() if all went offline; otherwise
// walk_memory_blocks(try_reonline_memory_block) re-onlines the blocks it offlined with the
// online type sensed from their zone before (MMOP_ONLINE_MOVABLE for ZONE_MOVABLE, else
// MMOP_ONLINE_KERNEL).
int offline_and_remove_memory(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "offline_and_remove_memory");
    unsigned first = 0, count = 0;
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return -EINVAL;
    OnlineType online_types[MAX_BLOCKS] = {};  // memset(online_types, MMOP_OFFLINE, mb_count)
    int rc = 0;
    {
        KCALL(k, "walk_memory_blocks(try_offline_memory_block)");
        for (unsigned b = first; b < first + count && rc == 0; ++b) {
            if (k.s.blocks[b].state == BLOCK_ABSENT) continue;
            OnlineType type = MMOP_ONLINE_KERNEL;
            const pfn_t pfn = k.m.blocks[b].start_pfn;
            if (k.ops.pfn_to_online_page(k, pfn) &&
                Memmap::zone(read_memmap(k, pfn, "try_offline_memory_block")) == ZONE_MOVABLE)
                type = MMOP_ONLINE_MOVABLE;
            const int r = device_offline(k, b);
            if (r == 0) online_types[b - first] = type;
            if (r < 0) rc = r;  // "Ignore if already offline."
        }
    }
    if (rc == 0) {
        rc = k.ops.try_remove_memory(k, start, nr_pages);
        if (rc) KSAY(k, "pr_err: offline_and_remove_memory: Failed to remove memory: {}", rc);
    }
    if (rc) {
        KCALL(k, "walk_memory_blocks(try_reonline_memory_block)");
        for (unsigned b = first; b < first + count; ++b) {
            if (online_types[b - first] == MMOP_OFFLINE) continue;
            k.s.blocks[b].online_type = online_types[b - first];
            if (device_online(k, b) < 0) k.say("pr_warn: try_reonline_memory_block: Failed to re-online memory");
        }
    }
    return rc;
}

}  // namespace hp::HP_DOMAIN::base
