// The linear map (direct map) of hot-added blocks and ZONE_DEVICE ranges and its page tables
// (issue 10 item 2), per architecture, at the level the kernel maps a hot-added range with: a
// unit's leaves (one bit: arch_add_memory()/arch_remove_memory() take whole blocks, and a
// device range whole) and the table pages holding them (PtLayout::lm_group_*;
// spec/pagetable.cpp says which leaf and table per preset). Only with [kernel] pagetables.
// ZONE_DEVICE: mm/memremap.c (6.1, 6.12) pagemap_range() calls arch_add_memory() for every
// type but MEMORY_DEVICE_PRIVATE (add_pages(): no linear map; not modelled), and
// memunmap_pages() -> pageunmap_range() calls arch_remove_memory() for them: the model's
// [[device]] ranges (pmem, FS_DAX / GENERIC) are mapped and unmapped like a DIMM.
//   x86_64  arch/x86/mm/init_64.c (6.1, 6.12): arch_add_memory() -> init_memory_mapping() ->
//           kernel_physical_mapping_init() -> phys_pud_init() (alloc_low_page() for a none
//           PUD entry) -> phys_pmd_init() (PMD leaves); arch_remove_memory() ->
//           kernel_physical_mapping_remove() -> remove_pagetable(start, end, true, NULL) ->
//           remove_pud_table() -> remove_pmd_table() (pmd_clear()) + free_pmd_table().
//           add_pages() failing leaves the mapping (no undo).
//   arm64   arch/arm64/mm/mmu.c (6.1, 6.12): arch_add_memory() -> __create_pgd_mapping()
//           (NO_BLOCK_MAPPINGS if can_set_direct_map()); __remove_pgd_mapping() ->
//           unmap_hotplug_range(start, end, false, NULL) + free_empty_tables(start, end,
//           PAGE_OFFSET, PAGE_END); also on __add_pages() failure.
//   ppc64   arch/powerpc/mm/mem.c arch_add_memory() -> arch_create_linear_mapping() ->
//           radix__create_section_mapping() -> create_physical_mapping(); removal
//           arch_remove_linear_mapping() -> radix__remove_section_mapping() ->
//           remove_pagetable() -> remove_pmd_table() + free_pmd_table(); also on
//           __add_pages() failure (radix_pgtable.c, 6.1).
#include "spec/ops/pagetables.hpp"

