// I19 vmemmap-pagetables (state) and T5 vmemmap-free (transition): the kernel page tables of
// the vmemmap (spec/pagetable.hpp), only in scenarios that keep them ([kernel] pagetables).
//   - every section whose struct pages are in use (ms->usage allocated by section_activate()
//     and not yet freed by section_deactivate()) has them mapped: each vmemmap leaf holding
//     them is present (for a PMD split by HVO: its PTEs too);
//   - no leak: a leaf that no section uses any more is unmapped and its backing page freed
//     (8d400913c231 fixed PMDs left behind when sections share them), and a page-table page
//     none of whose entries maps anything is freed (free_pmd_table(), free_empty_tables());
//   - on the step: no leaf freed while a section's struct pages are in it, no write through
//     an unmapped vmemmap address, no page-table page freed while it maps something.
// The altmap's side (its pages never reach the buddy) is I11's altmap-free, which the
// page-table code reports into as well (free_hugepage_table(), remove_pte_table(),
// free_vmemmap_page()). I20 linear-map and T6 linear-map-unmap: the linear map and its tables.
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

#if !HP_SYMBOLIC
namespace {
std::uint64_t leaf_of(const Machine& m, std::uint64_t pfn) { return pfn * m.geo.struct_page_size / m.pt.leaf_bytes; }
}  // namespace
#endif

static bool vmemmap_pagetables_hold(const Machine& m, const KernelState& s, Violation* out) {
#if HP_SYMBOLIC  // the prover's machines have no page tables
    (void)m;
    (void)s;
    (void)out;
    return true;
#else
    if (!m.pt.enabled) return true;
    const PtLayout& l = m.pt;
    const std::uint64_t pps = m.geo.pages_per_section, sps = m.geo.struct_page_size;
    bool live[MAX_PT_SLOTS] = {};
    for (unsigned i = 0; i < l.nr_slots; ++i) live[i] = l.slot_boot[i];
    // Sections in use: their leaves are mapped, and they make those leaves live.
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        for (unsigned i = 0; i < m.geo.sections_per_block(); ++i) {
            if (!((bs.section_usage >> i) & 1)) continue;
            const std::uint64_t pfn = m.blocks[b].start_pfn + i * pps;
            const std::uint64_t lo = leaf_of(m, pfn), hi = (((pfn + pps) * sps) - 1) / l.leaf_bytes;
            for (std::uint64_t leaf = lo; leaf <= hi; ++leaf) {
                const unsigned slot = static_cast<unsigned>(leaf - l.first_leaf);
                live[slot] = true;
                if (s.pt.entry[slot] == PT_NONE) {
                    *out = {"vmemmap-pagetables", "a section in use has its struct pages mapped",
                            fmt::format("memory{} section {} (pfn {:#x}) has ms->usage but vmemmap leaf {} (vmemmap "
                                        "offset {:#x}) is not mapped: its struct pages are unreachable",
                                        m.blocks[b].memory_block_id, i, pfn, leaf, leaf * l.leaf_bytes)};
                    return false;
                }
            }
        }
    }
    // Sub-section hot-add (ZONE_DEVICE): every present subsection of a section that holds no
    // boot memory has its struct pages mapped — by a leaf, or by the PTEs of its piece of a
    // PTE-mapped leaf. (An early section's memmap is boot memory's, mapped for ever.)
    const std::uint64_t ppss = m.geo.pages_per_subsection;
    for (unsigned si = 0; si < m.dev_sections.size(); ++si) {
        const DevSectionState& ms = s.dev_sections[si];
        if (m.dev_sections[si].early || !(ms.flags & SEC_USAGE)) continue;
        for (std::uint64_t pfn = m.dev_sections[si].start_pfn; pfn < m.dev_sections[si].start_pfn + pps; pfn += ppss) {
            if (!(ms.subsection_map & m.subsection_mask(pfn, ppss))) continue;
            const std::uint64_t lo = leaf_of(m, pfn), hi = ((pfn + ppss) * sps - 1) / l.leaf_bytes;
            for (std::uint64_t leaf = lo; leaf <= hi; ++leaf) {
                const unsigned slot = static_cast<unsigned>(leaf - l.first_leaf);
                live[slot] = true;
                bool mapped = s.pt.entry[slot] != PT_NONE;
                if (s.pt.entry[slot] == PT_SPLIT)
                    for (unsigned p = 0; p < l.nr_pieces[slot]; ++p)
                        if (l.piece_lo[slot][p] <= pfn && pfn < l.piece_hi[slot][p] && ((s.pt.unused[slot] >> p) & 1))
                            mapped = false;
                if (!mapped) {
                    *out = {"vmemmap-pagetables", "a section in use has its struct pages mapped",
                            fmt::format("the subsection at pfn {:#x} is present (ms->usage->subsection_map) but its "
                                        "struct pages in vmemmap leaf {} (vmemmap offset {:#x}) are not mapped: they "
                                        "are unreachable",
                                        pfn, leaf, leaf * l.leaf_bytes)};
                    return false;
                }
            }
        }
    }
    for (unsigned i = 0; i < l.nr_slots; ++i) {
        if (s.pt.entry[i] == PT_NONE || live[i]) continue;
        *out = {"vmemmap-pagetables", "a vmemmap leaf no section uses is freed (no leak)",
                fmt::format("vmemmap leaf {} (struct pages of pfns [{:#x}, {:#x})) is still {} with its backing page "
                            "({}), but no section has struct pages in it any more: the page-table entry and the "
                            "{} KiB behind it leaked",
                            l.first_leaf + i, (l.first_leaf + i) * l.leaf_bytes / sps,
                            (l.first_leaf + i + 1) * l.leaf_bytes / sps, s.pt.entry[i] == PT_SPLIT ? "PTE-mapped" : "mapped",
                            s.pt.backing[i] == PT_BACKING_BUDDY ? std::string("node memory")
                            : s.pt.backing[i] == PT_BACKING_BOOT
                                ? std::string("boot memory")
                                : s.pt.backing[i] >= PT_BACKING_DEVICE
                                ? fmt::format("altmap of {}", m.devices[s.pt.backing[i] - PT_BACKING_DEVICE].name)
                                : fmt::format("altmap of memory{}", m.blocks[s.pt.backing[i]].memory_block_id),
                            l.leaf_bytes >> 10)};
        return false;
    }
    for (unsigned t = 0; t < l.nr_tables; ++t) {
        bool used = false;
        for (unsigned i = 0; i < l.nr_slots; ++i)
            if ((l.first_leaf + i) / l.entries_per_table - l.first_table == t && s.pt.entry[i] != PT_NONE) used = true;
        const bool present = (s.pt.tables >> t) & 1;
        if (used && !present) {
            *out = {"vmemmap-pagetables", "a mapped leaf's page-table page is allocated",
                    fmt::format("page-table page {} maps vmemmap leaves but is not allocated", l.first_table + t)};
            return false;
        }
        if (!used && present && !l.table_boot[t]) {
            *out = {"vmemmap-pagetables", "an empty page-table page is freed (no leak)",
                    fmt::format("the page-table page holding vmemmap leaves [{}, {}) maps nothing but is still "
                                "allocated: leaked",
                                (l.first_table + t) * l.entries_per_table, (l.first_table + t + 1) * l.entries_per_table)};
            return false;
        }
    }
    return true;
