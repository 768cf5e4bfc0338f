#include "checker/graph.hpp"

#include "checker/explorer.hpp"
#include "checker/process_memory.hpp"
#include "spec/state_diff.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <deque>

namespace hp {

namespace {
// Equal to the boot state except for caches and request slots (see StateGraph::boot_like).
bool same_machine(const Machine& m, KernelState a, KernelState b) {
    for (int n = 0; n < MAX_NODES; ++n)
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) a.nodes[n].zones[z].contiguous = b.nodes[n].zones[z].contiguous;
    for (unsigned blk = 0; blk < MAX_BLOCKS; ++blk) a.blocks[blk].online_type = b.blocks[blk].online_type;
    (void)m;
    return a == b;
}
}  // namespace

StateGraph build_state_graph(KernelModel& model, const GraphLimits& lim) {
    const unsigned words = model.packed_words();
    StateGraph sg(words);
    std::vector<std::uint32_t> w(words), w2(words);
    KernelState cur = model.initial(), next = model.initial();
    Violation v;
    auto bytes = [&] {
        return sg.store.bytes() + boost::num_edges(sg.g) * 40 + boost::num_vertices(sg.g) * 64 +
               sg.violation.capacity() * sizeof(std::string);
    };
    const KernelState boot = model.initial();
    auto add_state = [&](std::uint32_t par, std::uint32_t act) {
        boost::add_vertex(sg.g);
        sg.boot_like.push_back(same_machine(model.machine(), sg.boot_like.empty() ? boot : next, boot));
        sg.parent.push_back(par);
        sg.via.push_back(act);
        sg.violation.emplace_back();
    };
    model.pack(cur, w.data());
    sg.store.insert(w.data());
    add_state(0, 0);
    if (!model.check_state(cur, &v)) sg.violation[0] = v.invariant;
    std::vector<unsigned> depth{0};
    for (std::uint32_t id = 0; id < sg.store.size(); ++id) {
        if (!sg.violation[id].empty()) continue;  // a violating state is a sink: its successors mean nothing
        if (lim.max_depth && depth[id] >= lim.max_depth) {
            sg.bounded = true;
            continue;
        }
        sg.store.get(id, w.data());
        model.unpack(w.data(), cur);
        for (unsigned a = 0, n = model.action_count(); a < n; ++a) {
            const StepOutcome o = model.step(cur, a, next, &v);
            if (o == StepOutcome::DISABLED || o == StepOutcome::SKIPPED) continue;
            model.pack(next, w2.data());
            const auto [nid, inserted] = sg.store.insert(w2.data());
            if (inserted) {
                add_state(id, a);
                depth.push_back(depth[id] + 1);
                if (o == StepOutcome::VIOLATION) sg.violation[nid] = v.invariant;
                else if (!model.check_state(next, &v)) sg.violation[nid] = v.invariant;
                if (lim.max_states && sg.store.size() > lim.max_states)
                    throw GraphTooLarge(fmt::format("the state graph has more than {} states (--max-states); bound it with "
                                                    "--max-depth or a smaller scenario",
                                                    lim.max_states));
            } else if (o == StepOutcome::VIOLATION && sg.violation[nid].empty()) {
                sg.violation[nid] = v.invariant;
            }
            if (nid == id) {
                ++sg.self_loops;
                continue;
            }
            boost::add_edge(id, nid, EdgeInfo{a}, sg.g);
        }
        if (g_interrupted.load()) throw GraphTooLarge(fmt::format("interrupted after {} states", sg.store.size()));
        if (lim.max_memory_mb && std::max(bytes(), process_rss_bytes()) > (lim.max_memory_mb << 20))
            throw GraphTooLarge(fmt::format("the state graph needs more than {} MiB (--max-memory) after {} states", lim.max_memory_mb,
                                            sg.store.size()));
    }
    return sg;
}

std::vector<std::uint32_t> trace_to(const StateGraph& sg, std::uint32_t id) {
    std::vector<std::uint32_t> t;
    for (; id != 0; id = sg.parent[id]) t.push_back(sg.via[id]);
    return {t.rbegin(), t.rend()};
}

Reversibility analyse_reversibility(const StateGraph& sg) {
    Reversibility r;
    const auto n = boost::num_vertices(sg.g);
    r.states = n;
    std::vector<int> comp(n);
    r.sccs = n ? boost::strong_components(sg.g, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, sg.g)))
               : 0;
    // States that reach the boot machine: a backward search from every boot-like state
    // (state 0 and those equal to it up to caches) over the reversed edges.
    std::vector<char> back(n, 0);
    if (n) {
        std::deque<std::size_t> q;
        for (std::size_t v = 0; v < n; ++v)
            if (v == 0 || (v < sg.boot_like.size() && sg.boot_like[v])) {
                back[v] = 1;
                q.push_back(v);
            }
        while (!q.empty()) {
            const auto u = q.front();
            q.pop_front();
            for (auto [e, end] = boost::in_edges(u, sg.g); e != end; ++e) {
                const auto s = boost::source(*e, sg.g);
                if (!back[s]) {
                    back[s] = 1;
                    q.push_back(s);
                }
            }
        }
    }
    for (std::size_t v = 0; v < n; ++v) {
        if (comp[v] == comp[0]) ++r.initial_scc_size;
        if (!back[v]) r.cannot_return.push_back(static_cast<std::uint32_t>(v));
        if (boost::out_degree(v, sg.g) == 0) r.deadlocks.push_back(static_cast<std::uint32_t>(v));
    }
    return r;
}

std::string compact_state_label(const Machine& m, const KernelState& s) {
    std::string out;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        char c = '.';
        if (bs.state == MEM_OFFLINE) c = 'o';
        else if (bs.state == MEM_ONLINE) {
            static const char letters[] = {'D', 'd', 'N', 'M'};
            c = bs.zone < MAX_NR_ZONES ? letters[bs.zone] : '?';
        }
        out += c;
    }
    return out;
}

