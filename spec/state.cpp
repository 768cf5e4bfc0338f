#include "spec/state.hpp"

#include "spec/ops/base.hpp"

#include <algorithm>
#include <vector>

namespace hp::HP_DOMAIN {

// The page tables at the end of boot (x86 6.1 sparse_init() -> vmemmap_populate() per
// present section, in order): every leaf holding boot struct pages is mapped from memblock;
// pieces of other sections in it were marked PAGE_UNUSED by vmemmap_use_new_sub_pmd() or a
// later flush, except the tail after the last boot section, which unused_pmd_start still
// points at (nothing flushes it at the end of boot: vmemmap_populate_print_last() only prints).
// The tables holding boot leaves are allocated; others are not.
static void init_pagetables(const Machine& m, PageTableState& pt) {
#if HP_SYMBOLIC  // the prover's machines have no page tables (m.pt.enabled is never set there)
    (void)m;
    (void)pt;
#else
    if (!m.pt.enabled) return;
    const PtLayout& l = m.pt;
    std::uint64_t last_boot_section_end = 0;  // absolute section number + 1
    for (const BootZone& z : m.boot)
        if (z.end_pfn > z.start_pfn && !z.span_only)
            last_boot_section_end = std::max<std::uint64_t>(last_boot_section_end,
                                                            (z.end_pfn - 1) / m.geo.pages_per_section + 1);
    const std::uint64_t sps = m.geo.struct_page_size, pps = m.geo.pages_per_section;
    const std::uint64_t tail_va = last_boot_section_end * pps * sps;
    const bool tail_deferred = l.arch == PtArch::X86_64 && tail_va % l.leaf_bytes != 0;
    for (unsigned i = 0; i < l.nr_slots; ++i) {
        if (!l.slot_boot[i]) continue;
        pt.entry[i] = PT_LEAF;
        pt.backing[i] = PT_BACKING_BOOT;
        if (l.arch != PtArch::X86_64) continue;
        for (unsigned p = 0; p < l.nr_pieces[i]; ++p) {
            if (l.piece_owner[i][p] == PT_PIECE_BOOT) continue;
            const bool after_tail = tail_deferred && (l.first_leaf + i) == tail_va / l.leaf_bytes &&
                                    l.piece_lo[i][p] / pps >= last_boot_section_end;
            if (!after_tail) pt.unused[i] = static_cast<u16>(pt.unused[i] | (1u << p));
        }
    }
    if (tail_deferred && tail_va / l.leaf_bytes >= l.first_leaf &&
        tail_va / l.leaf_bytes < l.first_leaf + l.nr_slots)
        pt.unused_pmd_start = static_cast<u32>(last_boot_section_end * pps + 1);
    for (unsigned t = 0; t < l.nr_tables; ++t)
        if (l.table_boot[t]) pt.tables |= 1u << t;
    // The linear map's tables that also map boot memory exist from boot (paging_init()).
    for (unsigned gi = 0; gi < l.lm_nr_groups; ++gi)
        if (l.lm_group_boot[gi]) pt.lm_tables |= 1u << gi;
#endif
}

KernelState initial_state(const Machine& m) {
    KernelState s;
#if !HP_SYMBOLIC
    std::memset(&s, 0, sizeof s);  // padding too: states are compared and hashed as bytes
#endif
    for (int n = 0; n < m.nr_nodes; ++n) {
        NodeState& node = s.nodes[n];
        u64 lo = ~0ull, hi = 0;
        for (const BootZone& bz : m.boot) {
            if (bz.node != n) continue;
            ZoneState& z = node.zones[bz.zone];
            if (z.spanned_pages == 0) {
                z.zone_start_pfn = static_cast<u32>(bz.start_pfn);
                z.spanned_pages = static_cast<u32>(bz.end_pfn - bz.start_pfn);
            } else {
                u64 start = std::min<u64>(z.zone_start_pfn, bz.start_pfn);
                u64 end = std::max<u64>(z.end_pfn(), bz.end_pfn);
                z.zone_start_pfn = static_cast<u32>(start);
                z.spanned_pages = static_cast<u32>(end - start);
            }
            z.present_pages += static_cast<u32>(bz.present);
            z.managed_pages += static_cast<u32>(bz.managed);
            z.contiguous = 1;
            lo = std::min<u64>(lo, bz.start_pfn);
            hi = std::max<u64>(hi, bz.end_pfn);
            node.node_present_pages += static_cast<u32>(bz.present);
        }
        if (hi > 0) {
            node.node_start_pfn = static_cast<u32>(lo);
            node.node_spanned_pages = static_cast<u32>(hi - lo);
        }
        // A node is online at boot if it has memory or CPUs (memoryless nodes with CPUs are online).
        node.online = (hi > 0 || m.cpus_per_node[n] > 0) ? 1 : 0;
    }
    for (int b = 0; b < MAX_BLOCKS; ++b) {
        s.blocks[b].zone = NO_ZONE;
        s.blocks[b].vmemmap_backing = BACKING_NONE;
    }
    init_pagetables(m, s.pt);
    for (int d = 0; d < MAX_DEVICES; ++d) s.devices[d].vmemmap_backing = BACKING_NONE;
    // Early sections a device shares: valid, online (their boot RAM), usage from memblock,
    // the boot subsections in the map, and the whole boot memmap mapped.
    for (unsigned i = 0; i < m.dev_sections.size(); ++i) {
        if (!m.dev_sections[i].early) continue;
        s.dev_sections[i].flags = SEC_VALID | SEC_ONLINE | SEC_USAGE;
        s.dev_sections[i].subsection_map = m.dev_sections[i].boot_map;
        s.dev_sections[i].memmap_mapped = ~u64(0);
    }
    base::boot_coldplug(m, s);  // memory present at boot in hot-pluggable DIMMs (spec/ops/boot_coldplug.cpp)
    // The sections of a cold-plugged DIMM are early, with and without VMEMMAP: their memmap and
    // usage came from memblock in sparse_init() (mm/sparse.c sparse_init_nid(), 6.1; with VMEMMAP
    // the memmap through __populate_section_memmap()'s sparse buffer), and
    // sparse_init_one_section() set SECTION_IS_EARLY with the address.
    if (keeps_section_maps(m))
        for (unsigned b = 0; b < m.blocks.size(); ++b)
            if (m.dimms[m.blocks[b].dimm].coldplug) s.section_maps[b].early = s.blocks[b].section_valid;
    return s;
}

flag states_equal(const Machine& m, const KernelState& a, const KernelState& b) {
#if HP_SYMBOLIC
    std::vector<const u64*> left;
    for_each_field(m, a, [&](const FieldName&, const auto& f) { left.push_back(&f.word()); });
    flag all = true;
    size_t i = 0;
    for_each_field(m, b, [&](const FieldName&, const auto& f) { all = flag_and(all, *left[i++] == f.word()); });
    return all;
#else
    (void)m;
    return a == b;
#endif
}

#if !HP_SYMBOLIC
namespace {
constexpr unsigned kNodeWords = sizeof(NodeState) / 4;
constexpr unsigned kBlockWords = sizeof(BlockState) / 4;
constexpr unsigned kGroupWords = sizeof(GroupState) / 4;
static_assert(sizeof(NodeState) % 4 == 0 && sizeof(BlockState) % 4 == 0 && sizeof(GroupState) % 4 == 0);
constexpr unsigned kDevZoneWords = sizeof(DevZoneState) / 4;
constexpr unsigned kDevWords = sizeof(DevState) / 4;
constexpr unsigned kDevSectionWords = sizeof(DevSectionState) / 4;
static_assert(sizeof(DevZoneState) % 4 == 0 && sizeof(DevState) % 4 == 0 && sizeof(DevSectionState) % 4 == 0);
unsigned device_words(const Machine& m) {
    if (m.devices.empty()) return 0;
    return m.nr_nodes * kDevZoneWords + static_cast<unsigned>(m.devices.size()) * kDevWords +
           static_cast<unsigned>(m.dev_sections.size()) * kDevSectionWords;
}
}  // namespace

constexpr unsigned kPtWords = sizeof(PageTableState) / 4;
static_assert(sizeof(PageTableState) % 4 == 0);

constexpr unsigned kSbmWords = MAX_BLOCKS / 4;
static_assert(MAX_BLOCKS % 4 == 0);

static_assert(sizeof(SectionMapState) == 4);
static unsigned section_map_words(const Machine& m) { return keeps_section_maps(m) ? static_cast<unsigned>(m.blocks.size()) : 0; }

unsigned packed_words(const Machine& m) {
    return m.nr_nodes * (kNodeWords + 1) + static_cast<unsigned>(m.blocks.size()) * kBlockWords +
           static_cast<unsigned>(m.dimms.size()) * kGroupWords + 2 + (m.pt.enabled ? kPtWords : 0) + device_words(m) +
           (m.has_sbm() ? kSbmWords : 0) + section_map_words(m);
}
namespace {
void pack_devices(const Machine& m, const KernelState& s, std::uint32_t* out) {
    std::memcpy(out, s.dev_zone, m.nr_nodes * sizeof(DevZoneState));
    out += m.nr_nodes * kDevZoneWords;
    std::memcpy(out, s.devices, m.devices.size() * sizeof(DevState));
    out += m.devices.size() * kDevWords;
    std::memcpy(out, s.dev_sections, m.dev_sections.size() * sizeof(DevSectionState));
}
void unpack_devices(const Machine& m, const std::uint32_t* in, KernelState& s) {
    std::memcpy(s.dev_zone, in, m.nr_nodes * sizeof(DevZoneState));
    in += m.nr_nodes * kDevZoneWords;
    std::memcpy(s.devices, in, m.devices.size() * sizeof(DevState));
    in += m.devices.size() * kDevWords;
    std::memcpy(s.dev_sections, in, m.dev_sections.size() * sizeof(DevSectionState));
}
}  // namespace

void pack(const Machine& m, const KernelState& s, std::uint32_t* out) {
    std::memcpy(out, s.nodes, m.nr_nodes * sizeof(NodeState));
    out += m.nr_nodes * kNodeWords;
    std::memcpy(out, s.buddy_vmemmap_pages, m.nr_nodes * 4);
    out += m.nr_nodes;
    std::memcpy(out, s.blocks, m.blocks.size() * sizeof(BlockState));
    out += m.blocks.size() * kBlockWords;
    std::memcpy(out, s.groups, m.dimms.size() * sizeof(GroupState));
    out += m.dimms.size() * kGroupWords;
    out[0] = s.dimm_plugged;
    out[1] = s.dimm_enabled;
    if (m.pt.enabled) std::memcpy(out + 2, &s.pt, sizeof s.pt);
    // Devices follow the page tables.
    if (!m.devices.empty()) pack_devices(m, s, out + 2 + (m.pt.enabled ? kPtWords : 0));
    if (m.has_sbm()) std::memcpy(out + 2 + (m.pt.enabled ? kPtWords : 0) + device_words(m), s.sbm_plugged, sizeof s.sbm_plugged);
    if (keeps_section_maps(m))
        std::memcpy(out + 2 + (m.pt.enabled ? kPtWords : 0) + device_words(m) + (m.has_sbm() ? kSbmWords : 0),
                    s.section_maps, m.blocks.size() * sizeof(SectionMapState));
}

void unpack(const Machine& m, const std::uint32_t* in, KernelState& s) {
    std::memcpy(s.nodes, in, m.nr_nodes * sizeof(NodeState));
    in += m.nr_nodes * kNodeWords;
    std::memcpy(s.buddy_vmemmap_pages, in, m.nr_nodes * 4);
    in += m.nr_nodes;
    std::memcpy(s.blocks, in, m.blocks.size() * sizeof(BlockState));
    in += m.blocks.size() * kBlockWords;
    std::memcpy(s.groups, in, m.dimms.size() * sizeof(GroupState));
    in += m.dimms.size() * kGroupWords;
    s.dimm_plugged = in[0];
    s.dimm_enabled = in[1];
    if (m.pt.enabled) std::memcpy(&s.pt, in + 2, sizeof s.pt);
    if (!m.devices.empty()) unpack_devices(m, in + 2 + (m.pt.enabled ? kPtWords : 0), s);
    if (m.has_sbm()) std::memcpy(s.sbm_plugged, in + 2 + (m.pt.enabled ? kPtWords : 0) + device_words(m), sizeof s.sbm_plugged);
    if (keeps_section_maps(m))
        std::memcpy(s.section_maps, in + 2 + (m.pt.enabled ? kPtWords : 0) + device_words(m) + (m.has_sbm() ? kSbmWords : 0),
                    m.blocks.size() * sizeof(SectionMapState));
}
#endif

}  // namespace hp::HP_DOMAIN
