//! The parameter → engine mapping, without a host: defaults, bounce-safe, every enum value.

mod support;

use cans::dsp::chain::CrossfeedMode;
use cans::dsp::crossfeed::CrossfeedSettings;
use cans::dsp::eq::EqSource;
use cans::dsp::stereo::MonitorMode;
use cans::params::{CansParams, CrossfeedPreset, Model, Phones};
use cans::settings::{crossfeed_mode, engine_settings, model_voicing, phones_voicing};
use nice_plug::prelude::Enum;

use support::engine::{self, all_models};
use support::signal;

#[test]
fn defaults_are_a_transparent_chain_and_bounce_safe_bypasses_offline() {
    let p = CansParams::default();
    let live = engine_settings(&p, None, false);
    assert!(!live.bypass);
    assert!(live.config.voicing.sections().is_empty());
    assert_eq!(live.config.correction, EqSource::Flat);
    assert_eq!(live.config.crossfeed, CrossfeedMode::Off);
    assert_eq!(live.config.monitor, MonitorMode::Stereo);
    assert!(live.config.level_match && live.config.mono_flat);
    assert_eq!(live.output_gain, 1.0);
    // Offline render with bounce-safe on (the default): pass-through.
    assert!(engine_settings(&p, None, true).bypass);
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
    for (i, m) in all_models().iter().enumerate() {
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
    // Side with a crossfeed on: before the chain, both ears get (L - R) / 2 and then the
    // (centred) side goes through voicing and crossfeed; after it, the crossfeed would
    // already have mixed the channels. Swap cannot tell the two apart (the chain is
    // left/right symmetric), Side can. The reference runs Mono on (L - R) / 2 in both
    // ears (Mono leaves a centred signal as it is): both modes level-match for centred
    // material.
    let fs = 48_000.0;
    let l = signal::white(8192, 0.3, 1);
    let r: Vec<f32> = signal::white(8192, 0.3, 2)
        .iter()
        .map(|x| 0.2 * x)
        .collect();
    let base = engine::settings(Model::ClosedBack, CrossfeedPreset::ChuMoy, Phones::Generic);
    let mut side = base.clone();
    side.config.monitor = MonitorMode::Side;
    let mut e1 = engine::engine(fs, side);
    let (sl, sr) = engine::run(&mut e1, &l, &r, 256);
    let s: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a - b)).collect();
    let mut mono = base;
    mono.config.monitor = MonitorMode::Mono;
    let mut e2 = engine::engine(fs, mono);
    let (bl, br) = engine::run(&mut e2, &s, &s, 256);
    let worst = signal::max_abs_diff((&sl, &sr), (&bl, &br));
    println!("Side before the chain vs Mono of (L - R) / 2: max difference {worst:e}");
    assert!(worst < 1e-5, "{worst}");
    // And the two ears are the same (a centred signal stays centred through the chain).
    assert_eq!(sl, sr);
}
