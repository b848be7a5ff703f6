//! bs2b-style crossfeed with an interaural delay and an optional mono-flat compensation.
//!
//! The filters follow Boris Mikhaylov's Bauer stereophonic-to-binaural design (libbs2b 3.1.0,
//! `bs2b.c`, MIT): a one-pole low-pass on the cross path and a one-pole high-boost shelf on
//! the direct path, both designed from a cutoff `fc` and a feed level `feed` (dB):
//!
//! ```text
//! GB_lo = -5/6 feed - 3 dB          G_lo = 10^(GB_lo/20)           (cross path DC gain)
//! GB_hi =  1/6 feed - 3 dB          G_hi = 1 - 10^(GB_hi/20)       (direct path boost)
//! fc_hi = fc * 2^((GB_lo - 20 log10 G_hi) / 12)
//! lo(z) = G_lo (1 - x_lo) / (1 - x_lo z^-1),                    x_lo = e^{-2π fc / fs}
//! hi(z) = (1 - G_hi (1 - x_hi) - x_hi z^-1) / (1 - x_hi z^-1),  x_hi = e^{-2π fc_hi / fs}
//! out_L = g (hi(L) + lo(R)),  g = 1 / (1 - G_hi + G_lo)
//! ```
//!
//! This is written here from those formulas (not from libbs2b's code) and checked against
//! the `bs2b` crate in `tests/crossfeed.rs`.
//!
//! Cans adds two things:
//! - **ITD**: the cross path is delayed by a fractional interaural delay (linear
//!   interpolation; on a path already low-passed at <= 2 kHz its droop is < 0.1 dB).
//! - **Mono-flat compensation**: with mid `M = (L+R)/2` and side `S = (L-R)/2`, the core is
//!   `M' = g (hi + lo z^-τ) M`, `S' = g (hi - lo z^-τ) S`. bs2b's `M'` falls by ~1.8 dB
//!   (4.5 dB feed) from bass to treble: centred vocals get duller. The compensated form
//!   divides both outputs by the mid response, so `M' = M` exactly and
//!   `S' = (hi - lo z^-τ) / (hi + lo z^-τ) S`. The interaural cue (cross/direct ratio) is
//!   unchanged. The division is stable because |lo/hi| < 1 on the unit circle for every
//!   feed above 0 dB (small-gain theorem); the delay-free part of the loop (ITD < 1
//!   sample) is solved in closed form.

use std::f64::consts::PI;

use super::biquad::UnitCirclePoint;

/// bs2b's cutoff range (libbs2b `BS2B_MINFCUT`, `BS2B_MAXFCUT`).
pub const XF_CUTOFF_MIN_HZ: f32 = 300.0;
pub const XF_CUTOFF_MAX_HZ: f32 = 2000.0;
/// bs2b's feed range (libbs2b `BS2B_MINFEED`, `BS2B_MAXFEED`: 1.0 to 15.0 dB).
pub const XF_FEED_MIN_DB: f32 = 1.0;
pub const XF_FEED_MAX_DB: f32 = 15.0;
/// Largest interaural delay offered. The Woodworth spherical-head model with a 8.75 cm
/// radius at 90° gives (a/c)(π/2 + 1) = 0.66 ms; 0.7 ms covers large heads.
pub const ITD_MAX_MS: f32 = 0.7;
/// Default ITD: Woodworth's formula (a/c)(θ + sin θ) for a loudspeaker at θ = 30°, head
/// radius a = 8.75 cm, c = 343 m/s: 0.2552 mm/(m/s)·(0.5236 + 0.5) = 0.26 ms.
/// (R. S. Woodworth, Experimental Psychology, 1938; radius from Algazi et al. 2001.)
pub const WOODWORTH_ITD_30_DEG_MS: f32 = 0.26;

/// A crossfeed setting: cutoff of the cross-path low-pass and feed level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossfeedSettings {
    pub cutoff_hz: f64,
    pub feed_db: f64,
}

