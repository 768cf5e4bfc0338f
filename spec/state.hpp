// KernelState: everything the hotplug paths change, as a flat value type (no pointers,
// no heap): copyable with memcpy, comparable, hashable. Field names are the kernel's.
//
// Granularity. Per-pfn state is not stored pfn by pfn: every kernel path touches a
// memory block in at most two runs, the vmemmap pages [start, start+nr_vmemmap_pages)
// and the rest, and section bits per section. So a block keeps one memmap state for
// each run and one bit per section; queries (spec/memmap.hpp) answer in real pfns.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "spec/machine.hpp"
#include "spec/pagetable.hpp"

namespace hp::HP_DOMAIN {

// What the struct pages of a run of pfns say. MEMMAP_POISONED: page_init_poison()
// after sparse_add_section() or remove_pfn_range_from_zone(); otherwise linked to
// (nid, zone) by memmap_init_range().
struct Memmap {
    static constexpr std::uint8_t POISONED = 0;
    static constexpr std::uint8_t make(int nid, unsigned zone) {
        return static_cast<std::uint8_t>(1 + nid * MAX_NR_ZONES + zone);
    }
    static flag initialized(const u8& m) { return m != POISONED; }
    // Only meaningful for an initialized memmap.
    static int nid(const u8& m) { return static_cast<int>(as_index((m - 1) / MAX_NR_ZONES, MAX_NODES, 0)); }
    static unsigned zone(const u8& m) { return as_index((m - 1) % MAX_NR_ZONES, MAX_NR_ZONES, 0); }
};

// Where the struct pages of a block live (docs/kernel-reference.md §2.3 memmap_backing).
inline constexpr std::uint8_t BACKING_NONE = 0xff;   // vmemmap not populated
inline constexpr std::uint8_t BACKING_BUDDY = 0xfe;  // vmemmap_alloc_block(): node memory
// any other value b: altmap pfns at the start of hot-pluggable block b

struct ZoneState {                // struct zone
    u32 zone_start_pfn;
    u32 spanned_pages;
    u32 present_pages;
    u32 managed_pages;
    u32 contiguous;      // bool; a word so that the struct has no padding
    u32 end_pfn() const { return zone_start_pfn + spanned_pages; }
    flag empty() const { return spanned_pages == 0; }   // zone_is_empty()
    bool spans(const pfn_t& pfn) const { return pfn >= zone_start_pfn && pfn < end_pfn(); }
};

struct NodeState {                // pglist_data
    u32 node_start_pfn;
    u32 node_spanned_pages;
    u32 node_present_pages;
    u32 online;          // node_online(nid)
    ZoneState zones[MAX_NR_ZONES];
};

struct BlockState {               // struct memory_block + its sections + the memmap of its pfns
    u8 state;            // BlockStateKind
    u8 zone;             // mem->zone (NO_ZONE for NULL)
    u8 memmap_vmemmap;   // memmap of [start, start + nr_vmemmap_pages)
    u8 memmap_rest;      // memmap of [start + nr_vmemmap_pages, end)
    u8 vmemmap_backing;  // BACKING_* or the block whose altmap backs our struct pages
    u8 online_type;      // mem->online_type: set by a state write, reset by memory_subsys_online
    u16 nr_vmemmap_pages;  // mem->nr_vmemmap_pages (5.13-6.5) / altmap->free (6.6+)
    // struct mem_section of each section of the block (bit i = section i). Hot-added
    // sections are never SECTION_IS_EARLY (boot memory is not a block); without subsection
    // hot-add a section's subsection_map is full or empty, so one bit says which.
    u16 section_valid;     // section_mem_map: SECTION_MARKED_PRESENT|SECTION_HAS_MEM_MAP (valid_section())
    u16 section_online;    // section_mem_map: SECTION_IS_ONLINE (online_section())
    u16 altmap_alloc;      // pfns of this block handed out as vmemmap (vmem_altmap.alloc)
    u16 section_usage;     // ms->usage allocated (subsection_map full): kzalloc'ed by section_activate(),
                           // freed by section_deactivate() (spec/ops/sections.cpp)
    // The memory_block device's kobject reference count (drivers/base/memory.c, 6.1;
    // spec/ops/memory_block.cpp): 1 from device_register() while the device is registered,
    // +1 for every find_memory_block*() not yet put_device()d. 0: memory_block_release()
    // ran (kfree(mem)), or the block was never registered.
    u16 dev_kref;
    u8 dev_ref_taker;      // MemoryBlockRef: who took the oldest reference still held
    // 6.6+ (1a8c64e11043 "mm/memory_hotplug: embed vmem_altmap details in memory block"; 6.8's
    // 6b8f0798b85a per block): the struct vmem_altmap that create_altmaps_and_memory_blocks()
    // kmemdup()s for this block, mem->altmap points at, and remove_memory_blocks_and_altmaps()
    // kfree()s (AltmapObj). Always ALTMAP_OBJ_NONE before 6.6, where the altmap lived on
    // add_memory_resource()'s stack and the block kept only mem->nr_vmemmap_pages. It shares
    // the word of dev_ref_taker: a wider BlockState costs every scenario bytes per state
    // (measured: 23.8 -> 47.3 B/state at 5 DIMMs), a byte that stays 0 before 6.6 costs none.
    u8 altmap_obj;
};

// BlockState::altmap_obj: the lifetime of a block's 6.6+ vmem_altmap object.
enum AltmapObj : std::uint8_t {
    ALTMAP_OBJ_NONE = 0,      // no object: mem->altmap == NULL and nothing allocated
    ALTMAP_OBJ_ATTACHED = 1,  // kmemdup()ed, mem->altmap points at it
    ALTMAP_OBJ_DETACHED = 2,  // allocated, but mem->altmap does not point at it (only a local does):
                              // right inside a path, a leak at the end of a step
    ALTMAP_OBJ_FREED = 3,     // kfree()d while mem->altmap still points at it: reading it is a use after free
};

// ---- Subsection hot-add: ZONE_DEVICE ranges (issue 10 item 3; spec/ops/subsection.cpp) ----
// Kept apart from the blocks: a device range has no memory block, may be any number of
// subsections, and shares sections with boot RAM or other devices. Packed only when the
// machine has devices, so scenarios without [[device]] pay nothing.
inline constexpr std::uint8_t BACKING_EARLY = 0xfd;  // the boot memmap of an early section (memblock)
// section_mem_map bits of a device section (include/linux/mmzone.h, 6.1)
inline constexpr std::uint32_t SEC_VALID = 1;        // SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP
inline constexpr std::uint32_t SEC_ONLINE = 2;       // SECTION_IS_ONLINE (the boot RAM of an early section)
inline constexpr std::uint32_t SEC_TAINT_ZONE_DEVICE = 4;  // SECTION_TAINT_ZONE_DEVICE (1f90a3477df3, 5.12)
inline constexpr std::uint32_t SEC_USAGE = 8;        // ms->usage allocated (early sections: memblock, kept for ever)
// DevState::memmap bits: which struct pages of the range are initialized (not poisoned)
inline constexpr std::uint32_t DEV_MEMMAP_HEAD = 1;    // [base, base + reserve): never initialized by the kernel
inline constexpr std::uint32_t DEV_MEMMAP_ALTMAP = 2;  // [base + reserve, pfn_first): memmap_init_range()
inline constexpr std::uint32_t DEV_MEMMAP_REST = 4;    // [pfn_first, end): memmap_init_zone_device()

struct DevSectionState {          // struct mem_section of a section a device range touches
    u64 subsection_map;  // ms->usage->subsection_map (meaningful while SEC_USAGE)
    u64 memmap_mapped;   // subsections whose struct pages are mapped (vmemmap populated / boot memmap)
    u32 flags;           // SEC_*
    u32 reserved;        // 0 (keeps the struct a multiple of 8 bytes)
};

struct DevState {                 // struct dev_pagemap of one device + its struct pages
    u8 mapped;           // memremap_pages() succeeded and memunmap_pages() has not run
    u8 memmap;           // DEV_MEMMAP_* bits
    u8 vmemmap_backing;  // BACKING_NONE / BACKING_BUDDY / this device's altmap (0) for its non-early sections
    u8 reserved;
    u16 altmap_alloc;    // pgmap->altmap.alloc: pfns of the range handed out as vmemmap
    u16 reserved2;
};

// ---- SPARSEMEM without VMEMMAP: what section_mem_map holds besides its flags ----
// With CONFIG_SPARSEMEM_VMEMMAP pfn_to_page() is arithmetic; without it, it decodes the memmap
// address encoded in section_mem_map (include/asm-generic/memory_model.h __pfn_to_page():
// __section_mem_map_addr(__sec) + __pfn, 6.1 and 6.12), so depopulate_section_memmap()'s
// kvfree(pfn_to_page(pfn)) frees the right memmap only while that address is still there.
// section_deactivate() clears SECTION_HAS_MEM_MAP first and the address last (d41e2f3bd546).
// With VMEMMAP the address is arithmetic, but SECTION_IS_EARLY still decides the teardown
// (section_deactivate(): free_map_bootmem() = vmemmap_free(start, end, NULL), the memblock usage
// kept): kept, and packed, for machines without VMEMMAP or with a cold-plugged DIMM
// (keeps_section_maps()).
struct SectionMapState {          // per hot-pluggable block, bit i = section i of the block
    u16 mem_map;         // section_mem_map holds the section's memmap address (sparse_init_one_section()
                         // sets it, "ms->section_mem_map = (unsigned long)NULL" clears it)
    u16 early;           // SECTION_IS_EARLY: present at boot (a cold-plugged DIMM), cleared with the address;
                         // torn down by free_map_bootmem(), its memblock-allocated (PageReserved) usage is kept
};

struct DevZoneState {             // NODE_DATA(nid)->node_zones[ZONE_DEVICE]: its span only
    u32 zone_start_pfn;  // move_pfn_range_to_zone() grows it; remove_pfn_range_from_zone() never
    u32 spanned_pages;   // shrinks it ("Zone shrinking code cannot properly deal with ZONE_DEVICE")
};

struct GroupState {               // struct memory_group (static, one per ACPI DIMM)
    u32 present_kernel_pages;
    u32 present_movable_pages;
};

struct KernelState {
    NodeState nodes[MAX_NODES];
    BlockState blocks[MAX_BLOCKS];
    GroupState groups[MAX_DIMMS];
    u32 dimm_plugged;    // bit d: the platform (QEMU/ACPI) has DIMM d plugged
    u32 dimm_enabled;    // bit d: acpi_memory_info->enabled (its __add_memory() succeeded)
    u32 buddy_vmemmap_pages[MAX_NODES];  // node memory consumed by hot-added memmaps
    // Kernel page tables and HVO (spec/pagetable.hpp): only with [kernel] pagetables; all
    // zero and neither packed nor listed otherwise.
    PageTableState pt;
    // Subsection hot-add (see DevSectionState): packed only for machines with devices.
    DevZoneState dev_zone[MAX_NODES];
    DevState devices[MAX_DEVICES];
    DevSectionState dev_sections[MAX_DEV_SECTIONS];
    // virtio-mem Sub Block Mode (spec/ops/virtio_mem_sbm.cpp): the plugged sub-blocks of each
    // block of an SBM device (vm->sbm.sb_states as a count: the driver plugs the first unplugged
    // and unplugs from the last plugged sub-block; which ones is not observable). Packed only for
    // machines with an SBM device.
    u8 sbm_plugged[MAX_BLOCKS];
    // SPARSEMEM without VMEMMAP (see SectionMapState): packed only when keeps_section_maps(m).
    SectionMapState section_maps[MAX_BLOCKS];

