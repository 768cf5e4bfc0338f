#include "checker/suite_outputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "checker/kernel_source_map.hpp"
#include "checker/rc_name.hpp"
#include "checker/report_itf.hpp"
#include "checker/report_text.hpp"
#include "checker/xml_escape.hpp"
#include "spec/scenario.hpp"

namespace hp {

using nlohmann::ordered_json;

const char* status_name(SuiteEntry::Status s) {
    switch (s) {
        case SuiteEntry::PASS: return "pass";
        case SuiteEntry::FAIL: return "fail";
        case SuiteEntry::ERROR: return "error";
    }
    return "error";
}

namespace {

ordered_json entry_json(const SuiteEntry& e) {
    ordered_json j;
    j["file"] = e.file;
    j["status"] = status_name(e.status);
    j["failure"] = e.failure.empty() ? ordered_json(nullptr) : ordered_json(e.failure);
    if (e.status == SuiteEntry::ERROR) {
        j["error"] = e.error;
        return j;
    }
    const Scenario& sc = *e.scenario;
    const RunResult& r = e.run;
    j["name"] = sc.name;
    j["variant"] = r.variant;
    j["mode"] = sc.litmus() ? "litmus" : "explore";
    j["tags"] = sc.tags;
    j["verdict"] = verdict_name(r.explore.verdict);
    j["expected"] = r.expected;
    j["matches_expectation"] = r.matches;
    if (r.explore.violation) {
        j["violation"] = {{"invariant", r.explore.violation->invariant},
                          {"conjunct", r.explore.violation->conjunct},
                          {"detail", r.explore.violation->detail}};
        if (auto loc = blamed_function(r))
            j["violation"]["kernel_function"] = {{"function", loc->function}, {"file", loc->file}, {"line", loc->line}};
    } else {
        j["violation"] = nullptr;
    }
    j["incomplete_reason"] = r.explore.verdict == Verdict::INCOMPLETE ? ordered_json(r.explore.incomplete_reason) : nullptr;
    j["states"] = r.explore.states;
    j["transitions"] = r.explore.transitions;
    j["depth"] = r.explore.depth;
    j["seconds"] = r.explore.seconds;
    j["warnings"] = r.warnings;
    ordered_json trace = ordered_json::array();
    for (std::size_t i = 0; i < r.replay.size(); ++i)
        trace.push_back({{"step", i + 1},
                         {"action", action_label(sc.machine, r.replay[i].action)},
                         {"command", describe_action(sc.machine, r.replay[i].action)},
                         {"rc", rc_name(r.replay[i].rc)}});
    j["trace"] = trace;
    return j;
}

}  // namespace

std::string format_suite_json(const SuiteRun& s) {
    ordered_json j;
    j["schema"] = "hpcheck-suite-result";
    j["schema_version"] = kSuiteSchemaVersion;
    j["hpcheck_version"] = kHpcheckVersion;
    j["scenario_dir"] = s.scenario_dir;
    j["strict"] = s.strict;
    j["selection"] = {{"only", s.only}, {"tags", s.tags}};
    int pass = 0, fail = 0, err = 0, warnings = 0;
    ordered_json list = ordered_json::array();
    for (const SuiteEntry& e : s.entries) {
        (e.status == SuiteEntry::PASS ? pass : e.status == SuiteEntry::FAIL ? fail : err)++;
        warnings += static_cast<int>(e.run.warnings.size());
        list.push_back(entry_json(e));
    }
    j["summary"] = {{"total", s.entries.size()}, {"passed", pass}, {"failed", fail}, {"errors", err},
                    {"warnings", warnings}, {"seconds", s.seconds}};
    j["scenarios"] = list;
    return j.dump(2) + "\n";
}

std::string format_suite_junit(const SuiteRun& s) {
    int fail = 0, err = 0;
    for (const SuiteEntry& e : s.entries) {
        fail += e.status == SuiteEntry::FAIL;
        err += e.status == SuiteEntry::ERROR;
    }
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += fmt::format("<testsuites name=\"hpcheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     s.entries.size(), fail, err, s.seconds);
    x += fmt::format("  <testsuite name=\"hpcheck suite\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     s.entries.size(), fail, err, s.seconds);
    for (const SuiteEntry& e : s.entries) {
        const std::string name = e.scenario ? e.scenario->name : e.file;
        const std::string cls = e.scenario ? "hpcheck." + e.run.variant : "hpcheck";
        x += fmt::format("    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3f}\"", xml_escape(cls),
                         xml_escape(name), xml_escape(e.file), e.run.explore.seconds);
        std::string body;
        if (e.status == SuiteEntry::ERROR) {
            body += fmt::format("      <error message=\"{}\"/>\n", xml_escape(e.error));
        } else if (e.status == SuiteEntry::FAIL) {
            std::string msg = fmt::format("{}: got {}, expected {}", e.failure, verdict_name(e.run.explore.verdict),
                                          e.run.expected);
            if (e.run.explore.violation) msg += " (" + e.run.explore.violation->invariant + ")";
            if (e.failure == "vacuous") msg = "vacuous (--strict): " + fmt::format("{}", fmt::join(e.run.warnings, "; "));
            body += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml_escape(msg),
                                xml_escape(e.failure), xml_escape(format_check(*e.scenario, e.run)));
        }
        if (!e.run.warnings.empty()) {
            std::string w;
            for (const std::string& line : e.run.warnings) w += "warning: " + line + "\n";
            body += "      <system-out>" + xml_escape(w) + "</system-out>\n";
        }
        x += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
    }
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

std::string format_suite_sarif(const SuiteRun& s) {
    ordered_json rules = ordered_json::array();
    for (const Invariant& inv : all_invariants())
        rules.push_back({{"id", inv.name},
                         {"name", inv.name},
                         {"shortDescription", {{"text", inv.summary}}},
                         {"fullDescription", {{"text", fmt::format("{} ({}); relied on by {}", inv.summary, inv.id, inv.kernel)}}}});
    ordered_json results = ordered_json::array();
    for (const SuiteEntry& e : s.entries) {
        if (!e.scenario || !e.run.explore.violation) continue;
        const Violation& v = *e.run.explore.violation;
        ordered_json res;
        res["ruleId"] = v.invariant;
        res["level"] = e.run.matches ? "note" : "error";  // an expected violation (a known-bad design) is a note
        std::string text = fmt::format("{} violates {} in scenario {}: {} -- {}", e.run.variant, v.invariant,
                                       e.scenario->name, v.conjunct, v.detail);
        ordered_json locs = ordered_json::array();
        if (auto loc = blamed_function(e.run)) {
            text += fmt::format(" (kernel function {})", loc->function);
            locs.push_back({{"physicalLocation",
                             {{"artifactLocation", {{"uri", loc->file}, {"uriBaseId", "SRCROOT"}}},
                              {"region", {{"startLine", loc->line}}}}},
                            {"logicalLocations", {{{"name", loc->function}, {"kind", "function"}}}}});
        }
        locs.push_back({{"physicalLocation", {{"artifactLocation", {{"uri", e.file}}}}}});
        res["message"] = {{"text", text}};
        res["locations"] = locs;
        res["properties"] = {{"scenario", e.scenario->name}, {"variant", e.run.variant},
                             {"expected", e.run.expected}, {"steps", e.run.replay.size()}};
        results.push_back(res);
    }
    ordered_json j;
    j["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
    j["version"] = "2.1.0";
    j["runs"] = {{{"tool", {{"driver", {{"name", "hpcheck"}, {"version", kHpcheckVersion},
                                         {"informationUri", "docs/ci.md"}, {"rules", rules}}}}},
                  {"results", results}}};
    return j.dump(2) + "\n";
}

}  // namespace hp
