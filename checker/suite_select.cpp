#include "checker/suite_select.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace hp {

std::vector<std::string> scenario_tags(const Scenario& sc) {
    std::vector<std::string> t = sc.tags;
    t.push_back(sc.litmus() ? "litmus" : "explore");
    t.push_back(sc.expect == "pass" ? "pass" : "violation");
    t.push_back(sc.variant);
    return t;
}

namespace {
bool glob_match(const std::string& pattern, const std::string& s) { return fnmatch(pattern.c_str(), s.c_str(), 0) == 0; }
}  // namespace

bool file_may_match(const SuiteSelection& sel, const std::string& file) {
    if (sel.only.empty()) return true;
    const std::string base = fs::path(file).filename().string(), stem = fs::path(file).stem().string();
    for (const std::string& g : sel.only)
        if (glob_match(g, base) || glob_match(g, stem) || glob_match(g, file)) return true;
    return false;
}

bool selected(const SuiteSelection& sel, const Scenario& sc) {
    if (!sel.only.empty()) {
        bool any = file_may_match(sel, sc.path);
        for (const std::string& g : sel.only) any = any || glob_match(g, sc.name);
        if (!any) return false;
    }
    const auto tags = scenario_tags(sc);
    for (const std::string& want : sel.tags)
        if (std::find(tags.begin(), tags.end(), want) == tags.end()) return false;
    return true;
}

std::string default_scenario_dir(const std::string& exe, const std::string& installed_data_dir) {
    const fs::path dir = fs::path(exe).parent_path();
    std::vector<fs::path> candidates{dir / ".." / "share" / "hpcheck" / "scenarios", dir / ".." / "spec" / "scenarios",
                                     dir / "spec" / "scenarios"};
    if (!installed_data_dir.empty()) candidates.push_back(fs::path(installed_data_dir) / "scenarios");
    for (const fs::path& c : candidates) {
        std::error_code ec;
        if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec).string();
    }
    return "";
}

}  // namespace hp
