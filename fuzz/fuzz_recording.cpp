// Conformance recordings (JSON Lines): replay_recording() on arbitrary bytes, with the
// model replay that follows a well-formed header and steps.
#include "checker/conformance.hpp"
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = hp::fuzz::input_file(data, size, ".jsonl");
    try {
        const hp::conformance::ReplayResult r = hp::conformance::replay_recording(path, {});
        hp::conformance::format_replay(r, 5);
    } catch (const hp::conformance::RecordingError& e) {
        hp::fuzz::check_error_line(e.what(), path);
    }
    return 0;
}
