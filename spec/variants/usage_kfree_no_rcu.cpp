// usage-kfree-no-rcu — section_deactivate() before 5ec8e8ea8b77 ("mm/sparsemem: fix race
// in accessing memory_section->usage", v6.8-rc1, CVE-2023-52489; 6.1.y has the backport):
// ms->usage was freed with kfree(), so a pfn_valid() -> pfn_section_valid() that had
// already passed valid_section() dereferenced freed memory. The fix frees it with
// kfree_rcu() and makes pfn_valid() an RCU-sched reader; the reader side is the walker's
// `pfn_valid_rcu` setting (docs/interleavings.md). A sequential run is v6.1's.
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

Variant usage_kfree_no_rcu() {
    Variant v;
    v.name = "usage-kfree-no-rcu";
    v.parent = "v6.1";
    v.source = "before 5ec8e8ea8b77 mm/sparsemem: fix race in accessing memory_section->usage (v6.8-rc1)";
    v.description =
        "section_deactivate() frees ms->usage with kfree(): a pfn_valid() that passed valid_section() before the "
        "section was removed reads the freed subsection_map.";
    v.ops = ops_of("v6.1");
    // 6.1's section_deactivate() with kfree(ms->usage): v5.12's (spec/variants/v5_12.cpp), by name.
    v.ops.section_deactivate = ops_of("v5.12").section_deactivate;
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
