#!/usr/bin/env bash
# Installs / prepares everything conformance/record.py needs to drive a real Debian kernel
# under QEMU (TCG):
#   - Debian packages qemu-system-x86, busybox-static, cpio (apt-get install if missing)
#   - the newest linux-image-<line>-amd64-unsigned package of the chosen kernel line, fetched with
#     `apt-get download` and unpacked with `dpkg -x` into conformance/.cache/kernels/<package>/
#   - the uncompressed vmlinux extracted from the bzImage's XZ payload (booted through QEMU's PVH
#     entry: ~2 s instead of ~4.5 s); if that fails, record.py falls back to the bzImage
#   - a busybox initramfs (conformance/.cache/initrd.cpio.gz) built from conformance/guest/init
#   - with --virtio-mem: the virtio modules that kernel builds as =m (6.1: virtio_ring, virtio,
#     virtio_pci_legacy_dev, virtio_pci_modern_dev, virtio_pci, virtio_mem; 6.12: virtio_mem),
#     kept in .cache/kernels/<package>/modules/ (the package is fetched again if it was unpacked
#     before), and a second initramfs .cache/initrd-virtio-<release>.cpio.gz that carries them
#     with /etc/modules.order (guest/init insmods them before it answers); the descriptor
#     then names it as "initrd_virtio"
# Idempotent; when everything is present it only runs one apt-cache search (< 1 s).
#
# Usage: conformance/setup.sh [--kernel 6.1|6.12] [--package NAME] [--virtio-mem] [--quiet]
# Prints (last line) the path of the JSON descriptor .cache/kernel-<line>.json that record.py reads.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
line="6.1"
pkg=""
quiet=0
virtio=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) line="$2"; shift 2 ;;
    --kernel=*) line="${1#*=}"; shift ;;
    --package) pkg="$2"; shift 2 ;;
    --package=*) pkg="${1#*=}"; shift ;;
    --quiet|-q) quiet=1; shift ;;
    --virtio-mem) virtio=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { [ "$quiet" = 1 ] || echo "setup.sh: $*" >&2; }

case "$line" in
  6.1)  pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
  6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
  *) echo "setup.sh: --kernel must be 6.1 or 6.12" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >&2
    apt_updated=1
  fi
}
# Package lists empty (fresh machine)? Then update first.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt_update_once; fi

# 1. host tools
need=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep 'ok installed' >/dev/null; }
for p in qemu-system-x86 busybox-static cpio; do installed "$p" || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; then
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
fi

# 2. kernel package
mkdir -p "$cache/kernels" "$cache/debs"
if [ -z "$pkg" ]; then
  pkg="$(apt-cache search --names-only "$pattern" 2>/dev/null | awk '{print $1}' | sort -V | tail -n1 || true)"
  if [ -z "$pkg" ]; then
    apt_update_once
    pkg="$(apt-cache search --names-only "$pattern" | awk '{print $1}' | sort -V | tail -n1 || true)"
  fi
  if [ -z "$pkg" ]; then
    # offline fallback: the newest already unpacked package of this line
    pkg="$(ls "$cache/kernels" 2>/dev/null | grep -E "${pattern%\$}" | sort -V | tail -n1 || true)"
  fi
  [ -n "$pkg" ] || { echo "setup.sh: no package matches $pattern" >&2; exit 1; }
fi
kdir="$cache/kernels/$pkg"

