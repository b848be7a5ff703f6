//! Second-order sections: coefficient design, the analytic response, and a stereo
//! transposed-direct-form-II filter.
//!
//! Every section is defined by its *analog* prototype, the s-domain filters of Robert
//! Bristow-Johnson's "Cookbook formulae for audio equalizer biquad filter coefficients"
//! (W3C Audio EQ Cookbook note, 2005/2021). Pass filters are designed the cookbook's way
//! (bilinear transform, prewarped at f0). Peaking and shelf sections are *magnitude
//! matched* ([`Section::coeffs`]): the bilinear transform squeezes everything above a few
//! kHz towards Nyquist ("cramping"), so a treble section designed at 44.1 kHz would sound
//! different from the same section at 96 kHz, and a fitted model would change its voicing
//! with the session rate. The matched design follows M. Vicanek, "Matched Second Order
//! Digital Filters" (2016): poles by impulse invariance (z = e^{sT}, exact), numerator from
//! the analog magnitude (exact at DC, least squares over the audible band), factored to
//! minimum phase; Vicanek's own three-point match and the bilinear design are kept as
//! candidates, and whichever is closest to the prototype on the band is used.
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

    /// Design the digital coefficients at `sample_rate`: magnitude matched to the analog
    /// prototype for peaking and shelf sections (so the response up to 20 kHz is the same
    /// at every rate), cookbook bilinear for pass filters. Out-of-range parameters are
    /// clamped so no stored or loaded model can make an unstable filter.
    pub fn coeffs(&self, sample_rate: f64) -> Coeffs {
        let s = self.sanitized();
        match s.kind {
            SectionKind::Peaking | SectionKind::LowShelf | SectionKind::HighShelf => {
                // Cuts are designed as the exact reciprocal of the matching boost: the
                // analog prototypes obey H(-g) = 1/H(g), and the boost's minimum-phase
                // zeros become the cut's poles, so the inverse of a section stays exact.
                let boost = Section {
                    gain_db: s.gain_db.abs(),
                    ..s
                };
                match boost.matched_boost(sample_rate) {
                    Some(c) if s.gain_db < 0.0 => c.reciprocal(),
                    Some(c) => c,
                    None => s.bilinear_coeffs(sample_rate),
                }
            }
            SectionKind::HighPass | SectionKind::LowPass => s.bilinear_coeffs(sample_rate),
        }
    }

    /// Parameters made safe: finite, Q and gain in range (frequency is range-checked by
    /// each design).
    fn sanitized(&self) -> Self {
        Self {
            kind: self.kind,
            freq_hz: if self.freq_hz.is_finite() {
                self.freq_hz.max(1.0)
            } else {
                1000.0
            },
            q: if self.q.is_finite() {
                self.q.clamp(MIN_Q, MAX_Q)
            } else {
                std::f64::consts::FRAC_1_SQRT_2
            },
            gain_db: if self.gain_db.is_finite() {
                self.gain_db
                    .clamp(-MAX_SECTION_GAIN_DB, MAX_SECTION_GAIN_DB)
            } else {
                0.0
            },
        }
    }

    /// |H(j 2π f)|² of the analog prototype (cookbook s-domain forms).
    pub fn analog_power(&self, freq_hz: f64) -> f64 {
        self.analog_power_fn()(freq_hz)
    }

    /// [`Self::analog_power`] as a function of frequency, with the per-section constants
    /// computed once (for evaluating one section on many frequencies).
    pub fn analog_power_fn(&self) -> impl Fn(f64) -> f64 + use<> {
        let s = self.sanitized();
        let a = 10f64.powf(s.gain_db / 40.0);
        let (q, f0, kind) = (s.q, s.freq_hz, s.kind);
        let sqrt_a = a.sqrt();
        move |freq_hz: f64| {
            let u = freq_hz / f0;
            let u2 = u * u;
            let quad = |c2: f64, c1: f64, c0: f64| (c0 - c2 * u2).powi(2) + (c1 * u).powi(2);
            match kind {
                SectionKind::Peaking => quad(1.0, a / q, 1.0) / quad(1.0, 1.0 / (a * q), 1.0),
                SectionKind::LowShelf => {
                    a * a * quad(1.0, sqrt_a / q, a) / quad(a, sqrt_a / q, 1.0)
                }
                SectionKind::HighShelf => {
                    a * a * quad(a, sqrt_a / q, 1.0) / quad(1.0, sqrt_a / q, a)
                }
                SectionKind::HighPass => u2 * u2 / quad(1.0, 1.0 / q, 1.0),
                SectionKind::LowPass => 1.0 / quad(1.0, 1.0 / q, 1.0),
            }
        }
    }

    /// Magnitude-matched design of a peaking or shelf *boost* (gain ≥ 0): the candidate
    /// closest to the analog prototype on the match band. `None` only for pass filters or
    /// if no candidate is finite.
    fn matched_boost(&self, sample_rate: f64) -> Option<Coeffs> {
        let nyquist = 0.5 * sample_rate;
        let a = 10f64.powf(self.gain_db / 40.0);
        // Analog poles, normalised to f0: natural frequency and damping of the
        // denominator of each prototype (see `analog_power`).
        let (pole_rel, zeta) = match self.kind {
            SectionKind::Peaking => (1.0, 1.0 / (2.0 * a * self.q)),
            SectionKind::LowShelf => (1.0 / a.sqrt(), 1.0 / (2.0 * self.q)),
            SectionKind::HighShelf => (a.sqrt(), 1.0 / (2.0 * self.q)),
            SectionKind::HighPass | SectionKind::LowPass => return None,
        };
        let w = 2.0 * PI * self.freq_hz * pole_rel / sample_rate;
        let decay = (-zeta * w).exp();
        let a1 = if zeta < 1.0 {
            // A pole at or above Nyquist (a treble section at a low rate) would alias
            // to a lower frequency: it is held at the highest angle instead, and the
            // numerator's least-squares fit makes up the in-band skirt.
            let wd = (w * (1.0 - zeta * zeta).sqrt()).min(MATCH_MAX_POLE_ANGLE);
            -2.0 * decay * wd.cos()
        } else {
            -2.0 * decay * (w * (zeta * zeta - 1.0).sqrt()).cosh()
        };
        let a2 = decay * decay;
        // |H|² = (B0 φ0 + B1 φ1 + B2 φ2) / (A0 φ0 + A1 φ1 + A2 φ2) with
        // φ0 = cos²(ω/2), φ1 = sin²(ω/2), φ2 = 4 φ0 φ1 (Vicanek 2016).
        let big_a0 = (1.0 + a1 + a2).powi(2);
        let big_a1 = (1.0 - a1 + a2).powi(2);
        let big_a2 = -4.0 * a2;
        let phis = |f: f64| {
            let phi1 = (PI * f / sample_rate).sin().powi(2);
            let phi0 = 1.0 - phi1;
            (phi0, phi1, 4.0 * phi0 * phi1)
        };
        // Numerator power target at f: |H_analog(f)|² × the denominator's power there.
        let analog = self.analog_power_fn();
        let target = |f: f64| {
            let (p0, p1, p2) = phis(f);
            analog(f) * (big_a0 * p0 + big_a1 * p1 + big_a2 * p2)
        };
        // DC is matched exactly (a shelf's level carries the loudness of the bass).
        let b_0 = target(0.0);
        // Vicanek's three-point match: also exact at Nyquist and at f0.
        // (Only where f0 lies well inside the band.)
        let b_1 = analog(nyquist) * big_a1;
        let three_point = if self.freq_hz < MATCH_MAX_F0 * nyquist {
            let (p0, p1, p2) = phis(self.freq_hz);
            numerator(b_0, b_1, (target(self.freq_hz) - b_0 * p0 - b_1 * p1) / p2)
        } else {
            None
        };
        // Better over the audible band: B1 and B2 by least squares on the relative error
        // at MATCH_POINTS log-spaced frequencies from 20 Hz to the top of the band. At
        // 44.1/48 kHz Nyquist is inaudible, so fitting through it wastes the freedom a
        // resonant treble shelf needs below 20 kHz.
        let top = (MATCH_TOP_FRACTION * nyquist).min(MATCH_TOP_HZ);
        // The band's points, their φ and the prototype's power there, computed once: this
        // runs on the audio thread when a model switch builds a chain.
        let step = (top / MATCH_BOTTOM_HZ).powf(1.0 / (MATCH_POINTS - 1) as f64);
        let mut band = [([0.0; 3], 0.0); MATCH_POINTS];
        let mut f = MATCH_BOTTOM_HZ;
        for point in band.iter_mut() {
            let (p0, p1, p2) = phis(f);
            *point = ([p0, p1, p2], analog(f));
            f *= step;
        }
        let (mut s11, mut s12, mut s22, mut r1, mut r2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &([p0, p1, p2], power) in &band {
            let t = power * (big_a0 * p0 + big_a1 * p1 + big_a2 * p2);
            let w = 1.0 / (t * t);
            let rhs = t - b_0 * p0;
            s11 += w * p1 * p1;
            s12 += w * p1 * p2;
            s22 += w * p2 * p2;
            r1 += w * p1 * rhs;
            r2 += w * p2 * rhs;
        }
        let det = s11 * s22 - s12 * s12;
        let least_squares = if det.abs() > 1e-300 {
            numerator(
                b_0,
                (r1 * s22 - r2 * s12) / det,
                (s11 * r2 - s12 * r1) / det,
            )
        } else {
            None
        };
        // Keep whichever candidate (least squares, three-point, or the cookbook's bilinear
        // design) is closest to the analog magnitude on the band: the least squares is
        // poorly conditioned for a narrow bass peak at a high rate, where bilinear is
        // already exact, and the three-point match wins for some resonant shelves.
        let band_error = |c: &Coeffs| {
            let worst = band
                .iter()
                .map(|&(phi, power)| (c.power_from_phi(phi) / power).log10().abs())
                .fold(0.0, f64::max);
            if worst.is_finite() {
                worst
            } else {
                f64::INFINITY
            }
        };
        let bilinear = self.bilinear_coeffs(sample_rate);
        [least_squares, three_point]
            .into_iter()
            .flatten()
            .map(|(b0, b1, b2)| Coeffs { b0, b1, b2, a1, a2 })
            .chain(std::iter::once(bilinear))
            .filter(Coeffs::is_finite)
            .map(|c| (band_error(&c), c))
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, c)| c)
    }

    /// The cookbook's bilinear-transform design (prewarped at f0), frequency clamped below
    /// Nyquist. Used for pass filters, as the fallback of [`Self::coeffs`], and where a
    /// standard specifies bilinear coefficients (the BS.1770 K-weighting).
    pub fn bilinear_coeffs(&self, sample_rate: f64) -> Coeffs {
        let s = self.sanitized();
        let nyquist_guard = 0.49 * sample_rate;
        let f0 = s.freq_hz.min(nyquist_guard);
        let q = s.q;
        let gain_db = s.gain_db;
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

/// The minimum-phase numerator (b0, b1, b2) whose power on the unit circle is
/// B0 φ0 + B1 φ1 + B2 φ2 (φ0 = cos²(ω/2), φ1 = sin²(ω/2), φ2 = 4 φ0 φ1), or `None` when
/// no real numerator has that power.
fn numerator(big_b0: f64, big_b1: f64, big_b2: f64) -> Option<(f64, f64, f64)> {
    if !(big_b0 >= 0.0 && big_b1 >= 0.0) {
        return None;
    }
    let (r0, r1) = (big_b0.sqrt(), big_b1.sqrt());
    let w = 0.5 * (r0 + r1);
    let disc = w * w + big_b2;
    if !(disc >= 0.0) || w <= 0.0 {
        return None;
    }
    let b0 = 0.5 * (w + disc.sqrt());
    Some((b0, 0.5 * (r0 - r1), -big_b2 / (4.0 * b0)))
}

/// Least-squares band of the matched design: 20 Hz up to 20 kHz or 0.45 fs, whichever is
/// lower, sampled at `MATCH_POINTS` log-spaced frequencies (about 1/3 octave apart).
const MATCH_BOTTOM_HZ: f64 = 20.0;
const MATCH_TOP_HZ: f64 = 20_000.0;
const MATCH_TOP_FRACTION: f64 = 0.9;
const MATCH_POINTS: usize = 32;

/// Highest f0 (fraction of Nyquist) for the three-point match, which matches the analog
/// magnitude at f0: f0 must lie inside the band with room to spare.
const MATCH_MAX_F0: f64 = 0.9;
/// Highest pole angle (rad/sample) of the impulse-invariant pole mapping: beyond ~0.9π
/// an analog pole near or above Nyquist would alias to a lower frequency.
const MATCH_MAX_POLE_ANGLE: f64 = 0.9 * PI;

/// Q range accepted from models and loaded measurements (beyond it, sections ring or vanish).
const MIN_Q: f64 = 0.1;
const MAX_Q: f64 = 20.0;
/// Largest boost or cut a single section may apply.
const MAX_SECTION_GAIN_DB: f64 = 24.0;

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

    /// 1/H: numerator and denominator swapped (stable when the zeros are inside the unit
    /// circle, as for every minimum-phase peaking and shelf design).
    pub fn reciprocal(&self) -> Self {
        Self {
            b0: 1.0 / self.b0,
            b1: self.a1 / self.b0,
            b2: self.a2 / self.b0,
            a1: self.b1 / self.b0,
            a2: self.b2 / self.b0,
        }
    }

    /// |H|² from φ = (cos²(ω/2), sin²(ω/2), sin²ω): numerator and denominator power as
    /// linear forms in φ (Vicanek 2016), no trigonometry per call.
    #[inline]
    pub fn power_from_phi(&self, phi: [f64; 3]) -> f64 {
        let num = (self.b0 + self.b1 + self.b2).powi(2) * phi[0]
            + (self.b0 - self.b1 + self.b2).powi(2) * phi[1]
            - 4.0 * self.b0 * self.b2 * phi[2];
        let den = (1.0 + self.a1 + self.a2).powi(2) * phi[0]
            + (1.0 - self.a1 + self.a2).powi(2) * phi[1]
            - 4.0 * self.a2 * phi[2];
        num / den
    }

    pub fn is_finite(&self) -> bool {
        [self.b0, self.b1, self.b2, self.a1, self.a2]
            .iter()
            .all(|v| v.is_finite())
    }

    /// Complex response at `freq_hz`, as (re, im).
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> (f64, f64) {
        self.response_at(&UnitCirclePoint::new(freq_hz, sample_rate))
    }

    /// Complex response at a precomputed frequency point, as (re, im).
    pub fn response_at(&self, z: &UnitCirclePoint) -> (f64, f64) {
        let (c1, s1, c2, s2) = (z.cos1, z.sin1, z.cos2, z.sin2);
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

/// z^-1 = e^{-jw} and z^-2 = e^{-2jw} at one frequency, for evaluating many filters there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitCirclePoint {
    cos1: f64,
    sin1: f64,
    cos2: f64,
    sin2: f64,
}

impl UnitCirclePoint {
    pub fn new(freq_hz: f64, sample_rate: f64) -> Self {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let (sin1, cos1) = (-w).sin_cos();
        let (sin2, cos2) = (-2.0 * w).sin_cos();
        Self {
            cos1,
            sin1,
            cos2,
            sin2,
        }
    }

    /// z^-1 = e^{-jw} as (re, im).
    pub fn z1(&self) -> (f64, f64) {
        (self.cos1, self.sin1)
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
