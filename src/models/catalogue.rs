//! The headphone catalogue: every voicing Cans plays, written once.
//!
//! One [`Entry`] per choice of the `Model` parameter, in its order: the stable id stored in
//! sessions, the display name, the picker label, the class, where the voicing comes from
//! (nothing, a class mean, or a bundled measurement and the rig/target it is compared
//! with) and the generated voicing itself. Everything else derives from this list:
//!
//! - the `Model` and `Phones` parameter enums (`params.rs`) are written out (nice-plug's
//!   `#[derive(Enum)]` needs literal variants) and a test in `settings.rs` fails if they
//!   disagree with it: `Model` is the catalogue in order, `Phones` is Generic, then the
//!   [`MEASURED`] entries, then Loaded Measurement;
//! - `settings::model_voicing`/`phones_voicing`/`phones_correction` look entries up by
//!   the enums' index;
//! - the editor's model picker groups the entries under their class's entry;
//! - the model generator (`generate.rs`) fits [`data::HEADPHONES`](super::data::HEADPHONES),
//!   which is derived from the measured entries here, and emits the class voicings of the
//!   class entries;
//! - the tests' model lists.
//!
//! Framework-free like the rest of `models`. How new models join without breaking
//! sessions: `docs/growth.md`.

use super::data::{MeasuredHeadphone, Rig};
use super::{HeadphoneClass, NEUTRAL, Voicing, classes, measured};

/// Where an entry's voicing comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// No voicing: the target itself.
    Target,
    /// The fitted mean delta of the measured entries of the same class, emitted as
    /// `classes::{const_name}` by `cargo xtask fit-models`.
    ClassMean { const_name: &'static str },
    /// One bundled measurement (`data/headphones/{file}`, see `SOURCES.txt` there), compared
    /// with its rig's target and fitted into `measured::{const_name}`.
    Measured {
        const_name: &'static str,
        file: &'static str,
        csv: &'static str,
        rig: Rig,
    },
}

/// One voicing a slot can play.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Stable id: the `#[id]` of the `Model` variant playing it (and, for measured entries,
    /// of the `Phones` variant correcting it). Stored in sessions: never changes.
    pub id: &'static str,
    /// Display name: the variants' `#[name]` (what hosts show) and the voicing's name.
    pub name: &'static str,
    /// Label in the editor's model picker.
    pub label: &'static str,
    pub class: HeadphoneClass,
    pub source: Source,
    /// The voicing it plays (generated from `source`; see `generate.rs`). A new entry
    /// starts with `&NEUTRAL` here until `cargo xtask fit-models` has written its const.
    pub voicing: &'static Voicing,
}

impl Entry {
    /// Whether this entry heads its class's group in the picker (Neutral and the class
    /// voicings).
    pub const fn is_class_head(&self) -> bool {
        matches!(self.source, Source::Target | Source::ClassMean { .. })
    }

    /// The bundled measurement, as the model generator takes it.
    pub const fn measured(&self) -> Option<MeasuredHeadphone> {
        match self.source {
            Source::Measured {
                const_name,
                file,
                csv,
                rig,
            } => Some(MeasuredHeadphone {
                const_name,
                name: self.name,
                class: self.class,
                file,
                csv,
                rig,
            }),
            _ => None,
        }
    }
}

