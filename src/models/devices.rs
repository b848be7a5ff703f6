//! Approximate playback devices for the audience checks: honest sketches, not emulations.
//!
//! Each is a handful of sections and a listening position ([`Playback`]). Every number is
//! named with its source; where no public measurement was found, the number is marked as
//! a sketch and says so. None of them models a specific product except the mono cube
//! (fitted to one published measurement). What no sketch models: the room or cabin's
//! reflections and modes beyond the one low-frequency trait named, distortion and
//! compression of small drivers at level, background noise (road noise in a car), and
//! the directivity of the speakers.

use super::checks::{CheckEntry, CheckKind, CheckSource};
use super::{HeadphoneClass, Voicing};
use crate::dsp::biquad::{Section, SectionKind};
use crate::dsp::seat::Playback;

const fn sketch(name: &'static str, sections: &'static [Section]) -> Voicing {
    Voicing {
        name,
        class: HeadphoneClass::Neutral,
        sections,
        fit_rms_db: 0.0,
        fit_max_db: 0.0,
    }
}

// ---- Car -------------------------------------------------------------------------------

/// Cabin gain: below the frequency whose half wavelength is the cabin's length the
/// closed cabin is a pressure chamber and the level rises ~12 dB per octave. Corner for a
/// midsize car: 66 Hz ("48, 66 and 87 Hz ... for vans, midsize and compact cars", the
/// WinSpeakerz author on the Bass List, trueaudio.com/post_001.htm, 1999; glasswolf.net
/// "The Effects of Cabin Gain in Car Audio" gives 70–90 Hz and 12 dB/octave).
pub const CABIN_GAIN_CORNER_HZ: f64 = 66.0;
/// How far the rise goes before the door woofer's own roll-off (12 dB/octave below its
/// resonance, sealed door) cancels it: "10–12 dB of gain at 30 Hz relative to the
/// anechoic response" for a typical sedan (rokketbox.com, "cabin gain", a vendor's
/// note: the weakest source here). Listeners also *choose* about this much: +13 dB bass
/// over flat in a car (P. Dennis, "In-Vehicle Audio System Sound Quality Preference
/// Study", AES Convention Paper 9393, 2015).
pub const CABIN_GAIN_DB: f64 = 12.0;
/// A 12 dB/octave rise of [`CABIN_GAIN_DB`] spans one octave below the corner; a
/// second-order shelf (Q 1/√2, 12 dB/octave at its steepest) has its midpoint in the
/// middle of that octave: corner / √2.
const CABIN_SHELF: Section = Section::new(
    SectionKind::LowShelf,
    CABIN_GAIN_CORNER_HZ * std::f64::consts::FRAC_1_SQRT_2,
    std::f64::consts::FRAC_1_SQRT_2,
    CABIN_GAIN_DB,
);
/// The driver's seat (left-hand drive): ear to the near and the far front-door
/// mid-bass driver, 28 in and 56 in in ohmicaudio.com's worked time-alignment example
/// ("Beginner level: why time alignment matters"). An illustrative example, not a
/// measurement: no peer-reviewed ear-to-speaker distances were found. 0.711 m of path
/// difference is 2.08 ms; free field the far speaker is 6 dB quieter.
pub const CAR_NEAR_M: f64 = 28.0 * 0.0254;
pub const CAR_FAR_M: f64 = 56.0 * 0.0254;

pub const CAR: CheckEntry = CheckEntry {
    id: "car",
    name: "Car",
    label: "Car (approx.)",
    short: "Car",
    about: "Sketch: cabin gain +12 dB below 66 Hz, driver's seat nearer the left speakers (2.1 ms, 6 dB)",
    kind: CheckKind::Device,
    source: CheckSource::Approximate,
    voicing: &sketch("Car", &[CABIN_SHELF]),
    playback: Playback::OffCentreLeft {
        near_m: CAR_NEAR_M,
        far_m: CAR_FAR_M,
    },
};

// ---- Phone speaker ---------------------------------------------------------------------

/// A phone's microspeaker in its tiny sealed volume is a second-order high-pass at its
/// resonance. 630 Hz: the lower limit of a tablet's microspeaker system before bass
/// extension (J. R. Chang & C. N. Wang, "Bass Extension of Microspeaker System on Mobile
/// Device", Journal of Mechanics, 2018: "extended from 630 to 300 Hz"); a phone's is no
/// larger.
pub const PHONE_HIGH_PASS_HZ: f64 = 630.0;
/// Presence peak of a small driver: a sketch, no public measurement found: +4 dB, Q 1,
/// at 3 kHz.
pub const PHONE_PRESENCE_HZ: f64 = 3_000.0;
pub const PHONE_PRESENCE_DB: f64 = 4.0;

pub const PHONE: CheckEntry = CheckEntry {
    id: "phone",
    name: "Phone speaker",
    label: "Phone speaker (approx.)",
    short: "Phone",
    about: "Sketch: mono, 12 dB/oct high-pass at 630 Hz (microspeaker), +4 dB presence at 3 kHz (not measured)",
    kind: CheckKind::Device,
    source: CheckSource::Approximate,
    voicing: &sketch(
        "Phone speaker",
        &[
            Section::new(
                SectionKind::HighPass,
                PHONE_HIGH_PASS_HZ,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
            ),
            Section::new(
                SectionKind::Peaking,
                PHONE_PRESENCE_HZ,
                1.0,
                PHONE_PRESENCE_DB,
            ),
        ],
    ),
    playback: Playback::Mono,
};

