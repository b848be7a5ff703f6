//! Loudness compensation computed from a chain's response, so A/B compares tone, not level.
//!
//! The estimate is the K-weighted power of pink noise through the chain, relative to the
//! same noise unprocessed. Pink noise has equal power per octave, so on a log-spaced grid
//! every point weighs the same before K-weighting. K-weighting is ITU-R BS.1770-4's
//! pre-filter (a +4 dB high shelf) followed by its RLB high-pass, expressed as cookbook
//! sections with the analog parameters derived from the standard's 48 kHz coefficients
//! (shelf f0 = 1681.97 Hz, Q = 0.7072, +4.0 dB; high-pass f0 = 38.14 Hz, Q = 0.5003; as
//! derived by B. De Man, "pyloudnorm", 2017).
//!
//! Stereo: the crossfeed and width treat mid and side differently, so loudness depends on
//! how correlated the channels are. Cans matches the average power of a fully correlated
//! (mono) and an uncorrelated input, i.e. inter-channel correlation 0.5, so both ends of
//! the range stay within a fraction of a LU (measured in `tests/level_match.rs`).

use super::biquad::{Coeffs, Section, SectionKind};
use super::stage::Probe;

/// Bands per octave of the evaluation grid (the crossfeed, smooth, is evaluated per band).
const GRID_POINTS_PER_OCTAVE: usize = 6;
/// EQ power is averaged over this many points per band (1/24 octave): fitted voicings have
/// peaks up to Q 10 (about 1/7 octave wide) that a 1/6-octave grid would step over.
const FINE_PER_BAND: usize = 4;
pub const FINE_LEN: usize = GRID_LEN * FINE_PER_BAND;
/// Grid from 20 Hz to 24 kHz: everything a BS.1770 meter sees at 48 kHz. The fitted
/// voicings follow their measurements' treble lift above 16 kHz, so stopping at 20 kHz
/// left pink-noise loudness up to 0.8 LU under-compensated (measured with `ebur128`).
/// Content above 24 kHz (at 88.2 kHz and up) is left out: it is inaudible, and music
/// carries little there.
pub const GRID_LEN: usize = 62;
const GRID_START_HZ: f64 = 20.0;

/// BS.1770-4 stage 1 ("head" high shelf).
pub const K_SHELF: Section = Section::new(
    SectionKind::HighShelf,
    1681.974450955533,
    0.7071752369554196,
    3.999843853973347,
);
/// BS.1770-4 stage 2 (RLB high-pass).
pub const K_HIGHPASS: Section = Section::new(
    SectionKind::HighPass,
    38.13547087602444,
    0.5003270373238773,
    0.0,
);
/// BS.1770 defines its filters at 48 kHz; the weighting is evaluated there at any host rate.
const K_WEIGHT_RATE: f64 = 48_000.0;
/// Share of the mid in the matched signal: 0.5 mono + 0.5 uncorrelated = 0.75 mid power.
pub const MID_SHARE: f64 = 0.75;

/// Frequency of grid point `i`.
pub fn grid_hz(i: usize) -> f64 {
    GRID_START_HZ * 2f64.powf(i as f64 / GRID_POINTS_PER_OCTAVE as f64)
}

/// Frequency of fine point `k` (FINE_PER_BAND points spread evenly across each band).
fn fine_hz(k: usize) -> f64 {
    let band = (k / FINE_PER_BAND) as f64;
    let sub = (k % FINE_PER_BAND) as f64 + 0.5 - FINE_PER_BAND as f64 / 2.0;
    GRID_START_HZ * 2f64.powf((band + sub / FINE_PER_BAND as f64) / GRID_POINTS_PER_OCTAVE as f64)
}

/// (cos ω, cos 2ω) of every fine point at `sample_rate`, for `Coeffs::power_from_cos`.
/// Points at or above Nyquist are marked with `None`.
pub fn fine_cos(sample_rate: f64) -> [Option<(f64, f64)>; FINE_LEN] {
    let mut out = [None; FINE_LEN];
    for (k, o) in out.iter_mut().enumerate() {
        let f = fine_hz(k);
        if f < 0.5 * sample_rate {
            let w = 2.0 * std::f64::consts::PI * f / sample_rate;
            *o = Some((w.cos(), (2.0 * w).cos()));
        }
    }
    out
}

/// Mean power gain of `coeffs` (all in cascade) across each band, from the fine grid.
/// Bands above Nyquist count as unity (nothing is there to change).
pub fn band_power(coeffs: &[Coeffs], cos: &[Option<(f64, f64)>; FINE_LEN]) -> [f64; GRID_LEN] {
    let mut out = [1.0; GRID_LEN];
    for (band, o) in out.iter_mut().enumerate() {
        let mut sum = 0.0;
        for c in &cos[band * FINE_PER_BAND..(band + 1) * FINE_PER_BAND] {
            sum += match c {
                Some((c1, c2)) => coeffs
                    .iter()
                    .map(|q| q.power_from_cos(*c1, *c2))
                    .product::<f64>(),
                None => 1.0,
            };
        }
        *o = sum / FINE_PER_BAND as f64;
    }
    out
}

