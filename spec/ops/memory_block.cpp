// The lifetime of struct memory_block (drivers/base/memory.c, Linux 6.1.192): the device's
// kobject reference count, taken by device_register() and by every find_memory_block*()
// (which ends in get_device()), dropped by put_device() and device_unregister(); when it
// reaches 0, memory_block_release() kfree()s the block. A get or put on a released block is
// a use after free (an observation, judged by memory-block-lifetime, I18); a reference still
// held at the end of a step is a leak (I18 reports the object and who took it).
//
// State (spec/state.hpp BlockState): dev_kref (the count) and dev_ref_taker (MemoryBlockRef
// of the oldest reference still held). The device is registered while state != BLOCK_ABSENT.
#include "spec/ops/base.hpp"

namespace hp::HP_DOMAIN::base {

namespace {
void use_after_free(Kernel& k, unsigned b, const char* func) {
    KSAY(k, "{} on memory{}, whose memory_block was freed by memory_block_release()", func,
         k.m.blocks[b].memory_block_id);
    k.observe(Observation::MEMORY_BLOCK_USE_AFTER_FREE, func, k.m.blocks[b].start_pfn);
}
}  // namespace

// get_device(&mem->dev): kobject_get() of a released kobject is a use after free (and
// refcount_t warns "addition on 0; use-after-free").
void get_device(Kernel& k, unsigned b, MemoryBlockRef taker) {
    BlockState& mem = k.s.blocks[b];
    if (mem.dev_kref == 0) return use_after_free(k, b, "get_device");
    mem.dev_kref += 1;
    if (mem.dev_ref_taker == 0u) mem.dev_ref_taker = static_cast<unsigned>(taker);  // the oldest one held
}

// put_device(&mem->dev): the last put runs memory_block_release() -> kfree(mem).
void put_device(Kernel& k, unsigned b) {
    BlockState& mem = k.s.blocks[b];
    if (mem.dev_kref == 0) return use_after_free(k, b, "put_device");
    mem.dev_kref -= 1;
    // Back to the registration's own reference (or none): no reference is held any more.
    const flag registered = mem.state != BLOCK_ABSENT;
    if (flag_or(mem.dev_kref == 0, flag_and(registered, mem.dev_kref == 1))) mem.dev_ref_taker = 0u;  // MB_REF_NONE
    if (mem.dev_kref == 0) {
        KCALL(k, "memory_block_release");  // kfree(mem)
        // 6.6+: "Verify that the altmap is freed": WARN_ON(mem->altmap). The block goes; an
        // altmap it still pointed at is held only by whoever else has it.
        if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_ATTACHED)) {
            KSAY(k, "WARN_ON(mem->altmap) in memory_block_release() of memory{}", k.m.blocks[b].memory_block_id);
            k.observe(Observation::MEMORY_BLOCK_RELEASED_WITH_ALTMAP, "memory_block_release", k.m.blocks[b].start_pfn);
            mem.altmap_obj = static_cast<unsigned>(ALTMAP_OBJ_DETACHED);
        } else if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_FREED)) {
            mem.altmap_obj = static_cast<unsigned>(ALTMAP_OBJ_NONE);
        }
    }
}

