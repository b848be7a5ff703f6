//! Translate the host-facing parameters into the framework-free engine settings.

use nice_plug::prelude::Enum;

use crate::dsp::cascade::SectionList;
use crate::dsp::chain::{ChainConfig, CrossfeedMode, LiveParams};
use crate::dsp::crossfeed::CrossfeedSettings;
use crate::dsp::engine::EngineSettings;
use crate::dsp::stereo::MonitorMode;
use crate::models::Voicing;
use crate::models::catalogue::{CATALOGUE, Entry, MEASURED};
use crate::params::{AbSlot, CansParams, CrossfeedPreset, Model, Monitor, Phones, SlotParams};

/// The catalogue entry a model choice plays: the `Model` variants are the catalogue's
/// entries in order (`tests::parameter_enums_agree_with_the_catalogue`).
pub fn model_entry(model: Model) -> &'static Entry {
    &CATALOGUE[model.to_index()]
}

/// The model choice playing catalogue entry `index`.
pub fn model_of(index: usize) -> Model {
    Model::from_index(index)
}

/// The voicing each model choice plays.
pub fn model_voicing(model: Model) -> &'static Voicing {
    model_entry(model).voicing
}

/// The measured entry a listener's headphone choice is: `Phones` is Generic, then the
/// catalogue's measured entries in order, then Loaded Measurement (both without an entry).
pub fn phones_entry(phones: Phones) -> Option<&'static Entry> {
    let i = phones.to_index().checked_sub(1)?;
    MEASURED.get(i).copied()
}

/// The measured voicing of a listener's headphone, whose inverse is the correction.
pub fn phones_voicing(phones: Phones) -> Option<&'static Voicing> {
    phones_entry(phones).map(|e| e.voicing)
}

/// The correction for a bundled headphone choice: the inverse of its measured voicing
/// (empty for Generic, and for Loaded Measurement, whose correction is fitted from the
/// user's file and handed over separately).
pub fn phones_correction(phones: Phones) -> SectionList {
    phones_voicing(phones)
        .map(|v| SectionList::from_slice(v.sections).inverse())
        .unwrap_or(SectionList::EMPTY)
}

pub fn crossfeed_mode(preset: CrossfeedPreset) -> CrossfeedMode {
    match preset {
        CrossfeedPreset::Off => CrossfeedMode::Off,
        CrossfeedPreset::Default => CrossfeedMode::Preset(CrossfeedSettings::DEFAULT),
        CrossfeedPreset::ChuMoy => CrossfeedMode::Preset(CrossfeedSettings::CHU_MOY),
        CrossfeedPreset::JanMeier => CrossfeedMode::Preset(CrossfeedSettings::JAN_MEIER),
        CrossfeedPreset::Custom => CrossfeedMode::Custom,
    }
}

pub fn monitor_mode(monitor: Monitor) -> MonitorMode {
    match monitor {
        Monitor::Stereo => MonitorMode::Stereo,
        Monitor::Mono => MonitorMode::Mono,
        Monitor::Side => MonitorMode::Side,
        Monitor::Swap => MonitorMode::Swap,
    }
}

/// The slot currently heard.
pub fn heard_slot(params: &CansParams) -> &SlotParams {
    match params.ab.value() {
        AbSlot::A => &params.a,
        AbSlot::B => &params.b,
    }
}

