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
// free_vmemmap_page()). I20 linear-map: online memory is in the linear map.
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

static bool linear_map_holds(const Machine& m, const KernelState& s, Violation* out) {
    if (!m.pt.enabled) return true;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        if (s.blocks[b].section_online == 0) continue;
        if ((s.pt.linear_mapped >> b) & 1) continue;
        *out = {"linear-map", "online memory is in the linear map",
                fmt::format("memory{} has online sections but no linear mapping: page_address() of its pages faults",
                            m.blocks[b].memory_block_id)};
        return false;
    }
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
    v.push_back({"linear-map", "I20", "online memory is in the linear map",
                 "arch_add_memory()/arch_remove_memory(): init_memory_mapping(), __create_pgd_mapping()",
                 linear_map_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
