#!/usr/bin/env python3
"""hpcheck conformance recorder: drives memory hotplug of a real Debian kernel under QEMU (TCG)
and writes what the kernel did as JSON Lines (format: conformance/FORMAT.md).

    conformance/record.py --steps SEQ.json -o out.jsonl [kernel/boot options]
    conformance/record.py --random N --length L --seed S -o out.jsonl [options]

Python 3 standard library only. Needs conformance/setup.sh (run automatically, it is quick when
everything is already there).
"""

import argparse
import errno
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = "hpcheck-recording/1"
BLOCK_OPS = {"online": "online", "online_kernel": "online_kernel",
             "online_movable": "online_movable", "offline": "offline"}
VMEM_OPS = ("vmem_plug", "vmem_unplug")
ALL_OPS = ("dimm_add", "dimm_eject") + tuple(BLOCK_OPS) + VMEM_OPS
MEMDIR = "/sys/devices/system/memory"

# errno name from the C library's message text (busybox sh prints "sh: write error: <strerror>")
STRERROR = {os.strerror(e): name for e, name in errno.errorcode.items()}
STRERROR["nonexistent directory"] = "ENOENT"  # busybox's own text for a missing parent directory


def errno_name(msg):
    msg = msg.strip()
    for cand in (msg.rsplit(": ", 1)[-1], msg):
        if cand in STRERROR:
            return STRERROR[cand]
    return msg or "EUNKNOWN"


class Failure(Exception):
    pass


def now_ms():
    return time.monotonic() * 1000.0


