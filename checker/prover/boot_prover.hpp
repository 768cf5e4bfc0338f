// `hpcheck prove --boot`: seed 003's placement invariant for every memblock layout in stated
// bounds. The symbolic build of spec/boot_place.cpp's memblock_place() (the function
// spec/boot.cpp's memblock_boot() places the scenarios' early allocations with) runs over Z3
// terms: region boundaries, which regions SRAT marks hotpluggable, the kernel image and every
// allocation size are free; Z3 is asked whether any of them puts an early allocation in
// hotpluggable memory under movable_node.
//
// Bounds (the preconditions of the 3.13 series' argument, "any node the kernel resides in is
// not hotpluggable ... allocating several megabytes around the kernel image won't cross to
// hotpluggable memory"):
//   - `regions` memblock regions, sorted and disjoint, below pfn 2^32; region 0 holds the
//     kernel image (above the first MiB) and is not hotpluggable; any other region may be;
//     region i is node i's memory;
//   - early allocations: two before SRAT (page tables, log buffer: any node) and, per node,
//     NODE_DATA and the node's memmap after SRAT (memblock_alloc_try_nid() on that node),
//     each 1 .. 2^20 pages;
//   - the before-SRAT allocations together fit into region 0 above the kernel image.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp::prover {

struct BootProveOptions {
    bool bottom_up_for_movable_node = true;  // the variant's memblock direction
    unsigned regions = 2;                    // 2..4 (3: the bottom-up proof needs more than the default rlimit)
    unsigned rlimit = 50000000;              // Z3 resource limit per query (deterministic)
};

struct BootLayoutValues {  // a counterexample's layout, as plain numbers
    struct Region { std::uint64_t base, end; bool hotplug; int nid; };
    struct Alloc { std::string name; std::uint64_t pages; bool before_srat; int nid; std::uint64_t pfn; bool placed; };
    std::vector<Region> regions;
    std::uint64_t kernel_start = 0, kernel_end = 0;
    std::vector<Alloc> allocs;  // pfn/placed: where the symbolic run put them
};

struct BootProveResult {
    enum Verdict { PROVED, COUNTEREXAMPLE, UNKNOWN } verdict = UNKNOWN;
    std::string bounds;                       // what was proved, in words
    std::optional<BootLayoutValues> cex;
    std::uint64_t paths = 0, queries = 0;
    double seconds = 0;                       // CPU seconds
};

BootProveResult prove_boot(const BootProveOptions& opt);

}  // namespace hp::prover
