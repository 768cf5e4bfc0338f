#include "checker/report_svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "checker/report_text.hpp"
#include "checker/report_threaded.hpp"
#include "invariants/census.hpp"
#include "checker/xml_escape.hpp"
#include "spec/memmap.hpp"

namespace hp {

namespace {

std::string esc(const std::string& s) { return xml_escape(s); }

const char* zone_color(unsigned z) {
    switch (z) {
        case ZONE_DMA: return "#ce93d8";
        case ZONE_DMA32: return "#80cbc4";
        case ZONE_NORMAL: return "#7986cb";
        case ZONE_MOVABLE: return "#81c784";
        default: return "#eeeeee";
    }
}
const char* zone_dark(unsigned z) {
    switch (z) {
        case ZONE_DMA: return "#8e24aa";
        case ZONE_DMA32: return "#00897b";
        case ZONE_NORMAL: return "#3949ab";
        case ZONE_MOVABLE: return "#2e7d32";
        default: return "#616161";
    }
}

// The pfn line, compressed: boot zones and holes get a fixed width, memory blocks a
// linear one, the vmemmap pages at the start of a block at least a readable width.
struct Seg {
    pfn_t lo, hi;
    double x0, x1;
    enum Kind { BOOT, HOLE, VMEMMAP, BLOCK } kind;
    int block = -1;       // for VMEMMAP / BLOCK
    int boot = -1;        // for BOOT: index into m.boot
};

struct Axis {
    std::vector<Seg> segs;
    double width = 0;
    double x(pfn_t pfn) const {
        if (segs.empty()) return 0;
        if (pfn <= segs.front().lo) return segs.front().x0;
        for (const Seg& s : segs)
            if (pfn >= s.lo && pfn <= s.hi)
                return s.x0 + (s.x1 - s.x0) * static_cast<double>(pfn - s.lo) / static_cast<double>(s.hi - s.lo);
        return segs.back().x1;
    }
};

Axis build_axis(const Machine& m, const std::vector<KernelState>& states, double block_w) {
    struct Piece { pfn_t lo, hi; Seg::Kind kind; int idx; };
    std::vector<Piece> pieces;
    for (unsigned i = 0; i < m.boot.size(); ++i)
        if (!m.boot[i].span_only) pieces.push_back({m.boot[i].start_pfn, m.boot[i].end_pfn, Seg::BOOT, static_cast<int>(i)});
    for (unsigned b = 0; b < m.blocks.size(); ++b) pieces.push_back({m.blocks[b].start_pfn, m.block_end_pfn(b), Seg::BLOCK, static_cast<int>(b)});
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.lo < b.lo; });
    Axis ax;
    double x = 0;
    pfn_t cur = pieces.empty() ? 0 : pieces.front().lo;
    for (const Piece& p : pieces) {
        if (p.lo > cur) {
            const double w = (p.lo - cur) < m.geo.pages_per_block / 8 ? 8 : 36;
            ax.segs.push_back({cur, p.lo, x, x + w, Seg::HOLE});
            x += w;
        }
        if (p.kind == Seg::BOOT) {
            ax.segs.push_back({p.lo, p.hi, x, x + 84, Seg::BOOT, -1, p.idx});
            x += 84;
        } else {
            std::uint64_t v = 0;
            for (const KernelState& s : states) v = std::max<std::uint64_t>(v, s.blocks[p.idx].nr_vmemmap_pages);
            double wv = 0;
            if (v) {
                wv = std::max(block_w * static_cast<double>(v) / m.geo.pages_per_block, 16.0);
                ax.segs.push_back({p.lo, p.lo + v, x, x + wv, Seg::VMEMMAP, p.idx});
            }
            ax.segs.push_back({p.lo + v, p.hi, x + wv, x + block_w, Seg::BLOCK, p.idx});
            x += block_w;
        }
        cur = p.hi;
    }
    ax.width = x;
    return ax;
}

