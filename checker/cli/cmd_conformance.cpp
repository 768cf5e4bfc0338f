// `hpcheck conformance`: the model against the real kernel.
//   --recording FILE.jsonl (repeatable; a directory means every *.jsonl in it): replay
//       recordings of conformance/record.py through the model, no QEMU involved.
//   --runs N --length L --seed S [--kernel 6.1|6.12] [--boot-ram-mb MB] [--memmap-on-memory 0|1]:
//       record N random sequences on the real kernel under QEMU (record.py batches them into
//       few boots), then replay the recording.
// Exit codes: 0 full agreement, 1 any mismatch, 2 malformed recording or usage,
// 3 nothing compared (every recording skipped, or the recorder failed).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/cli/conformance_image.hpp"
#include "checker/conformance.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct ConfArgs {
    std::vector<std::string> recordings;
    std::string variant;
    unsigned max_mismatches = 40;
    // recording mode
    unsigned runs = 0, length = 20;
    std::uint64_t seed = 1;
    std::string kernel = "6.1";
    unsigned boot_ram_mb = 1024;
    int memmap_on_memory = 1;
    std::string default_state = "offline";
    std::string keep;          // save the new recording here
    std::string recorder;      // record.py
    KernelImageArgs image;     // --kernel-image: a kernel the user built (conformance_image.hpp)
};

// record.py next to the binary's tree (build dir inside the source tree, or an install
// prefix's share/hpcheck), else relative to the working directory.
std::string default_recorder() {
    std::error_code ec;
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    for (const fs::path& c : {exe_dir / ".." / "conformance" / "record.py", exe_dir / ".." / "share" / "hpcheck" / "conformance" / "record.py"})
        if (fs::exists(c, ec)) return fs::weakly_canonical(c, ec).string();
    return "conformance/record.py";
}

int replay_files(const std::vector<std::string>& files, const ConfArgs& a) {
    std::vector<conformance::ReplayResult> results;
    conformance::ReplayOptions opt;
    opt.variant = a.variant;
    for (const std::string& f : files) {
        results.push_back(conformance::replay_recording(f, opt));
        std::cout << conformance::format_replay(results.back(), a.max_mismatches);
    }
    std::cout << conformance::format_totals(results);
    bool any_compared = false, any_mismatch = false;
    for (const auto& r : results) {
        any_compared |= !r.skipped && r.fields > 0;  // a header-only recording compares nothing
        any_mismatch |= !r.mismatches.empty();
    }
    if (any_mismatch) return EXIT_VIOLATION;
    return any_compared ? EXIT_HOLDS : EXIT_INCOMPLETE;
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

int run_conformance(ConfArgs& a, const Context& ctx) {
    if (!a.image.image.empty()) {
        a.image.recorder = a.recorder;
        a.image.runs = a.runs;
        a.image.length = a.length;
        a.image.seed = a.seed;
        a.image.boot_ram_mb = a.boot_ram_mb;
        a.image.memmap_on_memory = a.memmap_on_memory;
        a.image.max_mismatches = a.max_mismatches;
        if (!a.variant.empty()) a.image.variant = a.variant;
        return run_kernel_image_conformance(a.image, ctx.scenario_dir);
    }
    if (a.runs == 0) {
        if (a.recordings.empty()) throw std::runtime_error("conformance: give --recording FILE or --runs N");
        std::vector<std::string> files;
        for (const std::string& r : a.recordings) {
            if (fs::is_directory(r)) {
                std::vector<std::string> dir;
                for (const auto& e : fs::directory_iterator(r))
                    if (e.path().extension() == ".jsonl") dir.push_back(e.path().string());
                std::sort(dir.begin(), dir.end());
                files.insert(files.end(), dir.begin(), dir.end());
            } else {
                files.push_back(r);
            }
        }
        return replay_files(files, a);
    }
    if (!a.recordings.empty()) throw std::runtime_error("conformance: --runs and --recording exclude each other");
    const std::string out = !a.keep.empty() ? a.keep
                                            : (fs::temp_directory_path() /
                                               fmt::format("hpcheck-conformance-{}-{}.jsonl", getpid(), a.seed))
                                                  .string();
    const std::string cmd = fmt::format(
        "python3 {} --random {} --length {} --seed {} --kernel {} --boot-ram-mb {} --memmap-on-memory {} "
        "--default-state {} -q -o {}",
        shell_quote(a.recorder), a.runs, a.length, a.seed, shell_quote(a.kernel), a.boot_ram_mb, a.memmap_on_memory,
        shell_quote(a.default_state), shell_quote(out));
    std::cerr << "hpcheck: recording on the real kernel: " << cmd << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = std::system(cmd.c_str());
    const double rec_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rc != 0) {
        std::cerr << "hpcheck: the recorder failed (exit status " << rc << "); nothing compared\n";
        return EXIT_INCOMPLETE;
    }
    const auto t1 = std::chrono::steady_clock::now();
    const int ret = replay_files({out}, a);
    const double rep_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    std::cout << fmt::format("  wall time: recording {:.1f} s, replay {:.3f} s\n", rec_s, rep_s);
    if (a.keep.empty()) fs::remove(out);
    else std::cout << "  recording kept in " << out << "\n";
    return ret;
}
}  // namespace

