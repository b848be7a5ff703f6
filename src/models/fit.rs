//! From a measured response to a few parametric sections.
//!
//! 1. **Interpolation** onto a fixed log-frequency grid ([`analysis_grid`], 1/96 octave,
//!    20 Hz–20 kHz): linear in log-frequency, end values held outside the measured range.
//! 2. **Smoothing** ([`smooth`]): a rectangular window in log-frequency, averaged in dB,
//!    1/6 octave wide up to 100 Hz, widening (linearly in log-frequency) to 1/3 octave at
//!    10 kHz and above. The widths and corner frequencies are AutoEq's defaults
//!    (jaakkopasanen/AutoEq `constants.py`: `DEFAULT_SMOOTHING_WINDOW_SIZE = 1/6`,
//!    `DEFAULT_TREBLE_SMOOTHING_WINDOW_SIZE = 1/3`, treble smoothing between 100 Hz and
//!    10 kHz), the tool these measurements are published with. Why: 1/6 octave keeps what
//!    an ear hears as tone colour (cup resonances, bass roll-off, the 2–5 kHz presence
//!    region are all at least 1/3 octave wide) while removing measurement ripple; above a
//!    few kHz a headphone's response changes by several dB with each re-seating on the rig
//!    or a real head, so narrow treble features are not properties of the model and are
//!    smoothed harder.
//! 3. **Normalisation** ([`normalise`]): the mean level over 200 Hz–2 kHz is 0 dB. The
//!    CSVs carry relative SPL with an arbitrary offset; the midrange is where headphones of
//!    every class agree best with the target and where the loudness of music is carried,
//!    so aligning there makes deltas show colouration (bass, treble) rather than offset.
//! 4. **Delta** ([`delta`]): headphone − its rig's target, both treated as above, on the
//!    fit grid (every second analysis point: 1/48 octave, 479 points), then tapered to
//!    0 dB above the error band ([`treble_taper`]: unchanged to 16 kHz, a raised cosine
//!    in log-frequency down to 0 dB at 20 kHz), so every voicing returns to flat at the
//!    top of the audible band instead of following the rig's treble lift to Nyquist.
//! 5. **Fit** ([`fit`]): at most [`MAX_FIT_SECTIONS`] peaking/shelf sections, greedy
//!    initialisation at the largest remaining error followed by joint Levenberg–Marquardt
//!    refinement of every section (bounded: 20 Hz–20 kHz, Q 0.2–10, ±15 dB). Only
//!    peaking and shelf sections are used because they are exactly invertible
//!    ([`SectionList::inverse`]), which the "your headphones" correction relies on.
//!
//! Everything is plain sequential `f64` arithmetic with fixed iteration rules: the same
//! input gives the same bits on every run, so the generated model file is reproducible.

use crate::dsp::biquad::{Section, SectionKind};
use crate::dsp::cascade::SectionList;

use super::csv::Measurement;

/// Lowest and highest frequency of every grid, Hz (the audible band).
const GRID_MIN_HZ: f64 = 20.0;
const GRID_MAX_HZ: f64 = 20_000.0;
/// Analysis grid density (points per octave). 1/96 octave resolves the 1/6-octave window
/// with 16 points and is finer than AutoEq's 695-point grid (~1/70 octave).
const ANALYSIS_POINTS_PER_OCTAVE: usize = 96;
/// The fit grid takes every `FIT_DECIMATION`-th analysis point (1/48 octave): a 1/6-octave
/// smoothed curve has no detail finer than 8 such points.
const FIT_DECIMATION: usize = 2;

/// Smoothing window widths (octaves) and where the treble width takes over (Hz); AutoEq
/// defaults, see the module notes.
const SMOOTHING_OCTAVES: f64 = 1.0 / 6.0;
const TREBLE_SMOOTHING_OCTAVES: f64 = 1.0 / 3.0;
const TREBLE_BLEND_START_HZ: f64 = 100.0;
const TREBLE_BLEND_END_HZ: f64 = 10_000.0;

/// Band whose mean level is set to 0 dB (see the module notes).
const NORMALISE_LOW_HZ: f64 = 200.0;
const NORMALISE_HIGH_HZ: f64 = 2_000.0;

/// Band over which fit errors are measured. Above 16 kHz the rigs' couplers are
/// unreliable (oratory1990 publishes curves only to ~16–20 kHz, with the caveat that
/// above ~10 kHz results depend on ear-canal geometry and seating on the rig) and little
/// programme energy or hearing remains.
pub const ERROR_BAND_LOW_HZ: f64 = 20.0;
pub const ERROR_BAND_HIGH_HZ: f64 = 16_000.0;

