// memblock-top-down — boot-time memblock allocation as before the 3.13 series of Tang Chen and
// Zhang Yanfei (seed 003): 79442ed189ac "mm/memblock.c: introduce bottom-up allocation mode"
// and the x86 patches that call memblock_set_bottom_up(true) in setup_arch() when
// movable_node is given (6.1.192 arch/x86/kernel/setup.c: `if (movable_node_is_enabled())
// memblock_set_bottom_up(true);`, reset by numa_init() once SRAT is parsed). Without them
// every early allocation made before SRAT is parsed — init_mem_mapping()'s page tables first —
// goes top-down, to the end of RAM, which on a machine with cold-plugged hotpluggable memory
// is that memory: the block holds PG_reserved pages and can never be offlined or removed.
// Only the boot layout differs (spec/boot.hpp); the hotplug paths are v6.1's.
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

Variant memblock_top_down() {
    Variant v;
    v.name = "memblock-top-down";
    v.parent = "v6.1";
    v.source = "before the 3.13 memblock bottom-up series: 79442ed189ac \"mm/memblock.c: introduce bottom-up "
               "allocation mode\" and x86 setup_arch()'s memblock_set_bottom_up(true) under movable_node (seed 003)";
    v.description =
        "memblock allocates top-down even with movable_node until SRAT is parsed, so early allocations (page "
        "tables of init_mem_mapping()) land at the end of RAM, in hotpluggable memory; everything else is v6.1.";
    v.ops = v6_1().ops;
    v.memblock_bottom_up_for_movable_node = false;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