// The 6.6+ vmem_altmap object of block b (BlockState::altmap_obj).
// No KCALL: these are allocator calls, not kernel paths, and the v6.8 traces stay as they were.
void altmap_kmemdup(Kernel& k, unsigned b) {
    k.s.blocks[b].altmap_obj = static_cast<unsigned>(ALTMAP_OBJ_DETACHED);
}
void altmap_kfree(Kernel& k, unsigned b) {
    BlockState& mem = k.s.blocks[b];
    if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_FREED)) {
        KSAY(k, "kfree() of memory{}'s altmap, already freed", k.m.blocks[b].memory_block_id);
        k.observe(Observation::ALTMAP_OBJ_USE_AFTER_FREE, "kfree", k.m.blocks[b].start_pfn);
        return;
    }
    // Freed while mem->altmap still points at it: the pointer dangles.
    mem.altmap_obj = static_cast<unsigned>(mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_ATTACHED)
                                               ? ALTMAP_OBJ_FREED
                                               : ALTMAP_OBJ_NONE);
}
// mem->altmap = altmap (add_memory_block()) / mem->altmap = NULL (remove_memory_blocks_and_altmaps()).
void altmap_attach(Kernel& k, unsigned b) {
    BlockState& mem = k.s.blocks[b];
    if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_DETACHED)) mem.altmap_obj = static_cast<unsigned>(ALTMAP_OBJ_ATTACHED);
}
void altmap_detach(Kernel& k, unsigned b) {
    BlockState& mem = k.s.blocks[b];
    if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_ATTACHED)) mem.altmap_obj = static_cast<unsigned>(ALTMAP_OBJ_DETACHED);
    else if (mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_FREED)) mem.altmap_obj = static_cast<unsigned>(ALTMAP_OBJ_NONE);
}
// A read through mem->altmap (mem->altmap->free in memory_block_online()/offline(), altmap->alloc
// in remove_memory_blocks_and_altmaps()): a use after free once the object was kfree()d.
void altmap_read(Kernel& k, unsigned b, const char* func) {
    if (k.s.blocks[b].altmap_obj != static_cast<unsigned>(ALTMAP_OBJ_FREED)) return;
    KSAY(k, "{} reads memory{}'s altmap after kfree()", func, k.m.blocks[b].memory_block_id);
    k.observe(Observation::ALTMAP_OBJ_USE_AFTER_FREE, func, k.m.blocks[b].start_pfn);
}

// find_memory_block_by_id(): xa_load(&memory_blocks, id) and get_device(); false (NULL)
// if the block has no device.
bool find_memory_block_by_id(Kernel& k, unsigned b, MemoryBlockRef taker) {
    if (k.s.blocks[b].state == BLOCK_ABSENT) return false;
    get_device(k, b, taker);
    return true;
}

// device_unregister(): device_del() (the sysfs directory and the block's state go) then
// put_device() of the registration's reference.
void device_unregister(Kernel& k, unsigned b) {
    KCALL(k, "device_unregister");
    BlockState& mem = k.s.blocks[b];
    const flag released = mem.dev_kref == 0;  // device_del() of freed memory
    mem.state = BLOCK_ABSENT;
    mem.zone = NO_ZONE;
    mem.online_type = MMOP_OFFLINE;
    if (released) return use_after_free(k, b, "device_unregister");
    put_device(k, b);
}

// remove_memory_block(): xa_erase(); "drop the ref. we got via find_memory_block()"
// (put_device()); device_unregister(). The caller holds a find_memory_block*() reference.
void remove_memory_block(Kernel& k, unsigned b) {
    KCALL(k, "remove_memory_block");
    BlockState& mem = k.s.blocks[b];
    // Without a device there is no nr_vmemmap_pages: the memmap of the block is one run.
    mem.nr_vmemmap_pages = 0;
    mem.memmap_vmemmap = mem.memmap_rest;
    put_device(k, b);
    device_unregister(k, b);
}

// remove_memory_block_devices(start, size): for every block of the range that has a
// device, find_memory_block_by_id() then remove_memory_block().
void remove_memory_block_devices(Kernel& k, pfn_t start, u64 nr_pages) {
    KCALL(k, "remove_memory_block_devices");
    unsigned first = 0, count = 0;
    if (!blocks_of_range(k.m, start, nr_pages, first, count)) return;
    for (unsigned b = first; b < first + count; ++b)
        if (find_memory_block_by_id(k, b, MB_REF_REMOVE_MEMORY_BLOCK_DEVICES)) remove_memory_block(k, b);
}

// register_memory() (6.1, since f47f758cff59 "drivers/base/memory: fix an unlikely reference
// counting issue in __add_memory_block()", 5.19-rc; Fixes: 4fb6eabf1037):
//   ret = device_register(&memory->dev);   (kref 1; device_register() failing is not modelled)
//   ret = xa_err(xa_store(&memory_blocks, memory->dev.id, memory, GFP_KERNEL));
//   if (ret) device_unregister(&memory->dev);
int register_memory(Kernel& k, unsigned b, bool xa_store_fails) {
    KCALL(k, "register_memory");
    BlockState& mem = k.s.blocks[b];
    mem.state = MEM_OFFLINE;  // device_register(): the sysfs directory exists
    mem.dev_kref = 1;
    mem.dev_ref_taker = 0u;  // MB_REF_NONE
    if (xa_store_fails) {
        k.say("xa_store(&memory_blocks): -ENOMEM");
        device_unregister(k, b);
        return -ENOMEM;
    }
    return 0;
}

}  // namespace hp::HP_DOMAIN::base
