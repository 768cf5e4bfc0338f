#include "checker/report_itf.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "checker/json_input.hpp"
#include "checker/report_threaded.hpp"
#include "spec/input_check.hpp"
#include "spec/state_diff.hpp"

namespace fs = std::filesystem;

namespace hp {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

TraceError::TraceError(const std::string& file, long line, const std::string& field, const std::string& msg)
    : std::runtime_error(error_line(file, line, field.empty() ? "file" : field, msg)) {}

namespace {

ojson bigint(std::uint64_t v) { return ojson{{"#bigint", std::to_string(v)}}; }

// state_fields() values are strings; numbers (decimal or 0x hex) become ITF big integers.
ojson itf_value(const std::string& s) {
    if (!s.empty() && s.size() < 20 && s.find_first_not_of("0123456789") == std::string::npos) return bigint(std::stoull(s));
    if (s.size() > 2 && s.size() < 18 && s.rfind("0x", 0) == 0 &&
        s.find_first_not_of("0123456789abcdef", 2) == std::string::npos)
        return bigint(std::stoull(s, nullptr, 16));
    return ojson(s);
}

std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> out;
    size_t b = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == '.') {
            out.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    return out;
}

ojson action_json(const Machine& m, const Action& a) {
    ojson j;
    j["kind"] = action_kind_name(a.kind);
    j["label"] = action_label(m, a);
    j["command"] = describe_action(m, a);
    switch (a.kind) {
        case ActionKind::DIMM_ADD:
        case ActionKind::DIMM_EJECT: j["dimm"] = m.dimms[a.target].name; break;
        case ActionKind::REMOVE_MEMORY:
            j["memory_block"] = m.blocks[a.target].memory_block_id;
            j["count"] = a.count;
            break;
        case ActionKind::DEV_MAP:
        case ActionKind::DEV_UNMAP:
        case ActionKind::SOFT_OFFLINE: j["device"] = m.devices[a.target].name; break;
        case ActionKind::VMEM_PLUG:
        case ActionKind::VMEM_UNPLUG: j["virtio_mem"] = m.virtio_mems[a.target].name; break;
        default: j["memory_block"] = m.blocks[a.target].memory_block_id;
    }
    if (a.fault.kind == FaultKind::NONE) {
        j["fault"] = nullptr;
    } else {
        ojson f;
        f["kind"] = fault_name(a.fault.kind);
        f["index"] = a.fault.index;
        if (a.fault.kind == FaultKind::UNMOVABLE_PAGES) f["memory_block"] = m.blocks[a.fault.index].memory_block_id;
        j["fault"] = f;
    }
    return j;
}

std::string rc_string(int rc) { return rc == 0 ? "0" : "-" + std::string(errno_name(rc)); }

ojson machine_json(const Machine& m) {
    ojson j;
    j["nodes"] = m.nr_nodes;
    j["memmap_on_memory"] = m.params.memmap_on_memory == MemmapMode::DISABLE
                                ? "0"
                                : (m.params.memmap_on_memory == MemmapMode::ENABLE ? "1" : "force");
    j["movable_node"] = m.params.movable_node;
    j["default_online_type"] = std::string(online_type_name(m.params.default_online_type));
    ojson boot = ojson::array();
    for (const BootZone& z : m.boot) {
        boot.push_back({{"node", z.node}, {"zone", std::string(zone_name(z.zone))}, {"start_pfn", z.start_pfn},
                        {"end_pfn", z.end_pfn}, {"present", z.present}, {"managed", z.managed}});
        if (z.span_only) boot.back()["span_only"] = true;  // kernelcore=mirror: the zone's span over another's pages
    }
    j["boot"] = boot;
    ojson dimms = ojson::array();
    for (unsigned d = 0; d < m.dimms.size(); ++d) {
        const Dimm& dm = m.dimms[d];
        ojson blocks = ojson::array();
        for (unsigned b = 0; b < dm.nr_blocks; ++b) blocks.push_back(m.blocks[m.dimm_first_block[d] + b].memory_block_id);
        dimms.push_back({{"name", dm.name}, {"node", dm.node}, {"base_pfn", dm.base_pfn},
                         {"nr_pages", dm.nr_blocks * m.geo.pages_per_block}, {"memory_blocks", blocks}});
    }
    j["dimms"] = dimms;
    return j;
}

ojson geometry_json(const Geometry& g) {
    return ojson{{"preset", g.preset},
                 {"page_size", g.page_size},
                 {"pages_per_subsection", g.pages_per_subsection},
                 {"pages_per_section", g.pages_per_section},
                 {"pages_per_block", g.pages_per_block},
                 {"pageblock_nr_pages", g.pageblock_nr_pages},
                 {"struct_page_size", g.struct_page_size},
                 {"pmd_pages", g.pmd_pages}};
}

}  // namespace

