#include "spec/geometry.hpp"

#include <fmt/format.h>

namespace hp {

namespace {
bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

Geometry make(const char* name, std::uint64_t page, std::uint64_t section_bytes,
              std::uint64_t block_bytes, std::uint64_t pageblock_bytes, std::uint64_t pmd_bytes) {
    Geometry g;
    g.preset = name;
    g.page_size = page;
    g.pages_per_subsection = (2ull << 20) / page;  // SUBSECTION_SHIFT = 21 on every arch
    g.pages_per_section = section_bytes / page;
    g.pages_per_block = block_bytes / page;
    g.pageblock_nr_pages = pageblock_bytes / page;
    g.struct_page_size = 64;
    g.pmd_pages = pmd_bytes / page;
    return g;
}
constexpr std::uint64_t MiB = 1ull << 20;
}  // namespace

const std::vector<std::string>& geometry_preset_names() {
    static const std::vector<std::string> names{"x86_64", "arm64-4k", "arm64-64k", "ppc64-64k"};
    return names;
}

std::optional<Geometry> geometry_preset(const std::string& name) {
    // x86_64: SECTION_SIZE_BITS 27, 128 MiB blocks below 64 GiB of boot memory, pageblock order 9.
    if (name == "x86_64") return make("x86_64", 4096, 128 * MiB, 128 * MiB, 2 * MiB, 2 * MiB);
    // arm64 4K: SECTION_SIZE_BITS 27 since 5.12, block = section, PMD 2 MiB.
    if (name == "arm64-4k") return make("arm64-4k", 4096, 128 * MiB, 128 * MiB, 2 * MiB, 2 * MiB);
    // arm64 64K: SECTION_SIZE_BITS 29, pageblock order 13 = PMD = 512 MiB.
    if (name == "arm64-64k") return make("arm64-64k", 65536, 512 * MiB, 512 * MiB, 512 * MiB, 512 * MiB);
    // ppc64 64K radix: 16 MiB sections, 256 MiB LMBs (pseries), 2 MiB pageblocks and PMDs.
    if (name == "ppc64-64k") return make("ppc64-64k", 65536, 16 * MiB, 256 * MiB, 2 * MiB, 2 * MiB);
    return std::nullopt;
}

std::optional<GeometryError> validate_geometry(const Geometry& g) {
    auto err = [](const char* field, std::string msg) { return GeometryError{field, std::move(msg)}; };
    if (!is_pow2(g.page_size) || g.page_size < 4096)
        return err("page_size", fmt::format("page_size {} is not a power of two >= 4096", g.page_size));
    if (g.pages_per_subsection * g.page_size != (2ull << 20))
        return err("pages_per_subsection",
                   fmt::format("a subsection is 2 MiB (SUBSECTION_SHIFT 21): expected {} pages, got {}",
                               (2ull << 20) / g.page_size, g.pages_per_subsection));
    if (!is_pow2(g.pages_per_section) || g.pages_per_section % g.pages_per_subsection)
        return err("pages_per_section",
                   fmt::format("a section ({} pages) must be a power of two and a whole number of subsections",
                               g.pages_per_section));
    if (!is_pow2(g.pages_per_block) || g.pages_per_block % g.pages_per_section)
        return err("pages_per_block",
                   fmt::format("a memory block ({} pages) must be a power of two and a whole number of sections "
                               "({} pages each)", g.pages_per_block, g.pages_per_section));
    if (g.sections_per_block() > 16)
        return err("pages_per_block", "the model supports at most 16 sections per memory block");
    if (!is_pow2(g.pageblock_nr_pages) || g.pageblock_nr_pages > g.pages_per_section)
        return err("pageblock_nr_pages",
                   fmt::format("pageblock_nr_pages {} must be a power of two no larger than a section",
                               g.pageblock_nr_pages));
    if (g.struct_page_size == 0 || g.struct_page_size % 8)
        return err("struct_page_size", "sizeof(struct page) must be a positive multiple of 8");
    if (!is_pow2(g.pmd_pages))
        return err("pmd_pages", "PMD_SIZE must be a power of two");
    if (g.memory_block_memmap_pages() >= g.pages_per_block)
        return err("struct_page_size", "the memmap of a block would not fit in the block");
    if (g.memory_block_memmap_pages() > 0xffff)
        return err("pages_per_block", "the model supports at most 65535 vmemmap pages per block");
    return std::nullopt;
}

}  // namespace hp