std::string f1(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

std::string format_svg(const LoadedTrace& t, const ReplayReport& rep) {
    if (t.threaded) return format_svg_threaded(t, rep);
    const Machine& m = t.sc.machine;
    const std::vector<KernelState>& states = rep.states;
    const double block_w = std::clamp(1000.0 / std::max<size_t>(m.blocks.size(), 1), 70.0, 220.0);
    const Axis ax = build_axis(m, states, block_w);
    // One lane of zone-span bars per (node, zone) that is non-empty in some state.
    std::vector<std::pair<int, unsigned>> lane_of;
    for (int n = 0; n < m.nr_nodes; ++n)
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z)
            for (const KernelState& s : states)
                if (!s.zone(n, z).empty()) {
                    lane_of.emplace_back(n, z);
                    break;
                }
    const double lane_h = 11;
    const double left = 250, right_w = 330;
    // The violation's detail, wrapped at word boundaries.
    std::vector<std::string> detail_lines;
    {
        const std::optional<Violation>& vv = rep.violation ? rep.violation : t.violation;
        std::string line;
        if (vv)
            for (size_t p = 0; p <= vv->detail.size();) {
                size_t e = vv->detail.find(' ', p);
                if (e == std::string::npos) e = vv->detail.size();
                const std::string word = vv->detail.substr(p, e - p);
                if (!line.empty() && line.size() + 1 + word.size() > 170) {
                    detail_lines.push_back(line);
                    line.clear();
                }
                line += (line.empty() ? "" : " ") + word;
                p = e + 1;
            }
        if (!line.empty()) detail_lines.push_back(line);
        if (detail_lines.empty()) detail_lines.push_back("");
    }
    const double top = 96 + 14 * (detail_lines.size() - 1);
    const double row_h = std::max(84.0, 10 + 30 + 6 + lane_h * lane_of.size() + 22);
    const double map_x = left, width = std::max(1150.0, left + ax.width + 20 + right_w);
    const std::optional<Violation>& viol = rep.violation ? rep.violation : t.violation;
    const std::optional<pfn_t> bad_pfn = viol ? violation_pfn(*viol) : std::nullopt;
    const double legend_h = 106;
    const int zoom_block = bad_pfn ? m.block_of_pfn(*bad_pfn) : -1;
    const double zoom_h = zoom_block >= 0 ? 60 + 14 + lane_h * lane_of.size() + 40 : 0;
    const double height = top + row_h * states.size() + legend_h + zoom_h;

    std::string o;
    o += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                     "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n",
                     f1(width), f1(height));
    o += "<defs>\n"
         "<pattern id=\"vmemmap\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
         "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#212121\" stroke-width=\"2\"/></pattern>\n"
         "<pattern id=\"hole\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" patternTransform=\"rotate(-45)\">"
         "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#bdbdbd\" stroke-width=\"1\"/></pattern>\n"
         "</defs>\n";
    o += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", f1(width), f1(height));
    // Title
    std::string title = fmt::format("{} under {}", t.sc.name, t.variant);
    if (viol) title += fmt::format(" — violates {}", viol->invariant);
    o += fmt::format("<text x=\"12\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>\n", esc(title));
    if (viol)
        for (size_t i = 0; i < detail_lines.size(); ++i)
            o += fmt::format("<text x=\"12\" y=\"{}\" font-size=\"11\" fill=\"#b71c1c\">{}</text>\n", 40 + 14 * i,
                             esc(detail_lines[i]));
    o += fmt::format("<text x=\"12\" y=\"{}\" font-size=\"10\" fill=\"#555\">{}</text>\n", f1(top - 36),
                     esc(fmt::format("pfn line (not to scale: boot memory and holes compressed, vmemmap pages widened); "
                                     "{} KiB pages, memory block {} pages = {} MiB, section {} pages",
                                     m.geo.page_size / 1024, m.geo.pages_per_block, m.geo.pages_to_mib(m.geo.pages_per_block),
                                     m.geo.pages_per_section)));
    // Axis labels: segment starts.
    for (const Seg& s : ax.segs) {
        const double x = map_x + s.x0;
        if (s.kind == Seg::HOLE) {
            o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#757575\" text-anchor=\"middle\">hole</text>\n",
                             f1(map_x + (s.x0 + s.x1) / 2), f1(top - 8));
            continue;
        }
        if (s.kind == Seg::BLOCK && s.x1 - s.x0 < 30) continue;
        std::string name = s.kind == Seg::BOOT ? fmt::format("{} boot", zone_name(m.boot[s.boot].zone))
                           : fmt::format("memory{}", m.blocks[s.block].memory_block_id);
        if (s.kind == Seg::VMEMMAP) continue;
        const pfn_t lo = s.kind == Seg::BLOCK ? m.blocks[s.block].start_pfn : s.lo;
        const double xl = s.kind == Seg::BLOCK ? map_x + ax.x(lo) : x;
        o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\">{}</text>\n", f1(xl + 2), f1(top - 20), esc(name));
        o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#555\">{:#x}</text>\n", f1(xl + 2), f1(top - 8), lo);
        o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e0e0e0\"/>\n", f1(xl), f1(top - 30),
                         f1(top + row_h * states.size()));
    }
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\">what changed</text>\n",
                     f1(map_x + ax.width + 20), f1(top - 8));

    for (size_t r = 0; r < states.size(); ++r) {
        const KernelState& s = states[r];
        const KernelState* prev = r ? &states[r - 1] : nullptr;
        const double y = top + row_h * r;
        const bool last = r + 1 == states.size();
        const double bar_y = y + 10, bar_h = 30;
        o += fmt::format("<g id=\"state{}\">\n", r);
        if (r % 2) o += fmt::format("<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\"/>\n", f1(y), f1(width), f1(row_h));
        if (last && viol)
            o += fmt::format("<rect x=\"1\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff5f5\" stroke=\"#c62828\" stroke-width=\"1.5\"/>\n",
                             f1(y + 1), f1(width - 2), f1(row_h - 2));
        // Row label
        std::string label = r == 0 ? "boot state" : action_label(m, rep.steps[r - 1].action);
        o += fmt::format("<text x=\"12\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">{}</text>\n", f1(y + 24),
                         esc(r == 0 ? "0" : std::to_string(r)));
        o += fmt::format("<text x=\"36\" y=\"{}\" font-size=\"12\">{}</text>\n", f1(y + 24),
                         esc(label.size() > 30 ? label.substr(0, 30) : label));
        if (label.size() > 30)
            o += fmt::format("<text x=\"36\" y=\"{}\" font-size=\"10\">{}</text>\n", f1(y + 38), esc(label.substr(30, 36)));
        if (r > 0) {
            const int rc = rep.steps[r - 1].rc;
            o += fmt::format("<text x=\"36\" y=\"{}\" font-size=\"10\" fill=\"{}\">{}</text>\n", f1(y + 54),
                             rc ? "#c62828" : "#2e7d32", rc ? fmt::format("-> -{}", errno_name(rc)) : std::string("-> success"));
        }
        if (last && viol)
            o += fmt::format("<text x=\"36\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" fill=\"#c62828\">violates {}</text>\n",
                             f1(y + 70), esc(viol->invariant));

        // Boot memory and holes.
        for (const Seg& sg : ax.segs) {
            const double x0 = map_x + sg.x0, w = sg.x1 - sg.x0;
            if (sg.kind == Seg::HOLE) {
                o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#hole)\" stroke=\"#bdbdbd\" stroke-width=\"0.5\"/>\n",
                                 f1(x0), f1(bar_y), f1(w), f1(bar_h));
            } else if (sg.kind == Seg::BOOT) {
                const BootZone& bz = m.boot[sg.boot];
                o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#616161\" stroke-width=\"0.5\"/>\n",
                                 f1(x0), f1(bar_y), f1(w), f1(bar_h), zone_color(bz.zone));
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{} MiB</text>\n", f1(x0 + w / 2),
                                 f1(bar_y + 19), m.geo.pages_to_mib(bz.end_pfn - bz.start_pfn));
            }
        }
        // Hot-pluggable memory, run by run (section x vmemmap split).
        for_each_run(m, s, [&](const MemRun& run) {
            const double x0 = map_x + ax.x(run.lo), x1 = map_x + ax.x(run.hi);
            std::string fill = "#ffffff", opacity = "1";
            if (run.valid) {
                if (Memmap::initialized(run.memmap)) {
                    fill = zone_color(Memmap::zone(run.memmap));
                    if (!run.online) opacity = "0.45";
                } else {
                    fill = "#bdbdbd";
                }
            }
            o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"{}\"{}/>\n", f1(x0),
                             f1(bar_y), f1(x1 - x0), f1(bar_h), fill, opacity,
                             run.valid ? "" : " stroke=\"#9e9e9e\" stroke-dasharray=\"3 2\" stroke-width=\"0.7\"");
            if (run.vmemmap && run.valid)
                o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#vmemmap)\" fill-opacity=\"0.55\"/>\n",
                                 f1(x0), f1(bar_y), f1(x1 - x0), f1(bar_h));
        });
        // Section and block boundaries, block labels.
        for (unsigned b = 0; b < m.blocks.size(); ++b) {
            const BlockState& bs = s.blocks[b];
            const pfn_t lo = m.blocks[b].start_pfn;
            const double x0 = map_x + ax.x(lo), x1 = map_x + ax.x(m.block_end_pfn(b));
            for (unsigned sec = 1; sec < m.geo.sections_per_block(); ++sec) {
                const double xs = map_x + ax.x(lo + sec * m.geo.pages_per_section);
                o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#424242\" stroke-width=\"0.6\" stroke-dasharray=\"2 2\"/>\n",
                                 f1(xs), f1(bar_y), f1(bar_y + bar_h));
            }
            const bool changed = prev && std::memcmp(&prev->blocks[b], &bs, sizeof bs) != 0;
            o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"/>\n",
                             f1(x0), f1(bar_y), f1(x1 - x0), f1(bar_h), changed ? "#000000" : "#757575", changed ? "2.5" : "0.8");
            std::string st(block_state_name(bs.state));
            if (bs.state == MEM_ONLINE && bs.zone != NO_ZONE) st += " " + std::string(zone_name(bs.zone));
            const double tx = (x0 + x1) / 2 + (bs.nr_vmemmap_pages ? 8 : 0);
            const bool foreign = bs.vmemmap_backing != BACKING_NONE && bs.vmemmap_backing != BACKING_BUDDY &&
                                 bs.vmemmap_backing != b && bs.vmemmap_backing < m.blocks.size();
            o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\"{}>{}</text>\n", f1(tx),
                             f1(bar_y + (foreign ? 13 : 19)), bs.state == BLOCK_ABSENT ? " fill=\"#9e9e9e\"" : "", esc(st));
            if (foreign)
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"8.5\" text-anchor=\"middle\" fill=\"#b71c1c\">"
                                 "its struct pages live in memory{}</text>\n",
                                 f1(tx), f1(bar_y + 25), m.blocks[bs.vmemmap_backing].memory_block_id);
        }
        // Zone spans, one lane per (node, zone).
        const double lane_y0 = bar_y + bar_h + 6;
        for (size_t lane = 0; lane < lane_of.size(); ++lane) {
            const auto [n, z] = lane_of[lane];
            const ZoneState& zs = s.zone(n, z);
            const double ly = lane_y0 + lane * lane_h;
            const bool changed = prev && std::memcmp(&prev->nodes[n].zones[z], &zs, sizeof zs) != 0;
            const std::string name = fmt::format("{}{}", m.nr_nodes > 1 ? fmt::format("node{} ", n) : "", zone_name(z));
            if (zs.empty()) {
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"8\" fill=\"{}\">{} empty{}</text>\n", f1(map_x + 2),
                                 f1(ly + 7.5), zone_dark(z), name, changed ? " (emptied by this step)" : "");
                continue;
            }
            const double x0 = map_x + ax.x(zs.zone_start_pfn), x1 = map_x + ax.x(zs.end_pfn());
            const double w = std::max(x1 - x0, 2.0);
            o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{} rx=\"2\"/>\n", f1(x0), f1(ly),
                             f1(w), f1(lane_h - 2), zone_dark(z), changed ? " stroke=\"#000000\" stroke-width=\"1.5\"" : "");
            const std::string text = fmt::format("{} span{}", name, zs.contiguous ? "" : " (not contiguous)");
            if (w >= 6.0 * text.size())
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"8\" fill=\"#ffffff\">{}</text>\n", f1(x0 + 3),
                                 f1(ly + 7), esc(text));
            else
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"8\" fill=\"{}\">{}</text>\n", f1(x0 + w + 3),
                                 f1(ly + 7), zone_dark(z), esc(text));
        }
        // What changed (zoneinfo fields and block states).
        if (r > 0) {
            std::vector<std::string> lines;
            for (const FieldChange& c : rep.steps[r - 1].changes) {
                const FieldInfo fi = classify_field(c.field);
                if (fi.place == FieldPlace::ZONEINFO && fi.name != "zone->contiguous") {
                    std::string zn = fi.where.substr(fi.where.rfind(' ') + 1);
                    const bool pfnish = fi.name == "start_pfn:";
                    auto val = [&](const std::string& v) {
                        return pfnish && v.find_first_not_of("0123456789") == std::string::npos && !v.empty()
                                   ? fmt::format("{:#x}", std::stoull(v)) : v;
                    };
                    lines.push_back(fmt::format("{} {} {} → {}", zn, fi.name == "start_pfn:" ? "start_pfn" : fi.name,
                                                val(c.before), val(c.after)));
                } else if (fi.place == FieldPlace::SYSFS) {
                    lines.push_back(fmt::format("{}/state {} → {}", fi.where, c.before, c.after));
                } else if (fi.place == FieldPlace::PLATFORM) {
                    lines.push_back(fmt::format("{} {}", fi.where, c.after == "1" ? "plugged" : "unplugged"));
                }
            }
            if (lines.empty()) lines.push_back(rep.steps[r - 1].rc ? "nothing (refused)" : "no zone or block state");
            const size_t max_lines = 7;
            for (size_t i = 0; i < lines.size() && i < max_lines; ++i) {
                const std::string text = i + 1 == max_lines && lines.size() > max_lines
                                             ? fmt::format("… and {} more", lines.size() - i) : lines[i];
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>\n", f1(map_x + ax.width + 20),
                                 f1(y + 16 + 12 * i), esc(text));
            }
        }
        // No pfn in the report but a memory block: outline the block.
        if (last && viol && !bad_pfn) {
            static const std::regex re("memory([0-9]+)");
            std::smatch mt;
            if (std::regex_search(viol->detail, mt, re))
                for (unsigned b = 0; b < m.blocks.size(); ++b)
                    if (std::to_string(m.blocks[b].memory_block_id) == mt[1].str()) {
                        const double x0 = map_x + ax.x(m.blocks[b].start_pfn), x1 = map_x + ax.x(m.block_end_pfn(b));
                        o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#d50000\" "
                                         "stroke-width=\"3\"/>\n",
                                         f1(x0 - 3), f1(bar_y - 3), f1(x1 - x0 + 6), f1(bar_h + 6));
                        o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" fill=\"#d50000\">the "
                                         "offending block: memory{}</text>\n",
                                         f1(x0), f1(y + row_h - 6), m.blocks[b].memory_block_id);
                    }
        }
        // The offending pfn.
        if (last && bad_pfn) {
            const double xp = map_x + ax.x(*bad_pfn);
            o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#d50000\" stroke-width=\"2.5\"/>\n", f1(xp),
                             f1(bar_y - 6), f1(y + row_h - 14));
            o += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"#d50000\"/>\n", f1(xp), f1(bar_y - 6));
            o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" fill=\"#d50000\">pfn {:#x}</text>\n",
                             f1(xp + 5), f1(y + row_h - 4), *bad_pfn);
        }
        o += "</g>\n";
    }
    // Legend
    const double ly = top + row_h * states.size() + 16;
    struct Item { std::string fill, extra, text; };
    std::vector<Item> items;
    for (unsigned z = 0; z < MAX_NR_ZONES; ++z) items.push_back({zone_color(z), "", fmt::format("online, {}", zone_name(z))});
    items.push_back({zone_color(ZONE_MOVABLE), " fill-opacity=\"0.45\"", "memmap linked to a zone, not online"});
    items.push_back({"#bdbdbd", "", "present, offline (memmap poisoned)"});
    items.push_back({"#ffffff", " stroke=\"#9e9e9e\" stroke-dasharray=\"3 2\"", "absent (no memory block)"});
    items.push_back({"url(#vmemmap)", "", "vmemmap pages (memmap_on_memory)"});
    items.push_back({"url(#hole)", " stroke=\"#bdbdbd\"", "hole (no memory)"});
    for (size_t i = 0; i < items.size(); ++i) {
        const size_t cols = 4;
        const double x = 12 + (i % cols) * 270, yy = ly + (i / cols) * 20;
        o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"12\" fill=\"{}\"{}/>\n", f1(x), f1(yy), items[i].fill,
                         items[i].extra);
        o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>\n", f1(x + 28), f1(yy + 10), esc(items[i].text));
    }
    const double ly2 = ly + 64;
    o += fmt::format("<rect x=\"12\" y=\"{}\" width=\"22\" height=\"7\" rx=\"2\" fill=\"{}\"/>\n", f1(ly2 + 2), zone_dark(ZONE_MOVABLE));
    o += fmt::format("<text x=\"40\" y=\"{}\" font-size=\"10\">zone span [zone_start_pfn, zone_end_pfn) (may cover holes and offline memory)</text>\n",
                     f1(ly2 + 10));
    o += fmt::format("<rect x=\"512\" y=\"{}\" width=\"22\" height=\"12\" fill=\"none\" stroke=\"#000\" stroke-width=\"2.5\"/>\n", f1(ly2));
    o += fmt::format("<text x=\"540\" y=\"{}\" font-size=\"10\">changed by this step</text>\n", f1(ly2 + 10));
    o += fmt::format("<line x1=\"700\" y1=\"{0}\" x2=\"700\" y2=\"{1}\" stroke=\"#d50000\" stroke-width=\"2.5\"/>\n", f1(ly2 - 2), f1(ly2 + 14));
    o += fmt::format("<text x=\"708\" y=\"{}\" font-size=\"10\">the offending pfn</text>\n", f1(ly2 + 10));
    o += fmt::format("<line x1=\"820\" y1=\"{0}\" x2=\"820\" y2=\"{1}\" stroke=\"#424242\" stroke-dasharray=\"2 2\"/>\n", f1(ly2 - 2), f1(ly2 + 14));
    o += fmt::format("<text x=\"828\" y=\"{}\" font-size=\"10\">section boundary</text>\n", f1(ly2 + 10));
    // Zoom on the offending pfn, to scale, with the subsection grid: the last state.
    if (zoom_block >= 0) {
        // A transition property is about the step: show the state it started from.
        const Invariant* zinv = viol ? find_invariant(viol->invariant) : nullptr;
        const bool before = zinv && zinv->holds_on && states.size() > 1;
        const KernelState& s = before ? states[states.size() - 2] : states.back();
        const pfn_t S = m.geo.pages_per_subsection, bstart = m.blocks[zoom_block].start_pfn,
                    bend = m.block_end_pfn(zoom_block);
        pfn_t lo = *bad_pfn / S * S;
        lo = lo >= bstart + S ? lo - S : bstart;
        if (*bad_pfn - bstart < 3 * S) lo = bstart;
        const pfn_t hi = std::min<pfn_t>(bend, lo + 4 * S);
        const double zx = map_x, zw = std::max(600.0, ax.width), zy = top + row_h * states.size() + legend_h + 30;
        auto X = [&](pfn_t p) {
            p = std::clamp(p, lo, hi);
            return zx + zw * static_cast<double>(p - lo) / static_cast<double>(hi - lo);
        };
        o += "<g id=\"zoom\">\n";
        o += fmt::format("<text x=\"12\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">Zoom, to scale: pfns [{:#x}, {:#x}) of "
                         "memory{} {} step {}</text>\n",
                         f1(zy - 12), lo, hi, m.blocks[zoom_block].memory_block_id, before ? "before" : "after",
                         states.size() - 1);
        o += fmt::format("<text x=\"12\" y=\"{}\" font-size=\"10\" fill=\"#555\">ticks: subsections of {} pages</text>\n",
                         f1(zy + 18), S);
        const double by = zy + 4, bh = 26;
        for_each_run(m, s, [&](const MemRun& run) {
            if (run.block != static_cast<unsigned>(zoom_block) || run.hi <= lo || run.lo >= hi) return;
            std::string fill = "#ffffff", opacity = "1";
            if (run.valid) {
                if (Memmap::initialized(run.memmap)) {
                    fill = zone_color(Memmap::zone(run.memmap));
                    if (!run.online) opacity = "0.45";
                } else {
                    fill = "#bdbdbd";
                }
            }
            const double x0 = X(run.lo), x1 = X(run.hi);
            o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"{}\"/>\n", f1(x0),
                             f1(by), f1(x1 - x0), f1(bh), fill, opacity);
            if (run.vmemmap && run.valid) {
                o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#vmemmap)\" fill-opacity=\"0.55\"/>\n",
                                 f1(x0), f1(by), f1(x1 - x0), f1(bh));
                o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\">vmemmap {} pages</text>\n", f1(x0 + 2),
                                 f1(by - 3), run.hi - run.lo);
            }
        });
        o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#424242\"/>\n", f1(zx), f1(by),
                         f1(zw), f1(bh));
        for (pfn_t p = lo; p <= hi; p += S) {
            o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#212121\" stroke-width=\"1\"/>\n", f1(X(p)),
                             f1(by + bh), f1(by + bh + 6));
            o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{:#x}</text>\n", f1(X(p)),
                             f1(by + bh + 15), p);
        }
        const double ly0 = by + bh + 22;
        for (size_t lane = 0; lane < lane_of.size(); ++lane) {
            const auto [n, z] = lane_of[lane];
            const ZoneState& zs = s.zone(n, z);
            const double ly = ly0 + lane * lane_h;
            if (zs.empty() || zs.end_pfn() <= lo || zs.zone_start_pfn >= hi) continue;
            const double x0 = X(zs.zone_start_pfn), x1 = X(zs.end_pfn());
            o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" rx=\"2\"/>\n", f1(x0), f1(ly),
                             f1(std::max(x1 - x0, 2.0)), f1(lane_h - 2), zone_dark(z));
            o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"8\" fill=\"#ffffff\">{}{} span{}</text>\n", f1(x0 + 3),
                             f1(ly + 7), m.nr_nodes > 1 ? fmt::format("node{} ", n) : "", zone_name(z),
                             zs.zone_start_pfn >= lo ? fmt::format(" starts at zone_start_pfn {:#x}", zs.zone_start_pfn) : "");
        }
        const double xp = X(*bad_pfn);
        o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#d50000\" stroke-width=\"2\"/>\n", f1(xp),
                         f1(by - 4), f1(ly0 + lane_h * lane_of.size() + 4));
        o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" fill=\"#d50000\">pfn {:#x}</text>\n",
                         f1(xp + 4), f1(ly0 + lane_h * lane_of.size() + 14), *bad_pfn);
        o += "</g>\n";
    }
    o += "</svg>\n";
    return o;
}

