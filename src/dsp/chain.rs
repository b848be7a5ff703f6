//! One complete monitoring chain, an ordered list of stages:
//! monitor → EQ (correction, voicing) → spatial → width → seat → level.
//!
//! [`ChainDesign`] holds every stage's design (plain values and coefficients): its
//! [`ChainDesign::response`] is what the editor plots, and the level match is computed
//! from the same responses. [`Chain`] is the running chain: the designs plus each stage's
//! state. The engine runs one (steady) or two (crossfading) chains.
//!
//! Adding a stage: write its design ([`StageDesign`]) and runtime ([`Stage`]) in a file of
//! its own, give `ChainDesign` and `Chain` a field each, and list it once in
//! [`ChainDesign::designs`] and [`Chain::stages`] (the same order).

use std::sync::Arc;

use super::crossfeed::{CrossfeedCoeffs, CrossfeedSettings, ITD_MAX_MS};
use super::eq::{EqDesign, EqSource, EqStage};
use super::level::{LevelDesign, LevelStage};
use super::loudness::{self, GRID_LEN, LevelGrid, MID_SHARE};
use super::seat::{Playback, SeatDesign, SeatStage};
use super::spatial::{SpatialDesign, SpatialStage};
use super::speakers::bank::{MAX_SAMPLE_RATE_HZ, SpeakerBank};
use super::speakers::stage::{SpeakersDesign, SpeakersStage};
use super::stage::{Mat2, Probe, Response, Stage, StageDesign};
use super::stereo::{MonitorMode, WIDTH_MAX, WidthDesign, WidthStage};

/// Which crossfeed a chain runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrossfeedMode {
    Off,
    /// A fixed preset.
    Preset(CrossfeedSettings),
    /// The slot's free cutoff/feed (taken from [`LiveParams::custom`]).
    Custom,
}

/// The settings whose change needs a crossfade to a freshly built chain. Cheap to clone
/// and compare (heavy data is referred to by handle: [`EqSource`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ChainConfig {
    /// Your headphones → target (inverse of their measured deviation).
    pub correction: EqSource,
    /// Target → modelled headphone.
    pub voicing: EqSource,
    /// Spatial trait of the modelled headphone's class: a factor on the width.
    pub class_width: f64,
    pub crossfeed: CrossfeedMode,
    pub mono_flat: bool,
    /// Virtual loudspeakers at this angle (degrees each side of centre) in place of the
    /// crossfeed; `None`: the crossfeed.
    pub speakers: Option<u32>,
    pub monitor: MonitorMode,
    /// How the channels reach the listener (an audience check's device; headphones for
    /// every slot).
    pub playback: Playback,
    pub level_match: bool,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            correction: EqSource::Flat,
            voicing: EqSource::Flat,
            class_width: 1.0,
            crossfeed: CrossfeedMode::Off,
            mono_flat: true,
            speakers: None,
            monitor: MonitorMode::Stereo,
            playback: Playback::Headphones,
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
    /// The speakers' room: 0 = their direct sound only, 1 = the full room.
    pub room: f64,
}

/// The room amount a new slot starts with.
pub const ROOM_DEFAULT: f64 = 0.3;

impl Default for LiveParams {
    fn default() -> Self {
        Self {
            custom: CrossfeedSettings::DEFAULT,
            itd_ms: super::crossfeed::WOODWORTH_ITD_30_DEG_MS as f64,
            width: 1.0,
            room: ROOM_DEFAULT,
        }
    }
}

impl LiveParams {
    /// One step of every value's glide towards `target` (`glide` maps (current, target)
    /// to the next value).
    pub fn glided_towards(&self, target: &LiveParams, glide: impl Fn(f64, f64) -> f64) -> Self {
        Self {
            custom: CrossfeedSettings {
                cutoff_hz: glide(self.custom.cutoff_hz, target.custom.cutoff_hz),
                feed_db: glide(self.custom.feed_db, target.custom.feed_db),
            },
            itd_ms: glide(self.itd_ms, target.itd_ms),
            width: glide(self.width, target.width),
            room: glide(self.room, target.room),
        }
    }