impl CrossfeedSettings {
    /// bs2b `BS2B_DEFAULT_CLEVEL`: 700 Hz, 4.5 dB.
    pub const DEFAULT: Self = Self {
        cutoff_hz: 700.0,
        feed_db: 4.5,
    };
    /// bs2b `BS2B_CMOY_CLEVEL`: 700 Hz, 6.0 dB (Chu Moy's headphone amp crossfeed).
    pub const CHU_MOY: Self = Self {
        cutoff_hz: 700.0,
        feed_db: 6.0,
    };
    /// bs2b `BS2B_JMEIER_CLEVEL`: 650 Hz, 9.5 dB (Jan Meier's crossfeed).
    pub const JAN_MEIER: Self = Self {
        cutoff_hz: 650.0,
        feed_db: 9.5,
    };

    /// Clamp into bs2b's documented ranges; non-finite values fall back to the default.
    pub fn sanitized(self) -> Self {
        let pick = |v: f64, lo: f32, hi: f32, fallback: f64| {
            if v.is_finite() {
                v.clamp(lo as f64, hi as f64)
            } else {
                fallback
            }
        };
        Self {
            cutoff_hz: pick(self.cutoff_hz, XF_CUTOFF_MIN_HZ, XF_CUTOFF_MAX_HZ, 700.0),
            feed_db: pick(self.feed_db, XF_FEED_MIN_DB, XF_FEED_MAX_DB, 4.5),
        }
    }
}

/// The bs2b filter coefficients at one sample rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossfeedCoeffs {
    /// Cross-path low-pass: y = a0_lo x + b1_lo y[-1].
    pub a0_lo: f64,
    pub b1_lo: f64,
    /// Direct-path high boost: y = a0_hi x + a1_hi x[-1] + b1_hi y[-1].
    pub a0_hi: f64,
    pub a1_hi: f64,
    pub b1_hi: f64,
    /// Output gain g that brings the mono bass back to unity.
    pub gain: f64,
}

impl CrossfeedCoeffs {
    pub fn design(settings: CrossfeedSettings, sample_rate: f64) -> Self {
        let s = settings.sanitized();
        let gb_lo = s.feed_db * -5.0 / 6.0 - 3.0;
        let gb_hi = s.feed_db / 6.0 - 3.0;
        let g_lo = 10f64.powf(gb_lo / 20.0);
        let g_hi = 1.0 - 10f64.powf(gb_hi / 20.0);
        let fc_hi = s.cutoff_hz * 2f64.powf((gb_lo - 20.0 * g_hi.log10()) / 12.0);
        let x_lo = (-2.0 * PI * s.cutoff_hz / sample_rate).exp();
        let x_hi = (-2.0 * PI * fc_hi / sample_rate).exp();
        Self {
            a0_lo: g_lo * (1.0 - x_lo),
            b1_lo: x_lo,
            a0_hi: 1.0 - g_hi * (1.0 - x_hi),
            a1_hi: -x_hi,
            b1_hi: x_hi,
            gain: 1.0 / (1.0 - g_hi + g_lo),
        }
    }

    /// Complex responses (lo, hi) of the two one-poles at `freq_hz`.
    pub fn paths(&self, freq_hz: f64, sample_rate: f64) -> ((f64, f64), (f64, f64)) {
        self.paths_at(&UnitCirclePoint::new(freq_hz, sample_rate))
    }

    /// [`Self::paths`] at a precomputed frequency point.
    pub fn paths_at(&self, z: &UnitCirclePoint) -> ((f64, f64), (f64, f64)) {
        use super::biquad::complex_div;
        let (c, s) = z.z1();
        let lo = complex_div((self.a0_lo, 0.0), (1.0 - self.b1_lo * c, -self.b1_lo * s));
        let hi = complex_div(
            (self.a0_hi + self.a1_hi * c, self.a1_hi * s),
            (1.0 - self.b1_hi * c, -self.b1_hi * s),
        );
        (lo, hi)
    }

    /// Analytic response of the L/R core to a left-only input: (direct to L, cross to R),
    /// including the ITD delay `delay_samples`.
    pub fn core_response(
        &self,
        freq_hz: f64,
        sample_rate: f64,
        delay_samples: f64,
    ) -> ((f64, f64), (f64, f64)) {
        self.core_response_at(&UnitCirclePoint::new(freq_hz, sample_rate), delay_samples)
    }

