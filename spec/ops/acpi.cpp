// The user-visible entry points: ACPI memory device plug (QMP device_add of a pc-dimm)
// and eject (QMP device_del), sysfs writes to memoryN/state, and a driver's
// remove_memory(). drivers/acpi/acpi_memhotplug.c, drivers/acpi/scan.c,
// drivers/base/memory.c, drivers/base/core.c (Linux 6.1.192).
#include "spec/ops/base.hpp"
#include "spec/ops/refusal.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
constexpr const char* kEjectRollbackLeavesChanges = "the eject rollback re-onlines offlined blocks with MMOP_ONLINE";
}  // namespace

int acpi_memory_device_add(Kernel& k, unsigned dimm) {
    KCALL(k, "acpi_memory_device_add");
    k.s.dimm_plugged |= 1u << dimm;  // the platform has the device now, whatever the kernel says
    const Dimm& d = k.m.dimms[dimm];
    const u64 nr_pages = d.nr_blocks * k.m.geo.pages_per_block;
    KCALL(k, "acpi_memory_enable_device");
    // memory_group_register_static(node, PFN_UP(total_length)): one group per DIMM.
    const bool mom = k.ops.mhp_supports_memmap_on_memory(k, nr_pages);
    if (mom) k.say("mhp_flags |= MHP_MEMMAP_ON_MEMORY");
    const int ret = k.ops.add_memory_resource(k, d.node, dimm, d.base_pfn, nr_pages, mom);
    // "If add_memory() returns -EEXIST, the memory block has been used by the kernel" and
    // the device is bound all the same; any other error leaves info->enabled clear, and
    // the eject will not remove that range.
    if (ret == 0 || ret == -EEXIST) k.s.dimm_enabled |= 1u << dimm;
    return ret;
}

// memory_subsys_online() via device_online(): 1 if already online.
int device_online(Kernel& k, unsigned b) {
    KCALL(k, "device_online");
    BlockState& mem = k.s.blocks[b];
    if (mem.state != MEM_OFFLINE) return 1;  // dev->offline is false
    KCALL(k, "memory_subsys_online");
    // "When called via device_online() without configuring the online_type, we want to
    // default to MMOP_ONLINE."
    if (mem.online_type == MMOP_OFFLINE) mem.online_type = MMOP_ONLINE;
    const OnlineType type = static_cast<OnlineType>(as_index(mem.online_type, MMOP_ONLINE_MOVABLE + 1, MMOP_OFFLINE));
    // memory_block_change_state(mem, MEM_ONLINE, MEM_OFFLINE)
    const int ret = k.ops.memory_block_online(k, b, type);
    k.s.blocks[b].state = ret ? MEM_OFFLINE : MEM_ONLINE;
    k.s.blocks[b].online_type = MMOP_OFFLINE;
    return ret;
}

// memory_subsys_offline() via device_offline(): 1 if already offline.
int device_offline(Kernel& k, unsigned b) {
    KCALL(k, "device_offline");
    if (k.s.blocks[b].state != MEM_ONLINE) return 1;  // dev->offline is true
    KCALL(k, "memory_subsys_offline");
    // memory_block_change_state(mem, MEM_OFFLINE, MEM_ONLINE): MEM_GOING_OFFLINE meanwhile
    const int ret = k.ops.memory_block_offline(k, b);
    k.s.blocks[b].state = ret ? MEM_ONLINE : MEM_OFFLINE;
    return ret;
}

int memory_block_state_store(Kernel& k, unsigned b, OnlineType type) {
    KCALL(k, "state_store");
    if (k.s.blocks[b].state == BLOCK_ABSENT) return -ENODEV;  // no such sysfs file
    int ret;
    if (type == MMOP_OFFLINE) {
        ret = device_offline(k, b);
    } else {
        // mem->online_type is set before device_online() and stays set if the block was
        // already online (device_online() returns 1 without calling memory_subsys_online).
        k.s.blocks[b].online_type = type;
        ret = device_online(k, b);  // 1 if already online: mem->online_type stays set (stale)
    }
    if (ret < 0) return ret;
    return ret ? -EINVAL : 0;  // writing the current state again is -EINVAL
}

// The refusals of memory_block_state_store() above that return before the write changes
// anything and before any fault point (all of which are in memory_block_online()/offline()):
// state_store() (drivers/base/memory.c, 6.1.192) returns -ENODEV without a device, and
// device_online()/device_offline() (drivers/base/core.c) return 1 -- which state_store()
// turns into -EINVAL -- when dev->offline already says the target state. An online write
// stores mem->online_type first, so it changes nothing only when online_type holds that
// type already. Reads only mem->state and mem->online_type. 0: not refused for sure, run
// the write. The explorer uses this only while the variant keeps memory_block_state_store;
// `hpcheck check --check-refusal-cache` runs the write anyway and compares.
int memory_block_state_store_refusal(const KernelState& s, unsigned b, OnlineType type) {
    const BlockState& mem = s.blocks[b];
    if (mem.state == BLOCK_ABSENT) return -ENODEV;  // no such sysfs file
    if (type == MMOP_OFFLINE) {
        if (mem.state != MEM_ONLINE) return -EINVAL;  // device_offline(): dev->offline
        return 0;
    }
    if (flag_and(mem.state != MEM_OFFLINE, mem.online_type == static_cast<unsigned>(type))) return -EINVAL;  // !dev->offline
    return 0;
}

