// The static description of one machine: geometry, nodes, boot memory, DIMM slots and
// kernel parameters. Nothing here changes while the explorer runs; KernelState holds
// everything that does.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "spec/geometry.hpp"
#include "spec/names.hpp"
#include "spec/pagetable_layout.hpp"

namespace hp {
inline constexpr int MAX_NODES = 4;
inline constexpr int MAX_DIMMS = 8;
inline constexpr int MAX_BLOCKS = 32;            // hot-pluggable memory blocks over all DIMMs
inline constexpr int MAX_SECTIONS_PER_BLOCK = 16;
// Subsection hot-add (spec/ops/subsection.cpp): ZONE_DEVICE ranges and the sections they touch.
inline constexpr int MAX_DEVICES = 4;
inline constexpr int MAX_DEV_SECTIONS = 8;
inline constexpr unsigned MAX_SUBSECTIONS_PER_SECTION = 64;  // subsection_map is one u64 in the model
}  // namespace hp

namespace hp::HP_DOMAIN {

// Boot memory of one zone of one node: early sections, online since boot.
// `present`/`managed` are what /proc/zoneinfo reported at boot (holes and reserved
// memory make them smaller than the span); the model only adds hot-plugged pages to them.
struct BootZone {
    int node = 0;
    ZoneIdx zone = ZONE_NORMAL;
    pfn_t start_pfn = 0;
    pfn_t end_pfn = 0;       // exclusive; the boot memory is [start_pfn, end_pfn)
    u64 present = 0;
    u64 managed = 0;
    // Span only: the zone spans [start_pfn, end_pfn) but none of its pages are there; another
    // zone's piece holds them. kernelcore=mirror makes ZONE_NORMAL and ZONE_MOVABLE overlap
    // (adjust_zone_range_for_zone_movable() does not cut ZONE_NORMAL at zone_movable_pfn, and
    // zone_absent_pages_in_node() counts the non-mirrored pages as absent from it), so such a
    // piece carries ZONE_NORMAL's span over ZONE_MOVABLE's memory (spec/boot.cpp).
    bool span_only = false;
};

// A DIMM slot (ACPI memory device, QEMU pc-dimm): one static memory group.
struct Dimm {
    std::string name;
    int node = 0;
    pfn_t base_pfn = 0;
    unsigned nr_blocks = 1;
    // Cold-plugged (present at boot; [[memblock.coldplug]], spec/boot.hpp): memory SRAT marks
    // hot pluggable, in memblock.memory, so the kernel initializes and onlines it at boot in
    // `boot_zone` (ZONE_MOVABLE when find_zone_movable_pfns_for_nodes() put it there). The
    // ACPI memory device still exists: acpi_memory_device_add() at boot finds the range in use
    // (add_memory() -EEXIST, info->enabled set), so the DIMM can be ejected like a hot-plugged one.
    bool coldplug = false;
    ZoneIdx boot_zone = ZONE_MOVABLE;
    // Memory blocks (bit i = i-th block of the DIMM) holding an early memblock allocation:
    // PG_reserved pages that has_unmovable_pages() refuses in every zone, so offline_pages()
    // fails with -EBUSY for ever. `pinned_by` says which allocation (for the report).
    std::uint32_t pinned = 0;
    std::string pinned_by;
    // A big block of a virtio-mem device (Machine::virtio_mems[virtio_mem], its bb_index-th big
    // block) rather than an ACPI memory device: plugged and added by the virtio-mem driver
    // (spec/ops/virtio_mem.cpp), never by add/eject. -1: an ACPI DIMM.
    int virtio_mem = -1;
    unsigned bb_index = 0;
    // The memory group (index into KernelState::groups) of the DIMM's blocks: the DIMM itself
    // for an ACPI DIMM (static group), the device's first big block for virtio-mem (one
    // dynamic group per device). Set by finalize().
    unsigned group = 0;
    // Boot RAM, not a DIMM (`boot_blocks = [...]`, spec/boot.hpp carve_boot_blocks()): one memory
    // block of boot memory that takes part in the sysfs operations. memory_dev_init() registers
    // it online at boot with no memory group (mem->group NULL); there is no ACPI device, so it is
    // never added, ejected or removed. Also `coldplug` (online at boot in `boot_zone`).
    bool boot_ram = false;
};

// A virtio-mem device (virtio-mem-pci, drivers/virtio/virtio_mem.c). virtio_mem_init_hotplug()
// (6.1 and 6.12): Big Block Mode when max(device_block_size, pageblock) >=
// memory_block_size_bytes() or force_bbm, bb_size = max(device_block_size,
// memory_block_size_bytes()); otherwise Sub Block Mode, sb_size = max(device_block_size,
// pageblock), whole memory blocks added one at a time. One dynamic memory group with
// unit_pages = PHYS_PFN(bb_size) (BBM) or a memory block (SBM) (memory_group_register_dynamic()).
// Its big blocks (SBM: memory blocks) are Machine::dimms entries (Dimm::virtio_mem), added by
// add_virtio_mem(); requested-size changes are the actions vmem_plug / vmem_unplug (one big
// block, SBM: one sub-block, per step).
struct VirtioMem {
    std::string name;             // the QEMU device id (virtio-mem-pci,id=...)
    int node = 0;                 // the device's node property (vm->nid)
    pfn_t base_pfn = 0;           // vm->addr; a multiple of bb_pages
    u64 region_pages = 0;         // vm->region_size
    u64 device_block_pages = 0;   // vm->device_block_size (QEMU block-size)
    bool force_bbm = false;       // virtio_mem.force_bbm=1
    u64 bb_pages = 0;             // vm->bbm.bb_size in pages (= unit_pages of its group); SBM: the memory block
    bool sbm = false;             // vm->in_sbm
    u64 sb_pages = 0;             // vm->sbm.sb_size in pages (SBM)
    unsigned sbs_per_mb = 0;      // vm->sbm.sbs_per_mb (SBM)
    unsigned first_dimm = 0;      // its big blocks are dimms [first_dimm, first_dimm + nr_bbs)
    unsigned nr_bbs = 0;
};

// mem->group of a boot memory block: none (group_of_block()).
inline constexpr unsigned NO_GROUP = ~0u;

// A ZONE_DEVICE range (a pmem namespace: nd_pfn / dax_pmem -> devm_memremap_pages(),
// one dev_pagemap with one range). Any subsection-aligned size; it may share sections with
// boot System RAM (early sections) or with another device ("mixed sections").
struct Device {
    std::string name;
    int node = 0;
    pfn_t base_pfn = 0;
    u64 nr_pages = 0;          // a multiple of PAGES_PER_SUBSECTION
    bool altmap = false;       // pgmap->altmap: the memmap lives at the start of the range
    u64 altmap_reserve = 0;    // vmem_altmap.reserve: pfns before the memmap (nd_pfn info block)
    u64 altmap_free = 0;       // vmem_altmap.free: pfns set aside for the memmap
    // pfn_first(): the first pfn memmap_init_zone_device() initializes
    pfn_t pfn_first() const { return base_pfn + (altmap ? altmap_reserve + altmap_free : 0); }
};

// A section some device range touches (mem_section of the device paths).
struct DevSectionInfo {
    pfn_t start_pfn = 0;
    bool early = false;        // SECTION_IS_EARLY: it also holds boot memory
    u64 boot_map = 0;          // subsections holding boot memory (subsection_map_init())
};

// Kernel command line and sysfs knobs (docs/kernel-reference.md §2.1).
struct KernelParams {
    MemmapMode memmap_on_memory = MemmapMode::DISABLE;  // memory_hotplug.memmap_on_memory
    bool movable_node = false;                          // movable_node
    OnlineType default_online_type = MMOP_OFFLINE;      // memhp_default_state / auto_online_blocks
    // memory_hotplug.online_policy and the auto-movable knobs (5.15, e83a437faa62
    // "mm/memory_hotplug: introduce "auto-movable" online policy"); spec/ops/auto_movable.cpp.
    OnlinePolicy online_policy = OnlinePolicy::CONTIG_ZONES;
    unsigned auto_movable_ratio = 301;                  // memory_hotplug.auto_movable_ratio (percent)
    bool auto_movable_numa_aware = true;                // memory_hotplug.auto_movable_numa_aware
    // arm64: the vmalloc and vmemmap ranges share an intermediate kernel page table (seed
    // 002, V7's `vmalloc_vmemmap_overlap`). Only the threaded model reads the page tables.
    bool vmalloc_vmemmap_overlap = false;
    // Kernel page tables of the vmemmap and the linear map as state (spec/pagetable.hpp);
    // off: the model of every scenario before them (no page-table fields, same states).
    bool pagetables = false;
    // hugetlb_free_vmemmap=on / vm.hugetlb_optimize_vmemmap (HVO, mm/hugetlb_vmemmap.c);
    // needs pagetables (x86_64 only).
    bool hugetlb_optimize_vmemmap = false;
    // arm64 can_set_direct_map() (rodata_full, CONFIG_RODATA_FULL_DEFAULT_ENABLED=y by
    // Kconfig default): arch_add_memory() maps the linear map with NO_BLOCK_MAPPINGS, in base
    // pages. Only read with pagetables on arm64 presets.
    bool rodata_full = true;
    // x86 direct_gbpages (CONFIG_X86_DIRECT_GBPAGES=y, `gbpages`/`nogbpages`; kept only when the
    // CPU has X86_FEATURE_GBPAGES, probe_page_size_mask(), arch/x86/mm/init.c 6.1/6.12): the
    // linear map uses 1 GiB PUD leaves for the 1 GiB-aligned GiBs of a range. Default off:
    // the x86 presets are checked against QEMU's default CPU (qemu64), which has no pdpe1gb.
    // Only read with pagetables on x86_64 presets.
    bool direct_gbpages = false;
    // CONFIG_SPARSEMEM_VMEMMAP. Off (classic SPARSEMEM): every section's memmap is one
    // kvmalloc_node() allocation (__populate_section_memmap()), hotplug works in whole
    // sections (check_pfn_span()), pfn_section_valid() is 1 without reading ms->usage, and
    // CONFIG_MHP_MEMMAP_ON_MEMORY and CONFIG_ZONE_DEVICE do not exist (mm/Kconfig, 6.1).
    bool sparsemem_vmemmap = true;
};

// One hot-pluggable memory block, precomputed from the DIMM table.
struct BlockInfo {
    pfn_t start_pfn = 0;
    unsigned dimm = 0;
    unsigned index_in_dimm = 0;
    int nid = 0;
    std::uint64_t memory_block_id = 0;   // /sys/devices/system/memory/memoryN
};

struct Machine {
    Geometry geo;
    int nr_nodes = 1;
    std::vector<int> cpus_per_node;      // present CPUs per node (try_offline_node)
    std::vector<BootZone> boot;          // sorted by start_pfn, disjoint
    std::vector<Dimm> dimms;             // disjoint, block aligned
    KernelParams params;

