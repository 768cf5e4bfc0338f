// The boot-time memory layout (seed 003, docs/kernel-reference.md §3.7): memblock regions
// with the SRAT hotpluggable flag, the early allocations the kernel makes before and after
// SRAT is parsed, and find_zone_movable_pfns_for_nodes() for movable_node / kernelcore= /
// movablecore=. A pure computation on a static description: it decides which pfns hold
// memory the kernel can never give back, and where each node's boot ZONE_MOVABLE starts.
//
// Kernel: x86 setup_arch() (arch/x86/kernel/setup.c) switches memblock bottom-up when
// movable_node is set; x86_numa_init()/numa_init() parse SRAT, mark hotpluggable regions
// (memblock_mark_hotplug) and switch back to top-down (arch/x86/mm/numa.c); from then on
// memblock's should_skip_region() skips hotpluggable regions under movable_node
// (mm/memblock.c). Read in 6.1.192 and 6.12.117. Bottom-up allocation and the movable_node
// switch come from the 3.13 series of Tang Chen / Zhang Yanfei (seed 003: 79442ed189ac
// "mm/memblock.c: introduce bottom-up allocation mode" and the x86 patches that use it);
// since 5.11 bottom-up starts at the bottom of memory, not at kernel_end ("memblock: do not
// start bottom-up allocations with kernel_end"; both start below any hotpluggable memory
// on the machines modelled here). Concrete only: the scenarios compute it at load time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "spec/machine.hpp"

