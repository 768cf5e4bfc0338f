// One constructor per variant file; registry.cpp lists them in order. A variant's
// constructor starts from its parent's table: `v.ops = <parent>().ops;`.
#pragma once
#include "spec/variant.hpp"

namespace hp::HP_DOMAIN::variants {
Variant v6_1();
Variant v5_12();
Variant v5_4();
Variant v6_8();
Variant v6_12();
Variant memblock_top_down();
Variant rfc_2019();
Variant rfc_2019_forward_free();
Variant hocko_2021();
Variant no_vmemmap_alignment_check();
Variant add_error_path_without_altmap();
Variant multi_block_removal_allowed();
void add_mutants(std::vector<Variant>& out);  // test mutants, listed last
}  // namespace hp::HP_DOMAIN::variants