#endif
}

static bool vmemmap_free_safe(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind == Observation::VMEMMAP_FREED_IN_USE) {
            *out = {"vmemmap-free", "a vmemmap page is freed only when no section's struct pages are in it",
                    fmt::format("{} freed the page backing vmemmap leaf {} (struct pages from pfn {:#x}) while a "
                                "section's struct pages still live in it: every later struct page access there is a "
                                "use-after-free",
                                o.func, o.nr, o.pfn)};
            return false;
        }
        if (o.kind == Observation::VMEMMAP_UNMAPPED_WRITE) {
            *out = {"vmemmap-free", "the vmemmap is written only where it is mapped",
                    fmt::format("{} wrote to vmemmap leaf {} (struct pages from pfn {:#x}), which is not mapped: a "
                                "kernel page fault (oops)",
                                o.func, o.nr, o.pfn)};
            return false;
        }
        if (o.kind == Observation::PGTABLE_FREED_IN_USE) {
            *out = {"vmemmap-free", "a page-table page is freed only when it maps nothing",
                    fmt::format("{} freed a page-table page that still maps vmemmap leaf {}", o.func, o.nr)};
            return false;
        }
    }
    return true;
}

// I20 linear-map (state): the linear map of the hot-pluggable blocks and its table pages
// (spec/ops/pagetables_linear.cpp).
//   - a block with a memory block device or an online section is in the linear map (its
//     leaves are present): page_address() of its pages must not fault;
//   - a table page holding a mapped block's leaves is allocated;
//   - no leak: a table page none of whose leaves is mapped is freed (free_pmd_table(),
//     free_empty_tables()), unless it also maps boot memory; the same one level up (a table
//     page above no allocated table is freed), except x86's PUD tables, which 4-level paging
//     never frees (af2cf278ef4f, 98fe3633c5a4: other page tables' PGD copies still point at them).
// A block whose add failed keeps its mapping on x86 (arch_add_memory() does not undo
// init_memory_mapping()): mapped without a device is allowed here; T6 judges removal.
static bool linear_map_holds(const Machine& m, const KernelState& s, Violation* out) {
#if HP_SYMBOLIC  // the prover's machines have no page tables
    (void)m;
    (void)s;
    (void)out;
    return true;
#else
    if (!m.pt.enabled) return true;
    const PtLayout& l = m.pt;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        if (s.blocks[b].section_online == 0 && s.blocks[b].state == BLOCK_ABSENT) continue;
        if ((s.pt.linear_mapped >> b) & 1) continue;
        *out = {"linear-map", "an added block is in the linear map",
                fmt::format("memory{} is {} but has no linear mapping ({} leaves of {} KiB cleared): page_address() "
                            "of its pages faults",
                            m.blocks[b].memory_block_id, s.blocks[b].section_online ? "online" : "offline",
                            ((l.lm_pud_blocks >> b) & 1) ? "PUD" : l.lm_leaf_level,
                            ((l.lm_pud_blocks >> b) & 1) ? 1u << 20 : l.lm_leaf_bytes >> 10)};
        return false;
    }
    // A ZONE_DEVICE range whose dev_pagemap is registered (memremap_pages() returned 0) was
    // mapped by pagemap_range()'s arch_add_memory(): DAX and the pmem driver reach its pages
    // through the linear map (page_address(), pmem's virt_addr).
    for (unsigned d = 0; d < m.devices.size(); ++d) {
        if (!s.devices[d].mapped || ((s.pt.dev_linear_mapped >> d) & 1)) continue;
        *out = {"linear-map", "a mapped ZONE_DEVICE range is in the linear map",
                fmt::format("{} is registered (memremap_pages() succeeded) but its range has no linear mapping: "
                            "page_address() of its pages faults",
                            m.devices[d].name)};
        return false;
    }
    auto unit_name = [&](int u) {
        return u >= static_cast<int>(MAX_BLOCKS) ? m.devices[u - MAX_BLOCKS].name
                                                 : fmt::format("memory{}", m.blocks[u].memory_block_id);
    };
    for (unsigned gi = 0; gi < l.lm_nr_groups; ++gi) {
        const bool present = (s.pt.lm_tables >> gi) & 1;
        const std::uint32_t blocks = l.lm_group_blocks[gi];
        const std::uint8_t devices = l.lm_group_devices[gi];
        // Who the tables hold: a mapped unit's leaves, or (level 1) an allocated level-0 table.
        // A unit is a block b or a device d (MAX_BLOCKS + d).
        int user = -1;
        for (unsigned b = 0; b < m.blocks.size() && user < 0; ++b)
            if (((blocks >> b) & 1) && ((s.pt.linear_mapped >> b) & 1)) user = static_cast<int>(b);
        for (unsigned d = 0; d < m.devices.size() && user < 0; ++d)
            if (((devices >> d) & 1) && ((s.pt.dev_linear_mapped >> d) & 1)) user = MAX_BLOCKS + static_cast<int>(d);
        if (l.lm_group_level[gi] == 1)
            for (unsigned g0 = 0; g0 < l.lm_nr_groups && user < 0; ++g0) {
                if (l.lm_group_level[g0] != 0 || !((s.pt.lm_tables >> g0) & 1)) continue;
                for (unsigned b = 0; b < m.blocks.size() && user < 0; ++b)
                    if (((l.lm_group_blocks[g0] & blocks) >> b) & 1) user = static_cast<int>(b);
                for (unsigned d = 0; d < m.devices.size() && user < 0; ++d)
                    if (((l.lm_group_devices[g0] & devices) >> d) & 1) user = MAX_BLOCKS + static_cast<int>(d);
            }
        const std::uint64_t span = l.lm_group_level[gi] ? l.lm_upper_bytes : l.lm_table_bytes;
        const std::string tables = fmt::format(
            "{} linear-map {} table page{} mapping [{:#x}, {:#x})", l.lm_group_tables[gi],
            l.lm_group_level[gi] ? l.lm_upper_level : l.lm_leaf_level, l.lm_group_tables[gi] == 1 ? "" : "s",
            l.lm_group_first[gi], l.lm_group_first[gi] + std::uint64_t(l.lm_group_tables[gi]) * span);
        if (user >= 0 && !present) {
            *out = {"linear-map", "a mapped block's linear-map table page is allocated",
                    fmt::format("{} is mapped but the {} {} freed: its leaves are reached through a freed page",
                                unit_name(user), tables, l.lm_group_tables[gi] == 1 ? "is" : "are")};
            return false;
        }
        if (user < 0 && present && !l.lm_group_boot[gi] && !(l.lm_group_level[gi] == 1 && l.lm_upper_kept)) {
            *out = {"linear-map", "an empty linear-map table page is freed (no leak)",
                    fmt::format("the {} map{} nothing any more but {} still allocated: leaked", tables,
                                l.lm_group_tables[gi] == 1 ? "s" : "", l.lm_group_tables[gi] == 1 ? "is" : "are")};
            return false;
        }
    }
    return true;
