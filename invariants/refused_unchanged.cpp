// T1 refused-unchanged: an operation the kernel refuses leaves the state as it was,
// except where the kernel's own error path is known to leave changes behind (the eject
// rollback re-onlines with MMOP_ONLINE; x86 arch_add_memory() does not undo the sections
// __add_pages() added). Those steps are still checked by every state invariant.
#include <fmt/format.h>

#include <cstddef>
#include <cstring>

#include "invariants/registry.hpp"
#if !HP_SYMBOLIC
#include "spec/state_diff.hpp"
#endif

namespace hp::HP_DOMAIN::inv {

#if !HP_SYMBOLIC
// Concretely, the comparison below without copying the state (a quarter of all transitions
// are refused writes that leave mem->online_type set): the same masked fields, by hand.
static bool equal_but_masked(const Step& st) {
    const KernelState& a = st.before;
    const KernelState& b = st.after;
    for (unsigned i = 0; i < st.m.blocks.size(); ++i) {
        BlockState x = a.blocks[i];
        x.online_type = b.blocks[i].online_type;
        if (std::memcmp(&x, &b.blocks[i], sizeof x) != 0) return false;
    }
    for (int n = 0; n < st.m.nr_nodes; ++n) {
        NodeState x = a.nodes[n];
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) x.zones[z].contiguous = b.nodes[n].zones[z].contiguous;
        if (std::memcmp(&x, &b.nodes[n], sizeof x) != 0) return false;
    }
    auto same = [](const void* x, const void* y, std::size_t n) { return std::memcmp(x, y, n) == 0; };
    const std::size_t blocks = st.m.blocks.size(), nodes = static_cast<std::size_t>(st.m.nr_nodes);
    return same(a.nodes + nodes, b.nodes + nodes, (MAX_NODES - nodes) * sizeof(NodeState)) &&
           same(a.blocks + blocks, b.blocks + blocks, (MAX_BLOCKS - blocks) * sizeof(BlockState)) &&
           same(a.groups, b.groups, sizeof a.groups) &&  // dimm_plugged, dimm_enabled masked: they follow
           same(a.buddy_vmemmap_pages, b.buddy_vmemmap_pages, sizeof(KernelState) - offsetof(KernelState, buddy_vmemmap_pages));
}
// The byte ranges above cover every byte of the state but the masked ones (padding included,
// as operator== compares it): nothing lies between nodes, blocks, groups and dimm_plugged.
static_assert(sizeof(BlockState) == 20 && sizeof(NodeState) == 16 + MAX_NR_ZONES * sizeof(ZoneState),
              "no padding inside the structs equal_but_masked() copies");
static_assert(offsetof(KernelState, blocks) == sizeof(KernelState::nodes) &&
              offsetof(KernelState, groups) == offsetof(KernelState, blocks) + sizeof(KernelState::blocks) &&
              offsetof(KernelState, dimm_plugged) == offsetof(KernelState, groups) + sizeof(KernelState::groups) &&
              offsetof(KernelState, buddy_vmemmap_pages) == offsetof(KernelState, dimm_enabled) + 4,
              "equal_but_masked() skips exactly dimm_plugged and dimm_enabled");
#endif

static bool refused_unchanged_holds(const Step& st, Violation* out) {
    if (st.result.rc == 0 || st.result.error_leaves_changes) return true;
#if !HP_SYMBOLIC
    if (&st.before == &st.after) return true;  // a refusal answered from its precondition: one object
    // Byte-equal states pass this too: no separate whole-state compare first (the refusals that
    // still run are mostly online writes that leave mem->online_type set, which it would miss).
    if (equal_but_masked(st)) return true;
#endif
    KernelState expect = st.before;
    // The platform keeps a DIMM it plugged even when the kernel refuses the memory.
    expect.dimm_plugged = st.after.dimm_plugged;
    expect.dimm_enabled = st.after.dimm_enabled;  // -EEXIST binds the device all the same
    // zone->contiguous is a cache that every span change recomputes; an error path that
    // grows and shrinks back leaves an empty zone "contiguous" (set_zone_contiguous() on
    // an empty span), which nothing reads.
    // mem->online_type is a request slot, not state: memory_subsys_online() resets it on
    // success and failure alike, and an EINVAL write to an online block leaves it set.
    for (unsigned b = 0; b < st.m.blocks.size(); ++b) expect.blocks[b].online_type = st.after.blocks[b].online_type;
    for (int n = 0; n < st.m.nr_nodes; ++n)
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) expect.nodes[n].zones[z].contiguous = st.after.nodes[n].zones[z].contiguous;
    if (states_equal(st.m, expect, st.after)) return true;
#if HP_SYMBOLIC  // the prover replays its counterexample in the explorer, which names the fields
    *out = {"refused-unchanged", "a refused operation changes nothing", "state changed"};
    return false;
#else
    const auto changes = diff_states(st.m, expect, st.after);
    std::string what;
    for (size_t i = 0; i < changes.size() && i < 4; ++i)
        what += fmt::format("{}{} {} -> {}", i ? "; " : "", changes[i].field, changes[i].before, changes[i].after);
    if (changes.size() > 4) what += fmt::format("; and {} more", changes.size() - 4);
    *out = {"refused-unchanged", "a refused operation changes nothing",
            fmt::format("{} returned {} but changed: {}", action_label(st.m, st.action), errno_name(st.result.rc),
                        what.empty() ? "internal padding" : what)};
    return false;
#endif
}

void register_refused_unchanged(std::vector<Invariant>& v) {
    v.push_back({"refused-unchanged", "T1", "a refused operation leaves every counter and bit as it was",
                 "the error paths of online_pages(), offline_pages(), add_memory_resource(), try_remove_memory()",
                 nullptr, refused_unchanged_holds});
}

}  // namespace hp::HP_DOMAIN::inv
