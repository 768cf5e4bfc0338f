#include "spec/variants/registry.hpp"

namespace hp {

const std::vector<Variant>& all_variants() {
    static const std::vector<Variant> list{variants::v6_1()};
    return list;
}

const Variant* find_variant(const std::string& name) {
    for (const Variant& v : all_variants())
        if (v.name == name) return &v;
    return nullptr;
}

}  // namespace hp
