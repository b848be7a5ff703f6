//! The whole processor: sanitising, click-free chain changes, bypass and output gain.
//!
//! Any change of a chain's structure (A/B, model, your headphones, crossfeed preset,
//! monitor mode, level match) builds the new chain in the spare slot and crossfades into
//! it over [`CROSSFADE_MS`](super::fade::CROSSFADE_MS). A change that arrives while a fade
//! is running waits for it to finish (so no chain is ever cut off mid-fade) and then fades
//! to the latest setting. Continuous settings (ITD, width, custom crossfeed, output gain)
//! glide on the running chain.

use super::chain::{Chain, ChainConfig, LiveParams};
use super::fade::{Ramp, crossfade_len, fade_in};
use super::sanitize;
use super::speakers::bank::{MAX_SAMPLE_RATE_HZ, SpeakerBank};
use super::speakers::kit::SpeakersKit;

/// Continuous settings are re-evaluated at most every this many samples.
pub const SUB_BLOCK: usize = 32;
/// Subnormal filter state is flushed after at least this many frames (at most 23 ms at
/// 44.1 kHz and above; a decay takes far longer to reach the subnormal range). Doing it
/// per host block made 32-frame blocks 12 % slower than 1024-frame ones (now 2-3 %).
pub const HOUSEKEEPING_FRAMES: usize = 1024;
/// Time constant of the glide of continuous settings (ITD, width, cutoff, feed).
pub const GLIDE_MS: f64 = 20.0;

/// Everything the engine needs to know, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    pub config: ChainConfig,
    pub live: LiveParams,
    /// Linear output gain applied to the processed signal.
    pub output_gain: f64,
    /// Pass the input through untouched (crossfaded).
    pub bypass: bool,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            config: ChainConfig::default(),
            live: LiveParams::default(),
            output_gain: 1.0,
            bypass: false,
        }
    }
}

/// Largest output gain the engine accepts (+24 dB); non-finite gains mean unity.
pub const MAX_OUTPUT_GAIN: f64 = 15.848_931_924_611_133;

pub struct Engine {
    sample_rate: f64,
    chains: [Chain; 2],
    /// Index of the chain being heard (or faded into).
    active: usize,
    /// Samples left in the running crossfade from the other chain into `active`.
    fade_left: usize,
    fade_len: usize,
    target: EngineSettings,
    /// The smoothed continuous settings applied to the active chain.
    glide: LiveParams,
    glide_coeff: f64,
    /// Output gain: glided like the continuous settings, then ramped per sample.
    output_glide: f64,
    output: Ramp,
    /// 1 = processed, 0 = dry.
    wet: Ramp,
    /// Frames processed since the last [`Engine::housekeeping`], and which chains ran.
    frames_since_housekeeping: usize,
    ran_since_housekeeping: [bool; 2],
    /// The speakers' kit once installed (emptied: its state runs in the chains).
    kit: Option<Box<SpeakersKit>>,
}

impl Engine {
    /// Allocates everything the engine will ever need; call from `activate`.
    pub fn new(sample_rate: f64) -> Self {
        Self::build(sample_rate, false)
    }

    /// An engine that can also run virtual loudspeakers (`ChainConfig::speakers`): it
    /// designs the built-in set's responses for the rate (once per rate and process) and
    /// allocates their convolution state. Above `MAX_SAMPLE_RATE_HZ` it has none.
    pub fn with_speakers(sample_rate: f64) -> Self {
        Self::build(sample_rate, true)
    }

    fn build(sample_rate: f64, speakers: bool) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate >= 8_000.0 {
            sample_rate.min(768_000.0)
        } else {
            48_000.0
        };
        let bank = (speakers && sample_rate <= MAX_SAMPLE_RATE_HZ)
            .then(|| SpeakerBank::builtin(sample_rate));
        let chain = || Chain::with_speakers(sample_rate, bank.clone());
        let glide_coeff = 1.0 - (-(SUB_BLOCK as f64) / (GLIDE_MS * 1e-3 * sample_rate)).exp();
        Self {
            sample_rate,
            chains: [chain(), chain()],
            active: 0,
            fade_left: 0,
            fade_len: crossfade_len(sample_rate),
            target: EngineSettings::default(),
            glide: LiveParams::default(),
            glide_coeff,
            output_glide: 1.0,
            output: Ramp::new(1.0),
            wet: Ramp::new(1.0),
            frames_since_housekeeping: 0,
            ran_since_housekeeping: [false; 2],
            kit: None,
        }
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Set what the engine should converge to. Cheap; changes take effect in `process`.
    pub fn set(&mut self, settings: EngineSettings) {
        self.target = settings;
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.target
    }

