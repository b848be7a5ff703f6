//! Second-order sections: coefficient design (RBJ Audio EQ Cookbook), the analytic response,
//! and a stereo transposed-direct-form-II filter.
//!
//! Source for every formula here: Robert Bristow-Johnson, "Cookbook formulae for audio
//! equalizer biquad filter coefficients" (W3C Audio EQ Cookbook note, 2005/2021).
//!
//! Everything runs in `f64`: a 20 Hz shelf at 384 kHz has poles within 1e-4 of the unit
//! circle, where `f32` coefficients and state lose the response.

use std::f64::consts::PI;

/// A parametric EQ section as a fitted model stores it: independent of the sample rate, so
/// the same model is re-designed for every rate the host runs at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    pub kind: SectionKind,
    pub freq_hz: f64,
    pub q: f64,
    pub gain_db: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// Peaking EQ (cookbook "peakingEQ").
    Peaking,
    /// Low shelf with shelf slope set by `q` (cookbook "lowShelf").
    LowShelf,
    /// High shelf with shelf slope set by `q` (cookbook "highShelf").
    HighShelf,
    /// Second-order high-pass (cookbook "HPF"); `gain_db` is ignored.
    HighPass,
    /// Second-order low-pass (cookbook "LPF"); `gain_db` is ignored.
    LowPass,
}

impl Section {
    pub const fn new(kind: SectionKind, freq_hz: f64, q: f64, gain_db: f64) -> Self {
        Self {
            kind,
            freq_hz,
            q,
            gain_db,
        }
    }

    /// The exact inverse of this section, where one exists. Cookbook peaking and shelf
    /// sections with the gain negated are exact reciprocals (poles and zeros swap); pass
    /// filters have no stable inverse.
    pub fn inverse(&self) -> Option<Self> {
        match self.kind {
            SectionKind::Peaking | SectionKind::LowShelf | SectionKind::HighShelf => Some(Self {
                gain_db: -self.gain_db,
                ..*self
            }),
            SectionKind::HighPass | SectionKind::LowPass => None,
        }
    }

    /// Design the digital coefficients at `sample_rate`. Frequencies are clamped below
    /// Nyquist and Q to a sane range so no stored or loaded model can make an unstable filter.
    pub fn coeffs(&self, sample_rate: f64) -> Coeffs {
        let nyquist_guard = 0.49 * sample_rate;
        let f0 = if self.freq_hz.is_finite() {
            self.freq_hz.clamp(1.0, nyquist_guard)
        } else {
            1000.0
        };
        let q = if self.q.is_finite() {
            self.q.clamp(MIN_Q, MAX_Q)
        } else {
            std::f64::consts::FRAC_1_SQRT_2
        };
        let gain_db = if self.gain_db.is_finite() {
            self.gain_db
                .clamp(-MAX_SECTION_GAIN_DB, MAX_SECTION_GAIN_DB)
        } else {
            0.0
        };
        let w0 = 2.0 * PI * f0 / sample_rate;
        let (sin_w0, cos_w0) = w0.sin_cos();
        let alpha = sin_w0 / (2.0 * q);
        let a = 10f64.powf(gain_db / 40.0);
        let (b0, b1, b2, a0, a1, a2) = match self.kind {
            SectionKind::Peaking => (
                1.0 + alpha * a,
                -2.0 * cos_w0,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * cos_w0,
                1.0 - alpha / a,
            ),
            SectionKind::LowShelf => {
                let k = 2.0 * a.sqrt() * alpha;
                (
                    a * ((a + 1.0) - (a - 1.0) * cos_w0 + k),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * cos_w0),
                    a * ((a + 1.0) - (a - 1.0) * cos_w0 - k),
                    (a + 1.0) + (a - 1.0) * cos_w0 + k,
                    -2.0 * ((a - 1.0) + (a + 1.0) * cos_w0),
                    (a + 1.0) + (a - 1.0) * cos_w0 - k,
                )
            }
            SectionKind::HighShelf => {
                let k = 2.0 * a.sqrt() * alpha;
                (
                    a * ((a + 1.0) + (a - 1.0) * cos_w0 + k),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cos_w0),
                    a * ((a + 1.0) + (a - 1.0) * cos_w0 - k),
                    (a + 1.0) - (a - 1.0) * cos_w0 + k,
                    2.0 * ((a - 1.0) - (a + 1.0) * cos_w0),
                    (a + 1.0) - (a - 1.0) * cos_w0 - k,
                )
            }
            SectionKind::HighPass => (
                (1.0 + cos_w0) / 2.0,
                -(1.0 + cos_w0),
                (1.0 + cos_w0) / 2.0,
                1.0 + alpha,
                -2.0 * cos_w0,
                1.0 - alpha,
            ),
            SectionKind::LowPass => (
                (1.0 - cos_w0) / 2.0,
                1.0 - cos_w0,
                (1.0 - cos_w0) / 2.0,
                1.0 + alpha,
                -2.0 * cos_w0,
                1.0 - alpha,
            ),
        };
        Coeffs {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: a1 / a0,
            a2: a2 / a0,
        }
    }
}

