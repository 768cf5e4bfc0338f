// memblock placement of the early boot allocations (seed 003), written in the model's value
// domain (spec/domain.hpp) so it is compiled twice like the kernel functions: concretely for
// spec/boot.cpp's memblock_boot() (scenarios, the explorer's pinned blocks) and over Z3 terms
// for `hpcheck prove --boot` (checker/prover/boot_prover.cpp), which proves the placement
// invariant for every memblock layout in stated bounds. One source of truth: memblock_boot()
// places its allocations with memblock_place() and nothing else.
//
// Kernel (6.1.192 / 6.12.117 mm/memblock.c): memblock_find_in_range_node() walks the free
// ranges (memblock.memory minus memblock.reserved, skipping hotpluggable regions under
// movable_node once SRAT has marked them: should_skip_region()) bottom-up
// (__memblock_find_range_bottom_up(): the lowest free range that fits, at its start) or
// top-down (__memblock_find_range_top_down(): the highest that fits, at its end), never
// below PAGE_SIZE; memblock_alloc_range_nid() retries on any node when the node has no room,
// and when memory is mirrored (kernelcore=mirror) asks for mirrored regions first
// (should_skip_region(): MEMBLOCK_MIRROR), then for any ("Could not allocate ... of mirrored
// memory").
// Without sorting: the lowest fitting start is always a region base or a reserved range's
// end, the highest fitting end a region end or a reserved range's start, so the choice is a
// minimum (maximum) over those candidates, computed with select() (one term, no path fork).
#pragma once
#include "spec/domain.hpp"

namespace hp::HP_DOMAIN {

inline constexpr int MB_MAX_REGIONS = 16;
inline constexpr int MB_MAX_ALLOCS = 16;

// c ? a : b without a decision (symbolically one ite term).
#if HP_SYMBOLIC
inline u64 mb_select(const flag& c, const u64& a, const u64& b) { return symbolic::select(c, a, b); }
#else
inline u64 mb_select(flag c, u64 a, u64 b) { return c ? a : b; }
#endif

struct MbRegion {          // a memblock.memory region
    pfn_t base = 0, end = 0;  // [base, end)
    flag hotplug = false;     // MEMBLOCK_HOTPLUG (SRAT "hot pluggable")
    int nid = 0;
    bool mirror = false;      // MEMBLOCK_MIRROR (kernelcore=mirror; concrete in the prover's layouts)
};

struct MbAlloc {           // one early allocation
    u64 pages = 0;
    bool before_srat = true;  // made before numa_init() parsed SRAT
    int nid = -1;             // memblock_alloc_try_nid(): this node first; -1 any
    pfn_t pfn = 0;            // output
    flag placed = false;      // output
};

struct MbLayout {
    int nr_regions = 0;
    MbRegion region[MB_MAX_REGIONS];
    pfn_t kernel_start = 0, kernel_end = 0;  // the image, reserved by the loader
    int nr_allocs = 0;
    MbAlloc alloc[MB_MAX_ALLOCS];
    bool movable_node = false;
    bool bottom_up_for_movable_node = true;  // setup_arch(): memblock_set_bottom_up(true) under movable_node
    // system_has_some_mirror: choose_memblock_flags() asks for MEMBLOCK_MIRROR first.
    bool has_mirror = false;
};

// Places every allocation in order, reserving each (fills pfn/placed).
void memblock_place(MbLayout& l);

// Seed 003's placement invariant: with movable_node no placed allocation overlaps a
// hotpluggable region (true without movable_node: nothing is promised then).
flag memblock_placement_ok(const MbLayout& l);
// The same for allocation i alone (memblock_placement_ok() is their conjunction).
flag memblock_alloc_ok(const MbLayout& l, int i);

}  // namespace hp::HP_DOMAIN
