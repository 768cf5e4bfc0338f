// I13 node-lifecycle: a node is offline only if it spans no pages, owns no memory block
// and has no present CPU; a node with a memory block device is online.
// try_offline_node() (2c91f8fc6c99 made it look at memory blocks).
#include <fmt/format.h>

#include "invariants/registry.hpp"

namespace hp::HP_DOMAIN::inv {

static bool node_lifecycle_holds(const Machine& m, const KernelState& s, Violation* out) {
    for (int nid = 0; nid < m.nr_nodes; ++nid) {
        const NodeState& n = s.nodes[nid];
        if (n.online) continue;
        if (n.node_spanned_pages || n.node_present_pages) {
            *out = {"node-lifecycle", "an offline node spans no pages",
                    fmt::format("node {} is offline but node_spanned_pages={} node_present_pages={}", nid,
                                n.node_spanned_pages, n.node_present_pages)};
            return false;
        }
        for (unsigned b = 0; b < m.blocks.size(); ++b)
            if (m.blocks[b].nid == nid && s.blocks[b].state != BLOCK_ABSENT) {
                *out = {"node-lifecycle", "a node that owns a memory block is online",
                        fmt::format("node {} is offline but memory{} ({}) belongs to it", nid,
                                    m.blocks[b].memory_block_id, block_state_name(s.blocks[b].state))};
                return false;
            }
        if (m.cpus_per_node[nid]) {
            *out = {"node-lifecycle", "a node with present CPUs is online",
                    fmt::format("node {} is offline with {} present CPUs", nid, m.cpus_per_node[nid])};
            return false;
        }
    }
    return true;
}

void register_node_lifecycle(std::vector<Invariant>& v) {
    v.push_back({"node-lifecycle", "I13", "a node goes offline only when it has no memory, no memory block, no CPU",
                 "__try_online_node(), try_offline_node()", node_lifecycle_holds, nullptr});
}

}  // namespace hp::HP_DOMAIN::inv
