// The static layout of the modelled kernel page tables (spec/pagetable.hpp): which vmemmap
// leaves describe hot-pluggable memory, which sections share each, and which page-table
// pages hold their entries. Concrete only: the prover's machines have no page tables.
#include "spec/pagetable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#if !HP_SYMBOLIC
namespace hp {

namespace {
constexpr std::uint64_t MiB = 1ull << 20;

// Boot memory's struct pages as a vmemmap byte range per boot zone: sparse_init() populates
// the memmap of whole present sections.
bool boot_memmap_intersects(const Machine& m, std::uint64_t va_lo, std::uint64_t va_hi) {
    const std::uint64_t pps = m.geo.pages_per_section, sps = m.geo.struct_page_size;
    for (const BootZone& z : m.boot) {
        if (z.end_pfn <= z.start_pfn || z.span_only) continue;
        const std::uint64_t lo = z.start_pfn / pps * pps * sps, hi = ((z.end_pfn - 1) / pps + 1) * pps * sps;
        if (lo < va_hi && va_lo < hi) return true;
    }
    return false;
}

// The linear map's leaf and table sizes per architecture, at the granularity the kernel maps
// a hot-added range with (6.1 and 6.12 alike):
//   x86_64   arch_add_memory() -> init_memory_mapping() -> split_mem_range() ->
//            kernel_physical_mapping_init(): 2 MiB PMD leaves (every hot-added range is 2 MiB
//            aligned: blocks, and device ranges in 2 MiB subsections, so no 4K head or tail);
//            a PMD table maps 512 * 2 MiB = 1 GiB. With direct_gbpages the 1 GiB-aligned GiBs
//            of the range are PUD leaves (phys_pud_init()) and get no PMD table.
//   arm64    arch_add_memory() -> __create_pgd_mapping(): NO_BLOCK_MAPPINGS when
//            can_set_direct_map() (rodata_full): PTE leaves, a PTE table maps PTRS_PER_PTE pages;
//            otherwise PMD blocks (4K: 2 MiB, table 1 GiB; 64K: 512 MiB, table 4 TiB).
//   ppc64    radix__create_section_mapping() -> create_physical_mapping(): a mapping is at
//            most the memory block size (radix_mem_block_size since af9d00e93a4f, 5.9;
//            memory_block_size in later trees), so 2 MiB PMD leaves for 256 MiB LMBs and for
//            2 MiB-aligned device ranges; a radix PMD table has RADIX_PMD_INDEX_SIZE = 9 bits: 1 GiB.
// One level above is kept too (x86 PUD table, never freed with 4-level paging; arm64 the PMD
// table above PTE tables or the PUD table above PMD tables; ppc64 radix the PUD table, freed
// by free_pud_table() since 9ce8853b4a73).
// The units mapped and unmapped together are blocks (arch_add_memory() of a DIMM, big block or
// memory block takes whole blocks) and ZONE_DEVICE ranges (pagemap_range()).
// Tables that change together are one group: a unit's own tables (a table inside one unit)
// or a table several units share. A table that also maps boot memory is never empty.
std::string compute_lm_layout(const Machine& m, PtLayout& l) {
    static_assert(MAX_DEVICES <= 8 && MAX_DEVICES <= static_cast<int>(sizeof l.lm_dev_groups / sizeof l.lm_dev_groups[0]),
                  "PageTableState::dev_linear_mapped and PtLayout::lm_group_devices are 8-bit device masks");
    const Geometry& g = m.geo;
    const std::uint64_t ps = g.page_size, entries = l.arch == PtArch::PPC64 ? 512 : ps / 8;
    if (l.arch == PtArch::ARM64 && m.params.rodata_full) {
        l.lm_leaf_bytes = ps;
        l.lm_leaf_level = "PTE";
        l.lm_upper_level = "PMD";
    } else if (l.arch == PtArch::ARM64) {
        l.lm_leaf_bytes = g.pmd_pages * ps;
        l.lm_leaf_level = "PMD";
        l.lm_upper_level = "PUD";
    } else {
        l.lm_leaf_bytes = 2 * MiB;
        l.lm_leaf_level = "PMD";
        l.lm_upper_level = "PUD";
    }
    l.lm_table_bytes = entries * l.lm_leaf_bytes;
    // arm64 64K with PMD blocks: the table above the PMD table is the PGD (48-bit VA, 3 levels).
    l.lm_upper_bytes = l.arch == PtArch::ARM64 && !m.params.rodata_full && ps != 4096 ? 0 : entries * l.lm_table_bytes;
    // x86 4-level paging: remove_p4d_table() calls free_pud_table() only if pgtable_l5_enabled().
    l.lm_upper_kept = l.arch == PtArch::X86_64;
    // x86: a PMD table maps exactly one PUD entry's GiB, so a PUD leaf replaces one PMD table.
    l.lm_gbpages = l.arch == PtArch::X86_64 && m.params.direct_gbpages;
    // The units: blocks, then devices; per unit its range and the range add_memory() /
    // memremap_pages() hands arch_add_memory() (what split_mem_range() aligns within).
    struct Unit {
        std::uint64_t lo, hi, add_lo, add_hi;
        int block, device;
    };
    std::vector<Unit> units;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const unsigned d = m.blocks[b].dimm;
        units.push_back({m.blocks[b].start_pfn * ps, m.block_end_pfn(b) * ps, m.dimms[d].base_pfn * ps,
                         m.dimm_end_pfn[d] * ps, static_cast<int>(b), -1});
    }
    for (unsigned d = 0; d < m.devices.size(); ++d) {
        const std::uint64_t lo = m.devices[d].base_pfn * ps, hi = (m.devices[d].base_pfn + m.devices[d].nr_pages) * ps;
        // arm64 64K without rodata_full: alloc_init_cont_pmd() maps a range that is not 512 MiB
        // aligned with 64K PTEs in PTE tables, a level the blocks of that preset never use.
        // (Unreachable today: 64K sections have 256 subsections, the loader takes at most 64.)
        if (l.arch == PtArch::ARM64 && !m.params.rodata_full && (lo % l.lm_leaf_bytes || hi % l.lm_leaf_bytes))
            return fmt::format("device '{}' is not aligned to the {} MiB PMD block: arm64 maps it with PTE leaves, which "
                               "the model does not keep next to PMD blocks (use rodata_full = true)",
                               m.devices[d].name, l.lm_leaf_bytes >> 20);
        units.push_back({lo, hi, lo, hi, -1, static_cast<int>(d)});
    }
    unsigned n = 0;
    for (std::uint8_t level = 0; level < 2; ++level) {
        const std::uint64_t T = level == 0 ? l.lm_table_bytes : l.lm_upper_bytes;
        if (T == 0) continue;
        // table index -> {blocks, devices} with leaves under it
        std::map<std::uint64_t, std::pair<std::uint32_t, std::uint8_t>> table_units;
        for (const Unit& u : units)
            for (std::uint64_t t = u.lo / T; t <= (u.hi - 1) / T; ++t) {
                // phys_pud_init(): a 1 GiB-aligned GiB inside the range is a PUD leaf, no PMD table.
                if (level == 0 && l.lm_gbpages && t * T >= u.add_lo && (t + 1) * T <= u.add_hi) {
                    if (u.block >= 0) l.lm_pud_blocks |= 1u << u.block;
                    else l.lm_pud_devices = static_cast<std::uint8_t>(l.lm_pud_devices | (1u << u.device));
                    continue;
                }
                auto& [blocks, devices] = table_units[t];
                if (u.block >= 0) blocks |= 1u << u.block;
                else devices = static_cast<std::uint8_t>(devices | (1u << u.device));
            }
        auto boot_in = [&](std::uint64_t t) {
            for (const BootZone& z : m.boot)
                if (!z.span_only && z.end_pfn > z.start_pfn && z.start_pfn * ps < (t + 1) * T && t * T < z.end_pfn * ps)
                    return true;
            return false;
        };
        const unsigned level_first = n;
        for (const auto& [t, who] : table_units) {
            const std::uint32_t blocks = who.first;
            const std::uint8_t devices = who.second;
            const bool boot = boot_in(t);
            unsigned gi = level_first;
            while (gi < n && !(l.lm_group_blocks[gi] == blocks && l.lm_group_devices[gi] == devices &&
                               l.lm_group_boot[gi] == boot))
                ++gi;
            if (gi == n) {
                if (n >= static_cast<unsigned>(MAX_PT_TABLES))
                    return fmt::format("the linear map's page-table pages of the hot-pluggable blocks and devices form "
                                       "more than {} groups; the model keeps at most {}", MAX_PT_TABLES, MAX_PT_TABLES);
                l.lm_group_blocks[gi] = blocks;
                l.lm_group_devices[gi] = devices;
                l.lm_group_boot[gi] = boot;
                l.lm_group_first[gi] = t * T;
                l.lm_group_level[gi] = level;
                ++n;
            }
            ++l.lm_group_tables[gi];
            for (unsigned b = 0; b < m.blocks.size(); ++b)
                if ((blocks >> b) & 1) l.lm_block_groups[b] |= 1u << gi;
            for (unsigned d = 0; d < m.devices.size(); ++d)
                if ((devices >> d) & 1) l.lm_dev_groups[d] |= 1u << gi;
        }
    }
    l.lm_nr_groups = n;
    return {};
}

bool section_has_boot_memory(const Machine& m, std::uint64_t section) {
    const std::uint64_t pps = m.geo.pages_per_section;
    for (const BootZone& z : m.boot)
        if (!z.span_only && z.start_pfn < (section + 1) * pps && section * pps < z.end_pfn) return true;
    return false;
}
}  // namespace

