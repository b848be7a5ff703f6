//! The response curves the editor plots, computed from the same settings and analytic
//! responses the DSP runs (no GUI types here, so tests compare it with the engine).
//!
//! The curves are the chain's response to a left-only input: "direct" is what reaches the
//! left ear, "cross" what reaches the right. Both include the monitor mode, your-headphones
//! correction, the voicing, the crossfeed (with ITD and mono-flat), the width and the
//! level match, exactly as `dsp::chain::Chain::tick` applies them.

use crate::dsp::biquad::complex_mul;
use crate::dsp::chain::{Chain, ChainConfig, CrossfeedMode, LiveParams};
use crate::dsp::crossfeed::CrossfeedCoeffs;
use crate::dsp::stereo::WIDTH_MAX;

/// Plot range: the audible band.
pub const F_MIN_HZ: f64 = 20.0;
pub const F_MAX_HZ: f64 = 20_000.0;
/// Points on each curve (log-spaced): about 26 per octave, smooth at any window size.
pub const POINTS: usize = 256;
/// Curves are clamped here (a path that is off shows at the bottom of the plot).
pub const CURVE_FLOOR_DB: f64 = -60.0;

/// Frequency of curve point `i`.
pub fn point_hz(i: usize) -> f64 {
    F_MIN_HZ * (F_MAX_HZ / F_MIN_HZ).powf(i as f64 / (POINTS - 1) as f64)
}

/// One slot's curves.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotCurve {
    pub freq_hz: Vec<f64>,
    pub direct_db: Vec<f64>,
    pub cross_db: Vec<f64>,
    /// The level-match gain included in the curves (0 dB when level match is off).
    pub level_db: f64,
}

/// Complex (direct, cross) response of a chain to a left-only input at `freq_hz`, without
/// the level match. `live` must be sanitised.
pub fn chain_response(
    config: &ChainConfig,
    live: &LiveParams,
    sample_rate: f64,
    freq_hz: f64,
) -> ((f64, f64), (f64, f64)) {
    let v = config.monitor.apply([1.0, 0.0]);
    let (m, s) = (0.5 * (v[0] + v[1]), 0.5 * (v[0] - v[1]));
    let eq = (config.correction.power(freq_hz, sample_rate)
        * config.voicing.power(freq_hz, sample_rate))
    .sqrt();
    let settings = match config.crossfeed {
        CrossfeedMode::Off => None,
        CrossfeedMode::Preset(s) => Some(s),
        CrossfeedMode::Custom => Some(live.custom),
    };
    let (hm, hs) = match settings {
        None => ((1.0, 0.0), (1.0, 0.0)),
        Some(xf) => {
            let delay = live.itd_ms * 1e-3 * sample_rate;
            CrossfeedCoeffs::design(xf, sample_rate).mid_side_response(
                freq_hz,
                sample_rate,
                delay,
                config.mono_flat,
            )
        }
    };
    let width = (live.width * config.class_width).clamp(0.0, WIDTH_MAX);
    let mid = complex_mul(hm, (eq * m, 0.0));
    let side = complex_mul(hs, (eq * s * width, 0.0));
    (
        (mid.0 + side.0, mid.1 + side.1),
        (mid.0 - side.0, mid.1 - side.1),
    )
}

fn db(c: (f64, f64)) -> f64 {
    let p = c.0 * c.0 + c.1 * c.1;
    if p > 0.0 {
        (10.0 * p.log10()).max(CURVE_FLOOR_DB)
    } else {
        CURVE_FLOOR_DB
    }
}

/// Computes slot curves, caching the last result per slot so an idle editor does no work.
pub struct CurveCalculator {
    /// A chain used only to evaluate the level match exactly as the engine does.
    chain: Option<(f64, Chain)>,
    cache: [Option<(ChainConfig, LiveParams, f64, SlotCurve)>; 2],
}

impl Default for CurveCalculator {
    fn default() -> Self {
        Self::new()
    }
}

impl CurveCalculator {
    pub fn new() -> Self {
        Self {
            chain: None,
            cache: [None, None],
        }
    }

    /// The level-match gain the engine's chain applies for these settings.
    pub fn level_gain(&mut self, config: &ChainConfig, live: &LiveParams, sample_rate: f64) -> f64 {
        let (_, chain) = match &mut self.chain {
            Some(c) if c.0 == sample_rate => c,
            slot => slot.insert((sample_rate, Chain::new(sample_rate))),
        };
        chain.configure(*config, *live);
        chain.level_gain()
    }

    /// Curves of slot `index` (0 = A, 1 = B).
    pub fn curve(
        &mut self,
        index: usize,
        config: &ChainConfig,
        live: &LiveParams,
        sample_rate: f64,
    ) -> &SlotCurve {
        let live = live.sanitized();
        let fresh = matches!(&self.cache[index],
            Some((c, l, fs, _)) if c == config && *l == live && *fs == sample_rate);
        if !fresh {
            let curve = self.compute(config, &live, sample_rate);
            self.cache[index] = Some((*config, live, sample_rate, curve));
        }
        &self.cache[index].as_ref().expect("filled above").3
    }

    fn compute(&mut self, config: &ChainConfig, live: &LiveParams, sample_rate: f64) -> SlotCurve {
        let g = self.level_gain(config, live, sample_rate);
        let mut curve = SlotCurve {
            freq_hz: Vec::with_capacity(POINTS),
            direct_db: Vec::with_capacity(POINTS),
            cross_db: Vec::with_capacity(POINTS),
            level_db: 20.0 * g.log10(),
        };
        for i in 0..POINTS {
            let f = point_hz(i);
            if f >= 0.5 * sample_rate {
                break;
            }
            let (d, c) = chain_response(config, live, sample_rate, f);
            curve.freq_hz.push(f);
            curve.direct_db.push(db((d.0 * g, d.1 * g)));
            curve.cross_db.push(db((c.0 * g, c.1 * g)));
        }
        curve
    }
}
