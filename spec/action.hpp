// The operations a user (or the platform) performs, each with the fault the explorer
// chose for it. Applying an action runs the variant's kernel entry point.
#pragma once
#include <string>
#include <vector>

#include "spec/kernel.hpp"

namespace hp {

enum class ActionKind : std::uint8_t {
    DIMM_ADD,        // QMP device_add pc-dimm -> ACPI -> __add_memory()
    DIMM_EJECT,      // QMP device_del -> acpi_scan_hot_remove()
    ONLINE,          // echo online > memoryN/state
    ONLINE_KERNEL,   // echo online_kernel > memoryN/state
    ONLINE_MOVABLE,  // echo online_movable > memoryN/state
    OFFLINE,         // echo offline > memoryN/state
    REMOVE_MEMORY,   // a driver calls remove_memory(start, size) on blocks [target, target+count)
    HUGETLB_ALLOC,   // a 2 MiB hugetlb page is allocated from block `target` (HVO; [kernel] hugetlb_optimize_vmemmap)
    HUGETLB_FREE,    // ... and freed back to the buddy
    DEV_MAP,         // a pmem driver's devm_memremap_pages() of device `target` (ndctl enable-namespace)
    DEV_UNMAP,       // its memunmap_pages() (ndctl disable-namespace)
    SOFT_OFFLINE,    // echo <device's first phys addr> > /sys/devices/system/memory/soft_offline_page
    VMEM_PLUG,       // QMP qom-set <virtio-mem> requested-size += one big block / SBM sub-block (the driver plugs it)
    VMEM_UNPLUG,     // QMP qom-set <virtio-mem> requested-size -= one big block / SBM sub-block (the driver picks one)
    COUNT
};
// The target of these is a virtio-mem device (Machine::virtio_mems).
inline bool virtio_mem_action(ActionKind k) { return k == ActionKind::VMEM_PLUG || k == ActionKind::VMEM_UNPLUG; }
// The target of these is a [[device]] (Machine::devices), not a block or a DIMM.
inline bool device_action(ActionKind k) {
    return k == ActionKind::DEV_MAP || k == ActionKind::DEV_UNMAP || k == ActionKind::SOFT_OFFLINE;
}
const char* action_kind_name(ActionKind k);  // "add", "eject", "online", ... (scenario spelling)
bool parse_action_kind(const std::string& s, ActionKind& out);

struct Action {
    ActionKind kind = ActionKind::DIMM_ADD;
    std::uint8_t target = 0;  // DIMM index for add/eject, device for device/virtio-mem ops, block index otherwise
    std::uint8_t count = 1;   // blocks, for REMOVE_MEMORY
    Fault fault{};
    bool operator==(const Action&) const = default;
};

}  // namespace hp

namespace hp::HP_DOMAIN {

// Is the action possible in this state (the DIMM slot or sysfs file exists)?
bool action_enabled(const Machine& m, const KernelState& s, const Action& a);

struct StepResult {
    int rc = 0;
    bool fault_fired = false;
    FaultReach reach;  // the fault points the run passed
    const char* error_leaves_changes = nullptr;
    Observation obs[Kernel::kMaxObs];
    std::uint8_t nobs = 0;
};

// Apply `a` to `s` in place. `log` (may be null) receives the kernel functions that ran.
StepResult apply_action(const Machine& m, const KernelOps& ops, KernelState& s, const Action& a, CallLog* log = nullptr,
                        void (*yield_hook)(void*, YieldKind, unsigned) = nullptr, void* yield_ctx = nullptr);

#if !HP_SYMBOLIC
// How a user performs the action: a sysfs write or a QMP command, in one line.
std::string describe_action(const Machine& m, const Action& a);
// Short label, e.g. "online_movable memory32" or "add dimm0 [fault unmovable-pages@33]".
std::string action_label(const Machine& m, const Action& a);
#endif

}  // namespace hp::HP_DOMAIN
