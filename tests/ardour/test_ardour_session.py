#!/usr/bin/env python3
"""Cans (VST3) in a real Ardour session, headless: the `cargo xtask test` step "Ardour session".

    .venv/bin/python tests/ardour/test_ardour_session.py [path/to/Cans.vst3]

Needs Debian's `ardour` (7.3: /usr/lib/ardour7) and numpy (the repo's .venv). Steps, each in
its own `luasession` process (see session.lua):

1. A private HOME with Cans.vst3 in ~/.vst3, scanned by Ardour's own scanner (luasession
   only reads the scan cache).
2. `create`: a 48 kHz session with a stereo track and Cans on the master bus; the test file
   (stereo pink noise, sines, left-only noise bursts) is put on the track the way an import
   does (channel files in the session's audiofiles folder, Sources + Regions + playlist
   entry in the session XML). Checks every parameter as Ardour shows it.
3. `first`: exports with Bounce-Safe on (the first render after loading: must equal the
   input file bit for bit), off (voiced: differs, and the crossfeed puts the left-only bursts
   on the right), on again (bit-exact again); then automation of A Model and A/B on the lanes
   Ardour creates (discrete for list parameters), exported; each change must land within one
   Ardour cycle of its point, with no sample step above the signal's own. Saved.
4. `reopen`, REOPEN_RUNS times, each a new process: the automated export must be identical,
   bit for bit, to the one of step 3, and a Bounce-Safe export equal to the input.

All references are the input file (and, for the reopen check, the first process's export).
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LUA = HERE / "session.lua"
EXPORT_FORMATS = HERE / "export"

RATE = 48_000
SECONDS = 10
FRAMES = RATE * SECONDS
# Ardour's cycle on the Dummy backend (checked against what the session reports).
CYCLE = 1024
# Cans's structural crossfade (src/dsp/engine.rs: 30 ms).
FADE = int(0.030 * RATE)
# Automation points (samples), none on a cycle boundary: A Model Neutral -> Closed-back ->
# Neutral, then A/B A -> B (Open-back) -> A. All inside the sine section.
POINTS = {
    "A Model on": 120_000,  # 2.5 s
    "A Model off": 192_000,  # 4.0 s
    "A/B on": 264_000,  # 5.5 s
    "A/B off": 336_000,  # 7.0 s
}
REOPEN_RUNS = int(os.environ.get("CANS_ARDOUR_REOPEN_RUNS", "4"))
STEP_TIMEOUT = 180

# Every parameter Ardour must show: label -> (kind, choices). Choice labels are the
# plug-in's value texts (README "Parameters").
MODELS = [
    "Neutral",
    "Open-back",
    "Closed-back",
    "Sony MDR-7506",
    "KRK KNS 8400",
    "Austrian Audio Hi-X55 (for Hi-X50)",
    "beyerdynamic DT 1990 Pro",
    "AKG K702",
]
CROSSFEEDS = ["Off", "Default 700 Hz/4.5 dB", "Chu Moy 700 Hz/6 dB", "Jan Meier 650 Hz/9.5 dB", "Custom"]
PHONES = [
    "Generic",
    "Sony MDR-7506",
    "KRK KNS 8400",
    "Austrian Audio Hi-X55 (for Hi-X50)",
    "beyerdynamic DT 1990 Pro",
    "AKG K702",
    "Loaded Measurement",
]
EXPECTED_PARAMS = {
    "A Model": ("list", MODELS),
    "B Model": ("list", MODELS),
    "A Crossfeed": ("list", CROSSFEEDS),
    "B Crossfeed": ("list", CROSSFEEDS),
    "A/B": ("list", ["A", "B"]),
    "Your Headphones": ("list", PHONES),
    "Monitor": ("list", ["Stereo", "Mono", "Side", "Swap L/R"]),
    "A Crossfeed Cutoff": ("continuous", None),
    "B Crossfeed Cutoff": ("continuous", None),
    "A Crossfeed Feed": ("continuous", None),
    "B Crossfeed Feed": ("continuous", None),
    "A ITD": ("continuous", None),
    "B ITD": ("continuous", None),
    "A Width": ("continuous", None),
    "B Width": ("continuous", None),
    "Output": ("continuous", None),
    "A Mono-Flat Crossfeed": ("toggle", None),
    "B Mono-Flat Crossfeed": ("toggle", None),
    "Level Match": ("toggle", None),
    "Bypass": ("toggle", None),
    "Bounce-Safe": ("toggle", None),
    "A Speakers": ("toggle", None),
    "B Speakers": ("toggle", None),
    "A Speaker Angle": ("integer", None),
    "B Speaker Angle": ("integer", None),
    "A Room": ("continuous", None),
    "B Room": ("continuous", None),
}


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)
    print(f"ok: {msg}")


# --- WAV (32-bit float) -----------------------------------------------------------------


def write_wav_f32(path, samples):
    """Mono or multichannel float32 WAV (WAVE_FORMAT_IEEE_FLOAT)."""
    data = np.ascontiguousarray(samples, dtype="<f4")
    channels = 1 if data.ndim == 1 else data.shape[1]
    payload = data.tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, RATE, RATE * 4 * channels, 4 * channels, 32)
    fact = struct.pack("<I", len(data) if data.ndim == 1 else data.shape[0])
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"fact" + struct.pack("<I", 4) + fact
    body += b"data" + struct.pack("<I", len(payload)) + payload
    Path(path).write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def read_wav_f32(path):
    """A float32 WAV (plain or WAVE_FORMAT_EXTENSIBLE) as a (frames, channels) array."""
    path = Path(path)
    if path.is_dir():
        # An export folder: exactly one file in it.
        found = sorted(path.glob("*.wav"))
        if len(found) != 1:
            raise Failure(f"{path}: expected one exported WAV, found {[p.name for p in found]}")
        path = found[0]
    raw = path.read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise Failure(f"{path}: not a WAV file")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos : pos + 4], struct.unpack("<I", raw[pos + 4 : pos + 8])[0]
        chunk = raw[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = chunk
        elif cid == b"data":
            data = chunk
        pos += 8 + size + (size & 1)
    tag, channels, rate = struct.unpack("<HHI", fmt[:8])
    bits = struct.unpack("<H", fmt[14:16])[0]
    if tag == 0xFFFE:
        tag = struct.unpack("<H", fmt[24:26])[0]
    if tag != 3 or bits != 32:
        raise Failure(f"{path}: not 32-bit float (format {tag}, {bits} bits)")
    if rate != RATE:
        raise Failure(f"{path}: {rate} Hz, expected {RATE}")
    return np.frombuffer(data, dtype="<f4").reshape(-1, channels).copy()


# --- the test signal ----------------------------------------------------------------------


def pink(n, rng):
    """Pink noise (1/f power) by spectral shaping of white noise, peak 0.5."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=float)
    f[0] = 1.0
    x = np.fft.irfft(spectrum / np.sqrt(f), n)
    return 0.5 * x / np.max(np.abs(x))


