//! What an engine needs to run speakers, built off the audio thread: the bank (every
//! angle's kernels at the engine's rate) and the convolution state of both of its chains.
//! The audio thread moves the state into its chains ([`crate::dsp::engine::Engine::install_speakers`]):
//! nothing is allocated or freed there, the emptied kit stays with the engine.

use std::sync::Arc;

use super::bank::SpeakerBank;
use super::stage::SpeakersStage;

pub struct SpeakersKit {
    pub bank: Arc<SpeakerBank>,
    /// One chain's convolution state each; taken by the engine.
    pub(crate) stages: [Option<SpeakersStage>; 2],
}

impl SpeakersKit {
    /// Allocate the convolution state for `bank` (main or background thread).
    pub fn new(bank: Arc<SpeakerBank>) -> Box<Self> {
        Box::new(Self {
            stages: [
                Some(SpeakersStage::new(bank.clone())),
                Some(SpeakersStage::new(bank.clone())),
            ],
            bank,
        })
    }

    pub fn sample_rate(&self) -> f64 {
        self.bank.sample_rate
    }
}

impl std::fmt::Debug for SpeakersKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpeakersKit({:?})", self.bank)
    }
}
