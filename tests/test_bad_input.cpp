// Bad input gets one line naming file, line and field; the CLI exits 2 and leaves no
// partial output file behind.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "spec/scenario.hpp"

namespace fs = std::filesystem;
using hp::load_scenario;
using hp::ScenarioError;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("hpcheck-test-" + name + ".toml");
    std::ofstream(p) << text;
    return p.string();
}
std::string error_of(const std::string& name, const std::string& text) {
    const std::string path = write_temp(name, text);
    try {
        load_scenario(path);
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "";
}
const char* kOk = "name = \"x\"\n[[dimm]]\nname = \"d\"\nsize_mb = 128\n[explore]\nactions = [\"add\"]\n";

struct Cli {
    int code;
    std::string out;
};
Cli run_cli(const std::string& args) {
    const std::string cmd = std::string(HPCHECK_BINARY) + " " + args + " 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return {WEXITSTATUS(status), out};
}
}  // namespace

TEST_CASE("a good scenario loads") { CHECK(error_of("ok", kOk).empty()); }

TEST_CASE("malformed TOML names the line") {
    const std::string e = error_of("syntax", "name = \"x\"\n[[dimm]\n");
    CHECK(e.find(":2:") != std::string::npos);
    CHECK(e.find("syntax") != std::string::npos);
}

TEST_CASE("unknown key names the field and its line") {
    const std::string e = error_of("unknown-key", "name = \"x\"\n[[dimm]]\nsize_mb = 128\ncolour = \"red\"\n");
    CHECK(e.find(":4: dimm[0].colour: unknown key") != std::string::npos);
}

TEST_CASE("unknown geometry preset") {
    const std::string e = error_of("geo", "name = \"x\"\n[geometry]\npreset = \"sparc\"\n");
    CHECK(e.find("geometry.preset") != std::string::npos);
    CHECK(e.find("unknown geometry 'sparc'") != std::string::npos);
}

TEST_CASE("impossible geometry: a block that is not a whole number of sections") {
    const std::string e = error_of("block", "name = \"x\"\n[geometry]\npages_per_block = 49152\n");
    CHECK(e.find(":3: geometry.pages_per_block") != std::string::npos);
    CHECK(e.find("whole number of sections") != std::string::npos);
}

TEST_CASE("DIMM size not a whole number of blocks, overlapping DIMMs, DIMM over boot memory") {
    CHECK(error_of("size", "name = \"x\"\n[[dimm]]\nsize_mb = 100\n").find("dimm[0].size_mb: 100 MiB is not a whole number") !=
          std::string::npos);
    CHECK(error_of("overlap", "name = \"x\"\n[[dimm]]\nname=\"a\"\nsize_mb = 256\nbase_pfn = 0x100000\n"
                              "[[dimm]]\nname=\"b\"\nsize_mb = 128\nbase_pfn = 0x108000\n[explore]\nactions=[\"add\"]\n")
              .find("dimm[1].base_pfn: overlaps a") != std::string::npos);
    CHECK(error_of("boot", "name = \"x\"\n[[dimm]]\nsize_mb = 128\nbase_pfn = 0x8000\n").find("overlaps boot memory") !=
          std::string::npos);
}

TEST_CASE("unknown action, fault, op, errno") {
    CHECK(error_of("act", "name=\"x\"\n[explore]\nactions = [\"hotplug\"]\n").find(":3: explore.actions[0]: unknown action") !=
          std::string::npos);
    CHECK(error_of("fault", "name=\"x\"\n[explore]\nactions=[\"add\"]\nfaults = [\"oom\"]\n").find("explore.faults[0]") !=
          std::string::npos);
    CHECK(error_of("op", "name=\"x\"\n[[dimm]]\nsize_mb=128\n[[step]]\nop = \"poke\"\n").find("step[0].op") != std::string::npos);
    CHECK(error_of("rc", "name=\"x\"\n[[dimm]]\nname=\"d\"\nsize_mb=128\n[[step]]\nop=\"add\"\ndimm=\"d\"\nexpect_rc=\"ENOPE\"\n")
              .find("step[0].expect_rc") != std::string::npos);
}

