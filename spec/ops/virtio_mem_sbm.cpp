// virtio-mem in Sub Block Mode: a device block (sb_size = max(device_block_size, pageblock))
// smaller than a memory block. drivers/virtio/virtio_mem.c, read in 6.1.192 and 6.12.117
// (the SBM paths below are the same in both; 6.12 only adds the -EAGAIN of a changed config
// inside virtio_mem_fake_offline(), not observable between atomic steps).
//
// Memory blocks are added whole (add_memory_driver_managed() of one block) with some of their
// sub-blocks plugged; the online_page callback (virtio_mem_online_page()) gives only plugged
// sub-blocks to the buddy and keeps the others fake-offline (PageOffline, not in
// managed_pages: sbm_unplugged_pages(), used by online_pages()/offline_pages() and I6).
// The model keeps the number of plugged sub-blocks per block (KernelState::sbm_plugged); the
// driver's vm->sbm.mb_states follow from it and the block's state and zone (mb_state()).
// One step is a requested-size one sub-block above or below the plugged size.
//
// Concrete build only: the prover's machines have no virtio-mem device, and the counters
// would need u8 arithmetic over terms for nothing (the symbolic build has stubs).
#include <fmt/format.h>

#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

#if HP_SYMBOLIC
int virtio_mem_sbm_plug_request(Kernel&, unsigned) { return -EINVAL; }
int virtio_mem_sbm_unplug_request(Kernel&, unsigned) { return -EINVAL; }
u64 virtio_mem_fake_offline_pages(Kernel&, pfn_t) { return u64(0); }
#else
namespace {

// enum virtio_mem_sbm_mb_state, in the order the driver's state arrays use.
enum MbState { MB_UNUSED, MB_OFFLINE, MB_OFFLINE_PARTIAL, MB_KERNEL, MB_KERNEL_PARTIAL, MB_MOVABLE, MB_MOVABLE_PARTIAL };

MbState mb_state(Kernel& k, const VirtioMem& v, unsigned d) {
    if (!(k.s.dimm_enabled >> d & 1)) return MB_UNUSED;
    const unsigned b = k.m.dimm_first_block[d];
    const bool partial = k.s.sbm_plugged[b] < v.sbs_per_mb;
    if (k.s.blocks[b].state != MEM_ONLINE) return partial ? MB_OFFLINE_PARTIAL : MB_OFFLINE;
    if (k.s.blocks[b].zone == ZONE_MOVABLE) return partial ? MB_MOVABLE_PARTIAL : MB_MOVABLE;
    return partial ? MB_KERNEL_PARTIAL : MB_KERNEL;
}

bool could_add_memory_block(Kernel& k, const VirtioMem& v) {  // virtio_mem_could_add_memory(vm, memory_block_size_bytes())
    const u64 gib = (1ull << 30) / k.m.geo.page_size;
    const u64 threshold = std::max<u64>(2 * k.m.geo.pages_per_block, gib);
    u64 offline = 0;  // vm->offline_size
    for (unsigned i = 0; i < v.nr_bbs; ++i) {
        const unsigned d = v.first_dimm + i;
        if ((k.s.dimm_enabled >> d & 1) && k.s.blocks[k.m.dimm_first_block[d]].state != MEM_ONLINE)
            offline += k.m.geo.pages_per_block;
    }
    return offline + k.m.geo.pages_per_block <= threshold;
}

// The zone of an online block (its memmap).
unsigned block_zone(Kernel& k, unsigned b) { return as_index(k.s.blocks[b].zone, MAX_NR_ZONES, ZONE_NORMAL); }

// virtio_mem_sbm_plug_any_sb() of one sub-block: VIRTIO_MEM_REQ_PLUG (acknowledged); in an
// online block virtio_mem_fake_online() hands it to the buddy (generic_online_page()).
void plug_any_sb(Kernel& k, const VirtioMem& v, unsigned b, bool online) {
    KCALL(k, "virtio_mem_sbm_plug_any_sb");
    k.s.sbm_plugged[b] = static_cast<u8>(k.s.sbm_plugged[b] + 1);
    if (!online) return;
    KCALL(k, "virtio_mem_fake_online");
    k.s.zone(k.m.blocks[b].nid, block_zone(k, b)).managed_pages += static_cast<u32>(v.sb_pages);
}

// virtio_mem_sbm_plug_and_add_mb(vm, mb_id, nb_sb = 1): plug the first sub-block, mark the block
// OFFLINE_PARTIAL, add_memory_driver_managed() of the block (auto-online per memhp_default_state:
// the online_page callback keeps the unplugged sub-blocks fake-offline). On failure unplug again.
int plug_and_add_mb(Kernel& k, const VirtioMem& v, unsigned d) {
    KCALL(k, "virtio_mem_sbm_plug_and_add_mb");
    const unsigned b = k.m.dimm_first_block[d];
    const Dimm& dm = k.m.dimms[d];
    k.s.sbm_plugged[b] = 1;  // virtio_mem_sbm_plug_sb(vm, mb_id, 0, 1)
    k.s.dimm_plugged |= 1u << d;
    int rc;
    {
        KCALL(k, "add_memory_driver_managed");
        rc = k.ops.add_memory_resource(k, v.node, dm.group, dm.base_pfn, k.m.geo.pages_per_block, false);
    }
    if (rc) {
        KSAY(k, "dev_warn: adding memory failed: {}", rc);
        KCALL(k, "virtio_mem_sbm_unplug_sb");  // acknowledged: VIRTIO_MEM_SBM_MB_UNUSED
        k.s.sbm_plugged[b] = 0;
        k.s.dimm_plugged &= ~(1u << d);
        return rc;
    }
    k.s.dimm_enabled |= 1u << d;
    return 0;
}

}  // namespace

