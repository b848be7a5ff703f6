//! One hour of 48 kHz audio with slow random automation, faster than real time: the level
//! stays bounded, nothing drifts, nothing goes non-finite.

mod support;

use cans::dsp::engine::{Engine, EngineSettings};
use cans::params::{CrossfeedPreset, Model, Phones};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use support::engine::{ALL_PRESETS, all_models, settings};
use support::signal;

const FS: f64 = 48_000.0;
const SECONDS: usize = 3600;
/// A new random automation point every 250 ms.
const CHANGE_EVERY: usize = 12_000;

const PHONES: [Phones; 3] = [Phones::Generic, Phones::SonyMdr7506, Phones::AkgK702];

fn random_settings(rng: &mut SmallRng) -> EngineSettings {
    let mut s = settings(
        all_models()[rng.random_range(0..all_models().len())],
        ALL_PRESETS[rng.random_range(0..ALL_PRESETS.len())],
        PHONES[rng.random_range(0..PHONES.len())],
    );
    s.live.itd_ms = rng.random_range(0.0..0.7);
    s.live.width = rng.random_range(0.0..2.0);
    s.output_gain = 10f64.powf(rng.random_range(-24.0..12.0) / 20.0);
    s.config.mono_flat = rng.random_bool(0.8);
    s.bypass = rng.random_bool(0.05);
    s
}

#[test]
fn one_hour_of_random_automation_stays_finite_bounded_and_drift_free() {
    let mut rng = SmallRng::seed_from_u64(2026);
    let loop_len = 1 << 17;
    let noise_l = signal::pink(loop_len, FS, 0.1, 21);
    let noise_r = signal::pink(loop_len, FS, 0.1, 22);
    let peak_in = noise_l
        .iter()
        .chain(&noise_r)
        .fold(0.0f32, |m, v| m.max(v.abs()));
    let final_settings = settings(
        Model::ClosedBack,
        CrossfeedPreset::ChuMoy,
        Phones::SonyMdr7506,
    );

    let mut e = Engine::new(FS);
    e.set(random_settings(&mut rng));
    e.reset();
    let block = 480;
    let mut l = vec![0.0f32; block];
    let mut r = vec![0.0f32; block];
    let total = SECONDS * FS as usize;
    let mut pos = 0;
    let mut peak_out = 0.0f32;
    let mut next_change = CHANGE_EVERY;
    while pos < total {
        if pos >= next_change {
            e.set(random_settings(&mut rng));
            next_change += CHANGE_EVERY;
        }
        for i in 0..block {
            l[i] = noise_l[(pos + i) % loop_len];
            r[i] = noise_r[(pos + i) % loop_len];
        }
        e.process(&mut l, &mut r);
        for v in l.iter().chain(&r) {
            assert!(v.is_finite(), "non-finite output at {pos}");
            peak_out = peak_out.max(v.abs());
        }
        pos += block;
    }
    // Bounded: +12 dB output, +12 dB level match at most, width and EQ gains: a generous
    // but finite ceiling of 16x the input peak.
    println!("one hour: input peak {peak_in:.3}, output peak {peak_out:.3}");
    assert!(peak_out < 16.0 * peak_in, "{peak_out}");

    // No drift: settle on fixed settings, then one second must match a fresh engine.
    e.set(final_settings.clone());
    let settle = 2 * FS as usize;
    let check = FS as usize;
    let mut fresh = Engine::new(FS);
    fresh.set(final_settings);
    fresh.reset();
    let mut max_diff: f64 = 0.0;
    let mut max_ref: f64 = 0.0;
    let mut done = 0;
    while done < settle + check {
        let mut a = (l.clone(), r.clone());
        for i in 0..block {
            a.0[i] = noise_l[(pos + done + i) % loop_len];
            a.1[i] = noise_r[(pos + done + i) % loop_len];
        }
        let mut b = a.clone();
        e.process(&mut a.0, &mut a.1);
        fresh.process(&mut b.0, &mut b.1);
        if done >= settle {
            for i in 0..block {
                max_diff = max_diff
                    .max((a.0[i] - b.0[i]).abs() as f64)
                    .max((a.1[i] - b.1[i]).abs() as f64);
                max_ref = max_ref.max(b.0[i].abs() as f64);
            }
        }
        done += block;
    }
    let rel_db = 20.0 * (max_diff.max(1e-30) / max_ref).log10();
    println!("after one hour vs a fresh engine: max difference {rel_db:.1} dB below peak");
    assert!(rel_db < -100.0, "{rel_db}");
}
