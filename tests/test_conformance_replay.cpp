// The model against real kernels, with no QEMU: every recording in conformance/recordings/
// is replayed through its variant and must agree field by field (checker/conformance.hpp).
// 6.1 recordings against v6.1; 6.12 recordings against v6.12. Nothing is skipped: the
// auto-movable recordings are replayed with online_policy=auto-movable.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checker/conformance.hpp"
#include "spec/variant.hpp"

namespace fs = std::filesystem;
using namespace hp::conformance;

namespace {
std::vector<std::string> recordings(const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(fs::path(HPCHECK_SOURCE_DIR) / "conformance" / "recordings"))
        if (e.path().extension() == ".jsonl" && e.path().filename().string().rfind(prefix, 0) == 0)
            out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

std::string write_temp(const std::string& name, const std::vector<std::string>& lines) {
    const fs::path p = fs::temp_directory_path() / fmt::format("hpcheck-test-{}-{}", ::getpid(), name);
    std::ofstream out(p);
    for (const std::string& l : lines) out << l << "\n";
    return p.string();
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    const auto i = s.find(from);
    REQUIRE(i != std::string::npos);
    return s.replace(i, from.size(), to);
}

std::string src(const std::string& rel) { return (fs::path(HPCHECK_SOURCE_DIR) / rel).string(); }
}  // namespace

