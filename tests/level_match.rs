//! Level match measured with a real loudness meter (the `ebur128` crate, BS.1770 / EBU R128):
//! pink noise through every model and crossfeed preset stays within ±0.5 LU of bypass.

mod support;

use cans::dsp::eq::EqSource;
use cans::params::{CrossfeedPreset, Phones};

use support::engine::{self, ALL_PRESETS, all_models, run, settings};
use support::signal::{self, lufs, pink};

const FS: f64 = 48_000.0;
const TOLERANCE_LU: f64 = 0.5;

/// (mono pink, decorrelated stereo pink), 10 s each at -20 dBFS RMS.
fn noises() -> [(&'static str, Vec<f32>, Vec<f32>); 2] {
    let n = 1 << 19;
    let a = pink(n, FS, 0.1, 7);
    let b = pink(n, FS, 0.1, 8);
    [("mono", a.clone(), a.clone()), ("stereo", a, b)]
}

#[test]
fn every_model_and_preset_is_within_half_a_lu_of_bypass() {
    let mut worst: (f64, String) = (0.0, String::new());
    let mut failures = Vec::new();
    for (kind, l, r) in noises() {
        let reference = lufs(&l, &r, FS as u32);
        for model in all_models() {
            for preset in ALL_PRESETS {
                for phones in [Phones::Generic, Phones::AkgK702] {
                    let mut e = engine::engine(FS, settings(model, preset, phones));
                    let (ol, or) = run(&mut e, &l, &r, 512);
                    let delta = lufs(&ol, &or, FS as u32) - reference;
                    let label =
                        format!("{kind} {model:?} {preset:?} on {phones:?}: {delta:+.3} LU");
                    if delta.abs() > worst.0 {
                        worst = (delta.abs(), label.clone());
                    }
                    if delta.abs() > TOLERANCE_LU {
                        failures.push(label);
                    }
                }
            }
        }
    }
    println!("worst level-match error: {}", worst.1);
    assert!(
        failures.is_empty(),
        "outside ±{TOLERANCE_LU} LU:\n{}",
        failures.join("\n")
    );
}

#[test]
fn level_match_holds_at_44k1_96k_and_192k() {
    let mut worst: f64 = 0.0;
    for fs in [44_100.0, 96_000.0, 192_000.0] {
        let n = 1 << 19;
        // The level match covers what a 48 kHz meter sees (to 24 kHz): above that, content
        // is inaudible and deliberately not compensated, so the noise stops there.
        let (a, b) = (
            signal::pink_band(n, fs, 0.1, 7, 24_000.0),
            signal::pink_band(n, fs, 0.1, 8, 24_000.0),
        );
        for (l, r) in [(&a, &a), (&a, &b)] {
            let reference = lufs(l, r, fs as u32);
            for model in all_models() {
                for preset in [CrossfeedPreset::Off, CrossfeedPreset::Default] {
                    let mut e = engine::engine(fs, settings(model, preset, Phones::Generic));
                    let (ol, or) = run(&mut e, l, r, 512);
                    let delta = lufs(&ol, &or, fs as u32) - reference;
                    worst = worst.max(delta.abs());
                    assert!(
                        delta.abs() <= TOLERANCE_LU,
                        "{fs} {model:?} {preset:?}: {delta:+.3} LU"
                    );
                }
            }
        }
    }
    println!("worst level-match error at 44.1/96/192 kHz: {worst:.3} LU");
}

#[test]
fn compensation_removes_a_known_treble_boost() {
    // A +6 dB high shelf at 2 kHz raises pink-noise loudness by several LU; the level
    // match must take it back out (and only when it is on).
    use cans::dsp::biquad::{Section, SectionKind};
    let (_, l, r) = noises().into_iter().nth(1).unwrap();
    let reference = lufs(&l, &r, FS as u32);
    let mut measured = [0.0; 2];
    for (i, level_match) in [false, true].into_iter().enumerate() {
        let mut s = settings(
            cans::params::Model::Neutral,
            cans::params::CrossfeedPreset::Off,
            Phones::Generic,
        );
        const SHELF: &[Section] = &[Section::new(SectionKind::HighShelf, 2000.0, 0.7, 6.0)];
        s.config.voicing = EqSource::Static(SHELF);
        s.config.level_match = level_match;
        let mut e = engine::engine(FS, s);
        let (ol, or) = run(&mut e, &l, &r, 512);
        measured[i] = lufs(&ol, &or, FS as u32) - reference;
    }
    println!(
        "+6 dB shelf: {:+.2} LU uncompensated, {:+.2} LU level-matched",
        measured[0], measured[1]
    );
    assert!(measured[0] > 3.0, "{}", measured[0]);
    assert!(measured[1].abs() <= TOLERANCE_LU, "{}", measured[1]);
}
