#include "checker/graph_projection.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <map>

#include "spec/scenario.hpp"
#include "spec/state_diff.hpp"

namespace hp {

std::vector<std::size_t> resolve_fields(const Machine& m, const std::vector<std::string>& patterns, const std::string& file) {
    const auto fields = state_fields(m, initial_state(m));
    std::vector<std::size_t> out;
    for (const std::string& p : patterns) {
        bool any = false;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const std::string& f = fields[i].first;
            const bool suffix = f.size() > p.size() && f.compare(f.size() - p.size(), p.size(), p) == 0 &&
                                f[f.size() - p.size() - 1] == '.';
            if (f == p || suffix || fnmatch(p.c_str(), f.c_str(), 0) == 0) {
                if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
                any = true;
            }
        }
        if (!any)
            throw ScenarioError(file, 0, "--fields",
                                fmt::format("'{}' matches no field (fields look like {}, {}; a last component such "
                                            "as 'state' or a glob works too)",
                                            p, fields.front().first, fields.back().first));
    }
    std::sort(out.begin(), out.end());
    return out;
}

ProjectedGraph project_graph(const KernelModel& model, const StateGraph& sg, const std::vector<std::size_t>& fields) {
    ProjectedGraph pg;
    const Machine& m = model.machine();
    std::map<std::string, std::uint32_t> index;
    std::vector<std::uint32_t> w(sg.store.words());
    KernelState s = model.initial();
    for (std::uint32_t id = 0; id < sg.store.size(); ++id) {
        sg.store.get(id, w.data());
        model.unpack(w.data(), s);
        const auto all = state_fields(m, s);
        std::string label;
        for (std::size_t f : fields) label += fmt::format("{}{}={}", label.empty() ? "" : "\\n", all[f].first, all[f].second);
        const auto [it, fresh] = index.emplace(label, static_cast<std::uint32_t>(pg.labels.size()));
        if (fresh) {
            pg.labels.push_back(label);
            pg.members.emplace_back();
        }
        pg.class_of.push_back(it->second);
        pg.members[it->second].push_back(id);
    }
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> edge_index;
    for (auto [e, end] = boost::edges(sg.g); e != end; ++e) {
        const std::uint32_t a = pg.class_of[boost::source(*e, sg.g)], b = pg.class_of[boost::target(*e, sg.g)];
        if (a == b) {
            ++pg.internal;
            continue;
        }
        const auto [it, fresh] = edge_index.emplace(std::make_pair(a, b), pg.edges.size());
        if (fresh) pg.edges.push_back({a, b, {}});
        auto& acts = pg.edges[it->second].actions;
        const std::string l = short_action(m, model.action(sg.g[*e].action));
        if (std::find(acts.begin(), acts.end(), l) == acts.end()) acts.push_back(l);
    }
    return pg;
}

std::string format_projected_dot(const KernelModel& model, const StateGraph& sg, const ProjectedGraph& pg,
                                 const Reversibility& rev, const std::vector<std::string>& patterns) {
    const bool large = pg.labels.size() > kLargeGraph;
    std::vector<char> no_return(pg.labels.size(), 0), violating(pg.labels.size(), 0);
    for (auto id : rev.cannot_return) no_return[pg.class_of[id]] = 1;
    for (std::uint32_t id = 0; id < sg.violation.size(); ++id)
        if (!sg.violation[id].empty()) violating[pg.class_of[id]] = 1;
    std::string o = "digraph hpcheck {\n" + dot_graph_attributes(pg.labels.size());
    o += "  node [shape=box, fontname=\"DejaVu Sans Mono\", fontsize=10];\n  edge [fontname=\"DejaVu Sans\", fontsize=8];\n";
    std::string fields;
    for (const std::string& p : patterns) fields += (fields.empty() ? "" : ", ") + p;
    o += fmt::format("  label=\"{} states merged into {} by the fields {}; n = states merged; red: contains a violating "
                     "state; orange: contains a state that cannot return to the boot state; {} transitions inside a "
                     "node not drawn\";\n",
                     sg.store.size(), pg.labels.size(), fields, pg.internal);
    (void)model;
    for (std::uint32_t c = 0; c < pg.labels.size(); ++c) {
        std::string attrs;
        if (c == pg.class_of[0]) attrs += ", penwidth=2.5";
        if (violating[c]) attrs += ", style=filled, fillcolor=\"#ef9a9a\"";
        else if (no_return[c]) attrs += ", style=filled, fillcolor=\"#ffe0b2\"";
        o += fmt::format("  p{} [label=\"{}\\nn={}\"{}];\n", c, pg.labels[c], pg.members[c].size(), attrs);
    }
    for (const auto& e : pg.edges) {
        if (large) {
            o += fmt::format("  p{} -> p{};\n", e.from, e.to);
            continue;
        }
        std::string l;
        for (std::size_t i = 0; i < e.actions.size() && i < 3; ++i) l += (i ? " " : "") + e.actions[i];
        if (e.actions.size() > 3) l += fmt::format(" +{}", e.actions.size() - 3);
        o += fmt::format("  p{} -> p{} [label=\"{}\"];\n", e.from, e.to, l);
    }
    o += "}\n";
    return o;
}

}  // namespace hp