#endif
}

// T6 linear-map-unmap (transition): a step that removes a block's sections removes its
// linear mapping too (arch_remove_memory() -> kernel_physical_mapping_remove() /
// __remove_pgd_mapping() / arch_remove_linear_mapping()), and frees no linear-map table page
// that still maps a block. A mapping left behind points at memory that was unplugged.
static bool linear_map_unmap_safe(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind != Observation::LINEAR_MAP_TABLE_FREED_IN_USE) continue;
        *out = {"linear-map-unmap", "a linear-map page-table page is freed only when it maps nothing",
                fmt::format("{} freed a linear-map table page (group {}) that still maps the range at pfn {:#x}: "
                            "its linear map is now reached through a freed page",
                            o.func, o.nr, o.pfn)};
        return false;
    }
#if !HP_SYMBOLIC
    const Machine& m = st.m;
    if (!m.pt.enabled) return true;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const bool had = st.before.blocks[b].section_usage != 0 || st.before.blocks[b].state != BLOCK_ABSENT;
        const bool gone = st.after.blocks[b].section_usage == 0 && st.after.blocks[b].state == BLOCK_ABSENT;
        if (!had || !gone || !((st.after.pt.linear_mapped >> b) & 1)) continue;
        *out = {"linear-map-unmap", "a removed block has no linear mapping",
                fmt::format("memory{} was removed but its linear-map {} leaves are still present: the kernel can "
                            "still reach memory that is gone",
                            m.blocks[b].memory_block_id, ((m.pt.lm_pud_blocks >> b) & 1) ? "PUD" : m.pt.lm_leaf_level)};
        return false;
    }
    // memunmap_pages() -> arch_remove_memory() unmaps a device range like a DIMM.
    for (unsigned d = 0; d < m.devices.size(); ++d) {
        if (!st.before.devices[d].mapped || st.after.devices[d].mapped || !((st.after.pt.dev_linear_mapped >> d) & 1))
            continue;
        *out = {"linear-map-unmap", "a removed ZONE_DEVICE range has no linear mapping",
                fmt::format("{} was unmapped (memunmap_pages()) but its linear-map leaves are still present: the "
                            "kernel can still reach the device's memory after the driver let it go",
                            m.devices[d].name)};
        return false;
    }