// ---- Laptop ----------------------------------------------------------------------------

/// Laptop speakers: "basically good down to about 300 Hz where the response drops off
/// like a rock" (REW measurement of a Dell Inspiron E1505, danmarx.org/blog/?p=263); a
/// Framework laptop "falls off quickly below 400 Hz", with "rolloff in the high
/// frequency starting around 7 kHz" (UMIK-1 + REW, community.frame.work, "speakers sound
/// quality"). Two hobbyist measurements: the sketch takes 300 Hz (12 dB/octave) and a
/// low-pass whose −3 dB point is 8 kHz.
pub const LAPTOP_HIGH_PASS_HZ: f64 = 300.0;
pub const LAPTOP_LOW_PASS_HZ: f64 = 8_000.0;

pub const LAPTOP: CheckEntry = CheckEntry {
    id: "laptop",
    name: "Laptop",
    label: "Laptop (approx.)",
    short: "Laptop",
    about: "Sketch from two hobbyist measurements: high-pass at 300 Hz, treble rolled off above 8 kHz",
    kind: CheckKind::Device,
    source: CheckSource::Approximate,
    voicing: &sketch(
        "Laptop",
        &[
            Section::new(
                SectionKind::HighPass,
                LAPTOP_HIGH_PASS_HZ,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
            ),
            Section::new(
                SectionKind::LowPass,
                LAPTOP_LOW_PASS_HZ,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
            ),
        ],
    ),
    playback: Playback::Headphones,
};

// ---- TV --------------------------------------------------------------------------------

/// A flat TV's built-in speakers. No public measurement of their bass limit was found
/// (Rtings measures "low-frequency extension" but its figures were not available): the
/// 120 Hz high-pass is a sketch between the laptop's 300 Hz and a small bookshelf
/// speaker, and the −3 dB treble shelf above 8 kHz stands for drivers that fire down or
/// backwards, away from the listener (also a sketch).
pub const TV_HIGH_PASS_HZ: f64 = 120.0;
pub const TV_TREBLE_SHELF_HZ: f64 = 8_000.0;
pub const TV_TREBLE_SHELF_DB: f64 = -3.0;

pub const TV: CheckEntry = CheckEntry {
    id: "tv",
    name: "TV",
    label: "TV (approx.)",
    short: "TV",
    about: "Sketch, no public measurement found: high-pass at 120 Hz, treble -3 dB (speakers firing away from you)",
    kind: CheckKind::Device,
    source: CheckSource::Approximate,
    voicing: &sketch(
        "TV",
        &[
            Section::new(
                SectionKind::HighPass,
                TV_HIGH_PASS_HZ,
                std::f64::consts::FRAC_1_SQRT_2,
                0.0,
            ),
            Section::new(
                SectionKind::HighShelf,
                TV_TREBLE_SHELF_HZ,
                std::f64::consts::FRAC_1_SQRT_2,
                TV_TREBLE_SHELF_DB,
            ),
        ],
    ),
    playback: Playback::Headphones,
};

// ---- Mono cube -------------------------------------------------------------------------

/// The classic small mono mixing speaker (Auratone 5C: one 4.5" paper cone in a sealed
/// ~6.5" cube, "strong mid-range emphasis": Sound On Sound, May 2016; Tape Op #111). No
/// published measurement of the 5C was found; its modern equivalent, the Avantone Pro
/// MixCube, was measured by Audio Science Review (on axis, dB re 20 µPa at 2.83 V / 1 m,
/// pierreaubert/spinorama `datas/measurements/Avantone Pro MixCube/asr/SPL
/// Horizontal.txt` @ f99482c9). These are its points (Hz, dB); the sections below were
/// fitted to them (least squares on the analog prototypes, offset removed: RMS 1.03 dB, max 2.2 dB;
/// `tests/checks.rs` measures the running chain against the points).
pub const MIXCUBE_ASR_ON_AXIS: [(f64, f64); 16] = [
    (50.0, 60.8),
    (100.0, 72.5),
    (200.0, 81.4),
    (300.0, 83.5),
    (500.0, 84.7),
    (1_000.0, 89.0),
    (1_500.0, 91.5),
    (2_000.0, 91.5),
    (3_000.0, 84.7),
    (4_000.0, 82.2),
    (4_400.0, 80.0),
    (5_300.0, 93.1),
    (7_000.0, 90.2),
    (10_000.0, 79.3),
    (15_000.0, 76.7),
    (20_000.0, 71.3),
];

pub const MONO_CUBE: CheckEntry = CheckEntry {
    id: "mono_cube",
    name: "Mono cube",
    label: "Mono cube (approx.)",
    short: "Mono cube",
    about: "Mono; fitted to Audio Science Review's MixCube measurement (16 points, 1.0 dB RMS)",
    kind: CheckKind::Device,
    source: CheckSource::Approximate,
    voicing: &sketch(
        "Mono cube",
        &[
            Section::new(SectionKind::HighPass, 183.0, 0.74, 0.0),
            Section::new(SectionKind::Peaking, 1_493.0, 0.95, 8.7),
            Section::new(SectionKind::Peaking, 4_280.0, 6.0, -10.5),
            Section::new(SectionKind::Peaking, 5_811.0, 2.24, 12.0),
            // A matched shelf, not a low-pass: a bilinear low-pass near Nyquist would
            // cramp the top octave at 44.1/48 kHz.
            Section::new(SectionKind::HighShelf, 11_581.0, 0.79, -12.0),
        ],
    ),
    playback: Playback::Mono,
};