/// K-weighting power at every grid band below Nyquist at `sample_rate` (bands the host's
/// rate can't carry weigh nothing), normalised so the weights sum to 1.
pub fn k_weights(sample_rate: f64) -> [f64; GRID_LEN] {
    let shelf = K_SHELF.bilinear_coeffs(K_WEIGHT_RATE);
    let hp = K_HIGHPASS.bilinear_coeffs(K_WEIGHT_RATE);
    let mut w = [0.0; GRID_LEN];
    for (i, wi) in w.iter_mut().enumerate() {
        let f = grid_hz(i);
        if f < 0.5 * sample_rate {
            *wi = shelf.power(f, K_WEIGHT_RATE) * hp.power(f, K_WEIGHT_RATE);
        }
    }
    let sum: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= sum);
    w
}

/// Gain that restores the loudness of a chain whose mid and side power gains at the grid
/// points are `mid_power` and `side_power` (mixed as [`MID_SHARE`] mid).
pub fn compensation_gain(
    weights: &[f64; GRID_LEN],
    mid_power: &[f64; GRID_LEN],
    side_power: &[f64; GRID_LEN],
) -> f64 {
    let power =
        std::array::from_fn(|i| MID_SHARE * mid_power[i] + (1.0 - MID_SHARE) * side_power[i]);
    compensation_from_power(weights, &power)
}

/// Gain that restores the loudness of a chain whose power gain for the matched signal is
/// `power` at each grid band. The result is clamped to ±12 dB so a pathological response
/// can't make the compensation itself dangerous.
pub fn compensation_from_power(weights: &[f64; GRID_LEN], power: &[f64; GRID_LEN]) -> f64 {
    let p: f64 = (0..GRID_LEN).map(|i| weights[i] * power[i]).sum();
    if !(p.is_finite() && p > 0.0) {
        return 1.0;
    }
    (1.0 / p.sqrt()).clamp(MAX_COMPENSATION_CUT, MAX_COMPENSATION_BOOST)
}

/// Everything the level match evaluates at one sample rate, computed once (`activate`,
/// or the editor when the host's rate changes): the K-weights, the fine grid for the EQ's
/// band power and a [`Probe`] at each band centre.
#[derive(Debug, Clone)]
pub struct LevelGrid {
    pub sample_rate: f64,
    pub weights: [f64; GRID_LEN],
    pub fine_cos: [Option<(f64, f64)>; FINE_LEN],
    pub probes: [Probe; GRID_LEN],
}

impl LevelGrid {
    pub fn new(sample_rate: f64) -> Self {
        Self {
            sample_rate,
            weights: k_weights(sample_rate),
            fine_cos: fine_cos(sample_rate),
            probes: std::array::from_fn(|i| Probe {
                band: Some(i),
                ..Probe::at(grid_hz(i), sample_rate)
            }),
        }
    }
}

/// ±12 dB bounds of the compensation.
const MAX_COMPENSATION_BOOST: f64 = 3.981_071_705_534_973;
const MAX_COMPENSATION_CUT: f64 = 1.0 / MAX_COMPENSATION_BOOST;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_chain_needs_no_compensation() {
        let w = k_weights(48_000.0);
        let g = compensation_gain(&w, &[1.0; GRID_LEN], &[1.0; GRID_LEN]);
        assert!((g - 1.0).abs() < 1e-12);
    }

    #[test]
    fn six_db_cut_everywhere_is_given_back() {
        let w = k_weights(48_000.0);
        let quarter = [0.25; GRID_LEN];
        let g = compensation_gain(&w, &quarter, &quarter);
        assert!((g - 2.0).abs() < 1e-9, "{g}");
    }

    #[test]
    fn band_power_catches_a_narrow_peak_between_grid_points() {
        // A +12 dB, Q 10 peak halfway between two 1/6-octave grid points: the coarse grid
        // sees little of it, the band average sees its true energy.
        let fs = 48_000.0;
        let f0 = grid_hz(40) * 2f64.powf(0.5 / 6.0);
        let c = Section::new(SectionKind::Peaking, f0, 10.0, 12.0).coeffs(fs);
        let bands = band_power(&[c], &fine_cos(fs));
        let coarse: f64 =
            (0..GRID_LEN).map(|i| c.power(grid_hz(i), fs)).sum::<f64>() / GRID_LEN as f64;
        let fine: f64 = bands.iter().sum::<f64>() / GRID_LEN as f64;
        // True mean over log frequency, by brute force.
        let n = 60_000;
        let truth: f64 = (0..n)
            .map(|i| {
                c.power(
                    GRID_START_HZ * 2f64.powf(i as f64 / n as f64 * GRID_LEN as f64 / 6.0),
                    fs,
                )
            })
            .sum::<f64>()
            / n as f64;
        assert!(
            (fine / truth - 1.0).abs() < 0.05,
            "fine {fine} truth {truth}"
        );
        assert!(
            (coarse / truth - 1.0).abs() > 0.05,
            "coarse {coarse} truth {truth}"
        );
    }

    #[test]
    fn grid_spans_the_audible_band() {
        assert!((grid_hz(0) - 20.0).abs() < 1e-9);
        let last = grid_hz(GRID_LEN - 1);
        assert!(last > 22_000.0 && last < 24_000.0, "{last}");
    }

    #[test]
    fn k_weighting_lifts_treble_and_cuts_deep_bass() {
        let w = k_weights(48_000.0);
        // +4 dB shelf: 10 kHz weighs ~2.5x 500 Hz; 20 Hz is well below the RLB corner.
        let at = |hz: f64| {
            w[(0..GRID_LEN)
                .min_by(|&a, &b| (grid_hz(a) - hz).abs().total_cmp(&(grid_hz(b) - hz).abs()))
                .unwrap()]
        };
        assert!(at(10_000.0) / at(500.0) > 2.3);
        assert!(at(20.0) / at(500.0) < 0.5);
    }
}
