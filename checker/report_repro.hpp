// `hpcheck repro`: a trace as a reproducer for a real kernel under QEMU — a guest shell
// script (sysfs writes, checks of /proc/zoneinfo against the model's values) and the host's
// QMP commands for the DIMM steps (docs/kernel-reference.md §9).
#pragma once
#include <string>

#include "checker/report_itf.hpp"

namespace hp {

struct ReproScripts {
    std::string guest;  // POSIX sh, busybox-compatible
    std::string host;   // QMP commands, one JSON object per line, '#' comments per step
};
ReproScripts format_repro(const LoadedTrace& t, const ReplayReport& rep, const std::string& trace_name);

}  // namespace hp
