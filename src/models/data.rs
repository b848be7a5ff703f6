//! The bundled measurements (`data/headphones/`, see `SOURCES.txt` there) and which
//! target each is compared with.

use super::HeadphoneClass;
use super::csv::{self, Measurement};
use super::fit::{self, Delta};
use crate::dsp::biquad::{Section, SectionKind};

/// Harman over-ear 2018 target as measured on a GRAS 43AG-style rig (oratory1990's data).
/// It is the reference every voicing is relative to, and the target a user's own
/// measurement is corrected to (AutoEq-published measurements are mostly from such rigs).
pub const HARMAN_OE_2018_CSV: &str =
    include_str!("../../data/headphones/target_harman_over_ear_2018.csv");
/// The same target for Innerfidelity's Head Acoustics HMS II.3 rig, *without* Harman's
/// bass shelf (the form AutoEq pairs with that rig's data). [`Rig::target`] adds the
/// shelf back ([`HARMAN_OE_2018_BASS_SHELF`]), so every model is relative to the same
/// Harman over-ear 2018 target, bass included.
pub const HARMAN_OE_2018_HMS23_NO_BASS_CSV: &str =
    include_str!("../../data/headphones/target_hms23_harman_over_ear_2018_without_bass.csv");

/// Harman over-ear 2018's bass: a low shelf at 105 Hz, Q 0.7, +6 dB (RBJ cookbook form).
///
/// Source: AutoEq (jaakkopasanen/AutoEq, MIT) publishes the target with and without
/// its bass for one rig (`targets/Rtings Harman over-ear 2018.csv` and `... without
/// bass.csv` @ 8616bed4a616c4c0a2dbeb9ff67907cf2e521b39); their difference, taken here
/// against its 1 kHz value, is 5.99 dB at 20 Hz, 3.27 dB at 100 Hz and 0.00 dB from
/// 1 kHz up, which this shelf reproduces within 0.1 dB. AutoEq's bass-boost defaults
/// are the same 105 Hz and Q 0.7 (`DEFAULT_BASS_BOOST_FC`, `DEFAULT_BASS_BOOST_Q`).
/// Without it a model measured against the no-bass target (the KRK KNS 8400) would be
/// played ~6 dB too heavy in the bass on headphones that follow Harman's target.
pub const HARMAN_OE_2018_BASS_SHELF: Section = Section::new(SectionKind::LowShelf, 105.0, 0.7, 6.0);

/// The rig (and so the target) a measurement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rig {
    /// oratory1990, GRAS 43AG-7 type: compare with [`HARMAN_OE_2018_CSV`].
    Gras,
    /// Innerfidelity, Head Acoustics HMS II.3: compare with
    /// [`HARMAN_OE_2018_HMS23_NO_BASS_CSV`] plus [`HARMAN_OE_2018_BASS_SHELF`] (the rig's
    /// Harman target with its bass put back).
    Hms23,
}

impl Rig {
    pub fn target_csv(self) -> &'static str {
        match self {
            Rig::Gras => HARMAN_OE_2018_CSV,
            Rig::Hms23 => HARMAN_OE_2018_HMS23_NO_BASS_CSV,
        }
    }

    /// The rig's Harman over-ear 2018 target, bass shelf included.
    pub fn target(self) -> Measurement {
        let mut target = csv::parse_str(self.target_csv()).expect("bundled target CSV parses");
        if self == Rig::Hms23 {
            let shelf = HARMAN_OE_2018_BASS_SHELF.analog_power_fn();
            for (f, db) in target.frequency_hz.iter().zip(&mut target.raw_db) {
                *db += 10.0 * shelf(*f).log10();
            }
        }
        target
    }
}

/// One bundled headphone measurement.
#[derive(Debug, Clone, Copy)]
pub struct MeasuredHeadphone {
    /// Name of the generated `pub const` in `measured.rs`.
    pub const_name: &'static str,
    /// Display name (also the model's name in the host).
    pub name: &'static str,
    pub class: HeadphoneClass,
    pub file: &'static str,
    pub csv: &'static str,
    pub rig: Rig,
}

impl MeasuredHeadphone {
    pub fn measurement(&self) -> Measurement {
        csv::parse_str(self.csv).expect("bundled measurement CSV parses")
    }

    /// Headphone − its rig's target, smoothed and normalised (see [`fit`]).
    pub fn delta(&self) -> Delta {
        fit::delta(&self.measurement(), &self.rig.target())
    }
}

/// The five named models, in the order of the model list.
pub const HEADPHONES: [MeasuredHeadphone; 5] = [
    MeasuredHeadphone {
        const_name: "SONY_MDR7506",
        name: "Sony MDR-7506",
        class: HeadphoneClass::Closed,
        file: "sony_mdr7506.csv",
        csv: include_str!("../../data/headphones/sony_mdr7506.csv"),
        rig: Rig::Gras,
    },
    MeasuredHeadphone {
        const_name: "KRK_KNS8400",
        name: "KRK KNS 8400",
        class: HeadphoneClass::Closed,
        file: "krk_kns8400.csv",
        csv: include_str!("../../data/headphones/krk_kns8400.csv"),
        rig: Rig::Hms23,
    },
    MeasuredHeadphone {
        const_name: "AUSTRIAN_AUDIO_HIX55",
        name: "Austrian Audio Hi-X55 (for Hi-X50)",
        class: HeadphoneClass::Closed,
        file: "austrian_audio_hix55_substitute_for_hix50.csv",
        csv: include_str!("../../data/headphones/austrian_audio_hix55_substitute_for_hix50.csv"),
        rig: Rig::Gras,
    },
    MeasuredHeadphone {
        const_name: "BEYERDYNAMIC_DT1990PRO",
        name: "beyerdynamic DT 1990 Pro",
        class: HeadphoneClass::Open,
        file: "beyerdynamic_dt1990pro.csv",
        csv: include_str!("../../data/headphones/beyerdynamic_dt1990pro.csv"),
        rig: Rig::Gras,
    },
    MeasuredHeadphone {
        const_name: "AKG_K702",
        name: "AKG K702",
        class: HeadphoneClass::Open,
        file: "akg_k702.csv",
        csv: include_str!("../../data/headphones/akg_k702.csv"),
        rig: Rig::Gras,
    },
];