namespace hp::HP_DOMAIN::base {

namespace pt {

namespace {
bool is_device(unsigned u) { return u >= LM_DEVICE_UNIT; }
std::uint32_t unit_groups(const Kernel& k, unsigned u) {
    return is_device(u) ? k.m.pt.lm_dev_groups[u - LM_DEVICE_UNIT] : k.m.pt.lm_block_groups[u];
}
bool unit_mapped(const Kernel& k, unsigned u) {
    return is_device(u) ? ((k.s.pt.dev_linear_mapped >> (u - LM_DEVICE_UNIT)) & 1) != 0
                        : ((k.s.pt.linear_mapped >> u) & 1) != 0;
}
bool lm_group_of_unit(const Kernel& k, unsigned u, unsigned gi, unsigned level) {
    return ((unit_groups(k, u) >> gi) & 1u) && k.m.pt.lm_group_level[gi] == level;
}
// The first unit of `blocks` / `devices` that is mapped (all = any of them), or -1.
int first_unit(const Kernel& k, std::uint32_t blocks, std::uint8_t devices, bool all) {
    for (unsigned b = 0; b < k.m.blocks.size(); ++b)
        if (((blocks >> b) & 1u) && (all || unit_mapped(k, b))) return static_cast<int>(b);
    for (unsigned d = 0; d < k.m.devices.size(); ++d)
        if (((devices >> d) & 1u) && (all || unit_mapped(k, LM_DEVICE_UNIT + d))) return static_cast<int>(LM_DEVICE_UNIT + d);
    return -1;
}
}  // namespace

pfn_t lm_unit_pfn(const Kernel& k, unsigned u) {
    return is_device(u) ? k.m.devices[u - LM_DEVICE_UNIT].base_pfn : k.m.blocks[u].start_pfn;
}

// A group's tables hold something: a level-0 table a mapped unit's leaves, a level-1 table an
// allocated level-0 table (or a mapped unit's leaves under it, or its PUD leaves). The first
// such unit, or -1.
int lm_group_user(Kernel& k, unsigned gi) {
    const PtLayout& l = k.m.pt;
    if (const int u = first_unit(k, l.lm_group_blocks[gi], l.lm_group_devices[gi], false); u >= 0) return u;
    if (l.lm_group_level[gi] == 0) return -1;
    for (unsigned g0 = 0; g0 < l.lm_nr_groups; ++g0) {
        if (l.lm_group_level[g0] != 0 || !((k.s.pt.lm_tables >> g0) & 1)) continue;
        const std::uint32_t blocks = l.lm_group_blocks[g0] & l.lm_group_blocks[gi];
        const std::uint8_t devices = static_cast<std::uint8_t>(l.lm_group_devices[g0] & l.lm_group_devices[gi]);
        if (const int u = first_unit(k, blocks, devices, true); u >= 0) return u;
    }
    return -1;
}

void lm_map_unit(Kernel& k, unsigned u, const char* alloc_upper, const char* alloc_table) {
    // The walk allocates top-down: the level-1 table, then the level-0 table under it.
    for (unsigned level = 2; level-- > 0;)
        for (unsigned gi = 0; gi < k.m.pt.lm_nr_groups; ++gi) {
            if (!lm_group_of_unit(k, u, gi, level) || ((k.s.pt.lm_tables >> gi) & 1)) continue;
            KCALL(k, level ? alloc_upper : alloc_table);
            k.s.pt.lm_tables |= 1u << gi;
        }
    if (is_device(u)) k.s.pt.dev_linear_mapped = static_cast<u8>(k.s.pt.dev_linear_mapped | (1u << (u - LM_DEVICE_UNIT)));
    else k.s.pt.linear_mapped |= 1u << u;
}

void lm_unmap_unit(Kernel& k, unsigned u) {
    if (is_device(u)) k.s.pt.dev_linear_mapped = static_cast<u8>(k.s.pt.dev_linear_mapped & ~(1u << (u - LM_DEVICE_UNIT)));
    else k.s.pt.linear_mapped &= ~(1u << u);
}

void lm_free_table(Kernel& k, unsigned gi, const char* func) {
    const int user = lm_group_user(k, gi);
    if (user >= 0) k.observe(Observation::LINEAR_MAP_TABLE_FREED_IN_USE, func, lm_unit_pfn(k, static_cast<unsigned>(user)), gi);
    KCALL(k, func);
    k.s.pt.lm_tables &= ~(1u << gi);
}

void lm_free_empty_tables(Kernel& k, unsigned u, const char* free_table, const char* free_upper) {
    for (unsigned level = 0; level < 2; ++level) {
        const char* func = level ? free_upper : free_table;
        if (!func) continue;  // this level is never freed
        for (unsigned gi = 0; gi < k.m.pt.lm_nr_groups; ++gi) {
            if (!lm_group_of_unit(k, u, gi, level) || k.m.pt.lm_group_boot[gi] || !((k.s.pt.lm_tables >> gi) & 1))
                continue;
            // "for (i = 0; i < PTRS_PER_PMD; i++) if (!pmd_none(*pmd)) return;"
            if (lm_group_user(k, gi) < 0) lm_free_table(k, gi, func);
        }
    }
}

bool lm_units_of_range(const Kernel& k, const pfn_t& start, const u64& nr_pages, unsigned& first, unsigned& count) {
    if (blocks_of_range(k.m, start, nr_pages, first, count)) return true;
    for (unsigned d = 0; d < k.m.devices.size(); ++d)
        if (start == k.m.devices[d].base_pfn && nr_pages == k.m.devices[d].nr_pages) {
            first = LM_DEVICE_UNIT + d;
            count = 1;
            return true;
        }
    return false;
}

}  // namespace pt

namespace {
bool lm_blocks(Kernel& k, const pfn_t& start, const u64& nr_pages, unsigned& first, unsigned& count) {
    return pt::lm_units_of_range(k, start, nr_pages, first, count);
}
bool pte_leaves(const Kernel& k) { return k.m.pt.lm_leaf_level[1] == 'T'; }  // "PTE"
bool pud_leaves(const Kernel& k, unsigned u) {
    return u >= pt::LM_DEVICE_UNIT ? ((k.m.pt.lm_pud_devices >> (u - pt::LM_DEVICE_UNIT)) & 1) != 0
                                   : ((k.m.pt.lm_pud_blocks >> u) & 1) != 0;
}
}  // namespace

namespace x86 {
void init_memory_mapping(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "init_memory_mapping");
    KCALL(k, "kernel_physical_mapping_init");
    unsigned first = 0, count = 0;
    if (!lm_blocks(k, start, nr_pages, first, count)) return;
    // phys_p4d_init() / phys_pud_init(): a none P4D / PUD entry gets a PUD / PMD table from
    // alloc_low_page(); phys_pmd_init() sets the 2 MiB leaves. With direct_gbpages,
    // phys_pud_init() sets a 1 GiB PUD leaf for each GiB split_mem_range() found aligned in
    // the range, and allocates no PMD table there.
    for (unsigned u = first; u < first + count; ++u) {
        if (pud_leaves(k, u)) k.say("phys_pud_init(): 1 GiB PUD leaves (direct_gbpages)");
        pt::lm_map_unit(k, u, "alloc_low_page (PUD table)", "alloc_low_page (PMD table)");
    }
}

// remove_pagetable(start, end, direct = true, NULL) -> remove_p4d_table() -> remove_pud_table():
// a PUD leaf whose GiB the range covers is pud_clear()ed ("pud_large(*pud) &&
// IS_ALIGNED(addr, PUD_SIZE) && IS_ALIGNED(next, PUD_SIZE)"); any other present entry is
// taken as a PMD table: remove_pmd_table() pmd_clear()s the 2 MiB leaves the range covers
// whole, then free_pmd_table() frees the table if every entry is none. A range that covered
// a PUD leaf only in part would have the leaf's memory read as a PMD table; add and remove
// ranges are the same (a DIMM, a big block, a device range), so it does not happen here.
// remove_pmd_table() leaves a partly covered PMD leaf in place unless the range's bytes read
// as PAGE_UNUSED (vmemmap_pmd_is_unused(), meant for the vmemmap); every hot-added range is
// 2 MiB aligned, so no PMD leaf is partly covered either.
void kernel_physical_mapping_remove(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "kernel_physical_mapping_remove");
    KCALL(k, "remove_pagetable");
    unsigned first = 0, count = 0;
    if (!lm_blocks(k, start, nr_pages, first, count)) return;
    bool any_pud = false;
    for (unsigned u = first; u < first + count; ++u) any_pud = any_pud || pud_leaves(k, u);
    if (any_pud) KCALL(k, "remove_pud_table");  // pud_clear() of the PUD leaves (direct_gbpages only)
    KCALL(k, "remove_pmd_table");
    for (unsigned u = first; u < first + count; ++u) pt::lm_unmap_unit(k, u);  // pud_clear() / pmd_clear(), direct: no free
    // remove_pud_table(): free_pmd_table() after each PUD entry's remove_pmd_table() (4-level
    // paging never frees the PUD table: free_pud_table() only with pgtable_l5_enabled()).
    for (unsigned u = first; u < first + count; ++u) pt::lm_free_empty_tables(k, u, "free_pmd_table", nullptr);
}
}  // namespace x86

