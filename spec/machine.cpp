#include "spec/machine.hpp"

#include <bit>

#include <algorithm>
#include <stdexcept>

namespace hp::HP_DOMAIN {

void Machine::finalize() {
    if constexpr (!kSymbolic)  // the prover lays out its symbolic machine in order
        std::sort(boot.begin(), boot.end(), [](const BootZone& a, const BootZone& b) { return a.start_pfn < b.start_pfn; });
    blocks.clear();
    dimm_first_block.clear();
    dimm_end_pfn.clear();
    for (unsigned d = 0; d < dimms.size(); ++d) {
        dimm_end_pfn.push_back(dimms[d].base_pfn + dimms[d].nr_blocks * geo.pages_per_block);
        // memory_group_register_static() per ACPI device; one dynamic group per virtio-mem device.
        const int vm = dimms[d].virtio_mem;
        dimms[d].group = vm >= 0 && static_cast<size_t>(vm) < virtio_mems.size() ? virtio_mems[vm].first_dimm : d;
        dimm_first_block.push_back(static_cast<unsigned>(blocks.size()));
        for (unsigned j = 0; j < dimms[d].nr_blocks; ++j) {
            BlockInfo b;
            b.start_pfn = dimms[d].base_pfn + j * geo.pages_per_block;
            b.dimm = d;
            b.index_in_dimm = j;
            b.nid = dimms[d].node;
#if HP_SYMBOLIC
            b.memory_block_id = blocks.size();  // a name only: the pfn is a term
#else
            b.memory_block_id = b.start_pfn / geo.pages_per_block;
#endif
            blocks.push_back(b);
        }
    }
    // The sections device ranges touch, each with the subsections boot memory holds.
    dev_sections.clear();
    for (const Device& d : devices) {
        const u64 pps = geo.pages_per_section;
        for (pfn_t sec = d.base_pfn - d.base_pfn % pps; sec < d.base_pfn + d.nr_pages; sec += pps) {
            bool known = false;
            for (const DevSectionInfo& i : dev_sections) known = known || i.start_pfn == sec;
            if (known) continue;
            DevSectionInfo info;
            info.start_pfn = sec;
            for (const BootZone& z : boot) {
                if (z.end_pfn <= sec || z.start_pfn >= sec + pps) continue;
                const pfn_t lo = std::max<pfn_t>(z.start_pfn, sec), hi = std::min<pfn_t>(z.end_pfn, sec + pps);
                info.early = true;
                // subsection_map_init(): every subsection the boot range touches
                const pfn_t lo_al = lo - lo % geo.pages_per_subsection;
                info.boot_map |= subsection_mask(lo_al, (hi - lo_al + geo.pages_per_subsection - 1) /
                                                            geo.pages_per_subsection * geo.pages_per_subsection);
            }
            dev_sections.push_back(info);
        }
    }
    if constexpr (!kSymbolic)
        std::sort(dev_sections.begin(), dev_sections.end(),
                  [](const DevSectionInfo& a, const DevSectionInfo& b) { return a.start_pfn < b.start_pfn; });
    if (cpus_per_node.size() < static_cast<size_t>(nr_nodes)) cpus_per_node.resize(nr_nodes, 0);
    // A direct lookup table for block_of_pfn(), which every pfn query uses.
    block_index.clear();
#if !HP_SYMBOLIC  // pfns are terms there: block_of_pfn() compares ranges
    block_shift = std::has_single_bit(geo.pages_per_block) ? std::countr_zero(geo.pages_per_block) : 0;
    section_shift = std::has_single_bit(geo.pages_per_section) ? std::countr_zero(geo.pages_per_section) : 0;
    if (!blocks.empty()) {
        hotplug_base = blocks[0].start_pfn;
        pfn_t end = 0;
        for (const BlockInfo& b : blocks) {
            hotplug_base = std::min(hotplug_base, b.start_pfn);
            end = std::max(end, b.start_pfn + geo.pages_per_block);
        }
        // probe_pfn() looks a pfn of a block up without walking the boot zones: the loader
        // keeps DIMMs off boot memory and carves boot_blocks out of it; say so if not.
        for (const BlockInfo& b : blocks)
            for (const BootZone& z : boot)
                if (!z.span_only && b.start_pfn < z.end_pfn && z.start_pfn < b.start_pfn + geo.pages_per_block)
                    throw std::logic_error("Machine: a hot-pluggable block overlaps boot memory");
        if ((end - hotplug_base) / geo.pages_per_block <= (1u << 20)) {
            block_index.assign((end - hotplug_base) / geo.pages_per_block, -1);
            for (unsigned i = 0; i < blocks.size(); ++i)
                block_index[(blocks[i].start_pfn - hotplug_base) / geo.pages_per_block] = static_cast<int>(i);
        }
    }
#endif
}

#if !HP_SYMBOLIC
std::string Machine::add_virtio_mem(VirtioMem vm) {
    const u64 ppb = geo.pages_per_block;
    // virtio_mem_init_hotplug(): sb_size = max(device_block_size, pageblock_nr_pages); SBM when
    // sb_size < memory_block_size_bytes() && !force_bbm.
    const u64 sb = std::max<u64>(vm.device_block_pages, geo.pageblock_nr_pages);
    vm.sbm = sb < ppb && !vm.force_bbm;
    if (vm.sbm) {
        // SBM: "At least two subblocks per Linux memory block"; the model keeps the number of
        // plugged sub-blocks of a block in a u8 (KernelState::sbm_plugged).
        if (ppb % sb) return "the memory block is not a whole number of sub-blocks";
        vm.sb_pages = sb;
        vm.sbs_per_mb = static_cast<unsigned>(ppb / sb);
        if (vm.sbs_per_mb > 64) return "Sub Block Mode with more than 64 sub-blocks per memory block is not modelled";
    }
    // BBM: bb_size = max(device_block_size, memory_block_size_bytes()) (bbm_block_size unset);
    // SBM adds memory block by memory block.
    vm.bb_pages = vm.sbm ? ppb : std::max<u64>(vm.device_block_pages, ppb);
    if (vm.bb_pages % ppb) return "the big block size is not a whole number of memory blocks";
    if (vm.base_pfn % vm.bb_pages)
        return "the region must start at a big block boundary (the driver rounds up and leaves the head unusable)";
    if (vm.region_pages < vm.bb_pages || vm.region_pages % vm.bb_pages)
        return "the region must be a whole number of big blocks, at least one";
    vm.first_dimm = static_cast<unsigned>(dimms.size());
    vm.nr_bbs = static_cast<unsigned>(vm.region_pages / vm.bb_pages);
    const int idx = static_cast<int>(virtio_mems.size());
    for (unsigned i = 0; i < vm.nr_bbs; ++i) {
        Dimm d;
        d.name = vm.name + ".bb" + std::to_string(i);
        d.node = vm.node;
        d.base_pfn = vm.base_pfn + i * vm.bb_pages;
        d.nr_blocks = static_cast<unsigned>(vm.bb_pages / ppb);
        d.virtio_mem = idx;
        d.bb_index = i;
        dimms.push_back(d);
    }
    virtio_mems.push_back(vm);
    return "";
}
#endif

int Machine::block_of_pfn(pfn_t pfn) const {
#if !HP_SYMBOLIC
    if (!block_index.empty()) {
        if (pfn < hotplug_base) return -1;
        const pfn_t i = block_shift ? (pfn - hotplug_base) >> block_shift : (pfn - hotplug_base) / geo.pages_per_block;
        return i < block_index.size() ? block_index[i] : -1;
    }
#endif
    for (unsigned d = 0; d < dimms.size(); ++d) {
        const Dimm& dm = dimms[d];
        if (pfn >= dm.base_pfn && pfn < dimm_end_pfn[d])
            return static_cast<int>(dimm_first_block[d] + as_index((pfn - dm.base_pfn) / geo.pages_per_block, dm.nr_blocks, 0));
    }
    return -1;
}

int Machine::dev_section_of_pfn(pfn_t pfn) const {
    for (unsigned i = 0; i < dev_sections.size(); ++i)
        if (pfn >= dev_sections[i].start_pfn && pfn < dev_sections[i].start_pfn + geo.pages_per_section)
            return static_cast<int>(i);
    return -1;
}

u64 Machine::subsection_mask(pfn_t pfn, u64 nr_pages) const {
    const u64 first = (pfn % geo.pages_per_section) / geo.pages_per_subsection;
    const u64 n = nr_pages / geo.pages_per_subsection;
    if constexpr (kSymbolic) {  // n < 64: the loader keeps subsections_per_section <= 64 for devices
        return ((u64(1) << n) - u64(1)) << first;
    } else {
        const u64 ones = n >= 64 ? ~0ull : (1ull << n) - 1;
        return first >= 64 ? 0 : ones << first;
    }
}

const BootZone* Machine::boot_zone_of_pfn(pfn_t pfn) const {
    for (const BootZone& z : boot)
        if (!z.span_only && pfn >= z.start_pfn && pfn < z.end_pfn) return &z;
    return nullptr;
}

u64 Machine::boot_present(int node, unsigned zone) const {
    u64 n = 0;
    for (const BootZone& z : boot)
        if (z.node == node && z.zone == zone) n += z.present;
    return n;
}

u64 Machine::boot_managed(int node, unsigned zone) const {
    u64 n = 0;
    for (const BootZone& z : boot)
        if (z.node == node && z.zone == zone) n += z.managed;
    return n;
}

}  // namespace hp::HP_DOMAIN
