//! Test signals and measurements shared by the DSP tests.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

pub fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

pub fn sine(freq_hz: f64, sample_rate: f64, len: usize, amp: f64) -> Vec<f32> {
    (0..len)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq_hz * i as f64 / sample_rate).sin()) as f32
        })
        .collect()
}

/// Largest sample difference between two stereo signals, over both channels.
pub fn max_abs_diff(a: (&[f32], &[f32]), b: (&[f32], &[f32])) -> f32 {
    a.0.iter()
        .zip(b.0)
        .chain(a.1.iter().zip(b.1))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Largest absolute difference between consecutive samples.
pub fn max_step(x: &[f32]) -> f64 {
    x.windows(2)
        .map(|w| (w[1] as f64 - w[0] as f64).abs())
        .fold(0.0, f64::max)
}

/// White noise in [-amp, amp], seeded.
pub fn white(len: usize, amp: f64, seed: u64) -> Vec<f32> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..len)
        .map(|_| (amp * rng.random_range(-1.0..1.0)) as f32)
        .collect()
}

/// Pink noise (power ∝ 1/f from 10 Hz up), shaped in the frequency domain, scaled to
/// `rms_target`. `len` should be a power of two.
pub fn pink(len: usize, sample_rate: f64, rms_target: f64, seed: u64) -> Vec<f32> {
    pink_band(len, sample_rate, rms_target, seed, f64::INFINITY)
}

/// Pink noise as [`pink`], with nothing above `max_hz`.
pub fn pink_band(
    len: usize,
    sample_rate: f64,
    rms_target: f64,
    seed: u64,
    max_hz: f64,
) -> Vec<f32> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut planner = RealFftPlanner::<f64>::new();
    let inv = planner.plan_fft_inverse(len);
    let mut spec = inv.make_input_vec();
    for (k, bin) in spec.iter_mut().enumerate() {
        let f = k as f64 * sample_rate / len as f64;
        if k == 0 || f < 10.0 || f > max_hz || k == len / 2 {
            *bin = Complex::new(0.0, 0.0);
            continue;
        }
        let phase = rng.random_range(0.0..std::f64::consts::TAU);
        let mag = 1.0 / f.sqrt();
        *bin = Complex::from_polar(mag, phase);
    }
    let mut out = inv.make_output_vec();
    inv.process(&mut spec, &mut out).unwrap();
    let r = (out.iter().map(|v| v * v).sum::<f64>() / len as f64).sqrt();
    out.iter().map(|v| (v / r * rms_target) as f32).collect()
}

/// Complex spectrum of an impulse response (zero-padded to `n`), bin k at k·fs/n.
pub fn spectrum(ir: &[f64], n: usize) -> Vec<Complex<f64>> {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut input = fft.make_input_vec();
    for (dst, src) in input.iter_mut().zip(ir) {
        *dst = *src;
    }
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).unwrap();
    out
}

/// Log-spaced frequencies from `lo` to `hi` (inclusive), `per_octave` per octave.
pub fn log_freqs(lo: f64, hi: f64, per_octave: usize) -> Vec<f64> {
    let n = ((hi / lo).log2() * per_octave as f64).floor() as usize;
    (0..=n)
        .map(|i| lo * 2f64.powf(i as f64 / per_octave as f64))
        .collect()
}

/// Integrated loudness (LUFS) of a stereo signal, measured with the `ebur128` crate.
pub fn lufs(left: &[f32], right: &[f32], sample_rate: u32) -> f64 {
    let mut meter = ebur128::EbuR128::new(2, sample_rate, ebur128::Mode::I).unwrap();
    meter.add_frames_planar_f32(&[left, right]).unwrap();
    meter.loudness_global().unwrap()
}
