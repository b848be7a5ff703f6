//! The parameter → engine mapping, without a host: defaults, bounce-safe, every enum value.

#[path = "util/engine.rs"]
mod engine;
#[path = "util/signal.rs"]
mod signal;

use cans::dsp::cascade::SectionList;
use cans::dsp::chain::CrossfeedMode;
use cans::dsp::crossfeed::CrossfeedSettings;
use cans::dsp::stereo::MonitorMode;
use cans::params::{CansParams, CrossfeedPreset, Model, Phones};
use cans::settings::{crossfeed_mode, engine_settings, model_voicing, phones_voicing};
use engine::ALL_MODELS;
use nice_plug::prelude::Enum;

#[test]
fn defaults_are_a_transparent_chain_and_bounce_safe_bypasses_offline() {
    let p = CansParams::default();
    let live = engine_settings(&p, &SectionList::EMPTY, false);
    assert!(!live.bypass);
    assert!(live.config.voicing.is_empty() && live.config.correction.is_empty());
    assert_eq!(live.config.crossfeed, CrossfeedMode::Off);
    assert_eq!(live.config.monitor, MonitorMode::Stereo);
    assert!(live.config.level_match && live.config.mono_flat);
    assert_eq!(live.output_gain, 1.0);
    // Offline render with bounce-safe on (the default): pass-through.
    assert!(engine_settings(&p, &SectionList::EMPTY, true).bypass);
}

#[test]
fn enum_names_are_the_ones_users_see() {
    let names: Vec<&str> = Model::variants().to_vec();
    assert_eq!(
        names,
        [
            "Neutral",
            "Open-back",
            "Closed-back",
            "Sony MDR-7506",
            "KRK KNS 8400",
            "Austrian Audio Hi-X55 (for Hi-X50)",
            "beyerdynamic DT 1990 Pro",
            "AKG K702"
        ]
    );
    assert_eq!(
        CrossfeedPreset::variants(),
        [
            "Off",
            "Default 700 Hz/4.5 dB",
            "Chu Moy 700 Hz/6 dB",
            "Jan Meier 650 Hz/9.5 dB",
            "Custom"
        ]
    );
    // Every model's voicing carries the model's display name.
    for (i, m) in ALL_MODELS.iter().enumerate() {
        assert_eq!(model_voicing(*m).name, Model::variants()[i]);
    }
}

#[test]
fn presets_carry_bs2b_values_and_phones_map_to_measured_models() {
    assert_eq!(
        crossfeed_mode(CrossfeedPreset::Default),
        CrossfeedMode::Preset(CrossfeedSettings {
            cutoff_hz: 700.0,
            feed_db: 4.5
        })
    );
    assert_eq!(
        crossfeed_mode(CrossfeedPreset::ChuMoy),
        CrossfeedMode::Preset(CrossfeedSettings {
            cutoff_hz: 700.0,
            feed_db: 6.0
        })
    );
    assert_eq!(
        crossfeed_mode(CrossfeedPreset::JanMeier),
        CrossfeedMode::Preset(CrossfeedSettings {
            cutoff_hz: 650.0,
            feed_db: 9.5
        })
    );
    assert!(phones_voicing(Phones::Generic).is_none());
    assert_eq!(phones_voicing(Phones::AkgK702).unwrap().name, "AKG K702");
    assert_eq!(
        phones_voicing(Phones::SonyMdr7506).unwrap().name,
        model_voicing(Model::SonyMdr7506).name
    );
}

#[test]
fn monitor_modes_act_before_the_voicing() {
    use cans::params::Phones;
    let fs = 48_000.0;
    let l = signal::white(8192, 0.3, 1);
    let r = signal::white(8192, 0.3, 2);
    let base = engine::settings(Model::ClosedBack, CrossfeedPreset::Off, Phones::Generic);
    let mut swapped = base;
    swapped.config.monitor = MonitorMode::Swap;
    let mut e1 = engine::engine(fs, swapped);
    let (sl, sr) = engine::run(&mut e1, &l, &r, 256);
    let mut e2 = engine::engine(fs, base);
    let (bl, br) = engine::run(&mut e2, &r, &l, 256);
    // Swap then voicing == voicing of the swapped input (the level match is identical).
    assert_eq!(sl, bl);
    assert_eq!(sr, br);
}