    /// The oldest prepared resource (`dsp::prepared`) the engine still holds, in its
    /// settings or either chain: the building side may free every older one.
    pub fn oldest_prepared_in_use(&self) -> Option<u64> {
        let configs = [
            &self.target.config,
            self.chains[0].config(),
            self.chains[1].config(),
        ];
        configs
            .iter()
            .flat_map(|c| [c.correction.prepared_id(), c.voicing.prepared_id()])
            .flatten()
            .min()
    }

    /// Give an engine made without speakers ([`Engine::new`]) the kit to run them, built
    /// off the audio thread for this engine's rate. Allocation-free: the convolution
    /// state moves into the chains and the emptied kit stays here (freed with the
    /// engine). A chain configured for speakers crossfades into them at the next
    /// sub-block. Refused (the kit handed back, for the caller to free off the audio
    /// thread) if its rate is not this engine's or the engine has speakers already.
    pub fn install_speakers(&mut self, mut kit: Box<SpeakersKit>) -> Result<(), Box<SpeakersKit>> {
        if kit.sample_rate() != self.sample_rate || self.kit.is_some() || self.has_speakers() {
            return Err(kit);
        }
        for (chain, stage) in self.chains.iter_mut().zip(kit.stages.iter_mut()) {
            let mut bank = Some(kit.bank.clone());
            chain.install_speakers(&mut bank, stage);
            // `bank` now holds the chain's old bank: none (checked above).
            debug_assert!(bank.is_none());
        }
        self.kit = Some(kit);
        Ok(())
    }

    /// Whether the engine can run speakers (built with them, or given a kit).
    pub fn has_speakers(&self) -> bool {
        self.chains.iter().all(|c| c.design().has_bank())
    }

    /// Jump to the target settings with cleared filter state (activation, transport reset,
    /// offline render start): no fades, no glides.
    pub fn reset(&mut self) {
        self.fade_left = 0;
        self.glide = self.target.live.sanitized();
        self.chains[self.active].configure(&self.target.config, self.glide);
        self.output_glide = self.output_target();
        self.output.set(self.output_glide, 0);
        self.output.snap();
        self.wet.set(if self.target.bypass { 0.0 } else { 1.0 }, 0);
        self.wet.snap();
    }

    /// The chain being heard (or faded into).
    pub fn active_chain(&self) -> &Chain {
        &self.chains[self.active]
    }

    /// True while a chain crossfade is running.
    pub fn is_crossfading(&self) -> bool {
        self.fade_left > 0
    }

    fn output_target(&self) -> f64 {
        let g = self.target.output_gain;
        if g.is_finite() {
            g.clamp(0.0, MAX_OUTPUT_GAIN)
        } else {
            1.0
        }
    }

