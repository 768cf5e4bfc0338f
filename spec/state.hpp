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

#include "spec/machine.hpp"

namespace hp {

// What the struct pages of a run of pfns say. MEMMAP_POISONED: page_init_poison()
// after sparse_add_section() or remove_pfn_range_from_zone(); otherwise linked to
// (nid, zone) by memmap_init_range().
struct Memmap {
    static constexpr std::uint8_t POISONED = 0;
    static constexpr std::uint8_t make(int nid, unsigned zone) {
        return static_cast<std::uint8_t>(1 + nid * MAX_NR_ZONES + zone);
    }
    static constexpr bool initialized(std::uint8_t m) { return m != POISONED; }
    static constexpr int nid(std::uint8_t m) { return (m - 1) / MAX_NR_ZONES; }
    static constexpr unsigned zone(std::uint8_t m) { return (m - 1) % MAX_NR_ZONES; }
};

// Where the struct pages of a block live (docs/kernel-reference.md §2.3 memmap_backing).
inline constexpr std::uint8_t BACKING_NONE = 0xff;   // vmemmap not populated
inline constexpr std::uint8_t BACKING_BUDDY = 0xfe;  // vmemmap_alloc_block(): node memory
// any other value b: altmap pfns at the start of hot-pluggable block b

struct ZoneState {                // struct zone
    std::uint32_t zone_start_pfn;
    std::uint32_t spanned_pages;
    std::uint32_t present_pages;
    std::uint32_t managed_pages;
    std::uint32_t contiguous;      // bool; a word so that the struct has no padding
    std::uint32_t end_pfn() const { return zone_start_pfn + spanned_pages; }
    bool empty() const { return spanned_pages == 0; }   // zone_is_empty()
    bool spans(std::uint64_t pfn) const { return pfn >= zone_start_pfn && pfn < end_pfn(); }
};

struct NodeState {                // pglist_data
    std::uint32_t node_start_pfn;
    std::uint32_t node_spanned_pages;
    std::uint32_t node_present_pages;
    std::uint32_t online;          // node_online(nid)
    ZoneState zones[MAX_NR_ZONES];
};

struct BlockState {               // struct memory_block + its sections + the memmap of its pfns
    std::uint8_t state;            // BlockStateKind
    std::uint8_t zone;             // mem->zone (NO_ZONE for NULL)
    std::uint8_t memmap_vmemmap;   // memmap of [start, start + nr_vmemmap_pages)
    std::uint8_t memmap_rest;      // memmap of [start + nr_vmemmap_pages, end)
    std::uint8_t vmemmap_backing;  // BACKING_* or the block whose altmap backs our struct pages
    std::uint8_t online_type;      // mem->online_type: set by a state write, reset by memory_subsys_online
    std::uint16_t nr_vmemmap_pages;  // mem->nr_vmemmap_pages (5.13-6.5) / altmap->free (6.6+)
    std::uint16_t section_valid;     // per section: SECTION_MARKED_PRESENT|HAS_MEM_MAP, subsection_map full
    std::uint16_t section_online;    // per section: SECTION_IS_ONLINE
    std::uint16_t altmap_alloc;      // pfns of this block handed out as vmemmap (vmem_altmap.alloc)
    std::uint16_t pad2;
};

struct GroupState {               // struct memory_group (static, one per ACPI DIMM)
    std::uint32_t present_kernel_pages;
    std::uint32_t present_movable_pages;
};

struct KernelState {
    NodeState nodes[MAX_NODES];
    BlockState blocks[MAX_BLOCKS];
    GroupState groups[MAX_DIMMS];
    std::uint32_t dimm_plugged;    // bit d: the platform (QEMU/ACPI) has DIMM d plugged
    std::uint32_t dimm_enabled;    // bit d: acpi_memory_info->enabled (its __add_memory() succeeded)
    std::uint32_t buddy_vmemmap_pages[MAX_NODES];  // node memory consumed by hot-added memmaps

    ZoneState& zone(int nid, unsigned z) { return nodes[nid].zones[z]; }
    const ZoneState& zone(int nid, unsigned z) const { return nodes[nid].zones[z]; }
    bool operator==(const KernelState& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};
static_assert(std::is_trivially_copyable_v<KernelState>);

// The boot state of a machine: early zones online, every DIMM unplugged.
KernelState initial_state(const Machine& m);

// Packing into 32-bit words for the visited set: only the nodes, blocks and groups this
// machine uses. unpack() overwrites only those: `s` must already hold initial_state(m)
// (or any state of m) in its unused slots. unpack(pack(s)) == s for every state of m.
unsigned packed_words(const Machine& m);
void pack(const Machine& m, const KernelState& s, std::uint32_t* out);
void unpack(const Machine& m, const std::uint32_t* in, KernelState& s);

}  // namespace hp
