//! Audience checks: what the mix sounds like on the headphones, earbuds and speakers
//! people play it on. One [`CheckEntry`] per choice of the global `Check` parameter, in
//! its order (a test in `settings.rs` fails if `params::Check` disagrees).
//!
//! Two kinds of entry:
//! - **measured** consumer headphones and earbuds (oratory1990's measurements, bundled in
//!   `data/headphones/`, see `SOURCES.txt`): the voicing is the measurement against its
//!   rig's neutral Harman target *with* that target's bass, fitted like the named models
//!   and generated into `consumer.rs` by `cargo xtask fit-models`;
//! - **approximate** playback devices (`devices.rs`): sketches made of a few sections and a
//!   listening position, every number sourced there, labelled "(approx.)".
//!
//! A check is not part of the A/B slots: `settings::Values::chain` puts the check's voicing
//! in place of the heard slot's model (your headphones' correction stays), drops the slot's
//! class width, and for headphone and earbud checks drops the slot's crossfeed (their
//! listeners have none). Its list may grow: the parameter is not automatable and sessions
//! store it by id (`docs/growth.md`, rule 2).

use super::data::{MeasuredHeadphone, Rig};
use super::{HeadphoneClass, Voicing, consumer, devices};
use crate::dsp::seat::Playback;

/// What a check plays on, which decides whether the slot's crossfeed stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    OverEar,
    InEar,
    Earbud,
    /// A loudspeaker device: its listener hears both speakers, so the slot's crossfeed
    /// (Cans' stand-in for that) stays.
    Device,
}

impl CheckKind {
    /// Headphones and earbuds: no crossfeed, the listener has none.
    pub const fn is_worn(self) -> bool {
        !matches!(self, CheckKind::Device)
    }
}

/// Where a check's voicing comes from.
#[derive(Debug, Clone, Copy)]
pub enum CheckSource {
    /// A bundled measurement, fitted into `consumer::{const_name}`.
    Measured {
        const_name: &'static str,
        file: &'static str,
        csv: &'static str,
        rig: Rig,
    },
    /// A sketch from published figures (`devices.rs`).
    Approximate,
}

/// One audience check.
#[derive(Debug, Clone, Copy)]
pub struct CheckEntry {
    /// Stable id: the `#[id]` of the `Check` variant. Stored in sessions: never changes.
    pub id: &'static str,
    /// Display name: the variant's `#[name]` and the voicing's name.
    pub name: &'static str,
    /// Button label in the editor ("(approx.)" for the sketches).
    pub label: &'static str,
    /// Short button text (the check row has room for a word or two).
    pub short: &'static str,
    /// One line saying what the curve is (the editor's tooltip).
    pub about: &'static str,
    pub kind: CheckKind,
    pub source: CheckSource,
    /// The voicing played in place of the slot's model.
    pub voicing: &'static Voicing,
    /// How the device presents the two channels to the listener.
    pub playback: Playback,
}

impl CheckEntry {
    /// The bundled measurement, as the model generator takes it.
    pub const fn measured(&self) -> Option<MeasuredHeadphone> {
        match self.source {
            CheckSource::Measured {
                const_name,
                file,
                csv,
                rig,
            } => Some(MeasuredHeadphone {
                const_name,
                name: self.name,
                class: HeadphoneClass::Neutral,
                file,
                csv,
                rig,
            }),
            CheckSource::Approximate => None,
        }
    }

    pub const fn is_approximate(&self) -> bool {
        matches!(self.source, CheckSource::Approximate)
    }
}

macro_rules! measured_check {
    ($id:expr, $name:expr, $short:expr, $about:expr, $kind:expr, $const_name:ident, $file:expr, $rig:expr) => {
        CheckEntry {
            id: $id,
            name: $name,
            label: $name,
            short: $short,
            about: $about,
            kind: $kind,
            source: CheckSource::Measured {
                const_name: stringify!($const_name),
                file: $file,
                csv: include_str!(concat!("../../data/headphones/", $file)),
                rig: $rig,
            },
            voicing: &consumer::$const_name,
            playback: Playback::Headphones,
        }
    };
}

