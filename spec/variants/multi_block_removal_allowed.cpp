// multi-block-removal-allowed — v6.1 without the single-block removal rule of
// try_remove_memory() (a08a2ae34613: "We only support removing memory added with
// MHP_MEMMAP_ON_MEMORY in the same granularity it was added - a single memory block").
//
// Dropping only the rule changes nothing reachable in v6.1: mhp_supports_memmap_on_memory()
// grants memmap_on_memory to single-block requests only, so every range with vmemmap pages
// is one block and the rule never fires. The rule and the size check arrived together and
// protect the same thing, so this variant drops both: a multi-block request gets ONE altmap
// (v6.1's add path, unchanged), its sections' struct pages all land at the start of the
// first block, and create_memory_block_devices() records that altmap's alloc in every
// block (as 6.1 does). A driver's remove_memory() of the first block alone then frees the
// memory that backs the struct pages of the blocks left behind: removal-granularity (I9),
// "no struct page is backed by removed memory". Scenario 42; the same scenario passes under
// v6.1 (no memmap_on_memory for the 256 MiB DIMM) and v6.8 (one altmap per block).
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {
// v6.1's check without "size == memory_block_size_bytes()".
bool mhp_supports_memmap_on_memory(Kernel& k, u64 nr_pages) {
    const Geometry& g = k.m.geo;
    const u64 vmemmap_size = nr_pages * g.struct_page_size;
    const u64 remaining_size = nr_pages * g.page_size - vmemmap_size;
    return k.m.params.memmap_on_memory != MemmapMode::DISABLE && nr_pages % g.pages_per_block == 0 &&
           vmemmap_size % (g.pmd_pages * g.page_size) == 0 &&
           remaining_size % (g.pageblock_nr_pages * g.page_size) == 0 &&
           (vmemmap_size + g.page_size - 1) / g.page_size < g.pages_per_block;
}
int check_removal_granularity(Kernel&, pfn_t, u64, u64) { return 0; }
}  // namespace

Variant multi_block_removal_allowed() {
    Variant v;
    v.name = "multi-block-removal-allowed";
    v.parent = "v6.1";
    v.source = "v6.1 minus the single-block rule (and its companion size check) of a08a2ae34613";
    v.description =
        "memmap_on_memory for multi-block requests with one altmap, and removal of any block-aligned part of "
        "them: removing the first block frees the struct pages of the others.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.mhp_supports_memmap_on_memory = mhp_supports_memmap_on_memory;
    v.ops.check_removal_granularity = check_removal_granularity;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
