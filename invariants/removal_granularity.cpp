// I9 removal-granularity: no struct page is backed by memory that has been removed, and
// no block's memmap is freed while the block is still present. Memory added with
// memmap_on_memory is removed at the granularity it was added (5.13-6.5: one block,
// a08a2ae34613; 6.8+: each block with its own altmap, 6b8f0798b85a). Broken by one altmap
// spanning several blocks with a subset removed (the rejected designs of seed 001).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool removal_granularity_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        if (!bs.section_valid || bs.vmemmap_backing == BACKING_NONE || bs.vmemmap_backing == BACKING_BUDDY) continue;
        const unsigned host = vmemmap_backing_of(bs);
        const bool host_plugged = (s.dimm_plugged >> m.blocks[host].dimm & 1) != 0;
        const bool host_present = (s.blocks[host].section_valid & 1) != 0;  // the altmap pfns sit in the first section
        if (host_plugged && host_present) continue;
        *out = {"removal-granularity", "no struct page is backed by removed memory",
                fmt::format("memory{} still has valid sections (mask {:#x}) whose struct pages live in the altmap of "
                            "memory{} [{:#x}, {:#x}), which has been {}: use-after-free of the memmap",
                            m.blocks[b].memory_block_id, bs.section_valid, m.blocks[host].memory_block_id,
                            m.blocks[host].start_pfn, m.blocks[host].start_pfn + s.blocks[host].altmap_alloc,
                            host_plugged ? "removed (sections deactivated)" : "unplugged from the machine")};
        return false;
    }
    return true;
}

void register_removal_granularity(std::vector<Invariant>& v) {
    v.push_back({"removal-granularity", "I9",
                 "memory is removed at the granularity it was added: no memmap outlives the memory backing it",
                 "try_remove_memory() (single-block rule / per-block altmaps), arch_remove_memory()",
                 removal_granularity_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