std::optional<pfn_t> violation_pfn(const Violation& v) {
    static const std::regex re("pfn (0x[0-9a-f]+)");
    std::smatch mt;
    if (std::regex_search(v.detail, mt, re)) return std::stoull(mt[1].str(), nullptr, 16);
    return std::nullopt;
}

std::vector<std::pair<std::string, json>> itf_flat_vars(const Machine& m, const KernelState& s) {
    std::vector<std::pair<std::string, json>> out;
    for (const auto& [k, v] : state_fields(m, s)) out.emplace_back(k, json::parse(itf_value(v).dump()));
    return out;
}

ojson itf_state_vars(const Machine& m, const KernelState& s) { return itf_record(state_fields(m, s)); }

ojson itf_record(const std::vector<std::pair<std::string, std::string>>& fields) {
    ojson rec = ojson::object();
    for (const auto& [k, v] : fields) {
        const auto parts = split_dots(k);
        ojson* cur = &rec;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            ojson& next = (*cur)[parts[i]];
            if (next.is_null()) next = ojson::object();
            cur = &next;
        }
        (*cur)[parts.back()] = itf_value(v);
    }
    return rec;
}

ojson itf_meta(const Scenario& sc, const RunResult& r, const std::vector<std::string>& invariants) {
    const Machine& m = sc.machine;
    ojson meta;
    meta["format"] = "ITF";
    meta["format-description"] = "https://apalache-mc.org/docs/adr/015adr-trace.html";
    meta["source"] = sc.path;
    meta["description"] = fmt::format("hpcheck counterexample: scenario {} under variant {}", sc.name, r.variant);
    meta["hpcheck_version"] = kHpcheckVersion;
    meta["scenario"] = {{"path", sc.path}, {"name", sc.name}, {"description", sc.description}};
    meta["variant"] = r.variant;
    if (const Variant* v = find_variant(r.variant)) meta["variant_source"] = v->source;
    meta["mode"] = r.threaded ? "threads" : r.litmus ? "litmus" : "explore";
    meta["invariants"] = invariants;
    meta["geometry"] = geometry_json(m.geo);
    meta["machine"] = machine_json(m);
    meta["verdict"] = verdict_name(r.explore.verdict);
    if (r.explore.violation) {
        const Violation& v = *r.explore.violation;
        ojson vj;
        vj["invariant"] = v.invariant;
        const Invariant* inv = find_invariant(v.invariant);
        vj["id"] = inv ? inv->id : "";
        vj["conjunct"] = v.conjunct;
        vj["detail"] = v.detail;
        vj["relied_on_by"] = inv ? inv->kernel : "";
        if (auto p = violation_pfn(v)) vj["pfn"] = *p;
        else vj["pfn"] = nullptr;
        vj["state"] = r.threaded ? r.interleaving.size() : r.replay.size();
        meta["violation"] = vj;
    } else {
        meta["violation"] = nullptr;
    }
    if (!r.litmus)
        meta["exploration"] = {{"states", r.explore.states}, {"transitions", r.explore.transitions}, {"depth", r.explore.depth}};
    return meta;
}