    /// Clamp into the ranges the DSP supports; non-finite values take the defaults.
    pub fn sanitized(self) -> Self {
        let d = Self::default();
        let fin = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
        Self {
            custom: self.custom.sanitized(),
            itd_ms: fin(self.itd_ms, d.itd_ms).clamp(0.0, ITD_MAX_MS as f64),
            width: fin(self.width, d.width).clamp(0.0, WIDTH_MAX),
            room: fin(self.room, d.room).clamp(0.0, 1.0),
        }
    }
}

impl CrossfeedMode {
    /// The crossfeed settings this mode plays (`custom` for Custom), `None` for Off.
    pub fn settings(self, custom: CrossfeedSettings) -> Option<CrossfeedSettings> {
        match self {
            CrossfeedMode::Off => None,
            CrossfeedMode::Preset(s) => Some(s),
            CrossfeedMode::Custom => Some(custom),
        }
    }
}

/// Every stage's design for one configuration, live values and sample rate.
#[derive(Debug, Clone)]
pub struct ChainDesign {
    config: ChainConfig,
    live: LiveParams,
    sample_rate: f64,
    /// The speakers' responses at this rate (`None`: no speakers; only a design made
    /// without a chain, for a plot, lacks them).
    bank: Option<Arc<SpeakerBank>>,
    // The stages, in chain order.
    pub monitor: MonitorMode,
    pub eq: EqDesign,
    pub spatial: SpatialDesign,
    pub width: WidthDesign,
    pub seat: SeatDesign,
    pub level: LevelDesign,
}

impl ChainDesign {
    /// Design everything for `config` and `live` on `grid`'s sample rate (the speakers'
    /// bank, if the configuration has speakers, is the built-in set's: off the audio
    /// thread only; above `MAX_SAMPLE_RATE_HZ` there are none, as in the engine).
    pub fn new(config: &ChainConfig, live: &LiveParams, grid: &LevelGrid) -> Self {
        let bank = (config.speakers.is_some() && grid.sample_rate <= MAX_SAMPLE_RATE_HZ)
            .then(|| SpeakerBank::builtin(grid.sample_rate));
        Self::with_bank(config, live, grid, bank)
    }

