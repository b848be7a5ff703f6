//! One complete monitoring chain: monitor → correction → voicing → crossfeed → width →
//! level match. The engine runs one (steady) or two (crossfading) of these.

use super::biquad::{Coeffs, UnitCirclePoint};
use super::cascade::{Cascade, MAX_CASCADE, SectionList};
use super::crossfeed::{Crossfeed, CrossfeedCoeffs, CrossfeedSettings, ITD_MAX_MS};
use super::fade::Ramp;
use super::loudness::{self, GRID_LEN};
use super::stereo::{MonitorMode, WIDTH_MAX, apply_width};

/// Which crossfeed a chain runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrossfeedMode {
    Off,
    /// A fixed preset.
    Preset(CrossfeedSettings),
    /// The slot's free cutoff/feed (taken from [`LiveParams::custom`]).
    Custom,
}

/// The settings whose change needs a crossfade to a freshly built chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainConfig {
    /// Your headphones → target (inverse of their measured deviation).
    pub correction: SectionList,
    /// Target → modelled headphone.
    pub voicing: SectionList,
    /// Spatial trait of the modelled headphone's class: a factor on the width.
    pub class_width: f64,
    pub crossfeed: CrossfeedMode,
    pub mono_flat: bool,
    pub monitor: MonitorMode,
    pub level_match: bool,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            correction: SectionList::EMPTY,
            voicing: SectionList::EMPTY,
            class_width: 1.0,
            crossfeed: CrossfeedMode::Off,
            mono_flat: true,
            monitor: MonitorMode::Stereo,
            level_match: true,
        }
    }
}

/// Continuous settings, applied to a running chain without a crossfade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveParams {
    /// Cutoff/feed used when the crossfeed mode is `Custom`.
    pub custom: CrossfeedSettings,
    pub itd_ms: f64,
    /// M/S width factor (1 = unchanged).
    pub width: f64,
}

impl Default for LiveParams {
    fn default() -> Self {
        Self {
            custom: CrossfeedSettings::DEFAULT,
            itd_ms: super::crossfeed::WOODWORTH_ITD_30_DEG_MS as f64,
            width: 1.0,
        }
    }
}

impl LiveParams {
    /// Clamp into the ranges the DSP supports; non-finite values take the defaults.
    pub fn sanitized(self) -> Self {
        let d = Self::default();
        let fin = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
        Self {
            custom: self.custom.sanitized(),
            itd_ms: fin(self.itd_ms, d.itd_ms).clamp(0.0, ITD_MAX_MS as f64),
            width: fin(self.width, d.width).clamp(0.0, WIDTH_MAX),
        }
    }
}

pub struct Chain {
    sample_rate: f64,
    config: ChainConfig,
    live: LiveParams,
    cascade: Cascade,
    crossfeed: Crossfeed,
    width: Ramp,
    level: Ramp,
    /// K-weights of the loudness grid (fixed).
    weights: [f64; GRID_LEN],
    /// |EQ|^2 of correction + voicing averaged over each grid band (set by `configure`).
    eq_power: [f64; GRID_LEN],
    /// The fine loudness grid's (cos ω, cos 2ω) at this sample rate (fixed).
    fine_cos: [Option<(f64, f64)>; loudness::FINE_LEN],
    /// z^-1 and z^-2 at each loudness grid frequency (fixed for the sample rate).
    grid_z: [UnitCirclePoint; GRID_LEN],
    /// `cascade` and `eq_power` hold the design of `config`'s sections.
    designed: bool,
}

