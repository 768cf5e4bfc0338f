// The prover's free geometry parameters and their bounds, and the machine layout it
// proves over. Plain data: shared by the symbolic search (compiled over symbolic terms) and
// the concrete side (replay, scenario output), so it includes nothing of the model.
#pragma once
#include <string>
#include <vector>

namespace hp::prover {

// PAGE_SHIFT, SECTION_SIZE_BITS, log2(sections per block), pageblock_order,
// log2(PMD_SIZE / PAGE_SIZE), sizeof(struct page).
struct GeoParams {
    unsigned page_shift = 12, section_bits = 27, spb_log = 0, pageblock_order = 9, pmd_order = 9, struct_page = 64;
    bool operator==(const GeoParams&) const = default;
};
// "page_shift=12 section_bits=27 sections_per_block=1 pageblock_order=9 pmd_bits=21 struct_page=64"
std::string params_text(const GeoParams& p);

struct Range {
    unsigned lo, hi;
};

// Bounds on the free geometry parameters (inclusive). The defaults cover every
// architecture preset (docs/kernel-reference.md) and much more.
struct GeometryBounds {
    Range page_shift{12, 16};        // 4 KiB .. 64 KiB pages
    Range section_bits{21, 30};      // SECTION_SIZE_BITS: 2 MiB .. 1 GiB sections
    Range sections_per_block{1, 16}; // a power of two
    Range pageblock_order{0, 13};    // and pageblock <= section
    Range pmd_bits{21, 30};          // PMD_SIZE 2 MiB .. 1 GiB (every MMU modelled: >= 2 MiB)
    Range struct_page{8, 256};       // sizeof(struct page), a multiple of 8
    // "section_bits=21..27,struct_page=64..64,...": the named parameters' ranges, the others
    // as in `base`; throws std::invalid_argument on bad input.
    static GeometryBounds parse(const std::string& spec, const GeometryBounds& base);
    static GeometryBounds parse(const std::string& spec) { return parse(spec, GeometryBounds{}); }
    static GeometryBounds exactly(const GeoParams& p);
    std::string describe() const;
};

// The machine: one boot node with DMA32 memory, DIMMs above 4 GiB (or one block, if
// larger), next to each other; DIMM d has dimm_blocks[d] memory blocks and sits on node
// d % nodes (nodes other than 0 start memoryless and CPU-less, so they come and go with
// their DIMMs). memmap_on_memory=1, online_policy=contig-zones, blocks added offline.
struct ProverLayout {
    std::vector<unsigned> dimm_blocks{1, 1};
    unsigned nodes = 1;
    unsigned total_blocks() const;
    std::string describe() const;
    // "1,4": a DIMM of one block and a DIMM of four; throws std::invalid_argument.
    static std::vector<unsigned> parse_dimms(const std::string& spec);
};

}  // namespace hp::prover
