// Issue 14, the reviewer's workflow: new-variant, `suite --variant X` (only what the patch
// changes), `report` (an email), and the defects around it (UNEXPECTED under --variant, the
// trace file's missing header and final line, prove's refusal of new variants).
#include <doctest/doctest.h>

#include "checker/report_email.hpp"
#include "report_test_util.hpp"

using namespace report_test;

namespace {
bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }
std::size_t widest_line(const std::string& s) {
    std::size_t w = 0, start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == '\n') {
            w = std::max(w, i - start);
            start = i + 1;
        }
    return w;
}
}  // namespace

TEST_CASE("review: suite --variant prints only the scenarios whose behaviour the patch changes") {
    const Run r = hpcheck("suite --variant v6.8 --only '33-*' --only '10-*'");
    CHECK(r.rc == 1);
    CHECK(has(r.out, "variant v6.8 against its parent v6.1 on 2 scenario(s)"));
    CHECK(has(hpcheck("suite --variant v6.8 --parent v5.12 --only '10-*'").out, "against the variant v5.12"));
    CHECK(has(r.out, "== v6.8-256m-dimm-explore"));
    CHECK_FALSE(has(r.out, "== two-dimms-explore-mom"));  // 128 MiB DIMMs: 6.8 = 6.1
    CHECK(has(r.out, "shortest difference, 1 operation"));
    CHECK(has(r.out, "1 of 2 scenario(s) differ"));
    // No difference at all: exit 0.
    CHECK(hpcheck("suite --variant v6.8 --only '10-*'").rc == 0);
    // A verdict the patch changes is said so.
    const Run h = hpcheck("suite --variant hocko-2021 --only '39-*'");
    CHECK(h.rc == 1);
    CHECK(has(h.out, "the patch changes the verdict"));
    CHECK(has(h.out, "hocko-2021: violation: zone-span"));
    // Bad input: one line, exit 2, nothing else.
    const Run bad = hpcheck("suite --variant nope");
    CHECK(bad.rc == 2);
    CHECK(std::count(bad.out.begin(), bad.out.end(), '\n') == 1);
    CHECK(hpcheck("suite --variant v6.1").rc == 2);  // a baseline has no parent: --parent needed
}

TEST_CASE("review: check --variant X does not mark the run UNEXPECTED against another variant's expectation") {
    const Run r = hpcheck("check spec/scenarios/32-v5.4-shrink-at-remove-explore.toml --variant v6.1");
    CHECK(r.rc == 0);
    CHECK_FALSE(has(r.out, "UNEXPECTED"));
    CHECK(has(r.out, "not compared under v6.1"));
    // Under its own variant a mismatch is still flagged.
    const std::string d = scratch("unexpected");
    std::string sc = slurp(kSrc + "/spec/scenarios/32-v5.4-shrink-at-remove-explore.toml");
    sc.replace(sc.find("expect = \"violation: memmap-init\""), 33, "expect = \"pass\"");
    spit(d + "/own.toml", sc);
    CHECK(has(hpcheck("check '" + d + "/own.toml'").out, "UNEXPECTED"));
}

TEST_CASE("review: report is an email: <= 72 columns, no ANSI, header, numbered steps, invariant and conjunct") {
    const Run r = hpcheck("report spec/scenarios/39-hocko-2021-subsection-litmus.toml");
    CHECK(r.rc == 1);
    CHECK(widest_line(r.out) <= 72);
    CHECK_FALSE(has(r.out, "\x1b["));
    CHECK(has(r.out, "hpcheck   0.1.0"));
    CHECK(has(r.out, "variant   hocko-2021"));
    CHECK(has(r.out, "parent    v6.1"));
    CHECK(has(r.out, "machine   x86_64"));
    CHECK(has(r.out, "cmdline   memhp_default_state="));
    CHECK(has(r.out, "invariant zone-span (I1)"));
    CHECK(has(r.out, "conjunct  "));
    CHECK(has(r.out, "\n 1. "));
    CHECK(has(r.out, "=> zone-span violated after step"));
    // The same through check --format email, and from the ITF trace of --trace-dir.
    const std::string d = scratch("email");
    const Run c = hpcheck("check spec/scenarios/39-hocko-2021-subsection-litmus.toml --format email --trace-dir '" + d + "'");
    CHECK(widest_line(c.out) <= 72);
    CHECK(has(c.out, "=> zone-span violated"));
    const Run t = hpcheck("report '" + d + "/hocko-2021-subsection-litmus-hocko-2021.itf.json'");
    CHECK(t.rc == 1);
    CHECK(has(t.out, "=> zone-span violated"));
    CHECK(widest_line(t.out) <= 72);
}

