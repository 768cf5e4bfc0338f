// `hpcheck conformance --kernel-image PATH [--kernel-config PATH]`: the model against a kernel
// the user built (a patch under test). Checks the CONFIG_ options the harness needs, generates
// the model's covering sequences (`hpcheck tests --cover`), records them and --runs random
// ones on that kernel under QEMU (conformance/record.py --kernel-image), and replays the
// recordings against the chosen variant: every mismatch is a place where the built kernel
// and the model disagree, with the sequence that exposes it.
#pragma once
#include <cstdint>
#include <string>

namespace hp::cli {

struct KernelImageArgs {
    std::string image, config, variant = "v6.1", recorder, keep_dir, cover_scenario;
    unsigned runs = 0, length = 20, boot_ram_mb = 1024, max_mismatches = 40;
    std::uint64_t seed = 1;
    int memmap_on_memory = 1;
    bool dry_run = false;  // check the config and print the commands, boot nothing
};

int run_kernel_image_conformance(const KernelImageArgs& a, const std::string& scenario_dir);

}  // namespace hp::cli
