//! The response curves the editor plots: [`ChainDesign::response`], the same function
//! the level match is computed from, on a log grid (no GUI types here, so tests compare it
//! with the running engine).
//!
//! The curves are the chain's response to a left-only input: "direct" is what reaches the
//! left ear, "cross" what reaches the right. Both include every stage: the monitor mode,
//! your-headphones correction, the voicing, the crossfeed (with ITD and mono-flat), the
//! width and the level match.

use std::sync::Arc;

use crate::dsp::chain::{ChainConfig, ChainDesign, LiveParams};
use crate::dsp::loudness::LevelGrid;
use crate::dsp::speakers::bank::SpeakerBank;
use crate::dsp::stage::Probe;

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

fn db(p: f64) -> f64 {
    if p > 0.0 {
        (10.0 * p.log10()).max(CURVE_FLOOR_DB)
    } else {
        CURVE_FLOOR_DB
    }
}

/// Computes slot curves, caching the last result per slot so an idle editor does no work.
pub struct CurveCalculator {
    /// The level-match grid of the last sample rate asked for.
    grid: Option<LevelGrid>,
    /// Per slot: the settings, the rate, whether the speakers' responses were there, and
    /// the curve.
    cache: [Option<(ChainConfig, LiveParams, f64, bool, SlotCurve)>; 2],
}

/// The built-in speakers' responses at `sample_rate` if `config` plays speakers and this
/// process has designed them (the plug-in's background thread does after `activate`):
/// never designed here, so the editor never stalls on a design; until they exist the
/// slot plays, and the plot shows, its crossfeed.
fn speakers_bank(config: &ChainConfig, sample_rate: f64) -> Option<Arc<SpeakerBank>> {
    config.speakers?;
    SpeakerBank::builtin_cached(sample_rate)
}

impl Default for CurveCalculator {
    fn default() -> Self {
        Self::new()
    }
}

impl CurveCalculator {
    pub fn new() -> Self {
        Self {
            grid: None,
            cache: [None, None],
        }
    }

    /// The chain's design for these settings, exactly as the engine builds it.
    pub fn design(
        &mut self,
        config: &ChainConfig,
        live: &LiveParams,
        sample_rate: f64,
    ) -> ChainDesign {
        let grid = match &mut self.grid {
            Some(g) if g.sample_rate == sample_rate => g,
            slot => slot.insert(LevelGrid::new(sample_rate)),
        };
        ChainDesign::with_bank(config, live, grid, speakers_bank(config, sample_rate))
    }

    /// The level-match gain the engine's chain applies for these settings.
    pub fn level_gain(&mut self, config: &ChainConfig, live: &LiveParams, sample_rate: f64) -> f64 {
        self.design(config, live, sample_rate).level.0
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
        let bank = speakers_bank(config, sample_rate).is_some();
        let fresh = matches!(&self.cache[index],
            Some((c, l, fs, b, _)) if c == config && *l == live && *fs == sample_rate && *b == bank);
        if !fresh {
            let curve = self.compute(config, &live, sample_rate);
            self.cache[index] = Some((config.clone(), live, sample_rate, bank, curve));
        }
        &self.cache[index].as_ref().expect("filled above").4
    }

    fn compute(&mut self, config: &ChainConfig, live: &LiveParams, sample_rate: f64) -> SlotCurve {
        let design = self.design(config, live, sample_rate);
        let mut curve = SlotCurve {
            freq_hz: Vec::with_capacity(POINTS),
            direct_db: Vec::with_capacity(POINTS),
            cross_db: Vec::with_capacity(POINTS),
            level_db: 20.0 * design.level.0.log10(),
        };
        for i in 0..POINTS {
            let f = point_hz(i);
            if f >= 0.5 * sample_rate {
                break;
            }
            let (d, c) = design.response(&Probe::at(f, sample_rate)).left_input();
            curve.freq_hz.push(f);
            curve.direct_db.push(db(d.norm_sqr()));
            curve.cross_db.push(db(c.norm_sqr()));
        }
        curve
    }
}
