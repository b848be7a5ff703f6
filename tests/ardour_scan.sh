#!/bin/sh
# Scan the bundled Cans.vst3 with Ardour's own VST3 scanner (Debian package `ardour`), the
# same program Ardour runs before it shows a plug-in, and check what it reports: the Cans
# class id, 2 inputs / 2 outputs, no MIDI, category Fx.
#
# Usage: tests/ardour_scan.sh [path/to/Cans.vst3]   (default: target/bundled/Cans.vst3)
# Needs: apt-get install -y --no-install-recommends ardour   (Debian 12: ardour 7.3)
# The scanner exits 0 even when a module fails to load, so every fact is checked in its
# output, and this script exits non-zero on the first one missing.
set -eu

BUNDLE="${1:-target/bundled/Cans.vst3}"
ARDOUR_LIB="${ARDOUR_LIB:-/usr/lib/ardour7}"
SCANNER="$ARDOUR_LIB/ardour-vst3-scanner"

if [ ! -x "$SCANNER" ]; then
    echo "FAIL: $SCANNER not found (apt-get install ardour)" >&2
    exit 1
fi
if [ ! -d "$BUNDLE" ]; then
    echo "FAIL: bundle $BUNDLE not found (cargo xtask bundle cans)" >&2
    exit 1
fi

# Keep the scanner's cache file out of the user's ~/.cache.
CACHE_DIR="$(mktemp -d)"
OUT="$CACHE_DIR/scan.log"
trap 'rm -rf "$CACHE_DIR"' EXIT

status=0
XDG_CACHE_HOME="$CACHE_DIR" LD_LIBRARY_PATH="$ARDOUR_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$SCANNER" -f -v "$BUNDLE" >"$OUT" 2>&1 || status=$?
cat "$OUT"
if [ "$status" -ne 0 ]; then
    echo "FAIL: scanner exited with status $status" >&2
    exit 1
fi

failures=0
check() {
    # $1: description, $2: fixed string that must appear in the scanner output
    if grep -qF -- "$2" "$OUT"; then
        echo "ok: $1"
    else
        echo "FAIL: $1 (expected to find: $2)" >&2
        failures=$((failures + 1))
    fi
}
check_absent() {
    if grep -qF -- "$2" "$OUT"; then
        echo "FAIL: $1 (found: $2)" >&2
        failures=$((failures + 1))
    else
        echo "ok: $1"
    fi
}

check_absent "no scanner error" "[ERROR]"
check "factory vendor is Cans" "FactoryInfo: 'Cans'"
check "exactly one class" "Class count: 1"
check "class is an audio module named Cans" "Class: 0 'Cans' 'Audio Module Class'"
check "plug-in found" "Found Plugin: Cans"
# The class id is the 16 ASCII bytes "CansHeadphoneMon" in hex.
check "class id CansHeadphoneMon" 'uid="43616E734865616470686F6E654D6F6E"'
check "name Cans" 'name="Cans"'
check "vendor Cans" 'vendor="Cans"'
check "2 main inputs, 2 main outputs" 'n_inputs="2" n_outputs="2"'
check "no aux buses" 'n_aux_inputs="0" n_aux_outputs="0"'
check "no MIDI buses" 'n_midi_inputs="0" n_midi_outputs="0"'
# Ardour files the plug-in under the first subcategory; it must be an effect.
check "category Fx" 'category="Fx'

if [ "$failures" -ne 0 ]; then
    echo "ardour_scan: $failures check(s) failed" >&2
    exit 1
fi
echo "ardour_scan: all checks passed"
