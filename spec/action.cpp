#include "spec/action.hpp"

#include <fmt/format.h>

#if !HP_SYMBOLIC  // domain-independent: defined once, by the concrete build
namespace hp {

const char* action_kind_name(ActionKind k) {
    switch (k) {
        case ActionKind::DIMM_ADD: return "add";
        case ActionKind::DIMM_EJECT: return "eject";
        case ActionKind::ONLINE: return "online";
        case ActionKind::ONLINE_KERNEL: return "online_kernel";
        case ActionKind::ONLINE_MOVABLE: return "online_movable";
        case ActionKind::OFFLINE: return "offline";
        case ActionKind::REMOVE_MEMORY: return "remove";
        case ActionKind::HUGETLB_ALLOC: return "hugetlb_alloc";
        case ActionKind::HUGETLB_FREE: return "hugetlb_free";
        case ActionKind::DEV_MAP: return "memremap";
        case ActionKind::DEV_UNMAP: return "memunmap";
        case ActionKind::SOFT_OFFLINE: return "soft_offline_page";
        case ActionKind::VMEM_PLUG: return "vmem_plug";
        case ActionKind::VMEM_UNPLUG: return "vmem_unplug";
        case ActionKind::COUNT: break;
    }
    return "?";
}

const char* yield_kind_name(YieldKind k) {
    switch (k) {
        case YieldKind::LOCK_MEM_HOTPLUG: return "mem_hotplug_begin";
        case YieldKind::UNLOCK_MEM_HOTPLUG: return "mem_hotplug_done";
        case YieldKind::FREE_USAGE: return "free ms->usage";
        case YieldKind::FREE_MEMMAP: return "depopulate_section_memmap";
        case YieldKind::PT_POPULATE: return "vmemmap_populate";
        case YieldKind::PT_UNMAP: return "unmap_hotplug_range";
        case YieldKind::PT_FREE_EMPTY: return "free_empty_tables";
        case YieldKind::SPAN_BEGIN: return "zone span update";
        case YieldKind::SPAN_END: return "zone span updated";
        case YieldKind::COUNT: break;
    }
    return "?";
}

bool parse_action_kind(const std::string& s, ActionKind& out) {
    for (int i = 0; i < static_cast<int>(ActionKind::COUNT); ++i)
        if (s == action_kind_name(static_cast<ActionKind>(i))) {
            out = static_cast<ActionKind>(i);
            return true;
        }
    return false;
}

}  // namespace hp
#endif