static void add_conformance_command(CLI::App& app, Registry& r, Context& ctx) {
    auto* sub = app.add_subcommand(
        "conformance",
        "compare the model with the real kernel: replay recordings of conformance/record.py (--recording), or record "
        "random sequences under QEMU and replay them (--runs)");
    sub->footer("Exit: 0 full agreement, 1 any mismatch, 2 malformed recording (file:line: field: message) or "
                "usage, 3 nothing compared (all recordings skipped, or the recorder failed).");
    static ConfArgs a;
    a.recorder = default_recorder();
    sub->add_option("--recording", a.recordings, "recording (JSON Lines) or a directory of them; repeatable");
    sub->add_option("--variant", a.variant, "variant to compare against (default: from the kernel version)");
    sub->add_option("--max-mismatches", a.max_mismatches, "list at most N mismatches per recording (0 = all)")
        ->capture_default_str();
    sub->add_option("--runs", a.runs, "record N random sequences on the real kernel (QEMU), then replay them");
    sub->add_option("--length", a.length, "operations per random sequence")->capture_default_str();
    sub->add_option("--seed", a.seed, "seed of the random sequences")->capture_default_str();
    sub->add_option("--kernel", a.kernel, "kernel line to record")->check(CLI::IsMember({"6.1", "6.12"}))->capture_default_str();
    sub->add_option("--boot-ram-mb", a.boot_ram_mb, "boot RAM of the guest")->capture_default_str();
    sub->add_option("--memmap-on-memory", a.memmap_on_memory, "memory_hotplug.memmap_on_memory of the guest")
        ->check(CLI::IsMember({0, 1}))
        ->capture_default_str();
    sub->add_option("--default-state", a.default_state, "memhp_default_state of the guest (auto-online after hot-add)")
        ->check(CLI::IsMember({"offline", "online", "online_kernel", "online_movable"}))
        ->capture_default_str();
    sub->add_option("--keep", a.keep, "keep the new recording in FILE");
    sub->add_option("--recorder", a.recorder, "path of record.py")->capture_default_str();
    sub->add_option("--kernel-image", a.image.image,
                    "a kernel you built (bzImage or vmlinux): check its config, record the model's covering sequences "
                    "and --runs random ones on it, replay against --variant (default v6.1)");
    sub->add_option("--kernel-config", a.image.config, "its .config (default: the one of its build tree)");
    sub->add_option("--cover-scenario", a.image.cover_scenario, "scenario for the model's sequences (default 10-two-dimms)");
    sub->add_option("--work-dir", a.image.keep_dir, "keep the sequences and recordings of --kernel-image in DIR");
    sub->add_flag("--dry-run", a.image.dry_run, "with --kernel-image: check the config, write the sequences, print the "
                                                 "commands; boot nothing");
    r.push_back({sub, [&ctx] { return run_conformance(a, ctx); }});
}

static const bool registered = register_command(50, add_conformance_command);

}  // namespace hp::cli
