// virtio-mem designs that are not the kernel's, to show what the dynamic-group rules of
// online_policy=auto-movable decide (spec/ops/auto_movable.cpp, spec/ops/virtio_mem.cpp).
//
// auto-movable-dynamic-ignores-unit: auto_movable_zone_for_pfn() treats a block of a dynamic
// memory group as if the group had no unit (max_pages = nr_pages, the `!group` branch), i.e.
// without "Take a look at all online sections in the current unit" (mm/memory_hotplug.c,
// 6.1 and 6.12; added with the memory groups, 836809ec75cc / e83a437faa62). With bb_size =
// two memory blocks, onlining the second block of a big block whose first block is online in
// ZONE_NORMAL then picks ZONE_MOVABLE: the big block can never be unplugged as a whole, which
// is what the unit rule prevents. Scenario 57 and the virtio-mem recordings catch it.
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {
unsigned zone_ignoring_unit(Kernel& k, int nid, int group, pfn_t pfn, u64 nr_pages) {
    if (group >= 0 && k.m.group_is_dynamic(static_cast<unsigned>(group))) group = -1;  // the bug
    return base::auto_movable_zone_for_pfn(k, nid, group, pfn, nr_pages);
}
}  // namespace

void add_virtio_mem_variants(std::vector<Variant>& out) {
    Variant v;
    v.name = "auto-movable-dynamic-ignores-unit";
    v.parent = "v6.1";
    v.source = "a design without the unit_pages rule of auto_movable_zone_for_pfn() (mm/memory_hotplug.c, 6.1): not a "
               "kernel version";
    v.description =
        "online_policy=auto-movable decides a virtio-mem block as if it had no memory group: it does not look at the "
        "online sections of the block's big block (unit_pages), so a big block can end up half ZONE_NORMAL, half "
        "ZONE_MOVABLE";
    v.ops = ops_of("v6.1");
    v.ops.auto_movable_zone_for_pfn = zone_ignoring_unit;
    out.push_back(v);
}

}  // namespace hp::HP_DOMAIN::variants