namespace arm64 {
void create_pgd_mapping(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "__create_pgd_mapping");
    if (k.m.params.rodata_full) k.say("can_set_direct_map(): NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS");
    unsigned first = 0, count = 0;
    if (!lm_blocks(k, start, nr_pages, first, count)) return;
    // alloc_init_pud() -> alloc_init_cont_pmd() -> init_pmd() (pmd_set_huge()) or
    // alloc_init_cont_pte() -> init_pte(); tables from __pgd_pgtable_alloc().
    for (unsigned u = first; u < first + count; ++u) pt::lm_map_unit(k, u, "__pgd_pgtable_alloc", "__pgd_pgtable_alloc");
}

void remove_pgd_mapping(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "__remove_pgd_mapping");
    unsigned first = 0, count = 0;
    if (!lm_blocks(k, start, nr_pages, first, count)) return;
    // unmap_hotplug_range(start, end, free_mapped = false, NULL): the leaves are cleared, the
    // linear map's pages are the memory itself and are not freed.
    KCALL(k, pte_leaves(k) ? "unmap_hotplug_pte_range" : "unmap_hotplug_pmd_range");
    for (unsigned u = first; u < first + count; ++u) pt::lm_unmap_unit(k, u);
    // free_empty_tables(start, end, PAGE_OFFSET, PAGE_END): the linear map owns the whole
    // [floor, ceiling) its tables span, so every empty one goes.
    KCALL(k, "free_empty_tables");
    for (unsigned u = first; u < first + count; ++u)
        pt::lm_free_empty_tables(k, u, pte_leaves(k) ? "free_empty_pte_table" : "free_empty_pmd_table",
                                 pte_leaves(k) ? "free_empty_pmd_table" : "free_empty_pud_table");
}
}  // namespace arm64