TEST_CASE("review: the trace file a reviewer attaches has a header and the final violation line") {
    const std::string d = scratch("tracetxt");
    hpcheck("check spec/scenarios/39-hocko-2021-subsection-litmus.toml --trace-dir '" + d + "'");
    const std::string txt = slurp(d + "/hocko-2021-subsection-litmus-hocko-2021.trace.txt");
    CHECK(has(txt, "variant   hocko-2021"));
    CHECK(has(txt, "cmdline   "));
    CHECK(has(txt, "command   hpcheck check"));
    CHECK(has(txt, "=> zone-span violated after step"));
}

TEST_CASE("review: wrap keeps every line within the width, splitting overlong words") {
    const std::string w = hp::wrap("a " + std::string(100, 'x') + " b c d", 20, 2, 4);
    CHECK(widest_line(w) <= 20);
    CHECK(w.rfind("  a", 0) == 0);
}

TEST_CASE("review: new-variant scaffolds a variant in the current style and registers it") {
    const std::string d = scratch("newvariant");
    fs::create_directories(d + "/spec");
    fs::copy(kSrc + "/spec/variants", d + "/spec/variants");
    fs::copy(kSrc + "/spec/scenarios", d + "/spec/scenarios");
    const Run r = hpcheck("new-variant my-fix --parent v6.1 --source-dir '" + d + "'");
    CHECK(r.rc == 0);
    const std::string cpp = slurp(d + "/spec/variants/my_fix.cpp");
    CHECK(has(cpp, "Variant my_fix() {"));
    CHECK(has(cpp, "v.parent = \"v6.1\";"));
    CHECK(has(cpp, "v.ops = v6_1().ops;"));
    CHECK(has(slurp(d + "/spec/variants/registry.hpp"), "Variant my_fix();\nvoid add_mutants("));
    CHECK(has(slurp(d + "/spec/variants/registry.cpp"), "l.push_back(variants::my_fix());\n        // `hpcheck new-variant`"));
    bool scenario = false;
    for (const auto& e : fs::directory_iterator(d + "/spec/scenarios"))
        scenario |= has(e.path().filename().string(), "my-fix-explore.toml");
    CHECK(scenario);
    // The skeleton is a valid scenario (its variant does not exist in this binary: that is the only complaint).
    // Existing name, bad name: exit 2, nothing written.
    CHECK(hpcheck("new-variant hocko-2021 --source-dir '" + d + "'").rc == 2);
    CHECK(hpcheck("new-variant 'Bad Name' --source-dir '" + d + "'").rc == 2);
}

TEST_CASE("review: prove runs any registered variant through the same kernel functions") {
    // v5.12 had no hand-written encoding: prove runs its spec/variants file over Z3 terms.
    const Run r = hpcheck("prove --variant v5.12 --geometry x86_64 --max-depth 1");
    CHECK(r.rc == 0);
    CHECK(has(r.out, "verdict    bounded"));
    CHECK(has(r.out, "one source"));
}

TEST_CASE("review: prove --engine chooses how geometries are covered, anything else is bad input") {
    const Run classes = hpcheck("prove --variant v6.1 --geometry x86_64 --engine classes");
    CHECK(classes.rc == 0);
    CHECK(has(classes.out, "verdict    proved"));
    CHECK(has(classes.out, "1 geometry class(es) covering 1 geometries in bounds, 771 states"));
    const Run paths = hpcheck("prove --variant v6.1 --geometry x86_64 --engine paths");
    CHECK(paths.rc == 0);
    CHECK(has(paths.out, "771 symbolic states"));
    // a preset with one parameter freed: x86_64 for sizeof(struct page) 56 and 64
    const Run freed = hpcheck("prove --variant v6.1 --geometry x86_64 --geometry-bounds struct_page=56..64");
    CHECK(freed.rc == 0);
    CHECK(has(freed.out, "struct_page=56..64"));
    CHECK(has(freed.out, "section_bits=27 "));
    CHECK(has(freed.out, "2 geometry class(es)"));
    const Run bad = hpcheck("prove --variant v6.1 --geometry x86_64 --engine fastest");
    CHECK(bad.rc == 2);
    CHECK(has(bad.out, "--engine: 'fastest' is not classes or paths"));
}

TEST_CASE("review: prove --print-invariant lists what every reachable state satisfies, in kernel terms") {
    // x86_64 with sizeof(struct page) 56..64: the memmap of a block is a term over the struct
    // page size, and managed pages are the block minus it (vmemmap pages are present, not managed)
    const Run r = hpcheck("prove --variant v6.1 --geometry x86_64 --geometry-bounds struct_page=56..64 --print-invariant");
    CHECK(r.rc == 0);
    CHECK(has(r.out, "verdict    proved"));
    CHECK(has(r.out, "class 1: node0.DMA32.managed_pages = 4080"));
    CHECK(has(r.out, "class 2: node0.Normal.managed_pages in {0, (u32)(0x8000 - memmap_pages)"));
    CHECK(has(r.out, "fields are 0 in every reachable state"));
    // without the flag the proof prints no field list
    const Run plain = hpcheck("prove --variant v6.1 --geometry x86_64");
    CHECK_FALSE(has(plain.out, "fields     "));
}
