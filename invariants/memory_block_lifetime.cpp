// I18 memory-block-lifetime: struct memory_block is used only while it is allocated, and
// every reference a kernel path takes on its device is dropped by the end of that path.
// drivers/base/memory.c (6.1): device_register() holds one reference while the device is
// registered; find_memory_block*() takes one (get_device()) that its caller must
// put_device(); the last put runs memory_block_release() -> kfree(mem).
//  - use after free: a get_device()/put_device()/device_unregister() of a released block
//    (an observation; f47f758cff59: register_memory()'s error path put the device twice);
//  - leak: a reference still held after a step. No path in the model keeps one across
//    steps, so it can never be dropped: after a remove the memory_block is never freed
//    (93866f55f7e2: remove_memory_blocks_and_altmaps() did not put its find_memory_block()).
//    Reported with the object and the function that took the reference.
// And of the 6.6+ struct vmem_altmap a block owns (BlockState::altmap_obj, kmemdup()ed by
// create_altmaps_and_memory_blocks(), pointed at by mem->altmap, kfree()d by
// remove_memory_blocks_and_altmaps() or the add error paths):
//  - memory_block_release() only after mem->altmap was cleared (its WARN_ON(mem->altmap);
//    a2b8d7827f48: add_memory_block() set mem->altmap before __add_memory_block(), whose
//    failure released the block with it set);
//  - no read of mem->altmap after kfree(altmap);
//  - no leak: after a step every altmap object is pointed at by its block's mem->altmap, or
//    freed (one that only a local pointed at is unreachable for ever).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool memory_block_lifetime_holds(const Step& st, Violation* out) {
    for (int i = 0; i < st.result.nobs; ++i) {
        const Observation& o = st.result.obs[i];
        if (o.kind == Observation::MEMORY_BLOCK_RELEASED_WITH_ALTMAP) {
            const int b = st.m.block_of_pfn(o.pfn);
            *out = {"memory-block-lifetime", "a memory_block is released only after mem->altmap was cleared",
                    fmt::format("{} of memory{} ran with mem->altmap still set: WARN_ON(mem->altmap) (the altmap "
                                "was attached before the device registration that failed)",
                                o.func, b >= 0 ? st.m.blocks[b].memory_block_id : 0)};
            return false;
        }
        if (o.kind == Observation::ALTMAP_OBJ_USE_AFTER_FREE) {
            const int b = st.m.block_of_pfn(o.pfn);
            *out = {"memory-block-lifetime", "mem->altmap is not used after kfree()",
                    fmt::format("{} used memory{}'s struct vmem_altmap after kfree() (use after free)", o.func,
                                b >= 0 ? st.m.blocks[b].memory_block_id : 0)};
            return false;
        }
        if (o.kind != Observation::MEMORY_BLOCK_USE_AFTER_FREE) continue;
        const int b = st.m.block_of_pfn(o.pfn);
        *out = {"memory-block-lifetime", "no use of a memory_block after memory_block_release()",
                fmt::format("{} on memory{} after its last reference was put and memory_block_release() kfree()d it "
                            "(use after free)",
                            o.func, b >= 0 ? st.m.blocks[b].memory_block_id : 0)};
        return false;
    }
    for (unsigned b = 0; b < st.m.blocks.size(); ++b) {
        const BlockState& mem = st.after.blocks[b];
        if (mem.dev_kref == 0) continue;  // released, or never registered
        const bool registered = mem.state != BLOCK_ABSENT;
        u64 held = mem.dev_kref;
        if (registered) held -= 1;  // device_register()'s own reference
        if (held == 0) continue;
        *out = {"memory-block-lifetime", "no memory_block reference is held after the step (no leak)",
                fmt::format("memory{}: {} reference{} still held after the step, taken by {}; {}",
                            st.m.blocks[b].memory_block_id, held, held == 1 ? "" : "s",
                            memory_block_ref_taker(as_index(mem.dev_ref_taker, MB_REF_COUNT, MB_REF_COUNT)),
                            registered ? "the device can never be released"
                                       : "the device was unregistered: the struct memory_block is never freed")};
        return false;
    }
    for (unsigned b = 0; b < st.m.blocks.size(); ++b) {
        const BlockState& mem = st.after.blocks[b];
        const bool released = mem.dev_kref == 0;
        const bool detached = mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_DETACHED);
        if (!detached && !(mem.altmap_obj == static_cast<unsigned>(ALTMAP_OBJ_ATTACHED) && released)) continue;
        *out = {"memory-block-lifetime", "no struct vmem_altmap is leaked after the step",
                fmt::format("memory{}: the vmem_altmap kmemdup()ed by create_altmaps_and_memory_blocks() is still "
                            "allocated after {} but {}: it is never kfree()d",
                            st.m.blocks[b].memory_block_id, fmt::format("the {} step", action_kind_name(st.action.kind)),
                            detached ? "no mem->altmap points at it" : "the memory_block pointing at it was released")};
        return false;
    }
    return true;
}

void register_memory_block_lifetime(std::vector<Invariant>& v) {
    v.push_back({"memory-block-lifetime", "I18",
                 "a memory_block is not used after it was released, and no reference on its device leaks",
                 "find_memory_block(), put_device(), remove_memory_block_devices(), register_memory()", nullptr,
                 memory_block_lifetime_holds});
}

}  // namespace hp::HP_DOMAIN::inv
