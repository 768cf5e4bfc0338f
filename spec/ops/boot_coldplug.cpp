// Cold-plugged hot-pluggable memory at boot (issue 13, seed 003): memory that SRAT marks
// hot pluggable and that is present when the machine starts is in memblock.memory, so the
// kernel initializes it at boot (free_area_init() -> memmap_init(), sparse_init()) and its
// memory blocks are online from the start (memory_dev_init() -> add_boot_memory_block()
// registers them MEM_ONLINE), each in the zone find_zone_movable_pfns_for_nodes() gave it.
// Later acpi_memory_device_add() binds the ACPI device: add_memory() returns -EEXIST for the
// range in use and info->enabled is set all the same (drivers/acpi/acpi_memhotplug.c 6.1), so an
// eject reaches acpi_memory_remove_memory() -> __remove_memory() like a hot-plugged DIMM's.
//
// The model reaches that state through its own hotplug functions (one source of truth for
// every field): the sections are added without memmap_on_memory (the boot memmap comes from
// memblock, never from an altmap) and each block is onlined into its boot zone; initial_state()
// then marks the sections SECTION_IS_EARLY (spec/state.cpp; section_deactivate() frees their
// memmap with free_map_bootmem() and keeps their memblock-allocated usage, with and without
// VMEMMAP: spec/ops/sparse_classic.cpp). What this does not represent: the pages early
// allocations reserve (managed_pages is not reduced by them; a pinned block can never be
// offlined, so its managed pages never move).
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

void boot_coldplug(const Machine& m, KernelState& s) {
    if (!m.has_coldplug()) return;
    static const KernelOps table = ops();
    Machine boot = m;  // the boot onlines explicitly: no memhp_default_state auto-online here
    boot.params.default_online_type = MMOP_OFFLINE;
    Kernel k(boot, table, s);
    for (unsigned d = 0; d < m.dimms.size(); ++d) {
        const Dimm& dm = m.dimms[d];
        if (!dm.coldplug) continue;
        s.dimm_plugged |= 1u << d;
        const u64 nr_pages = dm.nr_blocks * m.geo.pages_per_block;
        if (add_memory_resource(k, dm.node, d, dm.base_pfn, nr_pages, false) == 0) s.dimm_enabled |= 1u << d;
        const OnlineType type = dm.boot_zone == ZONE_MOVABLE ? MMOP_ONLINE_MOVABLE : MMOP_ONLINE_KERNEL;
        for (unsigned b = m.dimm_first_block[d]; b < m.dimm_first_block[d] + dm.nr_blocks; ++b)
            memory_block_state_store(k, b, type);
    }
}

}  // namespace hp::HP_DOMAIN::base
