// I24 section-memmap (machines that keep section_maps: without VMEMMAP, or with a cold-plugged
// DIMM; the kvfree() and leak parts are for !VMEMMAP only): without SPARSEMEM_VMEMMAP the memmap of a section is found only through
// section_mem_map (pfn_to_page() = __section_mem_map_addr(ms) + pfn), so its teardown must free
// the memmap while the address is still there (d41e2f3bd546), and every memmap is freed when
// its section goes. Checked on every step of a machine with sparsemem_vmemmap = false:
//   - no kvfree() of a pfn_to_page() decoded from a NULL section_mem_map (cleared too early,
//     d41e2f3bd546, or never set: section_activate()'s memmap-enomem error path);
//   - between steps section_mem_map holds an address exactly while the section is present,
//     and SECTION_IS_EARLY only with it (mm/sparse.c sparse_init_one_section(),
//     section_deactivate(), 6.1 and 6.12);
//   - the node memory taken by memmaps is the memmaps of the present sections (kvmalloc_node()
//     by populate_section_memmap(), memblock for early sections; kvfree() by
//     depopulate_section_memmap(), put_page_bootmem() by free_map_bootmem()): no leak.
#include <fmt/format.h>

#include "invariants/registry.hpp"
#include "spec/memmap.hpp"

namespace hp::HP_DOMAIN::inv {

static bool section_memmap_holds(const Step& st, Violation* out) {
    const Machine& m = st.m;
    if (!keeps_section_maps(m)) return true;
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::MEMMAP_FREED_BAD_ADDRESS) continue;
        const int b = m.block_of_pfn(o.pfn);
        const auto id = b >= 0 ? m.blocks[b].memory_block_id : 0;
        // A section present before the step lost its address too early (d41e2f3bd546); one that
        // was not had none yet: section_activate()'s error path after a failed kvmalloc_node().
        bool had_address = false;
        if (b >= 0) {
            const u32 bit = 1u << section_in_block(m, b, o.pfn);
            if ((st.before.section_maps[b].mem_map & bit) != 0) had_address = true;
        }
        if (had_address) {
            *out = {"section-memmap", "the memmap is freed through the address section_mem_map still holds",
                    fmt::format("{} kvfree()d pfn_to_page({:#x}) of memory{} after section_mem_map was cleared: "
                                "(struct page *)0 + pfn is not the kvmalloc_node()ed memmap, whose pages leak",
                                o.func, o.pfn, id)};
        } else {
            *out = {"section-memmap", "the memmap is freed through the address section_mem_map still holds",
                    fmt::format("{} kvfree()d pfn_to_page({:#x}) of memory{} whose section_mem_map was never set "
                                "(section_activate() -> section_deactivate() after kvmalloc_node() of the memmap "
                                "failed): (struct page *)0 + pfn is not an address kvmalloc_node() returned",
                                o.func, o.pfn, id)};
        }
        return false;
    }
    const KernelState& s = st.after;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const SectionMapState& sm = s.section_maps[b];
        const auto id = m.blocks[b].memory_block_id;
        if (sm.mem_map != bs.section_valid) {
            *out = {"section-memmap", "section_mem_map holds an address exactly while its section is present",
                    fmt::format("memory{}: sections with an address {:#x}, present sections {:#x}", id, sm.mem_map,
                                bs.section_valid)};
            return false;
        }
        if (sm.early & ~sm.mem_map) {
            *out = {"section-memmap", "SECTION_IS_EARLY only with the address it came with",
                    fmt::format("memory{}: early sections {:#x}, sections with an address {:#x}", id, sm.early,
                                sm.mem_map)};
            return false;
        }
    }
    // With VMEMMAP (a machine with a cold-plugged DIMM) the memmap's pages are the vmemmap
    // accounting's (memmap_on_memory, altmaps, shared vmemmap pages): judged by I8/I19, not here.
    if (m.params.sparsemem_vmemmap) return true;
    const Geometry& g = m.geo;
    const u64 per_section = (g.memmap_bytes(g.pages_per_section) + g.page_size - 1) / g.page_size;
    for (int n = 0; n < m.nr_nodes; ++n) {
        u64 want = 0;
        for (unsigned b = 0; b < m.blocks.size(); ++b)
            if (m.blocks[b].nid == n) want += per_section * popcount(s.blocks[b].section_valid, MAX_SECTIONS_PER_BLOCK);
        if (s.buddy_vmemmap_pages[n] == want) continue;
        *out = {"section-memmap", "every memmap is freed when its section is removed (no leak)",
                fmt::format("node{}: {} pages of node memory hold memmaps, the present sections need {}", n,
                            s.buddy_vmemmap_pages[n], want)};
        return false;
    }
    return true;
}

void register_section_memmap(std::vector<Invariant>& v) {
    v.push_back({"section-memmap", "I24",
                 "without VMEMMAP, a section's memmap is freed through its section_mem_map before the address is "
                 "cleared, and never leaks",
                 "section_deactivate(), depopulate_section_memmap(), free_map_bootmem() (!CONFIG_SPARSEMEM_VMEMMAP)",
                 nullptr, section_memmap_holds});
}

}  // namespace hp::HP_DOMAIN::inv
