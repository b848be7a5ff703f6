//! Building engine settings for tests without a host.
#![allow(dead_code)]

use cans::dsp::engine::{Engine, EngineSettings};
use cans::models::catalogue::CATALOGUE;
use cans::params::{CrossfeedPreset, Model, Phones};
use cans::settings::{SlotValues, Values, model_of};

/// Every model choice, in catalogue order.
pub fn all_models() -> [Model; CATALOGUE.len()] {
    std::array::from_fn(model_of)
}

pub const ALL_PRESETS: [CrossfeedPreset; 4] = [
    CrossfeedPreset::Off,
    CrossfeedPreset::Default,
    CrossfeedPreset::ChuMoy,
    CrossfeedPreset::JanMeier,
];

pub fn settings(model: Model, preset: CrossfeedPreset, phones: Phones) -> EngineSettings {
    Values {
        slot: SlotValues {
            model,
            crossfeed: preset,
            ..SlotValues::default()
        },
        phones,
        ..Values::default()
    }
    .engine_settings()
}

/// An engine settled on `s` (no fades pending).
/// (With the speakers' responses when `s` has speakers: `Engine::with_speakers`.)
pub fn engine(fs: f64, s: EngineSettings) -> Engine {
    let mut e = if s.config.speakers.is_some() {
        Engine::with_speakers(fs)
    } else {
        Engine::new(fs)
    };
    e.set(s);
    e.reset();
    e
}

/// Run a stereo signal through the engine in blocks of `block`.
pub fn run(e: &mut Engine, left: &[f32], right: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        e.process(cl, cr);
    }
    (l, r)
}
