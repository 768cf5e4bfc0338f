// The part of section_deactivate() for a device section that every version shares (5.4's
// and 6.1's differ only in how they free the memmap afterwards: ef69bc9f689d).
#pragma once
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

// clear_subsection_map() with its "section already deactivated" WARN, then, if the section
// is now empty, ~SECTION_HAS_MEM_MAP and kfree(ms->usage) unless the section is early (its
// usage came from memblock). Returns -1 after the WARN (nothing changed), else whether the
// section is now empty (0 / 1).
int clear_device_subsections(Kernel& k, pfn_t pfn, u64 nr_pages);

}  // namespace hp::HP_DOMAIN::base