    /// Design everything with this speaker bank.
    pub fn with_bank(
        config: &ChainConfig,
        live: &LiveParams,
        grid: &LevelGrid,
        bank: Option<Arc<SpeakerBank>>,
    ) -> Self {
        let mut design = Self {
            config: ChainConfig::default(),
            live: LiveParams::default(),
            sample_rate: grid.sample_rate,
            bank,
            monitor: MonitorMode::Stereo,
            eq: EqDesign::flat(),
            spatial: SpatialDesign::Off,
            width: WidthDesign(1.0),
            seat: SeatDesign::identity(grid.sample_rate),
            level: LevelDesign(1.0),
        };
        design.set_config(config, live, grid);
        design
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    pub fn live(&self) -> &LiveParams {
        &self.live
    }

    /// Whether the design has a speaker bank (can design speakers).
    pub fn has_bank(&self) -> bool {
        self.bank.is_some()
    }

    /// The stage designs in chain order.
    pub fn designs(&self) -> [&dyn StageDesign; 6] {
        [
            &self.monitor,
            &self.eq,
            &self.spatial,
            &self.width,
            &self.seat,
            &self.level,
        ]
    }

    /// Take a new configuration. The EQ (the costly design) is redesigned only if its
    /// sources changed. Returns whether it was.
    pub fn set_config(
        &mut self,
        config: &ChainConfig,
        live: &LiveParams,
        grid: &LevelGrid,
    ) -> bool {
        self.config = config.clone();
        self.monitor = config.monitor;
        self.seat = SeatDesign::new(config.playback, grid.sample_rate);
        let redesign = !self.eq.plays(&config.correction, &config.voicing)
            || self.sample_rate != grid.sample_rate;
        self.sample_rate = grid.sample_rate;
        if redesign {
            self.eq = EqDesign::new(&config.correction, &config.voicing, grid);
        }
        self.set_live(live, grid);
        redesign
    }

    /// Take new continuous values (crossfeed, ITD, width) and match the level again.
    pub fn set_live(&mut self, live: &LiveParams, grid: &LevelGrid) {
        let live = live.sanitized();
        self.live = live;
        let speakers = match (self.config.speakers, &self.bank) {
            (Some(angle_deg), Some(bank)) => Some(SpeakersDesign {
                bank: bank.clone(),
                angle_deg,
                room: live.room,
            }),
            _ => None,
        };
        self.spatial = match (speakers, self.config.crossfeed.settings(live.custom)) {
            (Some(s), _) => SpatialDesign::Speakers(s),
            (None, None) => SpatialDesign::Off,
            (None, Some(s)) => SpatialDesign::Crossfeed {
                coeffs: CrossfeedCoeffs::design(s, self.sample_rate),
                delay: live.itd_ms * 1e-3 * self.sample_rate,
                mono_flat: self.config.mono_flat,
            },
        };
        self.width = WidthDesign::new(live.width, self.config.class_width);
        self.level = LevelDesign(if self.config.level_match {
            self.loudness_compensation(grid)
        } else {
            1.0
        });
    }

    /// The whole chain's response at `at`: the product of every stage's, in order.
    pub fn response(&self, at: &Probe) -> Response {
        self.designs()
            .iter()
            .fold(Response::IDENTITY, |h, stage| stage.response(at).after(h))
    }

    /// Gain restoring the K-weighted loudness of pink noise through the stages after the
    /// monitor (see `loudness.rs`): the monitor's own level change is what the listener
    /// asked for. The matched signal is the monitor's output for an input of
    /// [`MID_SHARE`] mid power and the rest side power, uncorrelated.
    fn loudness_compensation(&self, grid: &LevelGrid) -> f64 {
        let m = self.monitor.matrix();
        let u_mid = m.apply([1.0, 1.0]);
        let u_side = m.apply([1.0, -1.0]);
        let norm = |v: [f64; 2]| v[0] * v[0] + v[1] * v[1];
        let input = MID_SHARE * norm(u_mid) + (1.0 - MID_SHARE) * norm(u_side);
        let mut power = [1.0; GRID_LEN];
        let designs = self.designs();
        let after_monitor = &designs[1..designs.len() - 1];
        for (p, probe) in power.iter_mut().zip(&grid.probes) {
            if probe.freq_hz >= 0.5 * self.sample_rate {
                continue; // weighs nothing: nothing the host's rate carries is there
            }
            let h = after_monitor.iter().fold(Response::IDENTITY, |h, stage| {
                stage.response(probe).after(h)
            });
            let out = |u: [f64; 2]| h.apply(u).iter().map(|c| c.norm_sqr()).sum::<f64>();
            *p = (MID_SHARE * out(u_mid) + (1.0 - MID_SHARE) * out(u_side)) / input;
        }
        loudness::compensation_from_power(&grid.weights, &power)
    }
}

pub struct Chain {
    grid: LevelGrid,
    design: ChainDesign,
    // The running stages, in chain order (the monitor is memoryless: its design runs).
    monitor: MonitorMode,
    eq: EqStage,
    spatial: SpatialStage,
    width: WidthStage,
    seat: SeatStage,
    level: LevelStage,
}

impl Chain {
    /// Allocates everything for `sample_rate` (the delay lines); call from `activate`,
    /// never in `process`.
    pub fn new(sample_rate: f64) -> Self {
        Self::with_speakers(sample_rate, None)
    }

    /// A chain that can also run the speakers of `bank` (designed for `sample_rate`).
    pub fn with_speakers(sample_rate: f64, bank: Option<Arc<SpeakerBank>>) -> Self {
        let grid = LevelGrid::new(sample_rate);
        let design = ChainDesign::with_bank(
            &ChainConfig::default(),
            &LiveParams::default(),
            &grid,
            bank.clone(),
        );
        let mut chain = Self {
            grid,
            design,
            monitor: MonitorMode::Stereo,
            eq: EqStage::default(),
            spatial: SpatialStage::new(sample_rate, bank),
            width: WidthStage::default(),
            seat: SeatStage::new(sample_rate),
            level: LevelStage::default(),
        };
        chain.follow_design(true, 0);
        chain.reset();
        chain
    }