    // Derived by finalize(): one entry per hot-pluggable block, in pfn order within each DIMM.
    std::vector<BlockInfo> blocks;
    std::vector<unsigned> dimm_first_block;  // index into blocks
    std::vector<pfn_t> dimm_end_pfn;         // base_pfn + nr_blocks blocks: computed once, not per lookup
    pfn_t hotplug_base = 0;                  // lowest DIMM pfn
    std::vector<int> block_index;            // (pfn - hotplug_base) / block -> block or -1
    // log2 of the block and section sizes in pages when they are powers of two (always, on
    // the architectures modelled), else 0: the hot pfn lookups shift instead of dividing.
    // Concrete build only; the symbolic one divides.
    unsigned block_shift = 0, section_shift = 0;
    PtLayout pt;                             // kernel page tables (params.pagetables; spec/pagetable.cpp)
    std::vector<Device> devices;             // ZONE_DEVICE ranges ([[device]]), disjoint from RAM and DIMMs
    // Memory block ids (memoryN) of boot RAM that the explorer offlines and onlines
    // (`boot_blocks`): carved out of `boot` into Dimm::boot_ram entries after the boot layout.
    std::vector<std::uint64_t> boot_block_ids;
    std::vector<DevSectionInfo> dev_sections;  // derived by finalize(), in pfn order
    std::vector<VirtioMem> virtio_mems;      // [[virtio_mem]]: their big blocks are in `dimms`