namespace hp {

struct MemblockRegion {       // one memblock.memory region (e820 RAM split by SRAT)
    int nid = 0;
    std::uint64_t base_pfn = 0, end_pfn = 0;   // [base, end)
    bool hotplug = false;                     // MEMBLOCK_HOTPLUG: SRAT "hot pluggable"
    std::string what;                         // "boot RAM", "cold-plugged DIMM d1", ...
    bool mirror = false;                      // MEMBLOCK_MIRROR: EFI_MEMORY_MORE_RELIABLE (efi_find_mirror())
};

struct EarlyAlloc {
    std::string name;              // "page tables (init_mem_mapping)", "NODE_DATA(1)", ...
    std::uint64_t pages = 0;
    bool before_srat = true;       // made while hotplug flags are still unknown
    int nid = -1;                  // memblock_alloc_try_nid(): this node first; -1 any
    std::uint64_t pfn = 0;         // where it landed (output)
    bool placed = false;           // false: no free range was found (output)
};

struct BootInput {
    std::vector<MemblockRegion> memory;        // sorted by base_pfn, disjoint
    std::uint64_t kernel_start_pfn = 0, kernel_end_pfn = 0;  // the image, reserved by the loader
    std::vector<EarlyAlloc> allocs;            // in the order setup_arch()/mm_init make them
    bool movable_node = false;
    std::uint64_t kernelcore_pages = 0;        // kernelcore=
    std::uint64_t movablecore_pages = 0;       // movablecore=
    // kernelcore=mirror (mirrored_kernelcore): non-mirrored memory above 4 GiB becomes ZONE_MOVABLE,
    // memblock allocates from mirrored memory first. memblock_mark_mirror() marks regions only
    // under it, so `mirror` flags count only when this is set.
    bool kernelcore_mirror = false;
    // Variant::kernelcore_mirror_needs_mirrored_memory (0db31d63f27e, 6.6).
    bool mirror_needs_mirrored_memory = false;
    // setup_arch(): memblock_set_bottom_up(true) under movable_node. false models the
    // kernels before the 3.13 series (always top-down): the known-bad boot variant.
    bool bottom_up_for_movable_node = true;
    std::uint64_t max_order_nr_pages = 1024;   // MAX_ORDER_NR_PAGES (x86_64 4K: order 10)
    std::uint64_t zone_normal_lowest_pfn = 1ull << 20;  // arch_zone_lowest_possible_pfn[ZONE_NORMAL] (4 GiB)
    std::uint64_t zone_dma32_lowest_pfn = 4096;         // ... [ZONE_DMA32] (16 MiB)
    std::uint64_t pfn_4g = 1ull << 20;                  // PHYS_PFN(SZ_4G) (kernelcore=mirror)
};

struct BootResult {
    std::vector<EarlyAlloc> allocs;                 // with pfn/placed filled in
    std::vector<std::uint64_t> zone_movable_pfn;    // per node, 0: no ZONE_MOVABLE
    bool bottom_up_before_srat = false;
    bool mirror_layout = false;   // zone_movable_pfn came from kernelcore=mirror (zones may overlap)
};

// memblock_mark_mirror(): marks [base, end) of memblock.memory MEMBLOCK_MIRROR, splitting the
// regions at its ends (memblock_isolate_range()). Regions stay sorted and disjoint.
void memblock_mark_mirror(BootInput& in, std::uint64_t base_pfn, std::uint64_t end_pfn);

// memblock placement of every early allocation, then find_zone_movable_pfns_for_nodes().
BootResult memblock_boot(const BootInput& in, int nr_nodes);

// The seed-003 invariants on a computed layout; "" when they hold, else the first broken
// one as "invariant: explanation". With movable_node: no early allocation lands in
// hotpluggable memory (it would pin the memory block forever: PageReserved makes
// has_unmovable_pages() fail offline, even in ZONE_MOVABLE), and every hotpluggable
// region is inside its node's ZONE_MOVABLE.
std::string boot_layout_violation(const BootInput& in, const BootResult& r, std::uint64_t pages_per_block);

// kernelcore=mirror's promise (Documentation/admin-guide/kernel-parameters.txt, "kernelcore=mirror":
// kernel memory in mirrored memory, the rest in ZONE_MOVABLE): "" or "boot-mirror: ..." naming an
// early allocation that landed in ZONE_MOVABLE (non-mirrored memory at or above
// zone_movable_pfn: PG_reserved pages that pin their memory block, and kernel memory that is not
// mirrored; memblock printed "Could not allocate ... of mirrored memory" or, before 0db31d63f27e,
// had no mirrored memory to try).
std::string boot_mirror_violation(const BootInput& in, const BootResult& r, std::uint64_t pages_per_block);

// Feeds the layout to the explorer's machine (issue 13): every cold-plugged DIMM
// (Dimm::coldplug, the hotpluggable regions of `in`) gets its boot zone (ZONE_MOVABLE when
// zone_movable_pfn[nid] is at or below its base, else ZONE_NORMAL) and the blocks that early
// allocations landed in (Dimm::pinned, pinned_by) under the given allocation direction
// (Variant::memblock_bottom_up_for_movable_node). "" or an error (a DIMM straddling
// zone_movable_pfn, whose blocks would be in two zones: not modelled).
std::string apply_boot_layout(Machine& m, BootInput in, bool bottom_up_for_movable_node);

// The boot zones once ZONE_MOVABLE is carved out of boot RAM, as free_area_init() sizes them
// (adjust_zone_range_for_zone_movable(), 6.1 mm/page_alloc.c, 6.12 mm/mm_init.c): per node with
// zone_movable_pfn set, the part of every boot zone at or above it becomes ZONE_MOVABLE (no holes
// assumed there: present and managed pages move with it). Cold-plugged DIMMs are not boot zones.
// With kernelcore=mirror (r.mirror_layout) ZONE_NORMAL is not cut: it keeps its span and its
// mirrored pages, ZONE_MOVABLE gets the non-mirrored ones from zone_movable_pfn on (the two
// spans overlap: BootZone::span_only pieces carry ZONE_NORMAL's span over them).
void carve_boot_movable(Machine& m, const BootResult& r, const BootInput& in);

// The boot layout of a scenario under a variant: carves the boot ZONE_MOVABLE out of `boot`
// (the scenario's boot zones before any carving), then the cold-plugged DIMMs' boot zones and
// pinned blocks (apply_boot_layout()). "" or an error as apply_boot_layout().
std::string layout_boot(Machine& m, const std::vector<BootZone>& boot, BootInput in, bool bottom_up_for_movable_node,
                        bool mirror_needs_mirrored_memory);

}  // namespace hp
