#include "checker/prover/geometry_params.hpp"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>

namespace hp::prover {

std::string params_text(const GeoParams& p) {
    return fmt::format("page_shift={} section_bits={} sections_per_block={} pageblock_order={} pmd_bits={} struct_page={}",
                       p.page_shift, p.section_bits, 1u << p.spb_log, p.pageblock_order, p.pmd_order + p.page_shift,
                       p.struct_page);
}

GeometryBounds GeometryBounds::parse(const std::string& spec, const GeometryBounds& base) {
    GeometryBounds b = base;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw std::invalid_argument(fmt::format("'{}': expected NAME=LO..HI", item));
        const std::string name = item.substr(0, eq), val = item.substr(eq + 1);
        Range r{};
        try {
            const auto dots = val.find("..");
            size_t pos = 0;
            if (dots == std::string::npos) {
                r.lo = r.hi = static_cast<unsigned>(std::stoul(val, &pos, 0));
                if (pos != val.size()) throw std::invalid_argument(val);
            } else {
                r.lo = static_cast<unsigned>(std::stoul(val.substr(0, dots), &pos, 0));
                r.hi = static_cast<unsigned>(std::stoul(val.substr(dots + 2), &pos, 0));
            }
        } catch (const std::exception&) {
            throw std::invalid_argument(fmt::format("'{}': '{}' is not LO..HI", name, val));
        }
        if (r.lo > r.hi) throw std::invalid_argument(fmt::format("'{}': empty range {}..{}", name, r.lo, r.hi));
        if (name == "page_shift") b.page_shift = r;
        else if (name == "section_bits") b.section_bits = r;
        else if (name == "sections_per_block") b.sections_per_block = r;
        else if (name == "pageblock_order") b.pageblock_order = r;
        else if (name == "pmd_bits") b.pmd_bits = r;
        else if (name == "struct_page") b.struct_page = r;
        else
            throw std::invalid_argument(fmt::format(
                "unknown geometry parameter '{}' (page_shift, section_bits, sections_per_block, pageblock_order, "
                "pmd_bits, struct_page)",
                name));
    }
    if (b.page_shift.lo < 12 || b.page_shift.hi > 16)
        throw std::invalid_argument("page_shift must stay within 12..16 (the model's page sizes)");
    if (b.section_bits.hi > 30) throw std::invalid_argument("section_bits must stay <= 30 (32-bit encoding)");
    if (b.sections_per_block.lo < 1 || b.sections_per_block.hi > 16)
        throw std::invalid_argument("sections_per_block must stay within 1..16 (the model's limit)");
    if (b.pmd_bits.hi > 30 || b.pageblock_order.hi > 18 || b.struct_page.hi > 256 || b.struct_page.hi < 8)
        throw std::invalid_argument("pmd_bits <= 30, pageblock_order <= 18, struct_page within 8..256 (32-bit encoding)");
    return b;
}

GeometryBounds GeometryBounds::exactly(const GeoParams& p) {
    GeometryBounds b;
    b.page_shift = {p.page_shift, p.page_shift};
    b.section_bits = {p.section_bits, p.section_bits};
    b.sections_per_block = {1u << p.spb_log, 1u << p.spb_log};
    b.pageblock_order = {p.pageblock_order, p.pageblock_order};
    b.pmd_bits = {p.pmd_order + p.page_shift, p.pmd_order + p.page_shift};
    b.struct_page = {p.struct_page, p.struct_page};
    return b;
}

std::string GeometryBounds::describe() const {
    auto r = [](Range x) { return x.lo == x.hi ? fmt::format("{}", x.lo) : fmt::format("{}..{}", x.lo, x.hi); };
    return fmt::format(
        "page_shift={} section_bits={} sections_per_block={} (powers of two) pageblock_order={} (pageblock <= "
        "section) pmd_bits={} struct_page={} (multiple of 8)",
        r(page_shift), r(section_bits), r(sections_per_block), r(pageblock_order), r(pmd_bits), r(struct_page));
}

unsigned ProverLayout::total_blocks() const {
    unsigned n = 0;
    for (unsigned b : dimm_blocks) n += b;
    return n;
}

std::string ProverLayout::describe() const {
    std::string d;
    for (size_t i = 0; i < dimm_blocks.size(); ++i)
        d += fmt::format("{}{}", i ? "+" : "", dimm_blocks[i]);
    return fmt::format("{} node(s), {} DIMM(s) of {} memory block(s) above boot memory, memmap_on_memory=1",
                       nodes, dimm_blocks.size(), d);
}

std::vector<unsigned> ProverLayout::parse_dimms(const std::string& spec) {
    std::vector<unsigned> out;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
        size_t pos = 0;
        unsigned long n = 0;
        try {
            n = std::stoul(item, &pos, 10);
        } catch (const std::exception&) {
            pos = 0;
        }
        if (pos != item.size() || n < 1 || n > 8)
            throw std::invalid_argument(fmt::format("--dimms: '{}' is not a block count 1..8", item));
        out.push_back(static_cast<unsigned>(n));
    }
    if (out.empty() || out.size() > 4) throw std::invalid_argument("--dimms: 1 to 4 DIMMs, e.g. 1,4");
    return out;
}

}  // namespace hp::prover
