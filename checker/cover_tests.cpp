#include "checker/cover_tests.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "checker/kernel_model.hpp"
#include "checker/rc_name.hpp"
#include "checker/kernel_source_map.hpp"
#include "checker/report_itf.hpp"
#include "checker/tree_store.hpp"

namespace hp {

namespace {
bool is_function_name(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'; });
}
std::string normalise(const std::string& s) {
    std::string o;
    for (std::size_t i = 0; i < s.size();) {
        if (std::isdigit(static_cast<unsigned char>(s[i]))) {
            o += '#';
            if (s.compare(i, 2, "0x") == 0) i += 2;
            while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
        } else {
            o += s[i++];
        }
    }
    return o;
}
}  // namespace

std::vector<std::string> coverage_items(const Action& a, int rc, const CallLog& log) {
    std::vector<std::string> items;
    std::vector<std::string> stack;  // enclosing function per depth
    for (const CallLog::Entry& e : log.entries) {
        stack.resize(static_cast<std::size_t>(e.depth));
        if (is_function_name(e.text)) {
            items.push_back("fn:" + e.text);
            stack.push_back(e.text);
        } else {
            items.push_back(fmt::format("say:{}:{}", stack.empty() ? "-" : stack.back(), normalise(e.text)));
        }
    }
    items.push_back(fmt::format("rc:{}:{}", action_kind_name(a.kind), rc_name(rc)));
    return items;
}

CoverResult generate_covering_tests(const Scenario& sc, const Variant& v, const CoverOptions& opt) {
    CoverResult res;
    const Machine& m = sc.machine;
    std::vector<Action> alphabet;
    if (sc.litmus()) {
        for (const LitmusStep& st : sc.steps) alphabet.push_back(st.action);
    } else {
        alphabet = expand_alphabet(m, sc.actions, opt.with_faults ? sc.faults : std::vector<FaultKind>{});
    }
    const unsigned depth_bound = opt.limits.max_depth ? opt.limits.max_depth : sc.max_depth;
    const unsigned w = packed_words(m);
    TreeStore store(w);
    std::vector<std::uint32_t> parent{0}, words(w);
    std::vector<std::uint16_t> via{0};
    std::vector<unsigned> depth{0};
    const KernelState init = initial_state(m);
    pack(m, init, words.data());
    store.insert(words.data());
    std::map<std::string, std::vector<Action>> witness;  // item -> shortest sequence
    auto path_to = [&](std::uint32_t id) {
        std::vector<Action> p;
        for (; id != 0; id = parent[id]) p.push_back(alphabet[via[id]]);
        std::reverse(p.begin(), p.end());
        return p;
    };
    KernelState s = init, next = init;
    for (std::uint32_t id = 0; id < store.size(); ++id) {
        if (g_interrupted) {
            res.complete = false;
            break;
        }
        if (depth_bound && depth[id] >= depth_bound) {
            res.complete = false;
            continue;
        }
        store.get(id, words.data());
        unpack(m, words.data(), s);
        for (unsigned ai = 0; ai < alphabet.size(); ++ai) {
            const Action& a = alphabet[ai];
            if (sc.litmus() && ai != depth[id]) continue;  // a litmus test has one path
            if (!action_enabled(m, s, a)) continue;
            next = s;
            CallLog log;
            const StepResult r = apply_action(m, v.ops, next, a, &log);
            if (a.fault.kind != FaultKind::NONE && !r.fault_fired) continue;
            ++res.transitions;
            std::vector<Action> seq;
            for (const std::string& item : coverage_items(a, r.rc, log))
                if (!witness.count(item)) {
                    if (seq.empty()) {
                        seq = path_to(id);
                        seq.push_back(a);
                    }
                    witness.emplace(item, seq);
                }
            pack(m, next, words.data());
            const auto [nid, inserted] = store.insert(words.data());
            if (!inserted) continue;
            parent.push_back(id);
            via.push_back(static_cast<std::uint16_t>(ai));
            depth.push_back(depth[id] + 1);
            if (opt.limits.max_states && store.size() >= opt.limits.max_states) {
                res.complete = false;
                id = static_cast<std::uint32_t>(store.size());  // stop expanding
                break;
            }
        }
    }
    res.states = store.size();
    // Longest first; a sequence that is a prefix of a kept one is covered by it.
    std::vector<std::vector<Action>> all;
    for (auto& [item, seq] : witness) all.push_back(seq);
    std::sort(all.begin(), all.end(), [](auto& x, auto& y) { return x.size() > y.size() || (x.size() == y.size() && x.size() && action_kind_name(x[0].kind) < action_kind_name(y[0].kind)); });
    for (const auto& seq : all) {
        const bool covered = std::any_of(res.sequences.begin(), res.sequences.end(), [&](const auto& k) {
            return k.size() >= seq.size() && std::equal(seq.begin(), seq.end(), k.begin());
        });
        if (!covered) res.sequences.push_back(seq);
    }
    std::reverse(res.sequences.begin(), res.sequences.end());  // shortest first: easier to read
    for (auto& [item, seq] : witness) res.reachable.push_back(item);
    // Measure, do not assume: replay the sequences and collect what they hit.
    std::set<std::string> hit;
    for (const auto& seq : res.sequences) {
        KernelState x = init;
        for (const Action& a : seq) {
            CallLog log;
            const StepResult r = apply_action(m, v.ops, x, a, &log);
            for (std::string& i : coverage_items(a, r.rc, log)) hit.insert(std::move(i));
        }
    }
    res.hit.assign(hit.begin(), hit.end());
    // Kernel functions defined for this variant (its files and spec/ops) that never ran.
    std::set<std::string> ran;
    for (const std::string& i : res.reachable)
        if (i.rfind("fn:", 0) == 0) ran.insert(i.substr(3));
    for (const std::string& f : kernel_functions_of(v.name)) {
        ++res.functions_defined;
        if (!ran.count(f)) res.never_called.push_back(f);
    }
    return res;
}

std::string format_sequences_json(const Scenario& sc, const Variant& v, const CoverResult& r) {
    using nlohmann::ordered_json;
    const Machine& m = sc.machine;
    ordered_json seqs = ordered_json::array();
    for (const auto& seq : r.sequences) {
        ordered_json steps = ordered_json::array();
        std::vector<std::string> slot(m.dimms.size());
        int next_slot = 1;
        for (const Action& a : seq) {
            switch (a.kind) {
                case ActionKind::DIMM_ADD:
                    slot[a.target] = fmt::format("d{}", next_slot++);
                    steps.push_back({{"op", "dimm_add"},
                                     {"args", {{"slot", slot[a.target]},
                                               {"size_mb", m.geo.pages_to_mib(m.dimms[a.target].nr_blocks * m.geo.pages_per_block)}}}});
                    break;
                case ActionKind::DIMM_EJECT: steps.push_back({{"op", "dimm_eject"}, {"args", {{"slot", slot[a.target]}}}}); break;
                case ActionKind::REMOVE_MEMORY: break;  // a driver call: no user-space equivalent
                case ActionKind::HUGETLB_ALLOC:
                case ActionKind::HUGETLB_FREE: break;  // the block a hugetlb page comes from is the kernel's choice
                case ActionKind::DEV_MAP:
                case ActionKind::DEV_UNMAP:
                case ActionKind::SOFT_OFFLINE: break;  // no NVDIMM in the conformance guest
                case ActionKind::VMEM_PLUG:
                case ActionKind::VMEM_UNPLUG: break;  // the virtio-mem device is on QEMU's command line, not slotted
                default: {
                    const unsigned d = m.blocks[a.target].dimm;
                    steps.push_back({{"op", action_kind_name(a.kind)},
                                     {"args", {{"slot", slot[d]}, {"index", a.target - m.dimm_first_block[d]}}}});
                }
            }
        }
        seqs.push_back(steps);
    }
    ordered_json j;
    j["generator"] = fmt::format("hpcheck {} tests --cover", kHpcheckVersion);
    j["scenario"] = sc.path;
    j["variant"] = v.name;
    j["coverage"] = {{"hit", r.hit.size()}, {"reachable", r.reachable.size()}, {"complete", r.complete},
                     {"functions_defined", r.functions_defined}, {"functions_never_called", r.never_called}};
    j["sequences"] = seqs;
    return j.dump(1) + "\n";
}

}  // namespace hp
