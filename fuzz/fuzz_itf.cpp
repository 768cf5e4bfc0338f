// ITF traces: load_itf() on arbitrary bytes against a fixed scenario (the test fixture the
// seed traces come from, so the fuzzer does not wander the file system through
// #meta.scenario.path), then everything a loaded trace feeds: replay, explain, SVG, HTML and
// the reproducer scripts.
#include "checker/report_explain.hpp"
#include "checker/report_itf.hpp"
#include "checker/report_repro.hpp"
#include "checker/report_svg.hpp"
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string scenario = HPCHECK_SOURCE_DIR "/tests/data/report/naive-span-expectation.toml";
    const std::string& path = hp::fuzz::input_file(data, size, ".itf.json");
    try {
        const hp::LoadedTrace t = hp::load_itf(path, scenario);
        const hp::ReplayReport rep = hp::replay_itf(t);
        hp::format_explain(t, rep, {});
        hp::format_svg(t, rep);
        hp::format_html(t, rep, "fuzz.itf.json");
        if (rep.reproduced) hp::format_repro(t, rep, "fuzz.itf.json");
    } catch (const hp::TraceError& e) {
        hp::fuzz::check_error_line(e.what(), path);
    }
    return 0;
}
