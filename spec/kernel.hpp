// The kernel model's execution context and its table of kernel functions.
//
// Every kernel path is a plain function `f(Kernel&, ...)` named after the kernel's and
// called through `k.ops.f` so that a variant (spec/variants/) can replace exactly the
// functions its patch changes; everything else is inherited from its parent variant.
// Functions return 0 or a negative errno, like the kernel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "spec/state.hpp"

namespace hp {

// Nondeterminism the real kernel has, chosen by the explorer (docs/kernel-reference.md §3, and
// docs/kernel-reference.md §9: kernel-zone offline refused with EBUSY). A fault names a fault
// point and which visit of that point in the current action fails (index).
enum class FaultKind : std::uint8_t {
    NONE,
    UNMOVABLE_PAGES,        // start_isolate_page_range(): unmovable pages in a kernel zone -> -EBUSY
    NOTIFIER_VETO_ONLINE,   // memory_notify(MEM_GOING_ONLINE) returns an error (-EBUSY)
    NOTIFIER_VETO_OFFLINE,  // memory_notify(MEM_GOING_OFFLINE) returns an error (-EBUSY)
    SECTION_ENOMEM,         // section_activate(): kzalloc() of ms->usage fails -> -ENOMEM
    MEMORY_BLOCK_ENOMEM,    // create_memory_block_devices() fails -> -ENOMEM
    NOTIFIER_VETO_PREPARE_ONLINE,  // memory_notify(MEM_PREPARE_ONLINE) returns an error (6.9/6.10+, v6.12)
    MEMMAP_ENOMEM,          // populate_section_memmap() returns NULL: !SPARSEMEM_VMEMMAP kvmalloc_node() of the
                            // memmap fails; VMEMMAP: vmemmap_populate() fails before it maps the chunk
    COUNT
};
const char* fault_name(FaultKind f);  // "unmovable-pages", ...

struct Fault {
    FaultKind kind = FaultKind::NONE;
    std::uint8_t index = 0;
    bool operator==(const Fault&) const = default;
};

// The fault points one run of an action passed. A run with fault f behaves exactly like
// the run without it up to the visit where f fires, so if the run without it never makes
// that visit (!reaches(f)), the faulted run is that same run and f never fires: the
// explorer skips it without running it (KernelModel::step).
struct FaultReach {
    std::uint32_t visits[static_cast<int>(FaultKind::COUNT)] = {};  // Kernel::inject() calls per kind
    std::uint32_t unmovable_blocks = 0;  // bit b: offline_pages() isolated block b in a kernel zone
    bool reaches(const Fault& f) const {
        if (f.kind == FaultKind::UNMOVABLE_PAGES) return f.index < 32 && (unmovable_blocks >> f.index & 1);
        return visits[static_cast<int>(f.kind)] > f.index;
    }
};

// Narrative of one step for reporters: which kernel functions ran, in order and nested,
// and what the kernel printed (WARN / pr_warn). Only filled when a reporter asks.
// Interleaving points (docs/interleavings.md): where a kernel path can be observed by
// another CPU. A path announces the event *before* it happens with Kernel::yield(); in a
// sequential run (no hook) that is a no-op, so every existing verdict is unchanged. The
// threaded model (checker/threaded_model.*) parks the path there and schedules others.
enum class YieldKind : std::uint8_t {
    LOCK_MEM_HOTPLUG,    // mem_hotplug_begin(): percpu_down_write(&mem_hotplug_lock)
    UNLOCK_MEM_HOTPLUG,  // mem_hotplug_done()
    FREE_USAGE,          // section_deactivate(): ms->usage freed; arg = section key | kUsageRcu
    FREE_MEMMAP,         // depopulate_section_memmap(): the section's struct pages go
    PT_POPULATE,         // vmemmap_populate(): an intermediate kernel page table gets a vmemmap entry
    PT_UNMAP,            // unmap_hotplug_range(): the vmemmap entry is cleared (table kept)
    PT_FREE_EMPTY,       // free_empty_tables(): empty intermediate tables are freed
    SPAN_BEGIN,          // a zone's zone_start_pfn/spanned_pages are about to change; arg = nid * MAX_NR_ZONES + zone
    SPAN_END,            // ... and are consistent again
    COUNT
};
const char* yield_kind_name(YieldKind k);
inline constexpr unsigned kUsageRcu = 0x10000;  // FREE_USAGE by kfree_rcu() rather than kfree()

struct CallLog {
    struct Entry { int depth; std::string text; };
    std::vector<Entry> entries;
    int depth = 0;
};

}  // namespace hp