    /// Give a chain built without speakers the bank and convolution state to run them
    /// (the audio thread, between blocks: allocation-free; the old state is swapped into
    /// `stage`, and `bank` takes the design's old bank, so nothing is freed here). The
    /// chain plays what it played until its next [`Chain::configure`].
    pub fn install_speakers(
        &mut self,
        bank: &mut Option<Arc<SpeakerBank>>,
        stage: &mut Option<SpeakersStage>,
    ) {
        std::mem::swap(&mut self.design.bank, bank);
        self.spatial.swap_speakers(stage);
    }

    /// A chain whose configuration asks for speakers it can run, still playing something
    /// else (it was configured before it had a bank): the engine configures it again.
    pub fn speakers_pending(&self) -> bool {
        self.design.config.speakers.is_some()
            && self.design.bank.is_some()
            && self.spatial.has_speakers()
            && !matches!(self.design.spatial, SpatialDesign::Speakers(_))
    }

    /// The running stages in chain order.
    fn stages(&mut self) -> [&mut dyn Stage; 6] {
        [
            &mut self.monitor,
            &mut self.eq,
            &mut self.spatial,
            &mut self.width,
            &mut self.seat,
            &mut self.level,
        ]
    }

    pub fn config(&self) -> &ChainConfig {
        self.design.config()
    }

    pub fn live(&self) -> &LiveParams {
        self.design.live()
    }

    pub fn design(&self) -> &ChainDesign {
        &self.design
    }

    /// Build the chain for `config` from a cleared state. Allocation-free.
    ///
    /// Designing the sections (magnitude-matched, `Section::coeffs`) is the costly part of a
    /// switch, so it is skipped when this chain already holds the same sections: the engine
    /// alternates two chains, so flipping A/B back and forth re-designs nothing.
    pub fn configure(&mut self, config: &ChainConfig, live: LiveParams) {
        let redesigned = self.design.set_config(config, &live, &self.grid);
        self.follow_design(redesigned, 0);
        self.reset();
    }

    /// Apply continuous settings, gliding gains over `samples` samples.
    pub fn set_live(&mut self, live: LiveParams, samples: usize) {
        self.design.set_live(&live, &self.grid);
        self.follow_design(false, samples);
    }

    /// Point the running stages at the design (the EQ only when it was redesigned).
    fn follow_design(&mut self, eq: bool, samples: usize) {
        self.monitor = self.design.monitor;
        if eq {
            self.eq.configure(&self.design.eq);
        }
        self.spatial.configure(&self.design.spatial);
        self.seat.configure(&self.design.seat);
        self.width.0.set(self.design.width.0, samples);
        self.level.0.set(self.design.level.0, samples);
    }

    /// Current level-match gain (1 when level match is off).
    pub fn level_gain(&self) -> f64 {
        self.design.level.0
    }

    pub fn reset(&mut self) {
        self.stages().iter_mut().for_each(|s| s.reset());
    }

    /// Run one sub-block of frames in place through every stage, then scale by
    /// `out_gain` (the engine's output gain when it is steady, else 1). A run of stages
    /// that are steady matrices (monitor, settled width and level) is folded into one
    /// matrix, applied with the output gain in one pass.
    pub fn process(&mut self, io: &mut [[f64; 2]], out_gain: f64) {
        if self.process_fused(io, out_gain) {
            return;
        }
        let mut pending = Mat2::IDENTITY;
        for stage in self.stages() {
            match stage.steady_matrix() {
                Some(m) => pending = m.after(pending),
                None => {
                    pending.apply_block(io);
                    pending = Mat2::IDENTITY;
                    stage.process(io);
                }
            }
        }
        pending.scaled(out_gain).apply_block(io);
    }