// ---------------------------------------------------------------------------------------

namespace {

const char* kCss = R"(body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1500px;margin:24px auto;padding:0 16px;color:#212121;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #e0e0e0}
.verdict{background:#fff5f5;border-left:5px solid #c62828;padding:10px 14px;margin:12px 0}
.verdict b{color:#b71c1c}.ok{background:#f1f8e9;border-left:5px solid #2e7d32;padding:10px 14px}
pre,code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9em}
pre{background:#f5f5f5;padding:8px 10px;overflow-x:auto;margin:4px 0}
.step{border:1px solid #e0e0e0;border-radius:4px;padding:6px 14px;margin:10px 0}
.step.last{border-color:#c62828}
.step h3{margin:.3em 0;font-size:1.05em}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #e0e0e0;padding:2px 8px;text-align:left;font-size:.92em}
th{background:#fafafa}.rc-ok{color:#2e7d32}.rc-err{color:#c62828;font-weight:bold}
.map{overflow-x:auto;border:1px solid #e0e0e0}.small{color:#616161;font-size:.9em}
dt{font-weight:bold;margin-top:.4em})";

std::string place_name(FieldPlace p) {
    switch (p) {
        case FieldPlace::ZONEINFO: return "/proc/zoneinfo";
        case FieldPlace::NODE: return "pglist_data";
        case FieldPlace::SYSFS: return "sysfs";
        case FieldPlace::INTERNAL: return "kernel structure";
        case FieldPlace::PLATFORM: return "QEMU";
    }
    return "";
}

}  // namespace

namespace {
// The page of a threaded trace: the interleaving drawn with a lane per CPU, then per step
// the thread, what it did, the locks every CPU holds, the kernel functions and the fields.
std::string format_html_threaded(const LoadedTrace& t, const ReplayReport& rep, const std::string& trace_file_name) {
    const Machine& m = t.sc.machine;
    const Variant& variant = *find_variant(t.variant);
    const std::optional<Violation>& v = rep.violation ? rep.violation : t.violation;
    const Invariant* inv = v ? find_invariant(v->invariant) : nullptr;
    std::string o;
    const std::string title = fmt::format("{} under {}{}", t.sc.name, t.variant, v ? " — violates " + v->invariant : "");
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
    o += fmt::format("<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n", esc(title), kCss);
    o += fmt::format("<h1>{}</h1>\n", esc(title));
    o += fmt::format("<p class=\"small\">An interleaving found by hpcheck {} (a model checker for Linux memory hotplug). "
                     "Scenario <code>{}</code>, kernel model variant <b>{}</b>: {}.</p>\n",
                     kHpcheckVersion, esc(t.sc.path), esc(variant.name), esc(variant.source));
    if (v) {
        o += "<div class=\"verdict\">\n";
        o += fmt::format("<p><b>What goes wrong.</b> At step {} of the interleaving, <b>{}</b>{} no longer holds: {}.</p>\n",
                         rep.steps.size(), esc(v->invariant), inv ? fmt::format(" ({}: {})", inv->id, esc(inv->summary)) : "",
                         esc(v->conjunct));
        o += fmt::format("<p><b>Exactly:</b> {}</p>\n", esc(v->detail));
        if (inv) o += fmt::format("<p><b>Why it matters:</b> kernel code that relies on it: <code>{}</code>.</p>\n", esc(inv->kernel));
        o += "</div>\n";
    }
    if (!rep.reproduced)
        o += fmt::format("<div class=\"verdict\"><p><b>Note:</b> the current model does not reproduce this trace: state {} "
                         "field <code>{}</code>: trace '{}', model '{}' ({}).</p></div>\n",
                         rep.step, esc(rep.field), esc(rep.in_trace), esc(rep.in_model), esc(rep.message));
    o += "<h2>The design under test</h2>\n";
    o += fmt::format("<p>{}</p>\n", esc(variant.description));
    if (!t.sc.description.empty()) o += fmt::format("<p><b>Scenario:</b> {}</p>\n", esc(t.sc.description));
    o += fmt::format("<h2>The machine</h2>\n<pre>{}</pre>\n", esc(describe_machine(m)));
    o += "<h2>The CPUs</h2>\n<ul>\n";
    for (const ThreadSpec& th : t.sc.threads.threads) o += fmt::format("<li><code>{}</code></li>\n", esc(describe_thread(m, th)));
    o += "</ul>\n";
    if (!t.sc.threads.setup.empty()) {
        std::string setup;
        for (const Action& a : t.sc.threads.setup) setup += (setup.empty() ? "" : ", ") + action_label(m, a);
        o += fmt::format("<p>Before the CPUs start (sequentially): {}.</p>\n", esc(setup));
    }
    o += "<h2>The interleaving</h2>\n";
    o += "<p class=\"small\">One lane per CPU, time downwards, as a race is drawn in a kernel email. The bars at the left "
         "of each lane are the locks that CPU holds after the step (blue <code>device_hotplug_lock</code>, purple "
         "<code>mem_hotplug_lock</code>, green an RCU read-side section).</p>\n";
    o += "<div class=\"map\">\n" + format_svg_threaded(t, rep) + "</div>\n";
    o += fmt::format("<pre>{}</pre>\n", esc(format_interleaving_columns(rep.thread_names, rep.rows, 52)));
    o += "<h2>The steps</h2>\n";
    for (size_t i = 0; i < rep.rows.size(); ++i) {
        const InterleavingRow& row = rep.rows[i];
        const TraceStep& st = rep.steps[i];
        const bool last = i + 1 == rep.rows.size();
        o += fmt::format("<div class=\"step{}\" id=\"step{}\">\n<h3>Step {}: {} — {}</h3>\n", last && v ? " last" : "", i + 1,
                         i + 1, esc(rep.thread_names[row.thread]), esc(row.what));
        o += "<table>\n<tr><th>CPU</th><th>locks held after the step</th></tr>\n";
        for (size_t u = 0; u < row.held.size(); ++u)
            o += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", esc(rep.thread_names[u]),
                             row.held[u].empty() ? "-" : esc(row.held[u]));
        o += "</table>\n";
        if (!st.log.entries.empty()) {
            std::string calls;
            for (const CallLog::Entry& e : st.log.entries) calls += std::string(e.depth * 2, ' ') + e.text + "\n";
            o += fmt::format("<details{}><summary>kernel functions that ran ({})</summary>\n<pre>{}</pre></details>\n",
                             last && v ? " open" : "", st.log.entries.size(), esc(calls));
        }
        std::vector<FieldChange> changes = st.changes;
        for (const FieldChange& c : valid_zones_changes(m, variant.ops, rep.states[i], st.after)) changes.push_back(c);
        if (!changes.empty()) {
            o += "<table>\n<tr><th>where</th><th>field</th><th>before</th><th>after</th></tr>\n";
            for (const FieldChange& c : changes) {
                const FieldInfo fi = classify_field(c.field);
                o += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                                 esc(place_name(fi.place) + " " + fi.where), esc(fi.name), esc(c.before), esc(c.after));
            }
            o += "</table>\n";
        }
        if (last && v) o += fmt::format("<p class=\"rc-err\">{} — {}</p>\n", esc(v->invariant), esc(v->detail));
        o += "</div>\n";
    }
    o += "<h2>Reproduce</h2>\n";
    o += fmt::format("<pre>hpcheck replay {0}     # re-execute the interleaving against the model, exit 0 if identical\n"
                     "hpcheck explain {0}    # the story as text, one column per CPU</pre>\n",
                     esc(trace_file_name));
    o += "</body>\n</html>\n";
    return o;
}
}  // namespace

std::string format_html(const LoadedTrace& t, const ReplayReport& rep, const std::string& trace_file_name) {
    if (t.threaded) return format_html_threaded(t, rep, trace_file_name);
    const Machine& m = t.sc.machine;
    const Variant& variant = *find_variant(t.variant);
    const std::optional<Violation>& v = rep.violation ? rep.violation : t.violation;
    const Invariant* inv = v ? find_invariant(v->invariant) : nullptr;
    std::string o;
    const std::string title = fmt::format("{} under {}{}", t.sc.name, t.variant, v ? " — violates " + v->invariant : "");
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
    o += fmt::format("<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n", esc(title), kCss);
    o += fmt::format("<h1>{}</h1>\n", esc(title));
    o += fmt::format("<p class=\"small\">A counterexample found by hpcheck {} (a model checker for Linux memory hotplug). "
                     "Scenario <code>{}</code>, kernel model variant <b>{}</b>: {}.</p>\n",
                     kHpcheckVersion, esc(t.sc.path), esc(variant.name), esc(variant.source));
    if (v) {
        o += "<div class=\"verdict\">\n";
        o += fmt::format("<p><b>What goes wrong.</b> After {} step{}, the invariant <b>{}</b>{} no longer holds: {}.</p>\n",
                         rep.steps.size(), rep.steps.size() == 1 ? "" : "s", esc(v->invariant),
                         inv ? fmt::format(" ({}: {})", inv->id, esc(inv->summary)) : "", esc(v->conjunct));
        o += fmt::format("<p><b>Exactly:</b> {}</p>\n", esc(v->detail));
        if (auto pfn = violation_pfn(*v)) {
            if (inv && inv->holds_on && rep.states.size() > 1)
                o += fmt::format("<p><b>The offending page, before the last step:</b> {}</p>\n",
                                 esc(describe_pfn(m, rep.states[rep.states.size() - 2], *pfn)));
            else
                o += fmt::format("<p><b>The offending page:</b> {}</p>\n", esc(describe_pfn(m, rep.states.back(), *pfn)));
        }
        if (inv) o += fmt::format("<p><b>Why it matters:</b> kernel code that relies on it: <code>{}</code>.</p>\n", esc(inv->kernel));
        o += "</div>\n";
    }
    if (!rep.reproduced)
        o += fmt::format("<div class=\"verdict\"><p><b>Note:</b> the current model does not reproduce this trace: state {} "
                         "field <code>{}</code>: trace '{}', model '{}' ({}).</p></div>\n",
                         rep.step, esc(rep.field), esc(rep.in_trace), esc(rep.in_model), esc(rep.message));
    o += "<h2>The design under test</h2>\n";
    o += fmt::format("<p>{}</p>\n", esc(variant.description));
    if (!t.sc.description.empty()) o += fmt::format("<p><b>Scenario:</b> {}</p>\n", esc(t.sc.description));
    o += fmt::format("<h2>The machine</h2>\n<pre>{}</pre>\n", esc(describe_machine(m)));

    o += "<h2>The memory map, step by step</h2>\n";
    o += "<p class=\"small\">One row per state, boot state first. Left to right is the physical address (pfn) line: boot "
         "memory, holes, then the hot-pluggable memory blocks (<code>/sys/devices/system/memory/memoryN</code>). The bars "
         "under each row are the zone spans (<code>start_pfn</code> and <code>spanned</code> of /proc/zoneinfo). "
         "Black outlines mark what the step changed.</p>\n";
    o += "<div class=\"map\">\n" + format_svg(t, rep) + "</div>\n";

    o += "<h2>The steps</h2>\n";
    o += "<p class=\"small\">For each step: what the user (or QEMU) did, the kernel functions that ran, and every field that "
         "changed.</p>\n";
    for (size_t i = 0; i < rep.steps.size(); ++i) {
        const TraceStep& st = rep.steps[i];
        const bool last = i + 1 == rep.steps.size();
        o += fmt::format("<div class=\"step{}\" id=\"step{}\">\n<h3>Step {}: {}</h3>\n", last && v ? " last" : "", i + 1, i + 1,
                         esc(action_label(m, st.action)));
        o += fmt::format("<pre>{}</pre>\n", esc(describe_action(m, st.action)));
        o += fmt::format("<p>Result: <span class=\"{}\">{}</span></p>\n", st.rc ? "rc-err" : "rc-ok",
                         st.rc ? fmt::format("-{}", errno_name(st.rc)) : std::string("success"));
        if (!st.log.entries.empty()) {
            std::string calls;
            for (const CallLog::Entry& e : st.log.entries) calls += std::string(e.depth * 2, ' ') + e.text + "\n";
            // The violating step's kernel functions are where the bug is: shown open.
            o += fmt::format("<details{}><summary>kernel functions that ran ({})</summary>\n<pre>{}</pre></details>\n",
                             last && v ? " open" : "", st.log.entries.size(), esc(calls));
        }
        std::vector<FieldChange> changes = st.changes;
        for (const FieldChange& c : valid_zones_changes(m, variant.ops, rep.states[i], st.after)) changes.push_back(c);
        if (changes.empty()) {
            o += "<p>Nothing changed.</p>\n";
        } else {
            o += "<table>\n<tr><th>where</th><th>field</th><th>before</th><th>after</th></tr>\n";
            for (FieldPlace place : {FieldPlace::PLATFORM, FieldPlace::SYSFS, FieldPlace::ZONEINFO, FieldPlace::NODE,
                                     FieldPlace::INTERNAL})
                for (const FieldChange& c : changes) {
                    const FieldInfo fi = classify_field(c.field);
                    if (fi.place != place) continue;
                    const std::string where = place == FieldPlace::SYSFS
                                                  ? "/sys/devices/system/memory/" + fi.where + "/"
                                                  : place_name(place) + " " + fi.where;
                    o += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n", esc(where),
                                     esc(fi.name), esc(c.before), esc(c.after));
                }
            o += "</table>\n";
        }
        if (last && v)
            o += fmt::format("<p class=\"rc-err\">After this step: {} — {}</p>\n", esc(v->invariant), esc(v->detail));
        o += "</div>\n";
    }
    o += "<h2>Terms</h2>\n<dl>\n"
         "<dt>memory block</dt><dd>The unit of online/offline: <code>/sys/devices/system/memory/memoryN</code>, "
         "<code>memory_block_size_bytes()</code> large; made of one or more sections.</dd>\n"
         "<dt>section</dt><dd>The unit of the sparse memory model (<code>struct mem_section</code>); has a memmap "
         "(the <code>struct page</code>s of its pfns) once added.</dd>\n"
         "<dt>vmemmap pages</dt><dd>With <code>memory_hotplug.memmap_on_memory</code>, the <code>struct page</code>s of "
         "a hot-added block live in the first pages of the block itself (the altmap).</dd>\n"
         "<dt>zone span</dt><dd><code>[zone_start_pfn, zone_start_pfn + spanned_pages)</code>: every page of the zone "
         "must lie inside; <code>present</code> counts pages that exist, <code>managed</code> those the buddy allocator "
         "manages.</dd>\n"
         "<dt>valid_zones</dt><dd>The zones an offline block can be onlined to; the first is the default.</dd>\n</dl>\n";
    o += "<h2>Reproduce</h2>\n";
    o += fmt::format("<pre>hpcheck replay {0}     # re-execute against the model, exit 0 if identical\n"
                     "hpcheck explain {0}    # the story as text (--diff: only the changes)\n"
                     "hpcheck repro {0}      # shell script + QMP commands for a real kernel under QEMU</pre>\n",
                     esc(trace_file_name));
    o += "</body>\n</html>\n";
    return o;
}

}  // namespace hp