    /// [`Self::core_response`] at a precomputed frequency point.
    pub fn core_response_at(
        &self,
        z: &UnitCirclePoint,
        delay_samples: f64,
    ) -> ((f64, f64), (f64, f64)) {
        use super::biquad::complex_mul;
        let (lo, hi) = self.paths_at(z);
        let delay = fractional_delay_response_at(z, delay_samples);
        let cross = complex_mul(complex_mul(lo, delay), (self.gain, 0.0));
        let direct = (hi.0 * self.gain, hi.1 * self.gain);
        (direct, cross)
    }

    /// Analytic (mid, side) gains of the crossfeed, compensated or not.
    pub fn mid_side_response(
        &self,
        freq_hz: f64,
        sample_rate: f64,
        delay_samples: f64,
        mono_flat: bool,
    ) -> ((f64, f64), (f64, f64)) {
        let z = UnitCirclePoint::new(freq_hz, sample_rate);
        self.mid_side_response_at(&z, delay_samples, mono_flat)
    }

    /// [`Self::mid_side_response`] at a precomputed frequency point (the level match
    /// evaluates it on a fixed grid, on the audio thread).
    pub fn mid_side_response_at(
        &self,
        z: &UnitCirclePoint,
        delay_samples: f64,
        mono_flat: bool,
    ) -> ((f64, f64), (f64, f64)) {
        use super::biquad::complex_div;
        let (direct, cross) = self.core_response_at(z, delay_samples);
        let mid = (direct.0 + cross.0, direct.1 + cross.1);
        let side = (direct.0 - cross.0, direct.1 - cross.1);
        if mono_flat {
            ((1.0, 0.0), complex_div(side, mid))
        } else {
            (mid, side)
        }
    }
}

/// Response of the linear-interpolation fractional delay used for the ITD.
pub fn fractional_delay_response(w: f64, delay_samples: f64) -> (f64, f64) {
    let d = delay_samples.max(0.0);
    let n = d.floor();
    let f = d - n;
    // (1 - f) z^-n + f z^-(n+1)
    let (s0, c0) = (-w * n).sin_cos();
    let (s1, c1) = (-w * (n + 1.0)).sin_cos();
    ((1.0 - f) * c0 + f * c1, (1.0 - f) * s0 + f * s1)
}

/// [`fractional_delay_response`] from a precomputed z^-1: z^-n by repeated squaring (a
/// handful of complex products instead of two `sin_cos` calls; the rounding error grows
/// with log2 n, about 1e-15 here).
pub fn fractional_delay_response_at(z: &UnitCirclePoint, delay_samples: f64) -> (f64, f64) {
    use super::biquad::complex_mul;
    let d = if delay_samples.is_finite() {
        delay_samples.max(0.0)
    } else {
        0.0
    };
    let n = d.floor();
    let f = d - n;
    let z1 = z.z1();
    let (mut acc, mut base, mut k) = ((1.0, 0.0), z1, n as u64);
    while k > 0 {
        if k & 1 == 1 {
            acc = complex_mul(acc, base);
        }
        base = complex_mul(base, base);
        k >>= 1;
    }
    let next = complex_mul(acc, z1);
    // (1 - f) z^-n + f z^-(n+1)
    (
        (1.0 - f) * acc.0 + f * next.0,
        (1.0 - f) * acc.1 + f * next.1,
    )
}

/// A ring of past samples read at a fractional delay. Sized once, never reallocated.
#[derive(Debug, Clone)]
struct DelayLine {
    buf: Vec<[f64; 2]>,
    mask: usize,
    write: usize,
}

impl DelayLine {
    /// A delay line holding at least `max_delay_samples + 2` frames.
    pub fn new(max_delay_samples: usize) -> Self {
        let len = (max_delay_samples + 2).next_power_of_two();
        Self {
            buf: vec![[0.0; 2]; len],
            mask: len - 1,
            write: 0,
        }
    }