    ZoneState& zone(int nid, unsigned z) { return nodes[nid].zones[z]; }
    const ZoneState& zone(int nid, unsigned z) const { return nodes[nid].zones[z]; }
#if !HP_SYMBOLIC
    bool operator==(const KernelState& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
#endif
};
#if !HP_SYMBOLIC
static_assert(std::is_trivially_copyable_v<KernelState>);
#endif

// Whether KernelState::section_maps is kept (and packed) for machine m: without
// CONFIG_SPARSEMEM_VMEMMAP, where pfn_to_page() reads section_mem_map, and with it when a
// DIMM is present at boot, whose sections are early (SECTION_IS_EARLY: free_map_bootmem(), the
// PageReserved usage kept; mm/sparse.c section_deactivate(), 6.1 and 6.12). Every other
// machine leaves it zero, so its states, counts and goldens are unchanged.
inline bool keeps_section_maps(const Machine& m) { return !m.params.sparsemem_vmemmap || m.has_coldplug(); }

// The kernel-style name of a field of for_each_field(): "node0.Normal.spanned_pages",
// "block3.state", "dimm_plugged". Built only when asked for (str()): the prover walks the
// fields of a state on every transition and never needs the names there.
struct FieldName {
    std::string_view scope;  // "node", "block", "group", "dimm_plugged", ...
    int index;               // node/block/... number, -1 for a field of the whole state
    std::string_view sub;    // a zone inside a node, "" for none
    std::string_view field;  // "" for a field of the whole state
    explicit FieldName(std::string_view scope_, int index_ = -1, std::string_view sub_ = {}, std::string_view field_ = {})
        : scope(scope_), index(index_), sub(sub_), field(field_) {}
    std::string str() const {
        std::string out(scope);
        if (index >= 0) out += std::to_string(index);
        if (!sub.empty()) (out += '.') += sub;
        if (!field.empty()) (out += '.') += field;
        return out;
    }
};

// Every field of the nodes, blocks and groups machine `m` uses, in a fixed order, as
// f(FieldName, field). The prover turns a symbolic state into Z3 terms and back with it;
// states_equal() compares with it.
template <class State, class F>
void for_each_field(const Machine& m, State& s, F&& f) {
    for (int n = 0; n < m.nr_nodes; ++n) {
        auto& node = s.nodes[n];
        auto p = [n](std::string_view field) { return FieldName{"node", n, {}, field}; };
        f(p("node_start_pfn"), node.node_start_pfn);
        f(p("node_spanned_pages"), node.node_spanned_pages);
        f(p("node_present_pages"), node.node_present_pages);
        f(p("online"), node.online);
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) {
            auto& zone = node.zones[z];
            auto q = [n, z](std::string_view field) { return FieldName{"node", n, ::hp::zone_name(z), field}; };
            f(q("zone_start_pfn"), zone.zone_start_pfn);
            f(q("spanned_pages"), zone.spanned_pages);
            f(q("present_pages"), zone.present_pages);
            f(q("managed_pages"), zone.managed_pages);
            f(q("contiguous"), zone.contiguous);
        }
        f(p("buddy_vmemmap_pages"), s.buddy_vmemmap_pages[n]);
    }
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        auto& mem = s.blocks[b];
        auto p = [b](std::string_view field) { return FieldName{"block", static_cast<int>(b), {}, field}; };
        f(p("state"), mem.state);
        f(p("zone"), mem.zone);
        f(p("memmap_vmemmap"), mem.memmap_vmemmap);
        f(p("memmap_rest"), mem.memmap_rest);
        f(p("vmemmap_backing"), mem.vmemmap_backing);
        f(p("online_type"), mem.online_type);
        f(p("nr_vmemmap_pages"), mem.nr_vmemmap_pages);
        f(p("section_valid"), mem.section_valid);
        f(p("section_online"), mem.section_online);
        f(p("altmap_alloc"), mem.altmap_alloc);
        f(p("section_usage"), mem.section_usage);
        f(p("dev_kref"), mem.dev_kref);
        f(p("dev_ref_taker"), mem.dev_ref_taker);
        f(p("altmap_obj"), mem.altmap_obj);
    }
    for (unsigned g = 0; g < m.dimms.size(); ++g) {
        auto p = [g](std::string_view field) { return FieldName{"group", static_cast<int>(g), {}, field}; };
        f(p("present_kernel_pages"), s.groups[g].present_kernel_pages);
        f(p("present_movable_pages"), s.groups[g].present_movable_pages);
    }
    f(FieldName{"dimm_plugged"}, s.dimm_plugged);
    f(FieldName{"dimm_enabled"}, s.dimm_enabled);
    if (m.pt.enabled) {  // kernel page tables (spec/pagetable.hpp), named by vmemmap leaf
        for (unsigned i = 0; i < m.pt.nr_slots; ++i) {
            const int leaf = static_cast<int>(m.pt.first_leaf + i);
            f(FieldName{"vmemmap_leaf", leaf, {}, "entry"}, s.pt.entry[i]);
            f(FieldName{"vmemmap_leaf", leaf, {}, "backing"}, s.pt.backing[i]);
            f(FieldName{"vmemmap_leaf", leaf, {}, "unused"}, s.pt.unused[i]);
        }
        f(FieldName{"unused_pmd_start"}, s.pt.unused_pmd_start);
        f(FieldName{"vmemmap_tables"}, s.pt.tables);
        f(FieldName{"linear_mapped"}, s.pt.linear_mapped);
        f(FieldName{"linear_map_tables"}, s.pt.lm_tables);
        for (unsigned b = 0; b < m.blocks.size(); ++b) f(FieldName{"block", static_cast<int>(b), {}, "hugetlb"}, s.pt.hugetlb[b]);
    }
    if (m.has_sbm())
        for (unsigned b = 0; b < m.blocks.size(); ++b)
            if (m.sbm_device_of(b)) f(FieldName{"block", static_cast<int>(b), {}, "sbm_plugged"}, s.sbm_plugged[b]);
    if (keeps_section_maps(m))
        for (unsigned b = 0; b < m.blocks.size(); ++b) {
            f(FieldName{"block", static_cast<int>(b), {}, "section_mem_map"}, s.section_maps[b].mem_map);
            f(FieldName{"block", static_cast<int>(b), {}, "section_early"}, s.section_maps[b].early);
        }
    if (m.devices.empty()) return;
    for (int n = 0; n < m.nr_nodes; ++n) {
        f(FieldName{"node", n, "Device", "zone_start_pfn"}, s.dev_zone[n].zone_start_pfn);
        f(FieldName{"node", n, "Device", "spanned_pages"}, s.dev_zone[n].spanned_pages);
    }
    for (unsigned d = 0; d < m.devices.size(); ++d) {
        auto p = [d](std::string_view field) { return FieldName{"dev", static_cast<int>(d), {}, field}; };
        f(p("mapped"), s.devices[d].mapped);
        f(p("memmap"), s.devices[d].memmap);
        f(p("vmemmap_backing"), s.devices[d].vmemmap_backing);
        f(p("altmap_alloc"), s.devices[d].altmap_alloc);
    }
    for (unsigned i = 0; i < m.dev_sections.size(); ++i) {
        auto p = [i](std::string_view field) { return FieldName{"devsection", static_cast<int>(i), {}, field}; };
        if constexpr (!kSymbolic) {  // 64-bit maps; the prover's machines have no devices
            f(p("subsection_map"), s.dev_sections[i].subsection_map);
            f(p("memmap_mapped"), s.dev_sections[i].memmap_mapped);
        }
        f(p("section_mem_map"), s.dev_sections[i].flags);
    }
}