// device_offline() (drivers/base/core.c:4251-4277) of a block that is online calls
// memory_subsys_offline() -> memory_block_change_state(), which sets mem->state back to
// MEM_ONLINE when memory_block_offline() fails; state_store() returns that errno.
Refusal device_offline_refusal(const Machine& m, const KernelState& s, unsigned b, const Fault& fault) {
    if (s.blocks[b].state != MEM_ONLINE) return {};  // memory_block_state_store_refusal() answers those
    return memory_block_offline_refusal(m, s, b, fault);
}

int acpi_memory_device_eject(Kernel& k, unsigned dimm) {
    KCALL(k, "acpi_scan_hot_remove");
    const unsigned first = k.m.dimm_first_block[dimm], n = k.m.dimms[dimm].nr_blocks;
    // The ACPI device's physical nodes are the memory blocks that exist.
    bool put_online[MAX_BLOCKS] = {};
    int errdev = -1;
    {
        KCALL(k, "acpi_scan_try_to_offline");
        {
            KCALL(k, "acpi_bus_offline (first pass)");
            for (unsigned b = first; b < first + n; ++b) {
                if (k.s.blocks[b].state == BLOCK_ABSENT) continue;
                put_online[b] = false;
                const int ret = device_offline(k, b);
                if (ret >= 0) put_online[b] = !ret;
                else errdev = static_cast<int>(b);
            }
        }
        if (errdev >= 0) {
            errdev = -1;
            {
                KCALL(k, "acpi_bus_offline (second pass)");
                for (unsigned b = first; b < first + n; ++b) {
                    if (k.s.blocks[b].state == BLOCK_ABSENT || put_online[b]) continue;
                    const int ret = device_offline(k, b);
                    if (ret >= 0) {
                        put_online[b] = !ret;
                    } else {
                        errdev = static_cast<int>(b);
                        break;
                    }
                }
            }
            if (errdev >= 0) {
                k.say("dev_warn: Offline failed.");
                KCALL(k, "acpi_bus_online (rollback)");
                for (unsigned b = first; b < first + n; ++b) {
                    if (!put_online[b]) continue;
                    device_online(k, b);  // errors are ignored; MMOP_ONLINE unless online_type is stale
                }
                // The rollback re-onlines with the default online type: the state differs
                // from before the eject by design (docs/kernel-reference.md §3.5, docs/kernel-reference.md §9).
                k.error_leaves_changes = kEjectRollbackLeavesChanges;
                return -EBUSY;  // _OST: eject not supported / busy (0x82 seen under QEMU)
            }
        }
    }
    if (k.s.dimm_enabled >> dimm & 1) {
        KCALL(k, "acpi_memory_device_remove");
        KCALL(k, "acpi_memory_remove_memory");
        const Dimm& d = k.m.dimms[dimm];
        // __remove_memory() BUGs if try_remove_memory() fails; the model reports it.
        const int ret = k.ops.try_remove_memory(k, d.base_pfn, d.nr_blocks * k.m.geo.pages_per_block);
        if (ret) {
            k.say("BUG_ON(try_remove_memory(start, size)) in __remove_memory");
            return ret;
        }
    }
    k.s.dimm_plugged &= ~(1u << dimm);  // _EJ0: QEMU unplugs the DIMM (DEVICE_DELETED)
    k.s.dimm_enabled &= ~(1u << dimm);
    return 0;
}

// acpi_scan_try_to_offline() (drivers/acpi/scan.c:202-242, 6.1.192) as modelled above: the
// first pass offlines each online block of the DIMM (device_offline() returns 1 for the others)
// and notes a failure; the second pass tries the ones not offlined again; a failure there
// re-onlines what the passes offlined and returns -EBUSY. When every online block's
// memory_block_offline() refuses with nothing changed, both passes fail alike (the state they
// read does not change), nothing is offlined and the rollback re-onlines nothing: -EBUSY with
// the state as it was. Only without a fault or with unmovable pages, which answer the same on
// every visit; a notifier veto counts its visits across the two passes: run it.
Refusal acpi_memory_device_eject_refusal(const Machine& m, const KernelState& s, unsigned dimm, const Fault& fault) {
    if (fault.kind != FaultKind::NONE && fault.kind != FaultKind::UNMOVABLE_PAGES) return {};
    const unsigned first = m.dimm_first_block[dimm], n = m.dimms[dimm].nr_blocks;
    bool refused = false, fired = false;
    for (unsigned b = first; b < first + n; ++b) {
        if (s.blocks[b].state != MEM_ONLINE) continue;  // absent: no physical node; offline: dev->offline
        const Refusal r = memory_block_offline_refusal(m, s, b, fault);
        if (!r.rc) return {};  // this block may go offline: the eject proceeds or rolls it back
        refused = true;
        fired = fired || r.fault_fired;
    }
    if (!refused) return {};  // nothing to offline: the eject removes the memory
    return {-EBUSY, fired, kEjectRollbackLeavesChanges};
}

int remove_memory(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "remove_memory");  // lock_device_hotplug() + try_remove_memory()
    return k.ops.try_remove_memory(k, start, nr_pages);
}

}  // namespace hp::HP_DOMAIN::base