std::string compute_pt_layout(Machine& m, bool enabled) {
    PtLayout l;
    if (!enabled) {
        m.pt = l;
        return {};
    }
    const Geometry& g = m.geo;
    const std::string& p = g.preset;
    if (p.rfind("x86_64", 0) == 0) {
        // vmemmap_populate_hugepages(): a PMD_SIZE page per PMD (arch/x86/mm/init_64.c, 6.1).
        l.arch = PtArch::X86_64;
        l.leaf_bytes = g.pmd_pages * g.page_size;
    } else if (p.rfind("arm64", 0) == 0) {
        // vmemmap_populate(): PMD blocks with 4K pages, vmemmap_populate_basepages() otherwise
        // (ARM64_KERNEL_USES_PMD_MAPS; arch/arm64/mm/mmu.c, 6.1).
        l.arch = PtArch::ARM64;
        l.leaf_bytes = g.page_size == 4096 ? g.pmd_pages * g.page_size : g.page_size;
    } else if (p.rfind("ppc64", 0) == 0) {
        // Radix: mmu_vmemmap_psize = MMU_PAGE_2M (arch/powerpc/mm/book3s64/radix_pgtable.c, 6.1).
        l.arch = PtArch::PPC64;
        l.leaf_bytes = 2 * MiB;
    } else {
        return fmt::format("page tables are modelled for the x86_64, arm64 and ppc64 presets, not '{}'", p);
    }
    // Entries per page-table page: 8-byte entries in a page (x86, arm64); ppc64 radix's PMD
    // table has RADIX_PMD_INDEX_SIZE = 9 bits.
    l.entries_per_table = l.arch == PtArch::PPC64 ? 512 : g.page_size / 8;
    l.enabled = true;
    if (std::string why = compute_lm_layout(m, l); !why.empty()) return why;
    if (m.blocks.empty() && m.devices.empty()) {
        m.pt = l;
        return {};
    }
    const std::uint64_t sps = g.struct_page_size, pps = g.pages_per_section, secmem = pps * sps;
    std::uint64_t lo = ~0ull, hi = 0;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        lo = std::min<std::uint64_t>(lo, m.blocks[b].start_pfn * sps / l.leaf_bytes);
        hi = std::max<std::uint64_t>(hi, (m.block_end_pfn(b) * sps - 1) / l.leaf_bytes);
    }
    // ZONE_DEVICE ranges: memremap_pages() -> arch_add_memory() populates their struct pages
    // per section chunk (sub-section ranges too: __populate_section_memmap()).
    for (const Device& d : m.devices) {
        lo = std::min<std::uint64_t>(lo, d.base_pfn * sps / l.leaf_bytes);
        hi = std::max<std::uint64_t>(hi, ((d.base_pfn + d.nr_pages) * sps - 1) / l.leaf_bytes);
    }
    if (hi - lo + 1 > static_cast<std::uint64_t>(MAX_PT_SLOTS))
        return fmt::format("the hot-pluggable memory's struct pages span {} vmemmap leaves of {} KiB; the model keeps "
                           "at most {}", hi - lo + 1, l.leaf_bytes >> 10, MAX_PT_SLOTS);
    l.first_leaf = lo;
    l.nr_slots = static_cast<unsigned>(hi - lo + 1);
    l.first_table = lo / l.entries_per_table;
    l.nr_tables = static_cast<unsigned>(hi / l.entries_per_table - l.first_table + 1);
    if (l.nr_tables > static_cast<unsigned>(MAX_PT_TABLES)) return "too many page-table pages";
    for (unsigned i = 0; i < l.nr_slots; ++i) {
        const std::uint64_t leaf = lo + i, va_lo = leaf * l.leaf_bytes, va_hi = va_lo + l.leaf_bytes;
        const std::uint64_t first = va_lo / secmem, last = (va_hi - 1) / secmem;
        l.first_section[i] = first;
        unsigned n = 0;
        bool too_many = false;
        auto add_piece = [&](int owner, std::uint64_t plo, std::uint64_t phi) {
            if (n > 0 && l.piece_owner[i][n - 1] == owner && l.piece_hi[i][n - 1] == plo &&
                plo % pps != 0) {  // one owner's run of subsections inside a section
                l.piece_hi[i][n - 1] = phi;
                return;
            }
            if (n >= static_cast<unsigned>(MAX_PT_PIECES)) {
                too_many = true;
                return;
            }
            l.piece_owner[i][n] = owner;
            l.piece_lo[i][n] = plo;
            l.piece_hi[i][n] = phi;
            ++n;
        };
        for (std::uint64_t sec = first; sec <= last; ++sec) {
            const std::uint64_t spfn = sec * pps;
            if (section_has_boot_memory(m, sec)) {
                // An early section: sparse_init() populated its whole memmap at boot, device
                // subsections in it included (they reuse it: section_activate()).
                add_piece(PT_PIECE_BOOT, spfn, spfn + pps);
            } else if (const int b = m.block_of_pfn(spfn); b >= 0) {
                add_piece(b * MAX_SECTIONS_PER_BLOCK + static_cast<int>((spfn - m.blocks[b].start_pfn) / pps), spfn,
                          spfn + pps);
            } else if (m.dev_section_of_pfn(spfn) >= 0) {
                // Sub-section hot-add: a piece per run of subsections of one device (or none)
                // whose struct pages are in this leaf.
                const std::uint64_t ppss = g.pages_per_subsection;
                for (std::uint64_t p = spfn; p < spfn + pps; p += ppss) {
                    if (p * sps >= va_hi || (p + ppss) * sps <= va_lo) continue;
                    int owner = PT_PIECE_HOLE;
                    for (unsigned d = 0; d < m.devices.size(); ++d)
                        if (p >= m.devices[d].base_pfn && p < m.devices[d].base_pfn + m.devices[d].nr_pages)
                            owner = PT_PIECE_DEVICE - static_cast<int>(d);
                    add_piece(owner, p, p + ppss);
                }
            } else {
                add_piece(PT_PIECE_HOLE, spfn, spfn + pps);
            }
        }
        if (too_many && (l.arch == PtArch::X86_64 || !m.devices.empty()))
            return fmt::format("more than {} sections or device subsection runs share one vmemmap leaf; the model "
                               "tracks at most {}", MAX_PT_PIECES, MAX_PT_PIECES);
        l.nr_pieces[i] = n;
        l.slot_boot[i] = boot_memmap_intersects(m, va_lo, va_hi);
    }
    for (unsigned t = 0; t < l.nr_tables; ++t) {
        const std::uint64_t span = l.entries_per_table * l.leaf_bytes, va_lo = (l.first_table + t) * span;
        l.table_boot[t] = boot_memmap_intersects(m, va_lo, va_lo + span);
    }
    m.pt = l;
    return {};
}

}  // namespace hp
#endif