/// Chain configuration and live values of one slot.
///
/// `custom_correction` is the correction fitted from a loaded measurement (used when
/// "Your Headphones" is "Loaded Measurement").
pub fn slot_settings(
    params: &CansParams,
    slot: &SlotParams,
    custom_correction: &SectionList,
) -> (ChainConfig, LiveParams) {
    let voicing = model_voicing(slot.model.value());
    let correction = match params.phones.value() {
        Phones::Custom => *custom_correction,
        other => phones_correction(other),
    };
    let config = ChainConfig {
        correction,
        voicing: SectionList::from_slice(voicing.sections),
        class_width: voicing.class.width_factor(),
        crossfeed: crossfeed_mode(slot.crossfeed.value()),
        mono_flat: slot.xf_mono_flat.value(),
        monitor: monitor_mode(params.monitor.value()),
        level_match: params.level_match.value(),
    };
    let live = LiveParams {
        custom: CrossfeedSettings {
            cutoff_hz: slot.xf_cutoff_hz.value() as f64,
            feed_db: slot.xf_feed_db.value() as f64,
        },
        itd_ms: slot.itd_ms.value() as f64,
        width: slot.width_percent.value() as f64 / 100.0,
    };
    (config, live)
}

/// Everything the engine needs from the parameters right now.
pub fn engine_settings(
    params: &CansParams,
    custom_correction: &SectionList,
    offline_render: bool,
) -> EngineSettings {
    let (config, live) = slot_settings(params, heard_slot(params), custom_correction);
    EngineSettings {
        config,
        live,
        output_gain: params.output_gain.value() as f64,
        bypass: params.bypass.value() || (offline_render && params.bounce_safe.value()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::catalogue::MEASURED_COUNT;

    /// The parameter enums are written out in `params.rs` (the derive needs literal
    /// variants); they must say what the catalogue says, in the same order, or sessions
    /// and the engine would disagree about what a stored choice plays.
    #[test]
    fn parameter_enums_agree_with_the_catalogue() {
        let ids: Vec<&str> = CATALOGUE.iter().map(|e| e.id).collect();
        let names: Vec<&str> = CATALOGUE.iter().map(|e| e.name).collect();
        assert_eq!(Model::ids().expect("Model has stable ids"), ids);
        assert_eq!(Model::variants(), names);

        // Phones: Generic, the measured entries, Loaded Measurement.
        let mut phones_ids = vec!["generic"];
        phones_ids.extend(MEASURED.iter().map(|e| e.id));
        phones_ids.push("custom");
        let mut phones_names = vec!["Generic"];
        phones_names.extend(MEASURED.iter().map(|e| e.name));
        phones_names.push("Loaded Measurement");
        assert_eq!(Phones::ids().expect("Phones has stable ids"), phones_ids);
        assert_eq!(Phones::variants(), phones_names);
        assert_eq!(Phones::variants().len(), MEASURED_COUNT + 2);

        // Every entry is reachable: each Model plays its own entry, each measured entry is
        // a Phones choice, and the lookups land on the entry with the choice's id.
        for (i, e) in CATALOGUE.iter().enumerate() {
            let model = model_of(i);
            assert_eq!(model.to_index(), i, "{}", e.id);
            assert_eq!(model_entry(model).id, e.id);
            assert_eq!(model_voicing(model), e.voicing, "{}", e.id);
            if e.measured().is_some() {
                let reached = (0..Phones::variants().len())
                    .map(Phones::from_index)
                    .filter(|p| phones_entry(*p).is_some_and(|m| m.id == e.id))
                    .count();
                assert_eq!(reached, 1, "{} as Your Headphones", e.id);
            }
        }
        for (i, id) in Phones::ids().unwrap().iter().enumerate() {
            let phones = Phones::from_index(i);
            match phones_entry(phones) {
                Some(e) => assert_eq!(e.id, *id),
                None => assert!(matches!(phones, Phones::Generic | Phones::Custom), "{id}"),
            }
        }
    }

    #[test]
    fn bundled_phones_are_corrected_by_the_inverse_of_their_voicing() {
        assert!(phones_correction(Phones::Generic).is_empty());
        assert!(phones_correction(Phones::Custom).is_empty());
        for e in MEASURED {
            let p = (0..Phones::variants().len())
                .map(Phones::from_index)
                .find(|p| phones_entry(*p).is_some_and(|m| m.id == e.id))
                .unwrap();
            assert_eq!(
                phones_correction(p),
                SectionList::from_slice(e.voicing.sections).inverse()
            );
        }
    }
}