def test_signal():
    """0-1.5 s stereo pink noise (independent sides), 1.5-9 s sines (440 Hz left, 1 kHz
    right), 9-10 s left-only noise bursts (50 ms on/off; right exactly silent)."""
    rng = np.random.default_rng(20261202)
    x = np.zeros((FRAMES, 2))
    a, b = int(1.5 * RATE), 9 * RATE
    x[:a, 0] = pink(a, rng)
    x[:a, 1] = pink(a, rng)
    t = np.arange(a, b) / RATE
    x[a:b, 0] = 0.4 * np.sin(2 * np.pi * 440.0 * t)
    x[a:b, 1] = 0.25 * np.sin(2 * np.pi * 1000.0 * t)
    burst = pink(FRAMES - b, rng)
    gate = (np.arange(FRAMES - b) // int(0.05 * RATE)) % 2 == 0
    x[b:, 0] = burst * gate
    return x.astype(np.float32)


# --- Ardour --------------------------------------------------------------------------------


class Ardour:
    def __init__(self, bundle, work):
        self.lib = Path(os.environ.get("ARDOUR_LIB", "/usr/lib/ardour7"))
        self.luasession = self.lib / "luasession"
        if not self.luasession.exists():
            raise Failure(f"{self.luasession} not found (apt-get install ardour)")
        self.work = work
        self.home = work / "home"
        (self.home / ".vst3").mkdir(parents=True)
        shutil.copytree(bundle, self.home / ".vst3" / "Cans.vst3")
        suffix = self.lib.name.removeprefix("ardour")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # A private HOME: fresh ~/.vst3, scan cache and Ardour configuration.
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "LD_LIBRARY_PATH": str(self.lib),
            "ARDOUR_DATA_PATH": f"/usr/share/ardour{suffix}",
            "ARDOUR_CONFIG_PATH": f"/etc/ardour{suffix}",
            "ARDOUR_DLL_PATH": str(self.lib),
            # Ardour 7.3's AVX-512 mixing routines corrupt the heap (fixed in 8.10): use the
            # AVX/FMA ones (NOTES: 10 of 10 clean runs).
            "ARDOUR_FPU_FLAGS": "95",
            "ARDOUR_EXPORT_FORMATS_PATH": str(EXPORT_FORMATS),
            "NICE_LOG": str(work / "cans.log"),
        }

    def scan(self):
        scanner = self.lib / "ardour-vst3-scanner"
        out = subprocess.run(
            [str(scanner), "-f", str(self.home / ".vst3" / "Cans.vst3")],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        check(out.returncode == 0, f"Ardour's VST3 scanner indexed the bundle (exit {out.returncode})")

    def run(self, step, *args):
        """Run one luasession step; returns its "@" facts as lists of fields."""
        cmd = [str(self.luasession), str(LUA), step, *map(str, args)]
        start = time.monotonic()
        out = subprocess.run(
            cmd, env=self.env, capture_output=True, text=True, timeout=STEP_TIMEOUT
        )
        elapsed = time.monotonic() - start
        facts = [line[1:].split("\t") for line in out.stdout.splitlines() if line.startswith("@")]
        failed = [f for f in facts if f[0] == "FAIL"]
        closed = any(f[0] == "closed" for f in facts)
        if out.returncode != 0 or failed or not closed:
            tail = "\n".join((out.stdout + out.stderr).splitlines()[-40:])
            raise Failure(
                f"luasession {step}: exit {out.returncode}, {failed or 'no clean close'}\n{tail}"
            )
        print(f"luasession {step}: {elapsed:.1f} s")
        return facts


def add_file_to_track(session_dir, name, signal):
    """What Ardour's import does, by hand (the import call is GUI-only): one mono file per
    channel in the session's audiofiles folder, a Source per file, a whole-file Region and
    a Region on the track's playlist."""
    xml_path = session_dir / f"{name}.ardour"
    tree = ET.parse(xml_path)
    root = tree.getroot()
    interchange = [d for d in (session_dir / "interchange").iterdir() if d.is_dir()]
    audio_dir = interchange[0] / "audiofiles"
    audio_dir.mkdir(parents=True, exist_ok=True)
    counter = int(root.get("id-counter"))
    ids = list(range(counter + 1, counter + 5))
    root.set("id-counter", str(counter + 10))
    src_l, src_r, whole, used = ids
    sources = root.find("Sources")
    for src_id, ch, suffix in ((src_l, 0, "L"), (src_r, 1, "R")):
        file = f"input-{suffix}.wav"
        write_wav_f32(audio_dir / file, signal[:, ch])
        ET.SubElement(
            sources,
            "Source",
            {
                "name": file,
                "type": "audio",
                "flags": "",
                "id": str(src_id),
                "captured-for": "",
                "take-id": "",
                "origin": "",
                "gain": "1",
                "channel": "0",
            },
        )

    def region(region_id, whole_file):
        return {
            "name": "input" if whole_file else "input.1",
            "muted": "0",
            "opaque": "1",
            "locked": "0",
            "video-locked": "0",
            "automatic": "0",
            "whole-file": "1" if whole_file else "0",
            "import": "0",
            "external": "0",
            "sync-marked": "0",
            "left-of-split": "0",
            "right-of-split": "0",
            "hidden": "0",
            "position-locked": "0",
            "valid-transients": "0",
            # Plain numbers are read as samples (Temporal's legacy position format).
            "start": "0",
            "length": str(len(signal)),
            "position": "0",
            "sync-position": "0",
            "ancestral-start": "0",
            "ancestral-length": "0",
            "stretch": "1",
            "shift": "1",
            "layering-index": "0",
            "envelope-active": "0",
            "default-fade-in": "0",
            "default-fade-out": "0",
            "fade-in-active": "0",
            "fade-out-active": "0",
            "scale-amplitude": "1",
            "id": str(region_id),
            "type": "audio",
            "first-edit": "nothing",
            "source-0": str(src_l),
            "source-1": str(src_r),
            "master-source-0": str(src_l),
            "master-source-1": str(src_r),
            "channels": "2",
        }

    ET.SubElement(root.find("Regions"), "Region", region(whole, True))
    playlist = next(p for p in root.find("Playlists") if p.get("name") == "In")
    ET.SubElement(playlist, "Region", region(used, False))
    tree.write(xml_path, encoding="UTF-8", xml_declaration=True)


# --- analysis ------------------------------------------------------------------------------


def first_difference(out, ref, start, stop):
    d = np.nonzero(np.any(out[start:stop] != ref[start:stop], axis=1))[0]
    return None if len(d) == 0 else start + int(d[0])


def last_difference(out, ref, start, stop):
    d = np.nonzero(np.any(out[start:stop] != ref[start:stop], axis=1))[0]
    return None if len(d) == 0 else start + int(d[-1])


def max_step(x, start, stop):
    return float(np.max(np.abs(np.diff(x[start:stop], axis=0))))


def check_params(facts):
    """Names, ranges and kinds as Ardour 7.3 shows them. Its VST3 host gives no parameter
    scale points, and Ardour drops `enumeration` without them, so a list (kIsList) shows as an
    integer-step control 0..N-1 whose value text comes from the plug-in (checked by
    tests/host_vst3.rs); if a newer Ardour reports the list, its labels must be the choices."""
    params = {f[1]: f for f in facts if f[0] == "param"}
    check(set(params) == set(EXPECTED_PARAMS), f"Ardour shows the {len(EXPECTED_PARAMS)} parameters by name")
    for label, (kind, choices) in EXPECTED_PARAMS.items():
        _, _, _n, lower, upper, toggled, integer_step, enumeration, value, _interp, points = params[label]
        if kind == "list" and len(choices) == 2:
            check(toggled == "true", f"{label}: a two-choice list, shown as a toggle (value {value})")
        elif kind == "list":
            check(
                integer_step == "true" and float(lower) == 0 and float(upper) == len(choices) - 1,
                f"{label}: {len(choices)} steps {lower}..{upper} (enumeration {enumeration}, value {value})",
            )
            if enumeration == "true":
                got = sorted(p.split("=")[0] for p in points.split("|"))
                check(got == sorted(choices), f"{label}: Ardour lists the choices {points}")
        elif kind == "toggle":
            check(toggled == "true", f"{label}: a toggle (value {value})")
        elif kind == "integer":
            check(
                integer_step == "true" and toggled == "false",
                f"{label}: whole steps {lower}..{upper} (value {value})",
            )
        else:
            check(
                enumeration == "false" and toggled == "false" and integer_step == "false",
                f"{label}: continuous {lower}..{upper} (value {value})",
            )
    return params


def analyse_first(work, signal, facts):
    exports = work / "export"
    safe_first = read_wav_f32(exports / "safe-first")
    voiced = read_wav_f32(exports / "voiced")
    safe_again = read_wav_f32(exports / "safe-again")
    automated = read_wav_f32(exports / "automated")
    for wav in (safe_first, voiced, safe_again, automated):
        check(wav.shape == signal.shape, f"an export has {wav.shape[0]} frames x {wav.shape[1]} channels")
    check(np.array_equal(safe_first, signal), "Bounce-Safe on, first export after loading: == input, bit for bit")
    diff = float(np.max(np.abs(voiced - signal)))
    check(diff > 0.01, f"Bounce-Safe off: voiced (max |out - in| {diff:.4f})")
    bursts = slice(9 * RATE, FRAMES)
    right_db = 20 * np.log10(np.sqrt(np.mean(voiced[bursts, 1].astype(float) ** 2)) + 1e-30)
    left_db = 20 * np.log10(np.sqrt(np.mean(signal[bursts, 0].astype(float) ** 2)))
    check(
        right_db - left_db > -20,
        f"Bounce-Safe off: the crossfeed puts the left-only bursts on the right "
        f"({right_db - left_db:+.1f} dB re the left input; the input's right is silent)",
    )
    check(np.array_equal(safe_again, signal), "Bounce-Safe on again, after a voiced export: == input, bit for bit")

    lanes = {f[1]: f for f in facts if f[0] == "lane"}
    for label in ("A Model", "A/B"):
        print(f"Ardour's own lane for {label}: discrete {lanes[label][2]}, beat time {lanes[label][3]} (set to discrete)")

    # Automation: before the first point slot A is Neutral (the identity).
    first = POINTS["A Model on"]
    exact = np.array_equal(automated[: first - CYCLE], signal[: first - CYCLE])
    check(exact, "automated export before the first point (A Neutral) == input, bit for bit")
    landings = {}
    order = list(POINTS.items())
    for i, (label, point) in enumerate(order):
        nxt = order[i + 1][1] if i + 1 < len(order) else 9 * RATE
        if label.endswith(" on"):
            # The voicing starts: the first sample that differs from the input.
            idx = first_difference(automated, signal, point - 2 * CYCLE, nxt)
            offset = None if idx is None else idx - point
        else:
            # Back to the identity: the last differing sample ends the crossfade.
            idx = last_difference(automated, signal, point - 2 * CYCLE, nxt)
            offset = None if idx is None else idx + 1 - FADE - point
        landings[label] = offset
        check(
            offset is not None and -CYCLE < offset < CYCLE,
            f"{label} (point at {point} = {point / RATE:.3f} s) lands {offset} samples from the point",
        )
        # No click: the largest step between samples around the change stays within that of
        # the steady output on either side of it (the louder chain, as the DSP tests do).
        around = max_step(automated, point - CYCLE, point + CYCLE + FADE + 2 * CYCLE)
        steady = max(
            max_step(automated, point - int(0.3 * RATE), point - 2 * CYCLE),
            max_step(automated, point + FADE + 3 * CYCLE, point + int(0.4 * RATE)),
        )
        own = max_step(signal, point - CYCLE, point + CYCLE + FADE + 2 * CYCLE)
        check(
            around <= steady * 1.001,
            f"{label}: max step {around:.5f} around the change, steady output {steady:.5f} "
            f"(ratio {around / steady:.4f}; the input's own {own:.5f})",
        )
    return automated, landings


def main():
    bundle = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "target/bundled/Cans.vst3").resolve()
    if not bundle.is_dir():
        raise Failure(f"bundle {bundle} not found (cargo xtask bundle cans)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cans-ardour-") as tmp:
        work = Path(tmp)
        ardour = Ardour(bundle, work)
        ardour.scan()
        signal = test_signal()
        session_dir, name = work / "session", "cans"
        exports = work / "export"
        for label in ("safe-first", "voiced", "safe-again", "automated", "reopened", "reopened-safe"):
            (exports / label).mkdir(parents=True)

        facts = ardour.run("create", session_dir, name, exports, FRAMES)
        rate = next(f for f in facts if f[0] == "rate")
        check(rate[1:] == [str(RATE), str(CYCLE)], f"session at {rate[1]} Hz, {rate[2]}-sample cycles")
        check_params(facts)
        add_file_to_track(session_dir, name, signal)

        facts = ardour.run("first", session_dir, name, exports, FRAMES, *POINTS.values())
        automated, landings = analyse_first(work, signal, facts)
        params = {f[1]: f for f in facts if f[0] == "param"}
        for label in ("A Model", "A/B"):
            print(f"after the automated export: {label} shown as {params[label][8]!r}")

        for run in range(1, REOPEN_RUNS + 1):
            for f in exports.glob("reopened*/*.wav"):
                f.unlink()
            ardour.run("reopen", session_dir, name, exports, FRAMES)
            again = read_wav_f32(exports / "reopened")
            if not np.array_equal(again, automated):
                d = np.nonzero(np.any(again != automated, axis=1))[0]
                raise Failure(
                    f"reopen {run}: the automated export differs from the first process's in "
                    f"{d[0] / RATE:.4f}-{d[-1] / RATE:.4f} s, max |diff| "
                    f"{float(np.max(np.abs(again - automated))):.3g}"
                )
            print(f"ok: reopen {run}/{REOPEN_RUNS} in a new process: automated export identical, bit for bit")
            safe = read_wav_f32(exports / "reopened-safe")
            check(np.array_equal(safe, signal), f"reopen {run}: Bounce-Safe export == input, bit for bit")
        log = work / "cans.log"
        if log.exists():
            warnings = [l for l in log.read_text(errors="replace").splitlines() if re.search(r"WARN|ERROR|panic", l)]
            for line in warnings[:10]:
                print(f"plug-in log: {line}")
    print(
        f"ardour session: all checks passed ({REOPEN_RUNS} reopen runs, landings "
        + ", ".join(f"{k} {v:+d}" for k, v in landings.items())
        + f" samples; {time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