/// Every voicing, in the order (and with the ids and names) of the `Model` parameter.
pub const CATALOGUE: &[Entry] = &[
    Entry {
        id: "neutral",
        name: "Neutral",
        label: "Neutral",
        class: HeadphoneClass::Neutral,
        source: Source::Target,
        voicing: &NEUTRAL,
    },
    Entry {
        id: "open",
        name: "Open-back",
        label: "Open-back class",
        class: HeadphoneClass::Open,
        source: Source::ClassMean {
            const_name: "OPEN_BACK",
        },
        voicing: &classes::OPEN_BACK,
    },
    Entry {
        id: "closed",
        name: "Closed-back",
        label: "Closed-back class",
        class: HeadphoneClass::Closed,
        source: Source::ClassMean {
            const_name: "CLOSED_BACK",
        },
        voicing: &classes::CLOSED_BACK,
    },
    Entry {
        id: "mdr7506",
        name: "Sony MDR-7506",
        label: "Sony MDR-7506",
        class: HeadphoneClass::Closed,
        source: Source::Measured {
            const_name: "SONY_MDR7506",
            file: "sony_mdr7506.csv",
            csv: include_str!("../../data/headphones/sony_mdr7506.csv"),
            rig: Rig::Gras,
        },
        voicing: &measured::SONY_MDR7506,
    },
    Entry {
        id: "kns8400",
        name: "KRK KNS 8400",
        label: "KRK KNS 8400",
        class: HeadphoneClass::Closed,
        source: Source::Measured {
            const_name: "KRK_KNS8400",
            file: "krk_kns8400.csv",
            csv: include_str!("../../data/headphones/krk_kns8400.csv"),
            rig: Rig::Hms23,
        },
        voicing: &measured::KRK_KNS8400,
    },
    Entry {
        id: "hix55",
        name: "Austrian Audio Hi-X55 (for Hi-X50)",
        label: "Austrian Audio Hi-X55 (for Hi-X50)",
        class: HeadphoneClass::Closed,
        source: Source::Measured {
            const_name: "AUSTRIAN_AUDIO_HIX55",
            file: "austrian_audio_hix55_substitute_for_hix50.csv",
            csv: include_str!(
                "../../data/headphones/austrian_audio_hix55_substitute_for_hix50.csv"
            ),
            rig: Rig::Gras,
        },
        voicing: &measured::AUSTRIAN_AUDIO_HIX55,
    },
    Entry {
        id: "dt1990",
        name: "beyerdynamic DT 1990 Pro",
        label: "beyerdynamic DT 1990 Pro",
        class: HeadphoneClass::Open,
        source: Source::Measured {
            const_name: "BEYERDYNAMIC_DT1990PRO",
            file: "beyerdynamic_dt1990pro.csv",
            csv: include_str!("../../data/headphones/beyerdynamic_dt1990pro.csv"),
            rig: Rig::Gras,
        },
        voicing: &measured::BEYERDYNAMIC_DT1990PRO,
    },
    Entry {
        id: "k702",
        name: "AKG K702",
        label: "AKG K702",
        class: HeadphoneClass::Open,
        source: Source::Measured {
            const_name: "AKG_K702",
            file: "akg_k702.csv",
            csv: include_str!("../../data/headphones/akg_k702.csv"),
            rig: Rig::Gras,
        },
        voicing: &measured::AKG_K702,
    },
];

/// How many entries carry a bundled measurement.
pub const MEASURED_COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < CATALOGUE.len() {
        if CATALOGUE[i].measured().is_some() {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The entries with a bundled measurement, in catalogue order: the `Phones` choices
/// between Generic and Loaded Measurement.
pub const MEASURED: [&Entry; MEASURED_COUNT] = {
    let mut out = [&CATALOGUE[0]; MEASURED_COUNT];
    let (mut i, mut j) = (0, 0);
    while i < CATALOGUE.len() {
        if CATALOGUE[i].measured().is_some() {
            out[j] = &CATALOGUE[i];
            j += 1;
        }
        i += 1;
    }
    out
};

/// The entry with this stable id.
pub fn by_id(id: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.id == id)
}

/// The picker's groups: each class head (in catalogue order) with the entries of its
/// class (in catalogue order, the head first), as catalogue indices.
pub fn groups() -> impl Iterator<Item = (&'static Entry, impl Iterator<Item = usize>)> {
    CATALOGUE.iter().filter(|e| e.is_class_head()).map(|head| {
        let members = CATALOGUE
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.class == head.class)
            .map(|(i, _)| i);
        (head, members)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_consistent_with_their_voicings() {
        for (i, e) in CATALOGUE.iter().enumerate() {
            assert_eq!(e.voicing.name, e.name, "{}", e.id);
            assert_eq!(e.voicing.class, e.class, "{}", e.id);
            assert!(
                CATALOGUE[..i]
                    .iter()
                    .all(|o| o.id != e.id && o.name != e.name),
                "{} is listed twice",
                e.id
            );
            match e.source {
                Source::Target => assert!(e.voicing.sections.is_empty(), "{}", e.id),
                _ => assert!(!e.voicing.sections.is_empty(), "{}", e.id),
            }
        }
        // One head per class, so every entry has exactly one group.
        for e in CATALOGUE {
            let heads = CATALOGUE
                .iter()
                .filter(|h| h.is_class_head() && h.class == e.class)
                .count();
            assert_eq!(heads, 1, "{}", e.id);
        }
        assert_eq!(
            groups().map(|(_, m)| m.count()).sum::<usize>(),
            CATALOGUE.len()
        );
        assert_eq!(by_id("k702").unwrap().name, "AKG K702");
        assert!(by_id("nope").is_none());
    }
}
