// Helpers for the reporter tests (tests/test_report_*.cpp): run the hpcheck binary,
// read files, a scratch directory, and a small JSON Schema validator (the subset of
// draft 2020-12 that docs/itf-trace.schema.json uses; no network).
#pragma once
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace report_test {

namespace fs = std::filesystem;
using nlohmann::json;

inline const std::string kSrc = HPCHECK_SOURCE_DIR;
// HPCHECK_TEST_BINARY runs the CLI tests against another build (e.g. main's, to see a
// regression test fail before its fix).
inline const std::string kBin = std::getenv("HPCHECK_TEST_BINARY") ? std::getenv("HPCHECK_TEST_BINARY") : HPCHECK_BINARY;

struct Run {
    int rc;
    std::string out;
};

// Runs `hpcheck ARGS` from the source directory; stdout and stderr together. A run is
// killed after 10 minutes, and a crash or kill gives rc -1 (not a normal exit).
inline Run hpcheck(const std::string& args) {
    const std::string cmd = "cd '" + kSrc + "' && timeout -s KILL 600 '" + kBin + "' " + args + " 2>&1";
    Run r{-1, ""};
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int st = pclose(p);
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void spit(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// A fresh scratch directory per name and process.
inline std::string scratch(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("hpcheck-report-test-" + std::to_string(getpid())) / name;
    fs::remove_all(d);
    fs::create_directories(d);
    return d.string();
}

inline std::string fixture(const std::string& name) { return kSrc + "/tests/data/report/" + name; }

// Minimal JSON Schema validation: type, const, enum, required, properties,
// additionalProperties, items, minItems, minLength, minimum, pattern, anyOf, not, $ref
// (local "#/$defs/..."). Returns "" when valid, else the first error with its JSON pointer.
class SchemaValidator {
public:
    explicit SchemaValidator(json root) : root_(std::move(root)) {}
    std::string validate(const json& doc) const { return check(root_, doc, ""); }

private:
    json root_;

    const json& resolve(const json& s) const {
        if (!s.is_object() || !s.contains("$ref")) return s;
        const std::string ref = s["$ref"].get<std::string>();
        return root_.at(json::json_pointer(ref.substr(1)));
    }
    static bool type_ok(const std::string& t, const json& v) {
        if (t == "object") return v.is_object();
        if (t == "array") return v.is_array();
        if (t == "string") return v.is_string();
        if (t == "boolean") return v.is_boolean();
        if (t == "null") return v.is_null();
        if (t == "integer") return v.is_number_integer();
        if (t == "number") return v.is_number();
        return false;
    }
    std::string check(const json& schema_in, const json& v, const std::string& at) const {
        const json& s = resolve(schema_in);
        if (s.is_boolean()) return s.get<bool>() ? "" : at + ": not allowed";
        if (s.contains("type") && !type_ok(s["type"].get<std::string>(), v))
            return at + ": expected " + s["type"].get<std::string>();
        if (s.contains("const") && v != s["const"]) return at + ": expected " + s["const"].dump();
        if (s.contains("enum")) {
            bool found = false;
            for (const json& e : s["enum"]) found |= e == v;
            if (!found) return at + ": not one of " + s["enum"].dump();
        }
        if (s.contains("minLength") && v.is_string() && v.get<std::string>().size() < s["minLength"].get<size_t>())
            return at + ": too short";
        if (s.contains("pattern") && v.is_string() &&
            !std::regex_search(v.get<std::string>(), std::regex(s["pattern"].get<std::string>())))
            return at + ": does not match " + s["pattern"].get<std::string>();
        if (s.contains("minimum") && v.is_number() && v.get<double>() < s["minimum"].get<double>())
            return at + ": below minimum";
        if (s.contains("anyOf")) {
            bool any = false;
            for (const json& alt : s["anyOf"]) any |= check(alt, v, at).empty();
            if (!any) return at + ": matches no alternative of anyOf";
        }
        if (s.contains("not") && check(s["not"], v, at).empty()) return at + ": matches a forbidden schema";
        if (v.is_object()) {
            if (s.contains("required"))
                for (const json& k : s["required"])
                    if (!v.contains(k.get<std::string>())) return at + ": missing " + k.get<std::string>();
            for (auto it = v.begin(); it != v.end(); ++it) {
                const std::string p = at + "/" + it.key();
                if (s.contains("properties") && s["properties"].contains(it.key())) {
                    if (auto e = check(s["properties"][it.key()], *it, p); !e.empty()) return e;
                } else if (s.contains("additionalProperties")) {
                    if (auto e = check(s["additionalProperties"], *it, p); !e.empty()) return e;
                }
            }
        }
        if (v.is_array()) {
            if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) return at + ": too few items";
            if (s.contains("items"))
                for (size_t i = 0; i < v.size(); ++i)
                    if (auto e = check(s["items"], v[i], at + "/" + std::to_string(i)); !e.empty()) return e;
        }
        return "";
    }
};

}  // namespace report_test
