// I21 boot-placement (seed 003): with movable_node, memory that SRAT marks hot pluggable
// holds no early memblock allocation, so every such memory block can be offlined and its
// DIMM removed. setup_arch() switches memblock bottom-up under movable_node for exactly this
// (79442ed189ac and the x86 patches of the 3.13 series; numa_init() switches back to top-down
// once SRAT is parsed and memblock then skips hotpluggable regions). Checked on transitions:
// an offline (a sysfs write or an ACPI eject's own offline) that has_unmovable_pages()
// refuses because of PG_reserved pages of an early allocation in a cold-plugged,
// hot-pluggable DIMM breaks the promise; the detail names the allocation and where memblock
// put it (spec/boot.cpp computes it, run_scenario() hands it to the machine).
// The static half of seed 003 (every hotpluggable region inside its node's ZONE_MOVABLE,
// `boot-movable`) is checked on the layout before exploring (checker/run.cpp).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool boot_placement_holds(const Step& st, Violation* out) {
    if (!st.m.params.movable_node) return true;  // without movable_node nothing is promised
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::EARLY_RESERVED_PAGES) continue;
        const int b = st.m.block_of_pfn(o.pfn);
        if (b < 0) continue;
        const Dimm& d = st.m.dimms[st.m.blocks[b].dimm];
        if (!d.coldplug) continue;
        *out = {"boot-placement", "with movable_node no early allocation lands in hotpluggable memory",
                fmt::format("{} refused pfn {:#x} (memory{} of the cold-plugged hotpluggable DIMM {}): PG_reserved pages of "
                            "{}; this block can never be offlined, so the DIMM can never be removed",
                            o.func, o.pfn, st.m.blocks[b].memory_block_id, d.name, d.pinned_by)};
        return false;
    }
    return true;
}

void register_boot_placement(std::vector<Invariant>& v) {
    v.push_back({"boot-placement", "I21",
                 "with movable_node no early memblock allocation pins a hotpluggable memory block",
                 "setup_arch() memblock_set_bottom_up(true) under movable_node; memblock should_skip_region(); "
                 "has_unmovable_pages() PageReserved",
                 nullptr, boot_placement_holds});
}

}  // namespace hp::HP_DOMAIN::inv
