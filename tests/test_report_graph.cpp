// The state graph: DOT export (compact labels, marked states), reversibility with a trace,
// refusal over the bounds with nothing written.
#include <doctest/doctest.h>

#include "report_test_util.hpp"

using namespace report_test;

TEST_CASE("report: graph finds states that can never return to the boot state") {
    const std::string d = scratch("graph-noeject");
    const Run r = hpcheck("graph '" + fixture("add-online-no-eject.toml") + "' --dot '" + d + "/g.dot'");
    CHECK(r.rc == 1);
    CHECK(r.out.find("reversible NO: 22 of 23 states") != std::string::npos);
    CHECK(r.out.find("1. add d1") != std::string::npos);
    CHECK(r.out.find("d1.plugged: 0 -> 1") != std::string::npos);
    const std::string dot = slurp(d + "/g.dot");
    CHECK(dot.rfind("digraph hpcheck {", 0) == 0);
    CHECK(dot.substr(dot.size() - 2) == "}\n");
    CHECK(dot.find("s0 [label=\"s0\\n.\", penwidth=2.5];") != std::string::npos);
    CHECK(dot.find("s1 [label=\"s1\\no\", style=filled, fillcolor=\"#ffe0b2\"];") != std::string::npos);
    CHECK(dot.find("s0 -> s1 [label=\"+d1\"];") != std::string::npos);
    size_t nodes = 0, edges = 0;
    for (size_t p = 0; (p = dot.find("\n  s", p)) != std::string::npos; ++p)
        (dot.compare(dot.find_first_of(" ", p + 3), 4, " -> ") == 0 ? edges : nodes)++;
    CHECK(nodes == 23);
    CHECK(edges == 49);
    // Deterministic.
    const Run r2 = hpcheck("graph '" + fixture("add-online-no-eject.toml") + "' --dot '" + d + "/g2.dot'");
    CHECK(r2.out == r.out);
    CHECK(slurp(d + "/g2.dot") == dot);
}

TEST_CASE("report: graph with eject: the boot state is reachable again from an offline, ejected DIMM") {
    const Run r = hpcheck("graph '" + fixture("add-online-eject.toml") + "'");
    // The kernel leaves zone->contiguous set on a zone that empties (set_zone_contiguous()
    // on an empty span); reversibility compares machines up to that cache, so every state
    // returns to the boot machine.
    CHECK(r.out.find("boot SCC   2 state(s)") != std::string::npos);
    CHECK(r.out.find("reversible yes") != std::string::npos);
    CHECK(r.rc == 0);
}

TEST_CASE("report: graph marks violating states and refuses graphs over the bound") {
    const std::string d = scratch("graph-bound");
    Run r = hpcheck("graph spec/scenarios/19-four-dimms-explore.toml --max-states 100 --dot '" + d + "/big.dot'");
    CHECK(r.rc == 3);
    CHECK(r.out.find("more than 100 states (--max-states)") != std::string::npos);
    CHECK_FALSE(fs::exists(d + "/big.dot"));
    r = hpcheck("graph '" + fixture("naive-span-expectation.toml") + "'");
    CHECK(r.rc == 2);
    CHECK(r.out.find("explore.actions") != std::string::npos);
    const std::string sc = "spec/scenarios/38-hocko-2021-out-of-zone-explore.toml";
    if (fs::exists(kSrc + "/" + sc)) {
        r = hpcheck("graph " + sc + " --dot '" + d + "/viol.dot'");
        CHECK(slurp(d + "/viol.dot").find("zone-span\", style=filled, fillcolor=\"#ef9a9a\"") != std::string::npos);
    }
}