/// Every check after Off, in the order (with the ids and names) of the `Check` parameter.
pub const CHECKS: &[CheckEntry] = &[
    measured_check!(
        "beats_studio3",
        "Beats Studio3 Wireless",
        "Beats Studio3",
        "Measured (oratory1990, GRAS) against Harman over-ear 2018",
        CheckKind::OverEar,
        BEATS_STUDIO3_WIRELESS,
        "beats_studio3_wireless.csv",
        Rig::Gras
    ),
    measured_check!(
        "sony_wh1000xm4",
        "Sony WH-1000XM4",
        "WH-1000XM4",
        "Measured (oratory1990, GRAS) against Harman over-ear 2018",
        CheckKind::OverEar,
        SONY_WH1000XM4,
        "sony_wh1000xm4.csv",
        Rig::Gras
    ),
    measured_check!(
        "airpods_max",
        "Apple AirPods Max",
        "AirPods Max",
        "Measured (oratory1990, GRAS) against Harman over-ear 2018",
        CheckKind::OverEar,
        APPLE_AIRPODS_MAX,
        "apple_airpods_max.csv",
        Rig::Gras
    ),
    measured_check!(
        "bose_qc45",
        "Bose QuietComfort 45",
        "QC45",
        "Measured (oratory1990, GRAS) against Harman over-ear 2018",
        CheckKind::OverEar,
        BOSE_QUIETCOMFORT_45,
        "bose_quietcomfort_45.csv",
        Rig::Gras
    ),
    measured_check!(
        "galaxy_buds2_pro",
        "Samsung Galaxy Buds2 Pro",
        "Buds2 Pro",
        "Measured in-ear (oratory1990, 711 coupler) against Harman in-ear 2019 with its bass",
        CheckKind::InEar,
        SAMSUNG_GALAXY_BUDS2_PRO,
        "samsung_galaxy_buds2_pro.csv",
        Rig::InEar
    ),
    measured_check!(
        "sony_wf1000xm4",
        "Sony WF-1000XM4",
        "WF-1000XM4",
        "Measured in-ear (oratory1990, 711 coupler) against Harman in-ear 2019 with its bass",
        CheckKind::InEar,
        SONY_WF1000XM4,
        "sony_wf1000xm4.csv",
        Rig::InEar
    ),
    measured_check!(
        "airpods",
        "Apple AirPods",
        "AirPods",
        "Measured earbud (oratory1990, 711 coupler) against Harman in-ear 2019 with its bass",
        CheckKind::Earbud,
        APPLE_AIRPODS,
        "apple_airpods.csv",
        Rig::InEar
    ),
    devices::CAR,
    devices::PHONE,
    devices::LAPTOP,
    devices::TV,
    devices::MONO_CUBE,
];

/// How many checks carry a bundled measurement.
pub const MEASURED_CHECK_COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < CHECKS.len() {
        if CHECKS[i].measured().is_some() {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The bundled consumer measurements, in check order (what `consumer.rs` is fitted from).
pub const CONSUMER: [MeasuredHeadphone; MEASURED_CHECK_COUNT] = {
    let mut out = [PLACEHOLDER; MEASURED_CHECK_COUNT];
    let (mut i, mut j) = (0, 0);
    while i < CHECKS.len() {
        if let Some(h) = CHECKS[i].measured() {
            out[j] = h;
            j += 1;
        }
        i += 1;
    }
    out
};

const PLACEHOLDER: MeasuredHeadphone = MeasuredHeadphone {
    const_name: "",
    name: "",
    class: HeadphoneClass::Neutral,
    file: "",
    csv: "",
    rig: Rig::Gras,
};

/// The check with this stable id.
pub fn by_id(id: &str) -> Option<&'static CheckEntry> {
    CHECKS.iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_consistent() {
        for (i, e) in CHECKS.iter().enumerate() {
            assert_eq!(e.voicing.name, e.name, "{}", e.id);
            assert!(!e.voicing.sections.is_empty(), "{}", e.id);
            assert!(
                CHECKS[..i].iter().all(|o| o.id != e.id && o.name != e.name),
                "{} is listed twice",
                e.id
            );
            assert_eq!(
                e.is_approximate(),
                e.label.ends_with("(approx.)"),
                "{}",
                e.id
            );
            assert_eq!(e.is_approximate(), e.kind == CheckKind::Device, "{}", e.id);
            assert!(!e.about.is_empty() && !e.about.contains('\n'), "{}", e.id);
            assert!(!e.short.is_empty() && e.short.len() <= 16, "{}", e.id);
            if e.kind.is_worn() {
                assert_eq!(e.playback, Playback::Headphones, "{}", e.id);
            }
        }
        assert_eq!(MEASURED_CHECK_COUNT, 7);
        assert_eq!(by_id("airpods").unwrap().name, "Apple AirPods");
        assert!(by_id("off").is_none());
    }
}
