#include "checker/cli/conformance_image.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/conformance.hpp"
#include "checker/cover_tests.hpp"
#include "checker/kernel_config.hpp"
#include "checker/output_file.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}
}  // namespace

int run_kernel_image_conformance(const KernelImageArgs& a, const std::string& scenario_dir) {
    if (!fs::is_regular_file(a.image)) throw std::runtime_error(a.image + ": --kernel-image: no such file");
    if (!find_variant(a.variant)) throw std::runtime_error(fmt::format("--variant: unknown variant '{}'", a.variant));
    // 1. The kernel's configuration: everything the harness needs built in.
    const std::string config = !a.config.empty() ? a.config : find_config_for_image(a.image);
    if (config.empty()) {
        std::cout << "config     none given and no .config next to the image: CONFIG_ options not checked "
                     "(give --kernel-config PATH)\n";
    } else {
        const ConfigCheck c = check_kernel_config(config);
        std::cout << fmt::format("config     {}{}\n", config, c.kernel_version.empty() ? "" : " (Linux " + c.kernel_version + ")");
        if (!c.missing.empty()) {
            std::cout << "missing    the harness needs these built in (=y):\n";
            for (const ConfigRequirement& r : c.missing) std::cout << fmt::format("  {}=y  # {}\n", r.option, r.why);
            std::cerr << fmt::format("hpcheck: {}: {} CONFIG_ option(s) the conformance harness needs are not =y\n",
                                     config, c.missing.size());
            return EXIT_BAD_INPUT;
        }
        std::cout << fmt::format("           all {} CONFIG_ options the harness needs are built in\n",
                                 harness_config_requirements().size());
    }
    // 2. The model's covering sequences.
    const std::string scen = a.cover_scenario.empty() ? scenario_dir + "/10-two-dimms-explore-mom.toml" : a.cover_scenario;
    const Scenario sc = load_scenario(scen);
    const CoverResult cov = generate_covering_tests(sc, *find_variant(a.variant), CoverOptions{});
    const fs::path dir = !a.keep_dir.empty() ? fs::path(a.keep_dir)
                                             : fs::temp_directory_path() / fmt::format("hpcheck-kimage-{}", getpid());
    fs::create_directories(dir);
    const std::string steps = (dir / "model-sequences.json").string();
    write_file_atomically(steps, format_sequences_json(sc, *find_variant(a.variant), cov));
    std::cout << fmt::format("model      {} covering sequences from {} ({} / {} branches)\n", cov.sequences.size(),
                             sc.name, cov.hit.size(), cov.reachable.size());
    // 3. Record on the built kernel: the model's sequences, then random ones.
    const std::string common = fmt::format("--kernel-image {} --boot-ram-mb {} --memmap-on-memory {} -q", quote(fs::absolute(a.image).string()),
                                           a.boot_ram_mb, a.memmap_on_memory);
    std::vector<std::pair<std::string, std::string>> recordings;  // (command, output)
    recordings.emplace_back(fmt::format("python3 {} --steps {} {} -o {}", quote(a.recorder), quote(steps), common,
                                        quote((dir / "model.jsonl").string())),
                            (dir / "model.jsonl").string());
    if (a.runs)
        recordings.emplace_back(fmt::format("python3 {} --random {} --length {} --seed {} {} -o {}", quote(a.recorder),
                                            a.runs, a.length, a.seed, common, quote((dir / "random.jsonl").string())),
                                (dir / "random.jsonl").string());
    for (const auto& [cmd, out] : recordings) {
        std::cout << "record     " << cmd << "\n";
        if (a.dry_run) continue;
        std::cout.flush();
        if (std::system(cmd.c_str()) != 0) {
            std::cerr << "hpcheck: the recorder failed on " << a.image << "; nothing compared (files in " << dir.string() << ")\n";
            return EXIT_INCOMPLETE;
        }
    }
    if (a.dry_run) {
        std::cout << "dry run    nothing booted; the sequences are in " << steps << "\n";
        return EXIT_HOLDS;
    }
    // 4. Replay against the variant.
    bool mismatch = false, compared = false;
    conformance::ReplayOptions opt;
    opt.variant = a.variant;
    std::vector<conformance::ReplayResult> results;
    for (const auto& [cmd, out] : recordings) {
        results.push_back(conformance::replay_recording(out, opt));
        std::cout << conformance::format_replay(results.back(), a.max_mismatches);
        mismatch |= !results.back().mismatches.empty();
        compared |= !results.back().skipped;
    }
    std::cout << conformance::format_totals(results);
    std::cout << "recordings " << dir.string() << "\n";
    if (mismatch) return EXIT_VIOLATION;
    return compared ? EXIT_HOLDS : EXIT_INCOMPLETE;
}

}  // namespace hp::cli
