// Kernel page tables of the vmemmap (issue 10 item 2): the helpers every architecture's code
// uses and the per-architecture dispatch of vmemmap_populate() / vmemmap_free(). The linear
// map is spec/ops/pagetables_linear.cpp. Only called when the scenario keeps page tables
// ([kernel] pagetables; spec/pagetable.hpp says what is modelled).
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/pagetables.hpp"

namespace hp::HP_DOMAIN::base {

namespace pt {

unsigned slot_of(const Machine& m, const u64& addr) {
    const u64 leaf = addr / leaf_bytes(m);
    if (leaf < u64(m.pt.first_leaf) || leaf >= u64(m.pt.first_leaf + m.pt.nr_slots)) return MAX_PT_SLOTS;
    return as_index(leaf - m.pt.first_leaf, MAX_PT_SLOTS, MAX_PT_SLOTS);
}

u64 piece_start(const Machine& m, unsigned slot, unsigned p) {
    const u64 s = u64(m.pt.piece_lo[slot][p] * m.geo.struct_page_size);
    const u64 lo = slot_start(m, slot);
    return s < lo ? lo : s;
}

u64 piece_end(const Machine& m, unsigned slot, unsigned p) {
    const u64 e = u64(m.pt.piece_hi[slot][p] * m.geo.struct_page_size);
    const u64 hi = slot_end(m, slot);
    return e > hi ? hi : e;
}

namespace {
// Are any of the subsections of [lo, hi) (inside one device section) present: in
// ms->usage->subsection_map, set by section_activate() and cleared by section_deactivate()?
flag dev_subsections_live(Kernel& k, const pfn_t& lo, const pfn_t& hi) {
    const int si = k.m.dev_section_of_pfn(lo);
    if (si < 0) return false;
    const DevSectionState& ms = k.s.dev_sections[si];
    if (!(ms.flags & SEC_USAGE)) return false;
    return (ms.subsection_map & k.m.subsection_mask(lo, hi - lo)) != 0;
}
}  // namespace

flag piece_live(Kernel& k, unsigned slot, unsigned p) {
    const int owner = k.m.pt.piece_owner[slot][p];
    if (owner == PT_PIECE_BOOT) return true;
    if (owner == PT_PIECE_HOLE) return false;
    if (pt_piece_device(owner) >= 0) return dev_subsections_live(k, k.m.pt.piece_lo[slot][p], k.m.pt.piece_hi[slot][p]);
    const unsigned b = static_cast<unsigned>(owner) / MAX_SECTIONS_PER_BLOCK, sec = static_cast<unsigned>(owner) % MAX_SECTIONS_PER_BLOCK;
    return ((k.s.blocks[b].section_usage >> sec) & 1) != 0;
}

// By pfn ranges rather than pieces: a ppc64 vmemmap page holds 128 sections' struct pages.
flag slot_live(Kernel& k, unsigned slot) {
    if (k.m.pt.slot_boot[slot]) return true;
    const u64 sps = k.m.geo.struct_page_size, pps = k.m.geo.pages_per_section;
    const pfn_t lo = slot_start(k.m, slot) / sps, hi = (slot_end(k.m, slot) + sps - 1) / sps;
    for (unsigned b = 0; b < k.m.blocks.size(); ++b) {
        const pfn_t bs = k.m.blocks[b].start_pfn, be = k.m.block_end_pfn(b);
        if (be <= lo || bs >= hi) continue;
        const u64 spb = k.m.geo.sections_per_block();
        for (unsigned i = 0; i < MAX_SECTIONS_PER_BLOCK && i < spb; ++i) {
            const pfn_t s = bs + i * pps;
            if (s + pps <= lo || s >= hi) continue;
            if ((k.s.blocks[b].section_usage >> i) & 1) return true;
        }
    }
    // Sections devices touch: the subsections whose struct pages are in the leaf.
    for (unsigned si = 0; si < k.m.dev_sections.size(); ++si) {
        const pfn_t s = k.m.dev_sections[si].start_pfn;
        if (s + pps <= lo || s >= hi) continue;
        const u64 ppss = k.m.geo.pages_per_subsection;
        const pfn_t a = s < lo ? lo - lo % ppss : s, e = s + pps < hi ? s + pps : (hi + ppss - 1) / ppss * ppss;
        if (dev_subsections_live(k, a, e)) return true;
    }
    return false;
}

unsigned table_of(const Machine& m, unsigned slot) {
    return static_cast<unsigned>((m.pt.first_leaf + slot) / m.pt.entries_per_table - m.pt.first_table);
}

void map_leaf(Kernel& k, unsigned slot, const VmemAltmap* altmap) {
    const unsigned t = table_of(k.m, slot);
    if (!((k.s.pt.tables >> t) & 1)) {
        KCALL(k, "pmd_alloc/pte_alloc (vmemmap page table)");
        k.s.pt.tables |= 1u << t;
    }
    if (k.s.pt.entry[slot] != PT_NONE) KSAY(k, "vmemmap leaf {} mapped twice: the old backing page leaks", k.m.pt.first_leaf + slot);
    k.s.pt.entry[slot] = PT_LEAF;
    k.s.pt.backing[slot] = altmap ? altmap_backing(*altmap) : PT_BACKING_BUDDY;
    k.s.pt.unused[slot] = 0;  // fresh memory: whatever it holds, it is not all PAGE_UNUSED
}

void free_leaf_backing(Kernel& k, unsigned slot, bool with_altmap, const char* func) {
    if (slot_live(k, slot))
        k.observe(Observation::VMEMMAP_FREED_IN_USE, func, slot_first_pfn(k.m, slot), k.m.pt.first_leaf + slot);
    const u8 backing = k.s.pt.backing[slot];
    if (with_altmap) {
        KCALL(k, "vmem_altmap_free");
        if (backing == PT_BACKING_BUDDY || backing == PT_BACKING_BOOT)
            k.say("vmem_altmap_free() of a page that is not the altmap's: the page leaks");
    } else if (backing == PT_BACKING_BOOT) {
        KCALL(k, "free_reserved_page");
    } else if (backing != PT_BACKING_BUDDY) {
        k.observe(Observation::ALTMAP_FREED_TO_BUDDY, func, altmap_backing_pfn(k.m, backing),
                  leaf_bytes(k.m) / k.m.geo.page_size);
    } else {
        KCALL(k, "free_pages");
    }
}

void clear_leaf(Kernel& k, unsigned slot) {
    k.s.pt.entry[slot] = PT_NONE;
    k.s.pt.backing[slot] = 0;
    k.s.pt.unused[slot] = 0;
}

void free_table_if_empty(Kernel& k, unsigned slot, const char* func) {
    const unsigned t = table_of(k.m, slot);
    if (!((k.s.pt.tables >> t) & 1) || k.m.pt.table_boot[t]) return;
    for (unsigned i = 0; i < k.m.pt.nr_slots; ++i)
        if (table_of(k.m, i) == t && k.s.pt.entry[i] != PT_NONE) return;  // "if (!pmd_none(*pmd)) return;"
    KCALL(k, func);
    k.s.pt.tables &= ~(1u << t);
}

void memset_unused(Kernel& k, const u64& a, const u64& b) {
    for (u64 addr = a; addr < b;) {
        const u64 leaf_end = addr - addr % leaf_bytes(k.m) + leaf_bytes(k.m);
        const u64 chunk_end = b < leaf_end ? b : leaf_end;
        const unsigned slot = slot_of(k.m, addr);
        if (slot < MAX_PT_SLOTS) {
            if (k.s.pt.entry[slot] == PT_NONE) {
                KSAY(k, "BUG: unable to handle page fault: memset(PAGE_UNUSED) at vmemmap {:#x}, leaf {} not mapped", addr,
                     k.m.pt.first_leaf + slot);
                k.observe(Observation::VMEMMAP_UNMAPPED_WRITE, "memset(PAGE_UNUSED)", slot_first_pfn(k.m, slot),
                          k.m.pt.first_leaf + slot);
            } else if (k.s.pt.entry[slot] == PT_LEAF) {
                for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p)
                    if (addr <= piece_start(k.m, slot, p) && piece_end(k.m, slot, p) <= chunk_end)
                        k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] | (1u << p));
            }
        }
        addr = chunk_end;
    }
}

