//! The click metrics the switching tests share: a scripted session run with
//! sample-accurate changes, the largest sample step of a steady chain, and the energy above
//! 5 kHz in short windows (a broadband burst).

use cans::dsp::biquad::{Section, SectionKind, StereoBiquad};
use cans::dsp::engine::{Engine, EngineSettings};

use super::engine;
use super::signal::max_step;

/// Host block size the scripts run at.
pub const BLOCK: usize = 512;

/// Run a script of (sample index, settings from then on), splitting blocks at each change
/// as a host with sample-accurate automation does.
pub fn run_script(
    fs: f64,
    left: &[f32],
    right: &[f32],
    script: &[(usize, EngineSettings)],
) -> (Vec<f32>, Vec<f32>) {
    let mut e = if script.iter().any(|(_, s)| s.config.speakers.is_some()) {
        Engine::with_speakers(fs)
    } else {
        Engine::new(fs)
    };
    e.set(script[0].1.clone());
    e.reset();
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    let mut pos = 0;
    while pos < l.len() {
        let mut end = (pos + BLOCK).min(l.len());
        if let Some((at, s)) = script.iter().find(|(at, _)| *at >= pos && *at < end) {
            let at = *at;
            if at == pos {
                e.set(s.clone());
            } else {
                end = at;
            }
        }
        e.process(&mut l[pos..end], &mut r[pos..end]);
        pos = end;
    }
    (l, r)
}

/// Energy above 5 kHz (8th-order Butterworth-like high-pass) in windows of `win` samples.
pub fn hf_energy(fs: f64, x: &[f32], win: usize) -> Vec<f64> {
    let hp = Section::new(
        SectionKind::HighPass,
        5000.0,
        std::f64::consts::FRAC_1_SQRT_2,
        0.0,
    )
    .coeffs(fs);
    let mut stages = [StereoBiquad::new(hp); 4];
    let y: Vec<f64> = x
        .iter()
        .map(|&v| {
            stages
                .iter_mut()
                .fold([v as f64, 0.0], |acc, s| s.tick(acc))[0]
        })
        .collect();
    y.chunks(win)
        .map(|c| c.iter().map(|v| v * v).sum::<f64>() / c.len() as f64)
        .collect()
}

/// Largest sample step of a steady chain on `s` (after the filters' start-up, 0.1 s).
pub fn steady_max_step(fs: f64, left: &[f32], right: &[f32], s: EngineSettings) -> f64 {
    let mut e = engine::engine(fs, s);
    let (l, r) = engine::run(&mut e, left, right, BLOCK);
    let skip = (0.1 * fs) as usize;
    max_step(&l[skip..]).max(max_step(&r[skip..]))
}

/// The worst ratio, over every 10 ms window from each change to 62.5 ms after it, of the
/// scripted output's HF energy to the most of the steady chains that can be heard then (the
/// new setting, the one before, and the one before that: a change queued behind a running
/// fade starts when that fade ends), in dB.
pub fn worst_hf_window_db(
    fs: f64,
    left: &[f32],
    right: &[f32],
    script: &[(usize, EngineSettings)],
    out_left: &[f32],
) -> f64 {
    let win = (0.01 * fs) as usize;
    let e = hf_energy(fs, out_left, win);
    let mut worst_db: f64 = f64::MIN;
    for (i, &(at, _)) in script.iter().enumerate().skip(1) {
        let refs: Vec<Vec<f64>> = script[i.saturating_sub(2)..=i]
            .iter()
            .map(|(_, st)| {
                let mut eng = engine::engine(fs, st.clone());
                let (rl, _) = engine::run(&mut eng, left, right, BLOCK);
                hf_energy(fs, &rl, win)
            })
            .collect();
        for w in at / win..((at + 3000) / win).min(e.len()) {
            let limit = refs.iter().map(|r| r[w]).fold(0.0, f64::max);
            worst_db = worst_db.max(10.0 * (e[w] / limit).log10());
        }
    }
    worst_db
}

/// The click metric of a scripted session, `n` samples at `fs`, asserted: a 1 kHz sine
/// steps no more than the largest steady chain of the script (2 % slack), pink noise
/// neither (5 %), with no broadband burst (< 3 dB above the steady chains' HF energy).
/// Returns the pink input and the scripted left output, for checks after the script.
pub fn assert_click_free(
    fs: f64,
    n: usize,
    script: &[(usize, EngineSettings)],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    use super::signal::{pink, sine};
    let x = sine(1000.0, fs, n, 0.5);
    let (l, r) = run_script(fs, &x, &x, script);
    let own = script
        .iter()
        .map(|(_, s)| steady_max_step(fs, &x, &x, s.clone()))
        .fold(max_step(&x), f64::max);
    let worst = max_step(&l[4800..]).max(max_step(&r[4800..]));
    println!("sine: worst step {worst:.5}, largest steady step {own:.5}");
    assert!(worst <= own * 1.02, "{worst} vs {own}");
    let pl = pink(1 << 16, fs, 0.1, 3)[..n].to_vec();
    let pr = pink(1 << 16, fs, 0.1, 4)[..n].to_vec();
    let (l, r) = run_script(fs, &pl, &pr, script);
    let own = script
        .iter()
        .map(|(_, s)| steady_max_step(fs, &pl, &pr, s.clone()))
        .fold(0.0, f64::max);
    let worst = max_step(&l[4800..]).max(max_step(&r[4800..]));
    let hf = worst_hf_window_db(fs, &pl, &pr, script, &l);
    println!(
        "pink: worst step {worst:.5}, largest steady step {own:.5}, worst HF window {hf:+.2} dB"
    );
    assert!(worst <= own * 1.05, "{worst} vs {own}");
    assert!(hf < 3.0, "{hf}");
    (pl, pr, l)
}