impl Chain {
    /// Allocates the ITD delay line for `sample_rate`; call from `activate`, never in `process`.
    pub fn new(sample_rate: f64) -> Self {
        let max_delay = (ITD_MAX_MS as f64 * 1e-3 * sample_rate).ceil() as usize + 1;
        let mut chain = Self {
            sample_rate,
            config: ChainConfig::default(),
            live: LiveParams::default(),
            cascade: Cascade::default(),
            crossfeed: Crossfeed::new(max_delay),
            width: Ramp::new(1.0),
            level: Ramp::new(1.0),
            weights: loudness::k_weights(sample_rate),
            eq_power: [1.0; GRID_LEN],
            fine_cos: loudness::fine_cos(sample_rate),
            grid_z: std::array::from_fn(|i| {
                UnitCirclePoint::new(loudness::grid_hz(i), sample_rate)
            }),
            designed: false,
        };
        chain.configure(ChainConfig::default(), LiveParams::default());
        chain
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    pub fn live(&self) -> &LiveParams {
        &self.live
    }

    /// Build the chain for `config` from a cleared state. Allocation-free.
    ///
    /// Designing the sections (magnitude-matched, `Section::coeffs`) is the costly part of a
    /// switch, so it is skipped when this chain already holds the same sections: the engine
    /// alternates two chains, so flipping A/B back and forth re-designs nothing.
    pub fn configure(&mut self, config: ChainConfig, live: LiveParams) {
        let same_eq = self.designed
            && self.config.correction == config.correction
            && self.config.voicing == config.voicing;
        self.config = config;
        if same_eq {
            self.reset();
            self.set_live(live, 0);
            return;
        }
        self.designed = true;
        let mut coeffs = [Coeffs::IDENTITY; MAX_CASCADE];
        let sections = config
            .correction
            .as_slice()
            .iter()
            .chain(config.voicing.as_slice());
        let mut n = 0;
        for (slot, section) in coeffs.iter_mut().zip(sections) {
            *slot = section.coeffs(self.sample_rate);
            n += 1;
        }
        self.cascade.set_coeffs(&coeffs[..n]);
        self.eq_power = loudness::band_power(&coeffs[..n], &self.fine_cos);
        self.reset();
        self.set_live(live, 0);
    }

    /// Apply continuous settings, gliding gains over `samples` samples.
    pub fn set_live(&mut self, live: LiveParams, samples: usize) {
        let live = live.sanitized();
        self.live = live;
        let settings = match self.config.crossfeed {
            CrossfeedMode::Off => None,
            CrossfeedMode::Preset(s) => Some(s),
            CrossfeedMode::Custom => Some(live.custom),
        };
        let width = (live.width * self.config.class_width).clamp(0.0, WIDTH_MAX);
        let delay = live.itd_ms * 1e-3 * self.sample_rate;
        let coeffs = settings.map(|s| CrossfeedCoeffs::design(s, self.sample_rate));
        if let Some(c) = coeffs {
            self.crossfeed.configure(c, delay, self.config.mono_flat);
        }
        self.width.set(width, samples);
        let level = if self.config.level_match {
            self.loudness_compensation(coeffs, delay, width)
        } else {
            1.0
        };
        self.level.set(level, samples);
    }

    /// Gain restoring the K-weighted pink-noise loudness of this chain (see `loudness.rs`).
    fn loudness_compensation(&self, xf: Option<CrossfeedCoeffs>, delay: f64, width: f64) -> f64 {
        let mut mid = [0.0; GRID_LEN];
        let mut side = [0.0; GRID_LEN];
        let mono_flat = self.config.mono_flat;
        for i in 0..GRID_LEN {
            let f = loudness::grid_hz(i);
            let (m, s) = match xf {
                Some(c) if f < 0.5 * self.sample_rate => {
                    let (m, s) = c.mid_side_response_at(&self.grid_z[i], delay, mono_flat);
                    (m.0 * m.0 + m.1 * m.1, s.0 * s.0 + s.1 * s.1)
                }
                _ => (1.0, 1.0),
            };
            let (m, s) = match self.config.monitor {
                // Mono and Side monitoring put all power in the mid of the processed signal.
                MonitorMode::Mono | MonitorMode::Side => (m, m),
                MonitorMode::Stereo | MonitorMode::Swap => (m, s * width * width),
            };
            mid[i] = self.eq_power[i] * m;
            side[i] = self.eq_power[i] * s;
        }
        loudness::compensation_gain(&self.weights, &mid, &side)
    }

    /// Current level-match gain (1 when level match is off).
    pub fn level_gain(&self) -> f64 {
        self.level.target()
    }

    pub fn reset(&mut self) {
        self.cascade.reset();
        self.crossfeed.reset();
        self.width.snap();
        self.level.snap();
    }

    /// Run one sub-block of frames in place, scaled by `out_gain` (the engine's output
    /// gain when it is steady, else 1). Every per-frame branch of the chain (monitor
    /// mode, crossfeed topology, ramps) is decided once here; the cascade, crossfeed,
    /// width and level run frame by frame in one loop, so their recurrences overlap.
    /// (A loop skewed over four groups of sections on SSE2 ran no faster and executed 10 %
    /// more instructions; the wide cascade, two sections per AVX2 instruction with FMA,
    /// cut the chain's instructions by 43 %.)
    pub fn process(&mut self, io: &mut [[f64; 2]], out_gain: f64) {
        let monitor = self.config.monitor;
        if monitor != MonitorMode::Stereo {
            io.iter_mut().for_each(|f| *f = monitor.apply(*f));
        }
        let cascade = &mut self.cascade;
        let xf = &mut self.crossfeed;
        if self.width.is_moving() || self.level.is_moving() {
            match self.config.crossfeed {
                CrossfeedMode::Off => cascade.process(io, |f| f),
                _ if xf.is_mono_flat() => cascade.process(io, |f| xf.tick_mono_flat(f)),
                _ => cascade.process(io, |f| xf.tick_core(f)),
            }
            for f in io.iter_mut() {
                let x = apply_width(*f, self.width.next());
                let g = self.level.next() * out_gain;
                *f = [x[0] * g, x[1] * g];
            }
        } else {
            // Width, level and output gain as one 2x2 matrix, in the same loop:
            // L' = g (M + wS), R' = g (M - wS).
            let (w, g) = (self.width.value(), self.level.value() * out_gain);
            let direct = 0.5 * g * (1.0 + w);
            let cross = 0.5 * g * (1.0 - w);
            let mat =
                move |f: [f64; 2]| [direct * f[0] + cross * f[1], cross * f[0] + direct * f[1]];
            match self.config.crossfeed {
                CrossfeedMode::Off => cascade.process(io, mat),
                _ if xf.is_mono_flat() => cascade.process(io, |f| mat(xf.tick_mono_flat(f))),
                _ => cascade.process(io, |f| mat(xf.tick_core(f))),
            }
        }
    }

    /// End-of-block housekeeping: flush subnormal state, and rebuild from silence if
    /// anything became non-finite (cannot happen with sanitised input; belt and braces).
    pub fn after_block(&mut self) {
        self.cascade.flush_denormals();
        self.crossfeed.flush_denormals();
        if !(self.cascade.is_finite() && self.crossfeed.is_finite()) {
            self.cascade.reset();
            self.crossfeed.reset();
        }
    }

    /// Number of biquad sections per channel this chain runs.
    pub fn biquads(&self) -> usize {
        self.cascade.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::biquad::{Section, SectionKind};

    fn config(gain_db: f64) -> ChainConfig {
        ChainConfig {
            voicing: SectionList::from_slice(&[
                Section::new(SectionKind::Peaking, 3000.0, 1.5, gain_db),
                Section::new(SectionKind::HighShelf, 9000.0, 0.7, -gain_db / 2.0),
            ]),
            ..ChainConfig::default()
        }
    }

    fn impulse_response(chain: &mut Chain) -> Vec<[f64; 2]> {
        let mut io = vec![[0.0; 2]; 64];
        io[0] = [1.0, -0.5];
        chain.process(&mut io, 1.0);
        io
    }

    #[test]
    fn a_chain_reconfigured_to_sections_it_holds_equals_a_fresh_design() {
        let fs = 44_100.0;
        let live = LiveParams::default();
        let mut fresh = Chain::new(fs);
        fresh.configure(config(6.0), live);
        let mut reused = Chain::new(fs);
        reused.configure(config(6.0), live);
        impulse_response(&mut reused); // leaves state behind
        reused.configure(config(6.0), live); // same sections: no redesign, state cleared
        assert_eq!(impulse_response(&mut reused), impulse_response(&mut fresh));
        // A different design in between is replaced, not kept.
        reused.configure(config(-4.0), live);
        reused.configure(config(6.0), live);
        fresh.reset();
        assert_eq!(impulse_response(&mut reused), impulse_response(&mut fresh));
        let mut other = Chain::new(fs);
        other.configure(config(-4.0), live);
        assert_ne!(impulse_response(&mut other), impulse_response(&mut fresh));
    }
}