    /// The steady chain in one frame loop: the EQ cascade hands each frame to a per-frame
    /// spatial stage and the settled width, level and output gain (one matrix), so their
    /// recurrences overlap instead of running as three passes. Same arithmetic as the
    /// stage-by-stage path; taken when width, seat and level are steady matrices and the
    /// spatial stage works frame by frame (crossfeed or off), else `false`.
    fn process_fused(&mut self, io: &mut [[f64; 2]], out_gain: f64) -> bool {
        let (Some(width), Some(seat), Some(level)) = (
            self.width.steady_matrix(),
            self.seat.steady_matrix(),
            self.level.steady_matrix(),
        ) else {
            return false;
        };
        let Some(spatial) = self.spatial.frame_kernel() else {
            return false;
        };
        let post = level.after(seat.after(width)).scaled(out_gain);
        self.monitor.matrix().apply_block(io);
        self.eq.process_then(io, spatial, post);
        true
    }

    /// Housekeeping every so often: flush subnormal state, and rebuild a stage from
    /// silence if its state became non-finite (cannot happen with sanitised input; belt
    /// and braces).
    pub fn after_block(&mut self) {
        for stage in self.stages() {
            stage.flush_denormals();
            if !stage.is_finite() {
                stage.reset();
            }
        }
    }

    /// Latency of the chain in samples (0: every stage is zero-latency today).
    pub fn latency(&mut self) -> usize {
        self.stages().iter().map(|s| s.latency()).sum()
    }

    /// Number of biquad sections per channel this chain runs.
    pub fn biquads(&self) -> usize {
        self.eq.len()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::biquad::{Section, SectionKind};
    use crate::dsp::cascade::SectionList;
    use crate::dsp::prepared::{Prepared, channel};

    fn sections(gain_db: f64) -> Prepared<SectionList> {
        channel().0.publish(SectionList::from_slice(&[
            Section::new(SectionKind::Peaking, 3000.0, 1.5, gain_db),
            Section::new(SectionKind::HighShelf, 9000.0, 0.7, -gain_db / 2.0),
        ]))
    }

    fn config(sections: &Prepared<SectionList>) -> ChainConfig {
        ChainConfig {
            voicing: EqSource::Prepared(sections.clone()),
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
        let (plus6, minus4) = (sections(6.0), sections(-4.0));
        let mut fresh = Chain::new(fs);
        fresh.configure(&config(&plus6), live);
        let mut reused = Chain::new(fs);
        reused.configure(&config(&plus6), live);
        impulse_response(&mut reused); // leaves state behind
        reused.configure(&config(&plus6), live); // same sections: no redesign, state cleared
        assert_eq!(impulse_response(&mut reused), impulse_response(&mut fresh));
        // A different design in between is replaced, not kept.
        reused.configure(&config(&minus4), live);
        reused.configure(&config(&plus6), live);
        fresh.reset();
        assert_eq!(impulse_response(&mut reused), impulse_response(&mut fresh));
        let mut other = Chain::new(fs);
        other.configure(&config(&minus4), live);
        assert_ne!(impulse_response(&mut other), impulse_response(&mut fresh));
    }

    #[test]
    fn the_level_match_is_the_product_of_the_stage_responses() {
        // A flat EQ, crossfeed off, width 1 and monitor Mono need no compensation.
        let grid = LevelGrid::new(48_000.0);
        let mono = ChainConfig {
            monitor: MonitorMode::Mono,
            ..ChainConfig::default()
        };
        let d = ChainDesign::new(&mono, &LiveParams::default(), &grid);
        assert!((d.level.0 - 1.0).abs() < 1e-12, "{}", d.level.0);
        // The old closed form (mid and side power both the EQ's band power, crossfeed
        // off, width 1) and the generic product of responses agree.
        let peak = sections(6.0);
        let d = ChainDesign::new(&config(&peak), &LiveParams::default(), &grid);
        let coeffs: Vec<_> = peak.as_slice().iter().map(|s| s.coeffs(48_000.0)).collect();
        let bp = loudness::band_power(&coeffs, &grid.fine_cos);
        let expected = loudness::compensation_gain(&grid.weights, &bp, &bp);
        assert!(
            (d.level.0 / expected - 1.0).abs() < 1e-12,
            "{} {expected}",
            d.level.0
        );
        assert!(
            d.level.0 < 0.99,
            "a +6 dB peak is compensated: {}",
            d.level.0
        );
    }
}
