#include "checker/new_variant.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "checker/output_file.hpp"
#include "spec/variant.hpp"

namespace fs = std::filesystem;

namespace hp {

std::string variant_identifier(const std::string& name) {
    std::string id = name;
    std::replace(id.begin(), id.end(), '-', '_');
    std::replace(id.begin(), id.end(), '.', '_');
    return id;
}

namespace {
std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error(p.string() + ": cannot be read (is --source-dir an hpcheck source tree?)");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Insert `line` before the first occurrence of `anchor`; throws if the anchor is missing.
std::string insert_before(const std::string& text, const std::string& anchor, const std::string& line,
                          const fs::path& file) {
    const std::size_t at = text.find(anchor);
    if (at == std::string::npos) throw std::runtime_error(file.string() + ": cannot find where to register the variant");
    return text.substr(0, at) + line + text.substr(at);
}

std::string variant_file(const std::string& name, const std::string& id, const std::string& parent) {
    return fmt::format(R"(// {0} — TODO: the patch under review in one line (commit id and title, or the thread).
//
// Deviation from {2}: TODO: which kernel functions the patch changes, and how; cite
// docs/kernel-reference.md sections. Scenario: spec/scenarios/ (written by new-variant).
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {{  // compiled for the explorer and, over Z3 terms, for prove

namespace {{
// The kernel functions the patch changes, named after the kernel's and with the signature
// of their KernelOps entry (spec/kernel.hpp), e.g.
//
// void shrink_zone_span(Kernel& k, int nid, unsigned zone, pfn_t start_pfn, pfn_t end_pfn) {{
//     KCALL(k, "shrink_zone_span");
//     ...
// }}
}}  // namespace

Variant {1}() {{
    Variant v;
    v.name = "{0}";
    v.parent = "{2}";
    v.source = "TODO: commit id and title, or the review thread";
    v.description = "TODO: what the patch changes, in one paragraph.";
    v.ops = {3}().ops;  // the parent's table
    // v.ops.shrink_zone_span = shrink_zone_span;
    // v.ops.section_deactivate = ops_of("v6.8").section_deactivate;  // another variant's function, by name
    return v;
}}

}}  // namespace hp::HP_DOMAIN::variants
)",
                       name, id, parent, variant_identifier(parent));
}

std::string scenario_file(const std::string& name) {
    return fmt::format(R"(name = "{0}-explore"
description = "TODO: what this scenario shows about {0}. Two 128 MiB DIMMs with memmap_on_memory: every interleaving of add, online, offline, eject."
variant = "{0}"
expect = "pass"
tags = ["review"]
boot_ram_mb = 1024

[kernel]
memmap_on_memory = true

[[dimm]]
name = "dimm0"
size_mb = 128

[[dimm]]
name = "dimm1"
size_mb = 128

[explore]
actions = ["add", "eject", "online", "online_kernel", "online_movable", "offline"]
faults = ["unmovable-pages", "notifier-veto-online", "notifier-veto-offline"]
)",
                       name);
}
}  // namespace

NewVariantFiles scaffold_variant(const std::string& source_dir, const std::string& name, const std::string& parent) {
    if (!std::regex_match(name, std::regex("[a-z][a-z0-9.-]*")))
        throw std::runtime_error(fmt::format("new-variant: name '{}': lower-case letters, digits, '-' and '.', "
                                             "starting with a letter",
                                             name));
    if (find_variant(name)) throw std::runtime_error(fmt::format("new-variant: variant '{}' already exists", name));
    if (!find_variant(parent)) throw std::runtime_error(fmt::format("--parent: unknown variant '{}'", parent));
    const std::string id = variant_identifier(name);
    const fs::path root(source_dir), vdir = root / "spec" / "variants", sdir = root / "spec" / "scenarios";
    const fs::path cpp = vdir / (id + ".cpp"), hpp_reg = vdir / "registry.hpp", cpp_reg = vdir / "registry.cpp";
    if (fs::exists(cpp)) throw std::runtime_error(cpp.string() + ": already exists");
    // Everything is computed before anything is written: no partial scaffold on error.
    const std::string reg_h = insert_before(read(hpp_reg), "void add_mutants(", "Variant " + id + "();\n", hpp_reg);
    const std::string reg_c = insert_before(read(cpp_reg), "        // `hpcheck new-variant` registers", "        l.push_back(variants::" + id + "());\n", cpp_reg);
    int next = 0;
    for (const auto& e : fs::directory_iterator(sdir)) {
        const std::string f = e.path().filename().string();
        if (f.size() > 3 && std::isdigit(static_cast<unsigned char>(f[0])) && std::isdigit(static_cast<unsigned char>(f[1])))
            next = std::max(next, std::stoi(f.substr(0, 2)) + 1);
    }
    const fs::path toml = sdir / fmt::format("{:02}-{}-explore.toml", next, name);
    write_file_atomically(cpp.string(), variant_file(name, id, parent));
    write_file_atomically(toml.string(), scenario_file(name));
    write_file_atomically(hpp_reg.string(), reg_h);
    write_file_atomically(cpp_reg.string(), reg_c);
    return {{cpp.string(), toml.string()}, {hpp_reg.string(), cpp_reg.string()}};
}

}  // namespace hp
