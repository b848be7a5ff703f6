//! The bundled measurements' rigs and targets (`data/headphones/`, see `SOURCES.txt`
//! there). Which measurements there are is listed in the catalogue (`catalogue.rs`).

use super::HeadphoneClass;
use super::catalogue::{MEASURED, MEASURED_COUNT};
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

/// Harman in-ear 2019 (v2) target for GRAS / IEC 60318-4 (711) coupler data (oratory1990's
/// in-ear and earbud measurements), *without* its bass shelf: the form AutoEq publishes.
/// [`Rig::InEar`] adds the bass back ([`HARMAN_IE_2019_BASS_SHELF`]).
pub const HARMAN_IE_2019_NO_BASS_CSV: &str =
    include_str!("../../data/headphones/target_harman_in_ear_2019_without_bass.csv");

/// Harman in-ear 2019's bass: a low shelf at 105 Hz, Q 0.7, +9.0 dB.
///
/// Source: AutoEq's full target `targets/harman_in-ear_2019v2.csv` (@ e6a7b6cd) minus
/// `targets/Harman in-ear 2019 without bass.csv` (@ 8616bed4) is 8.99, 8.93, 8.49, 4.88,
/// 1.85, 0.70 and 0.15 dB at 20, 30, 50, 100, 151, 201 and 300 Hz; this shelf gives 8.98,
/// 8.91, 8.46, 4.88, 1.90, 0.75 and 0.18 dB (within 0.05 dB). AutoEq's web app offers
/// 9.5 dB as the default boost for this target (`dbtools/create_webapp_data.py` @ 0fad4b2c);
/// 9.0 dB is what the published target itself contains. Used for earbuds too: a check
/// plays a device against the neutral in-ear target *with* its bass, so an earbud that
/// cannot seal (and so cannot make bass) sounds as bass-light as it is.
pub const HARMAN_IE_2019_BASS_SHELF: Section = Section::new(SectionKind::LowShelf, 105.0, 0.7, 9.0);

/// The rig (and so the target) a measurement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rig {
    /// oratory1990, GRAS 43AG-7 type: compare with [`HARMAN_OE_2018_CSV`].
    Gras,
    /// Innerfidelity, Head Acoustics HMS II.3: compare with
    /// [`HARMAN_OE_2018_HMS23_NO_BASS_CSV`] plus [`HARMAN_OE_2018_BASS_SHELF`] (the rig's
    /// Harman target with its bass put back).
    Hms23,
    /// oratory1990's in-ear and earbud data (GRAS, 711 coupler): compare with
    /// [`HARMAN_IE_2019_NO_BASS_CSV`] plus [`HARMAN_IE_2019_BASS_SHELF`].
    InEar,
}

impl Rig {
    pub fn target_csv(self) -> &'static str {
        match self {
            Rig::Gras => HARMAN_OE_2018_CSV,
            Rig::Hms23 => HARMAN_OE_2018_HMS23_NO_BASS_CSV,
            Rig::InEar => HARMAN_IE_2019_NO_BASS_CSV,
        }
    }

    /// The bass shelf the rig's target CSV leaves out, if any.
    pub fn bass_shelf(self) -> Option<Section> {
        match self {
            Rig::Gras => None,
            Rig::Hms23 => Some(HARMAN_OE_2018_BASS_SHELF),
            Rig::InEar => Some(HARMAN_IE_2019_BASS_SHELF),
        }
    }

    /// The rig's Harman target (over-ear 2018, or in-ear 2019 for [`Rig::InEar`]), bass
    /// shelf included.
    pub fn target(self) -> Measurement {
        let mut target = csv::parse_str(self.target_csv()).expect("bundled target CSV parses");
        if let Some(shelf) = self.bass_shelf() {
            let shelf = shelf.analog_power_fn();
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

/// The bundled measurements, in catalogue order: the measured entries of
/// [`CATALOGUE`](super::catalogue::CATALOGUE), which is where they are listed.
pub const HEADPHONES: [MeasuredHeadphone; MEASURED_COUNT] = {
    let mut out = [PLACEHOLDER; MEASURED_COUNT];
    let mut i = 0;
    while i < MEASURED_COUNT {
        out[i] = match MEASURED[i].measured() {
            Some(h) => h,
            None => panic!("a measured entry without a measurement"),
        };
        i += 1;
    }
    out
};

/// Fills [`HEADPHONES`] before the entries are copied in.
const PLACEHOLDER: MeasuredHeadphone = MeasuredHeadphone {
    const_name: "",
    name: "",
    class: HeadphoneClass::Neutral,
    file: "",
    csv: "",
    rig: Rig::Gras,
};
