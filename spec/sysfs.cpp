#include "spec/sysfs.hpp"

namespace hp {

std::string valid_zones(const Machine& m, const KernelOps& ops, const KernelState& s, unsigned block) {
    const BlockState& mem = s.blocks[block];
    if (mem.state == BLOCK_ABSENT) return "";
    if (mem.state == MEM_ONLINE) return mem.zone == NO_ZONE ? "none" : std::string(zone_name(mem.zone));
    KernelState scratch = s;  // zone_for_pfn_range() only reads, but takes a mutable context
    Kernel k(m, ops, scratch);
    const int nid = m.blocks[block].nid;
    const pfn_t start = m.blocks[block].start_pfn;
    const std::uint64_t n = m.geo.pages_per_block;
    const unsigned def = ops.zone_for_pfn_range(k, MMOP_ONLINE, nid, start, n);
    std::string out(zone_name(def));
    for (OnlineType t : {MMOP_ONLINE_KERNEL, MMOP_ONLINE_MOVABLE}) {
        const unsigned z = ops.zone_for_pfn_range(k, t, nid, start, n);
        if (z != def) out += " " + std::string(zone_name(z));
    }
    return out;
}

}  // namespace hp
