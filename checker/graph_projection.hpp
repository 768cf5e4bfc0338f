// `hpcheck graph --fields F,...`: the state graph projected on chosen fields. States equal on
// those fields are merged into one node, transitions between merged nodes are merged into one
// edge (labelled with up to a few of their actions), transitions inside a node are dropped.
// A field pattern is a field name of spec/state_diff.cpp ("node0.Movable.spanned_pages"), its
// last component(s) ("state" = every memoryN.state, "Movable.spanned_pages"), or a shell glob
// ("memory3*.zone"). Large graphs are drawn as dot_graph_attributes() (graph.hpp) says.
#pragma once
#include <string>
#include <vector>

#include "checker/graph.hpp"

namespace hp {

// Indices into state_fields(m, s); throws ScenarioError(file, 0, "--fields", ...) for a
// pattern that matches no field.
std::vector<std::size_t> resolve_fields(const Machine& m, const std::vector<std::string>& patterns, const std::string& file);

struct ProjectedGraph {
    std::vector<std::string> labels;          // per merged node: "field=value" lines
    std::vector<std::uint32_t> class_of;      // per state: its merged node
    std::vector<std::vector<std::uint32_t>> members;
    struct Edge { std::uint32_t from, to; std::vector<std::string> actions; };
    std::vector<Edge> edges;
    std::size_t internal = 0;                 // transitions inside a merged node (not drawn)
};

ProjectedGraph project_graph(const KernelModel& model, const StateGraph& sg, const std::vector<std::size_t>& fields);

// DOT of a projected graph; `plain` (no projection): every field of `fields` is all fields.
std::string format_projected_dot(const KernelModel& model, const StateGraph& sg, const ProjectedGraph& pg,
                                 const Reversibility& rev, const std::vector<std::string>& patterns);

}  // namespace hp