    pub fn reset(&mut self) {
        self.buf.iter_mut().for_each(|v| *v = [0.0; 2]);
    }

    /// Largest delay (in samples) this line can read.
    pub fn capacity(&self) -> usize {
        self.buf.len() - 2
    }

    /// The sample `n` frames ago (n >= 1 reads history; the current frame is not yet stored).
    #[inline(always)]
    fn past(&self, n: usize) -> [f64; 2] {
        self.buf[(self.write.wrapping_sub(n)) & self.mask]
    }

    #[inline(always)]
    fn push(&mut self, x: [f64; 2]) {
        self.buf[self.write & self.mask] = x;
        self.write = self.write.wrapping_add(1);
    }
}

/// The read position of the ITD delay, split for linear interpolation, with its weights
/// worked out once per setting so the per-frame read has no branches.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tap {
    /// Weight of the current input sample (non-zero only when the whole delay is zero).
    w_now: f64,
    /// Two history reads (`n` frames ago, n >= 1) and their weights. When the whole delay
    /// is zero the first read's weight is zero (its "sample" is the current input).
    near: usize,
    w_near: f64,
    far: usize,
    w_far: f64,
}

impl Tap {
    fn new(delay_samples: f64, capacity: usize) -> Self {
        let d = if delay_samples.is_finite() {
            delay_samples.clamp(0.0, capacity.saturating_sub(1) as f64)
        } else {
            0.0
        };
        let whole = d.floor() as usize;
        let frac = d - whole as f64;
        // Weights (1 - frac) at `whole` and frac at `whole + 1`; offset 0 means "now".
        let (w_now, w_near) = if whole == 0 {
            (1.0 - frac, 0.0)
        } else {
            (0.0, 1.0 - frac)
        };
        Self {
            w_now,
            near: whole.max(1),
            w_near,
            far: whole + 1,
            w_far: frac,
        }
    }

    /// The stored-history part of the delayed signal, per lane. A zero weight times a
    /// (finite) stored sample adds exactly zero, so this equals skipping that read.
    #[inline(always)]
    fn past(&self, line: &DelayLine) -> [f64; 2] {
        let a = line.past(self.near);
        let b = line.past(self.far);
        [
            self.w_near * a[0] + self.w_far * b[0],
            self.w_near * a[1] + self.w_far * b[1],
        ]
    }
}

/// Crossfeed processor state for one stereo stream.
#[derive(Debug, Clone)]
pub struct Crossfeed {
    coeffs: CrossfeedCoeffs,
    tap: Tap,
    mono_flat: bool,
    /// 1 / (a0_hi + a0_lo w_now): the mono-flat loop's delay-free gain, inverted once.
    inv_loop_gain: f64,
    /// Core: delayed inputs (L, R); compensated: (S, S') side input and output history.
    line: DelayLine,
    lo: [f64; 2],
    hi: [f64; 2],
    prev_in: [f64; 2],
}

impl Crossfeed {
    /// `max_delay_samples`: the longest ITD (in samples) the host's sample rate can need.
    pub fn new(max_delay_samples: usize) -> Self {
        Self {
            coeffs: CrossfeedCoeffs::design(CrossfeedSettings::DEFAULT, 48_000.0),
            tap: Tap::new(0.0, 0),
            mono_flat: true,
            inv_loop_gain: 1.0,
            line: DelayLine::new(max_delay_samples),
            lo: [0.0; 2],
            hi: [0.0; 2],
            prev_in: [0.0; 2],
        }
    }

    /// Set the filters and delay. Changing `mono_flat` changes the topology: callers
    /// crossfade to a fresh instance for that (see `chain.rs`); coefficients and delay may
    /// change freely while running.
    pub fn configure(&mut self, coeffs: CrossfeedCoeffs, delay_samples: f64, mono_flat: bool) {
        self.coeffs = coeffs;
        self.tap = Tap::new(delay_samples, self.line.capacity());
        self.inv_loop_gain = 1.0 / (coeffs.a0_hi + coeffs.a0_lo * self.tap.w_now);
        if mono_flat != self.mono_flat {
            self.mono_flat = mono_flat;
            self.reset();
        }
    }

