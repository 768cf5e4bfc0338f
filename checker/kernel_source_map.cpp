#include "checker/kernel_source_map.hpp"

#include <algorithm>

namespace hp {

namespace {
struct Entry {
    const char* file;
    const char* function;
    unsigned line;
};
constexpr Entry kTable[] = {
#include "kernel_function_lines.inc"
};

const Entry* find_in(const std::string& file, const std::string& function) {
    for (const Entry& e : kTable)
        if (e.function == function && e.file == file) return &e;
    return nullptr;
}
}  // namespace

std::string variant_source_file(const std::string& variant) {
    std::string f = variant;
    std::replace(f.begin(), f.end(), '.', '_');
    std::replace(f.begin(), f.end(), '-', '_');
    return "spec/variants/" + f + ".cpp";
}

std::optional<SourceLocation> kernel_function_source(const std::string& variant, const std::string& function) {
    for (const Variant* v = find_variant(variant); v; v = v->parent.empty() ? nullptr : find_variant(v->parent))
        if (const Entry* e = find_in(variant_source_file(v->name), function)) return SourceLocation{e->file, e->function, e->line};
    for (const Entry& e : kTable)
        if (e.function == function && std::string(e.file).rfind("spec/ops/", 0) == 0)
            return SourceLocation{e.file, e.function, e.line};
    return std::nullopt;
}

std::vector<std::string> kernel_functions_of(const std::string& variant) {
    std::vector<std::string> files;
    for (const Variant* v = find_variant(variant); v; v = v->parent.empty() ? nullptr : find_variant(v->parent))
        files.push_back(variant_source_file(v->name));
    std::vector<std::string> out;
    for (const Entry& e : kTable)
        if (std::string(e.file).rfind("spec/ops/", 0) == 0 || std::find(files.begin(), files.end(), e.file) != files.end())
            out.push_back(e.function);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::optional<SourceLocation> blamed_function(const RunResult& r) {
    if (!r.explore.violation || r.replay.empty()) return std::nullopt;
    const auto& entries = r.replay.back().log.entries;
    const std::string own = variant_source_file(r.variant);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (const Entry* e = find_in(own, it->text)) return SourceLocation{e->file, e->function, e->line};
    // A function named in the detail ("offline_pages read the struct page ...").
    const std::string& detail = r.explore.violation->detail;
    std::optional<SourceLocation> named;
    std::size_t best = std::string::npos;
    for (const Entry& e : kTable) {
        const std::size_t p = detail.find(e.function);
        if (p != std::string::npos && (p < best)) {
            if (auto loc = kernel_function_source(r.variant, e.function)) {
                best = p;
                named = loc;
            }
        }
    }
    if (named) return named;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (auto loc = kernel_function_source(r.variant, it->text)) return loc;
    return std::nullopt;
}

}  // namespace hp
