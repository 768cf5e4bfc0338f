// usage-kfree-no-rcu — section_deactivate() before 5ec8e8ea8b77 ("mm/sparsemem: fix race
// in accessing memory_section->usage", v6.8-rc1, CVE-2023-52489; 6.1.y has the backport):
// ms->usage was freed with kfree(), so a pfn_valid() -> pfn_section_valid() that had
// already passed valid_section() dereferenced freed memory. The fix frees it with
// kfree_rcu() and makes pfn_valid() an RCU-sched reader; the reader side is the walker's
// `pfn_valid_rcu` setting (docs/interleavings.md). A sequential run is v6.1's.
#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

namespace {

void section_deactivate(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "section_deactivate");
    const int b = k.m.block_of_pfn(pfn);
    const u32 bit = 1u << section_in_block(k.m, b, pfn);
    BlockState& bs = k.s.blocks[b];
    if (!(bs.section_usage & bit)) {
        k.say("WARN: section already deactivated");
        return;
    }
    bs.section_valid &= ~bit;   // ~SECTION_HAS_MEM_MAP
#if !HP_SYMBOLIC  // interleaving points (the symbolic build never interleaves)
    k.yield(YieldKind::FREE_USAGE, section_key(k.m, b, pfn));  // kfree(ms->usage): at once
#endif
    bs.section_usage &= ~bit;
#if !HP_SYMBOLIC
    k.yield(YieldKind::FREE_MEMMAP, section_key(k.m, b, pfn));
#endif
    k.ops.depopulate_section_memmap(k, pfn, nr_pages, altmap);
    bs.section_online &= ~bit;  // ms->section_mem_map = NULL
    base::clear_section_mem_map(k, b, bit);
}

}  // namespace

Variant usage_kfree_no_rcu() {
    Variant v;
    v.name = "usage-kfree-no-rcu";
    v.parent = "v6.1";
    v.source = "before 5ec8e8ea8b77 mm/sparsemem: fix race in accessing memory_section->usage (v6.8-rc1)";
    v.description =
        "section_deactivate() frees ms->usage with kfree(): a pfn_valid() that passed valid_section() before the "
        "section was removed reads the freed subsection_map.";
    v.ops = v6_1().ops;
    v.ops.section_deactivate = section_deactivate;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
