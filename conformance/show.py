#!/usr/bin/env python3
"""Prints a recording (conformance/FORMAT.md) as a compact table, one line per step.

    conformance/show.py recordings/r61-basic-mom1.jsonl [--klog]

Blocks: <block>:<state>[<valid_zones>] ; zones: only the non-boot ones (Normal, Movable) plus any
boot zone that changed, as name=start_pfn+spanned/present/managed.
"""
import json
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    klog = "--klog" in sys.argv
    for path in args:
        with open(path) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        h = lines[0]
        print("# %s: kernel %s, boot %d MiB, memmap_on_memory=%s, policy=%s, %d boots, %s s" % (
            path, h["kernel"], h["boot_ram_mb"], h["memmap_on_memory"], h.get("online_policy"),
            h["boots"], h["wall_seconds"]))
        boot = {"%d/%s" % (z["node"], z["zone"]): {k: z[k] for k in
                ("start_pfn", "spanned", "present", "managed")} for z in h["boot_zones"]}
        print("# boot zones: " + "  ".join(
            "%s=%s+%s/%s/%s" % (k.split("/")[1], v["start_pfn"], v["spanned"], v["present"],
                                v["managed"]) for k, v in boot.items() if v["spanned"]))
        for r in lines[1:]:
            a = r["args"]
            arg = a.get("slot", "") + ("/%s" % a["size_mb"] if "size_mb" in a else "") + \
                (" b%d" % a["block"] if "block" in a else "")
            res = "ok" if r["rc"] == 0 else r["err"]
            blocks = " ".join("%s:%s[%s]" % (b, s["state"][:3], s["valid_zones"].replace(" ", ","))
                              for b, s in r["blocks"].items())
            zones = []
            for k, v in r["zones"].items():
                if v["spanned"] or v != boot.get(k):
                    zones.append("%s=%s+%s/%s/%s" % (k.split("/")[1], v["start_pfn"], v["spanned"],
                                                     v["present"], v["managed"]))
            extra = " base_pfn=%d" % r["dimm_base_pfn"] if "dimm_base_pfn" in r else ""
            print("%d.%-2d %-15s %-10s %-7s | %s | %s%s%s" % (
                r["seq"], r["step"], r["op"], arg, res, blocks,
                " ".join(z for z in zones if not z.startswith(("DMA=", "DMA32="))) or "-",
                extra, " (cleanup)" if r.get("cleanup") else ""))
            if klog:
                for l in r.get("klog", []):
                    print("        " + l)


if __name__ == "__main__":
    main()
