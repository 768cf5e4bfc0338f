// The baseline kernel functions (Linux 6.1.192, i.e. the 5.13-6.5 semantics of
// docs/kernel-reference.md). Variants reuse these and replace the ones their patch changes.
#pragma once
#include "spec/kernel.hpp"

namespace hp::HP_DOMAIN::base {

// ops/acpi.cpp: ACPI memory device (QEMU pc-dimm) plug and eject, sysfs state writes
int acpi_memory_device_add(Kernel&, unsigned dimm);
int acpi_memory_device_eject(Kernel&, unsigned dimm);
int memory_block_state_store(Kernel&, unsigned block, OnlineType type);
// The writes state_store() refuses before touching anything or reaching a fault point:
// the errno, or 0 when the write must run (KernelModel::step() answers these without it).
int memory_block_state_store_refusal(const KernelState& s, unsigned block, OnlineType type);
int device_online(Kernel&, unsigned block);
int device_offline(Kernel&, unsigned block);
int remove_memory(Kernel&, pfn_t start, u64 nr_pages);

// ops/add.cpp
int add_memory_resource(Kernel&, int nid, unsigned group, pfn_t start, u64 nr_pages, bool memmap_on_memory);
int add_memory_blocks(Kernel&, int nid, unsigned group, pfn_t start, u64 nr_pages, bool memmap_on_memory);
void undo_arch_add_memory(Kernel&, pfn_t start, u64 nr_pages, VmemAltmap* altmap);
bool mhp_supports_memmap_on_memory(Kernel&, u64 nr_pages);
int arch_add_memory(Kernel&, int nid, pfn_t start, u64 nr_pages, VmemAltmap* altmap);
int add_pages(Kernel&, int nid, pfn_t start, u64 nr_pages, VmemAltmap* altmap);  // __add_pages()
int sparse_add_section(Kernel&, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
int populate_section_memmap(Kernel&, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
int create_memory_block_devices(Kernel&, pfn_t start, u64 nr_pages, u64 vmemmap_pages, unsigned group);

// ops/online.cpp
int memory_block_online(Kernel&, unsigned block, OnlineType type);
unsigned zone_for_pfn_range(Kernel&, OnlineType type, int nid, pfn_t start, u64 nr_pages);
unsigned default_kernel_zone_for_pfn(Kernel&, int nid, pfn_t start, u64 nr_pages);
// ops/auto_movable.cpp: online_policy=auto-movable (group -1: no memory group)
unsigned auto_movable_zone_for_pfn(Kernel&, int nid, int group, pfn_t pfn, u64 nr_pages);
flag auto_movable_can_online_movable(Kernel&, int nid, int group, u64 nr_pages);  // nid -1: NUMA_NO_NODE
int mhp_init_memmap_on_memory(Kernel&, pfn_t pfn, u64 nr_pages, int nid, unsigned zone);
int online_pages(Kernel&, pfn_t pfn, u64 nr_pages, int nid, unsigned zone, unsigned group);
void move_pfn_range_to_zone(Kernel&, int nid, unsigned zone, pfn_t pfn, u64 nr_pages);
void adjust_present_page_count(Kernel&, pfn_t pfn, unsigned group, i64 nr_pages);

// ops/offline.cpp
int memory_block_offline(Kernel&, unsigned block);
int offline_pages(Kernel&, pfn_t pfn, u64 nr_pages, int nid, unsigned zone, unsigned group);
void mhp_deinit_memmap_on_memory(Kernel&, pfn_t pfn, u64 nr_pages);

// ops/zone_span.cpp
void remove_pfn_range_from_zone(Kernel&, int nid, unsigned zone, pfn_t pfn, u64 nr_pages);
void shrink_zone_span(Kernel&, int nid, unsigned zone, pfn_t start, pfn_t end);
pfn_t find_smallest_section_pfn(Kernel&, int nid, unsigned zone, pfn_t start, pfn_t end);
pfn_t find_biggest_section_pfn(Kernel&, int nid, unsigned zone, pfn_t start, pfn_t end);
// The two walkers with the test that decides whether a pfn's struct page may be read
// (pfn_to_online_page since 00d6c019b5bc's series; pfn_valid before): a variant of that
// one line passes another test.
using PfnTest = flag (*)(Kernel&, pfn_t);
pfn_t find_smallest_section_pfn_by(Kernel&, PfnTest, int nid, unsigned zone, pfn_t start, pfn_t end);
pfn_t find_biggest_section_pfn_by(Kernel&, PfnTest, int nid, unsigned zone, pfn_t start, pfn_t end);
void update_pgdat_span(Kernel&, int nid);

// ops/remove.cpp
int try_remove_memory(Kernel&, pfn_t start, u64 nr_pages);
int check_removal_granularity(Kernel&, pfn_t start, u64 nr_pages, u64 nr_vmemmap_pages);
void arch_remove_memory(Kernel&, pfn_t start, u64 nr_pages, VmemAltmap* altmap);
void section_deactivate(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void depopulate_section_memmap(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void try_offline_node(Kernel&, int nid);

// ops/sparse_classic.cpp: what section_mem_map holds besides its flags (KernelState::section_maps;
// every function does nothing, or answers as for a hot-added section, unless keeps_section_maps())
void set_section_mem_map(Kernel&, int block, const u32& bit);    // sparse_init_one_section(): the address set
void clear_section_mem_map(Kernel&, int block, const u32& bit);  // ms->section_mem_map = NULL: address, EARLY gone
flag early_section_of_block(Kernel&, int block, const u32& bit); // early_section(ms)
bool usage_is_reserved(Kernel&, int block);                      // PageReserved(virt_to_page(ms->usage))
flag kvfree_section_memmap(Kernel&, pfn_t pfn);  // !VMEMMAP depopulate: false if pfn_to_page() decoded NULL
void free_map_bootmem(Kernel&, pfn_t pfn, u64 nr_pages);         // an early section's boot memmap

// ops/sections.cpp
flag valid_section(Kernel&, pfn_t pfn);
flag online_section(Kernel&, pfn_t pfn);
flag pfn_section_valid(Kernel&, pfn_t pfn);
flag pfn_valid(Kernel&, pfn_t pfn);
flag pfn_to_online_page(Kernel&, pfn_t pfn);
void sparse_remove_section(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
flag vmemmap_populated(Kernel&, pfn_t pfn);

// ops/memory_block.cpp: struct memory_block's device lifetime (drivers/base/memory.c)
int register_memory(Kernel&, unsigned block, bool xa_store_fails);
void get_device(Kernel&, unsigned block, MemoryBlockRef taker);
void put_device(Kernel&, unsigned block);
bool find_memory_block_by_id(Kernel&, unsigned block, MemoryBlockRef taker);  // get_device() if found
void device_unregister(Kernel&, unsigned block);
void remove_memory_block(Kernel&, unsigned block);  // put_device() of the caller's find + device_unregister()
void remove_memory_block_devices(Kernel&, pfn_t start, u64 nr_pages);
// 6.6+ mem->altmap object of a block (BlockState::altmap_obj; ops/memory_block.cpp)
void altmap_kmemdup(Kernel&, unsigned block);
void altmap_kfree(Kernel&, unsigned block);
void altmap_attach(Kernel&, unsigned block);   // mem->altmap = altmap
void altmap_detach(Kernel&, unsigned block);   // mem->altmap = NULL
void altmap_read(Kernel&, unsigned block, const char* func);

// ops/pagetables.cpp (+ _x86, _arm64, _ppc64, _linear): kernel page tables, only with [kernel] pagetables
int vmemmap_populate(Kernel&, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap);
void vmemmap_free(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void linear_map(Kernel&, pfn_t start, u64 nr_pages, bool map);
namespace x86 {
int vmemmap_populate(Kernel&, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap);
void vmemmap_free(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void vmemmap_use_sub_pmd(Kernel&, u64 start, u64 end);
void vmemmap_use_new_sub_pmd(Kernel&, u64 start, u64 end);
flag vmemmap_pmd_is_unused(Kernel&, u64 addr, u64 end);
void vmemmap_flush_unused_pmd(Kernel&);
void init_memory_mapping(Kernel&, pfn_t start, u64 nr_pages);             // ops/pagetables_linear.cpp
void kernel_physical_mapping_remove(Kernel&, pfn_t start, u64 nr_pages);
}  // namespace x86
namespace arm64 {
int vmemmap_populate(Kernel&, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap);
int vmemmap_populate_hugepages(Kernel&, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap);
void vmemmap_free(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void free_empty_tables(Kernel&, u64 addr, u64 end, u64 floor, u64 ceiling);
void create_pgd_mapping(Kernel&, pfn_t start, u64 nr_pages);  // __create_pgd_mapping() of the linear map
void remove_pgd_mapping(Kernel&, pfn_t start, u64 nr_pages);  // __remove_pgd_mapping()
}  // namespace arm64
namespace ppc64 {
int vmemmap_populate(Kernel&, pfn_t pfn, u64 nr_pages, int nid, VmemAltmap* altmap);
void vmemmap_free(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void create_section_mapping(Kernel&, pfn_t start, u64 nr_pages);  // arch_create_linear_mapping()
void remove_section_mapping(Kernel&, pfn_t start, u64 nr_pages);  // arch_remove_linear_mapping()
}  // namespace ppc64
// ops/hugetlb_vmemmap.cpp: HVO
int hugetlb_alloc(Kernel&, unsigned block);
int hugetlb_free(Kernel&, unsigned block);
flag vmemmap_should_optimize(Kernel&, unsigned block);
int hugetlb_vmemmap_restore(Kernel&, unsigned block);
void dissolve_free_huge_pages(Kernel&, pfn_t start, pfn_t end);
// ops/subsection.cpp: ZONE_DEVICE ranges (memremap_pages) and the sections they touch
int memremap_pages(Kernel&, unsigned dev);
void memunmap_pages(Kernel&, unsigned dev);
int soft_offline_page(Kernel&, pfn_t pfn);
// pfn lies in a section a device touches, outside boot memory and memory blocks
bool device_section_pfn(Kernel&, const pfn_t& pfn);
bool early_section_pfn(Kernel&, const pfn_t& pfn);  // early_section(__pfn_to_section(pfn))
bool get_dev_pagemap(Kernel&, const pfn_t& pfn);     // != NULL
flag online_device_section(Kernel&, pfn_t pfn);      // SECTION_TAINT_ZONE_DEVICE
flag dev_valid_section(Kernel&, pfn_t pfn);
flag dev_online_section(Kernel&, pfn_t pfn);
flag dev_pfn_section_valid(Kernel&, pfn_t pfn);
int sparse_add_subsections(Kernel&, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
int populate_subsection_memmap(Kernel&, int nid, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void section_deactivate_subsections(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void depopulate_subsection_memmap(Kernel&, pfn_t pfn, u64 nr_pages, VmemAltmap* altmap);
void move_pfn_range_to_zone_device(Kernel&, int nid, pfn_t start_pfn, u64 nr_pages);
void remove_pfn_range_from_zone_device(Kernel&, pfn_t start_pfn, u64 nr_pages);
void read_device_memmap(Kernel&, unsigned dev, const pfn_t& pfn, const char* func);

// ops/virtio_mem.cpp: virtio-mem in Big Block Mode (drivers/virtio/virtio_mem.c)
int virtio_mem_plug_request(Kernel&, unsigned vm);
int virtio_mem_unplug_request(Kernel&, unsigned vm);
int offline_and_remove_memory(Kernel&, pfn_t start, u64 nr_pages);
// ops/virtio_mem_sbm.cpp: Sub Block Mode
int virtio_mem_sbm_plug_request(Kernel&, unsigned vm);
int virtio_mem_sbm_unplug_request(Kernel&, unsigned vm);
// pages of the block at pfn that virtio-mem's online_page callback keeps fake-offline (0 unless SBM)
u64 virtio_mem_fake_offline_pages(Kernel&, pfn_t pfn);

// Shared building blocks (ops/common.cpp); not overridable, they are data manipulation.
void set_memmap(Kernel&, pfn_t pfn, u64 nr_pages, const u8& memmap);  // memmap_init_range / page_init_poison
void pt_struct_pages_written(Kernel&, pfn_t pfn, u64 nr_pages);        // ops/pagetables.cpp
void online_mem_sections(Kernel&, pfn_t start, pfn_t end);
void offline_mem_sections(Kernel&, pfn_t start, pfn_t end);
void set_zone_contiguous(Kernel&, int nid, unsigned zone);
bool zone_intersects(const ZoneState& z, pfn_t start, u64 nr_pages);

// mem_hotplug_begin() ... mem_hotplug_done() as a scope: the percpu rwsem's write side,
// announced as interleaving points (a no-op in a sequential run). The destructor may park
// the path (the threaded model throws from Kernel::yield), hence noexcept(false).
struct MemHotplugScope {
    Kernel& k;
    explicit MemHotplugScope(Kernel& kernel) : k(kernel) { k.yield(YieldKind::LOCK_MEM_HOTPLUG); }
    ~MemHotplugScope() noexcept(false) { k.yield(YieldKind::UNLOCK_MEM_HOTPLUG); }
    MemHotplugScope(const MemHotplugScope&) = delete;
    MemHotplugScope& operator=(const MemHotplugScope&) = delete;
};

// ops/boot_coldplug.cpp: cold-plugged DIMMs online in their boot zone (called by initial_state())
void boot_coldplug(const Machine& m, KernelState& s);

// The complete baseline table.
KernelOps ops();

}  // namespace hp::HP_DOMAIN::base