namespace ppc64 {
void create_section_mapping(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "arch_create_linear_mapping");
    KCALL(k, "radix__create_section_mapping");
    KCALL(k, "create_physical_mapping");
    unsigned first = 0, count = 0;
    if (!lm_blocks(k, start, nr_pages, first, count)) return;
    // radix__map_kernel_page(): pud_alloc() / pmd_alloc() after boot; 2 MiB leaves
    // (a mapping is at most the memory block size since af9d00e93a4f).
    for (unsigned u = first; u < first + count; ++u) pt::lm_map_unit(k, u, "pud_alloc", "pmd_alloc");
}

void remove_section_mapping(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "arch_remove_linear_mapping");
    KCALL(k, "radix__remove_section_mapping");
    KCALL(k, "remove_pagetable");
    unsigned first = 0, count = 0;
    if (!lm_blocks(k, start, nr_pages, first, count)) return;
    KCALL(k, "remove_pmd_table");
    for (unsigned u = first; u < first + count; ++u) pt::lm_unmap_unit(k, u);
    // remove_pud_table(): free_pmd_table() after each PUD entry; remove_pagetable():
    // free_pud_table() after each P4D entry (9ce8853b4a73, 5.9).
    for (unsigned u = first; u < first + count; ++u) pt::lm_free_empty_tables(k, u, "free_pmd_table", "free_pud_table");
}
}  // namespace ppc64

// arch_add_memory() maps before __add_pages(), arch_remove_memory() unmaps after
// __remove_pages() (spec/ops/add.cpp, spec/ops/remove.cpp); the architecture's code by preset.
void linear_map(Kernel& k, pfn_t start, u64 nr_pages, bool map) {
    switch (k.m.pt.arch) {
        case PtArch::X86_64:
            if (map) x86::init_memory_mapping(k, start, nr_pages);
            else x86::kernel_physical_mapping_remove(k, start, nr_pages);
            break;
        case PtArch::ARM64:
            if (map) arm64::create_pgd_mapping(k, start, nr_pages);
            else arm64::remove_pgd_mapping(k, start, nr_pages);
            break;
        case PtArch::PPC64:
            if (map) ppc64::create_section_mapping(k, start, nr_pages);
            else ppc64::remove_section_mapping(k, start, nr_pages);
            break;
    }
}

}  // namespace hp::HP_DOMAIN::base