TEST_SUITE("conformance-replay") {

TEST_CASE("conformance replay: every 6.1 recording agrees with v6.1") {
    const auto files = recordings("r61-");
    REQUIRE(files.size() >= 7);
    unsigned compared = 0;
    for (const std::string& f : files) {
        CAPTURE(f);
        const ReplayResult r = replay_recording(f, {});
        INFO(format_replay(r));
        CHECK_FALSE(r.skipped);
        ++compared;
        CHECK(r.variant == "v6.1");
        CHECK(r.operations > 0);
        CHECK(r.fields > r.operations * 10);  // result, blocks and zones of every step
        CHECK(r.mismatches.empty());
    }
    CHECK(compared >= 7);
}

TEST_CASE("conformance replay: the auto-movable recording is compared, and the policy matters") {
    const std::string f = src("conformance/recordings/r61-random-s3-automovable.jsonl");
    const ReplayResult r = replay_recording(f, {});
    INFO(format_replay(r, 20));
    CHECK_FALSE(r.skipped);
    CHECK(r.operations > 20);
    CHECK(r.mismatches.empty());
    // The same steps under contig-zones: `online` picks other zones, the kernel refutes it.
    auto lines = read_lines(f);
    lines[0] = replace_once(lines[0], "\"online_policy\":\"auto-movable\"", "\"online_policy\":\"contig-zones\"");
    const ReplayResult c = replay_recording(write_temp("contig.jsonl", lines), {});
    CHECK_FALSE(c.mismatches.empty());
    // A ratio of 0 makes auto-movable pick the kernel zone every time: refuted too.
    auto lines0 = read_lines(f);
    lines0[0] = replace_once(lines0[0], "\"auto_movable_ratio\":\"301\"", "\"auto_movable_ratio\":\"0\"");
    CHECK_FALSE(replay_recording(write_temp("ratio0.jsonl", lines0), {}).mismatches.empty());
}

TEST_CASE("conformance replay: 6.12 recordings") {
    const auto files = recordings("r612-");
    REQUIRE(files.size() >= 6);
    for (const std::string& f : files) {
        CAPTURE(f);
        const ReplayResult r = replay_recording(f, {});
        INFO(format_replay(r, 20));
        CHECK(r.operations > 0);
        CHECK_FALSE(r.skipped);
        CHECK(r.variant == "v6.12");
        CHECK(r.mismatches.empty());
        // v6.12 differs from v6.8 only in notifier calls ACPI DIMMs never see fail: the same answers.
        ReplayOptions o68;
        o68.variant = "v6.8";
        CHECK(replay_recording(f, o68).mismatches.empty());
    }
}

TEST_CASE("conformance replay: the real kernel tells variants apart") {
    // 6.1 puts memmap_on_memory only on single-block DIMMs; v6.8 on every block of a 1 GiB DIMM:
    // the 6.1 recording refutes v6.8 through managed pages and MemTotal, and nothing else.
    ReplayOptions opt;
    opt.variant = "v6.8";
    if (!hp::find_variant("v6.8")) return;
    const ReplayResult r = replay_recording(src("conformance/recordings/r61-1g-dimm-mom1.jsonl"), opt);
    CHECK(r.variant == "v6.8");
    REQUIRE_FALSE(r.mismatches.empty());
    CHECK(r.mismatches[0].step == 1);  // the first online_movable of the 1 GiB DIMM
    for (const Mismatch& m : r.mismatches)
        CHECK((m.field.find(".managed") != std::string::npos || m.field.rfind("memtotal_kb", 0) == 0));
}

TEST_CASE("conformance replay: the kernel's EBUSY is the model's unmovable-pages choice, counted") {
    const ReplayResult r = replay_recording(src("conformance/recordings/r61-basic-mom1.jsonl"), {});
    REQUIRE(r.mismatches.empty());
    // 0.4 offline of the first Normal block: EBUSY; 0.5 and the cleanup eject: refused.
    CHECK(r.choices.at("offline (EBUSY in the kernel): unmovable-pages in the block") == 1);
    CHECK(r.choices.at("dimm_eject (EBUSY in the kernel): unmovable-pages in block #0 of the DIMM") == 2);
    // The variant without the choice cannot explain the recording: forcing "no fault" is not
    // possible from outside, but a recording whose offline succeeded where the model chose the
    // fault would show. Here: a successful kernel-zone offline takes "no fault".
    const ReplayResult s1 = replay_recording(src("conformance/recordings/r61-random-s1.jsonl"), {});
    CHECK(s1.choices.at("offline (ok in the kernel): no fault") >= 1);
}

TEST_CASE("conformance replay: a wrong kernel value is reported with step, field and both values") {
    auto lines = read_lines(src("conformance/recordings/r61-two-dimms-mom1.jsonl"));
    // Step 0.4 (offline block 32): Movable shrinks to 1081344+32768; pretend it did not.
    size_t idx = 0;
    for (size_t i = 1; i < lines.size(); ++i)
        if (lines[i].rfind("{\"seq\":0,\"step\":4,", 0) == 0) idx = i;
    REQUIRE(idx > 0);
    lines[idx] = replace_once(lines[idx], "\"0/Movable\":{\"start_pfn\":1081344,\"spanned\":32768",
                              "\"0/Movable\":{\"start_pfn\":1081344,\"spanned\":65536");
    const std::string f = write_temp("wrong.jsonl", lines);
    const ReplayResult r = replay_recording(f, {});
    REQUIRE(r.mismatches.size() == 1);
    const Mismatch& m = r.mismatches[0];
    CHECK(m.seq == 0);
    CHECK(m.step == 4);
    CHECK(m.field == "zone 0/Movable.spanned");
    CHECK(m.kernel == "65536");
    CHECK(m.model == "32768");
    // A wrong result: the kernel "refuses" an online the model accepts.
    lines = read_lines(src("conformance/recordings/r61-two-dimms-mom1.jsonl"));
    for (size_t i = 1; i < lines.size(); ++i)
        if (lines[i].rfind("{\"seq\":0,\"step\":2,", 0) == 0)
            lines[i] = replace_once(lines[i], "\"rc\":0,\"err\":null", "\"rc\":-1,\"err\":\"EINVAL\"");
    const ReplayResult r2 = replay_recording(write_temp("wrong2.jsonl", lines), {});
    REQUIRE_FALSE(r2.mismatches.empty());
    CHECK(r2.mismatches[0].field == "result");
    CHECK(r2.mismatches[0].kernel == "EINVAL");
    CHECK(r2.mismatches[0].model == "ok");
    fs::remove(f);
}

TEST_CASE("conformance replay: issue 13 configurations (NUMA, cold-plugged DIMMs, movable_node, kernelcore=/movablecore=)") {
    for (const char* line : {"r61-", "r612-"}) {
        CAPTURE(line);
        // The boot ZONE_MOVABLE of movablecore=256M: spec/boot.cpp's find_zone_movable_pfns_for_nodes()
        // predicts where the kernel put it (one compared field), and the replay follows it.
        const ReplayResult mc = replay_recording(src(std::string("conformance/recordings/") + line + "rnd-movablecore-12.jsonl"), {});
        CHECK_FALSE(mc.skipped);
        CHECK(mc.mismatches.empty());
        // NUMA with a memoryless node: node 2 comes online with its first DIMM and goes again.
        const ReplayResult nu = replay_recording(src(std::string("conformance/recordings/") + line + "numa.jsonl"), {});
        CHECK_FALSE(nu.skipped);
        CHECK(nu.mismatches.empty());
        CHECK(nu.operations >= 19u);
        // Cold-plugged DIMMs (added by the ACPI scan at boot), on a memoryless node too.
        for (const char* f : {"coldplug.jsonl", "coldplug-numa.jsonl"}) {
            const ReplayResult c = replay_recording(src(std::string("conformance/recordings/") + line + f), {});
            CHECK_FALSE(c.skipped);
            CHECK(c.mismatches.empty());
        }
    }
    // Where the kernel puts ZONE_MOVABLE is compared: another movablecore= is a mismatch at boot.
    auto lines = read_lines(src("conformance/recordings/r61-rnd-movablecore-12.jsonl"));
    lines[0] = replace_once(lines[0], "memmap_on_memory=1 movablecore=256M\",\"block_size", "memmap_on_memory=1 movablecore=512M\",\"block_size");
    const ReplayResult wrong = replay_recording(write_temp("movablecore.jsonl", lines), {});
    REQUIRE_FALSE(wrong.mismatches.empty());
    CHECK(wrong.mismatches[0].field == "zone_movable_pfn[0]");
    CHECK(wrong.mismatches[0].kernel == "1245184");
    CHECK(wrong.mismatches[0].model == "1179648");
    // A node listed in /proc/zoneinfo that the model has offline (or the other way) is a mismatch.
    lines = read_lines(src("conformance/recordings/r61-numa.jsonl"));
    size_t idx = 0;
    for (size_t i = 1; i < lines.size(); ++i)
        if (lines[i].rfind("{\"seq\":1,\"step\":7,", 0) == 0) idx = i;  // the last eject: node 2 goes offline
    REQUIRE(idx > 0);
    lines[idx] = replace_once(lines[idx], "\"zones\":{", "\"zones\":{\"2/Normal\":{\"start_pfn\":null,\"spanned\":0,\"present\":0,\"managed\":0},");
    const ReplayResult node = replay_recording(write_temp("numa.jsonl", lines), {});
    bool seen = false;
    for (const Mismatch& m : node.mismatches) seen = seen || (m.field == "node 2.online" && m.kernel == "yes" && m.model == "no");
    CHECK(seen);
}

TEST_CASE("conformance replay: kernelcore=mirror without mirrored memory, 6.1 and 6.12 (0db31d63f27e)") {
    // QEMU marks nothing mirrored. 6.1 makes all memory above 4 GiB ZONE_MOVABLE (from pfn
    // 0x100000); 6.12 ignores kernelcore=mirror. The replay predicts both from the variant.
    for (const char* line : {"r61-", "r612-"}) {
        CAPTURE(line);
        const ReplayResult r = replay_recording(src(std::string("conformance/recordings/") + line + "rnd-kernelcore-mirror-17.jsonl"), {});
        CHECK_FALSE(r.skipped);
        CHECK(r.mismatches.empty());
        bool predicted = true;
        for (const std::string& n : r.not_predicted) predicted = predicted && n.find("kernelcore=mirror") == std::string::npos;
        CHECK(predicted);
    }
    // The other kernel line's behaviour is a mismatch at boot: 6.1's recording under v6.12.
    ReplayOptions opt;
    opt.variant = "v6.12";
    const ReplayResult wrong = replay_recording(src("conformance/recordings/r61-rnd-kernelcore-mirror-17.jsonl"), opt);
    REQUIRE_FALSE(wrong.mismatches.empty());
    CHECK(wrong.mismatches[0].field == "zone_movable_pfn[0]");
    CHECK(wrong.mismatches[0].kernel == "1048576");
    CHECK(wrong.mismatches[0].model == "none");
}

TEST_CASE("conformance replay: boot memory blocks offlined and onlined by id (boot_blocks), 6.1 and 6.12") {
    for (const char* line : {"r61-", "r612-"}) {
        CAPTURE(line);
        const ReplayResult r = replay_recording(src(std::string("conformance/recordings/") + line + "boot-blocks-kernelcore.jsonl"), {});
        CHECK_FALSE(r.skipped);
        CHECK(r.mismatches.empty());
        CHECK(r.operations == 16u);
    }
    // The boot blocks' states are compared: a recorded state the model did not reach is a mismatch.
    auto lines = read_lines(src("conformance/recordings/r61-boot-blocks-kernelcore.jsonl"));
    lines[1] = replace_once(lines[1], "\"37\":{\"state\":\"offline\"", "\"37\":{\"state\":\"online\"");
    const ReplayResult wrong = replay_recording(write_temp("boot-blocks.jsonl", lines), {});
    REQUIRE_FALSE(wrong.mismatches.empty());
    CHECK(wrong.mismatches[0].field == "block 37.state");
}

TEST_CASE("conformance replay: a malformed recording names file, line and field") {
    auto lines = read_lines(src("conformance/recordings/r61-basic-mom1.jsonl"));
    lines[3] = replace_once(lines[3], "\"memtotal_kb\":", "\"memtotal_kB\":");
    const std::string f = write_temp("malformed.jsonl", lines);
    try {
        replay_recording(f, {});
        FAIL("no error");
    } catch (const RecordingError& e) {
        CHECK(std::string(e.what()) == f + ":4: memtotal_kb: missing");
    }
    lines = read_lines(src("conformance/recordings/r61-basic-mom1.jsonl"));
    lines[0] = replace_once(lines[0], "\"block_pages\":32768", "\"block_pages\":\"32768\"");
    const std::string g = write_temp("malformed2.jsonl", lines);
    CHECK_THROWS_WITH_AS(replay_recording(g, {}), (g + ":1: block_pages: expected a non-negative integer").c_str(),
                         RecordingError);
    // The command line: exit 2 with that one line; 0 on agreement; 1 on a mismatch.
    const std::string bin = HPCHECK_BINARY;
    CHECK(WEXITSTATUS(std::system((bin + " conformance --recording " + f + " >/dev/null 2>&1").c_str())) == 2);
    CHECK(WEXITSTATUS(std::system(
              (bin + " conformance --recording " + src("conformance/recordings/r61-basic-mom1.jsonl") + " >/dev/null")
                  .c_str())) == 0);
    auto bad = read_lines(src("conformance/recordings/r61-basic-mom1.jsonl"));
    bad[2] = replace_once(bad[2], "\"managed\":32256", "\"managed\":32768");
    const std::string h = write_temp("mismatch.jsonl", bad);
    CHECK(WEXITSTATUS(std::system((bin + " conformance --recording " + h + " >/dev/null").c_str())) == 1);
    fs::remove(f);
    fs::remove(g);
    fs::remove(h);
}

}  // TEST_SUITE

TEST_CASE("conformance replay: boot zones that overlap are bad input, not an internal error") {
    // Found by fuzz_recording: a Normal zone spanning into Movable reached Machine::finalize(),
    // which throws logic_error for a block in boot memory; the recording is refused first.
    auto lines = read_lines(src("conformance/recordings/r61-boot-blocks-kernelcore.jsonl"));
    lines[0] = replace_once(lines[0], "\"start_pfn\":1048576,\"spanned\":132096",
                            "\"start_pfn\":1048576,\"spanned\":264192");
    lines[0] = replace_once(lines[0], "\"steps\":16", "\"steps\":4");  // the steps whose boot blocks carve
    lines.resize(5);
    const std::string f = write_temp("overlapping-zones.jsonl", lines);
    CHECK_THROWS_AS(replay_recording(f, {}), RecordingError);
}
