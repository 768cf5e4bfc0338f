// SVG memory maps and HTML pages: well-formed XML, the offending pfn highlighted, one row
// per state, byte-identical across runs.
#include <doctest/doctest.h>

#include <vector>

#include "report_test_util.hpp"

using namespace report_test;

namespace {
// A small XML well-formedness check: tags balance and nest, attributes are quoted, no
// stray '<' or '&' in text. Returns "" or the first problem.
std::string xml_problem(const std::string& x) {
    std::vector<std::string> stack;
    size_t i = 0;
    while (i < x.size()) {
        if (x[i] == '&') {
            const size_t semi = x.find(';', i);
            if (semi == std::string::npos || semi - i > 8) return "bare & at " + std::to_string(i);
            i = semi + 1;
            continue;
        }
        if (x[i] != '<') {
            ++i;
            continue;
        }
        const size_t end = x.find('>', i);
        if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
        std::string tag = x.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.rfind("!", 0) == 0 || tag.rfind("?", 0) == 0) continue;
        if (tag.find('<') != std::string::npos) return "'<' inside a tag: " + tag;
        size_t quotes = 0;
        for (char c : tag) quotes += c == '"';
        if (quotes % 2) return "unbalanced quotes in " + tag;
        const bool closing = tag[0] == '/', selfclosing = tag.back() == '/';
        std::string name = tag.substr(closing ? 1 : 0);
        name = name.substr(0, name.find_first_of(" \t\n/"));
        if (closing) {
            if (stack.empty() || stack.back() != name) return "</" + name + "> does not close " + (stack.empty() ? "" : stack.back());
            stack.pop_back();
        } else if (!selfclosing) {
            stack.push_back(name);
        }
    }
    return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

std::string make(const std::string& scenario, const std::string& dir) {
    const std::string d = scratch(dir);
    const Run r = hpcheck("check '" + scenario + "' --trace-dir '" + d + "'");
    REQUIRE(r.rc == 1);
    return d;
}
}  // namespace

TEST_CASE("report: the xml checker itself catches broken markup") {
    CHECK(xml_problem("<svg><g><rect x=\"1\"/></g></svg>") == "");
    CHECK(xml_problem("<svg><g></svg>") != "");
    CHECK(xml_problem("<svg><text>a < b</text></svg>") != "");
    CHECK(xml_problem("<svg><text>a & b</text></svg>") != "");
}

TEST_CASE("report: SVG and HTML of a trace are well-formed, complete and deterministic") {
    const std::string a = make(fixture("naive-span-expectation.toml"), "svg-a");
    const std::string b = make(fixture("naive-span-expectation.toml"), "svg-b");
    const std::string base = "/naive-span-expectation-v6.1";
    const std::string svg = slurp(a + base + ".svg"), html = slurp(a + base + ".html");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    for (int r = 0; r <= 5; ++r) CHECK(svg.find("<g id=\"state" + std::to_string(r) + "\">") != std::string::npos);
    CHECK(svg.find("<g id=\"state6\">") == std::string::npos);
    CHECK(svg.find("memory33") != std::string::npos);
    CHECK(html.find("<svg xmlns") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);  // self-contained, static
    CHECK(html.find("src=\"http") == std::string::npos);
    CHECK(xml_problem(html.substr(html.find("<html"))) == "");
    CHECK(svg == slurp(b + base + ".svg"));
    CHECK(html == slurp(b + base + ".html"));
    // The commands write the same bytes as check --trace-dir.
    const Run r = hpcheck("svg '" + a + base + ".itf.json' -o '" + a + "/again.svg'");
    CHECK(r.rc == 0);
    CHECK(slurp(a + "/again.svg") == svg);
}

TEST_CASE("report: the SVG marks the offending pfn and zooms on it") {
    const std::string sc = kSrc + "/spec/scenarios/39-hocko-2021-subsection-litmus.toml";
    if (!fs::exists(sc)) return;  // the variant's scenario lives with the variants
    const std::string d = make(sc, "svg-pfn");
    const std::string svg = slurp(d + "/hocko-2021-subsection-litmus-hocko-2021.svg");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("pfn 0x104080</text>") != std::string::npos);
    CHECK(svg.find("<g id=\"zoom\">") != std::string::npos);
    CHECK(svg.find("zone_start_pfn 0x104200") != std::string::npos);
}
