// Text into XML/SVG/HTML character data and attribute values: the five markup characters,
// and the control characters XML 1.0 does not allow (as spaces). Shared by the SVG/HTML
// reporter and the JUnit writer.
#pragma once
#include <string>

namespace hp {

inline std::string xml_escape(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            default: o += static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r' ? ' ' : c;
        }
    }
    return o;
}

}  // namespace hp