/// Treble taper of every delta ([`treble_taper`]): unchanged up to
/// [`ERROR_BAND_HIGH_HZ`], faded as a raised cosine in log-frequency to 0 dB at
/// `TAPER_END_HZ`, 0 dB above. Why:
/// - reliability: above 16 kHz the rig data are not a property of the headphone (see the
///   error band above); the Harman target falls steeply there, so the untapered deltas
///   read as +6…+11 dB treble lifts (KNS 8400 +11 dB at 20 kHz) that the fitted high
///   shelves then carry on to Nyquist;
/// - consistency across sample rates: a shelf that keeps boosting above 20 kHz voices a
///   96 kHz session differently from a 48 kHz one (up to 48 kHz of extra boost);
/// - loudness match: the K-weighted pink-noise level match integrates up to Nyquist, so
///   an inaudible ultrasonic boost moved the matched level by up to 1.3 LU at 96 kHz.
///
/// 20 kHz is the conventional upper limit of hearing and the top of the fit grid
/// ([`GRID_MAX_HZ`]); the fade spans the 16–20 kHz third of an octave.
const TAPER_END_HZ: f64 = 20_000.0;
/// Weight of the taper region (16–20 kHz) in the fit: full weight, so the sections follow
/// the taper back to ~0 dB there (errors in this region are not reported: the data under
/// the taper is no longer the measurement).
const TAPER_BAND_WEIGHT: f64 = 1.0;

/// The fit works on the sections' *analog* prototypes (`Section::analog_power`): the
/// digital design at any host rate is magnitude-matched to them (`Section::coeffs`), so a
/// fitted model sounds the same at every rate. Fit errors are reported for the digital
/// filters actually run, at this rate (the most common one) and at 44.1 kHz.
pub const FIT_SAMPLE_RATE: f64 = 48_000.0;

/// Most sections a fit may use (leaves room in a 12-section list).
pub const MAX_FIT_SECTIONS: usize = 10;

/// Parameter bounds of the fit.
const FIT_MIN_HZ: f64 = 20.0;
const FIT_MAX_HZ: f64 = 20_000.0;
const FIT_MIN_Q: f64 = 0.2;
const FIT_MAX_Q: f64 = 10.0;
/// Shelves above Q ≈ 0.7 overshoot into a bump beside the shelf; up to 2 is allowed (the
/// bump is sometimes what the data shows) but not the resonant shelves beyond it.
const FIT_MAX_SHELF_Q: f64 = 2.0;
const FIT_MAX_GAIN_DB: f64 = 15.0;

/// The greedy stage stops adding sections once the fit is this good in the error band:
/// 0.25 dB RMS and 0.75 dB peak are below the ~1 dB just-noticeable difference for a
/// broadband level change (Zwicker & Fastl, *Psychoacoustics*, ch. 7) by a wide margin.
const GOOD_ENOUGH_RMS_DB: f64 = 0.25;
const GOOD_ENOUGH_MAX_DB: f64 = 0.75;

/// A response on the fit grid, in dB.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    pub frequency_hz: Vec<f64>,
    pub db: Vec<f64>,
}

/// Fitted sections and how far they are from the delta they model.
#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    pub sections: SectionList,
    /// RMS and max |error| (dB) at [`FIT_SAMPLE_RATE`], [`ERROR_BAND_LOW_HZ`]–[`ERROR_BAND_HIGH_HZ`].
    pub rms_db: f64,
    pub max_db: f64,
}

/// The analysis grid: 1/96 octave from 20 Hz up to (not beyond) 20 kHz.
fn analysis_grid() -> Vec<f64> {
    let octaves = (GRID_MAX_HZ / GRID_MIN_HZ).log2();
    let n = (octaves * ANALYSIS_POINTS_PER_OCTAVE as f64).floor() as usize + 1;
    (0..n)
        .map(|i| GRID_MIN_HZ * (i as f64 / ANALYSIS_POINTS_PER_OCTAVE as f64).exp2())
        .collect()
}

/// The fit grid (every [`FIT_DECIMATION`]-th analysis point).
#[cfg(test)]
fn fit_grid() -> Vec<f64> {
    analysis_grid()
        .into_iter()
        .step_by(FIT_DECIMATION)
        .collect()
}

