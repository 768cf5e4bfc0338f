// I8 online-granularity: a memory block is ONLINE exactly when every section of it is
// online (the vmemmap-only sections too) and every pfn of it is linked to mem->zone; it
// is OFFLINE exactly when no section of it is online and its memmap is poisoned.
// Broken by forgetting the sections covered only by vmemmap pages
// (the nr_pages >= PAGES_PER_SECTION branch of mhp_init_memmap_on_memory()).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool online_granularity_holds(const Machine& m, const KernelState& s, Violation* out) {
    const u64 all = (u64{1} << m.geo.sections_per_block()) - 1;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const auto id = m.blocks[b].memory_block_id;
        const int nid = m.blocks[b].nid;
        if (bs.state == MEM_ONLINE) {
            if (bs.zone == NO_ZONE) {
                *out = {"online-granularity", "an online block has mem->zone",
                        fmt::format("memory{} is online with mem->zone == NULL", id)};
                return false;
            }
            if (bs.section_online != all) {
                *out = {"online-granularity", "an online block has every section online",
                        fmt::format("memory{} is online but its online-section mask is {:#x} (want {:#x})", id,
                                    bs.section_online, all)};
                return false;
            }
            const std::uint8_t want = Memmap::make(nid, as_index(bs.zone, MAX_NR_ZONES, NO_ZONE));
            if ((bs.nr_vmemmap_pages && bs.memmap_vmemmap != want) || bs.memmap_rest != want) {
                *out = {"online-granularity", "every pfn of an online block is linked to mem->zone",
                        fmt::format("memory{} is online in {} but part of its memmap is {}", id, zone_name(bs.zone),
                                    (bs.memmap_rest != want ? bs.memmap_rest : bs.memmap_vmemmap) == Memmap::POISONED
                                        ? "poisoned"
                                        : "linked to another zone")};
                return false;
            }
        } else if (bs.state == MEM_OFFLINE) {
            if (bs.section_online || bs.zone != NO_ZONE || Memmap::initialized(bs.memmap_rest) ||
                (bs.nr_vmemmap_pages && Memmap::initialized(bs.memmap_vmemmap))) {
                *out = {"online-granularity", "an offline block has no online section, no zone and a poisoned memmap",
                        fmt::format("memory{} is offline but online-section mask={:#x}, mem->zone={}, memmap {}", id,
                                    bs.section_online, zone_name(bs.zone),
                                    Memmap::initialized(bs.memmap_rest) || Memmap::initialized(bs.memmap_vmemmap)
                                        ? "initialized"
                                        : "poisoned")};
                return false;
            }
        }
    }
    return true;
}

void register_online_granularity(std::vector<Invariant>& v) {
    v.push_back({"online-granularity", "I8", "blocks are online or offline as a whole, vmemmap sections included",
                 "memory_block_online()/memory_block_offline(), mhp_(de)init_memmap_on_memory()",
                 online_granularity_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