/// Q range accepted from models and loaded measurements (beyond it, sections ring or vanish).
pub const MIN_Q: f64 = 0.1;
pub const MAX_Q: f64 = 20.0;
/// Largest boost or cut a single section may apply.
pub const MAX_SECTION_GAIN_DB: f64 = 24.0;

/// Normalised biquad coefficients (a0 = 1): H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coeffs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl Coeffs {
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Complex response at `freq_hz`, as (re, im).
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> (f64, f64) {
        let w = 2.0 * PI * freq_hz / sample_rate;
        // z^-1 = e^{-jw}, z^-2 = e^{-2jw}
        let (s1, c1) = (-w).sin_cos();
        let (s2, c2) = (-2.0 * w).sin_cos();
        let num = (
            self.b0 + self.b1 * c1 + self.b2 * c2,
            self.b1 * s1 + self.b2 * s2,
        );
        let den = (
            1.0 + self.a1 * c1 + self.a2 * c2,
            self.a1 * s1 + self.a2 * s2,
        );
        complex_div(num, den)
    }

    /// |H|^2 from cos ω and cos 2ω: the expansion of |b0 + b1 z^-1 + b2 z^-2|^2 on the unit
    /// circle (and likewise the denominator). Equal to [`Self::power`] without trigonometry,
    /// for evaluating many sections on a fixed frequency grid.
    #[inline]
    pub fn power_from_cos(&self, cos1: f64, cos2: f64) -> f64 {
        let num = self.b0 * self.b0
            + self.b1 * self.b1
            + self.b2 * self.b2
            + 2.0 * self.b1 * (self.b0 + self.b2) * cos1
            + 2.0 * self.b0 * self.b2 * cos2;
        let den = 1.0
            + self.a1 * self.a1
            + self.a2 * self.a2
            + 2.0 * self.a1 * (1.0 + self.a2) * cos1
            + 2.0 * self.a2 * cos2;
        num / den
    }

    /// Power gain |H|^2 at `freq_hz`.
    pub fn power(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        let (re, im) = self.response(freq_hz, sample_rate);
        re * re + im * im
    }
}

pub(crate) fn complex_div(n: (f64, f64), d: (f64, f64)) -> (f64, f64) {
    let den = d.0 * d.0 + d.1 * d.1;
    ((n.0 * d.0 + n.1 * d.1) / den, (n.1 * d.0 - n.0 * d.1) / den)
}

pub(crate) fn complex_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

/// One stereo biquad: both channels share coefficients, so the two lanes vectorise.
#[derive(Debug, Clone, Copy)]
pub struct StereoBiquad {
    pub coeffs: Coeffs,
    s1: [f64; 2],
    s2: [f64; 2],
}

impl Default for StereoBiquad {
    fn default() -> Self {
        Self::new(Coeffs::IDENTITY)
    }
}

impl StereoBiquad {
    pub const fn new(coeffs: Coeffs) -> Self {
        Self {
            coeffs,
            s1: [0.0; 2],
            s2: [0.0; 2],
        }
    }

    pub fn reset(&mut self) {
        self.s1 = [0.0; 2];
        self.s2 = [0.0; 2];
    }

    /// Transposed direct form II, one stereo frame.
    #[inline(always)]
    pub fn tick(&mut self, x: [f64; 2]) -> [f64; 2] {
        let c = self.coeffs;
        let mut y = [0.0; 2];
        for ch in 0..2 {
            y[ch] = c.b0 * x[ch] + self.s1[ch];
            self.s1[ch] = c.b1 * x[ch] - c.a1 * y[ch] + self.s2[ch];
            self.s2[ch] = c.b2 * x[ch] - c.a2 * y[ch];
        }
        y
    }

    pub fn flush_denormals(&mut self) {
        for v in self.s1.iter_mut().chain(self.s2.iter_mut()) {
            if v.abs() < super::DENORMAL_FLOOR {
                *v = 0.0;
            }
        }
    }

    /// True when the state holds only finite values (used to recover from hostile input).
    pub fn is_finite(&self) -> bool {
        self.s1.iter().chain(self.s2.iter()).all(|v| v.is_finite())
    }
}