#endif
    return true;
}

void register_vmemmap_pagetables(std::vector<Invariant>& v) {
    v.push_back({"vmemmap-pagetables", "I19",
                 "struct pages in use are mapped; unused vmemmap leaves and empty page-table pages are freed",
                 "vmemmap_populate()/vmemmap_free() of x86 (PAGE_UNUSED sub-PMD tracking), arm64, ppc64",
                 vmemmap_pagetables_hold, nullptr});
    v.push_back({"vmemmap-free", "T5",
                 "no vmemmap page or page-table page is freed while in use; no write through an unmapped vmemmap",
                 "remove_pagetable()/free_hugepage_table(), unmap_hotplug_range(), ppc64 vmemmap_free()", nullptr,
                 vmemmap_free_safe});
    v.push_back({"linear-map", "I20",
                 "added memory and mapped ZONE_DEVICE ranges are in the linear map; its table pages are allocated "
                 "while mapped and freed when empty",
                 "arch_add_memory()/arch_remove_memory(): init_memory_mapping(), __create_pgd_mapping(), "
                 "arch_create_linear_mapping() and their removal",
                 linear_map_holds, nullptr});
    v.push_back({"linear-map-unmap", "T6",
                 "removal unmaps the block's (the device range's) linear map; no linear-map table page is freed "
                 "while it maps one",
                 "kernel_physical_mapping_remove(), __remove_pgd_mapping(), arch_remove_linear_mapping()", nullptr,
                 linear_map_unmap_safe});
}

}  // namespace hp::HP_DOMAIN::inv
