//! Translate the host-facing parameters into the framework-free engine settings.

use nice_plug::prelude::Enum;

use crate::dsp::cascade::SectionList;
use crate::dsp::chain::{ChainConfig, CrossfeedMode, LiveParams, ROOM_DEFAULT};
use crate::dsp::crossfeed::{CrossfeedSettings, WOODWORTH_ITD_30_DEG_MS};
use crate::dsp::engine::EngineSettings;
use crate::dsp::eq::EqSource;
use crate::dsp::prepared::Prepared;
use crate::dsp::seat::Playback;
use crate::dsp::speakers::bank::{ANGLE_DEFAULT_DEG, ANGLE_MAX_DEG, ANGLE_MIN_DEG};
use crate::dsp::stereo::MonitorMode;
use crate::models::Voicing;
use crate::models::catalogue::{CATALOGUE, Entry, MEASURED};
use crate::models::checks::{CHECKS, CheckEntry};
use crate::params::{
    AbSlot, CansParams, Check, CrossfeedPreset, Model, Monitor, Phones, SlotParams,
};

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

/// The audience check a choice plays: `Check` is Off, then the checks in order
/// (`tests::parameter_enums_agree_with_the_catalogue`).
pub fn check_entry(check: Check) -> Option<&'static CheckEntry> {
    CHECKS.get(check.to_index().checked_sub(1)?)
}

/// The check choice with this stable id ("off" or a check's id).
pub fn check_by_id(id: &str) -> Option<Check> {
    let i = Check::ids()?.iter().position(|c| *c == id)?;
    Some(Check::from_index(i))
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

/// The correction a listener's headphones need (the exact inverse of their measured
/// voicing); `loaded` is the correction fitted from a loaded measurement, used for
/// "Loaded Measurement" (flat until one is loaded).
pub fn phones_correction(phones: Phones, loaded: Option<&Prepared<SectionList>>) -> EqSource {
    match phones {
        Phones::Custom => loaded.map_or(EqSource::Flat, |p| EqSource::Prepared(p.clone())),
        other => phones_voicing(other).map_or(EqSource::Flat, |v| EqSource::Inverse(v.sections)),
    }
}

/// One slot's choices as plain values (what its parameters hold).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotValues {
    pub model: Model,
    pub crossfeed: CrossfeedPreset,
    pub xf_cutoff_hz: f64,
    pub xf_feed_db: f64,
    pub itd_ms: f64,
    pub mono_flat: bool,
    /// M/S width factor (1 = unchanged).
    pub width: f64,
    /// Virtual loudspeakers in place of the crossfeed, at this angle (degrees).
    pub speakers: bool,
    pub spk_angle_deg: u32,
    /// The speakers' room, 0..1.
    pub room: f64,
}

impl Default for SlotValues {
    /// The parameters' defaults (a test checks they agree).
    fn default() -> Self {
        Self {
            model: Model::Neutral,
            crossfeed: CrossfeedPreset::Off,
            xf_cutoff_hz: CrossfeedSettings::DEFAULT.cutoff_hz,
            xf_feed_db: CrossfeedSettings::DEFAULT.feed_db,
            itd_ms: WOODWORTH_ITD_30_DEG_MS as f64,
            mono_flat: true,
            width: 1.0,
            speakers: false,
            spk_angle_deg: ANGLE_DEFAULT_DEG,
            room: ROOM_DEFAULT,
        }
    }
}

impl SlotValues {
    pub fn from_params(slot: &SlotParams) -> Self {
        Self {
            model: slot.model.value(),
            crossfeed: slot.crossfeed.value(),
            xf_cutoff_hz: slot.xf_cutoff_hz.value() as f64,
            xf_feed_db: slot.xf_feed_db.value() as f64,
            itd_ms: slot.itd_ms.value() as f64,
            mono_flat: slot.xf_mono_flat.value(),
            width: slot.width_percent.value() as f64 / 100.0,
            speakers: slot.speakers.value(),
            spk_angle_deg: slot
                .spk_angle_deg
                .value()
                .clamp(ANGLE_MIN_DEG as i32, ANGLE_MAX_DEG as i32)
                as u32,
            room: slot.room_percent.value() as f64 / 100.0,
        }
    }
}

/// Everything the engine needs, as plain values: the heard slot and the global choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    pub slot: SlotValues,
    pub phones: Phones,
    /// The correction fitted from a loaded measurement, if any.
    pub loaded: Option<Prepared<SectionList>>,
    pub monitor: Monitor,
    pub level_match: bool,
    /// Linear output gain.
    pub output_gain: f64,
    pub bypass: bool,
    /// The audience check in place of the slot's model.
    pub check: Check,
}

impl Default for Values {
    fn default() -> Self {
        Self {
            slot: SlotValues::default(),
            phones: Phones::Generic,
            loaded: None,
            monitor: Monitor::Stereo,
            level_match: true,
            output_gain: 1.0,
            bypass: false,
            check: Check::Off,
        }
    }
}

