// Refusals known before the kernel path runs (issue 12 item 3): for an operation and a state,
// the errno a kernel function returns when its own early returns and error paths provably
// leave the state as it was, observe nothing and reach no fault point past the one named.
// Each function sits next to the kernel function it summarises and cites the lines whose
// returns it mirrors. KernelModel::step() answers such a step without running it, only while
// the variant keeps every function on the path (checker/kernel_model.cpp), and
// `hpcheck check --check-refusal-cache` runs the full path beside every answer and compares.
#pragma once
#include "spec/kernel.hpp"

namespace hp::HP_DOMAIN::base {

struct Refusal {
    int rc = 0;                // 0: not refused for sure, run the kernel path
    bool fault_fired = false;  // the action's fault fired on the way (a refusal it caused)
    // As Kernel::error_leaves_changes: set where the kernel's error exit is known to be allowed
    // to leave changes (the eject rollback) even when, as here, it leaves none.
    const char* error_leaves_changes = nullptr;
};

// spec/ops/offline.cpp: memory_block_offline() of an online block refused with nothing
// changed (-EINVAL without mem->zone or for a multizone range, -EBUSY for unmovable pages or
// a notifier veto). `fault` is the action's fault as this call sees it: a notifier-veto
// index 0 means this call's first MEM_GOING_OFFLINE (the caller accounts for its own visits).
Refusal memory_block_offline_refusal(const Machine& m, const KernelState& s, unsigned block, const Fault& fault);

// spec/ops/acpi.cpp: a sysfs offline write of an online block that device_offline() ->
// memory_block_offline() refuses (the MEM_ONLINE/-EINVAL/-ENODEV answers without any kernel
// function are memory_block_state_store_refusal(), base.hpp).
Refusal device_offline_refusal(const Machine& m, const KernelState& s, unsigned block, const Fault& fault);

// spec/ops/acpi.cpp: an ACPI eject whose acpi_scan_try_to_offline() fails on every online
// block of the DIMM with nothing offlined, so that the rollback re-onlines nothing: -EBUSY.
Refusal acpi_memory_device_eject_refusal(const Machine& m, const KernelState& s, unsigned dimm, const Fault& fault);

}  // namespace hp::HP_DOMAIN::base