void mark_used(Kernel& k, const u64& addr) {
    const unsigned slot = slot_of(k.m, addr);
    if (slot >= MAX_PT_SLOTS || k.s.pt.entry[slot] != PT_LEAF) return;
    for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p)
        if (piece_start(k.m, slot, p) <= addr && addr < piece_end(k.m, slot, p))
            k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] & ~(1u << p));
}

void populate_basepages(Kernel& k, const u64& start, const u64& end) {
    KCALL(k, "vmemmap_populate_basepages");
    for (u64 addr = start; addr < end;) {
        const u64 leaf_end = addr - addr % leaf_bytes(k.m) + leaf_bytes(k.m);
        const u64 next = end < leaf_end ? end : leaf_end;
        const unsigned slot = slot_of(k.m, addr);
        if (slot < MAX_PT_SLOTS) {
            if (k.s.pt.entry[slot] == PT_LEAF) {
                // vmemmap_pmd_populate() finds the PMD present and pte_offset_kernel() walks
                // the leaf's page as if it were a PTE table. Not reachable with whole-PMD
                // sections (sizeof(struct page) = 64); the model keeps the leaf as it is.
                KSAY(k, "vmemmap_populate_basepages() under the PMD leaf of vmemmap leaf {}: not modelled further",
                     k.m.pt.first_leaf + slot);
            } else {
                if (k.s.pt.entry[slot] == PT_NONE) {
                    // vmemmap_pmd_populate(): a zeroed PTE table page (node memory), the PMD
                    // table first if it is absent.
                    const unsigned t = table_of(k.m, slot);
                    if (!((k.s.pt.tables >> t) & 1)) {
                        KCALL(k, "vmemmap_pud_populate (vmemmap PMD table)");
                        k.s.pt.tables |= 1u << t;
                    }
                    KCALL(k, "vmemmap_pmd_populate");
                    k.s.pt.entry[slot] = PT_SPLIT;
                    k.s.pt.backing[slot] = PT_BACKING_BUDDY;
                    k.s.pt.unused[slot] = static_cast<u16>((1u << k.m.pt.nr_pieces[slot]) - 1);
                }
                // vmemmap_pte_populate(): a page per PTE of the range
                for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p)
                    if (piece_start(k.m, slot, p) < next && addr < piece_end(k.m, slot, p))
                        k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] & ~(1u << p));
            }
        }
        addr = next;
    }
}

