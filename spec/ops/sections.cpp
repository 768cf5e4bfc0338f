// struct mem_section as the kernel reads it: valid_section(), online_section(),
// pfn_section_valid(), pfn_valid(), pfn_to_online_page(), and the section teardown entry
// sparse_remove_section(); plus ppc64's vmemmap_populated(), the reader that made the
// order inside section_deactivate() matter (b943f045a9af).
// include/linux/mmzone.h, mm/memory_hotplug.c, mm/sparse.c, arch/powerpc/mm/init_64.c
// (Linux 6.1.192).
//
// State (spec/state.hpp BlockState, one bit per section of a block):
//   section_valid   section_mem_map & SECTION_HAS_MEM_MAP (SECTION_MARKED_PRESENT goes with it:
//                   the two differ only inside section_deactivate(), where nothing reads them)
//   section_online  section_mem_map & SECTION_IS_ONLINE
//   section_usage   ms->usage allocated (kzalloc in section_activate(), kfree[_rcu] in
//                   section_deactivate()); with no subsection hot-add its subsection_map is full
// Boot memory (SECTION_IS_EARLY) is not a block: early sections are valid and online, and
// their usage (memblock-allocated) lives for ever. A cold-plugged DIMM's sections are blocks
// that start early (KernelState::section_maps, spec/ops/sparse_classic.cpp).
#include "spec/memmap.hpp"
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
// Which hot-pluggable block holds pfn, and the bit of its section; false for boot memory
// and holes (boot says which of the two).
bool block_section(Kernel& k, const pfn_t& pfn, int& block, u32& bit, bool& boot) {
    boot = k.m.boot_zone_of_pfn(pfn) != nullptr;
    if (boot) return false;
    block = k.m.block_of_pfn(pfn);
    if (block < 0) return false;
    bit = 1u << section_in_block(k.m, static_cast<unsigned>(block), pfn);
    return true;
}
}  // namespace

flag valid_section(Kernel& k, pfn_t pfn) {
    if (device_section_pfn(k, pfn)) return dev_valid_section(k, pfn);
    int b = -1;
    u32 bit = 0;
    bool boot = false;
    if (!block_section(k, pfn, b, bit, boot)) return boot;
    return (k.s.blocks[b].section_valid & bit) != 0;
}

flag online_section(Kernel& k, pfn_t pfn) {
    if (device_section_pfn(k, pfn)) return dev_online_section(k, pfn);
    int b = -1;
    u32 bit = 0;
    bool boot = false;
    if (!block_section(k, pfn, b, bit, boot)) return boot;
    return (k.s.blocks[b].section_online & bit) != 0;
}

// test_bit(subsection_map_index(pfn), ms->usage->subsection_map). Before 5ec8e8ea8b77
// (6.8-rc, backported to Debian's 6.1.192) a NULL usage is dereferenced; since then it
// answers 0. Either way a read of the usage of a section whose usage was freed is what
// valid_section() is there to prevent: observed, and judged by usage-lifetime (I17).
flag pfn_section_valid(Kernel& k, pfn_t pfn) {
    if (device_section_pfn(k, pfn)) return dev_pfn_section_valid(k, pfn);
    int b = -1;
    u32 bit = 0;
    bool boot = false;
    if (!block_section(k, pfn, b, bit, boot)) return boot;  // early sections: full map, or no section at all
    if (!k.m.params.sparsemem_vmemmap) return true;  // !CONFIG_SPARSEMEM_VMEMMAP: "return 1", no ms->usage read
    if ((k.s.blocks[b].section_usage & bit) == 0) {
        k.observe(Observation::USAGE_READ_AFTER_FREE, "pfn_section_valid", pfn);
        return false;
    }
    return true;
}

// pfn_valid(): valid_section(ms) && (early_section(ms) || pfn_section_valid(ms, pfn)).
flag pfn_valid(Kernel& k, pfn_t pfn) {
    if (!k.ops.valid_section(k, pfn)) return false;
    if (early_section_pfn(k, pfn)) return true;  // early_section(): the whole section, device subsections too
    const int b = k.m.block_of_pfn(pfn);         // a cold-plugged DIMM's section (SECTION_IS_EARLY)
    if (b >= 0) {
        const u32 bit = 1u << section_in_block(k.m, static_cast<unsigned>(b), pfn);
        if (early_section_of_block(k, b, bit)) return true;
    }
    return k.ops.pfn_section_valid(k, pfn);
}

// mm/memory_hotplug.c (6.1.192) pfn_to_online_page(): online_section(ms), then
// pfn_section_valid(ms, pfn) (subsection precision, Dan Williams' 5.12 series), then for a
// section tainted by a ZONE_DEVICE range (1f90a3477df3) the slow path: a pfn that
// get_dev_pagemap() finds is ZONE_DEVICE, not online. CONFIG_HAVE_ARCH_PFN_VALID's extra
// pfn_valid() (arm64) answers alike in the model.
flag pfn_to_online_page(Kernel& k, pfn_t pfn) {
    if (!k.ops.online_section(k, pfn)) return false;
    if (!k.ops.pfn_section_valid(k, pfn)) return false;
    if (!online_device_section(k, pfn)) return true;
    return !get_dev_pagemap(k, pfn);
}

void sparse_remove_section(Kernel& k, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap) {
    KCALL(k, "sparse_remove_section");
    // clear_hwpoisoned_pages(): no hwpoison in the model.
    k.ops.section_deactivate(k, pfn, nr_pages, altmap);
}

// arch/powerpc/mm/init_64.c (6.1) vmemmap_populated(vmemmap_addr, vmemmap_map_size): walks
// the struct pages mapped by one vmemmap page (PMD_SIZE on radix: 2 MiB of struct pages,
// 2 GiB of 64K pages) and asks pfn_valid() of each subsection (5.6: each section). The
// model asks once per section: with no subsection hot-add every subsection of a section
// answers alike. Holes answer 0 without reading anything (no mem_section).
flag vmemmap_populated(Kernel& k, pfn_t pfn) {
    const Geometry& g = k.m.geo;
    const u64 pfns_per_vmemmap_page = g.pmd_pages * g.page_size / g.struct_page_size;
    const pfn_t lo = pfn - pfn % pfns_per_vmemmap_page, hi = lo + pfns_per_vmemmap_page;
    for (pfn_t p = lo; p < hi; p += g.pages_per_section) {
        if (!k.m.boot_zone_of_pfn(p) && k.m.block_of_pfn(p) < 0) continue;
        if (k.ops.pfn_valid(k, p)) return true;
    }
    return false;
}

}  // namespace hp::HP_DOMAIN::base