    pub fn reset(&mut self) {
        self.line.reset();
        self.lo = [0.0; 2];
        self.hi = [0.0; 2];
        self.prev_in = [0.0; 2];
    }

    pub fn flush_denormals(&mut self) {
        for v in self.lo.iter_mut().chain(self.hi.iter_mut()) {
            if v.abs() < super::DENORMAL_FLOOR {
                *v = 0.0;
            }
        }
    }

    pub fn is_finite(&self) -> bool {
        self.lo
            .iter()
            .chain(self.hi.iter())
            .chain(self.prev_in.iter())
            .all(|v| v.is_finite())
    }

    /// True when running the mono-flat topology (see [`Crossfeed::configure`]).
    pub fn is_mono_flat(&self) -> bool {
        self.mono_flat
    }

    #[inline(always)]
    pub fn tick(&mut self, x: [f64; 2]) -> [f64; 2] {
        if self.mono_flat {
            self.tick_mono_flat(x)
        } else {
            self.tick_core(x)
        }
    }

    /// The crossfeed alone over planar blocks (a stand-alone stage; the chain ticks it
    /// frame by frame instead). The topology branch is taken once per block.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.iter_mut().zip(right.iter_mut());
        if self.mono_flat {
            for (l, r) in frames {
                let y = self.tick_mono_flat([*l as f64, *r as f64]);
                (*l, *r) = (y[0] as f32, y[1] as f32);
            }
        } else {
            for (l, r) in frames {
                let y = self.tick_core([*l as f64, *r as f64]);
                (*l, *r) = (y[0] as f32, y[1] as f32);
            }
        }
    }

    /// bs2b with ITD: out_L = g (hi(L) + lo(delay(R))).
    #[inline(always)]
    pub fn tick_core(&mut self, x: [f64; 2]) -> [f64; 2] {
        let c = self.coeffs;
        let w_now = self.tap.w_now;
        let past = self.tap.past(&self.line);
        // Lane 0 low-passes the delayed left (feeds right); lane 1 the delayed right.
        for ch in 0..2 {
            let delayed = w_now * x[ch] + past[ch];
            self.lo[ch] = c.a0_lo * delayed + c.b1_lo * self.lo[ch];
            self.hi[ch] = c.a0_hi * x[ch] + c.a1_hi * self.prev_in[ch] + c.b1_hi * self.hi[ch];
        }
        self.prev_in = x;
        self.line.push(x);
        [
            c.gain * (self.hi[0] + self.lo[1]),
            c.gain * (self.hi[1] + self.lo[0]),
        ]
    }

    /// Mid passes untouched; side y solves hi(y) + lo(D y) = hi(s) - lo(D s), D the ITD.
    /// State lanes: 0 filters the side input s, 1 filters the side output y.
    #[inline(always)]
    pub fn tick_mono_flat(&mut self, x: [f64; 2]) -> [f64; 2] {
        let c = self.coeffs;
        let mid = 0.5 * (x[0] + x[1]);
        let s = 0.5 * (x[0] - x[1]);
        let w_now = self.tap.w_now;
        let past = self.tap.past(&self.line);

        // Input side: hi(s) and lo(D s), fully known.
        let hi_s = c.a0_hi * s + c.a1_hi * self.prev_in[0] + c.b1_hi * self.hi[0];
        let lo_s = c.a0_lo * (w_now * s + past[0]) + c.b1_lo * self.lo[0];
        // Output side: hi(y) = a0_hi y + hist_hi, lo(D y) = a0_lo w_now y + hist_lo.
        let hist_hi = c.a1_hi * self.prev_in[1] + c.b1_hi * self.hi[1];
        let hist_lo = c.a0_lo * past[1] + c.b1_lo * self.lo[1];
        let y = (hi_s - lo_s - hist_hi - hist_lo) * self.inv_loop_gain;

        self.hi = [hi_s, c.a0_hi * y + hist_hi];
        self.lo = [lo_s, c.a0_lo * w_now * y + hist_lo];
        self.prev_in = [s, y];
        self.line.push([s, y]);
        [mid + y, mid - y]
    }
}