void unmap_basepages(Kernel& k, unsigned slot, const u64& start, const u64& end, const char* func) {
    for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p) {
        const u32 bit = 1u << p;
        if (!(piece_start(k.m, slot, p) < end && start < piece_end(k.m, slot, p)) || (k.s.pt.unused[slot] & bit)) continue;
        if (piece_live(k, slot, p))
            k.observe(Observation::VMEMMAP_FREED_IN_USE, func, slot_first_pfn(k.m, slot), k.m.pt.first_leaf + slot);
        k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] | bit);
    }
}

flag pte_table_empty(Kernel& k, unsigned slot) {
    const u32 all = (1u << k.m.pt.nr_pieces[slot]) - 1;
    return (k.s.pt.unused[slot] & all) == all;
}

}  // namespace pt

// memmap_init_range() and friends write the struct pages of [pfn, pfn + nr_pages): the
// pieces they touch are no longer all PAGE_UNUSED.
void pt_struct_pages_written(Kernel& k, pfn_t pfn, u64 nr_pages) {
    const u64 a = pt::vmemmap_addr(k.m, pfn), b = pt::vmemmap_addr(k.m, pfn + nr_pages);
    for (u64 addr = a; addr < b;) {
        const u64 leaf_end = addr - addr % pt::leaf_bytes(k.m) + pt::leaf_bytes(k.m);
        const u64 chunk_end = b < leaf_end ? b : leaf_end;
        const unsigned slot = pt::slot_of(k.m, addr);
        if (slot < MAX_PT_SLOTS && k.s.pt.entry[slot] == PT_LEAF)
            for (unsigned p = 0; p < k.m.pt.nr_pieces[slot]; ++p)
                if (pt::piece_start(k.m, slot, p) < chunk_end && addr < pt::piece_end(k.m, slot, p))
                    k.s.pt.unused[slot] = static_cast<u16>(k.s.pt.unused[slot] & ~(1u << p));
        addr = chunk_end;
    }
}

// The architecture's vmemmap_populate() for the struct pages of [pfn, pfn + nr_pages)
// (__populate_section_memmap()), chosen by the machine's preset.
int vmemmap_populate(Kernel& k, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap) {
    switch (k.m.pt.arch) {
        case PtArch::X86_64: return x86::vmemmap_populate(k, pfn, nr_pages, nid, altmap);
        case PtArch::ARM64: return arm64::vmemmap_populate(k, pfn, nr_pages, nid, altmap);
        case PtArch::PPC64: return ppc64::vmemmap_populate(k, pfn, nr_pages, nid, altmap);
    }
    return 0;
}

void vmemmap_free(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    switch (k.m.pt.arch) {
        case PtArch::X86_64: x86::vmemmap_free(k, pfn, nr_pages, altmap); break;
        case PtArch::ARM64: arm64::vmemmap_free(k, pfn, nr_pages, altmap); break;
        case PtArch::PPC64: ppc64::vmemmap_free(k, pfn, nr_pages, altmap); break;
    }
}

}  // namespace hp::HP_DOMAIN::base
