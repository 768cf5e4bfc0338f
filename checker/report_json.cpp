#include "checker/report_json.hpp"

#include <nlohmann/json.hpp>

namespace hp {

std::string format_json(const Scenario& sc, const RunResult& r) {
    using nlohmann::json;
    const ExploreResult& e = r.explore;
    json j;
    j["scenario"] = r.scenario;
    j["file"] = r.file;
    j["variant"] = r.variant;
    j["verdict"] = verdict_name(e.verdict);
    j["expected"] = r.expected;
    j["matches_expectation"] = r.matches;
    j["invariant"] = e.violation ? json(e.violation->invariant) : json(nullptr);
    if (e.violation) {
        j["conjunct"] = e.violation->conjunct;
        j["detail"] = e.violation->detail;
    }
    if (e.verdict == Verdict::INCOMPLETE) j["incomplete_reason"] = e.incomplete_reason;
    j["states"] = e.states;
    j["transitions"] = e.transitions;
    j["depth"] = e.depth;
    j["seconds"] = e.seconds;
    j["bytes_per_state"] = e.states ? e.visited_bytes / e.states : 0;
    j["bounded_unexpanded_states"] = e.unexpanded_at_bound;
    j["warnings"] = r.warnings;
    json trace = json::array();
    for (size_t i = 0; i < r.replay.size(); ++i) {
        const TraceStep& st = r.replay[i];
        json changes = json::array();
        for (const FieldChange& c : st.changes) changes.push_back({{"field", c.field}, {"before", c.before}, {"after", c.after}});
        json calls = json::array();
        for (const CallLog::Entry& c : st.log.entries) calls.push_back({{"depth", c.depth}, {"text", c.text}});
        trace.push_back({{"step", i + 1},
                         {"action", action_label(sc.machine, st.action)},
                         {"command", describe_action(sc.machine, st.action)},
                         {"rc", st.rc == 0 ? "0" : "-" + std::string(errno_name(st.rc))},
                         {"kernel", calls},
                         {"changes", changes}});
    }
    j["trace"] = trace;
    if (r.threaded) {  // docs/interleavings.md: every step carries its thread (CPU)
        j["threads"] = r.thread_names;
        j["partial_order_reduction"] = r.por;
        j["max_preemptions"] = r.max_preemptions < 0 ? json(nullptr) : json(r.max_preemptions);
        j["steps_cut_by_preemption_bound"] = r.cut_by_preemption_bound;
        json il = json::array();
        for (size_t i = 0; i < r.interleaving.size(); ++i) {
            const InterleavingRow& row = r.interleaving[i];
            json calls = json::array();
            for (const CallLog::Entry& c : row.calls) calls.push_back({{"depth", c.depth}, {"text", c.text}});
            il.push_back({{"step", i + 1},
                          {"thread", row.thread},
                          {"cpu", r.thread_names[row.thread]},
                          {"what", row.what},
                          {"locks_held", row.locks},
                          {"kernel", calls}});
        }
        j["interleaving"] = il;
    }
    return j.dump(2) + "\n";
}

}  // namespace hp
