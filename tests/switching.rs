//! A/B flips, model steps and bypass toggles are click-free: measured on a sine and on pink
//! noise, the output never steps further between samples than the signal itself does, and
//! no broadband burst appears.

mod support;

use cans::dsp::engine::EngineSettings;
use cans::params::{CrossfeedPreset, Model, Phones};

use support::clicks;
use support::engine::{self, settings};
use support::signal::{max_step, pink, sine};

const FS: f64 = 48_000.0;

/// A scripted session: (sample index, settings from then on).
fn script() -> Vec<(usize, EngineSettings)> {
    let a = settings(Model::Neutral, CrossfeedPreset::Off, Phones::Generic);
    let closed = settings(Model::ClosedBack, CrossfeedPreset::Off, Phones::Generic);
    let b = settings(Model::OpenBack, CrossfeedPreset::JanMeier, Phones::Generic);
    let b2 = settings(
        Model::SonyMdr7506,
        CrossfeedPreset::Default,
        Phones::AkgK702,
    );
    let bypassed = EngineSettings {
        bypass: true,
        ..b2.clone()
    };
    vec![
        (0, a),
        (12_345, closed),     // model step, mid-block
        (24_007, b),          // A/B flip to a slot with crossfeed
        (24_500, b2.clone()), // another change during the running fade (queued)
        (36_011, bypassed),   // bypass on
        (42_001, b2),         // bypass off
    ]
}

fn steady_max_step(left: &[f32], right: &[f32], s: EngineSettings) -> f64 {
    clicks::steady_max_step(FS, left, right, s)
}

fn run_script(
    left: &[f32],
    right: &[f32],
    script: &[(usize, EngineSettings)],
) -> (Vec<f32>, Vec<f32>) {
    clicks::run_script(FS, left, right, script)
}

fn hf_energy(x: &[f32], win: usize) -> Vec<f64> {
    clicks::hf_energy(FS, x, win)
}

#[test]
fn switching_a_sine_never_steps_beyond_the_sine() {
    let n = 48_000;
    let x = sine(1000.0, FS, n, 0.5);
    let sc = script();
    let (l, r) = run_script(&x, &x, &sc);
    let own = sc
        .iter()
        .map(|(_, s)| steady_max_step(&x, &x, s.clone()))
        .fold(max_step(&x), f64::max);
    let worst = max_step(&l[4800..]).max(max_step(&r[4800..]));
    println!(
        "sine: worst step {worst:.5}, largest steady step {own:.5} (ratio {:.3})",
        worst / own
    );
    assert!(worst <= own * 1.02, "{worst} vs {own}");
    // No broadband burst: energy above 5 kHz never rises 10 dB over its steady level around
    // the changes (the 1 kHz sine itself leaks a little through the high-pass).
    let win = 480;
    let e = hf_energy(&l, win);
    // Floor at -100 dB: below that the comparison measures rounding, not clicks.
    let steady = e[20..24].iter().cloned().fold(0.0, f64::max).max(1e-10);
    let burst = e[10..].iter().cloned().fold(0.0, f64::max);
    println!(
        "sine: HF energy steady {:.1} dB, worst window {:.1} dB",
        10.0 * steady.log10(),
        10.0 * burst.log10()
    );
    assert!(
        burst < steady * 10.0,
        "burst {burst:e} vs steady {steady:e}"
    );
}

#[test]
fn switching_pink_noise_adds_no_step_and_no_burst() {
    let n = 48_000;
    let l_in = pink(1 << 16, FS, 0.1, 3)[..n].to_vec();
    let r_in = pink(1 << 16, FS, 0.1, 4)[..n].to_vec();
    let sc = script();
    let (l, r) = run_script(&l_in, &r_in, &sc);
    let own = sc
        .iter()
        .map(|(_, s)| steady_max_step(&l_in, &r_in, s.clone()))
        .fold(0.0, f64::max);
    let worst = max_step(&l[4800..]).max(max_step(&r[4800..]));
    println!("pink: worst step {worst:.5}, largest steady step {own:.5}");
    assert!(worst <= own * 1.05, "{worst} vs {own}");
    // Broadband burst check: every 10 ms window's HF energy stays within 3 dB of the
    // same window processed by a steady chain of a setting that can be heard then.
    let worst_db = clicks::worst_hf_window_db(FS, &l_in, &r_in, &sc, &l);
    println!("pink: worst HF window vs steady neighbours: {worst_db:+.2} dB");
    assert!(worst_db < 3.0, "{worst_db}");
}

#[test]
fn an_abrupt_switch_would_have_been_caught() {
    // Control: jumping between two chains without a fade produces exactly the kind of step
    // the tests above rule out.
    let n = 9600;
    let x = sine(1000.0, FS, n, 0.5);
    let mut a = engine::engine(
        FS,
        settings(Model::Neutral, CrossfeedPreset::Off, Phones::Generic),
    );
    let quieter = EngineSettings {
        output_gain: 0.5,
        ..settings(Model::Neutral, CrossfeedPreset::Off, Phones::Generic)
    };
    let mut b = engine::engine(FS, quieter);
    let (la, _) = engine::run(&mut a, &x, &x, 512);
    let (lb, _) = engine::run(&mut b, &x, &x, 512);
    let spliced: Vec<f32> = la[..4811].iter().chain(&lb[4811..]).cloned().collect();
    assert!(max_step(&spliced) > 1.1 * max_step(&la[4800..]).max(max_step(&lb[4800..])));
    let e = hf_energy(&spliced, 480);
    assert!(
        e[10] > 10.0 * e[14],
        "burst {:e} vs steady {:e}",
        e[10],
        e[14]
    );
}
