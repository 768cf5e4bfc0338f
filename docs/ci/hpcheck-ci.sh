#!/bin/sh
# hpcheck in CI, plain shell (any runner with Debian/Ubuntu packages): build hpcheck, run
# the suite with machine-readable outputs, and, for a patch that changes the hotplug code,
# compare its variant with the parent. Copy into a kernel tree as scripts/hpcheck-ci.sh.
#
#   HPCHECK_REPO   where to clone hpcheck from (default: this repository's URL)
#   HPCHECK_VARIANT the variant that models the patch (optional: suite --variant)
#   OUT            where the reports go (default: hpcheck-reports)
set -eu
OUT=${OUT:-hpcheck-reports}
mkdir -p "$OUT"
if ! command -v hpcheck >/dev/null 2>&1; then
  sudo apt-get install -y --no-install-recommends g++ cmake ninja-build libfmt-dev libcli11-dev \
    libtomlplusplus-dev nlohmann-json3-dev doctest-dev libboost-graph-dev libz3-dev
  [ -d hpcheck ] || git clone --depth 1 "${HPCHECK_REPO:?set HPCHECK_REPO}" hpcheck
  cmake -S hpcheck -B hpcheck/build -G Ninja -DCMAKE_BUILD_TYPE=Release
  ninja -C hpcheck/build hpcheck
  cmake --install hpcheck/build --prefix "$PWD/hpcheck-install"
  PATH="$PWD/hpcheck-install/bin:$PATH"
fi
# Every scenario; vacuous scenarios fail (--strict). Exit 0 all as expected, 1 a verdict differs,
# 2 bad scenario, 3 a limit was hit.
status=0
hpcheck suite --strict --json "$OUT/suite.json" --junit "$OUT/suite.xml" --sarif "$OUT/suite.sarif" || status=$?
if [ -n "${HPCHECK_VARIANT:-}" ]; then
  # Only the scenarios whose verdict or behaviour the patch changes, with the shortest trace each.
  hpcheck suite --variant "$HPCHECK_VARIANT" > "$OUT/variant-vs-parent.txt" || status=$?
fi
exit "$status"
