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
Variant arm64_vmemmap_keep_tables();
Variant arm64_v7_free_empty_tables();
Variant arm64_free_tables_unconditionally();
Variant usage_kfree_no_rcu();
Variant no_vmemmap_memmap_enomem_fix();
void add_kernel_bugs(std::vector<Variant>& out);  // real kernel bugs (kernel_bugs.cpp), after the named ones
void add_pagetable_variants(std::vector<Variant>& out);  // kernel page tables and HVO (pagetable_bugs.cpp)
void add_zone_device_bugs(std::vector<Variant>& out);  // subsection hot-add bugs (zone_device_bugs.cpp)
void add_virtio_mem_variants(std::vector<Variant>& out);  // virtio-mem / dynamic groups (virtio_mem_bugs.cpp)
void add_mutants(std::vector<Variant>& out);  // test mutants, listed last
// The kernel-function table of a variant listed before the caller in registry.cpp (any
// constructor, a new-variant scaffold's included), by name:
// a variant reuses another variant's functions without copying them
// (`v.ops.section_deactivate = ops_of("v6.1").section_deactivate;`). Throws std::logic_error
// for a name not (yet) listed.
const KernelOps& ops_of(const std::string& name);
// v6.8's remove_memory_blocks_and_altmaps(), with or without 93866f55f7e2's put_device() of
// the find_memory_block() reference (v6_8.cpp; the bug variant reuses it).
void remove_memory_blocks_and_altmaps_with(Kernel& k, pfn_t start, u64 nr_pages, bool put_found_block);
}  // namespace hp::HP_DOMAIN::variants
