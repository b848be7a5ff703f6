//! The version-1 session every state test loads (CLAP and VST3 fixtures hold the same
//! values): each parameter's non-default value and the stored measurement.

use std::path::PathBuf;

use serde_json::{Value, json};

/// Parameters added after version 1 (display name, text displayed): a version-1 session
/// loads them at their default, which is what it played when it was saved.
pub const ADDED_SINCE_V1: [(&str, &str); 7] = [
    ("Check", "Off"),
    ("A Speakers", "Off"),
    ("A Speaker Angle", "30°"),
    ("A Room", "30 %"),
    ("B Speakers", "Off"),
    ("B Speaker Angle", "30°"),
    ("B Room", "30 %"),
];

/// Every parameter's non-default value in the version-1 fixture, as the host displays it
/// (parameter name, text to set, text displayed afterwards).
pub const V1_VALUES: [(&str, &str, &str); 21] = [
    ("A Model", "Sony MDR-7506", "Sony MDR-7506"),
    ("A Crossfeed", "Custom", "Custom"),
    ("A Crossfeed Cutoff", "820", "820 Hz"),
    ("A Crossfeed Feed", "6.3", "6.3 dB"),
    ("A ITD", "0.41", "0.41 ms"),
    ("A Mono-Flat Crossfeed", "Off", "Off"),
    ("A Width", "140", "140 %"),
    ("B Model", "AKG K702", "AKG K702"),
    (
        "B Crossfeed",
        "Jan Meier 650 Hz/9.5 dB",
        "Jan Meier 650 Hz/9.5 dB",
    ),
    ("B Crossfeed Cutoff", "1100", "1100 Hz"),
    ("B Crossfeed Feed", "2.5", "2.5 dB"),
    ("B ITD", "0.12", "0.12 ms"),
    ("B Mono-Flat Crossfeed", "Off", "Off"),
    ("B Width", "35", "35 %"),
    ("A/B", "B", "B"),
    (
        "Your Headphones",
        "beyerdynamic DT 1990 Pro",
        "beyerdynamic DT 1990 Pro",
    ),
    ("Level Match", "Off", "Off"),
    ("Monitor", "Side", "Side"),
    ("Output", "-7.25", "-7.25 dB"),
    ("Bypass", "On", "On"),
    ("Bounce-Safe", "Off", "Off"),
];

/// The measurement stored in the fixture's `custom_measurement` field.
pub fn v1_measurement() -> Value {
    json!({
        "path": "/home/engineer/measurements/my phones.csv",
        "frequency_hz": [20.0, 100.0, 1000.0, 5000.0, 20000.0],
        "raw_db": [3.5, 1.25, 0.0, -2.5, -10.0],
    })
}

pub fn fixture(name: &str) -> PathBuf {
    super::workspace_root().join("tests/fixtures").join(name)
}

/// Write a new fixture (a new state version's); a committed one is never replaced.
pub fn write_new_fixture(name: &str, bytes: &[u8]) {
    let path = fixture(name);
    assert!(
        !path.exists(),
        "{} exists: never replace a fixture",
        path.display()
    );
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
}