// Pages of [pfn, pfn + one block) the online_page callback keeps fake-offline.
u64 virtio_mem_fake_offline_pages(Kernel& k, pfn_t pfn) {
    if (k.m.virtio_mems.empty()) return 0;
    const int b = k.m.block_of_pfn(pfn);
    return b < 0 ? 0 : sbm_unplugged_pages(k.m, k.s, static_cast<unsigned>(b));
}

// virtio_mem_sbm_plug_request(vm, diff = one sub-block): first a partially plugged block that
// is online in a kernel zone, then in ZONE_MOVABLE, then offline (lowest mb_id first); else the
// lowest unused block is plugged and added, if virtio_mem_could_add_memory() allows it.
int virtio_mem_sbm_plug_request(Kernel& k, unsigned vm) {
    KCALL(k, "virtio_mem_sbm_plug_request");
    const VirtioMem& v = k.m.virtio_mems[vm];
    for (const MbState want : {MB_KERNEL_PARTIAL, MB_MOVABLE_PARTIAL, MB_OFFLINE_PARTIAL})
        for (unsigned i = 0; i < v.nr_bbs; ++i)
            if (mb_state(k, v, v.first_dimm + i) == want) {
                plug_any_sb(k, v, k.m.dimm_first_block[v.first_dimm + i], want != MB_OFFLINE_PARTIAL);
                return 0;
            }
    for (unsigned i = 0; i < v.nr_bbs; ++i) {
        if (mb_state(k, v, v.first_dimm + i) != MB_UNUSED) continue;
        if (!could_add_memory_block(k, v)) {
            k.say("virtio_mem_could_add_memory(): too much added memory is offline (-ENOSPC)");
            return -ENOSPC;
        }
        return plug_and_add_mb(k, v, v.first_dimm + i);
    }
    return -ENOSPC;
}

// virtio_mem_sbm_unplug_request(vm, diff = one sub-block): blocks in the order OFFLINE_PARTIAL,
// OFFLINE, MOVABLE_PARTIAL, KERNEL_PARTIAL, MOVABLE, KERNEL, each from the highest mb_id.
// Offline block: unplug its last plugged sub-block; once none is left, remove_memory() it
// (virtio_mem_sbm_unplug_any_sb_offline()). Online block: virtio_mem_fake_offline() of its
// last plugged sub-block (alloc_contig_range(); in a kernel zone unmovable pages fail it, and
// then every other sub-block of that block too: the block is skipped), then unplug it; once
// none is left, offline_and_remove_memory() (virtio_mem_sbm_unplug_any_sb_online()).
int virtio_mem_sbm_unplug_request(Kernel& k, unsigned vm) {
    KCALL(k, "virtio_mem_sbm_unplug_request");
    const VirtioMem& v = k.m.virtio_mems[vm];
    for (const MbState want : {MB_OFFLINE_PARTIAL, MB_OFFLINE, MB_MOVABLE_PARTIAL, MB_KERNEL_PARTIAL, MB_MOVABLE, MB_KERNEL})
        for (unsigned i = v.nr_bbs; i-- > 0;) {
            const unsigned d = v.first_dimm + i, b = k.m.dimm_first_block[d];
            if (mb_state(k, v, d) != want) continue;
            if (k.s.sbm_plugged[b] == 0) continue;  // nothing to unplug here (an earlier removal failed)
            const pfn_t start = k.m.blocks[b].start_pfn;
            if (want == MB_OFFLINE_PARTIAL || want == MB_OFFLINE) {
                KCALL(k, "virtio_mem_sbm_unplug_any_sb_offline");
                k.s.sbm_plugged[b] = static_cast<u8>(k.s.sbm_plugged[b] - 1);
                if (k.s.sbm_plugged[b] == 0) {
                    KCALL(k, "virtio_mem_sbm_remove_mb");  // BUG_ON(rc): an offline block always goes
                    if (k.ops.remove_memory(k, start, k.m.geo.pages_per_block) == 0) {
                        k.s.dimm_plugged &= ~(1u << d);
                        k.s.dimm_enabled &= ~(1u << d);
                    }
                }
                return 0;
            }
            KCALL(k, "virtio_mem_sbm_unplug_any_sb_online");
            const unsigned zone = block_zone(k, b);
            {
                KCALL(k, "virtio_mem_fake_offline");
                KCALL(k, "alloc_contig_range");
                if (zone != ZONE_MOVABLE && k.inject_unmovable(start)) {
                    k.say("alloc_contig_range() fails for every sub-block: unmovable pages (-EBUSY, next block)");
                    continue;
                }
            }
            k.s.zone(k.m.blocks[b].nid, zone).managed_pages -= static_cast<u32>(v.sb_pages);  // adjust_managed_page_count()
            k.s.sbm_plugged[b] = static_cast<u8>(k.s.sbm_plugged[b] - 1);
            if (k.s.sbm_plugged[b] == 0) {
                KCALL(k, "virtio_mem_sbm_offline_and_remove_mb");
                if (k.ops.offline_and_remove_memory(k, start, k.m.geo.pages_per_block) == 0) {
                    k.s.dimm_plugged &= ~(1u << d);
                    k.s.dimm_enabled &= ~(1u << d);
                }
            }
            return 0;
        }
    k.say("no sub-block could be unplugged: -EBUSY, virtio_mem_run_wq() retries later");
    return -EBUSY;
}
#endif

}  // namespace hp::HP_DOMAIN::base
