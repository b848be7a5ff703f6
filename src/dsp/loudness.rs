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

use super::biquad::{Section, SectionKind};

/// Points per octave of the evaluation grid.
pub const GRID_POINTS_PER_OCTAVE: usize = 6;
/// Grid from 20 Hz to 20 kHz (the audible band BS.1770 measures).
pub const GRID_LEN: usize = 60;
pub const GRID_START_HZ: f64 = 20.0;

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
pub const K_WEIGHT_RATE: f64 = 48_000.0;
/// Share of the mid in the matched signal: 0.5 mono + 0.5 uncorrelated = 0.75 mid power.
pub const MID_SHARE: f64 = 0.75;

/// Frequency of grid point `i`.
pub fn grid_hz(i: usize) -> f64 {
    GRID_START_HZ * 2f64.powf(i as f64 / GRID_POINTS_PER_OCTAVE as f64)
}

/// K-weighting power at every grid point (normalised so the weights sum to 1).
pub fn k_weights() -> [f64; GRID_LEN] {
    let shelf = K_SHELF.coeffs(K_WEIGHT_RATE);
    let hp = K_HIGHPASS.coeffs(K_WEIGHT_RATE);
    let mut w = [0.0; GRID_LEN];
    for (i, wi) in w.iter_mut().enumerate() {
        let f = grid_hz(i);
        *wi = shelf.power(f, K_WEIGHT_RATE) * hp.power(f, K_WEIGHT_RATE);
    }
    let sum: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= sum);
    w
}

/// Gain that restores the loudness of a chain whose mid and side power gains at the grid
/// points are `mid_power` and `side_power`. The result is clamped to ±12 dB so a
/// pathological response can't make the compensation itself dangerous.
pub fn compensation_gain(
    weights: &[f64; GRID_LEN],
    mid_power: &[f64; GRID_LEN],
    side_power: &[f64; GRID_LEN],
) -> f64 {
    let p: f64 = (0..GRID_LEN)
        .map(|i| weights[i] * (MID_SHARE * mid_power[i] + (1.0 - MID_SHARE) * side_power[i]))
        .sum();
    if !(p.is_finite() && p > 0.0) {
        return 1.0;
    }
    (1.0 / p.sqrt()).clamp(MAX_COMPENSATION_CUT, MAX_COMPENSATION_BOOST)
}

/// ±12 dB bounds of the compensation.
pub const MAX_COMPENSATION_BOOST: f64 = 3.981_071_705_534_973;
pub const MAX_COMPENSATION_CUT: f64 = 1.0 / MAX_COMPENSATION_BOOST;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_chain_needs_no_compensation() {
        let w = k_weights();
        let g = compensation_gain(&w, &[1.0; GRID_LEN], &[1.0; GRID_LEN]);
        assert!((g - 1.0).abs() < 1e-12);
    }

    #[test]
    fn six_db_cut_everywhere_is_given_back() {
        let w = k_weights();
        let quarter = [0.25; GRID_LEN];
        let g = compensation_gain(&w, &quarter, &quarter);
        assert!((g - 2.0).abs() < 1e-9, "{g}");
    }

    #[test]
    fn grid_spans_the_audible_band() {
        assert!((grid_hz(0) - 20.0).abs() < 1e-9);
        let last = grid_hz(GRID_LEN - 1);
        assert!(last > 18_000.0 && last < 20_500.0, "{last}");
    }

    #[test]
    fn k_weighting_lifts_treble_and_cuts_deep_bass() {
        let w = k_weights();
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
