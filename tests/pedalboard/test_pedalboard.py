#!/usr/bin/env python3
"""Cans through pedalboard (Spotify's Python wrapper around JUCE's VST3 host).

Usage (from a venv with `pip install pedalboard numpy`):

    python tests/pedalboard/test_pedalboard.py target/bundled/Cans.vst3
    python tests/pedalboard/test_pedalboard.py --write-fixture target/bundled/Cans.vst3
        (writes tests/fixtures/state_v1.pedalboard.bin; once per state version)

Prints every check; exits non-zero if any check fails. No pytest needed.

Host behaviour to know (see /work/shared/NOTES-hosts-and-framework.md): a parameter set
from Python reaches the VST3 processor only on the next process call, so the script
renders once after changing parameters and before saving the state.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pedalboard

SAMPLE_RATE = 48_000
BLOCK = 512
# One second of audio; the first SETTLE samples are skipped when measuring so the output
# gain smoother (50 ms, src/params.rs) and the engine's 30 ms crossfade (src/dsp/engine.rs)
# have finished.
LENGTH = SAMPLE_RATE
SETTLE = SAMPLE_RATE // 4
# Tolerances of the measured level checks, in dB.
LEVEL_TOL_DB = 0.1

failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


def rms_db(x):
    x = np.asarray(x, dtype=np.float64)
    return 10.0 * math.log10(float(np.mean(x * x)) + 1e-300)


def stereo_sine(length=LENGTH, sample_rate=SAMPLE_RATE):
    """440 Hz at 0.5 on the left, 1 kHz at 0.25 on the right (arbitrary mid-band tones)."""
    t = np.arange(length) / sample_rate
    return np.stack(
        [0.5 * np.sin(2 * np.pi * 440.0 * t), 0.25 * np.sin(2 * np.pi * 1000.0 * t)]
    ).astype(np.float32)


def left_only_200hz(length=LENGTH):
    """200 Hz on the left only: below the crossfeed cut-off (700 Hz), so it crosses over."""
    t = np.arange(length) / SAMPLE_RATE
    left = 0.5 * np.sin(2 * np.pi * 200.0 * t)
    return np.stack([left, np.zeros_like(left)]).astype(np.float32)


def render(plugin, audio, sample_rate=SAMPLE_RATE, reset=True):
    out = plugin.process(audio, sample_rate, buffer_size=BLOCK, reset=reset)
    check(out.shape == audio.shape, f"output shape {out.shape} == input shape {audio.shape}")
    check(bool(np.all(np.isfinite(out))), "output is finite")
    return out


def param_values(plugin):
    return {name: getattr(plugin, name) for name in plugin.parameters}


# The version-1 session as pedalboard (JUCE) stores it: `raw_state` of an instance with
# every parameter away from its default. Written once by `--write-fixture`; it must load
# forever after (add a new file per state version, never replace this one). The same
# settings as tests/fixtures/state_v1.clap and state_v1.vst3.json.
FIXTURE_V1 = Path(__file__).resolve().parents[1] / "fixtures" / "state_v1.pedalboard.bin"
V1_VALUES = {
    "a_model": "Sony MDR-7506",
    "a_crossfeed": "Custom",
    "a_crossfeed_cutoff_hz": 820.0,
    "a_crossfeed_feed_db": 6.3,
    "a_itd_ms": 0.41,
    "a_mono_flat_crossfeed": False,
    "a_width": 140.0,
    "b_model": "AKG K702",
    "b_crossfeed": "Jan Meier 650 Hz/9.5 dB",
    "b_crossfeed_cutoff_hz": 1100.0,
    "b_crossfeed_feed_db": 2.5,
    "b_itd_ms": 0.12,
    "b_mono_flat_crossfeed": False,
    "b_width": 35.0,
    "a_b": "B",
    "your_headphones": "beyerdynamic DT 1990 Pro",
    "level_match": False,
    "monitor": "Side",
    "output_db": -7.25,
    "bypass": True,
    "bounce_safe": False,
}


def same_value(got, want):
    """Exact for names and switches; within display precision (0.01) for numbers."""
    if isinstance(want, float) and not isinstance(want, bool):
        return isinstance(got, float) and abs(got - want) < 0.006
    return got == want


def write_fixture(bundle):
    plugin = pedalboard.load_plugin(bundle)
    for name, value in V1_VALUES.items():
        setattr(plugin, name, value)
    render(plugin, stereo_sine(BLOCK * 4))
    if FIXTURE_V1.exists():
        print(f"{FIXTURE_V1} exists: never replace a fixture")
        return 1
    FIXTURE_V1.write_bytes(plugin.raw_state)
    print(f"wrote {FIXTURE_V1} ({FIXTURE_V1.stat().st_size} bytes)")
    return 0


def check_sessions(bundle):
    """The version-1 session loads every value; damaged sessions never crash the plug-in."""
    state = FIXTURE_V1.read_bytes()
    plugin = pedalboard.load_plugin(bundle)
    plugin.raw_state = state
    for name, want in V1_VALUES.items():
        got = getattr(plugin, name)
        check(same_value(got, want), f"version-1 session: {name} = {got!r} (saved {want!r})")
    # Parameters added after version 1 load their default from a version-1 session.
    added_since_v1 = {
        "check": "Off",
        "a_speakers": "False",
        "a_speaker_angle": "30.0",
        "a_room": "30.0",
        "b_speakers": "False",
        "b_speaker_angle": "30.0",
        "b_room": "30.0",
    }
    for name, want in added_since_v1.items():
        got = getattr(plugin, name, None)
        check(str(got) == want, f"version-1 session: {name} = {got!r} (default {want!r})")
    check(
        set(plugin.parameters) == set(V1_VALUES) | set(added_since_v1),
        "the version-1 session covers every parameter (new parameter: add it to added_since_v1)",
    )
    # Truncated and bit-flipped sessions: pedalboard may refuse them (an exception), the
    # plug-in must survive and keep rendering finite audio either way.
    audio = stereo_sine(BLOCK * 4)
    damaged = [state[:n] for n in (0, 1, 8, 40, len(state) // 2, len(state) - 1)]
    x = 0x2545F4914F6CDD1D
    for _ in range(40):
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
        bad = bytearray(state)
        bit = x % (len(bad) * 8)
        bad[bit // 8] ^= 1 << (bit % 8)
        damaged.append(bytes(bad))
    refused = 0
    for bad in damaged:
        fresh = pedalboard.load_plugin(bundle)
        try:
            fresh.raw_state = bad
        except Exception:
            refused += 1
        out = fresh.process(audio, SAMPLE_RATE, buffer_size=BLOCK, reset=True)
        if not bool(np.all(np.isfinite(out))):
            check(False, "output after a damaged session is finite")
    print(f"info: {len(damaged)} damaged sessions survived ({refused} refused by pedalboard)")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write-fixture":
        return write_fixture(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    bundle = sys.argv[1]
    print(f"pedalboard {pedalboard.__version__}, loading {bundle}")
    plugin = pedalboard.load_plugin(bundle)
    check(isinstance(plugin, pedalboard.VST3Plugin), f"loaded as a VST3 plug-in ({type(plugin).__name__})")
    check(plugin.name == "Cans", f"plug-in name {plugin.name!r} == 'Cans'")
    check(plugin.manufacturer_name == "Cans", f"manufacturer {plugin.manufacturer_name!r} == 'Cans'")
    check(plugin.is_effect and not plugin.is_instrument, "is an effect, not an instrument")

    # Parameters, as pedalboard names them (snake_case of the display name + unit).
    print("parameters:")
    for name, param in plugin.parameters.items():
        shown = getattr(plugin, name)
        print(f"  {name:<24} {param.name!r:<26} = {shown!r}")
    names = set(plugin.parameters)
    for wanted in [
        "a_model", "a_crossfeed", "a_crossfeed_cutoff_hz", "a_crossfeed_feed_db", "a_itd_ms",
        "a_mono_flat_crossfeed", "a_width", "b_model", "b_crossfeed", "b_width", "a_b",
        "your_headphones", "level_match", "monitor", "output_db", "bypass", "bounce_safe",
    ]:
        check(wanted in names, f"parameter {wanted} exists")
    check(len(names) > 20, f"{len(names)} parameters (> 20)")
    check(plugin.parameters["a_b"].name == "A/B", "a_b is displayed as 'A/B'")
    check(
        plugin.parameters["your_headphones"].name == "Your Headphones",
        "your_headphones is displayed as 'Your Headphones'",
    )
    check(plugin.a_b == "A", f"A/B defaults to A (got {plugin.a_b!r})")
    check(plugin.a_model == "Neutral", f"A model defaults to Neutral (got {plugin.a_model!r})")
    check(plugin.a_crossfeed == "Off", f"A crossfeed defaults to Off (got {plugin.a_crossfeed!r})")
    check(
        "Default 700 Hz/4.5 dB" in plugin.parameters["a_crossfeed"].valid_values,
        "A crossfeed offers 'Default 700 Hz/4.5 dB'",
    )

    audio = stereo_sine()

    # pedalboard renders offline (JUCE `setNonRealtime(true)`, VST3 kOffline), so with
    # Bounce-Safe on (the default) Cans must pass the audio through untouched even with a
    # voicing and crossfeed selected: monitoring correction never gets printed into a bounce.
    check(bool(plugin.bounce_safe), f"bounce_safe defaults to on (got {plugin.bounce_safe!r})")
    plugin.a_model = "Closed-back"
    plugin.a_crossfeed = "Default 700 Hz/4.5 dB"
    out = render(plugin, audio)
    err = float(np.max(np.abs(out - audio)))
    check(err == 0.0, f"offline render with Bounce-Safe on: max |out - in| = {err:.2e} (== 0)")
    plugin.bounce_safe = False
    out = render(plugin, audio)
    err = float(np.max(np.abs(out[:, SETTLE:] - audio[:, SETTLE:])))
    check(err > 1e-3, f"offline render with Bounce-Safe off: the voicing is heard (max diff {err:.3f})")
    plugin.a_model = "Neutral"
    plugin.a_crossfeed = "Off"

    # From here on Bounce-Safe is off so the offline renders exercise the engine.
    # Default settings: Neutral, no crossfeed, level match on: near identity.
    out = render(plugin, audio)
    for ch, side in enumerate(["left", "right"]):
        gain = rms_db(out[ch, SETTLE:]) - rms_db(audio[ch, SETTLE:])
        check(abs(gain) < LEVEL_TOL_DB, f"defaults, {side}: output/input RMS {gain:+.4f} dB (|x| < {LEVEL_TOL_DB})")

    # The same at 44.1 and 96 kHz: the host re-prepares the plug-in for each rate.
    for rate in (44_100, 96_000):
        audio_r = stereo_sine(rate, rate)
        out_r = render(plugin, audio_r, sample_rate=rate)
        settle_r = rate // 4
        gain = rms_db(out_r[0, settle_r:]) - rms_db(audio_r[0, settle_r:])
        check(abs(gain) < LEVEL_TOL_DB, f"defaults at {rate} Hz, left: {gain:+.4f} dB")

    # Crossfeed: a left-only 200 Hz tone reaches the right ear only with crossfeed on.
    left = left_only_200hz()
    out = render(plugin, left)
    leak = rms_db(out[1, SETTLE:]) - rms_db(left[0, SETTLE:])
    check(leak < -100.0, f"crossfeed Off: right/left-in {leak:+.1f} dB (< -100 dB)")
    plugin.a_crossfeed = "Default 700 Hz/4.5 dB"
    check(plugin.a_crossfeed == "Default 700 Hz/4.5 dB", f"A crossfeed set to {plugin.a_crossfeed!r}")
    out = render(plugin, left)
    cross = rms_db(out[1, SETTLE:]) - rms_db(left[0, SETTLE:])
    # bs2b's default preset feeds the far ear 4.5 dB below the direct path at DC; above
    # -20 dB at 200 Hz shows the cross path is active.
    check(cross > -20.0, f"crossfeed Default: right/left-in at 200 Hz {cross:+.2f} dB (> -20 dB)")
    plugin.a_crossfeed = "Off"

    # Speakers: the same tone from two virtual loudspeakers at +-30 deg (room 0 %). At
    # 200 Hz a head barely shadows the far ear (MIT KEMAR: ~1-3 dB), so the right ear hears
    # the left speaker almost as loud; a JUCE host renders offline, so they play from the
    # first block (designed in `activate`).
    plugin.a_speakers = True
    plugin.a_room = 0.0
    check(bool(plugin.a_speakers), f"A speakers on (got {plugin.a_speakers!r})")
    out = render(plugin, left)
    far = rms_db(out[1, SETTLE:]) - rms_db(out[0, SETTLE:])
    check(-6.0 < far < 0.0, f"speakers 30 deg: far/near ear at 200 Hz {far:+.2f} dB (-6..0 dB)")
    plugin.a_speakers = False
    plugin.a_room = 30.0

    # Output gain -6 dB.
    plugin.output_db = -6.0
    check(abs(plugin.output_db - (-6.0)) < 0.01, f"output_db reads back {plugin.output_db}")
    out = render(plugin, audio)
    for ch, side in enumerate(["left", "right"]):
        gain = rms_db(out[ch, SETTLE:]) - rms_db(audio[ch, SETTLE:])
        check(abs(gain + 6.0) < LEVEL_TOL_DB, f"output -6 dB, {side}: measured {gain:+.4f} dB")
    plugin.output_db = 0.0

    # Bypass passes the input through.
    plugin.a_model = "Closed-back"
    plugin.bypass = True
    out = render(plugin, audio)
    err = float(np.max(np.abs(out[:, SETTLE:] - audio[:, SETTLE:])))
    check(err < 1e-6, f"bypass: max |out - in| = {err:.2e} (< 1e-6)")
    plugin.bypass = False
    out = render(plugin, audio)
    err = float(np.max(np.abs(out[:, SETTLE:] - audio[:, SETTLE:])))
    check(err > 1e-3, f"bypass off with the Closed-back model: the sound changes (max diff {err:.3f})")

    # State round trip: change several parameters, render once so the processor has them,
    # save raw_state, load it into a fresh instance.
    plugin.a_model = "Open-back"
    plugin.b_model = "Sony MDR-7506"
    plugin.a_crossfeed = "Chu Moy 700 Hz/6 dB"
    plugin.a_width = 150.0
    plugin.monitor = "Swap L/R"
    plugin.output_db = -3.5
    render(plugin, audio)
    state = plugin.raw_state
    check(isinstance(state, bytes) and len(state) > 0, f"raw_state is {len(state)} bytes")
    before = param_values(plugin)

    fresh = pedalboard.load_plugin(bundle)
    check(param_values(fresh) != before, "a fresh instance starts from different (default) values")
    fresh.raw_state = state
    after = param_values(fresh)
    for name in before:
        check(after[name] == before[name], f"state round trip: {name} = {after[name]!r} (saved {before[name]!r})")

    out_a = render(plugin, audio, reset=True)
    out_b = render(fresh, audio, reset=True)
    same = bool(np.array_equal(out_a, out_b))
    diff = float(np.max(np.abs(out_a - out_b)))
    check(same, f"original and restored instance give identical output (max diff {diff:.2e})")
    changed = float(np.max(np.abs(out_b - audio)))
    check(changed > 1e-3, f"the restored settings are audible (max |out - in| {changed:.3f})")
    check(fresh.raw_state == state, "the restored instance saves the same state")

    check_sessions(bundle)

    print()
    if failures:
        print(f"test_pedalboard: {len(failures)} check(s) FAILED:")
        for f in failures:
            print(f"  - {f}")
        return 1
    print("test_pedalboard: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