    /// Process one block in place. Allocation-, lock- and syscall-free.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut start = 0;
        while start < len {
            let end = (start + SUB_BLOCK).min(len);
            self.begin_sub_block(end - start);
            let fading = self.fade_left > 0;
            if self.run_sub_block(&mut left[start..end], &mut right[start..end]) {
                // Only chains that ran can hold new subnormal state.
                self.ran_since_housekeeping[self.active] = true;
                self.ran_since_housekeeping[1 - self.active] |= fading;
            }
            start = end;
        }
        self.frames_since_housekeeping += len;
        if self.frames_since_housekeeping >= HOUSEKEEPING_FRAMES {
            self.housekeeping();
        }
    }

    /// Flush subnormal filter state of the chains that ran since the last time (see
    /// [`HOUSEKEEPING_FRAMES`]).
    fn housekeeping(&mut self) {
        for (chain, ran) in self.chains.iter_mut().zip(&mut self.ran_since_housekeeping) {
            if *ran {
                chain.after_block();
            }
            *ran = false;
        }
        self.frames_since_housekeeping = 0;
    }

    /// Run at most [`SUB_BLOCK`] frames. The state of the ramps and fades is looked at once
    /// here, so the steady case runs with no per-frame branches. Returns whether the
    /// chains ran (not in a full bypass).
    fn run_sub_block(&mut self, left: &mut [f32], right: &mut [f32]) -> bool {
        let n = left.len();
        debug_assert!(n <= SUB_BLOCK && right.len() == n);
        let mut dry = [[0.0f64; 2]; SUB_BLOCK];
        for ((d, l), r) in dry.iter_mut().zip(left.iter()).zip(right.iter()) {
            *d = [sanitize(*l) as f64, sanitize(*r) as f64];
        }
        let dry = &dry[..n];

        if self.wet.value() == 0.0 && !self.wet.is_moving() {
            // Full bypass: the chains do not run; the output-gain ramp keeps its pace.
            for (i, d) in dry.iter().enumerate() {
                self.output.next();
                left[i] = d[0] as f32;
                right[i] = d[1] as f32;
            }
            return false;
        }

        // Steady output (no bypass or output-gain ramp, fully wet): the output gain rides
        // in the chains' own width/level matrix (a crossfade between them is linear, so
        // it may), and the output loop only converts.
        let steady = !(self.wet.is_moving() || self.output.is_moving() || self.wet.value() != 1.0);
        let out_gain = if steady { self.output.value() } else { 1.0 };
        let mut wet = [[0.0f64; 2]; SUB_BLOCK];
        wet[..n].copy_from_slice(dry);
        self.chains[self.active].process(&mut wet[..n], out_gain);
        if self.fade_left > 0 {
            // The outgoing chain runs only as long as the fade.
            let m = n.min(self.fade_left);
            let mut old = [[0.0f64; 2]; SUB_BLOCK];
            old[..m].copy_from_slice(&dry[..m]);
            self.chains[1 - self.active].process(&mut old[..m], out_gain);
            for (w, o) in wet[..m].iter_mut().zip(old[..m].iter()) {
                let t = 1.0 - self.fade_left as f64 / self.fade_len as f64;
                let g_in = fade_in(t);
                *w = [
                    g_in * w[0] + (1.0 - g_in) * o[0],
                    g_in * w[1] + (1.0 - g_in) * o[1],
                ];
                self.fade_left -= 1;
            }
        }

        if !steady {
            for i in 0..n {
                let wet_mix = self.wet.next();
                let gain = self.output.next();
                let (d, w) = (dry[i], wet[i]);
                left[i] = (d[0] + wet_mix * (gain * w[0] - d[0])) as f32;
                right[i] = (d[1] + wet_mix * (gain * w[1] - d[1])) as f32;
            }
        } else {
            for i in 0..n {
                left[i] = wet[i][0] as f32;
                right[i] = wet[i][1] as f32;
            }
        }
        true
    }

    /// Per-sub-block control: start pending crossfades, glide continuous settings.
    fn begin_sub_block(&mut self, samples: usize) {
        let wet_target = if self.target.bypass { 0.0 } else { 1.0 };
        if wet_target != self.wet.target() {
            if wet_target == 1.0 && self.wet.value() == 0.0 {
                // Leaving a full bypass: the chains did not run, start them from silence.
                self.fade_left = 0;
                self.glide = self.target.live.sanitized();
                self.chains[self.active].configure(&self.target.config, self.glide);
            }
            self.wet.set(wet_target, self.fade_len);
        }
        self.output_glide =
            glide_towards(self.output_glide, self.output_target(), self.glide_coeff);
        self.output.set(self.output_glide, samples);

        let active = &self.chains[self.active];
        if self.fade_left == 0
            && (*active.config() != self.target.config || active.speakers_pending())
        {
            let next = 1 - self.active;
            self.glide = self.target.live.sanitized();
            self.chains[next].configure(&self.target.config, self.glide);
            self.active = next;
            self.fade_left = self.fade_len;
        } else {
            let k = self.glide_coeff;
            let next = (self.glide)
                .glided_towards(&self.target.live.sanitized(), |c, t| glide_towards(c, t, k));
            if next != *self.chains[self.active].live() {
                self.chains[self.active].set_live(next, samples);
            }
            self.glide = next;
        }
    }
}

/// One step of a one-pole glide that lands exactly on the target once within a hair of it,
/// so settled chains stop redesigning coefficients.
fn glide_towards(cur: f64, target: f64, k: f64) -> f64 {
    let v = cur + k * (target - cur);
    if (v - target).abs() < 1e-6 * target.abs().max(1e-3) {
        target
    } else {
        v
    }
}
