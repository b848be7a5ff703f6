//! The spatial stage: what the slot does to the stereo image between the EQ and the
//! width. Today that is the crossfeed (`crossfeed.rs`) or nothing; virtual loudspeakers
//! join here as another variant.

use num_complex::Complex64;

use super::crossfeed::{Crossfeed, CrossfeedCoeffs, ITD_MAX_MS};
use super::stage::{Probe, Response, Stage, StageDesign};

/// The designed spatial stage at one sample rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpatialDesign {
    Off,
    Crossfeed {
        coeffs: CrossfeedCoeffs,
        /// Interaural delay on the cross path, in samples.
        delay: f64,
        /// Keep centred material flat (`Crossfeed::tick_mono_flat`).
        mono_flat: bool,
    },
}

impl StageDesign for SpatialDesign {
    fn response(&self, at: &Probe) -> Response {
        match *self {
            SpatialDesign::Off => Response::IDENTITY,
            SpatialDesign::Crossfeed {
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

/// The running spatial stage.
#[derive(Debug, Clone)]
pub struct SpatialStage {
    crossfeed: Crossfeed,
    on: bool,
}

impl SpatialStage {
    /// Allocates the ITD delay line for `sample_rate`; call from `activate`.
    pub fn new(sample_rate: f64) -> Self {
        let max_delay = (ITD_MAX_MS as f64 * 1e-3 * sample_rate).ceil() as usize + 1;
        Self {
            crossfeed: Crossfeed::new(max_delay),
            on: false,
        }
    }

    /// Follow the design; coefficients and delay may change while running (the ITD and a
    /// Custom crossfeed glide), a topology change (mono-flat) clears the state.
    pub fn configure(&mut self, design: &SpatialDesign) {
        match *design {
            SpatialDesign::Off => self.on = false,
            SpatialDesign::Crossfeed {
                coeffs,
                delay,
                mono_flat,
            } => {
                self.crossfeed.configure(coeffs, delay, mono_flat);
                self.on = true;
            }
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
        Some(if self.on {
            FrameKernel::Crossfeed(&mut self.crossfeed)
        } else {
            FrameKernel::Through
        })
    }
}

impl Stage for SpatialStage {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        if !self.on {
            return;
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
    }

    fn flush_denormals(&mut self) {
        self.crossfeed.flush_denormals();
    }

    fn is_finite(&self) -> bool {
        self.crossfeed.is_finite()
    }
}
