// `hpcheck svg TRACE [-o OUT]` and `hpcheck html TRACE [-o OUT]`: the memory-map picture of
// a trace, and the self-contained teaching page (picture + story). Default output: next to
// the trace, .itf.json replaced by .svg / .html.
#include <cstring>
#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/output_file.hpp"
#include "checker/report_svg.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct PictureArgs {
    std::string trace, scenario, out;
};

std::string default_out(const std::string& trace, const std::string& ext) {
    std::string base = trace;
    for (const char* suffix : {".itf.json", ".json"})
        if (base.size() > std::strlen(suffix) && base.compare(base.size() - std::strlen(suffix), std::strlen(suffix), suffix) == 0) {
            base.resize(base.size() - std::strlen(suffix));
            break;
        }
    return base + ext;
}

int run_picture(const PictureArgs& a, bool html, const Context& ctx) {
    const LoadedTrace t = load_itf(a.trace, a.scenario, ctx.scenario_dir);
    const ReplayReport rep = replay_itf(t);
    const std::string out = a.out.empty() ? default_out(a.trace, html ? ".html" : ".svg") : a.out;
    const std::string text = html ? format_html(t, rep, fs::path(a.trace).filename().string()) : format_svg(t, rep);
    if (out == "-") std::cout << text;
    else write_file_atomically(out, text);
    if (!rep.reproduced) {
        std::cerr << "hpcheck: warning: the model does not reproduce " << a.trace << " (state " << rep.step << ", field "
                  << rep.field << "); the picture shows the model's execution\n";
        return EXIT_VIOLATION;
    }
    return EXIT_HOLDS;
}
}  // namespace

static void add_svg_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("svg", "draw an ITF trace as an SVG memory map, one row per step");
    static PictureArgs a;
    sub->add_option("trace", a.trace, "ITF trace (.itf.json)")->required();
    sub->add_option("-o,--output", a.out, "output file (default: the trace's name with .svg; - for stdout)");
    sub->add_option("--scenario", a.scenario, "scenario file to use instead of #meta.scenario.path");
    r.push_back({sub, [&ctx] { return run_picture(a, false, ctx); }});
}

static void add_html_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("html", "a self-contained HTML page for an ITF trace: memory map and story");
    static PictureArgs a;
    sub->add_option("trace", a.trace, "ITF trace (.itf.json)")->required();
    sub->add_option("-o,--output", a.out, "output file (default: the trace's name with .html; - for stdout)");
    sub->add_option("--scenario", a.scenario, "scenario file to use instead of #meta.scenario.path");
    r.push_back({sub, [&ctx] { return run_picture(a, true, ctx); }});
}

static const bool registered_svg = register_command(34, add_svg_command);
static const bool registered_html = register_command(35, add_html_command);

}  // namespace hp::cli
