//! Spectral tools for designing the speakers' responses (off the audio thread): real FFTs
//! of a given size, minimum phase from a magnitude, and the interaural time difference of
//! a pair.

use std::sync::{Arc, Mutex};

use num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Forward and inverse real FFTs of one size.
pub struct Fft {
    pub n: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl Fft {
    /// Plans come from one planner per process, which keeps every plan it made: a bank
    /// designs hundreds of transforms of a few sizes, and building a plan (its twiddle
    /// factors) costs more than running it.
    pub fn new(n: usize) -> Self {
        static PLANNER: Mutex<Option<RealFftPlanner<f64>>> = Mutex::new(None);
        let mut guard = PLANNER.lock().unwrap_or_else(|e| e.into_inner());
        let planner = guard.get_or_insert_with(RealFftPlanner::new);
        Self {
            n,
            forward: planner.plan_fft_forward(n),
            inverse: planner.plan_fft_inverse(n),
        }
    }

    /// Number of bins (`n / 2 + 1`).
    pub fn bins(&self) -> usize {
        self.n / 2 + 1
    }

    /// Spectrum of `x`, zero-padded (or cut) to `n`.
    pub fn spectrum(&self, x: &[f64]) -> Vec<Complex64> {
        let mut input = vec![0.0; self.n];
        let len = x.len().min(self.n);
        input[..len].copy_from_slice(&x[..len]);
        let mut out = self.forward.make_output_vec();
        self.forward
            .process(&mut input, &mut out)
            .expect("sizes match the plan");
        out
    }

    /// The `n` samples whose spectrum is `spec` (scaled, so `impulse(spectrum(x)) == x`).
    pub fn impulse(&self, spec: &[Complex64]) -> Vec<f64> {
        let mut input = spec.to_vec();
        // A real signal's DC and Nyquist bins are real.
        input[0].im = 0.0;
        if let Some(last) = input.last_mut() {
            last.im = 0.0;
        }
        let mut out = self.inverse.make_output_vec();
        self.inverse
            .process(&mut input, &mut out)
            .expect("sizes match the plan");
        let scale = 1.0 / self.n as f64;
        out.iter_mut().for_each(|v| *v *= scale);
        out
    }

    /// Frequency of bin `k` at `sample_rate`.
    pub fn bin_hz(&self, k: usize, sample_rate: f64) -> f64 {
        k as f64 * sample_rate / self.n as f64
    }

    /// The minimum-phase spectrum with magnitude `mag` (one value per bin, > 0), by the
    /// real cepstrum: fold the cepstrum of ln|H| onto positive quefrencies
    /// (A. V. Oppenheim and R. W. Schafer, Discrete-Time Signal Processing, 3rd ed.,
    /// §13.8: minimum-phase and the complex cepstrum).
    pub fn minimum_phase(&self, mag: &[f64]) -> Vec<Complex64> {
        let log: Vec<Complex64> = mag
            .iter()
            .map(|m| Complex64::new(m.max(MIN_MAGNITUDE).ln(), 0.0))
            .collect();
        let mut cep = self.impulse(&log);
        let half = self.n / 2;
        for (i, c) in cep.iter_mut().enumerate() {
            if i > 0 && i < half {
                *c *= 2.0;
            } else if i > half {
                *c = 0.0;
            }
        }
        self.spectrum(&cep).iter().map(|c| c.exp()).collect()
    }
}

/// Magnitudes are floored here before the logarithm (-200 dB).
const MIN_MAGNITUDE: f64 = 1e-10;

/// Band in which the interaural time difference is estimated: where it is the dominant
/// localisation cue (below ~1.5 kHz, Rayleigh's duplex theory; J. Blauert, Spatial
/// Hearing, 1997, §2.4), above the lowest octaves the measurements resolve poorly.
pub const ITD_BAND_HZ: (f64, f64) = (100.0, 1500.0);
/// Interaural delays beyond this are not searched (a head gives at most ~0.8 ms).
pub const ITD_SEARCH_S: f64 = 1.0e-3;
/// Zero-padding of the cross-correlation for sub-sample resolution.
const ITD_OVERSAMPLE: usize = 16;

/// Interaural time difference of a pair, in seconds: the lag of the peak of the
/// cross-correlation of the two ears, band-limited to [`ITD_BAND_HZ`] (the
/// "interaural cross-correlation" method; B. F. G. Katz and M. Noisternig, "A comparative
/// study of interaural time delay estimation methods", JASA 135(6), 2014). Positive when
/// the right ear lags (the source is on the left).
pub fn itd_seconds(left: &[Complex64], right: &[Complex64], fft_n: usize, sample_rate: f64) -> f64 {
    let big = Fft::new(fft_n * ITD_OVERSAMPLE);
    let mut cross = vec![Complex64::new(0.0, 0.0); big.bins()];
    for (k, c) in cross.iter_mut().enumerate().take(left.len()) {
        let f = k as f64 * sample_rate / fft_n as f64;
        if (ITD_BAND_HZ.0..=ITD_BAND_HZ.1).contains(&f) {
            *c = right[k] * left[k].conj();
        }
    }
    let r = big.impulse(&cross);
    let rate = sample_rate * ITD_OVERSAMPLE as f64;
    let max_lag = (ITD_SEARCH_S * rate) as isize;
    let at = |lag: isize| r[lag.rem_euclid(r.len() as isize) as usize];
    let best = (-max_lag..=max_lag)
        .max_by(|a, b| at(*a).total_cmp(&at(*b)))
        .unwrap_or(0);
    // Parabolic interpolation around the peak.
    let (y0, y1, y2) = (at(best - 1), at(best), at(best + 1));
    let denom = y0 - 2.0 * y1 + y2;
    let frac = if denom.abs() > 1e-30 {
        (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    (best as f64 + frac) / rate
}

/// `spec` delayed by `seconds` (a linear phase; band-limited, so fractional delays work).
pub fn delayed(spec: &[Complex64], seconds: f64, fft_n: usize, sample_rate: f64) -> Vec<Complex64> {
    spec.iter()
        .enumerate()
        .map(|(k, c)| {
            let w = -2.0 * std::f64::consts::PI * k as f64 * sample_rate / fft_n as f64 * seconds;
            c * Complex64::from_polar(1.0, w)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_phase_keeps_the_magnitude_and_starts_at_once() {
        let fft = Fft::new(1024);
        // A delayed, mixed-phase response.
        let mut x = vec![0.0; 1024];
        x[40] = 0.5;
        x[41] = 1.0;
        x[45] = -0.3;
        let spec = fft.spectrum(&x);
        let mag: Vec<f64> = spec.iter().map(|c| c.norm()).collect();
        let mp = fft.minimum_phase(&mag);
        for (a, b) in mp.iter().zip(&mag) {
            assert!((a.norm() - b).abs() < 1e-6 * b.max(1.0));
        }
        let h = fft.impulse(&mp);
        let energy: f64 = h.iter().map(|v| v * v).sum();
        let first: f64 = h[..8].iter().map(|v| v * v).sum();
        assert!(first > 0.99 * energy, "{first} of {energy}");
    }

    #[test]
    fn the_itd_of_a_delayed_pair_is_its_delay() {
        let fs = 48_000.0;
        let fft = Fft::new(4096);
        let mut l = vec![0.0; 4096];
        l[10] = 1.0;
        l[11] = 0.5;
        let left = fft.spectrum(&l);
        let right = delayed(&left, 263e-6, 4096, fs);
        let itd = itd_seconds(&left, &right, 4096, fs);
        assert!((itd - 263e-6).abs() < 2e-6, "{itd}");
        assert!((itd_seconds(&right, &left, 4096, fs) + 263e-6).abs() < 2e-6);
    }
}
