//! A fixed, repeatable EQ load for benchmarks: peaking sections of the size fitted
//! headphone models use, so the chain can be measured at its worst case (20 biquads per
//! channel) whatever the fitted models currently hold.

use cans::dsp::biquad::{Section, SectionKind};
use cans::dsp::cascade::{MAX_SECTIONS, SectionList};
use cans::dsp::engine::EngineSettings;
use cans::dsp::eq::EqSource;
use cans::params::{CrossfeedPreset, Model, Phones};
use cans::settings::{SlotValues, Values};

/// Lowest and highest centre of the benchmark sections: the band headphone fits correct
/// (20 Hz–16 kHz in `src/models`), kept an octave inside it.
const PAD_LOW_HZ: f64 = 40.0;
const PAD_HIGH_HZ: f64 = 12_000.0;
/// Q and alternating gain of a typical fitted peak (AutoEq-style fits sit at Q 0.5–2, ±1–6 dB).
const PAD_Q: f64 = 1.0;
const PAD_GAIN_DB: f64 = 2.0;

/// Section `i` of `n` log-spaced benchmark peaks.
fn pad_section(i: usize, n: usize) -> Section {
    let t = if n > 1 {
        i as f64 / (n - 1) as f64
    } else {
        0.5
    };
    let f = PAD_LOW_HZ * (PAD_HIGH_HZ / PAD_LOW_HZ).powf(t);
    let g = if i % 2 == 0 {
        PAD_GAIN_DB
    } else {
        -PAD_GAIN_DB
    };
    Section::new(SectionKind::Peaking, f, PAD_Q, g)
}

/// Append benchmark peaks to `correction` and `voicing` until they hold `total` sections
/// together (each list keeps at most [`MAX_SECTIONS`]). Lists already that long are kept.
pub fn pad(
    correction: &SectionList,
    voicing: &SectionList,
    total: usize,
) -> (SectionList, SectionList) {
    let mut c: Vec<Section> = correction.as_slice().to_vec();
    let mut v: Vec<Section> = voicing.as_slice().to_vec();
    let missing = total.saturating_sub(c.len() + v.len());
    for i in 0..missing {
        let s = pad_section(i, missing);
        if v.len() < MAX_SECTIONS && (v.len() <= c.len() || c.len() >= MAX_SECTIONS) {
            v.push(s);
        } else if c.len() < MAX_SECTIONS {
            c.push(s);
        }
    }
    (SectionList::from_slice(&c), SectionList::from_slice(&v))
}

/// The benchmarked full chain, built as the plug-in builds it (`settings::Values`): the Sony
/// MDR-7506 correction and the beyerdynamic DT 1990 Pro voicing padded to `biquads`
/// sections, `crossfeed` (mono-flat) with the default ITD, the model's class width and
/// level match.
pub fn full_chain(crossfeed: CrossfeedPreset, biquads: usize) -> EngineSettings {
    let mut settings = Values {
        slot: SlotValues {
            model: Model::BeyerdynamicDt1990Pro,
            crossfeed,
            ..SlotValues::default()
        },
        phones: Phones::SonyMdr7506,
        ..Values::default()
    }
    .engine_settings();
    let config = &mut settings.config;
    let (correction, voicing) = pad(
        &config.correction.sections(),
        &config.voicing.sections(),
        biquads,
    );
    config.correction = EqSource::standalone(correction);
    config.voicing = EqSource::standalone(voicing);
    settings
}