# --------------------------------------------------------------------------------------------
# QMP client
class QMP:
    def __init__(self, path, timeout=30.0):
        self.sock = connect_unix(path, timeout)
        self.buf = b""
        self.events = []
        self.next_id = 0
        greeting = self._read_msg(timeout)
        if "QMP" not in greeting:
            raise Failure("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read_msg(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("QMP read timeout")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("QMP read timeout")
            if not chunk:
                raise Failure("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, execute, timeout=30.0, **arguments):
        """Returns (ok, return-or-error-desc)."""
        self.next_id += 1
        req = {"execute": execute, "id": self.next_id}
        if arguments:
            req["arguments"] = arguments
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._read_msg(timeout)
            if "event" in msg:
                self.events.append(msg)
            elif msg.get("id") == self.next_id:
                if "error" in msg:
                    return False, msg["error"].get("desc", str(msg["error"]))
                return True, msg.get("return")

    def wait_event(self, pred, timeout):
        """Pops and returns the first queued or arriving event with pred(ev); None on timeout.
        Events not matching stay queued."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if pred(ev):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                self.events.append(self._read_msg(left))
            except TimeoutError:
                return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def connect_unix(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > deadline:
                raise Failure("cannot connect to %s" % path)
            time.sleep(0.02)


# --------------------------------------------------------------------------------------------
# Machine options beyond the one-node default.
def numa_args(cfg):
    """--numa MB,MB,...: one NUMA node per entry with that much boot RAM (0: a memoryless node,
    which comes online with its first DIMM). QEMU wants a memdev per node with RAM, summing to -m;
    the one CPU (-smp 1) is on node 0."""
    if not cfg.numa:
        return []
    out = []
    for nid, mb in enumerate(cfg.numa):
        if mb:
            out += ["-object", "memory-backend-ram,id=ram-node%d,size=%dM" % (nid, mb),
                    "-numa", "node,nodeid=%d,memdev=ram-node%d" % (nid, nid)]
        else:
            out += ["-numa", "node,nodeid=%d" % nid]
    return out + ["-numa", "cpu,node-id=0,socket-id=0"]


def coldplug_args(cfg):
    """--coldplug SLOT:MB[:NODE]: a pc-dimm present when the machine starts (QEMU -device on the
    command line). Its memory is not e820 RAM: the guest's ACPI scan adds it at boot
    (acpi_memory_device_add() -> add_memory(), onlined per memhp_default_state)."""
    out = []
    for c in cfg.coldplug:
        out += ["-object", "memory-backend-ram,id=mem-%s,size=%dM" % (c["slot"], c["size_mb"]),
                "-device", "pc-dimm,id=%s,memdev=mem-%s%s" % (
                    c["slot"], c["slot"], ",node=%d" % c["node"] if c.get("node") is not None else "")]
    return out


def virtio_mem_args(cfg):
    """--virtio-mem ID:SIZE_MB:BLOCK_MB[:NODE]: a virtio-mem-pci device with a SIZE_MB region and
    requested-size 0 at boot; vmem_plug / vmem_unplug steps move requested-size by one big block
    (max(block-size, memory block size)) through QMP qom-set."""
    out = []
    for v in cfg.virtio_mem:
        out += ["-object", "memory-backend-ram,id=mem-%s,size=%dM" % (v["id"], v["size_mb"]),
                "-device", "virtio-mem-pci,id=%s,memdev=mem-%s,node=%d,requested-size=0,block-size=%dM" % (
                    v["id"], v["id"], v["node"], v["block_mb"])]
    return out


def parse_virtio_mem(text):
    f = text.split(":")
    if len(f) not in (3, 4) or not f[0] or not f[0][0].isalpha():
        raise argparse.ArgumentTypeError("expected ID:SIZE_MB:BLOCK_MB[:NODE], got %r" % text)
    return {"id": f[0], "size_mb": int(f[1]), "block_mb": int(f[2]), "node": int(f[3]) if len(f) == 4 else 0}


def parse_coldplug(text):
    f = text.split(":")
    if len(f) not in (2, 3) or not f[0] or not f[0][0].isalpha():
        raise argparse.ArgumentTypeError("expected SLOT:SIZE_MB[:NODE], got %r" % text)
    return {"slot": f[0], "size_mb": int(f[1]), "node": int(f[2]) if len(f) == 3 else None}


# --------------------------------------------------------------------------------------------
# One QEMU instance with the guest command channel
class VM:
    def __init__(self, kdesc, cfg, workdir, boot_no):
        self.cfg = cfg
        self.dir = workdir
        self.ctl_path = os.path.join(workdir, "ctl.sock")
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.console_path = os.path.join(workdir, "console-%d.log" % boot_no)
        for p in (self.ctl_path, self.qmp_path):
            if os.path.exists(p):
                os.unlink(p)
        kernel = kdesc["kernel"] if not cfg.bzimage else kdesc["bzimage"]
        initrd = kdesc.get("initrd_virtio") if cfg.virtio_mem else kdesc["initrd"]
        if not initrd:
            raise Failure("--virtio-mem needs setup.sh --virtio-mem (the virtio modules in the initramfs)")
        self.argv = [
            cfg.qemu, "-machine", "pc", "-accel", "tcg", "-smp", "1",
            "-m", "%dM,slots=%d,maxmem=%s" % (cfg.boot_ram_mb, cfg.slots, cfg.maxmem),
            "-nodefaults", "-display", "none", "-no-reboot", "-nographic",
            "-chardev", "file,id=con,path=%s" % self.console_path,
            "-chardev", "socket,id=ctl,path=%s,server=on,wait=on" % self.ctl_path,
            "-serial", "chardev:con", "-serial", "chardev:ctl",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-kernel", kernel, "-initrd", initrd, "-append", cfg.cmdline,
        ] + numa_args(cfg) + coldplug_args(cfg) + virtio_mem_args(cfg)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(workdir, "qemu.out"), "ab"),
                                     stderr=subprocess.STDOUT)
        self.ctl = connect_unix(self.ctl_path, 30)
        self.qmp = QMP(self.qmp_path)
        self.rbuf = b""
        self.req = 0
        self.console_pos = 0
        self._expect_line(".READY", cfg.boot_timeout)
        self.boot_s = time.monotonic() - self.t0

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.rbuf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise Failure("guest did not answer (qemu %s); console tail:\n%s" % (
                    "exited %s" % self.proc.returncode if self.proc.poll() is not None
                    else "running", self.console_tail()))
            self.ctl.settimeout(min(left, 1.0))
            try:
                chunk = self.ctl.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise Failure("guest channel closed; console tail:\n" + self.console_tail())
            self.rbuf += chunk
        line, self.rbuf = self.rbuf.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def _expect_line(self, want, timeout):
        while True:
            if self._readline(timeout) == want:
                return

    def call(self, *words, timeout=60.0):
        """Sends one request; returns (rc, data lines)."""
        self.req += 1
        rid = str(self.req)
        self.ctl.sendall((" ".join([rid] + [str(w) for w in words]) + "\n").encode())
        lines = []
        while True:
            line = self._readline(timeout)
            if line.startswith(".END "):
                _, got, rc = line.split()
                if got == rid:
                    return int(rc), lines
                lines = []  # stale answer of an earlier, timed-out request
                continue
            lines.append(line)

    def console_tail(self, n=30):
        try:
            with open(self.console_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def new_console_lines(self):
        try:
            with open(self.console_path, "rb") as f:
                f.seek(self.console_pos)
                data = f.read()
        except OSError:
            return []
        cut = data.rfind(b"\n") + 1
        self.console_pos += cut
        out = []
        for l in data[:cut].decode("utf-8", "replace").splitlines():
            l = l.rstrip("\r")
            if not l.startswith("[") and "[ " in l:   # e.g. "Booting from ROM..[    2.9] ..."
                l = l[l.index("[ "):]
            if l.strip():
                out.append(l)
        return out

    # ---- guest queries
    def info(self):
        rc, lines = self.call("I")
        info = {"params": {}}
        for l in lines:
            k, _, v = l.partition(" ")
            if k == "param":
                p, _, val = v.partition(" ")
                info["params"][p] = val
            else:
                info[k] = v
        return info

    def state(self):
        rc, lines = self.call("S")
        blocks, zones, memtotal = {}, {}, None
        for l in lines:
            f = l.split()
            if f[0] == "B":
                blocks[int(f[1])] = {"state": f[2], "valid_zones": " ".join(f[3:])}
            elif f[0] == "Z":
                z = {}
                for k, v in zip(("start_pfn", "spanned", "present", "managed"), f[3:7]):
                    z[k] = None if v == "-" else int(v)
                zones["%s/%s" % (f[1], f[2])] = z
            elif f[0] == "M":
                memtotal = int(f[1])
        return blocks, zones, memtotal

    def write(self, path, value):
        rc, lines = self.call("W", path, value)
        for l in lines:
            if l.startswith("R "):
                _, status, msg = (l + " ").split(" ", 2)
                return int(status), msg.strip()
        raise Failure("bad W answer %r" % lines)

    def wait_blocks(self, blocks, present, timeout_s):
        if not blocks:
            return True
        rc, _ = self.call("WAITP" if present else "WAITA", int(timeout_s * 100), *blocks,
                          timeout=timeout_s + 30)
        return rc == 0

    def stop(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.ctl.sendall(b"0 Q\n")
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if self.proc.poll() is None:
                try:
                    self.qmp.cmd("quit", timeout=5)
                    self.proc.wait(timeout=5)
                except Exception:
                    pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.qmp.close()
            self.ctl.close()


# --------------------------------------------------------------------------------------------
# Random sequence generation: a pure function of (seed, index, length). Blocks are addressed
# relative to their DIMM ({"slot", "index"}) because the absolute block numbers depend on
# where QEMU places the DIMM; the recorder resolves them and records "block".
SIZES_MB = (128, 256, 512, 1024)
SIZE_WEIGHTS = (5, 3, 2, 1)
MAX_DIMMS = 4


def random_sequence(seed, index, length, nodes=1):
    rng = random.Random("hpcheck-%d-%d" % (seed, index))
    dimms = {}       # slot name -> list of predicted block states ("offline"/"online")
    next_id = 1
    steps = []
    for _ in range(length):
        choices = []
        if len(dimms) < MAX_DIMMS:
            choices.append(("dimm_add", 2.0 if dimms else 10.0))
        if dimms:
            choices += [("online", 2.0), ("online_kernel", 1.5), ("online_movable", 3.0),
                        ("offline", 3.5), ("dimm_eject", 1.2)]
        r = rng.uniform(0, sum(w for _, w in choices))
        for op, w in choices:
            r -= w
            if r <= 0:
                break
        if op == "dimm_add":
            slot = "d%d" % next_id
            next_id += 1
            size = rng.choices(SIZES_MB, SIZE_WEIGHTS)[0]
            dimms[slot] = ["offline"] * (size // 128)
            args = {"slot": slot, "size_mb": size}
            if nodes > 1:  # drawn only then: one-node sequences stay what they were
                args["node"] = rng.randrange(nodes)
            steps.append({"op": op, "args": args})
        elif op == "dimm_eject":
            names = sorted(dimms)
            online = [n for n in names if "online" in dimms[n]]
            # mostly ejects of DIMMs with online memory (the interesting case)
            slot = rng.choice(online if online and rng.random() < 0.75 else names)
            del dimms[slot]
            steps.append({"op": op, "args": {"slot": slot}})
        else:
            slot = rng.choice(sorted(dimms))
            blocks = dimms[slot]
            want = "offline" if op == "offline" else "online"
            # mostly valid transitions, sometimes a block already in the target state (EINVAL)
            good = [i for i, s in enumerate(blocks) if s != want]
            idx = rng.choice(good) if good and rng.random() < 0.85 else rng.randrange(len(blocks))
            blocks[idx] = want
            steps.append({"op": op, "args": {"slot": slot, "index": idx}})
    return steps


# --------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self, cfg, kdesc):
        self.cfg = cfg
        self.kdesc = kdesc
        self.workdir = tempfile.mkdtemp(prefix="hpcheck-rec-")
        self.vm = None
        self.boots = []          # per boot: seconds to the guest's READY
        self.header = None
        self.boot_block_ids = set()
        # Boot memory blocks a sequence names by id ({"block": N}): reported per step like
        # hot-plugged ones, so the replay compares their state (hpcheck's boot_blocks).
        self.tracked_boot = set()
        self.boot_zones_map = None
        self.records = []
        self.placed = []
        self.op_ms = {}
        self.dump_ms = []
        self.notes = []
        self.coldplugged = {}
        self.vmem = {}           # id -> {"base": addr, "size": region bytes, "bb": big block bytes}

    def log(self, msg):
        if not self.cfg.quiet:
            print(msg, file=sys.stderr, flush=True)

    def boot(self):
        if self.vm:
            self.vm.stop()
            self.vm = None
        self.vm = VM(self.kdesc, self.cfg, self.workdir, len(self.boots))
        self.boots.append(round(self.vm.boot_s, 3))
        self.log("boot %d: guest ready after %.2f s" % (len(self.boots) - 1, self.vm.boot_s))
        info = self.vm.info()
        self.coldplugged = self.find_coldplugged()
        self.vmem = self.find_virtio_mem(int(info["block_size_bytes"], 16))
        blocks, zones, memtotal = self.vm.state()
        boot_zones = [dict(node=int(k.split("/")[0]), zone=k.split("/")[1], **v)
                      for k, v in zones.items()]
        boot_blocks = [{"block": b, "state": s["state"], "valid_zones": s["valid_zones"]}
                       for b, s in sorted(blocks.items())]
        if self.header is None:
            params = info["params"]
            self.block_size = int(info["block_size_bytes"], 16)
            self.header = {
                "format": FORMAT,
                "kernel": info.get("uname"),
                "kernel_package": self.kdesc["package"],
                "kernel_boot": "bzimage" if self.cfg.bzimage else self.kdesc["boot"],
                "qemu": self.qemu_version(),
                "qemu_cmdline": " ".join(self.vm.argv).replace(self.workdir, "$WORKDIR"),
                "boot_ram_mb": self.cfg.boot_ram_mb,
                "cmdline": info.get("cmdline"),
                "block_size_bytes": self.block_size,
                "block_pages": self.block_size // 4096,
                "memmap_on_memory": params.get("memmap_on_memory"),
                "online_policy": params.get("online_policy"),
                "auto_movable_ratio": params.get("auto_movable_ratio"),
                "auto_online_blocks": info.get("auto_online_blocks"),
                "boot_zones": boot_zones,
                "boot_blocks": boot_blocks,
                "boot_memtotal_kb": memtotal,
            }
            if self.cfg.numa:
                self.header["numa_node_mb"] = self.cfg.numa
            if self.cfg.coldplug:
                self.header["coldplug"] = [dict(slot=c["slot"], size_mb=c["size_mb"], node=c.get("node") or 0,
                                                base_pfn=self.coldplugged[c["slot"]]["base_pfn"],
                                                blocks=self.coldplugged[c["slot"]]["block_ids"])
                                           for c in self.cfg.coldplug]
            if self.cfg.virtio_mem:
                fb = params.get("virtio_mem.force_bbm")
                self.header["virtio_mem"] = [dict(id=v["id"], node=v["node"], size_mb=v["size_mb"],
                                                  block_size_mb=v["block_mb"],
                                                  base_pfn=self.vmem[v["id"]]["base"] // 4096,
                                                  force_bbm=fb in ("Y", "1"))
                                             for v in self.cfg.virtio_mem]
            # Blocks of cold-plugged DIMMs are reported per step like hot-plugged ones.
            cold = {b for c in self.coldplugged.values() for b in c["block_ids"]}
            self.boot_block_ids = set(blocks) - cold
            self.boot_zones_map = zones
        elif zones != self.boot_zones_map or set(blocks) != self.boot_block_ids:
            self.notes.append("boot %d: boot state differs from boot 0" % (len(self.boots) - 1))
        self.vm.new_console_lines()  # skip the boot messages

    def at_boot_state(self):
        blocks, zones, _ = self.vm.state()
        return set(blocks) == self.boot_block_ids and zones == self.boot_zones_map

    def find_coldplugged(self):
        """Where QEMU put the --coldplug DIMMs; waits until the guest has their memory blocks."""
        out = {}
        if not self.cfg.coldplug:
            return out
        ok, devs = self.vm.qmp.cmd("query-memory-devices")
        for c in self.cfg.coldplug:
            addr = None
            for d in devs or []:
                if d.get("data", {}).get("id") == c["slot"]:
                    addr = d["data"]["addr"]
            if addr is None:
                raise Failure("cold-plugged DIMM %s not in query-memory-devices" % c["slot"])
            bsz = int(self.vm.info()["block_size_bytes"], 16)
            first, count = addr // bsz, (c["size_mb"] << 20) // bsz
            ids = [first + i for i in range(count)]
            if not self.vm.wait_blocks(ids, True, self.cfg.add_timeout):
                raise Failure("memory blocks of cold-plugged DIMM %s did not appear" % c["slot"])
            out[c["slot"]] = {"blocks": (first, count), "size_mb": c["size_mb"], "base_pfn": addr // 4096,
                              "block_ids": ids}
        return out

    def find_virtio_mem(self, block_size):
        """Where QEMU put the --virtio-mem regions (query-memory-devices memaddr)."""
        out = {}
        if not self.cfg.virtio_mem:
            return out
        ok, devs = self.vm.qmp.cmd("query-memory-devices")
        for v in self.cfg.virtio_mem:
            addr = None
            for d in devs or []:
                if d.get("type") == "virtio-mem" and d.get("data", {}).get("id") == v["id"]:
                    addr = d["data"]["memaddr"]
            if addr is None:
                raise Failure("virtio-mem device %s not in query-memory-devices" % v["id"])
            # virtio_mem_init_hotplug(): SBM when max(block-size, pageblock = 2 MiB) < the memory
            # block size and not force_bbm; a step is one sub-block there, one big block in BBM
            sb = max(v["block_mb"] << 20, 2 << 20)
            sbm = sb < block_size and "virtio_mem.force_bbm=1" not in self.cfg.cmdline
            out[v["id"]] = {"base": addr, "size": v["size_mb"] << 20, "sbm": sbm,
                            "bb": sb if sbm else max(v["block_mb"] << 20, block_size), "block_size": block_size}
        return out

    def vmem_size(self, dev):
        ok, res = self.vm.qmp.cmd("qom-get", path="/machine/peripheral/" + dev, property="size")
        if not ok:
            raise Failure("qom-get %s size: %s" % (dev, res))
        return int(res)

    def vmem_blocks_present(self, dev):
        v = self.vmem[dev]
        first, end = v["base"] // v["block_size"], (v["base"] + v["size"]) // v["block_size"]
        blocks, _, _ = self.vm.state()
        return sum(1 for b in blocks if first <= b < end)

    def do_vmem(self, rec, args, plug):
        """requested-size one big block up (plug) or down (unplug) from the plugged size; the
        guest's virtio-mem driver does the rest. Success: the device's plugged size (qom-get size)
        reaches the request and the guest has exactly the memory blocks of the plugged big blocks.
        Otherwise the driver gave up for now (unplug: -EBUSY, it retries with a timer of at least
        50 s; plug: -ENOSPC): recorded as a refusal, and requested-size is set back to the
        plugged size so that the retry finds nothing to do."""
        dev = args["id"]
        v = self.vmem[dev]
        cur = self.vmem_size(dev)
        want = cur + v["bb"] if plug else cur - v["bb"]
        if want < 0 or want > v["size"]:
            rec.update(rc=-1, err="QMP", err_text="requested-size %d outside the region" % want)
            return
        ok, res = self.vm.qmp.cmd("qom-set", path="/machine/peripheral/" + dev, property="requested-size", value=want)
        if not ok:
            rec.update(rc=-1, err="QMP", err_text=str(res))
            return
        deadline = time.monotonic() + (self.cfg.add_timeout if plug else self.cfg.vmem_unplug_wait)
        size = cur
        while time.monotonic() < deadline:
            size = self.vmem_size(dev)
            if size == want:
                break
            time.sleep(0.02)
        rec["vmem_size_mb"] = size >> 20
        if size != want:
            self.vm.qmp.cmd("qom-set", path="/machine/peripheral/" + dev, property="requested-size", value=size)
            time.sleep(0.5)
            after = self.vmem_size(dev)
            rec.update(rc=-1, err="EBUSY" if not plug else "ENOSPC",
                       err_text="plugged size stayed %d MiB for %.0f s; requested-size set back" % (
                           size >> 20, self.cfg.add_timeout if plug else self.cfg.vmem_unplug_wait))
            if after != size:
                rec["note"] = "plugged size changed to %d MiB after requested-size was set back" % (after >> 20)
                rec["vmem_size_mb"] = after >> 20
            return
        # the big block is plugged (or unplugged, after its removal); wait for add_memory_driver_managed()
        deadline = time.monotonic() + self.cfg.add_timeout
        if v["sbm"]:
            # SBM: the sub-block is plugged before its memory block is added (and unplugged
            # before an emptied block is removed): wait until the guest's state stops changing
            last = None
            while time.monotonic() < deadline:
                cur = self.vm.state()
                if cur == last:
                    break
                last = cur
                time.sleep(0.2)
            return
        want_blocks = want // v["block_size"]
        while self.vmem_blocks_present(dev) != want_blocks:
            if time.monotonic() > deadline:
                rec["note"] = "the guest's memory blocks do not match the plugged size"
                break
            time.sleep(0.02)

    def qemu_version(self):
        try:
            out = subprocess.run([self.cfg.qemu, "--version"], capture_output=True,
                                 text=True).stdout
            return out.splitlines()[0].replace("QEMU emulator version ", "")
        except Exception:
            return None

    # ---- one step
    def run_step(self, seq, step_no, step, dimms, cleanup=False):
        op = step["op"]
        if op not in ALL_OPS:
            raise Failure("unknown op %r" % op)
        args = dict(step.get("args", {}))
        rec = {"seq": seq, "step": step_no, "op": op, "args": args, "rc": 0, "err": None}
        if cleanup:
            rec["cleanup"] = True
        vm = self.vm
        t0 = now_ms()
        if op == "dimm_add":
            self.do_add(rec, args, dimms)
        elif op == "dimm_eject":
            self.do_eject(rec, args, dimms)
        elif op in VMEM_OPS:
            self.do_vmem(rec, args, op == "vmem_plug")
        else:
            block = self.resolve_block(args, dimms)
            if block is None:
                rec.update(rc=-1, err="ENOENT")
            else:
                args["block"] = block
                status, msg = vm.write("%s/memory%d/state" % (MEMDIR, block), BLOCK_OPS[op])
                if status != 0:
                    rec.update(rc=-1, err=errno_name(msg))
                    if rec["err"] not in errno.errorcode.values():
                        rec["err_text"] = msg
        rec["ms"] = round(now_ms() - t0, 1)
        t1 = now_ms()
        blocks, zones, memtotal = vm.state()
        self.dump_ms.append(now_ms() - t1)
        rec["blocks"] = {str(b): s for b, s in sorted(blocks.items())
                         if b not in self.boot_block_ids or b in self.tracked_boot}
        rec["zones"] = zones
        rec["memtotal_kb"] = memtotal
        klog = vm.new_console_lines()
        if klog and self.cfg.klog:
            rec["klog"] = klog[:self.cfg.klog_lines]
            if len(klog) > self.cfg.klog_lines:
                rec["klog"].append("... %d more lines" % (len(klog) - self.cfg.klog_lines))
        self.op_ms.setdefault(op, []).append(rec["ms"])
        return rec

    def resolve_block(self, args, dimms):
        if "block" in args:
            return int(args["block"])
        if "vmem" in args:   # the index-th memory block of a virtio-mem region
            v = self.vmem.get(args["vmem"])
            if v is None:
                return None
            count = v["size"] // v["block_size"]
            idx = int(args.get("index", 0))
            if idx < 0:
                idx += count
            return v["base"] // v["block_size"] + idx if 0 <= idx < count else None
        slot = args.get("slot")
        if slot not in dimms:
            return None
        first, count = dimms[slot]["blocks"]
        idx = int(args.get("index", 0))
        if idx < 0:
            idx += count
        if not 0 <= idx < count:
            return None
        return first + idx

    def do_add(self, rec, args, dimms):
        slot, size = args["slot"], int(args["size_mb"])
        qmp = self.vm.qmp
        ok, res = qmp.cmd("object-add", **{"qom-type": "memory-backend-ram",
                                           "id": "mem-" + slot, "size": size << 20})
        if ok:
            extra = {"node": int(args["node"])} if "node" in args else {}
            ok, res = qmp.cmd("device_add", driver="pc-dimm", id=slot, memdev="mem-" + slot, **extra)
            if not ok:
                qmp.cmd("object-del", id="mem-" + slot)
        if not ok:
            rec.update(rc=-1, err="QMP", err_text=res)
            return
        ok, devs = qmp.cmd("query-memory-devices")
        addr = None
        for d in devs or []:
            if d.get("data", {}).get("id") == slot:
                addr = d["data"]["addr"]
        if addr is None:
            raise Failure("DIMM %s not in query-memory-devices" % slot)
        first = addr // self.block_size
        count = (size << 20) // self.block_size
        rec["dimm_base_pfn"] = addr // 4096
        rec["dimm_blocks"] = [first + i for i in range(count)]
        dimms[slot] = {"blocks": (first, count), "size_mb": size}
        self.placed.append({"seq": rec["seq"], "step": rec["step"], "slot": slot,
                            "size_mb": size, "base_pfn": addr // 4096, "first_block": first,
                            "nr_blocks": count})
        # The guest evaluates _OST(device check, status 0) when its ACPI scan of the new DIMM is
        # complete, i.e. after add_memory() and (with memhp_default_state=online*) the onlining.
        seen = []

        def pred(ev):
            info = ev.get("data", {}).get("info", {})
            if ev.get("event") == "ACPI_DEVICE_OST" and info.get("device") == slot \
                    and info.get("source") == 1:
                seen.append({"source": 1, "status": info.get("status")})
                return True
            return False

        ev = qmp.wait_event(pred, self.cfg.add_timeout)
        if seen:
            rec["ost"] = seen
        if not self.vm.wait_blocks(rec["dimm_blocks"], True, self.cfg.add_timeout):
            rec.update(rc=-1, err="ETIMEDOUT", err_text="memory blocks did not appear")
        elif ev is None:
            rec["note"] = "no _OST for the insertion"
        elif seen[-1]["status"] != 0:
            rec.update(rc=-1, err="EIO", err_text="ACPI _OST status %#x" % seen[-1]["status"])

    def do_eject(self, rec, args, dimms):
        slot = args["slot"]
        qmp = self.vm.qmp
        qmp.events = [e for e in qmp.events if e.get("event") not in
                      ("DEVICE_DELETED", "ACPI_DEVICE_OST")]
        ok, res = qmp.cmd("device_del", id=slot)
        if not ok:
            rec.update(rc=-1, err="QMP", err_text=res)
            return
        seen = []

        def pred(ev):
            name = ev.get("event")
            data = ev.get("data", {})
            if name == "DEVICE_DELETED" and data.get("device") == slot:
                return True
            if name == "ACPI_DEVICE_OST" and data.get("info", {}).get("device") == slot:
                st, src = data["info"].get("status"), data["info"].get("source")
                if src == 1:       # _OST of the earlier insertion (device check), not ours
                    return False
                seen.append({"source": src, "status": st})
                return st not in (0x84, 0)   # 0x84: eject in progress; 0: success
            return False

        ev = qmp.wait_event(pred, self.cfg.eject_timeout)
        if seen:
            rec["ost"] = seen
        if ev is None:
            rec.update(rc=-1, err="ETIMEDOUT", err_text="no DEVICE_DELETED / ACPI_DEVICE_OST")
            return
        if ev["event"] == "ACPI_DEVICE_OST":
            st = ev["data"]["info"]["status"]
            rec.update(rc=-1, err="EBUSY" if st == 0x82 else "EIO",
                       err_text="ACPI _OST status %#x" % st)
            return
        ok, res = qmp.cmd("object-del", id="mem-" + slot)
        if not ok:
            rec["object_del_error"] = res
        info = dimms.pop(slot, None)
        if info:
            first, count = info["blocks"]
            if not self.vm.wait_blocks(list(range(first, first + count)), False, 10):
                rec["note"] = "memory blocks still present after DEVICE_DELETED"

    # ---- sequences
    def run_sequence(self, seq, steps):
        if self.vm is None or self.dirty or self.cfg.coldplug:  # cold-plugged DIMMs: every sequence from boot
            self.boot()
            self.dirty = False
            self.seq_in_boot = 0
        dimms = {slot: {"blocks": c["blocks"], "size_mb": c["size_mb"]} for slot, c in self.coldplugged.items()}
        out = []
        boot_no = len(self.boots) - 1
        for i, step in enumerate(steps):
            rec = self.run_step(seq, i, step, dimms)
            out.append(rec)
            self.log("  seq %d step %2d %-15s %-28s rc=%d %-6s %6.0f ms" % (
                seq, i, rec["op"], json.dumps(rec["args"], separators=(",", ":")), rec["rc"],
                rec["err"] or "", rec["ms"]))
        # cleanup: eject what is still plugged, so that the next sequence starts from boot state
        for slot in list(dimms):
            rec = self.run_step(seq, len(out), {"op": "dimm_eject", "args": {"slot": slot}},
                                dimms, cleanup=True)
            out.append(rec)
            self.log("  seq %d step %2d %-15s %-28s rc=%d %-6s %6.0f ms (cleanup)" % (
                seq, rec["step"], rec["op"], json.dumps(rec["args"], separators=(",", ":")), rec["rc"],
                rec["err"] or "", rec["ms"]))
        # cleanup: requested-size back to 0, one big block at a time (a refusal leaves the rest)
        for dev, v in self.vmem.items():
            while self.vmem_size(dev) > 0:
                rec = self.run_step(seq, len(out), {"op": "vmem_unplug", "args": {"id": dev}}, dimms, cleanup=True)
                out.append(rec)
                self.log("  seq %d step %2d %-15s %-28s rc=%d %-6s %6.0f ms (cleanup)" % (
                    seq, rec["step"], rec["op"], json.dumps(rec["args"], separators=(",", ":")), rec["rc"],
                    rec["err"] or "", rec["ms"]))
                if rec["rc"]:
                    break
        for rec in out:
            rec["boot"] = boot_no
            rec["seq_in_boot"] = self.seq_in_boot
        self.seq_in_boot += 1
        if dimms or any(self.vmem_size(d) for d in self.vmem) or not self.at_boot_state():
            self.dirty = True   # a refused eject (or leftovers): next sequence gets a new boot
        return out

    def run(self, sequences):
        self.dirty = True
        t0 = time.monotonic()
        try:
            for n, steps in enumerate(sequences):
                self.log("sequence %d (%d steps)" % (n, len(steps)))
                self.records += self.run_sequence(n, steps)
        finally:
            if self.vm:
                self.vm.stop()
                self.vm = None
        wall = time.monotonic() - t0
        self.header.update({
            "sequences": len(sequences),
            "steps": len(self.records),
            "boots": len(self.boots),
            "boot_seconds": self.boots,
            "wall_seconds": round(wall, 2),
            "op_ms_median": {op: round(sorted(v)[len(v) // 2], 1)
                             for op, v in sorted(self.op_ms.items())},
            "state_dump_ms_median": round(sorted(self.dump_ms)[len(self.dump_ms) // 2], 1)
            if self.dump_ms else None,
            "dimms_placed": self.placed,
        })
        if self.notes:
            self.header["notes"] = self.notes
        return wall

    def cleanup_workdir(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
def load_steps(path):
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data["sequences"]
    if data and isinstance(data[0], dict):
        data = [data]   # a single sequence
    for seq in data:
        for st in seq:
            if st.get("op") not in ALL_OPS:
                raise SystemExit("unknown op in %s: %r" % (path, st))
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--steps", help="JSON file: a list of steps, or a list of such lists, "
                                     "or {\"sequences\": [...]}")
    src.add_argument("--random", type=int, metavar="N", help="N random sequences")
    ap.add_argument("--length", type=int, default=20, help="steps per random sequence")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", required=True, help="recording (JSON Lines)")
    ap.add_argument("--kernel", default="6.1", choices=("6.1", "6.12"))
    ap.add_argument("--kernel-package", help="exact Debian package (default: newest of the line)")
    ap.add_argument("--bzimage", action="store_true", help="boot the bzImage, not the vmlinux")
    ap.add_argument("--kernel-image", help="boot this kernel (a bzImage, or a vmlinux with a PVH note) instead of "
                                           "Debian's; the initramfs is still built by setup.sh (hpcheck conformance "
                                           "--kernel-image checks the CONFIG_ options it needs)")
    ap.add_argument("--boot-ram-mb", type=int, default=1024)
    ap.add_argument("--numa", type=lambda t: [int(x) for x in t.split(",")], metavar="MB,MB,...",
                    help="NUMA nodes with this much boot RAM each (0: memoryless); sets --boot-ram-mb to the sum")
    ap.add_argument("--coldplug", type=parse_coldplug, action="append", default=[], metavar="SLOT:MB[:NODE]",
                    help="a pc-dimm present at boot (repeatable); every sequence then starts from a fresh boot")
    ap.add_argument("--virtio-mem", type=parse_virtio_mem, action="append", default=[], metavar="ID:MB:BLOCK_MB[:NODE]",
                    help="a virtio-mem-pci device with an MB region and block-size BLOCK_MB (repeatable); steps "
                         "vmem_plug / vmem_unplug {id} change its requested-size by one big block")
    ap.add_argument("--vmem-unplug-wait", type=float, default=5,
                    help="seconds to wait for an unplug before it counts as refused (-EBUSY)")
    ap.add_argument("--random-nodes", type=int, default=1,
                    help="random sequences: plug DIMMs on nodes 0..N-1 (args.node)")
    ap.add_argument("--memmap-on-memory", choices=("0", "1"), default="1")
    ap.add_argument("--online-policy", choices=("contig-zones", "auto-movable"))
    ap.add_argument("--default-state", help="memhp_default_state (default: offline)")
    ap.add_argument("--extra-cmdline", default="", help="appended to the kernel command line")
    ap.add_argument("--verbose-boot", action="store_true",
                    help="do not pass 'quiet' (the guest raises the console loglevel to 7 "
                         "after boot anyway)")
    ap.add_argument("--slots", type=int, default=8)
    ap.add_argument("--maxmem", default="32G")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--boot-timeout", type=float, default=180)
    ap.add_argument("--add-timeout", type=float, default=20)
    ap.add_argument("--eject-timeout", type=float, default=30)
    ap.add_argument("--no-klog", dest="klog", action="store_false",
                    help="do not store the kernel console lines of each step")
    ap.add_argument("--klog-lines", type=int, default=12)
    ap.add_argument("--print-steps", action="store_true",
                    help="only print the (random) sequences as JSON and exit")
    ap.add_argument("--keep-workdir", action="store_true",
                    help="keep the temporary directory with the console logs")
    ap.add_argument("-q", "--quiet", action="store_true")
    cfg = ap.parse_args()
    if cfg.numa:
        cfg.boot_ram_mb = sum(cfg.numa)

    if cfg.steps:
        sequences = load_steps(cfg.steps)
        source = {"steps_file": os.path.relpath(os.path.abspath(cfg.steps), HERE)}
    else:
        sequences = [random_sequence(cfg.seed, i, cfg.length, cfg.random_nodes) for i in range(cfg.random)]
        source = {"random": cfg.random, "length": cfg.length, "seed": cfg.seed}
        if cfg.random_nodes > 1:
            source["nodes"] = cfg.random_nodes
    if cfg.print_steps:
        json.dump(sequences, sys.stdout, indent=1)
        print()
        return 0

    cmdline = ["console=ttyS0", "panic=-1"] + ([] if cfg.verbose_boot else ["quiet"]) + [
               "memhp_default_state=%s" % (cfg.default_state or "offline"),
               "memory_hotplug.memmap_on_memory=%s" % cfg.memmap_on_memory]
    if cfg.online_policy:
        cmdline.append("memory_hotplug.online_policy=%s" % cfg.online_policy)
    if cfg.extra_cmdline:
        cmdline.append(cfg.extra_cmdline)
    cfg.cmdline = " ".join(cmdline)

    setup = [os.path.join(HERE, "setup.sh"), "--kernel", cfg.kernel] + \
        (["--virtio-mem"] if cfg.virtio_mem else []) + \
        (["--package", cfg.kernel_package] if cfg.kernel_package else []) + \
        (["--quiet"] if cfg.quiet else [])
    desc_path = subprocess.run(setup, check=True, stdout=subprocess.PIPE,
                               text=True).stdout.strip().splitlines()[-1]
    with open(desc_path) as f:
        kdesc = json.load(f)

    if cfg.kernel_image:
        # A kernel the user built: everything the harness needs must be built in (no modules
        # in the initramfs). An ELF vmlinux boots through its PVH note, anything else as bzImage.
        with open(cfg.kernel_image, "rb") as f:
            elf = f.read(4) == b"\x7fELF"
        kdesc = dict(kdesc, kernel=cfg.kernel_image, bzimage=cfg.kernel_image,
                     package="user-built " + os.path.abspath(cfg.kernel_image), boot="pvh" if elf else "bzimage")
    rec = Recorder(cfg, kdesc)
    rec.tracked_boot = {int(s["args"]["block"]) for seq in sequences for s in seq if "block" in s.get("args", {})}
    try:
        wall = rec.run(sequences)
    except Exception:
        print("workdir kept for inspection: %s" % rec.workdir, file=sys.stderr)
        raise
    rec.header["source"] = source
    tmp = cfg.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(rec.header, separators=(",", ":")) + "\n")
        for r in rec.records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    os.replace(tmp, cfg.output)
    if cfg.keep_workdir:
        print("workdir (console logs): %s" % rec.workdir, file=sys.stderr)
    else:
        rec.cleanup_workdir()
    n = len(rec.records)
    print("%s: %d steps, %d sequences, %d boots (%s s), wall %.1f s, median ms per op %s" % (
        cfg.output, n, len(sequences), len(rec.boots), rec.boots, wall,
        json.dumps(rec.header["op_ms_median"])), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