std::string dot_graph_attributes(std::size_t nodes) {
    if (nodes <= kLargeGraph) return "  rankdir=LR;\n";
    return "  layout=sfdp; overlap=false; splines=false; outputorder=edgesfirst;\n";
}

std::string short_action(const Machine& m, const Action& a) {
    std::string s;
    switch (a.kind) {
        case ActionKind::DIMM_ADD: s = "+" + m.dimms[a.target].name; break;
        case ActionKind::DIMM_EJECT: s = "-" + m.dimms[a.target].name; break;
        case ActionKind::ONLINE: s = fmt::format("on{}", m.blocks[a.target].memory_block_id); break;
        case ActionKind::ONLINE_KERNEL: s = fmt::format("onK{}", m.blocks[a.target].memory_block_id); break;
        case ActionKind::ONLINE_MOVABLE: s = fmt::format("onM{}", m.blocks[a.target].memory_block_id); break;
        case ActionKind::OFFLINE: s = fmt::format("off{}", m.blocks[a.target].memory_block_id); break;
        case ActionKind::REMOVE_MEMORY: s = fmt::format("rm{}+{}", m.blocks[a.target].memory_block_id, a.count); break;
        case ActionKind::HUGETLB_ALLOC: s = fmt::format("hp+{}", m.blocks[a.target].memory_block_id); break;
        case ActionKind::HUGETLB_FREE: s = fmt::format("hp-{}", m.blocks[a.target].memory_block_id); break;
        case ActionKind::DEV_MAP: s = "+" + m.devices[a.target].name; break;
        case ActionKind::DEV_UNMAP: s = "-" + m.devices[a.target].name; break;
        case ActionKind::SOFT_OFFLINE: s = "soft" + m.devices[a.target].name; break;
        case ActionKind::VMEM_PLUG: s = "+" + m.virtio_mems[a.target].name; break;
        case ActionKind::VMEM_UNPLUG: s = "-" + m.virtio_mems[a.target].name; break;
        default: s = "?";
    }
    if (a.fault.kind != FaultKind::NONE) s += fmt::format("!{}", fault_name(a.fault.kind));
    return s;
}

std::string format_dot(const KernelModel& model, const StateGraph& sg, const Reversibility& rev) {
    const Machine& m = model.machine();
    std::vector<char> no_return(boost::num_vertices(sg.g), 0);
    for (auto id : rev.cannot_return) no_return[id] = 1;
    const bool large = sg.store.size() > kLargeGraph;
    std::string o = "digraph hpcheck {\n" + dot_graph_attributes(sg.store.size()) +
                    "  node [shape=box, fontname=\"DejaVu Sans Mono\", fontsize=10];\n"
                    "  edge [fontname=\"DejaVu Sans\", fontsize=8];\n";
    std::string blocks;
    for (unsigned b = 0; b < m.blocks.size(); ++b) blocks += fmt::format("{}{}", b ? "," : "", m.blocks[b].memory_block_id);
    o += fmt::format("  label=\"state: one letter per memory block ({}): . absent, o offline, N/M/d/D online in "
                     "Normal/Movable/DMA32/DMA; red: violates an invariant; orange: cannot return to the boot state\";\n",
                     blocks);
    std::vector<std::uint32_t> w(sg.store.words());
    KernelState s = model.initial();
    // States with the same block letters are told apart by what differs from the first
    // state with those letters (up to two fields), so that no two labels read the same.
    std::map<std::string, KernelState> first_with;
    std::set<std::string> used;  // labels given so far (without the state number)
    for (std::uint32_t id = 0; id < sg.store.size(); ++id) {
        sg.store.get(id, w.data());
        model.unpack(w.data(), s);
        const std::string letters = compact_state_label(m, s);
        std::string label = fmt::format("s{}\\n{}", id, letters);
        if (const auto it = first_with.find(letters); it == first_with.end()) {
            first_with.emplace(letters, s);
            used.insert(letters);
        } else {
            // Two fields, or as many more as it takes for the label to be new.
            const auto d = diff_states(m, it->second, s);
            auto shown = [&](std::size_t n) {
                std::string e;
                for (std::size_t i = 0; i < n; ++i) e += fmt::format("\\n{}={}", d[i].field, d[i].after);
                if (n < d.size()) e += fmt::format("\\n+{} more", d.size() - n);
                return e;
            };
            std::size_t n = std::min<std::size_t>(2, d.size());
            while (n < d.size() && used.count(letters + shown(n))) ++n;
            const std::string extra = shown(n);
            label += extra;
            used.insert(letters + extra);
        }
        std::string attrs;
        if (id == 0) attrs += ", penwidth=2.5";
        if (!sg.violation[id].empty()) {
            label += "\\n" + sg.violation[id];
            attrs += ", style=filled, fillcolor=\"#ef9a9a\", color=\"#c62828\"";
        } else if (no_return[id]) {
            attrs += ", style=filled, fillcolor=\"#ffe0b2\"";
        }
        o += fmt::format("  s{} [label=\"{}\"{}];\n", id, label, attrs);
    }
    for (auto [e, end] = boost::edges(sg.g); e != end; ++e)
        o += large ? fmt::format("  s{} -> s{};\n", boost::source(*e, sg.g), boost::target(*e, sg.g))
                   : fmt::format("  s{} -> s{} [label=\"{}\"];\n", boost::source(*e, sg.g), boost::target(*e, sg.g),
                                 short_action(m, model.action(sg.g[*e].action)));
    o += "}\n";
    return o;
}

}  // namespace hp
