// The static layout of the modelled kernel page tables (spec/pagetable.hpp): which vmemmap
// leaves describe hot-pluggable memory, which sections share each, and which page-table
// pages hold their entries. Concrete only: the prover's machines have no page tables.
#include "spec/pagetable.hpp"

#include <fmt/format.h>

#include <algorithm>

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
    if (m.blocks.empty()) {
        m.pt = l;
        return {};
    }
    const std::uint64_t sps = g.struct_page_size, pps = g.pages_per_section, secmem = pps * sps;
    std::uint64_t lo = ~0ull, hi = 0;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        lo = std::min<std::uint64_t>(lo, m.blocks[b].start_pfn * sps / l.leaf_bytes);
        hi = std::max<std::uint64_t>(hi, (m.block_end_pfn(b) * sps - 1) / l.leaf_bytes);
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
        if (l.arch == PtArch::X86_64 && last - first + 1 > static_cast<std::uint64_t>(MAX_PT_PIECES))
            return fmt::format("{} sections share one vmemmap PMD; the model tracks PAGE_UNUSED for at most {}",
                               last - first + 1, MAX_PT_PIECES);
        l.first_section[i] = first;
        l.nr_pieces[i] = static_cast<unsigned>(std::min<std::uint64_t>(last - first + 1, MAX_PT_PIECES));
        for (unsigned q = 0; q < l.nr_pieces[i]; ++q) {
            const std::uint64_t sec = first + q;
            int owner = PT_PIECE_HOLE;
            if (section_has_boot_memory(m, sec)) {
                owner = PT_PIECE_BOOT;
            } else if (const int b = m.block_of_pfn(sec * pps); b >= 0) {
                owner = b * MAX_SECTIONS_PER_BLOCK + static_cast<int>((sec * pps - m.blocks[b].start_pfn) / pps);
            }
            l.piece_owner[i][q] = owner;
        }
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
