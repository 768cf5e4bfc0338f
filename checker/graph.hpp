// The explored state graph kept whole (Boost.Graph), for graph questions: DOT export and
// reversibility (can every reachable state return to the boot state? strongly connected
// components). States are stored packed in the explorer's tree store; the graph itself
// holds only ids and action indices. Bounded: a graph over the limits is refused.
#pragma once
#include <boost/graph/adjacency_list.hpp>

#include <string>
#include <vector>

#include "checker/kernel_model.hpp"
#include "checker/tree_store.hpp"

namespace hp {

struct GraphLimits {
    std::uint64_t max_states = 200000;
    std::uint64_t max_memory_mb = 512;
    unsigned max_depth = 0;  // 0: the scenario's
};

struct EdgeInfo {
    std::uint32_t action;
};
using StateGraphBG = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property, EdgeInfo>;

struct StateGraph {
    StateGraphBG g;
    TreeStore store;
    std::vector<std::uint32_t> parent, via;  // BFS tree: shortest traces
    std::vector<std::string> violation;      // per state: "" or the invariant it violates (not expanded)
    std::uint64_t self_loops = 0;            // transitions that leave the state unchanged (refusals), not stored
    bool bounded = false;                    // stopped at max_depth: the graph is a prefix of the real one
    // per state: the boot machine again, up to kernel caches that nothing reads back
    // (zone->contiguous, recomputed at every span change and set on an empty span) and
    // the request slot mem->online_type.
    std::vector<char> boot_like;
    explicit StateGraph(unsigned words) : store(words) {}
};

struct GraphTooLarge : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Breadth-first over the model; throws GraphTooLarge when a limit is hit.
StateGraph build_state_graph(KernelModel& model, const GraphLimits& lim);

struct Reversibility {
    std::size_t states = 0, sccs = 0, initial_scc_size = 0;
    std::vector<std::uint32_t> cannot_return;  // ids of states with no path back to the boot machine, BFS order
    std::vector<std::uint32_t> deadlocks;      // states without any transition to another state
};
Reversibility analyse_reversibility(const StateGraph& sg);

std::vector<std::uint32_t> trace_to(const StateGraph& sg, std::uint32_t id);  // action indices from state 0

// Compact label of a state: per memory block '.' absent, 'o' offline, or the zone letter
// (D DMA, d DMA32, N Normal, M Movable) when online.
std::string compact_state_label(const Machine& m, const KernelState& s);

// Graphviz settings for a graph of `nodes` nodes. Above kLargeGraph nodes the hierarchical
// `dot` layout does not finish on hpcheck's graphs (559 states, 5962 edges: > 5 min): large
// graphs ask for the force-directed sfdp layout (`dot -Tsvg` honours `layout=`), straight
// unlabelled edges; 559 states then render in under a second.
inline constexpr std::size_t kLargeGraph = 150;
std::string dot_graph_attributes(std::size_t nodes);

// Short edge label of an action: "+dimm0", "onM32", "off33", "rm32+2", "!fault".
std::string short_action(const Machine& m, const Action& a);

std::string format_dot(const KernelModel& model, const StateGraph& sg, const Reversibility& rev);

}  // namespace hp
