#include "checker/report_repro.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "spec/input_check.hpp"
#include "spec/state_diff.hpp"

namespace hp {

namespace {

const char* strerror_text(const std::string& rc) {
    if (rc == "-EBUSY") return "Device or resource busy";
    if (rc == "-EINVAL") return "Invalid argument";
    if (rc == "-ENOMEM") return "Out of memory";
    if (rc == "-ENODEV") return "No such device";
    if (rc == "-EEXIST") return "File exists";
    if (rc == "-E2BIG") return "Argument list too long";
    return "";
}

std::string rc_string(int rc) { return rc == 0 ? "0" : "-" + std::string(errno_name(rc)); }

// Every string that comes from the trace or the scenario (names, paths, the violation's
// detail) is untrusted: in a '#' comment it is kept on one line (a newline would end the
// comment and start a command), in QMP it is a JSON string, never spliced into syntax.
std::string comment(const std::string& s) { return one_line(s); }
std::string qmp_string(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

ReproScripts format_repro(const LoadedTrace& t, const ReplayReport& rep, const std::string& trace_name) {
    const Machine& m = t.sc.machine;
    ReproScripts r;
    // Zones worth checking: the ones the trace changes. managed_pages only where the zone
    // has no boot memory (boot allocations move it on a real machine).
    std::set<std::pair<int, unsigned>> zones;
    for (const TraceStep& st : rep.steps)
        for (const FieldChange& c : st.changes)
            for (int n = 0; n < m.nr_nodes; ++n)
                for (unsigned z = 0; z < MAX_NR_ZONES; ++z)
                    if (c.field.rfind(fmt::format("node{}.{}.", n, zone_name(z)), 0) == 0) zones.insert({n, z});

    std::string g;
    g += "#!/bin/sh\n";
    g += fmt::format("# hpcheck {} reproducer (guest side) for {}\n", kHpcheckVersion, comment(trace_name));
    g += fmt::format("# scenario {} ({}), model variant {}\n", comment(t.sc.name), comment(t.sc.path), comment(t.variant));
    if (t.violation)
        g += fmt::format("# the model's verdict at the end: {}\n", comment(t.violation->invariant + ": " + t.violation->detail));
    if (const Variant* v = find_variant(t.variant); v && v->name.rfind("v", 0) != 0)
        g += fmt::format("# NOTE: {} is a design, not a released kernel: a real kernel runs its own code, so FAIL lines show\n"
                         "# where the kernel you boot differs from that design.\n", v->name);
    g += "#\n# Run as root in the guest (busybox sh is enough). Boot the guest as in conformance/ and\n"
         "# docs/kernel-reference.md §9:\n";
    g += fmt::format("#   qemu-system-x86_64 -machine pc -accel tcg -m {}M,slots={},maxmem=8G ... -serial stdio \\\n"
                     "#     -serial unix:HOSTCHAN,server=on,wait=off -qmp unix:QMPSOCK,server=on,wait=off \\\n"
                     "#     -append 'console=ttyS0 memhp_default_state={} memory_hotplug.memmap_on_memory={}{}'\n",
                     [&] {
                         std::uint64_t pages = 0;
                         for (const BootZone& z : m.boot)
                             if (!z.span_only) pages += z.end_pfn - z.start_pfn;
                         return (m.geo.pages_to_mib(pages) + 127) / 128 * 128;
                     }(),
                     std::max<std::size_t>(m.dimms.size(), 1),
                     m.params.default_online_type == MMOP_OFFLINE ? "offline" : online_type_name(m.params.default_online_type),
                     m.params.memmap_on_memory == MemmapMode::DISABLE ? 0 : 1, m.params.movable_node ? " movable_node" : "");
    g += "# DIMM steps are done by the host (the .host.qmp file): the guest prints HPCHECK-HOST-STEP <n> on the\n"
         "# console and waits for a line on /dev/ttyS1 (HPCHECK_CHAN) before it checks the result.\n"
         "# The model assumes QEMU places DIMMs where the scenario says (first fit from 4 GiB).\n"
         "# Exit status: 0 when every check matched the model, 1 otherwise.\n\n";
    g += "set -u\nCHAN=${HPCHECK_CHAN:-/dev/ttyS1}\nMEM=/sys/devices/system/memory\nfail=0\nSTEP=0\n\n";
    g += "# zone NODE ZONE FIELD: a value from /proc/zoneinfo (FIELD: start_pfn: spanned present managed)\n"
         "zone() {\n"
         "  awk -v n=\"$1,\" -v z=\"$2\" -v f=\"$3\" '$1==\"Node\" { cur = ($2==n && $4==z) }\n"
         "    cur && $1==f { print $2; exit }' /proc/zoneinfo\n"
         "}\n"
         "check() { # WHAT GOT WANT\n"
         "  if [ \"$2\" = \"$3\" ]; then echo \"ok   step $STEP: $1 = $3\"; else echo \"FAIL step $STEP: $1 = $2, the model says $3\"; fail=1; fi\n"
         "}\n"
         "expect_zone() { # NODE ZONE START SPANNED PRESENT [MANAGED]\n"
         "  check \"node $1 $2 start_pfn\" \"$(zone $1 $2 start_pfn:)\" \"$3\"\n"
         "  check \"node $1 $2 spanned\" \"$(zone $1 $2 spanned)\" \"$4\"\n"
         "  check \"node $1 $2 present\" \"$(zone $1 $2 present)\" \"$5\"\n"
         "  [ $# -ge 6 ] && check \"node $1 $2 managed\" \"$(zone $1 $2 managed)\" \"$6\"\n"
         "  return 0\n"
         "}\n"
         "write() { # FILE VALUE EXPECTED(ok|error text)\n"
         "  if echo \"$2\" > \"$1\" 2>/tmp/hpcheck.err; then got=ok; else got=$(sed 's/.*: //' /tmp/hpcheck.err); fi\n"
         "  check \"echo $2 > $1\" \"$got\" \"$3\"\n"
         "}\n"
         "host_step() { # N: let the host run its QMP commands for step N\n"
         "  echo \"HPCHECK-HOST-STEP $1\"\n"
         "  read -r line < \"$CHAN\"\n"
         "  sleep 1\n"
         "}\n\n";

    std::string h;
    h += fmt::format("# hpcheck {} reproducer (host side) for {}: QMP commands, one JSON object per line,\n", kHpcheckVersion,
                     comment(trace_name));
    h += "# grouped by step. Send a group when the guest prints HPCHECK-HOST-STEP <n>, wait for the events named\n"
         "# in its comment, then write \"go <n>\" into the guest's second serial port.\n";
    h += "{\"execute\": \"qmp_capabilities\"}\n";

    for (size_t i = 0; i < rep.steps.size(); ++i) {
        const TraceStep& st = rep.steps[i];
        const Action& a = st.action;
        const std::string rc = rc_string(st.rc);
        g += fmt::format("\n# step {}: {}  (model: {})\nSTEP={}\n", i + 1, comment(action_label(m, a)), rc == "0" ? "success" : rc,
                         i + 1);
        if (a.fault.kind != FaultKind::NONE)
            g += fmt::format("echo \"note step {}: the model injects fault {} here; a real kernel cannot be forced to, so the "
                             "result may differ\"\n",
                             i + 1, fault_name(a.fault.kind));
        switch (a.kind) {
            case ActionKind::DIMM_ADD: {
                const Dimm& d = m.dimms[a.target];
                g += fmt::format("host_step {}\n", i + 1);
                for (unsigned b = 0; b < d.nr_blocks; ++b) {
                    const unsigned blk = m.dimm_first_block[a.target] + b;
                    const bool present = st.after.blocks[blk].state != BLOCK_ABSENT;
                    g += fmt::format("check \"memory{0} exists\" \"$([ -e $MEM/memory{0} ] && echo yes || echo no)\" \"{1}\"\n",
                                     m.blocks[blk].memory_block_id, present ? "yes" : "no");
                }
                h += fmt::format("# step {}: add {} (model: {}); wait for the guest to see it\n", i + 1, comment(d.name), rc);
                h += fmt::format("{{\"execute\": \"object-add\", \"arguments\": {{\"qom-type\": \"memory-backend-ram\", \"id\": "
                                 "{}, \"size\": {}}}}}\n",
                                 qmp_string("mem-" + d.name), d.nr_blocks * m.geo.pages_per_block * m.geo.page_size);
                h += fmt::format("{{\"execute\": \"device_add\", \"arguments\": {{\"driver\": \"pc-dimm\", \"id\": {}, \"memdev\": "
                                 "{}, \"node\": {}}}}}\n",
                                 qmp_string(d.name), qmp_string("mem-" + d.name), d.node);
                break;
            }
            case ActionKind::DIMM_EJECT: {
                const Dimm& d = m.dimms[a.target];
                g += fmt::format("host_step {}\n", i + 1);
                h += fmt::format("# step {}: eject {}; the model says {}: expect {}\n", i + 1, comment(d.name), rc,
                                 st.rc == 0 ? "the DEVICE_DELETED event, then send object-del"
                                            : "an ACPI_DEVICE_OST event with a status other than 0x84 (refused), no object-del");
                h += fmt::format("{{\"execute\": \"device_del\", \"arguments\": {{\"id\": {}}}}}\n", qmp_string(d.name));
                if (st.rc == 0)
                    h += fmt::format("{{\"execute\": \"object-del\", \"arguments\": {{\"id\": {}}}}}\n", qmp_string("mem-" + d.name));
                for (unsigned b = 0; b < d.nr_blocks; ++b) {
                    const unsigned blk = m.dimm_first_block[a.target] + b;
                    const BlockState& bs = st.after.blocks[blk];
                    g += fmt::format("check \"memory{0} state\" \"$(cat $MEM/memory{0}/state 2>/dev/null || echo absent)\" \"{1}\"\n",
                                     m.blocks[blk].memory_block_id, block_state_name(bs.state));
                }
                break;
            }
            case ActionKind::REMOVE_MEMORY:
                g += fmt::format("echo \"note step {}: remove_memory() is a driver call, not reachable from user space: skipped\"\n",
                                 i + 1);
                break;
            case ActionKind::HUGETLB_ALLOC:
            case ActionKind::HUGETLB_FREE:
                g += fmt::format("echo \"note step {}: which block a hugetlb page comes from is the kernel's choice: skipped\"\n",
                                 i + 1);
                break;
            case ActionKind::VMEM_PLUG:
            case ActionKind::VMEM_UNPLUG:
                g += fmt::format("echo \"note step {}: {} is a requested-size change of a virtio-mem device (conformance/record.py "
                                 "--virtio-mem drives it); not generated: skipped\"\n",
                                 i + 1, comment(action_label(m, a)));
                break;
            case ActionKind::DEV_MAP:
            case ActionKind::DEV_UNMAP:
            case ActionKind::SOFT_OFFLINE:
                g += fmt::format("echo \"note step {}: {} needs an emulated NVDIMM namespace; not generated: skipped\"\n", i + 1,
                                 comment(action_label(m, a)));
                break;
            default: {
                const std::string want = st.rc == 0 ? "ok" : strerror_text(rc);
                g += fmt::format("write $MEM/memory{}/state {} \"{}\"\n", m.blocks[a.target].memory_block_id,
                                 action_kind_name(a.kind), want.empty() ? rc : want);
                const BlockState& bs = st.after.blocks[a.target];
                g += fmt::format("check \"memory{0} state\" \"$(cat $MEM/memory{0}/state)\" \"{1}\"\n",
                                 m.blocks[a.target].memory_block_id, block_state_name(bs.state));
            }
        }
        for (const auto& [n, z] : zones) {
            const ZoneState& zs = st.after.zone(n, z);
            const bool boot = m.boot_present(n, z) > 0;
            if (boot)
                g += fmt::format("expect_zone {} {} {} {} {}\n", n, zone_name(z), zs.zone_start_pfn, zs.spanned_pages, zs.present_pages);
            else
                g += fmt::format("expect_zone {} {} {} {} {} {}\n", n, zone_name(z), zs.zone_start_pfn, zs.spanned_pages,
                                 zs.present_pages, zs.managed_pages);
        }
    }
    g += "\nif [ $fail = 0 ]; then echo \"HPCHECK-REPRO: the kernel behaved as the model says\"; else echo \"HPCHECK-REPRO: "
         "the kernel differs from the model (see FAIL lines)\"; fi\nexit $fail\n";
    r.guest = g;
    r.host = h;
    return r;
}

}  // namespace hp
