//! Translate the host-facing parameters into the framework-free engine settings.

use crate::dsp::cascade::SectionList;
use crate::dsp::chain::{ChainConfig, CrossfeedMode, LiveParams};
use crate::dsp::crossfeed::CrossfeedSettings;
use crate::dsp::engine::EngineSettings;
use crate::dsp::stereo::MonitorMode;
use crate::models::{self, Voicing, classes, measured};
use crate::params::{AbSlot, CansParams, CrossfeedPreset, Model, Monitor, Phones, SlotParams};

/// The voicing each model choice plays.
pub fn model_voicing(model: Model) -> &'static Voicing {
    match model {
        Model::Neutral => &models::NEUTRAL,
        Model::OpenBack => &classes::OPEN_BACK,
        Model::ClosedBack => &classes::CLOSED_BACK,
        Model::SonyMdr7506 => &measured::SONY_MDR7506,
        Model::KrkKns8400 => &measured::KRK_KNS8400,
        Model::AustrianAudioHiX55 => &measured::AUSTRIAN_AUDIO_HIX55,
        Model::BeyerdynamicDt1990Pro => &measured::BEYERDYNAMIC_DT1990PRO,
        Model::AkgK702 => &measured::AKG_K702,
    }
}

/// The measured voicing of a listener's headphone, whose inverse is the correction.
pub fn phones_voicing(phones: Phones) -> Option<&'static Voicing> {
    match phones {
        Phones::Generic | Phones::Custom => None,
        Phones::SonyMdr7506 => Some(&measured::SONY_MDR7506),
        Phones::KrkKns8400 => Some(&measured::KRK_KNS8400),
        Phones::AustrianAudioHiX55 => Some(&measured::AUSTRIAN_AUDIO_HIX55),
        Phones::BeyerdynamicDt1990Pro => Some(&measured::BEYERDYNAMIC_DT1990PRO),
        Phones::AkgK702 => Some(&measured::AKG_K702),
    }
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
        other => phones_voicing(other)
            .map(|v| SectionList::from_slice(v.sections).inverse())
            .unwrap_or(SectionList::EMPTY),
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