# The virtio modules a virtio-mem guest needs, in load order (modinfo depends), uncompressed
# (Debian 6.12 ships .ko.xz; busybox insmod takes plain .ko), from an unpacked package root.
keep_virtio_modules() {
  local d="$1" m f
  rm -rf "$d/modules"; mkdir -p "$d/modules"
  : > "$d/modules/order"
  for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mem; do
    f="$(find "$d/root/lib/modules" -path "*/drivers/virtio/$m.ko*" | head -n1)"
    [ -n "$f" ] || continue   # built in (=y) in this kernel
    case "$f" in
      *.ko.xz) xz -dc "$f" > "$d/modules/$m.ko" ;;
      *.ko.zst) zstd -dcq "$f" > "$d/modules/$m.ko" ;;
      *) cp "$f" "$d/modules/$m.ko" ;;
    esac
    echo "$m" >> "$d/modules/order"
  done
}
if [ ! -f "$kdir/.unpacked" ]; then
  deb="$(ls "$cache/debs/${pkg}"_*.deb 2>/dev/null | head -n1 || true)"
  if [ -z "$deb" ]; then
    log "apt-get download $pkg"
    (cd "$cache/debs" && apt-get download -q "$pkg" >&2) || {
      apt_update_once; (cd "$cache/debs" && apt-get download -q "$pkg" >&2); }
    deb="$(ls "$cache/debs/${pkg}"_*.deb | head -n1)"
  fi
  log "dpkg -x $(basename "$deb")"
  rm -rf "$kdir.tmp"; mkdir -p "$kdir.tmp"
  dpkg -x "$deb" "$kdir.tmp/root"
  vmlinuz="$(ls "$kdir.tmp"/root/boot/vmlinuz-* | head -n1)"
  cp "$vmlinuz" "$kdir.tmp/vmlinuz"
  cp "$(ls "$kdir.tmp"/root/boot/config-* | head -n1)" "$kdir.tmp/config"
  basename "$vmlinuz" | sed 's/^vmlinuz-//' > "$kdir.tmp/release"
  keep_virtio_modules "$kdir.tmp"
  # keep only what is needed (the modules tree is ~400 MB); the .deb stays in .cache/debs
  rm -rf "$kdir.tmp/root"
  rm -rf "$kdir"; mv "$kdir.tmp" "$kdir"
  rm -f "$cache/debs/${pkg}"_*.deb   # the unpacked files are all we need
  touch "$kdir/.unpacked"
fi

# 3. uncompressed vmlinux for QEMU's PVH entry (optional)
if [ ! -f "$kdir/vmlinux" ] && [ ! -f "$kdir/.no-vmlinux" ]; then
  log "extracting vmlinux from the bzImage"
  if ! command -v zstd >/dev/null 2>&1 && ! installed zstd; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends zstd >&2 || true
  fi
  if python3 - "$kdir/vmlinuz" "$kdir/vmlinux.tmp" <<'EOF'
import lzma, struct, sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
if b[0x202:0x206] != b'HdrS':
    sys.exit('not a bzImage')
version = struct.unpack_from('<H', b, 0x206)[0]
if version < 0x208:
    sys.exit('boot protocol %#x has no payload fields' % version)
setup_sects = b[0x1f1] or 4
poff, plen = struct.unpack_from('<II', b, 0x248)
start = (setup_sects + 1) * 512 + poff
payload = b[start:start + plen]
if payload.startswith(b'\xfd7zXZ\x00'):            # 6.1: XZ
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    out = d.decompress(payload)
    if not d.eof:
        sys.exit('truncated XZ stream')
