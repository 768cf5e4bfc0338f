// no-vmemmap-alignment-check — v6.1 without the alignment checks of
// mhp_supports_memmap_on_memory() (a08a2ae34613): "a) the vmemmap pages span complete
// PMDs ... b) the vmemmap pages (and thereby the pages that will be exposed to the buddy)
// have to cover full pageblocks: memory onlining/offlining code requires applicable ranges
// to be page-aligned, for example, to set the migratetypes properly."
//
// Deviation from v6.1: mhp_supports_memmap_on_memory() keeps only "mode on", "a single
// memory block" and "the memmap fits in the block". On a geometry whose memmap per block
// is not a whole number of pageblocks (arm64 with 64K pages: 8 vmemmap pages per 512 MiB
// block, pageblocks of 8192 pages), the buddy part of the block starts off a pageblock
// boundary: invariant alignment (I15) right after the add, and online_pages() WARNs and
// refuses the range (range-alignment) if the explorer gets that far. Scenario 40.
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {
bool mhp_supports_memmap_on_memory(Kernel& k, u64 nr_pages) {
    const Geometry& g = k.m.geo;
    return k.m.params.memmap_on_memory != MemmapMode::DISABLE && nr_pages == g.pages_per_block &&
           g.memory_block_memmap_pages() < g.pages_per_block;
}
}  // namespace

Variant no_vmemmap_alignment_check() {
    Variant v;
    v.name = "no-vmemmap-alignment-check";
    v.parent = "v6.1";
    v.source = "v6.1 minus the PMD/pageblock checks of mhp_supports_memmap_on_memory() (a08a2ae34613)";
    v.description =
        "memmap_on_memory is accepted whatever the size of the memmap of a block, so the vmemmap pages may end "
        "in the middle of a pageblock and the part handed to the buddy is misaligned.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.mhp_supports_memmap_on_memory = mhp_supports_memmap_on_memory;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
