// I7 section-state: online(s) => valid(s) (=> present(s)); a memory block device exists
// only over valid sections; a section has a populated memmap exactly while it is valid.
// pfn_to_online_page() and pfn_valid() rely on the order of these bits (b943f045a9af), and
// ms->usage is allocated exactly while its section is valid (no dangling usage, no leak).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool section_state_holds(const Machine& m, const KernelState& s, Violation* out) {
    const u64 all = (u64{1} << m.geo.sections_per_block()) - 1;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const auto id = m.blocks[b].memory_block_id;
        if (bs.section_online & ~bs.section_valid) {
            *out = {"section-state", "SECTION_IS_ONLINE => SECTION_HAS_MEM_MAP",
                    fmt::format("memory{}: section online mask {:#x} but valid mask {:#x}", id, bs.section_online,
                                bs.section_valid)};
            return false;
        }
        // ms->usage lives exactly as long as the section is valid between steps: kzalloc'ed
        // before SECTION_HAS_MEM_MAP is set, freed right after it is cleared (mm/sparse.c).
        if (bs.section_valid & ~bs.section_usage) {
            *out = {"section-state", "SECTION_HAS_MEM_MAP => ms->usage allocated",
                    fmt::format("memory{}: valid mask {:#x} but usage mask {:#x}: pfn_valid() of a valid section "
                                "dereferences a freed ms->usage",
                                id, bs.section_valid, bs.section_usage)};
            return false;
        }
        if (bs.section_usage & ~bs.section_valid) {
            *out = {"section-state", "ms->usage is freed when its section is removed (no leak)",
                    fmt::format("memory{}: usage mask {:#x} but valid mask {:#x}: the mem_section_usage of a "
                                "removed section leaked",
                                id, bs.section_usage, bs.section_valid)};
            return false;
        }
        if (bs.state != BLOCK_ABSENT && bs.section_valid != all) {
            *out = {"section-state", "a memory block device covers only valid sections",
                    fmt::format("memory{} exists ({}) but its valid-section mask is {:#x}", id,
                                block_state_name(bs.state), bs.section_valid)};
            return false;
        }
        if (static_cast<bool>(bs.vmemmap_backing != BACKING_NONE) != static_cast<bool>(bs.section_valid != 0)) {
            *out = {"section-state", "the memmap is populated exactly while a section is valid",
                    fmt::format("memory{}: valid mask {:#x} but vmemmap backing is {}", id, bs.section_valid,
                                bs.vmemmap_backing == BACKING_NONE ? "none" : "populated")};
            return false;
        }
    }
    return true;
}

void register_section_state(std::vector<Invariant>& v) {
    v.push_back({"section-state", "I7", "online => valid => present for every section; devices sit on valid sections",
                 "sparse_add_section(), section_deactivate(), online_mem_sections()", section_state_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