/// Linear interpolation in log-frequency of `m` at each frequency of `grid`; values
/// outside the measured range hold the nearest end value.
fn interpolate(m: &Measurement, grid: &[f64]) -> Vec<f64> {
    let f = &m.frequency_hz;
    let v = &m.raw_db;
    let mut out = Vec::with_capacity(grid.len());
    let mut j = 0;
    for &g in grid {
        if f.is_empty() {
            out.push(0.0);
            continue;
        }
        if g <= f[0] {
            out.push(v[0]);
            continue;
        }
        if g >= f[f.len() - 1] {
            out.push(v[v.len() - 1]);
            continue;
        }
        while f[j + 1] < g {
            j += 1;
        }
        let t = (g / f[j]).ln() / (f[j + 1] / f[j]).ln();
        out.push(v[j] + t * (v[j + 1] - v[j]));
    }
    out
}

/// Window width (octaves) at `hz`: 1/6 octave up to 100 Hz, then linear in log-frequency
/// to 1/3 octave at 10 kHz and above.
fn smoothing_octaves(hz: f64) -> f64 {
    let t = ((hz / TREBLE_BLEND_START_HZ).ln()
        / (TREBLE_BLEND_END_HZ / TREBLE_BLEND_START_HZ).ln())
    .clamp(0.0, 1.0);
    SMOOTHING_OCTAVES + t * (TREBLE_SMOOTHING_OCTAVES - SMOOTHING_OCTAVES)
}

/// Fractional-octave smoothing of `db` given on the analysis grid: each point becomes the
/// mean (in dB) of the points within ±half the window; at the grid ends the window is
/// cut to the points that exist.
pub fn smooth(db: &[f64]) -> Vec<f64> {
    let grid = analysis_grid();
    assert_eq!(db.len(), grid.len(), "smooth() takes analysis-grid data");
    let mut prefix = Vec::with_capacity(db.len() + 1);
    prefix.push(0.0);
    for &v in db {
        prefix.push(prefix[prefix.len() - 1] + v);
    }
    (0..db.len())
        .map(|i| {
            let half =
                (smoothing_octaves(grid[i]) * ANALYSIS_POINTS_PER_OCTAVE as f64 / 2.0).round();
            let half = half as usize;
            let lo = i.saturating_sub(half);
            let hi = (i + half).min(db.len() - 1);
            (prefix[hi + 1] - prefix[lo]) / (hi + 1 - lo) as f64
        })
        .collect()
}

/// Shift `db` so its mean over 200 Hz–2 kHz is 0 dB.
fn normalise(frequency_hz: &[f64], db: &[f64]) -> Vec<f64> {
    let (sum, n) = frequency_hz
        .iter()
        .zip(db)
        .filter(|(f, _)| (NORMALISE_LOW_HZ..=NORMALISE_HIGH_HZ).contains(*f))
        .fold((0.0, 0usize), |(s, n), (_, v)| (s + v, n + 1));
    let mean = if n > 0 { sum / n as f64 } else { 0.0 };
    db.iter().map(|v| v - mean).collect()
}

/// A measurement interpolated, smoothed and normalised, on the fit grid.
pub fn prepare(m: &Measurement) -> Delta {
    let grid = analysis_grid();
    let smoothed = smooth(&interpolate(m, &grid));
    let normalised = normalise(&grid, &smoothed);
    decimate(&grid, &normalised)
}

fn decimate(grid: &[f64], db: &[f64]) -> Delta {
    Delta {
        frequency_hz: grid.iter().copied().step_by(FIT_DECIMATION).collect(),
        db: db.iter().copied().step_by(FIT_DECIMATION).collect(),
    }
}

/// Taper factor at `hz` (see [`TAPER_END_HZ`]): 1 up to [`ERROR_BAND_HIGH_HZ`], a
/// raised cosine in log-frequency to 0 at [`TAPER_END_HZ`], 0 above.
pub fn treble_taper(hz: f64) -> f64 {
    if hz <= ERROR_BAND_HIGH_HZ {
        1.0
    } else if hz >= TAPER_END_HZ {
        0.0
    } else {
        let t = (hz / ERROR_BAND_HIGH_HZ).ln() / (TAPER_END_HZ / ERROR_BAND_HIGH_HZ).ln();
        0.5 * (1.0 + (std::f64::consts::PI * t).cos())
    }
}

