#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN {

const std::vector<Variant>& all_variants() {
    static const std::vector<Variant> list = [] {
        std::vector<Variant> l{
        variants::v6_1(),
        variants::v5_12(),
        variants::v5_4(),
        variants::v6_8(),
        variants::v6_12(),
        variants::rfc_2019(),
        variants::rfc_2019_forward_free(),
        variants::hocko_2021(),
        variants::no_vmemmap_alignment_check(),
        variants::add_error_path_without_altmap(),
        variants::multi_block_removal_allowed(),
        variants::memblock_top_down(),
        };
        variants::add_mutants(l);
        return l;
    }();
    return list;
}

const Variant* find_variant(const std::string& name) {
    for (const Variant& v : all_variants())
        if (v.name == name) return &v;
    return nullptr;
}

}  // namespace hp::HP_DOMAIN