// a == b on every field machine `m` uses (one term, no decision, in the prover).
flag states_equal(const Machine& m, const KernelState& a, const KernelState& b);

// The block whose altmap backs block `bs`'s struct pages, or BACKING_BUDDY / BACKING_NONE.
inline unsigned vmemmap_backing_of(const BlockState& bs) {
    if (bs.vmemmap_backing == BACKING_BUDDY) return BACKING_BUDDY;
    return as_index(bs.vmemmap_backing, MAX_BLOCKS, BACKING_NONE);
}

// Pages of block b the virtio-mem online_page callback keeps fake-offline (PageOffline, never
// managed): the unplugged sub-blocks of a Sub Block Mode block; 0 for every other block.
inline u64 sbm_unplugged_pages(const Machine& m, const KernelState& s, unsigned b) {
#if HP_SYMBOLIC  // the prover's machines have no virtio-mem device
    (void)m, (void)s, (void)b;
    return u64(0);
#else
    const VirtioMem* v = m.sbm_device_of(b);
    if (!v) return 0;
    return (static_cast<u64>(v->sbs_per_mb) - s.sbm_plugged[b]) * v->sb_pages;
#endif
}

// The boot state of a machine: early zones online, every DIMM unplugged.
KernelState initial_state(const Machine& m);

// Packing into 32-bit words for the visited set: only the nodes, blocks and groups this
// machine uses. unpack() overwrites only those: `s` must already hold initial_state(m)
// (or any state of m) in its unused slots. unpack(pack(s)) == s for every state of m.
#if !HP_SYMBOLIC
unsigned packed_words(const Machine& m);
void pack(const Machine& m, const KernelState& s, std::uint32_t* out);
void unpack(const Machine& m, const std::uint32_t* in, KernelState& s);
#endif

}  // namespace hp::HP_DOMAIN