std::string format_itf(const Scenario& sc, const RunResult& r, const std::vector<std::string>& invariants) {
    if (r.threaded) return format_itf_threaded(sc, r, invariants);
    const Machine& m = sc.machine;
    ojson doc;
    ojson meta = itf_meta(sc, r, invariants);
    doc["#meta"] = meta;

    ojson vars = ojson::array();
    const KernelState s0 = initial_state(m);
    const ojson vars0 = itf_state_vars(m, s0);
    for (auto& [k, v] : vars0.items()) vars.push_back(k);
    doc["vars"] = vars;

    ojson states = ojson::array();
    {
        ojson st;
        st["#meta"] = {{"index", 0}, {"action", nullptr}, {"rc", nullptr}, {"kernel", ojson::array()}};
        for (auto& [k, v] : vars0.items()) st[k] = v;
        states.push_back(st);
    }
    for (size_t i = 0; i < r.replay.size(); ++i) {
        const TraceStep& ts = r.replay[i];
        ojson st;
        ojson calls = ojson::array();
        for (const CallLog::Entry& e : ts.log.entries) calls.push_back({{"depth", e.depth}, {"text", e.text}});
        st["#meta"] = {{"index", i + 1}, {"action", action_json(m, ts.action)}, {"rc", rc_string(ts.rc)}, {"kernel", calls}};
        const ojson after = itf_state_vars(m, ts.after);
        for (auto& [k, v] : after.items()) st[k] = v;
        states.push_back(st);
    }
    doc["states"] = states;
    return doc.dump(1) + "\n";
}

// ---------------------------------------------------------------------------------------
// Reading

namespace {

struct Reader {
    std::string file;
    std::string text;  // the file's contents, to find the line of a field
    [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
        throw TraceError(file, field.empty() ? 1 : json_line_of(text, field), field, msg);
    }
    const json& get(const json& j, const std::string& key, const std::string& where) const {
        if (!j.is_object()) fail(where, "expected an object");
        auto it = j.find(key);
        if (it == j.end()) fail(where.empty() ? key : where + "." + key, "missing");
        return *it;
    }
    std::string str(const json& j, const std::string& key, const std::string& where) const {
        const json& v = get(j, key, where);
        if (!v.is_string()) fail(where.empty() ? key : where + "." + key, "expected a string");
        return v.get<std::string>();
    }
    std::uint64_t num(const json& j, const std::string& key, const std::string& where, Range range) const {
        const json& v = get(j, key, where);
        const std::string field = where.empty() ? key : where + "." + key;
        if (!v.is_number_unsigned()) fail(field, "expected a non-negative integer");
        const std::uint64_t n = v.get<std::uint64_t>();
        if (const std::string e = range_error(n, range); !e.empty()) fail(field, e);
        return n;
    }
};

std::string resolve_scenario(const std::string& trace_file, const std::string& path, const std::string& scenario_dir) {
    if (fs::path(path).is_absolute() || fs::exists(path)) return path;
    for (fs::path dir = fs::absolute(trace_file).parent_path(); !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / path)) return (dir / path).string();
        if (dir == dir.root_path()) break;
    }
    if (!scenario_dir.empty()) {
        const fs::path p = fs::path(scenario_dir) / fs::path(path).filename();
        if (fs::exists(p)) return p.string();
    }
    return path;
}

}  // namespace

