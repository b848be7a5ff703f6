//! The bundled measurements (`data/headphones/`, see `SOURCES.txt` there) and which
//! target each is compared with.

use super::HeadphoneClass;
use super::csv::{self, Measurement};
use super::fit::{self, Delta};

/// Harman over-ear 2018 target as measured on a GRAS 43AG-style rig (oratory1990's data).
/// It is the reference every voicing is relative to, and the target a user's own
/// measurement is corrected to (AutoEq-published measurements are mostly from such rigs).
pub const HARMAN_OE_2018_CSV: &str =
    include_str!("../../data/headphones/target_harman_over_ear_2018.csv");
/// The same target for Innerfidelity's Head Acoustics HMS II.3 rig, *without* Harman's
/// bass shelf (the form AutoEq pairs with that rig's data).
pub const HARMAN_OE_2018_HMS23_NO_BASS_CSV: &str =
    include_str!("../../data/headphones/target_hms23_harman_over_ear_2018_without_bass.csv");

/// The rig (and so the target) a measurement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rig {
    /// oratory1990, GRAS 43AG-7 type: compare with [`HARMAN_OE_2018_CSV`].
    Gras,
    /// Innerfidelity, Head Acoustics HMS II.3: compare with
    /// [`HARMAN_OE_2018_HMS23_NO_BASS_CSV`]. Because that target has no bass shelf, such a
    /// delta reads the bass against a flat (diffuse-field-like) low end, not Harman's lift.
    Hms23,
}

impl Rig {
    pub fn target_csv(self) -> &'static str {
        match self {
            Rig::Gras => HARMAN_OE_2018_CSV,
            Rig::Hms23 => HARMAN_OE_2018_HMS23_NO_BASS_CSV,
        }
    }

    pub fn target(self) -> Measurement {
        csv::parse_str(self.target_csv()).expect("bundled target CSV parses")
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
