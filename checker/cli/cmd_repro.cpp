// `hpcheck repro TRACE [--out-dir DIR]`: the guest script and the host QMP commands that
// replay an ITF trace on a real kernel under QEMU. Without --out-dir both go to stdout.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/json_input.hpp"
#include "checker/output_file.hpp"
#include "checker/report_repro.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct ReproArgs {
    std::string trace, scenario, out_dir;
};

int run_repro(const ReproArgs& a, const Context& ctx) {
    const LoadedTrace t = load_itf(a.trace, a.scenario, ctx.scenario_dir);
    if (t.threaded) {
        // A race is not replayed by writing sysfs files in order: the CPUs would have to stop
        // at the model's interleaving points. Refused, as bad input (exit 2).
        std::ifstream in(a.trace, std::ios::binary);
        std::stringstream buf;
        buf << in.rdbuf();
        throw TraceError(a.trace, json_line_of(buf.str(), "#meta.mode"), "#meta.mode",
                         "a threaded interleaving has no QEMU reproducer (use `hpcheck replay` and `explain`)");
    }
    const ReplayReport rep = replay_itf(t);
    if (!rep.reproduced) {
        // A reproducer of something the model does not reproduce would test nothing: refuse.
        std::cerr << "hpcheck: " << a.trace << ": the model does not reproduce the trace (state " << rep.step << ", field "
                  << rep.field << "): no reproducer written\n";
        return EXIT_VIOLATION;
    }
    const std::string name = fs::path(a.trace).filename().string();
    const ReproScripts s = format_repro(t, rep, name);
    if (a.out_dir.empty()) {
        std::cout << "##### guest script #####\n" << s.guest << "\n##### host QMP commands #####\n" << s.host;
    } else {
        fs::create_directories(a.out_dir);
        std::string base = name;
        if (base.size() > 9 && base.compare(base.size() - 9, 9, ".itf.json") == 0) base.resize(base.size() - 9);
        write_file_atomically((fs::path(a.out_dir) / (base + ".guest.sh")).string(), s.guest, 0777);
        write_file_atomically((fs::path(a.out_dir) / (base + ".host.qmp")).string(), s.host);
    }
    return EXIT_HOLDS;
}
}  // namespace

static void add_repro_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand("repro", "a guest shell script and host QMP commands replaying an ITF trace on a real kernel");
    static ReproArgs a;
    sub->add_option("trace", a.trace, "ITF trace (.itf.json)")->required();
    sub->add_option("--out-dir", a.out_dir, "write <trace>.guest.sh and <trace>.host.qmp into DIR instead of stdout");
    sub->add_option("--scenario", a.scenario, "scenario file to use instead of #meta.scenario.path");
    r.push_back({sub, [&ctx] { return run_repro(a, ctx); }});
}

static const bool registered = register_command(45, add_repro_command);

}  // namespace hp::cli
