//! The spatial stage: what the slot does to the stereo image between the EQ and the
//! width: the crossfeed (`crossfeed.rs`), virtual loudspeakers (`speakers/`) or nothing.
//! Both are symmetric (the same to left and right), so in mid/side they are two filters
//! and commute with the width: the width acts on the mix before it reaches the speakers
//! whichever order the chain lists them in.

use std::sync::Arc;

use num_complex::Complex64;

use super::crossfeed::{Crossfeed, CrossfeedCoeffs, ITD_MAX_MS};
use super::speakers::bank::SpeakerBank;
use super::speakers::stage::{SpeakersDesign, SpeakersStage};
use super::stage::{Probe, Response, Stage, StageDesign};

/// The designed spatial stage at one sample rate.
#[derive(Debug, Clone, PartialEq)]
pub enum SpatialDesign {
    Off,
    Crossfeed {
        coeffs: CrossfeedCoeffs,
        /// Interaural delay on the cross path, in samples.
        delay: f64,
        /// Keep centred material flat (`Crossfeed::tick_mono_flat`).
        mono_flat: bool,
    },
    Speakers(SpeakersDesign),
}

impl StageDesign for SpatialDesign {
    fn response(&self, at: &Probe) -> Response {
        match self {
            SpatialDesign::Off => Response::IDENTITY,
            SpatialDesign::Speakers(s) => {
                // Magnitudes. At a level-match band, of mid and side (band-averaged): they
                // are separate filters, so their phases do not change any power
                // downstream. For the plot, of each ear (smoothed): what is heard.
                let pair = s.bank.pair(s.angle_deg);
                let real = |p: f64| Complex64::new(p.sqrt(), 0.0);
                match at.band {
                    Some(b) => {
                        let (pm, ps) = pair.band_power(b, s.room);
                        let (m, s) = (real(pm), real(ps));
                        Response::symmetric(0.5 * (m + s), 0.5 * (m - s))
                    }
                    None => {
                        let (near, far) = pair.ear_power(at.freq_hz, s.room);
                        Response::symmetric(real(near), real(far))
                    }
                }
            }
            &SpatialDesign::Crossfeed {
                coeffs,
                delay,
                mono_flat,
            } => {
                let (m, s) = coeffs.mid_side_response_at(&at.z, delay, mono_flat);
                let (m, s) = (Complex64::new(m.0, m.1), Complex64::new(s.0, s.1));
                // Mid passes as m, side as s: the same side gets (m + s) / 2, the other
                // (m - s) / 2.
                Response::symmetric(0.5 * (m + s), 0.5 * (m - s))
            }
        }
    }
}

/// Which of its runtimes the spatial stage runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Running {
    Off,
    Crossfeed,
    Speakers,
}

/// The running spatial stage.
#[derive(Debug)]
pub struct SpatialStage {
    crossfeed: Crossfeed,
    /// Only in chains built with a speaker bank.
    speakers: Option<SpeakersStage>,
    running: Running,
}

impl SpatialStage {
    /// Allocates the ITD delay line and, with a bank, the speakers' convolution state;
    /// call from `activate`.
    pub fn new(sample_rate: f64, bank: Option<Arc<SpeakerBank>>) -> Self {
        let max_delay = (ITD_MAX_MS as f64 * 1e-3 * sample_rate).ceil() as usize + 1;
        Self {
            crossfeed: Crossfeed::new(max_delay),
            speakers: bank.map(SpeakersStage::new),
            running: Running::Off,
        }
    }

    /// Take the speakers' convolution state (a chain built without a bank, given one
    /// later): swaps it with what `stage` holds. Allocation-free.
    pub fn swap_speakers(&mut self, stage: &mut Option<SpeakersStage>) {
        std::mem::swap(&mut self.speakers, stage);
        if self.running == Running::Speakers && self.speakers.is_none() {
            self.running = Running::Off;
        }
    }

    /// Whether this stage can run speakers.
    pub fn has_speakers(&self) -> bool {
        self.speakers.is_some()
    }

    /// Follow the design; coefficients and delay may change while running (the ITD and a
    /// Custom crossfeed glide), a topology change (mono-flat) clears the state.
    pub fn configure(&mut self, design: &SpatialDesign) {
        match design {
            SpatialDesign::Off => self.running = Running::Off,
            &SpatialDesign::Crossfeed {
                coeffs,
                delay,
                mono_flat,
            } => {
                self.crossfeed.configure(coeffs, delay, mono_flat);
                self.running = Running::Crossfeed;
            }
            SpatialDesign::Speakers(s) => match &mut self.speakers {
                Some(sp) => {
                    sp.configure(s);
                    self.running = Running::Speakers;
                }
                // A design with speakers only comes from a chain that has them.
                None => self.running = Running::Off,
            },
        }
    }
}

/// What a spatial stage that can run frame by frame does to each frame.
pub enum FrameKernel<'a> {
    /// Nothing (the stage is off).
    Through,
    Crossfeed(&'a mut Crossfeed),
}

impl SpatialStage {
    /// The stage as a per-frame kernel, for the chain's fused loop. `None` for a stage
    /// that works on whole blocks only (a convolution): the chain then runs it with
    /// [`Stage::process`].
    pub fn frame_kernel(&mut self) -> Option<FrameKernel<'_>> {
        match self.running {
            Running::Off => Some(FrameKernel::Through),
            Running::Crossfeed => Some(FrameKernel::Crossfeed(&mut self.crossfeed)),
            Running::Speakers => None,
        }
    }
}

impl Stage for SpatialStage {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        match self.running {
            Running::Off => return,
            Running::Speakers => {
                if let Some(sp) = &mut self.speakers {
                    sp.process(io);
                }
                return;
            }
            Running::Crossfeed => {}
        }
        let xf = &mut self.crossfeed;
        if xf.is_mono_flat() {
            io.iter_mut().for_each(|f| *f = xf.tick_mono_flat(*f));
        } else {
            io.iter_mut().for_each(|f| *f = xf.tick_core(*f));
        }
    }

    fn reset(&mut self) {
        self.crossfeed.reset();
        if let Some(sp) = &mut self.speakers {
            sp.reset();
        }
    }

    fn flush_denormals(&mut self) {
        self.crossfeed.flush_denormals();
    }

    fn is_finite(&self) -> bool {
        self.crossfeed.is_finite() && self.speakers.as_ref().is_none_or(|s| s.is_finite())
    }
}
