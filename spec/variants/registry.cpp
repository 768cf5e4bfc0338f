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
        std::vector<Variant> l;
        g_building = &l;  // so that a constructor may call ops_of() on a variant pushed before it
        l.push_back(variants::v6_1());
        l.push_back(variants::v5_12());
        l.push_back(variants::v5_4());
        l.push_back(variants::v6_8());
        l.push_back(variants::v6_12());
        l.push_back(variants::rfc_2019());
        l.push_back(variants::rfc_2019_forward_free());
        l.push_back(variants::hocko_2021());
        l.push_back(variants::no_vmemmap_alignment_check());
        l.push_back(variants::add_error_path_without_altmap());
        l.push_back(variants::multi_block_removal_allowed());
        l.push_back(variants::memblock_top_down());
        l.push_back(variants::arm64_vmemmap_keep_tables());
        l.push_back(variants::arm64_v7_free_empty_tables());
        l.push_back(variants::arm64_free_tables_unconditionally());
        l.push_back(variants::usage_kfree_no_rcu());
        l.push_back(variants::no_vmemmap_memmap_enomem_fix());
        // `hpcheck new-variant` registers new variants just above this line
        variants::add_kernel_bugs(l);
        variants::add_pagetable_variants(l);
        variants::add_zone_device_bugs(l);
        variants::add_virtio_mem_variants(l);
        variants::add_mutants(l);
        g_building = nullptr;
        // Boot behaviour a version introduced is its descendants' too (listed after it).
        for (Variant& v : l)
            for (const Variant& p : l)
                if (p.name == v.parent && p.kernelcore_mirror_needs_mirrored_memory)
                    v.kernelcore_mirror_needs_mirrored_memory = true;
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
