#include "spec/state_diff.hpp"

#include <fmt/format.h>

namespace hp {

namespace {
std::string memmap_str(std::uint8_t mm) {
    if (!Memmap::initialized(mm)) return "poisoned";
    return fmt::format("node{}/{}", Memmap::nid(mm), zone_name(Memmap::zone(mm)));
}
std::string backing_str(const Machine& m, std::uint8_t b) {
    if (b == BACKING_NONE) return "none";
    if (b == BACKING_BUDDY) return "node memory";
    return fmt::format("altmap of memory{}", m.blocks[b].memory_block_id);
}
}  // namespace

std::vector<std::pair<std::string, std::string>> state_fields(const Machine& m, const KernelState& s) {
    std::vector<std::pair<std::string, std::string>> f;
    auto add = [&](std::string k, std::string v) { f.emplace_back(std::move(k), std::move(v)); };
    for (int n = 0; n < m.nr_nodes; ++n) {
        const NodeState& node = s.nodes[n];
        add(fmt::format("node{}.online", n), node.online ? "1" : "0");
        add(fmt::format("node{}.node_start_pfn", n), fmt::format("{}", node.node_start_pfn));
        add(fmt::format("node{}.node_spanned_pages", n), fmt::format("{}", node.node_spanned_pages));
        add(fmt::format("node{}.node_present_pages", n), fmt::format("{}", node.node_present_pages));
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) {
            const ZoneState& zs = node.zones[z];
            const std::string p = fmt::format("node{}.{}.", n, zone_name(z));
            add(p + "zone_start_pfn", fmt::format("{}", zs.zone_start_pfn));
            add(p + "spanned_pages", fmt::format("{}", zs.spanned_pages));
            add(p + "present_pages", fmt::format("{}", zs.present_pages));
            add(p + "managed_pages", fmt::format("{}", zs.managed_pages));
            add(p + "contiguous", zs.contiguous ? "1" : "0");
        }
        add(fmt::format("node{}.vmemmap_pages_from_node_memory", n), fmt::format("{}", s.buddy_vmemmap_pages[n]));
    }
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        const std::string p = fmt::format("memory{}.", m.blocks[b].memory_block_id);
        add(p + "state", std::string(block_state_name(bs.state)));
        add(p + "zone", std::string(zone_name(bs.zone)));
        add(p + "online_type", std::string(online_type_name(bs.online_type)));
        add(p + "nr_vmemmap_pages", fmt::format("{}", bs.nr_vmemmap_pages));
        add(p + "sections_valid", fmt::format("{:#x}", bs.section_valid));
        add(p + "sections_online", fmt::format("{:#x}", bs.section_online));
        add(p + "sections_usage", fmt::format("{:#x}", bs.section_usage));
        add(p + "memmap[vmemmap]", memmap_str(bs.memmap_vmemmap));
        add(p + "memmap", memmap_str(bs.memmap_rest));
        add(p + "vmemmap_backing", backing_str(m, bs.vmemmap_backing));
        add(p + "altmap.alloc", fmt::format("{}", bs.altmap_alloc));
        if (keeps_section_maps(m)) {  // SPARSEMEM without VMEMMAP: section_mem_map's address and SECTION_IS_EARLY
            add(p + "sections_mem_map", fmt::format("{:#x}", s.section_maps[b].mem_map));
            add(p + "sections_early", fmt::format("{:#x}", s.section_maps[b].early));
        }
        if (const VirtioMem* v = m.sbm_device_of(b))
            add(p + "virtio_mem.plugged_sub_blocks", fmt::format("{}/{}", s.sbm_plugged[b], v->sbs_per_mb));
    }
    for (unsigned d = 0; d < m.dimms.size(); ++d) {
        const std::string p = fmt::format("{}.", m.dimms[d].name);
        add(p + "plugged", (s.dimm_plugged >> d & 1) ? "1" : "0");
        add(p + "acpi_enabled", (s.dimm_enabled >> d & 1) ? "1" : "0");
        add(p + "group.present_kernel_pages", fmt::format("{}", s.groups[d].present_kernel_pages));
        add(p + "group.present_movable_pages", fmt::format("{}", s.groups[d].present_movable_pages));
    }
    if (m.pt.enabled) {  // kernel page tables (spec/pagetable.hpp)
        for (unsigned i = 0; i < m.pt.nr_slots; ++i) {
            const std::uint8_t e = s.pt.entry[i], bk = s.pt.backing[i];
            std::string v = e == PT_NONE ? "none" : e == PT_LEAF ? "mapped" : "PTE table";
            if (e != PT_NONE)
                v += bk == PT_BACKING_BUDDY ? " (node memory)"
                     : bk == PT_BACKING_BOOT ? " (boot memory)"
                     : bk >= PT_BACKING_DEVICE ? fmt::format(" (altmap of {})", m.devices[bk - PT_BACKING_DEVICE].name)
                                             : fmt::format(" (altmap of memory{})", m.blocks[bk].memory_block_id);
            add(fmt::format("vmemmap_leaf{}.entry", m.pt.first_leaf + i), v);
            if (m.pt.arch == PtArch::X86_64) add(fmt::format("vmemmap_leaf{}.page_unused", m.pt.first_leaf + i),
                                                  fmt::format("{:#x}", s.pt.unused[i]));
        }
        if (m.pt.arch == PtArch::X86_64)
            add("unused_pmd_start", s.pt.unused_pmd_start ? fmt::format("struct page of pfn {:#x}", s.pt.unused_pmd_start - 1)
                                                          : std::string("0"));
        add("vmemmap_page_table_pages", fmt::format("{:#x}", s.pt.tables));
        for (unsigned gi = 0; gi < m.pt.lm_nr_groups; ++gi)
            add(fmt::format("linear_map.{}_table@{:#x}", m.pt.lm_group_level[gi] ? m.pt.lm_upper_level : m.pt.lm_leaf_level,
                            m.pt.lm_group_first[gi]),
                (s.pt.lm_tables >> gi & 1) ? "allocated" : "none");
        for (unsigned b = 0; b < m.blocks.size(); ++b) {
            const std::string p = fmt::format("memory{}.", m.blocks[b].memory_block_id);
            add(p + "linear_map", (s.pt.linear_mapped >> b & 1) ? "mapped" : "none");
            add(p + "hugetlb_page", s.pt.hugetlb[b] == HUGETLB_NONE        ? "none"
                                    : s.pt.hugetlb[b] == HUGETLB_ALLOCATED ? "allocated"
                                                                           : "allocated, vmemmap optimized");
        }
        for (unsigned d = 0; d < m.devices.size(); ++d)
            add(m.devices[d].name + ".linear_map", (s.pt.dev_linear_mapped >> d & 1) ? "mapped" : "none");
    }
    // ZONE_DEVICE ranges (spec/ops/subsection.cpp)
    for (int n = 0; n < m.nr_nodes && !m.devices.empty(); ++n) {
        add(fmt::format("node{}.Device.zone_start_pfn", n), fmt::format("{}", s.dev_zone[n].zone_start_pfn));
        add(fmt::format("node{}.Device.spanned_pages", n), fmt::format("{}", s.dev_zone[n].spanned_pages));
    }
    for (unsigned d = 0; d < m.devices.size(); ++d) {
        const DevState& ds = s.devices[d];
        const std::string p = m.devices[d].name + ".";
        add(p + "pgmap", ds.mapped ? "mapped" : "none");
        add(p + "memmap", fmt::format("{}{}{}", ds.memmap & DEV_MEMMAP_HEAD ? "head+" : "",
                                      ds.memmap & DEV_MEMMAP_ALTMAP ? "altmap+" : "",
                                      ds.memmap & DEV_MEMMAP_REST ? "ZONE_DEVICE" : "poisoned"));
        add(p + "vmemmap_backing", ds.vmemmap_backing == BACKING_NONE    ? std::string("none")
                                   : ds.vmemmap_backing == BACKING_BUDDY ? std::string("node memory")
                                                                         : std::string("its altmap"));
        add(p + "altmap.alloc", fmt::format("{}", ds.altmap_alloc));
    }
    for (unsigned i = 0; i < m.dev_sections.size(); ++i) {
        const DevSectionState& ms = s.dev_sections[i];
        const std::string p = fmt::format("section{}.", m.dev_sections[i].start_pfn / m.geo.pages_per_section);
        add(p + "section_mem_map",
            fmt::format("{}{}{}{}{}", ms.flags & SEC_VALID ? "PRESENT|HAS_MEM_MAP" : "0", ms.flags & SEC_ONLINE ? "|ONLINE" : "",
                        m.dev_sections[i].early ? "|EARLY" : "", ms.flags & SEC_TAINT_ZONE_DEVICE ? "|TAINT_ZONE_DEVICE" : "",
                        ms.flags & SEC_USAGE ? "" : " (usage NULL)"));
        add(p + "subsection_map", fmt::format("{:#x}", ms.flags & SEC_USAGE ? ms.subsection_map : 0));
        add(p + "memmap_mapped", fmt::format("{:#x}", ms.memmap_mapped));
    }
    return f;
}

std::vector<FieldChange> diff_states(const Machine& m, const KernelState& a, const KernelState& b) {
    const auto fa = state_fields(m, a), fb = state_fields(m, b);
    std::vector<FieldChange> out;
    for (size_t i = 0; i < fa.size(); ++i)
        if (fa[i].second != fb[i].second) out.push_back({fa[i].first, fa[i].second, fb[i].second});
    return out;
}

}  // namespace hp
