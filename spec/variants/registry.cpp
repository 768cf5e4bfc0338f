#include "spec/variants/registry.hpp"

#include <stdexcept>

namespace hp::HP_DOMAIN {

namespace {
// The list while all_variants() builds it, so that the variants added after the named
// constructors (kernel bugs, mutants) can reuse a listed variant's table by name.
const std::vector<Variant>* g_building = nullptr;
}  // namespace

namespace variants {
const KernelOps& ops_of(const std::string& name) {
    const std::vector<Variant>& l = g_building ? *g_building : all_variants();
    for (const Variant& v : l)
        if (v.name == name) return v.ops;
    throw std::logic_error("ops_of(\"" + name + "\"): no such variant listed before this one in spec/variants/registry.cpp");
}
}  // namespace variants

const std::vector<Variant>& all_variants() {
    static const std::vector<Variant> list = [] {
        std::vector<Variant> l{
        variants::v6_1(),
        variants::v5_12(),
        variants::v5_4(),
        variants::v6_8(),
        variants::rfc_2019(),
        variants::rfc_2019_forward_free(),
        variants::hocko_2021(),
        variants::no_vmemmap_alignment_check(),
        variants::add_error_path_without_altmap(),
        variants::multi_block_removal_allowed(),
        };
        g_building = &l;  // `hpcheck new-variant` registers new variants just above this line
        variants::add_kernel_bugs(l);
        variants::add_mutants(l);
        g_building = nullptr;
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