LoadedTrace load_itf(const std::string& path, const std::string& scenario_override, const std::string& scenario_dir) {
    const InputScope scope(path);
    LoadedTrace t;
    t.file = path;
    Reader r{path, {}};
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) r.fail("", fs::exists(path, ec) ? "not a regular file" : "cannot be read");
    if (fs::file_size(path, ec) > kMaxTraceBytes) r.fail("", fmt::format("larger than {} MiB: not a trace", kMaxTraceBytes >> 20));
    std::ifstream in(path, std::ios::binary);
    if (!in) r.fail("", "cannot be read");
    std::stringstream buf;
    buf << in.rdbuf();
    r.text = buf.str();
    try {
        t.doc = parse_json_limited(r.text, kMaxJsonDepth);
    } catch (const JsonInputError& e) {
        throw TraceError(path, e.line, "json", e.message);
    }
    const json& meta = r.get(t.doc, "#meta", "");
    if (r.str(meta, "format", "#meta") != "ITF") r.fail("#meta.format", "expected \"ITF\"");
    const json& scen = r.get(meta, "scenario", "#meta");
    const std::string sc_path = scenario_override.empty() ? resolve_scenario(path, r.str(scen, "path", "#meta.scenario"), scenario_dir)
                                                          : scenario_override;
    const std::string sc_name = r.str(scen, "name", "#meta.scenario");
    try {
        t.sc = load_scenario(sc_path);
    } catch (const ScenarioError& e) {
        r.fail("#meta.scenario.path", fmt::format("scenario does not load ({})", e.what()));
    }
    if (t.sc.name != sc_name)
        r.fail("#meta.scenario.name", fmt::format("'{}' but {} is scenario '{}'", sc_name, sc_path, t.sc.name));
    t.variant = r.str(meta, "variant", "#meta");
    if (!find_variant(t.variant)) r.fail("#meta.variant", fmt::format("unknown variant '{}'", t.variant));
    const json& invs = r.get(meta, "invariants", "#meta");
    if (!invs.is_array()) r.fail("#meta.invariants", "expected an array of invariant names");
    for (size_t i = 0; i < invs.size(); ++i) {
        if (!invs[i].is_string()) r.fail(fmt::format("#meta.invariants[{}]", i), "expected a string");
        const std::string n = invs[i].get<std::string>();
        if (!find_invariant(n)) r.fail(fmt::format("#meta.invariants[{}]", i), fmt::format("unknown invariant '{}'", n));
        t.invariants.push_back(n);
    }
    const json& vj = r.get(meta, "violation", "#meta");
    if (!vj.is_null()) {
        Violation v;
        v.invariant = r.str(vj, "invariant", "#meta.violation");
        v.conjunct = r.str(vj, "conjunct", "#meta.violation");
        v.detail = r.str(vj, "detail", "#meta.violation");
        t.violation = v;
    }
    if (!r.get(t.doc, "vars", "").is_array()) r.fail("vars", "expected an array of variable names");
    const json& states = r.get(t.doc, "states", "");
    if (!states.is_array() || states.empty()) r.fail("states", "expected a non-empty array");

    const Machine& m = t.sc.machine;
    // A threaded trace names the thread (CPU) of every step; it needs a threaded scenario.
    auto mode = meta.find("mode");
    t.threaded = mode != meta.end() && mode->is_string() && mode->get<std::string>() == "threads";
    if (t.threaded != t.sc.threads.enabled())
        r.fail("#meta.mode", t.threaded ? fmt::format("\"threads\" but scenario {} has no [[threads]]", t.sc.name)
                                        : fmt::format("scenario {} has [[threads]]: expected \"threads\"", t.sc.name));
    for (size_t i = 0; i < states.size(); ++i) {
        const std::string where = fmt::format("states[{}].#meta", i);
        const json& sm = r.get(states[i], "#meta", fmt::format("states[{}]", i));
        r.num(sm, "index", where, {i, i});  // states are numbered in order
        if (i == 0) continue;
        if (t.threaded) {
            const std::string name = r.str(sm, "thread", where);
            const auto& th = t.sc.threads.threads;
            unsigned idx = 0;
            while (idx < th.size() && th[idx].name != name) ++idx;
            if (idx == th.size()) r.fail(where + ".thread", fmt::format("no thread '{}' in scenario {}", name, t.sc.name));
            t.thread_steps.push_back(idx);
            continue;
        }
        const json& aj = r.get(sm, "action", where);
        const std::string aw = where + ".action";
        Action a;
        const std::string kind = r.str(aj, "kind", aw);
        if (!parse_action_kind(kind, a.kind)) r.fail(aw + ".kind", fmt::format("unknown action '{}'", kind));
        auto block_index = [&](std::uint64_t id, const std::string& field) {
            for (unsigned b = 0; b < m.blocks.size(); ++b)
                if (m.blocks[b].memory_block_id == id) return static_cast<std::uint8_t>(b);
            r.fail(field, fmt::format("memory{} is not a hot-pluggable block of scenario {}", id, t.sc.name));
        };
        if (a.kind == ActionKind::DIMM_ADD || a.kind == ActionKind::DIMM_EJECT) {
            const std::string name = r.str(aj, "dimm", aw);
            bool found = false;
            for (unsigned d = 0; d < m.dimms.size(); ++d)
                if (m.dimms[d].name == name) {
                    a.target = static_cast<std::uint8_t>(d);
                    found = true;
                }
            if (!found) r.fail(aw + ".dimm", fmt::format("no DIMM '{}' in scenario {}", name, t.sc.name));
        } else if (device_action(a.kind)) {
            const std::string name = r.str(aj, "device", aw);
            bool found = false;
            for (unsigned d = 0; d < m.devices.size(); ++d)
                if (m.devices[d].name == name) {
                    a.target = static_cast<std::uint8_t>(d);
                    found = true;
                }
            if (!found) r.fail(aw + ".device", fmt::format("no device '{}' in scenario {}", name, t.sc.name));
        } else if (virtio_mem_action(a.kind)) {
            const std::string name = r.str(aj, "virtio_mem", aw);
            bool found = false;
            for (unsigned d = 0; d < m.virtio_mems.size(); ++d)
                if (m.virtio_mems[d].name == name) {
                    a.target = static_cast<std::uint8_t>(d);
                    found = true;
                }
            if (!found) r.fail(aw + ".virtio_mem", fmt::format("no virtio-mem device '{}' in scenario {}", name, t.sc.name));
        } else {
            a.target = block_index(r.num(aj, "memory_block", aw, {0, ~0ull}), aw + ".memory_block");
            if (a.kind == ActionKind::REMOVE_MEMORY) {
                // As the scenario loader: the range stays inside the block's DIMM.
                const BlockInfo& b = m.blocks[a.target];
                const std::uint64_t c =
                    r.num(aj, "count", aw, {1, m.dimms[b.dimm].nr_blocks - static_cast<std::uint64_t>(b.index_in_dimm)});
                a.count = static_cast<std::uint8_t>(c);
            }
        }
        const json& fj = r.get(aj, "fault", aw);
        if (!fj.is_null()) {
            const std::string fk = r.str(fj, "kind", aw + ".fault");
            bool found = false;
            for (int f = 1; f < static_cast<int>(FaultKind::COUNT); ++f)
                if (fk == fault_name(static_cast<FaultKind>(f))) {
                    a.fault.kind = static_cast<FaultKind>(f);
                    found = true;
                }
            if (!found) r.fail(aw + ".fault.kind", fmt::format("unknown fault '{}'", fk));
            const std::uint64_t idx = r.num(fj, "index", aw + ".fault", {0, 255});
            a.fault.index = static_cast<std::uint8_t>(idx);
            if (a.fault.kind == FaultKind::UNMOVABLE_PAGES && idx >= m.blocks.size())
                r.fail(aw + ".fault.index", "not a memory block of the scenario");
        }
        t.actions.push_back(a);
        t.rcs.push_back(r.str(sm, "rc", where));
    }
    return t;
}