impl Values {
    /// The settings of `slot` with these global choices.
    pub fn with_slot(&self, slot: SlotValues) -> Self {
        Self {
            slot,
            ..self.clone()
        }
    }

    /// Chain configuration and live values of the slot: the one place that turns
    /// choices into DSP settings (the plug-in, `cans-render`, benches and tests use it).
    ///
    /// An audience check replaces the slot's model with its voicing (and no class width),
    /// drops the slot's crossfeed for headphones and earbuds, and presents the channels as
    /// its device does; the correction, monitor, width and level match stay.
    pub fn chain(&self) -> (ChainConfig, LiveParams) {
        let slot = &self.slot;
        let model = model_voicing(slot.model);
        let speakers = slot.speakers.then_some(slot.spk_angle_deg);
        let (voicing, class_width, crossfeed, speakers, playback) = match check_entry(self.check) {
            None => (
                model.sections,
                model.class.width_factor(),
                crossfeed_mode(slot.crossfeed),
                speakers,
                Playback::Headphones,
            ),
            Some(c) if c.kind.is_worn() => (
                c.voicing.sections,
                1.0,
                CrossfeedMode::Off,
                None,
                c.playback,
            ),
            Some(c) => (
                c.voicing.sections,
                1.0,
                crossfeed_mode(slot.crossfeed),
                speakers,
                c.playback,
            ),
        };
        let config = ChainConfig {
            correction: phones_correction(self.phones, self.loaded.as_ref()),
            voicing: EqSource::Static(voicing),
            class_width,
            crossfeed,
            mono_flat: slot.mono_flat,
            speakers,
            monitor: playback.monitor(monitor_mode(self.monitor)),
            playback,
            level_match: self.level_match,
        };
        let live = LiveParams {
            custom: CrossfeedSettings {
                cutoff_hz: slot.xf_cutoff_hz,
                feed_db: slot.xf_feed_db,
            },
            itd_ms: slot.itd_ms,
            width: slot.width,
            room: slot.room,
        };
        (config, live)
    }

    pub fn engine_settings(&self) -> EngineSettings {
        let (config, live) = self.chain();
        EngineSettings {
            config,
            live,
            output_gain: self.output_gain,
            bypass: self.bypass,
        }
    }
}

/// The slot currently heard.
pub fn heard_slot(params: &CansParams) -> &SlotParams {
    match params.ab.value() {
        AbSlot::A => &params.a,
        AbSlot::B => &params.b,
    }
}

/// The parameters' values (with the heard slot).
pub fn values(
    params: &CansParams,
    loaded: Option<&Prepared<SectionList>>,
    offline_render: bool,
) -> Values {
    Values {
        slot: SlotValues::from_params(heard_slot(params)),
        phones: params.phones.value(),
        loaded: loaded.cloned(),
        monitor: params.monitor.value(),
        level_match: params.level_match.value(),
        output_gain: params.output_gain.value() as f64,
        bypass: params.bypass.value() || (offline_render && params.bounce_safe.value()),
        check: params.check.value(),
    }
}

/// Chain configuration and live values of one slot of the parameters.
pub fn slot_settings(
    params: &CansParams,
    slot: &SlotParams,
    loaded: Option<&Prepared<SectionList>>,
) -> (ChainConfig, LiveParams) {
    values(params, loaded, false)
        .with_slot(SlotValues::from_params(slot))
        .chain()
}

/// Everything the engine needs from the parameters right now.
pub fn engine_settings(
    params: &CansParams,
    loaded: Option<&Prepared<SectionList>>,
    offline_render: bool,
) -> EngineSettings {
    values(params, loaded, offline_render).engine_settings()
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
        // Check: Off, then the checks in order.
        let mut check_ids = vec!["off"];
        check_ids.extend(CHECKS.iter().map(|e| e.id));
        let mut check_names = vec!["Off"];
        check_names.extend(CHECKS.iter().map(|e| e.name));
        assert_eq!(Check::ids().expect("Check has stable ids"), check_ids);
        assert_eq!(Check::variants(), check_names);
        assert!(check_entry(Check::Off).is_none());
        for (i, e) in CHECKS.iter().enumerate() {
            assert_eq!(check_entry(Check::from_index(i + 1)).unwrap().id, e.id);
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
        assert_eq!(phones_correction(Phones::Generic, None), EqSource::Flat);
        assert_eq!(phones_correction(Phones::Custom, None), EqSource::Flat);
        let loaded = Prepared::standalone(SectionList::EMPTY);
        assert_eq!(
            phones_correction(Phones::Custom, Some(&loaded)),
            EqSource::Prepared(loaded.clone())
        );
        for e in MEASURED {
            let p = (0..Phones::variants().len())
                .map(Phones::from_index)
                .find(|p| phones_entry(*p).is_some_and(|m| m.id == e.id))
                .unwrap();
            assert_eq!(
                phones_correction(p, None).sections(),
                SectionList::from_slice(e.voicing.sections).inverse()
            );
        }
    }
}
