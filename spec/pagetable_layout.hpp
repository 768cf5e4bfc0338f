// The static layout of the kernel page tables the model keeps for one machine (see
// spec/pagetable.hpp for what is modelled and why).
#pragma once
#include <cstdint>
#include <string>

namespace hp {
inline constexpr int MAX_PT_SLOTS = 32;    // vmemmap leaves describing hot-pluggable memory
inline constexpr int MAX_PT_TABLES = 32;   // page-table pages holding those leaves' entries
inline constexpr int MAX_PT_PIECES = 16;   // sections whose struct pages share one leaf (x86)

enum class PtArch : std::uint8_t { X86_64, ARM64, PPC64 };

// What a slot's entry is (pmd_none / pmd_large / a PTE table after a split).
enum PtEntry : std::uint8_t {
    PT_NONE = 0,   // pmd_none(): not mapped
    PT_LEAF = 1,   // mapped by one leaf entry (x86 PMD_SIZE page, arm64 block or page, ppc64 vmemmap page)
    PT_SPLIT = 2,  // x86: PMD split into a PTE table (hugetlb_vmemmap's split_vmemmap_huge_pmd())
};
inline constexpr std::uint8_t PT_BACKING_BUDDY = 0xfe;  // vmemmap_alloc_block(): node memory
inline constexpr std::uint8_t PT_BACKING_BOOT = 0xfd;   // memblock at boot (PageReserved)
inline constexpr std::uint8_t PT_BACKING_DEVICE = 0xf0;  // + d: the altmap of ZONE_DEVICE range d (pgmap->altmap)
// any other value b < PT_BACKING_DEVICE: the altmap of hot-pluggable block b (memmap_on_memory)

// HVO state of the one 2 MiB hugetlb page a block can hold (the first pageblock-aligned
// 2 MiB after its vmemmap pages).
enum HugetlbState : std::uint8_t {
    HUGETLB_NONE = 0,
    HUGETLB_ALLOCATED = 1,  // in the pool, struct pages as they were
    HUGETLB_OPTIMIZED = 2,  // HPageVmemmapOptimized: 7 tail vmemmap pages remapped to the head one and freed
};

// Precomputed, concrete description of the slots and tables of one machine (Machine::pt).
struct PtLayout {
    bool enabled = false;
    PtArch arch = PtArch::X86_64;
    std::uint64_t leaf_bytes = 0;        // bytes of struct pages one leaf maps
    std::uint64_t first_leaf = 0;        // leaf index (vmemmap offset / leaf_bytes) of slot 0
    unsigned nr_slots = 0;
    std::uint64_t entries_per_table = 0;  // leaves per table page
    std::uint64_t first_table = 0;        // table index of table 0
    unsigned nr_tables = 0;
    // Per slot: the first section (absolute section number) whose struct pages are in the
    // leaf, the number of pieces, and per piece: -1 hole, -2 boot memory, -3 - d device d,
    // else block * 16 + section-in-block. A piece is one section's part of the leaf, except
    // in a section a device touches that holds no boot memory: there a piece is a run of
    // subsections with one owner (a device, or a hole), since sub-section hot-add populates
    // and frees them separately. [piece_lo, piece_hi): the pfns whose struct pages it holds,
    // clipped to the leaf.
    std::uint64_t first_section[MAX_PT_SLOTS] = {};
    unsigned nr_pieces[MAX_PT_SLOTS] = {};
    int piece_owner[MAX_PT_SLOTS][MAX_PT_PIECES] = {};
    std::uint64_t piece_lo[MAX_PT_SLOTS][MAX_PT_PIECES] = {};
    std::uint64_t piece_hi[MAX_PT_SLOTS][MAX_PT_PIECES] = {};
    bool slot_boot[MAX_PT_SLOTS] = {};    // boot memory's struct pages are in this leaf: mapped for ever
    bool table_boot[MAX_PT_TABLES] = {};  // the table also maps boot memory's vmemmap: never empty

    // The linear map (direct map) of hot-pluggable blocks (spec/ops/pagetables_linear.cpp).
    // A block's leaves are mapped and unmapped together (arch_add_memory() and
    // arch_remove_memory() take whole blocks), so the state keeps one bit per block
    // (PageTableState::linear_mapped) and one per *linear-map table group*: the page-table
    // pages holding the leaves' entries, grouped when they change together (all of a
    // block's own tables, or one table shared by several blocks).
    // Two table levels: 0 holds the leaves, 1 is the table above (the one whose entries
    // point at level-0 tables).
    std::uint64_t lm_leaf_bytes = 0;     // what one leaf entry maps (x86/ppc64 PMD 2 MiB; arm64 block or page)
    std::uint64_t lm_table_bytes = 0;    // what one level-0 table page maps (entries * lm_leaf_bytes)
    std::uint64_t lm_upper_bytes = 0;    // what one level-1 table page maps; 0: not modelled (arm64 64K blocks: the PGD)
    const char* lm_leaf_level = "PMD";   // "PMD" (a block/huge leaf) or "PTE" (base pages)
    const char* lm_upper_level = "PUD";  // the level-1 table's name ("PUD", or "PMD" above PTE tables)
    bool lm_upper_kept = false;          // x86 4-level paging: free_pud_table() never runs, the table stays
    unsigned lm_nr_groups = 0;
    std::uint8_t lm_group_level[MAX_PT_TABLES] = {};     // 0 or 1
    std::uint32_t lm_group_blocks[MAX_PT_TABLES] = {};  // blocks with leaves in the group's tables
    std::uint64_t lm_group_first[MAX_PT_TABLES] = {};   // physical address the group's first table maps
    unsigned lm_group_tables[MAX_PT_TABLES] = {};       // table pages in the group
    bool lm_group_boot[MAX_PT_TABLES] = {};             // a table also maps boot memory: never empty
    std::uint32_t lm_block_groups[32] = {};             // per block: the groups holding its leaves
    // ZONE_DEVICE ranges (pagemap_range() -> arch_add_memory() of pmem, MEMORY_DEVICE_FS_DAX /
    // GENERIC) are mapped like blocks, one bit per device (PageTableState::dev_linear_mapped).
    std::uint8_t lm_group_devices[MAX_PT_TABLES] = {};  // devices with leaves in the group's tables
    std::uint32_t lm_dev_groups[4] = {};                // per device (MAX_DEVICES): the groups holding its leaves
    // x86 direct_gbpages: the 1 GiB-aligned GiBs wholly inside one add_memory() range (a DIMM,
    // a virtio-mem big block, a device range) are one PUD leaf each, in the PUD table, with no
    // PMD table under them (split_mem_range(), phys_pud_init()).
    bool lm_gbpages = false;
    std::uint32_t lm_pud_blocks = 0;  // blocks mapped by 1 GiB PUD leaves
    std::uint8_t lm_pud_devices = 0;  // devices with at least one 1 GiB PUD leaf
};
inline constexpr int PT_PIECE_HOLE = -1;
inline constexpr int PT_PIECE_BOOT = -2;
inline constexpr int PT_PIECE_DEVICE = -3;  // device d's piece: PT_PIECE_DEVICE - d
inline constexpr int pt_piece_device(int owner) { return owner <= PT_PIECE_DEVICE ? PT_PIECE_DEVICE - owner : -1; }

}  // namespace hp