TEST_CASE("memmap-enomem (populate_section_memmap() returning NULL) exists with and without VMEMMAP") {
    const std::string with = "name=\"x\"\n[[dimm]]\nname=\"d\"\nsize_mb=128\n[explore]\nactions=[\"add\"]\nfaults = [\"memmap-enomem\"]\n";
    CHECK(error_of("memmap-enomem", with).empty());  // VMEMMAP: vmemmap_populate() fails
    CHECK(error_of("memmap-enomem-ok", with + "[kernel]\nsparsemem_vmemmap = false\n").empty());
    CHECK(error_of("memmap-enomem-step",
                   "name=\"x\"\n[[dimm]]\nname=\"d\"\nsize_mb=128\n[[step]]\nop=\"add\"\ndimm=\"d\"\nfault=\"memmap-enomem\"\n")
              .empty());
}

TEST_CASE("CLI: unknown variant and unknown invariant exit 2 with one line") {
    const std::string path = write_temp("cli-ok", kOk);
    Cli r = run_cli("check " + path + " --variant v9.9");
    CHECK(r.code == 2);
    CHECK(r.out.find("unknown variant 'v9.9'") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    r = run_cli("check " + path + " --invariant no-such");
    CHECK(r.code == 2);
    CHECK(r.out.find("unknown invariant 'no-such'") != std::string::npos);
}

TEST_CASE("CLI: prove --faults with an unknown fault exits 2 with one line naming it") {
    const Cli r = run_cli("prove --geometry x86_64 --faults unmovable-pages,no-such-fault");
    CHECK(r.code == 2);
    CHECK(r.out.find("--faults: unknown fault 'no-such-fault'") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

TEST_CASE("CLI: a malformed scenario leaves no --json file behind") {
    const std::string bad = write_temp("cli-bad", "name = \"x\"\n[[dimm]\n");
    const fs::path json = fs::temp_directory_path() / "hpcheck-test-out.json";
    fs::remove(json);
    const Cli r = run_cli("check " + bad + " --json " + json.string());
    CHECK(r.code == 2);
    CHECK_FALSE(fs::exists(json));
    CHECK(run_cli("check /nonexistent/x.toml").code == 2);
    CHECK(run_cli("frobnicate").code == 2);
}

TEST_CASE("CLI: exit codes 0 pass, 3 incomplete (a limit is never a pass)") {
    const std::string path = write_temp(
        "cli-limit", "name=\"lim\"\nboot_ram_mb=1024\n[kernel]\nmemmap_on_memory=true\n[[dimm]]\nsize_mb=128\n[[dimm]]\nsize_mb=128\n"
                     "[explore]\nactions=[\"add\",\"eject\",\"online_movable\",\"offline\"]\n");
    CHECK(run_cli("check " + path).code == 0);
    const Cli r = run_cli("check " + path + " --max-states 5");
    CHECK(r.code == 3);
    CHECK(r.out.find("INCOMPLETE: --max-states reached") != std::string::npos);
    CHECK(r.out.find("verdict    incomplete") != std::string::npos);
}

TEST_CASE("boot_blocks and kernelcore_mirror errors name the field and its line") {
    const std::string head = "name = \"x\"\nboot_ram_mb = 4096\n";
    // A block that straddles two boot zones (kernelcore= puts ZONE_MOVABLE at 0x120400).
    std::string e = error_of("bb-straddle", head + "boot_blocks = [36]\n[memblock]\nkernelcore_mb = 3584\n");
    CHECK(e.find(":3: boot_blocks: memory36") != std::string::npos);
    e = error_of("bb-hole", head + "boot_blocks = [0]\n");  // DMA/DMA32: not one hole-free piece
    CHECK(e.find(":3: boot_blocks: memory0") != std::string::npos);
    e = error_of("bb-type", head + "boot_blocks = [\"memory33\"]\n");
    CHECK(e.find(":3: boot_blocks[0]:") != std::string::npos);
    e = error_of("bb-auto", head + "boot_blocks = [33]\n[kernel]\nonline_policy = \"auto-movable\"\n");
    CHECK(e.find("boot_blocks: not modelled with online_policy=auto-movable") != std::string::npos);
    e = error_of("mirror-size", head + "[memblock]\nkernelcore_mirror = true\nkernelcore_mb = 5\n");
    CHECK(e.find(":4: memblock.kernelcore_mirror:") != std::string::npos);
    e = error_of("mirror-ranges", head + "[memblock]\n[[memblock.mirror]]\nbase_pfn = 0\nsize_mb = 64\n");
    CHECK(e.find("memblock.mirror: mirrored ranges count only with kernelcore_mirror = true") != std::string::npos);
}
