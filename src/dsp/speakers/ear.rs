//! One measured direction as the two ears hear it at the host's sample rate: each ear a
//! minimum-phase response of the data's magnitude, the later ear delayed by the data's
//! interaural time difference, the earlier ear starting at sample 0.
//!
//! **Low frequencies, from physics.** The MIT KEMAR data (like most HRIR sets) is poor in
//! the bass: its measurement loudspeaker had little output there (at 30° the response at
//! 30 Hz is ~21 dB below 200 Hz), and 512 taps at 44.1 kHz resolve ~86 Hz. A real head is
//! small against those wavelengths: the level difference between the ears goes to 0 dB
//! and the time difference to its low-frequency value (G. F. Kuhn, "Model for the
//! interaural time differences in the azimuthal plane", JASA 62(1), 1977). So below
//! [`LF_DATA_HZ`] Cans does not use the data's level at all: the mean level of the two
//! ears is held at its value at [`LF_DATA_HZ`] (flat, not the speaker's roll-off boosted
//! back), and the level difference fades from the data's at [`LF_DATA_HZ`] to 0 dB at
//! [`LF_ILD_ZERO_HZ`]. The time difference is one delay at every frequency (its value
//! estimated from the data in the band where it is the cue, `spectrum::ITD_BAND_HZ`).
//!
//! **Above the data.** At host rates above the data's, the magnitude is held at its value
//! at [`HF_HOLD_FRACTION`] of the data's Nyquist frequency (nothing was measured higher;
//! the speakers' equaliser keeps centred sound flat there anyway).

use num_complex::Complex64;

use super::hrir::HrirSet;
use super::spectrum::{Fft, delayed, itd_seconds};

/// Below this the data's level is replaced (see the module notes).
pub const LF_DATA_HZ: f64 = 200.0;
/// The interaural level difference is 0 dB at and below this (see the module notes).
pub const LF_ILD_ZERO_HZ: f64 = 100.0;
/// Above this fraction of the data's Nyquist frequency its magnitude is held.
pub const HF_HOLD_FRACTION: f64 = 0.9;
/// The data is analysed with at least this many points (10.8 Hz bins at 44.1 kHz).
const MIN_DATA_FFT: usize = 4096;

/// Both ears' responses to one direction, at the host rate, `n` samples, the earlier ear
/// starting at sample 0.
#[derive(Debug, Clone)]
pub struct EarPair {
    pub ears: [Vec<f64>; 2],
    /// The data's interaural time difference (right minus left arrival), seconds, which
    /// the pair keeps.
    pub data_itd_s: f64,
}

/// The data's spectra of direction `dir`, including its `Data.Delay`.
pub fn data_spectra(set: &HrirSet, dir: usize) -> ([Vec<Complex64>; 2], usize) {
    let n = (2 * set.taps).next_power_of_two().max(MIN_DATA_FFT);
    let fft = Fft::new(n);
    let d = &set.directions[dir];
    let spec = |ear: usize| {
        let x: Vec<f64> = d.ears[ear].iter().map(|v| *v as f64).collect();
        delayed(&fft.spectrum(&x), d.delay_s[ear], n, set.sample_rate)
    };
    ([spec(0), spec(1)], n)
}

/// Smooth step from 0 at `lo` to 1 at `hi` in log frequency.
fn log_step(f: f64, lo: f64, hi: f64) -> f64 {
    if f <= lo {
        return 0.0;
    }
    if f >= hi {
        return 1.0;
    }
    let t = (f / lo).ln() / (hi / lo).ln();
    t * t * (3.0 - 2.0 * t)
}

/// Direction `dir` of `set` at `sample_rate`, `fft.n` samples per ear.
pub fn ear_pair(set: &HrirSet, dir: usize, fft: &Fft, sample_rate: f64) -> EarPair {
    let ([l, r], n_data) = data_spectra(set, dir);
    let data_itd_s = itd_seconds(&l, &r, n_data, set.sample_rate);
    // Magnitude of a data spectrum at frequency f (linear interpolation between bins).
    let bin_hz = set.sample_rate / n_data as f64;
    let hold_hz = HF_HOLD_FRACTION * 0.5 * set.sample_rate;
    let mag_at = |spec: &[Complex64], f: f64| {
        let x = f.min(hold_hz) / bin_hz;
        let i = (x.floor() as usize).min(spec.len() - 2);
        let t = x - i as f64;
        (1.0 - t) * spec[i].norm() + t * spec[i + 1].norm()
    };
    let db = |m: f64| 20.0 * m.max(1e-12).log10();
    let mean_lf = 0.5 * (db(mag_at(&l, LF_DATA_HZ)) + db(mag_at(&r, LF_DATA_HZ)));
    let mut mags = [
        Vec::with_capacity(fft.bins()),
        Vec::with_capacity(fft.bins()),
    ];
    for k in 0..fft.bins() {
        let f = fft.bin_hz(k, sample_rate);
        let (ld, rd) = (db(mag_at(&l, f)), db(mag_at(&r, f)));
        let (mut mean, mut half_diff) = (0.5 * (ld + rd), 0.5 * (ld - rd));
        if f < LF_DATA_HZ {
            mean = mean_lf;
            let f_diff = f.max(1e-9);
            half_diff = 0.5
                * (db(mag_at(&l, LF_DATA_HZ)) - db(mag_at(&r, LF_DATA_HZ)))
                * log_step(f_diff, LF_ILD_ZERO_HZ, LF_DATA_HZ);
        }
        let to_lin = |d: f64| 10f64.powf(d / 20.0);
        mags[0].push(to_lin(mean + half_diff));
        mags[1].push(to_lin(mean - half_diff));
    }
    let mp = [fft.minimum_phase(&mags[0]), fft.minimum_phase(&mags[1])];
    // The minimum-phase pair has an interaural lag of its own (the ears' different
    // spectra); the delay applied makes the pair's lag the data's.
    let own = itd_seconds(&mp[0], &mp[1], fft.n, sample_rate);
    let itd_s = data_itd_s - own;
    let (left, right) = if itd_s >= 0.0 {
        (mp[0].clone(), delayed(&mp[1], itd_s, fft.n, sample_rate))
    } else {
        (delayed(&mp[0], -itd_s, fft.n, sample_rate), mp[1].clone())
    };
    EarPair {
        ears: [fft.impulse(&left), fft.impulse(&right)],
        data_itd_s,
    }
}