// ---------------------------------------------------------------------------------------
// Replay

namespace {

// Flatten an ITF record back to dotted names. Iterative: the depth is bounded at load time,
// but a walk over input must not depend on that for its stack.
void flatten(const json& root, std::vector<std::pair<std::string, json>>& out) {
    std::vector<std::pair<const json*, std::string>> todo{{&root, ""}};
    while (!todo.empty()) {
        auto [j, prefix] = std::move(todo.back());
        todo.pop_back();
        if (!j->is_object() || j->contains("#bigint")) {
            out.emplace_back(prefix, *j);
            continue;
        }
        // Pushed in reverse so the fields come out in document order.
        for (auto it = j->rbegin(); it != j->rend(); ++it) {
            if (it.key() == "#meta") continue;
            todo.emplace_back(&*it, prefix.empty() ? it.key() : prefix + "." + it.key());
        }
    }
}

std::string show(const json& v) {
    if (v.is_object() && v.contains("#bigint") && v["#bigint"].is_string()) return v["#bigint"].get<std::string>();
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

}  // namespace

std::vector<std::pair<std::string, json>> itf_flatten(const json& root) {
    std::vector<std::pair<std::string, json>> out;
    flatten(root, out);
    return out;
}

std::string itf_show(const json& v) { return show(v); }

ReplayReport replay_itf(const LoadedTrace& t) {
    if (t.threaded) return replay_itf_threaded(t);
    ReplayReport rep;
    const Machine& m = t.sc.machine;
    const Variant& variant = *find_variant(t.variant);
    const auto invs = select_invariants(t.invariants, t.file);
    std::vector<const Invariant*> state_invs, step_invs;
    for (const Invariant* i : invs) (i->holds_in ? state_invs : step_invs).push_back(i);
    const json& states = t.doc["states"];

    auto diverge = [&](unsigned step, std::string field, std::string in_trace, std::string in_model, std::string msg) {
        rep.reproduced = false;
        rep.step = step;
        rep.field = std::move(field);
        rep.in_trace = std::move(in_trace);
        rep.in_model = std::move(in_model);
        rep.message = std::move(msg);
        return rep;
    };
    // Compare the model's state with states[i] of the trace, field by field.
    auto compare = [&](unsigned i, const KernelState& s) -> std::optional<std::string> {
        std::vector<std::pair<std::string, json>> in_trace;
        flatten(states[i], in_trace);
        const auto in_model = itf_flat_vars(m, s);
        std::map<std::string, const json*> tmap;
        for (auto& [k, v] : in_trace) tmap[k] = &v;
        for (const auto& [k, v] : in_model) {
            auto it = tmap.find(k);
            if (it == tmap.end()) {
                diverge(i, k, "(missing)", show(v), "field missing from the trace");
                return k;
            }
            if (*it->second != v) {
                diverge(i, k, show(*it->second), show(v), "field differs");
                return k;
            }
            tmap.erase(it);
        }
        if (!tmap.empty()) {
            diverge(i, tmap.begin()->first, show(*tmap.begin()->second), "(missing)", "the model has no such field");
            return tmap.begin()->first;
        }
        return std::nullopt;
    };

    KernelState s = initial_state(m);
    rep.states.push_back(s);
    if (compare(0, s)) return rep;
    Violation v;
    auto check_state = [&](const KernelState& st) {
        for (const Invariant* i : state_invs)
            if (!i->holds_in(m, st, &v)) return false;
        return true;
    };
    bool violated = !check_state(s);
    const unsigned n = static_cast<unsigned>(t.actions.size());
    if (violated && n > 0)
        return diverge(0, "#meta.violation", "(none yet)", v.invariant,
                       fmt::format("the initial state already violates {}", v.invariant));
    for (unsigned i = 0; i < n; ++i) {
        const Action& a = t.actions[i];
        const std::string label = action_label(m, a);
        if (!action_enabled(m, s, a))
            return diverge(i + 1, "#meta.action", label, "(not possible)",
                           fmt::format("{} is not possible in the model's state (no such DIMM slot or block)", label));
        TraceStep ts;
        ts.action = a;
        const KernelState before = s;
        const StepResult res = apply_action(m, variant.ops, s, a, &ts.log);
        ts.rc = res.rc;
        ts.changes = diff_states(m, before, s);
        ts.after = s;
        rep.steps.push_back(ts);
        rep.states.push_back(s);
        if (a.fault.kind != FaultKind::NONE && !res.fault_fired)
            return diverge(i + 1, "#meta.action.fault", fault_name(a.fault.kind), "(never reached)",
                           "the fault point of the step is never reached in the model");
        const std::string rc = rc_string(res.rc);
        if (rc != t.rcs[i]) return diverge(i + 1, "#meta.rc", t.rcs[i], rc, "return code differs");
        if (compare(i + 1, s)) return rep;
        const Step st{m, before, s, a, res};
        for (const Invariant* inv : step_invs)
            if (!violated && !inv->holds_on(st, &v)) violated = true;
        if (!violated) violated = !check_state(s);
        if (violated && i + 1 < n)
            return diverge(i + 1, "#meta.violation", "(none yet)", v.invariant,
                           fmt::format("the model violates {} already after step {}: {}", v.invariant, i + 1, v.detail));
    }
    // Litmus expectations are not invariants: ask the scenario itself.
    if (!violated && t.violation && t.violation->invariant == "litmus-expect" && t.sc.litmus()) {
        RunOptions opt;
        opt.variant_override = t.variant;
        opt.invariants = t.invariants;
        const RunResult rr = run_scenario(t.sc, opt);
        if (rr.explore.violation && rr.trace == t.actions) {
            v = *rr.explore.violation;
            violated = true;
        }
    }
    if (violated) rep.violation = v;
    if (!t.violation && violated)
        return diverge(n, "#meta.violation", "null", v.invariant, fmt::format("the model violates {}", v.invariant));
    if (t.violation && !violated)
        return diverge(n, "#meta.violation.invariant", t.violation->invariant, "(holds)",
                       "the model reaches the final state without a violation");
    if (t.violation) {
        if (v.invariant != t.violation->invariant)
            return diverge(n, "#meta.violation.invariant", t.violation->invariant, v.invariant, "a different invariant fails");
        if (v.conjunct != t.violation->conjunct)
            return diverge(n, "#meta.violation.conjunct", t.violation->conjunct, v.conjunct, "a different conjunct fails");
        if (v.detail != t.violation->detail)
            return diverge(n, "#meta.violation.detail", t.violation->detail, v.detail, "the violation's detail differs");
    }
    rep.reproduced = true;
    return rep;
}

}  // namespace hp
