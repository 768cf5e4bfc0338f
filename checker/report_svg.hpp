// Pictures of a trace: an SVG memory map of the pfn line, one row per state (boot memory,
// holes, memory blocks and their sections, vmemmap pages, online/offline, the zone spans as
// bars, the offending pfn), and a self-contained HTML page bundling the SVG with the story.
// Output is deterministic: same trace, same bytes.
#pragma once
#include <string>

#include "checker/report_explain.hpp"

namespace hp {

std::string format_svg(const LoadedTrace& t, const ReplayReport& rep);
std::string format_html(const LoadedTrace& t, const ReplayReport& rep, const std::string& trace_file_name);

}  // namespace hp