namespace hp::HP_DOMAIN {

bool action_enabled(const Machine& m, const KernelState& s, const Action& a) {
    switch (a.kind) {
        // Boot RAM (Dimm::boot_ram) has no ACPI device and is never removed.
        // A virtio-mem big block is plugged by its driver, never through ACPI.
        case ActionKind::DIMM_ADD: return m.dimms[a.target].virtio_mem < 0 && !m.dimms[a.target].boot_ram && !(s.dimm_plugged >> a.target & 1);
        case ActionKind::DIMM_EJECT: return m.dimms[a.target].virtio_mem < 0 && !m.dimms[a.target].boot_ram && (s.dimm_plugged >> a.target & 1) != 0;
        case ActionKind::VMEM_PLUG:  // requested-size can grow while the region has an unplugged big block
        case ActionKind::VMEM_UNPLUG: {
            if (a.target >= m.virtio_mems.size()) return false;
            const VirtioMem& v = m.virtio_mems[a.target];
#if !HP_SYMBOLIC
            if (v.sbm) {  // requested-size between 0 and the region, in sub-blocks
                unsigned plugged = 0;
                for (unsigned i = 0; i < v.nr_bbs; ++i) plugged += s.sbm_plugged[m.dimm_first_block[v.first_dimm + i]];
                return a.kind == ActionKind::VMEM_PLUG ? plugged < v.nr_bbs * v.sbs_per_mb : plugged > 0;
            }
#endif
            const std::uint32_t mask = ((1u << v.nr_bbs) - 1) << v.first_dimm;
            return a.kind == ActionKind::VMEM_PLUG ? (s.dimm_plugged & mask) != mask : (s.dimm_plugged & mask) != 0;
        }
        case ActionKind::REMOVE_MEMORY:
            if (m.dimms[m.blocks[a.target].dimm].boot_ram) return false;
            for (unsigned b = a.target; b < a.target + a.count; ++b)
                if (s.blocks[b].state == BLOCK_ABSENT) return false;
            return true;
        case ActionKind::DEV_MAP: return a.target < m.devices.size() && !s.devices[a.target].mapped;
        case ActionKind::DEV_UNMAP: return a.target < m.devices.size() && s.devices[a.target].mapped;
        case ActionKind::SOFT_OFFLINE: return a.target < m.devices.size();  // the sysfs file always exists
        default: return s.blocks[a.target].state != BLOCK_ABSENT;  // the sysfs file exists
    }
    (void)m;
}

StepResult apply_action(const Machine& m, const KernelOps& ops, KernelState& s, const Action& a, CallLog* log,
                        void (*yield_hook)(void*, YieldKind, unsigned), void* yield_ctx) {
    Kernel k(m, ops, s);
    k.yield_hook = yield_hook;
    k.yield_ctx = yield_ctx;
    k.fault = a.fault;
    k.log = log;
    int rc = 0;
    switch (a.kind) {
        case ActionKind::DIMM_ADD: rc = ops.acpi_memory_device_add(k, a.target); break;
        case ActionKind::DIMM_EJECT: rc = ops.acpi_memory_device_eject(k, a.target); break;
        case ActionKind::ONLINE: rc = ops.memory_block_state_store(k, a.target, MMOP_ONLINE); break;
        case ActionKind::ONLINE_KERNEL: rc = ops.memory_block_state_store(k, a.target, MMOP_ONLINE_KERNEL); break;
        case ActionKind::ONLINE_MOVABLE: rc = ops.memory_block_state_store(k, a.target, MMOP_ONLINE_MOVABLE); break;
        case ActionKind::OFFLINE: rc = ops.memory_block_state_store(k, a.target, MMOP_OFFLINE); break;
        case ActionKind::REMOVE_MEMORY:
            rc = ops.remove_memory(k, m.blocks[a.target].start_pfn, a.count * m.geo.pages_per_block);
            break;
        case ActionKind::HUGETLB_ALLOC: rc = ops.hugetlb_alloc(k, a.target); break;
        case ActionKind::HUGETLB_FREE: rc = ops.hugetlb_free(k, a.target); break;
        case ActionKind::DEV_MAP: rc = ops.memremap_pages(k, a.target); break;
        case ActionKind::DEV_UNMAP: ops.memunmap_pages(k, a.target); break;
        case ActionKind::SOFT_OFFLINE: rc = ops.soft_offline_page(k, m.devices[a.target].base_pfn); break;
        case ActionKind::VMEM_PLUG: rc = ops.virtio_mem_plug_request(k, a.target); break;
        case ActionKind::VMEM_UNPLUG: rc = ops.virtio_mem_unplug_request(k, a.target); break;
        case ActionKind::COUNT: break;
    }
    StepResult r;
    r.rc = rc;
    r.fault_fired = k.fault_fired;
    r.reach = k.reach;
    r.error_leaves_changes = k.error_leaves_changes;
    r.nobs = k.nobs;
    for (int i = 0; i < k.nobs; ++i) r.obs[i] = k.obs[i];
    return r;
}

#if !HP_SYMBOLIC
std::string describe_action(const Machine& m, const Action& a) {
    switch (a.kind) {
        case ActionKind::DIMM_ADD: {
            const Dimm& d = m.dimms[a.target];
            return fmt::format("(qemu) object_add memory-backend-ram,id=mem-{0},size={1}M; device_add pc-dimm,id={0},"
                               "memdev=mem-{0},node={2}   # at pfn {3:#x}",
                               d.name, m.geo.pages_to_mib(d.nr_blocks * m.geo.pages_per_block), d.node, d.base_pfn);
        }
        case ActionKind::DIMM_EJECT: return fmt::format("(qemu) device_del {}", m.dimms[a.target].name);
        case ActionKind::REMOVE_MEMORY:
            return fmt::format("remove_memory({:#x}, {:#x})   # a driver removes memory{}..memory{}",
                               m.blocks[a.target].start_pfn * m.geo.page_size,
                               a.count * m.geo.pages_per_block * m.geo.page_size, m.blocks[a.target].memory_block_id,
                               m.blocks[a.target].memory_block_id + a.count - 1);
        case ActionKind::HUGETLB_ALLOC:
        case ActionKind::HUGETLB_FREE:
            return fmt::format("echo {} > /sys/devices/system/node/node{}/hugepages/hugepages-2048kB/nr_hugepages   # the "
                               "pool {} a 2 MiB page in memory{}",
                               a.kind == ActionKind::HUGETLB_ALLOC ? "+1" : "-1", m.blocks[a.target].nid,
                               a.kind == ActionKind::HUGETLB_ALLOC ? "gains" : "loses", m.blocks[a.target].memory_block_id);
        case ActionKind::DEV_MAP:
            return fmt::format("ndctl enable-namespace {}   # devm_memremap_pages() of [{:#x}, {:#x}){}", m.devices[a.target].name,
                               m.devices[a.target].base_pfn * m.geo.page_size,
                               (m.devices[a.target].base_pfn + m.devices[a.target].nr_pages) * m.geo.page_size,
                               m.devices[a.target].altmap ? ", memmap on the device (altmap)" : "");
        case ActionKind::DEV_UNMAP:
            return fmt::format("ndctl disable-namespace {}   # memunmap_pages()", m.devices[a.target].name);
        case ActionKind::VMEM_PLUG:
        case ActionKind::VMEM_UNPLUG:
            return fmt::format("(qemu) qom-set {} requested-size <plugged size {} {} MiB>   # the virtio-mem driver {} one {}",
                               m.virtio_mems[a.target].name, a.kind == ActionKind::VMEM_PLUG ? "+" : "-",
                               m.geo.pages_to_mib(m.virtio_mems[a.target].sbm ? m.virtio_mems[a.target].sb_pages
                                                                              : m.virtio_mems[a.target].bb_pages),
                               a.kind == ActionKind::VMEM_PLUG ? "plugs" : "unplugs",
                               m.virtio_mems[a.target].sbm ? "sub-block" : "big block");
        case ActionKind::SOFT_OFFLINE:
            return fmt::format("echo {:#x} > /sys/devices/system/memory/soft_offline_page   # first page of {}",
                               m.devices[a.target].base_pfn * m.geo.page_size, m.devices[a.target].name);
        default:
            return fmt::format("echo {} > /sys/devices/system/memory/memory{}/state", action_kind_name(a.kind),
                               m.blocks[a.target].memory_block_id);
    }
}

std::string action_label(const Machine& m, const Action& a) {
    std::string s;
    switch (a.kind) {
        case ActionKind::DIMM_ADD:
        case ActionKind::DIMM_EJECT: s = fmt::format("{} {}", action_kind_name(a.kind), m.dimms[a.target].name); break;
        case ActionKind::REMOVE_MEMORY:
            s = fmt::format("remove memory{}+{}", m.blocks[a.target].memory_block_id, a.count);
            break;
        case ActionKind::DEV_MAP:
        case ActionKind::DEV_UNMAP:
        case ActionKind::SOFT_OFFLINE: s = fmt::format("{} {}", action_kind_name(a.kind), m.devices[a.target].name); break;
        case ActionKind::VMEM_PLUG:
        case ActionKind::VMEM_UNPLUG: s = fmt::format("{} {}", action_kind_name(a.kind), m.virtio_mems[a.target].name); break;
        default: s = fmt::format("{} memory{}", action_kind_name(a.kind), m.blocks[a.target].memory_block_id);
    }
    if (a.fault.kind != FaultKind::NONE) {
        if (a.fault.kind == FaultKind::UNMOVABLE_PAGES)
            s += fmt::format(" [fault {} in memory{}]", fault_name(a.fault.kind), m.blocks[a.fault.index].memory_block_id);
        else
            s += fmt::format(" [fault {}#{}]", fault_name(a.fault.kind), a.fault.index);
    }
    return s;
}
#endif

}  // namespace hp::HP_DOMAIN
