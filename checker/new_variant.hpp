// `hpcheck new-variant NAME --parent P`: the scaffold of a variant for a patch under review,
// in the current style of spec/variants/*.cpp: the variant file (the parent's table, with a
// place for the replaced kernel functions), its registration in spec/variants/registry.{hpp,cpp},
// and an exploration scenario skeleton under the new variant.
#pragma once
#include <string>
#include <vector>

namespace hp {

// "hocko-2021" -> "hocko_2021", "v6.1" -> "v6_1": the constructor and file name.
std::string variant_identifier(const std::string& name);

struct NewVariantFiles {
    std::vector<std::string> written;   // paths created
    std::vector<std::string> modified;  // paths edited (the registry)
};

// Throws std::runtime_error (one line) if NAME is malformed or exists, P is unknown, or
// `source_dir` is not an hpcheck source tree; writes nothing in that case.
NewVariantFiles scaffold_variant(const std::string& source_dir, const std::string& name, const std::string& parent);

}  // namespace hp
