#include "checker/explorer.hpp"

namespace hp {

std::atomic<bool> g_interrupted{false};

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::PASS: return "pass";
        case Verdict::VIOLATION: return "violation";
        case Verdict::INCOMPLETE: return "incomplete";
    }
    return "?";
}

void Progress::update(std::uint64_t states, std::uint64_t queue, unsigned depth, double elapsed) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(500) || elapsed < 1.0) return;
    last = now;
    std::fprintf(stderr, "\r\033[K  states %llu (%.0f/s)  queue %llu  depth %u  %.1fs",
                 static_cast<unsigned long long>(states), states / elapsed, static_cast<unsigned long long>(queue),
                 depth, elapsed);
    std::fflush(stderr);
}

void Progress::finish() {
    if (enabled && last.time_since_epoch().count()) std::fprintf(stderr, "\r\033[K");
}

}  // namespace hp
