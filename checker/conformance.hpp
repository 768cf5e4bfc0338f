// Conformance of the model against the real kernel: replay a recording made by
// conformance/record.py (format: conformance/FORMAT.md) through a variant, step by step,
// and compare what the model predicts with what the kernel did, field by field.
//
// What is compared (after every step):
//   err                      the step's result: "ok" or the errno name (EINVAL, EBUSY, ENOENT, ...)
//   block N.state            every hot-plugged block that exists in the kernel or in the model
//   block N.valid_zones      idem (a block present on one side only is the mismatch "block N.exists")
//   zone n/Z.start_pfn       null when the zone has no present pages (as /proc/zoneinfo shows it)
//   zone n/Z.spanned, .present
//   zone n/Z.managed         zones without boot memory: absolute; zones with boot memory: the change
//                            since boot (kernel: value - header boot value; model: value - its boot
//                            value, which it takes from the header). The model does not predict the
//                            boot figure itself (memblock reservations, initmem).
//   memtotal_kb              likewise as the change since boot (MemTotal = 4 KiB * sum of managed)
// What is not predicted is listed in every report (ReplayResult::not_predicted).
//
// Non-determinism: when the kernel answered EBUSY to an offline or a DIMM eject, the model
// may choose the UNMOVABLE_PAGES fault (unmovable allocations in a kernel-zone block): the
// step is replayed with no fault first, then with the fault in each candidate block, and the
// first choice whose result and state equal the kernel's is taken. The comparison itself is
// never loosened; how often each choice was taken is reported.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace hp::conformance {

// A malformed recording: "<file>:<line>: <field>: <message>".
struct RecordingError : std::runtime_error {
    RecordingError(const std::string& file, long line, const std::string& field, const std::string& msg);
};

struct Mismatch {
    std::string recording;  // file name (no directory)
    int seq = 0, step = 0;
    std::string op;         // e.g. "offline memory33", "dimm_eject d2"
    std::string field;      // e.g. "zone 0/Movable.spanned"
    std::string kernel, model;
    std::string choice;     // the model's choice for the step ("" = no fault)
};

struct ReplayOptions {
    std::string variant;  // "" = from the recording's kernel version (6.1 -> v6.1, 6.12 -> v6.8)
};

struct ReplayResult {
    std::string file, kernel, variant;
    std::string variant_note;             // e.g. the variant the kernel line needs does not exist yet
    bool skipped = false;
    std::string skip_reason;
    unsigned sequences = 0, operations = 0, fields = 0;
    unsigned not_modelled_ops = 0;        // e.g. a dimm_add QEMU itself refused
    unsigned abandoned_ops = 0;           // rest of a sequence after a placement mismatch
    std::vector<Mismatch> mismatches;
    std::map<std::string, unsigned> choices;   // choice point -> count
    std::vector<std::string> not_predicted;    // fields the model does not claim to predict
    // From the header, for the timing report.
    unsigned boots = 0, recorded_steps = 0;
    double wall_seconds = 0;
};

// The variant for a kernel release string ("6.1.0-56-amd64", "6.12.117+deb12-amd64").
std::string variant_for_kernel(const std::string& uname_r);

// Throws RecordingError for a malformed recording (and for a variant that does not exist).
ReplayResult replay_recording(const std::string& path, const ReplayOptions& opt);

// Text report of one recording (mismatches listed at most `max_mismatches`, 0 = all).
std::string format_replay(const ReplayResult& r, unsigned max_mismatches = 0);
// Totals over several recordings.
std::string format_totals(const std::vector<ReplayResult>& rs);

}  // namespace hp::conformance
