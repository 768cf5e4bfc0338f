// Page / subsection / section / memory-block geometry of one architecture
// configuration. Every size is in pages (pfns) so that results compare
// directly with /proc/zoneinfo. See docs/kernel-reference.md §1.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/domain.hpp"

namespace hp::HP_DOMAIN {

// Sizes are u64 of the model's domain: numbers in the explorer, terms over the free
// geometry parameters in the prover (where each is a power of two, sizeof(struct page)
// excepted).
struct Geometry {
    std::string preset;                 // "x86_64", "arm64-4k", ... or "custom"
    u64 page_size = 4096;     // PAGE_SIZE in bytes
    u64 pages_per_subsection = 512;   // PAGES_PER_SUBSECTION (2 MiB)
    u64 pages_per_section = 32768;    // PAGES_PER_SECTION
    u64 pages_per_block = 32768;      // memory_block_size_bytes() / PAGE_SIZE
    u64 pageblock_nr_pages = 512;     // pageblock_nr_pages
    u64 struct_page_size = 64;        // sizeof(struct page)
    u64 pmd_pages = 512;              // PMD_SIZE / PAGE_SIZE

    u64 sections_per_block() const { return pages_per_block / pages_per_section; }
    u64 subsections_per_section() const { return pages_per_section / pages_per_subsection; }
    // Bytes of struct pages describing `nr_pages` pfns.
    u64 memmap_bytes(u64 nr_pages) const { return nr_pages * struct_page_size; }
    // PFN_UP(memory_block_memmap_size()): vmemmap pages needed by one memory block.
    u64 memory_block_memmap_pages() const {
        return (memmap_bytes(pages_per_block) + page_size - 1) / page_size;
    }
    u64 mib_to_pages(u64 mib) const { return mib * (1ull << 20) / page_size; }
    u64 pages_to_mib(u64 pages) const { return pages * page_size >> 20; }
};

}  // namespace hp::HP_DOMAIN

#if !HP_SYMBOLIC
namespace hp {

// Known presets (docs/kernel-reference.md §1); nullopt for an unknown name.
std::optional<Geometry> geometry_preset(const std::string& name);
const std::vector<std::string>& geometry_preset_names();

// Why a geometry is impossible, naming the offending field; nullopt if it is fine.
struct GeometryError { std::string field; std::string message; };
std::optional<GeometryError> validate_geometry(const Geometry& g);

}  // namespace hp
#endif
