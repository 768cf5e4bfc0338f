// Page / subsection / section / memory-block geometry of one architecture
// configuration. Every size is in pages (pfns) so that results compare
// directly with /proc/zoneinfo. See docs/kernel-reference.md §1.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp {

using pfn_t = std::uint64_t;

struct Geometry {
    std::string preset;                 // "x86_64", "arm64-4k", ... or "custom"
    std::uint64_t page_size = 4096;     // PAGE_SIZE in bytes
    std::uint64_t pages_per_subsection = 512;   // PAGES_PER_SUBSECTION (2 MiB)
    std::uint64_t pages_per_section = 32768;    // PAGES_PER_SECTION
    std::uint64_t pages_per_block = 32768;      // memory_block_size_bytes() / PAGE_SIZE
    std::uint64_t pageblock_nr_pages = 512;     // pageblock_nr_pages
    std::uint64_t struct_page_size = 64;        // sizeof(struct page)
    std::uint64_t pmd_pages = 512;              // PMD_SIZE / PAGE_SIZE

    std::uint64_t sections_per_block() const { return pages_per_block / pages_per_section; }
    std::uint64_t subsections_per_section() const { return pages_per_section / pages_per_subsection; }
    // Bytes of struct pages describing `nr_pages` pfns.
    std::uint64_t memmap_bytes(std::uint64_t nr_pages) const { return nr_pages * struct_page_size; }
    // PFN_UP(memory_block_memmap_size()): vmemmap pages needed by one memory block.
    std::uint64_t memory_block_memmap_pages() const {
        return (memmap_bytes(pages_per_block) + page_size - 1) / page_size;
    }
    std::uint64_t mib_to_pages(std::uint64_t mib) const { return mib * (1ull << 20) / page_size; }
    std::uint64_t pages_to_mib(std::uint64_t pages) const { return pages * page_size >> 20; }
};

// Known presets (docs/kernel-reference.md §1); nullopt for an unknown name.
std::optional<Geometry> geometry_preset(const std::string& name);
const std::vector<std::string>& geometry_preset_names();

// Why a geometry is impossible, naming the offending field; nullopt if it is fine.
struct GeometryError { std::string field; std::string message; };
std::optional<GeometryError> validate_geometry(const Geometry& g);

}  // namespace hp
