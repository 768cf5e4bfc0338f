// rfc-2019-forward-free — seed 001's design without the deferral: every section's memmap
// is freed as soon as the section is removed, in pfn order. The RFC explains why it
// defers: "the first pages of that range, are used for the memmap maping, so if we remove
// those first, we would blow up while accessing the others later on."
//
// Deviation from rfc-2019: section_deactivate() depopulates at once (v6.1's order). The
// first section removed is the one holding the vmemmap area: its memmap, which describes
// the vmemmap pages (head page with the refcount, tail pages pointing at it), is freed
// while the struct pages of the later sections still live in those vmemmap pages. The
// kernel path observes Observation::MEMMAP_FREED_IN_USE; the transition invariant
// memmap-freed-in-use (invariants/memmap_freed_in_use.cpp) turns it into a violation.
#include <fmt/format.h>

#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

void section_deactivate(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    const int b = k.m.block_of_pfn(pfn);
    const unsigned host = vmemmap_backing_of(k.s.blocks[b]);
    const u64 sec = section_in_block(k.m, b, pfn);
    // The section holding the vmemmap area: section 0 of the host block.
    if (host == static_cast<unsigned>(b) && sec == 0 && (k.s.blocks[b].section_valid & 1)) {
        u64 in_use = 0;  // struct pages of other present sections living in the area
        const Geometry& g = k.m.geo;
        const u64 section_pages = (g.memmap_bytes(g.pages_per_section) + g.page_size - 1) / g.page_size;
        for (unsigned c = 0; c < k.m.blocks.size(); ++c) {
            if (k.s.blocks[c].vmemmap_backing != host) continue;
            u16 valid = k.s.blocks[c].section_valid;
            if (c == static_cast<unsigned>(b)) valid &= ~1u;
            in_use += section_pages * popcount(valid, 16);
        }
        if (in_use) {
            KSAY(k, "vmemmap_free() of memory{}'s first section frees the memmap of the vmemmap pages "
                              "while {} of them still back present sections",
                              k.m.blocks[b].memory_block_id, in_use);
            k.observe(Observation::MEMMAP_FREED_IN_USE, "section_deactivate", pfn, in_use);
        }
    }
    base::section_deactivate(k, pfn, nr_pages, altmap);  // clear, then depopulate (v6.1's: at once)
}

}  // namespace

Variant rfc_2019_forward_free() {
    Variant v;
    v.name = "rfc-2019-forward-free";
    v.parent = "rfc-2019";
    v.source = "seed 001 (2019 RFC v2 cover letter), without its deferred backwards vmemmap_free()";
    v.description =
        "The 2019 RFC with the vmemmap of each section freed as soon as the section is removed, in order: the "
        "first section's memmap, which describes the vmemmap pages holding every other section's struct "
        "pages, is freed first (use-after-free of the memmap).";
    v.ops = rfc_2019().ops;  // the parent's table
    v.ops.section_deactivate = section_deactivate;
    v.ops.depopulate_section_memmap = ops_of("v6.1").depopulate_section_memmap;  // no deferral
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