namespace hp::HP_DOMAIN {

// Things a kernel path did that an invariant judges after the step (transition properties).
struct Observation {
    enum Kind : std::uint8_t {
        POISONED_MEMMAP_READ,   // page_zone()/page_to_nid() on a poisoned struct page (I12)
        UNMAPPED_MEMMAP_READ,   // a struct page read where no memmap exists at all (I12)
        MISALIGNED_RANGE,       // online_pages/offline_pages/__add_pages called off alignment (I15)
        ALTMAP_FREED_TO_BUDDY,  // vmemmap pages of an altmap freed with free_pages() (I11)
        MEMMAP_FREED_IN_USE,    // vmemmap backing freed while a present block's memmap uses it (I9)
        USAGE_READ_AFTER_FREE,  // pfn_section_valid() read ms->usage of a section whose usage was freed (I17)
        MEMORY_BLOCK_USE_AFTER_FREE,  // get_device()/put_device()/device_unregister() of a released memory_block (I18)
        // Kernel page tables (spec/pagetable.hpp; I19 vmemmap-pagetables). pfn: the first pfn
        // whose struct pages the leaf maps; nr: the vmemmap leaf index.
        VMEMMAP_FREED_IN_USE,   // a vmemmap leaf (or its PTE pages) freed while a section's struct pages live in it
        VMEMMAP_UNMAPPED_WRITE, // a write (memset PAGE_UNUSED) through a vmemmap address with no mapping: an oops
        PGTABLE_FREED_IN_USE,   // a page-table page freed while one of its entries still maps something
        LINEAR_MAP_TABLE_FREED_IN_USE,  // a linear-map table page freed while it maps a block (pfn: that block's
                                        // first pfn; nr: the table group)
        ZONE_DEVICE_PAGE_ONLINE,      // pfn_to_online_page() returned a page of a ZONE_DEVICE range (I22)
        ALTMAP_LEAK,                  // memunmap_pages(): pgmap->altmap.alloc != 0 after arch_remove_memory() (I11)
        EARLY_RESERVED_PAGES,   // has_unmovable_pages() met PG_reserved pages of an early memblock allocation (seed 003)
        // 6.6+ mem->altmap object (BlockState::altmap_obj; I18 memory-block-lifetime). pfn: the block's first pfn.
        ALTMAP_OBJ_USE_AFTER_FREE,        // a read of mem->altmap after kfree(altmap)
        MEMORY_BLOCK_RELEASED_WITH_ALTMAP,  // memory_block_release() with mem->altmap set: WARN_ON(mem->altmap)
        // SPARSEMEM without VMEMMAP (KernelState::section_maps; I24 section-memmap). pfn: the section's first pfn.
        MEMMAP_FREED_BAD_ADDRESS,  // depopulate_section_memmap() kvfree()d pfn_to_page(pfn) of a section whose
                                   // section_mem_map was already NULL (d41e2f3bd546), or never set (the
                                   // memmap-enomem error path of section_activate()): not the memmap's address
        // ms->usage of a cold-plugged DIMM's section (I17 usage-lifetime). pfn: the section's first pfn.
        USAGE_FREED_RESERVED,      // section_deactivate() kfree()d a memblock-allocated (PageReserved) usage: a
                                   // re-added early section before 8068df3b6037 ("kernel BUG at mm/slub.c")
    };
    Kind kind;
    const char* func;   // the kernel function that did it
    pfn_t pfn;
    u64 nr;
};

// Who took a reference on a memory_block device (BlockState::dev_ref_taker): the kernel
// function that called find_memory_block*(); named in a leak report (I18).
enum MemoryBlockRef : std::uint8_t {
    MB_REF_NONE = 0,
    MB_REF_REMOVE_MEMORY_BLOCK_DEVICES,       // remove_memory_block_devices(): find_memory_block_by_id()
    MB_REF_CREATE_MEMORY_BLOCK_DEVICES,       // create_memory_block_devices()'s rollback: find_memory_block_by_id()
    MB_REF_REMOVE_MEMORY_BLOCKS_AND_ALTMAPS,  // 6.8+ remove_memory_blocks_and_altmaps(): find_memory_block()
    MB_REF_COUNT
};
inline const char* memory_block_ref_taker(unsigned r) {
    static const char* const names[MB_REF_COUNT] = {
        "nobody", "find_memory_block_by_id() in remove_memory_block_devices()",
        "find_memory_block_by_id() in create_memory_block_devices()",
        "find_memory_block() in remove_memory_blocks_and_altmaps()"};
    return r < MB_REF_COUNT ? names[r] : "?";
}

struct VmemAltmap {        // struct vmem_altmap
    pfn_t base_pfn = 0;
    u64 free = 0;
    u64 alloc = 0;
    u64 reserve = 0;       // pfns at base_pfn the altmap never hands out (devices: nd_pfn info block)
    int owner_block = -1;  // the hot-pluggable block whose pfns the altmap hands out
    int owner_device = -1; // or the ZONE_DEVICE range (spec/ops/subsection.cpp)
};

struct Kernel;

// The overridable kernel functions. Names and arguments follow the kernel (zones are
// passed as (nid, zone index) because the model has no struct zone pointers).
struct KernelOps {
    // --- user-visible entry points (one per action) -------------------------------------
    int (*acpi_memory_device_add)(Kernel&, unsigned dimm);
    int (*acpi_memory_device_eject)(Kernel&, unsigned dimm);
    int (*memory_block_state_store)(Kernel&, unsigned block, OnlineType type);
    int (*remove_memory)(Kernel&, pfn_t start, u64 nr_pages);
    // --- add ------------------------------------------------------------------------------
    int (*add_memory_resource)(Kernel&, int nid, unsigned group, pfn_t start, u64 nr_pages,
                               bool memmap_on_memory);
    // The memory part of add_memory_resource(): the altmap decision, arch_add_memory(),
    // create_memory_block_devices() and their error path (6.8 splits it per block).
    int (*add_memory_blocks)(Kernel&, int nid, unsigned group, pfn_t start, u64 nr_pages,
                             bool memmap_on_memory);
    // The error path's arch_remove_memory() after create_memory_block_devices() failed:
    // which altmap it passes is what f42ce5f087eb (and a 2026 fix for 6.8+) changed.
    void (*undo_arch_add_memory)(Kernel&, pfn_t start, u64 nr_pages, VmemAltmap* altmap);
    bool (*mhp_supports_memmap_on_memory)(Kernel&, u64 nr_pages);
    int (*arch_add_memory)(Kernel&, int nid, pfn_t start, u64 nr_pages, VmemAltmap* altmap);
    int (*sparse_add_section)(Kernel&, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
    int (*populate_section_memmap)(Kernel&, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
    int (*create_memory_block_devices)(Kernel&, pfn_t start, u64 nr_pages,
                                       u64 vmemmap_pages, unsigned group);
    // drivers/base/memory.c register_memory(): device_register(), then xa_store() into
    // memory_blocks; `xa_store_fails` is the memory-block-enomem fault (f47f758cff59 changed
    // this error path). 0 or a negative errno; on error the device is gone again.
    int (*register_memory)(Kernel&, unsigned block, bool xa_store_fails);
    // 6.8+ (6b8f0798b85a) remove_memory_blocks_and_altmaps(): per block, find_memory_block(),
    // take mem->altmap, remove the device, arch_remove_memory() with that altmap. nullptr
    // before 6.8. 93866f55f7e2 added the put_device() of the find_memory_block() reference.
    void (*remove_memory_blocks_and_altmaps)(Kernel&, pfn_t start, u64 nr_pages);
    // --- online ---------------------------------------------------------------------------
    int (*memory_block_online)(Kernel&, unsigned block, OnlineType type);
    unsigned (*zone_for_pfn_range)(Kernel&, OnlineType type, int nid, pfn_t start, u64 nr_pages);
    int (*mhp_init_memmap_on_memory)(Kernel&, pfn_t pfn, u64 nr_pages, int nid, unsigned zone);
    int (*online_pages)(Kernel&, pfn_t pfn, u64 nr_pages, int nid, unsigned zone, unsigned group);
    void (*move_pfn_range_to_zone)(Kernel&, int nid, unsigned zone, pfn_t pfn, u64 nr_pages);
    void (*adjust_present_page_count)(Kernel&, pfn_t pfn, unsigned group, i64 nr_pages);
    // --- offline --------------------------------------------------------------------------
    int (*memory_block_offline)(Kernel&, unsigned block);
    int (*offline_pages)(Kernel&, pfn_t pfn, u64 nr_pages, int nid, unsigned zone, unsigned group);
    void (*mhp_deinit_memmap_on_memory)(Kernel&, pfn_t pfn, u64 nr_pages);
    void (*remove_pfn_range_from_zone)(Kernel&, int nid, unsigned zone, pfn_t pfn, u64 nr_pages);
    void (*shrink_zone_span)(Kernel&, int nid, unsigned zone, pfn_t start, pfn_t end);
    pfn_t (*find_smallest_section_pfn)(Kernel&, int nid, unsigned zone, pfn_t start, pfn_t end);
    pfn_t (*find_biggest_section_pfn)(Kernel&, int nid, unsigned zone, pfn_t start, pfn_t end);
    void (*update_pgdat_span)(Kernel&, int nid);
    // --- remove ---------------------------------------------------------------------------
    int (*try_remove_memory)(Kernel&, pfn_t start, u64 nr_pages);
    // The removal-granularity rule of try_remove_memory() for memory whose blocks carry
    // vmemmap pages (5.13-6.5: "only in the same granularity it was added - a single
    // memory block", a08a2ae34613). 0 to go on, or -EINVAL. A hook so that designs without
    // the rule (the 2019 RFC, multi-block-removal-allowed) replace only this step.
    int (*check_removal_granularity)(Kernel&, pfn_t start, u64 nr_pages, u64 nr_vmemmap_pages);
    void (*arch_remove_memory)(Kernel&, pfn_t start, u64 nr_pages, VmemAltmap* altmap);
    void (*section_deactivate)(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
    void (*depopulate_section_memmap)(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
    void (*try_offline_node)(Kernel&, int nid);
    // --- sections and pfn helpers (issue 10; spec/ops/sections.cpp) ----------------------
    // The helpers real fixes changed, so that a one-line fix is a one-line variant.
    // include/linux/mmzone.h (6.1): valid_section() (SECTION_HAS_MEM_MAP), online_section()
    // (SECTION_IS_ONLINE), pfn_section_valid() (reads ms->usage->subsection_map: a freed
    // usage is an observation), pfn_valid(); mm/memory_hotplug.c: pfn_to_online_page().
    flag (*valid_section)(Kernel&, pfn_t pfn);
    flag (*online_section)(Kernel&, pfn_t pfn);
    flag (*pfn_section_valid)(Kernel&, pfn_t pfn);
    flag (*pfn_valid)(Kernel&, pfn_t pfn);
    flag (*pfn_to_online_page)(Kernel&, pfn_t pfn);
    // mm/sparse.c sparse_remove_section(): called by __remove_section() for a valid section.
    void (*sparse_remove_section)(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
    // arch/powerpc/mm/init_64.c vmemmap_populated(): does any section whose struct pages
    // share the vmemmap page of `pfn` still answer pfn_valid()? (ppc64 vmemmap_free())
    flag (*vmemmap_populated)(Kernel&, pfn_t pfn);
    // --- kernel page tables and HVO (issue 10 items 2 and 5; spec/ops/pagetables*.cpp,
    // spec/ops/hugetlb_vmemmap.cpp). Called only when the scenario keeps page tables
    // ([kernel] pagetables); `addr`/`end` are vmemmap byte offsets (pfn * sizeof(struct page)).
    // vmemmap_populate()/vmemmap_free() for the section's struct pages: the architecture's
    // (x86 init_64.c, arm64 mmu.c, ppc64 init_64.c; 6.1), chosen by the geometry preset.
    int (*vmemmap_populate)(Kernel&, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap);
    void (*vmemmap_free)(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
    // x86 sub-PMD PAGE_UNUSED tracking (8d400913c231, faf1c0008a33, 280abe14b6e0).
    void (*vmemmap_use_sub_pmd)(Kernel&, u64 start, u64 end);
    void (*vmemmap_use_new_sub_pmd)(Kernel&, u64 start, u64 end);
    flag (*vmemmap_pmd_is_unused)(Kernel&, u64 addr, u64 end);
    // arm64: free_empty_tables(addr, end, floor, ceiling) after unmap_hotplug_range().
    void (*free_empty_tables)(Kernel&, u64 addr, u64 end, u64 floor, u64 ceiling);
    // The linear map of [start, start + nr_pages): x86 init_memory_mapping() /
    // kernel_physical_mapping_remove(), arm64 __create_pgd_mapping() / __remove_pgd_mapping(),
    // ppc64 arch_create_linear_mapping() / arch_remove_linear_mapping().
    void (*linear_map)(Kernel&, pfn_t start, u64 nr_pages, bool map);
    // HVO (mm/hugetlb_vmemmap.c, 6.1): a 2 MiB hugetlb page allocated from / freed to block
    // `block` (alloc_fresh_hugetlb_folio() + hugetlb_vmemmap_optimize(); update_and_free_page()
    // + hugetlb_vmemmap_restore()), the self-hosted check, and offline's dissolve.
    int (*hugetlb_alloc)(Kernel&, unsigned block);
    int (*hugetlb_free)(Kernel&, unsigned block);
    flag (*vmemmap_should_optimize)(Kernel&, unsigned block);
    int (*hugetlb_vmemmap_restore)(Kernel&, unsigned block);
    void (*dissolve_free_huge_pages)(Kernel&, pfn_t start, pfn_t end);
    // --- subsection hot-add: ZONE_DEVICE (issue 10 item 3; spec/ops/subsection.cpp) ------
    // mm/memremap.c memremap_pages() -> pagemap_range(), memunmap_pages() -> pageunmap_range()
    // of device `dev`; mm/memory-failure.c soft_offline_page() (the pfn walker user space
    // can aim: /sys/devices/system/memory/soft_offline_page). The section work goes through
    // the existing entries (arch_add_memory, sparse_add_section, section_deactivate,
    // move_pfn_range_to_zone with ZONE_DEVICE_IDX, remove_pfn_range_from_zone, pfn helpers),
    // which answer per subsection for the sections devices touch.
    int (*memremap_pages)(Kernel&, unsigned dev);
    void (*memunmap_pages)(Kernel&, unsigned dev);
    int (*soft_offline_page)(Kernel&, pfn_t pfn);
    // --- virtio-mem (spec/ops/virtio_mem.cpp, virtio_mem_sbm.cpp; drivers/virtio/virtio_mem.c) --
    // The driver's reaction to a requested-size one big block (SBM: one sub-block) above (plug)
    // or below (unplug) the plugged size: virtio_mem_bbm_plug_request() /
    // virtio_mem_bbm_unplug_request() or their virtio_mem_sbm_* forms, of device `vm`
    // (Machine::virtio_mems).
    int (*virtio_mem_plug_request)(Kernel&, unsigned vm);
    int (*virtio_mem_unplug_request)(Kernel&, unsigned vm);
    // mm/memory_hotplug.c offline_and_remove_memory(): offline every block (rolling back to
    // the sensed online type on failure), then try_remove_memory().
    int (*offline_and_remove_memory)(Kernel&, pfn_t start, u64 nr_pages);
    // online_policy=auto-movable's zone choice (mm/memory_hotplug.c, spec/ops/auto_movable.cpp);
    // group -1: no memory group.
    unsigned (*auto_movable_zone_for_pfn)(Kernel&, int nid, int group, pfn_t pfn, u64 nr_pages);
};

struct Kernel {
    const Machine& m;
    const KernelOps& ops;
    KernelState& s;
    Fault fault{};
    FaultReach reach{};
    bool fault_fired = false;
    CallLog* log = nullptr;

    static constexpr int kMaxObs = 8;
    Observation obs[kMaxObs];
    std::uint8_t nobs = 0;

    // Set by a kernel path whose error exit is known to leave changes behind (x86
    // arch_add_memory does not undo added sections; the eject rollback re-onlines).
    const char* error_leaves_changes = nullptr;

    // With VMEMMAP, set while section_activate() undoes a populate_section_memmap() that failed
    // before it mapped anything of the chunk (the memmap-enomem fault, or an altmap without
    // room): the undo's depopulate_section_memmap() -> vmemmap_free() finds nothing of it
    // mapped and frees nothing (spec/ops/add.cpp, spec/ops/remove.cpp).
    bool memmap_unpopulated = false;

    // Interleaving hook (plain C types: the same in the concrete and the symbolic build,
    // where it is never set). Null: a sequential run, yield() does nothing.
    void (*yield_hook)(void* ctx, YieldKind kind, unsigned arg) = nullptr;
    void* yield_ctx = nullptr;
    void yield(YieldKind kind, unsigned arg = 0) {
        if (yield_hook) yield_hook(yield_ctx, kind, arg);
    }

    Kernel(const Machine& machine, const KernelOps& table, KernelState& state)
        : m(machine), ops(table), s(state) {}

    // Fault point: true if this visit of fault point `kind` is the one that must fail.
    bool inject(FaultKind kind) {
        const std::uint32_t visit = reach.visits[static_cast<int>(kind)]++;
        if (fault.kind != kind || visit != fault.index) return false;
        fault_fired = true;
        return true;
    }
    // Fault point UNMOVABLE_PAGES: unmovable pages in the block of `pfn` (fault.index names
    // the block) make the isolation fail.
    bool inject_unmovable(const pfn_t& pfn) {
        if (kSymbolic && fault.kind != FaultKind::UNMOVABLE_PAGES) return false;  // no block lookup of a term
        const int b = m.block_of_pfn(pfn);
        if (b >= 0 && b < 32) reach.unmovable_blocks |= 1u << b;
        if (fault.kind != FaultKind::UNMOVABLE_PAGES || b != fault.index) return false;
        fault_fired = true;
        return true;
    }
    void observe(Observation::Kind kind, const char* func, const pfn_t& pfn, const u64& nr = 1) {
        if (nobs < kMaxObs) obs[nobs++] = Observation{kind, func, pfn, nr};
    }
    // Reporter hooks; free when nobody listens.
    void say(const std::string& text) const {
        if (log) log->entries.push_back({log->depth, text});
    }
    void say(const char* text) const {  // no std::string built on the hot path
        if (log) log->entries.push_back({log->depth, text});
    }
    bool logging() const { return log != nullptr; }
};

}  // namespace hp::HP_DOMAIN

namespace hp {
// RAII marker for "this kernel function ran", for the step narrative.
template <class K>
class KernelCall {
public:
    [[gnu::always_inline]] KernelCall(K& k, const char* name) : k_(k) {
        if (k_.log) {
            k_.log->entries.push_back({k_.log->depth, name});
            ++k_.log->depth;
        }
    }
    [[gnu::always_inline]] ~KernelCall() {
        if (k_.log) --k_.log->depth;
    }
    KernelCall(const KernelCall&) = delete;
    KernelCall& operator=(const KernelCall&) = delete;

private:
    K& k_;
};
#define HP_CONCAT2(a, b) a##b
#define HP_CONCAT(a, b) HP_CONCAT2(a, b)
#define KCALL(k, name) ::hp::KernelCall HP_CONCAT(kcall_, __LINE__)((k), (name))
}  // namespace hp
// A line of the narrative (pr_warn, WARN, a decision); formatted only when logging.
#define KSAY(k, ...)                                   \
    do {                                               \
        if ((k).logging()) (k).say(fmt::format(__VA_ARGS__)); \
    } while (0)

namespace hp::HP_DOMAIN {
// Helpers shared by the ops (spec/ops/common.cpp).
u8 read_memmap(Kernel& k, const pfn_t& pfn, const char* func);  // page_zone()/page_to_nid() read
unsigned group_of_block(const Machine& m, unsigned block);
// Blocks [first, first+count) covering [start, start+nr_pages); false if the range is not
// made of hot-pluggable blocks of this machine.
bool blocks_of_range(const Machine& m, const pfn_t& start, const u64& nr_pages, unsigned& first, unsigned& count);

}  // namespace hp::HP_DOMAIN
