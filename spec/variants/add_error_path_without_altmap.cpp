// add-error-path-without-altmap — the bug f42ce5f087eb "mm/memory_hotplug: fix error
// handling in add_memory_resource()" (6.7, Sumanth Korikkar) fixed: when
// create_memory_block_devices() fails after arch_add_memory() populated the memmap from
// the altmap, the error path called arch_remove_memory(start, size, NULL). Without the
// altmap, vmemmap_free() -> free_hugepage_table()/free_pagetable() hands the vmemmap
// backing pages -- pfns inside the block being added -- to the buddy allocator, which is
// then given memory that is about to disappear (or is not even online).
//
// Deviation from v6.1: add_memory_resource()'s error path (undo_arch_add_memory) passes NULL instead of
// params.altmap. Reached with the MEMORY_BLOCK_ENOMEM fault (scenario 41); observed as
// Observation::ALTMAP_FREED_TO_BUDDY, judged by invariant altmap-free (I11).
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {
// The pre-f42ce5f087eb error path of add_memory_resource().
void undo_arch_add_memory(Kernel& k, pfn_t start, u64 nr_pages, VmemAltmap*) {
    k.ops.arch_remove_memory(k, start, nr_pages, nullptr);  // the bug: params.altmap is not passed
}
}  // namespace

Variant add_error_path_without_altmap() {
    Variant v;
    v.name = "add-error-path-without-altmap";
    v.parent = "v6.1";
    v.source = "the bug fixed by f42ce5f087eb \"mm/memory_hotplug: fix error handling in add_memory_resource()\" (6.7)";
    v.description =
        "When create_memory_block_devices() fails, add_memory_resource() undoes arch_add_memory() without the "
        "altmap: the vmemmap pages taken from the block are freed into the buddy allocator.";
    v.ops = v6_1().ops;  // the parent's table
    v.ops.undo_arch_add_memory = undo_arch_add_memory;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