    // Appends virtio-mem device `vm` and one Dimm per big block (SBM: memory block) of its region.
    // "" on success, else why the device cannot be modelled (alignment, more than 64 sub-blocks).
    std::string add_virtio_mem(VirtioMem vm);
    // The memory group of a block: its DIMM's static group or its device's dynamic group.
    unsigned group_of(unsigned b) const { return dimms[blocks[b].dimm].group; }
    bool group_is_dynamic(unsigned g) const { return dimms[g].virtio_mem >= 0; }
    // The Sub Block Mode device block b belongs to, or nullptr.
    const VirtioMem* sbm_device_of(unsigned b) const {
        const int v = dimms[blocks[b].dimm].virtio_mem;
        return v >= 0 && virtio_mems[v].sbm ? &virtio_mems[v] : nullptr;
    }
    bool has_sbm() const {
        for (const VirtioMem& v : virtio_mems)
            if (v.sbm) return true;
        return false;
    }

    void finalize();
    pfn_t block_end_pfn(unsigned b) const { return blocks[b].start_pfn + geo.pages_per_block; }
    // Index of the hot-pluggable block containing pfn, or -1.
    int block_of_pfn(pfn_t pfn) const;
    // Index into dev_sections of the section holding pfn, or -1 (no device touches it).
    int dev_section_of_pfn(pfn_t pfn) const;
    // Subsection bits of [pfn, pfn + nr_pages) inside its section (subsection_mask_set()).
    u64 subsection_mask(pfn_t pfn, u64 nr_pages) const;
    // Block b holds an early memblock allocation (Dimm::pinned).
    bool block_pinned(unsigned b) const { return dimms[blocks[b].dimm].pinned >> blocks[b].index_in_dimm & 1u; }
    bool has_coldplug() const {
        for (const Dimm& d : dimms)
            if (d.coldplug) return true;
        return false;
    }
    // Boot zone containing pfn, or nullptr.
    const BootZone* boot_zone_of_pfn(pfn_t pfn) const;
    // Boot present/managed pages of a zone (present_early_pages), 0 if it has no boot memory.
    u64 boot_present(int node, unsigned zone) const;
    u64 boot_managed(int node, unsigned zone) const;
};

}  // namespace hp::HP_DOMAIN