elif payload.startswith(b'\x28\xb5\x2f\xfd'):       # 6.12: zstd (needs the zstd CLI)
    import subprocess
    # the payload ends with the 4-byte uncompressed size appended by the kernel build
    r = subprocess.run(['zstd', '-dcq'], input=payload[:-4], stdout=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit('zstd failed')
    out = r.stdout
else:
    sys.exit('payload is neither XZ nor zstd (magic %r)' % payload[:6])
if not out.startswith(b'\x7fELF'):
    sys.exit('payload is not an ELF image')
# QEMU boots an uncompressed ELF kernel only through the PVH entry note
# (name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY = 18) in a PT_NOTE segment
if out[4] != 2 or out[5] != 1:
    sys.exit('vmlinux is not ELF64 little-endian')
phoff, = struct.unpack_from('<Q', out, 0x20)
phentsize, phnum = struct.unpack_from('<HH', out, 0x36)
pvh = False
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', out, phoff + i * phentsize)
    if p_type != 4:  # PT_NOTE
        continue
    off, end = p_offset, p_offset + p_filesz
    while off + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from('<III', out, off)
        name = out[off + 12:off + 12 + namesz].rstrip(b'\0')
        if name == b'Xen' and ntype == 18:
            pvh = True
        off += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
if not pvh:
    sys.exit('vmlinux has no PVH entry note')
open(dst, 'wb').write(out)
EOF
  then mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"
  else
    log "vmlinux extraction failed; record.py will boot the bzImage"
    rm -f "$kdir/vmlinux.tmp"; touch "$kdir/.no-vmlinux"
  fi
fi

# 4. initramfs (rebuilt when guest/init changes)
initrd="$cache/initrd.cpio.gz"
if [ ! -f "$initrd" ] || [ "$here/guest/init" -nt "$initrd" ] || [ "$0" -nt "$initrd" ]; then
  log "building initramfs"
  t="$(mktemp -d)"
  mkdir -p "$t"/{bin,sbin,proc,sys,dev,tmp,etc}
  cp /bin/busybox "$t/bin/busybox"
  for a in sh mount stty cat awk ls echo sleep usleep uname grep head sed poweroff tr insmod; do
    ln -s busybox "$t/bin/$a"
  done
  cp "$here/guest/init" "$t/init"; chmod 755 "$t/init"
  (cd "$t" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  rm -rf "$t"
fi

# 5. virtio-mem: the kernel's virtio modules in a second initramfs
initrd_virtio=""
if [ "$virtio" = 1 ]; then
  if [ ! -f "$kdir/modules/order" ]; then   # unpacked before modules were kept: fetch the package again
    t="$(mktemp -d)"
    log "apt-get download $pkg (virtio modules)"
    (cd "$t" && apt-get download -q "$pkg" >&2) || { apt_update_once; (cd "$t" && apt-get download -q "$pkg" >&2); }
    mkdir -p "$t/x"
    dpkg -x "$(ls "$t/${pkg}"_*.deb | head -n1)" "$t/x/root"
    keep_virtio_modules "$t/x"
    rm -rf "$kdir/modules"; mv "$t/x/modules" "$kdir/modules"
    rm -rf "$t"
  fi
  initrd_virtio="$cache/initrd-virtio-$(cat "$kdir/release").cpio.gz"
  if [ ! -f "$initrd_virtio" ] || [ "$initrd" -nt "$initrd_virtio" ] || [ "$kdir/modules/order" -nt "$initrd_virtio" ]; then
    log "building the virtio-mem initramfs"
    t="$(mktemp -d)"
    (cd "$t" && gzip -dc "$initrd" | cpio -id --quiet)
    mkdir -p "$t/lib/modules" "$t/etc"
    cp "$kdir"/modules/*.ko "$t/lib/modules/" 2>/dev/null || true
    cp "$kdir/modules/order" "$t/etc/modules.order"
    (cd "$t" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$initrd_virtio.tmp"
    mv "$initrd_virtio.tmp" "$initrd_virtio"
    rm -rf "$t"
  fi
fi

if [ -f "$kdir/vmlinux" ]; then kernel="$kdir/vmlinux"; boot="pvh"; else kernel="$kdir/vmlinuz"; boot="bzimage"; fi
desc="$cache/kernel-$line.json"
cat > "$desc.tmp" <<EOF
{"line": "$line", "package": "$pkg", "release": "$(cat "$kdir/release")",
 "kernel": "$kernel", "bzimage": "$kdir/vmlinuz", "boot": "$boot", "initrd": "$initrd",
 "initrd_virtio": "$initrd_virtio"}
EOF
mv "$desc.tmp" "$desc"
log "ready: $pkg ($boot)"
echo "$desc"