/// headphone − target, each interpolated, smoothed and normalised, on the fit grid, with
/// the [`treble_taper`] applied.
pub fn delta(headphone: &Measurement, target: &Measurement) -> Delta {
    let h = prepare(headphone);
    let t = prepare(target);
    Delta {
        db: h
            .frequency_hz
            .iter()
            .zip(h.db.iter().zip(&t.db))
            .map(|(&f, (a, b))| treble_taper(f) * (a - b))
            .collect(),
        frequency_hz: h.frequency_hz,
    }
}

/// Pointwise mean of deltas on the same grid.
pub fn mean_delta(deltas: &[&Delta]) -> Delta {
    let n = deltas.len().max(1) as f64;
    let len = deltas.first().map_or(0, |d| d.db.len());
    Delta {
        frequency_hz: deltas
            .first()
            .map(|d| d.frequency_hz.clone())
            .unwrap_or_default(),
        db: (0..len)
            .map(|i| deltas.iter().map(|d| d.db[i]).sum::<f64>() / n)
            .collect(),
    }
}

/// Mean of `delta` over `lo`–`hi` Hz (fit-grid points in that band).
pub fn band_mean(delta: &Delta, lo: f64, hi: f64) -> f64 {
    let (s, n) = delta
        .frequency_hz
        .iter()
        .zip(&delta.db)
        .filter(|(f, _)| (lo..=hi).contains(*f))
        .fold((0.0, 0usize), |(s, n), (_, v)| (s + v, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

/// RMS and max |error| (dB) between `sections` at `sample_rate` and `delta`, over the
/// error band. The magnitude comes from `Section::coeffs` / `Coeffs::power`, the same
/// code the audio path designs its filters with.
pub fn fit_error(sections: &SectionList, delta: &Delta, sample_rate: f64) -> (f64, f64) {
    let mut sum = 0.0;
    let mut max: f64 = 0.0;
    let mut n = 0usize;
    for (&f, &d) in delta.frequency_hz.iter().zip(&delta.db) {
        if !(ERROR_BAND_LOW_HZ..=ERROR_BAND_HIGH_HZ).contains(&f) {
            continue;
        }
        let e = sections.magnitude_db(f, sample_rate) - d;
        sum += e * e;
        max = max.max(e.abs());
        n += 1;
    }
    ((sum / n.max(1) as f64).sqrt(), max)
}

// ---------------------------------------------------------------------------------------
// The optimiser.

/// One section's free parameters: ln f, ln Q, gain dB (log scales make steps relative).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Param {
    kind: SectionKind,
    x: [f64; 3],
}

impl Param {
    fn new(kind: SectionKind, hz: f64, q: f64, gain_db: f64) -> Self {
        let mut p = Self {
            kind,
            x: [hz.ln(), q.ln(), gain_db],
        };
        p.clamp();
        p
    }

    fn bounds(&self) -> [(f64, f64); 3] {
        let max_q = match self.kind {
            SectionKind::Peaking => FIT_MAX_Q,
            _ => FIT_MAX_SHELF_Q,
        };
        [
            (FIT_MIN_HZ.ln(), FIT_MAX_HZ.ln()),
            (FIT_MIN_Q.ln(), max_q.ln()),
            (-FIT_MAX_GAIN_DB, FIT_MAX_GAIN_DB),
        ]
    }

    fn clamp(&mut self) {
        let bounds = self.bounds();
        for (x, (lo, hi)) in self.x.iter_mut().zip(bounds) {
            *x = x.clamp(lo, hi);
        }
    }

    fn section(&self) -> Section {
        Section::new(self.kind, self.x[0].exp(), self.x[1].exp(), self.x[2])
    }
}

/// Fit-grid data the optimiser evaluates against.
struct Problem {
    /// √weight of each point.
    sqrt_w: Vec<f64>,
    /// The delta's points followed by the guard points above it (target 0 dB).
    target: Vec<f64>,
    frequency_hz: Vec<f64>,
}

/// Guard points: above the fit grid the tapered delta is 0 dB by construction, and the
/// fit is held there at 1/48-octave spacing up to `GUARD_MAX_HZ`, so the analog
/// prototypes (and with them the digital sections at every rate) stay flat above the
/// audible band: up to 0.45 fs at 96 kHz, beyond which no programme or converter goes.
const GUARD_MAX_HZ: f64 = 43_200.0;

impl Problem {
    fn new(delta: &Delta) -> Self {
        let mut frequency_hz = delta.frequency_hz.clone();
        let mut target = delta.db.clone();
        if let Some(&last) = delta.frequency_hz.last() {
            let step = (FIT_DECIMATION as f64 / ANALYSIS_POINTS_PER_OCTAVE as f64).exp2();
            let mut f = last * step;
            // Only a delta that reaches the taper (every fit-grid delta) is known to be
            // 0 dB beyond its end.
            while last >= TAPER_END_HZ * 0.9 && f <= GUARD_MAX_HZ {
                frequency_hz.push(f);
                target.push(0.0);
                f *= step;
            }
        }
        let sqrt_w = frequency_hz
            .iter()
            .map(|&f| {
                if (ERROR_BAND_LOW_HZ..=ERROR_BAND_HIGH_HZ).contains(&f) {
                    1.0
                } else {
                    TAPER_BAND_WEIGHT.sqrt()
                }
            })
            .collect();
        Self {
            sqrt_w,
            target,
            frequency_hz,
        }
    }

    fn len(&self) -> usize {
        self.target.len()
    }

    /// dB response of one section on the fit grid.
    fn curve(&self, p: &Param, out: &mut [f64]) {
        let power = p.section().analog_power_fn();
        for (o, &f) in out.iter_mut().zip(&self.frequency_hz) {
            *o = 10.0 * power(f).max(1e-30).log10();
        }
    }

    /// Weighted sum of squares of (base + Σ curves − target).
    fn cost(&self, base: &[f64], curves: &[Vec<f64>]) -> f64 {
        (0..self.len())
            .map(|i| {
                let m = base[i] + curves.iter().map(|c| c[i]).sum::<f64>();
                let r = self.sqrt_w[i] * (m - self.target[i]);
                r * r
            })
            .sum()
    }

    /// Error-band RMS and max of base + Σ curves against the target.
    fn band_error(&self, model: &[f64]) -> (f64, f64) {
        let mut sum = 0.0;
        let mut max: f64 = 0.0;
        let mut n = 0;
        for ((&f, &m), &t) in self.frequency_hz.iter().zip(model).zip(&self.target) {
            if (ERROR_BAND_LOW_HZ..=ERROR_BAND_HIGH_HZ).contains(&f) {
                let e = m - t;
                sum += e * e;
                max = max.max(e.abs());
                n += 1;
            }
        }
        ((sum / n.max(1) as f64).sqrt(), max)
    }
}

/// Step used for the finite-difference Jacobian (in ln f, ln Q and dB): small against
/// every parameter's scale, large against f64 rounding of the dB curves (~1e-13).
const JACOBIAN_STEP: f64 = 1e-6;
/// Levenberg–Marquardt damping: start, growth on a rejected step, shrink on an accepted
/// one (Nielsen's classic factors 2 and 1/3), and the give-up ceiling.
const LM_LAMBDA_START: f64 = 1e-3;
const LM_LAMBDA_UP: f64 = 2.0;
const LM_LAMBDA_DOWN: f64 = 1.0 / 3.0;
const LM_LAMBDA_MAX: f64 = 1e10;
/// Stop when an accepted step lowers the cost by less than this fraction.
const LM_RELATIVE_TOLERANCE: f64 = 1e-8;
/// Iterations for refining a newly added section alone, and for the joint refinement.
const LM_ITERATIONS_SINGLE: usize = 40;
const LM_ITERATIONS_JOINT: usize = 40;
const LM_ITERATIONS_FINAL: usize = 600;

/// Ridge penalty on section gains (per dB², added to the sum of squared dB errors over
/// the ~480 fit points). Without it the optimiser may build a feature from two large
/// sections that mostly cancel (+15 dB next to −12 dB); at this weight a 10 dB section
/// costs as much as a 0.05 dB error everywhere, which steers it to the smaller solution
/// at no measurable cost in fit error.
const GAIN_PENALTY: f64 = 0.01;

/// Bounded Levenberg–Marquardt on `params` (all free) against `base` + their curves.
/// Returns early (leaving `params` at the best point so far) once `stop()` is true.
fn levenberg_marquardt(
    prob: &Problem,
    base: &[f64],
    params: &mut [Param],
    iterations: usize,
    stop: Stop,
) {
    let m = prob.len();
    let np = params.len() * 3;
    if np == 0 {
        return;
    }
    let mut curves: Vec<Vec<f64>> = params
        .iter()
        .map(|p| {
            let mut c = vec![0.0; m];
            prob.curve(p, &mut c);
            c
        })
        .collect();
    let penalty = |ps: &[Param]| GAIN_PENALTY * ps.iter().map(|p| p.x[2] * p.x[2]).sum::<f64>();
    let mut cost = prob.cost(base, &curves) + penalty(params);
    let mut lambda = LM_LAMBDA_START;
    let mut jac = vec![0.0; np * m];
    let mut resid = vec![0.0; m];
    let mut scratch = vec![0.0; m];
    let mut a = vec![0.0; np * np];
    let mut g = vec![0.0; np];
    let mut trial_curves = curves.clone();

    for _ in 0..iterations {
        if stop() {
            return;
        }
        for i in 0..m {
            let model = base[i] + curves.iter().map(|c| c[i]).sum::<f64>();
            resid[i] = prob.sqrt_w[i] * (model - prob.target[i]);
        }
        // Jacobian, one section at a time (a parameter moves only its own curve).
        for (s, p) in params.iter().enumerate() {
            let bounds = p.bounds();
            for k in 0..3 {
                let mut q = *p;
                let h = if q.x[k] + JACOBIAN_STEP > bounds[k].1 {
                    -JACOBIAN_STEP
                } else {
                    JACOBIAN_STEP
                };
                q.x[k] += h;
                prob.curve(&q, &mut scratch);
                let col = &mut jac[(s * 3 + k) * m..(s * 3 + k + 1) * m];
                for i in 0..m {
                    col[i] = prob.sqrt_w[i] * (scratch[i] - curves[s][i]) / h;
                }
            }
        }
        for r in 0..np {
            let jr = &jac[r * m..(r + 1) * m];
            g[r] = jr.iter().zip(&resid).map(|(a, b)| a * b).sum();
            for c in r..np {
                let jc = &jac[c * m..(c + 1) * m];
                let v: f64 = jr.iter().zip(jc).map(|(a, b)| a * b).sum();
                a[r * np + c] = v;
                a[c * np + r] = v;
            }
        }
        for (s, p) in params.iter().enumerate() {
            let k = s * 3 + 2;
            g[k] += GAIN_PENALTY * p.x[2];
            a[k * np + k] += GAIN_PENALTY;
        }

        let mut improved = false;
        while lambda < LM_LAMBDA_MAX {
            let mut damped = a.clone();
            for d in 0..np {
                damped[d * np + d] += lambda * a[d * np + d].max(1e-9);
            }
            let Some(step) = cholesky_solve(&mut damped, &g, np) else {
                lambda *= LM_LAMBDA_UP;
                continue;
            };
            let mut trial: Vec<Param> = params.to_vec();
            for (s, p) in trial.iter_mut().enumerate() {
                for k in 0..3 {
                    p.x[k] -= step[s * 3 + k];
                }
                p.clamp();
                prob.curve(p, &mut trial_curves[s]);
            }
            let trial_cost = prob.cost(base, &trial_curves) + penalty(&trial);
            if trial_cost < cost {
                let gain = (cost - trial_cost) / cost.max(1e-300);
                params.copy_from_slice(&trial);
                std::mem::swap(&mut curves, &mut trial_curves);
                cost = trial_cost;
                lambda = (lambda * LM_LAMBDA_DOWN).max(1e-12);
                improved = gain > LM_RELATIVE_TOLERANCE;
                break;
            }
            lambda *= LM_LAMBDA_UP;
        }
        if !improved {
            break;
        }
    }
}

/// Solve `a x = b` for symmetric positive definite `a` (n×n, overwritten).
fn cholesky_solve(a: &mut [f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    let mut y = b.to_vec();
    for i in 0..n {
        for k in 0..i {
            y[i] -= a[i * n + k] * y[k];
        }
        y[i] /= a[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            y[i] -= a[k * n + i] * y[k];
        }
        y[i] /= a[i * n + i];
    }
    Some(y)
}

/// Total dB curve of `params` on the fit grid.
fn model_curve(prob: &Problem, params: &[Param]) -> Vec<f64> {
    let mut total = vec![0.0; prob.len()];
    let mut c = vec![0.0; prob.len()];
    for p in params {
        prob.curve(p, &mut c);
        total.iter_mut().zip(&c).for_each(|(t, v)| *t += v);
    }
    total
}

/// Q of a peak whose half-gain points lie `octaves` apart (bandwidth → Q relation of the
/// cookbook: Q = 2^(N/2) / (2^N − 1)).
fn q_from_octaves(octaves: f64) -> f64 {
    let n = octaves.max(0.05);
    n.exp2().sqrt() / (n.exp2() - 1.0)
}

/// Candidate sections for the largest remaining error.
fn candidates(prob: &Problem, model: &[f64]) -> Vec<Param> {
    let m = prob.len();
    let err: Vec<f64> = (0..m).map(|i| prob.target[i] - model[i]).collect();
    let weighted = |i: usize| err[i].abs() * prob.sqrt_w[i];
    let peak = (0..m).fold(0, |best, i| {
        if weighted(i) > weighted(best) {
            i
        } else {
            best
        }
    });
    let g = err[peak];
    // Width where the error falls to half (same sign) on either side.
    let mut lo = peak;
    while lo > 0 && err[lo - 1] * g.signum() > 0.5 * g.abs() {
        lo -= 1;
    }
    let mut hi = peak;
    while hi + 1 < m && err[hi + 1] * g.signum() > 0.5 * g.abs() {
        hi += 1;
    }
    let octaves = (prob.frequency_hz[hi] / prob.frequency_hz[lo]).log2();
    let f = prob.frequency_hz[peak];
    let mut out = vec![Param::new(
        SectionKind::Peaking,
        f,
        q_from_octaves(octaves),
        g,
    )];
    out.push(Param::new(
        SectionKind::Peaking,
        f,
        q_from_octaves(2.0 * octaves),
        g,
    ));
    // Shelves anchored at the ends of the band, with the mean error of their region.
    let region_mean = |lo_hz: f64, hi_hz: f64| {
        let (s, n) = (0..m)
            .filter(|&i| (lo_hz..=hi_hz).contains(&prob.frequency_hz[i]))
            .fold((0.0, 0usize), |(s, n), i| (s + err[i], n + 1));
        if n == 0 { 0.0 } else { s / n as f64 }
    };
    out.push(Param::new(
        SectionKind::LowShelf,
        SHELF_SEED_LOW_HZ,
        std::f64::consts::FRAC_1_SQRT_2,
        region_mean(GRID_MIN_HZ, SHELF_SEED_LOW_HZ),
    ));
    out.push(Param::new(
        SectionKind::HighShelf,
        SHELF_SEED_HIGH_HZ,
        std::f64::consts::FRAC_1_SQRT_2,
        region_mean(SHELF_SEED_HIGH_HZ, GRID_MAX_HZ),
    ));
    out
}

/// Where shelf candidates start: the bass region in which closed cups lift and open
/// backs leak (below ~100 Hz), and the treble above the ear-canal resonance (~8 kHz).
const SHELF_SEED_LOW_HZ: f64 = 100.0;
const SHELF_SEED_HIGH_HZ: f64 = 8_000.0;

/// Fit at most `max_sections` (≤ [`MAX_FIT_SECTIONS`]) peaking/shelf sections to `delta`.
pub fn fit(delta: &Delta, max_sections: usize) -> FitResult {
    fit_until(delta, max_sections, &|| false).expect("a fit that is never stopped finishes")
}

/// A fit's "give up now" check (the plug-in's background thread stops a fit when its
/// instance is destroyed, so the host never waits for one).
pub type Stop<'a> = &'a dyn Fn() -> bool;

/// [`fit`], abandoned (`None`) as soon as `stop()` returns true.
pub fn fit_until(delta: &Delta, max_sections: usize, stop: Stop) -> Option<FitResult> {
    let max_sections = max_sections.min(MAX_FIT_SECTIONS);
    let prob = Problem::new(delta);
    let zero = vec![0.0; prob.len()];
    let mut params: Vec<Param> = Vec::new();
    while params.len() < max_sections {
        let model = model_curve(&prob, &params);
        let (rms, max) = prob.band_error(&model);
        if rms <= GOOD_ENOUGH_RMS_DB && max <= GOOD_ENOUGH_MAX_DB {
            break;
        }
        // Refine each candidate alone against the current model; keep the best.
        let mut best: Option<(f64, Param)> = None;
        for cand in candidates(&prob, &model) {
            let mut one = [cand];
            levenberg_marquardt(&prob, &model, &mut one, LM_ITERATIONS_SINGLE, stop);
            let mut c = vec![0.0; prob.len()];
            prob.curve(&one[0], &mut c);
            let cost = prob.cost(&model, &[c]);
            if best.is_none_or(|(b, _)| cost < b) {
                best = Some((cost, one[0]));
            }
        }
        let Some((_, p)) = best else { break };
        params.push(p);
        levenberg_marquardt(&prob, &zero, &mut params, LM_ITERATIONS_JOINT, stop);
        if stop() {
            return None;
        }
    }
    levenberg_marquardt(&prob, &zero, &mut params, LM_ITERATIONS_FINAL, stop);
    if stop() {
        return None;
    }
    // Drop sections that ended up doing nothing, then order by frequency for reading.
    params.retain(|p| p.x[2].abs() >= NEGLIGIBLE_GAIN_DB);
    params.sort_by(|a, b| a.x[0].total_cmp(&b.x[0]));
    let sections: Vec<Section> = params.iter().map(Param::section).collect();
    let sections = SectionList::from_slice(&sections);
    let (rms_db, max_db) = fit_error(&sections, delta, FIT_SAMPLE_RATE);
    Some(FitResult {
        sections,
        rms_db,
        max_db,
    })
}

/// Sections whose gain ends below this do nothing audible (0.01 dB) and are dropped.
const NEGLIGIBLE_GAIN_DB: f64 = 0.01;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_from_cos_equals_coeffs_power() {
        let kinds = [
            SectionKind::Peaking,
            SectionKind::LowShelf,
            SectionKind::HighShelf,
        ];
        let mut worst: f64 = 0.0;
        for kind in kinds {
            let c = Section::new(kind, 1234.0, 1.3, 7.5).coeffs(FIT_SAMPLE_RATE);
            for f in [20.0, 100.0, 1000.0, 1234.0, 5000.0, 15000.0, 20000.0] {
                let w = 2.0 * std::f64::consts::PI * f / FIT_SAMPLE_RATE;
                let a = c.power_from_cos(w.cos(), (2.0 * w).cos());
                let b = c.power(f, FIT_SAMPLE_RATE);
                worst = worst.max((10.0 * a.log10() - 10.0 * b.log10()).abs());
            }
        }
        assert!(worst < 1e-9, "worst dB difference {worst}");
    }

    #[test]
    fn smoothing_keeps_a_flat_line_and_averages_a_step() {
        let grid = analysis_grid();
        let flat = vec![3.0; grid.len()];
        assert!(smooth(&flat).iter().all(|v| (v - 3.0).abs() < 1e-12));
        // A step at 50 Hz is half-way through the 1/6-octave window at the step.
        let step: Vec<f64> = grid
            .iter()
            .map(|&f| if f < 50.0 { 0.0 } else { 6.0 })
            .collect();
        let s = smooth(&step);
        let i = grid.iter().position(|&f| f >= 50.0).unwrap();
        assert!((s[i] - 6.0 * 9.0 / 17.0).abs() < 1e-9, "{}", s[i]);
        assert!(s[i - 9].abs() < 1e-12 && (s[i + 9] - 6.0).abs() < 1e-12);
    }

    #[test]
    fn normalise_sets_the_midrange_mean_to_zero() {
        let grid = analysis_grid();
        let tilt: Vec<f64> = grid.iter().map(|f| 2.0 * f.log2() + 5.0).collect();
        let n = normalise(&grid, &tilt);
        let mid: Vec<f64> = grid
            .iter()
            .zip(&n)
            .filter(|(f, _)| (200.0..=2000.0).contains(*f))
            .map(|(_, v)| *v)
            .collect();
        let mean = mid.iter().sum::<f64>() / mid.len() as f64;
        assert!(mean.abs() < 1e-12);
    }

    #[test]
    fn fit_recovers_known_sections() {
        // A delta made of three known sections (back to flat at 20 kHz, tapered like every
        // delta) is fitted to within 0.05 dB RMS.
        let truth = SectionList::from_slice(&[
            Section::new(SectionKind::LowShelf, 80.0, 0.7, 5.0),
            Section::new(SectionKind::Peaking, 3000.0, 2.0, -4.0),
            Section::new(SectionKind::Peaking, 9000.0, 2.0, 3.0),
        ]);
        let grid = fit_grid();
        let delta = Delta {
            db: grid
                .iter()
                .map(|&f| treble_taper(f) * truth.magnitude_db(f, FIT_SAMPLE_RATE))
                .collect(),
            frequency_hz: grid,
        };
        let fitted = fit(&delta, MAX_FIT_SECTIONS);
        assert!(fitted.rms_db < 0.05, "rms {}", fitted.rms_db);
        assert!(fitted.sections.len() <= MAX_FIT_SECTIONS);
    }
}
