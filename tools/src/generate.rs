//! Source generation for `cargo xtask fit-models` (`cans-fit-models`): fits every bundled
//! measurement and writes `measured.rs`, `classes.rs` and `consumer.rs` (the audience
//! checks' measured models) as Rust text. A test (`tools/tests/generated_models.rs`)
//! regenerates them in-process and compares them with the committed files byte for byte.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use cans::dsp::biquad::SectionKind;
use cans::models::HeadphoneClass;
use cans::models::catalogue::{CATALOGUE, Source};
use cans::models::checks::CONSUMER;
use cans::models::data::{HEADPHONES, MeasuredHeadphone, Rig};
use cans::models::fit::{self, Delta, FitResult, MAX_FIT_SECTIONS};

/// Paths of the generated files, relative to the plug-in crate's root.
pub const MEASURED_PATH: &str = "src/models/measured.rs";
pub const CLASSES_PATH: &str = "src/models/classes.rs";
pub const CONSUMER_PATH: &str = "src/models/consumer.rs";

/// The plug-in crate's root (the workspace root, this crate's parent).
pub fn plugin_crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cans-tools lives in the plug-in's workspace")
        .to_path_buf()
}

/// Each generated file's path (relative to [`plugin_crate_dir`]) with its text.
pub fn generated_files(fits: &Fits) -> [(&'static str, String); 3] {
    [
        (MEASURED_PATH, measured_rs(fits)),
        (CLASSES_PATH, classes_rs(fits)),
        (CONSUMER_PATH, consumer_rs(fits)),
    ]
}

/// Bands (Hz) the class derivation reports, with what each shows.
pub const SUB_BASS: (f64, f64) = (20.0, 60.0);
pub const BASS: (f64, f64) = (20.0, 100.0);
pub const UPPER_BASS: (f64, f64) = (100.0, 300.0);
pub const PRESENCE: (f64, f64) = (2_000.0, 5_000.0);
pub const TREBLE: (f64, f64) = (5_000.0, 10_000.0);

/// Everything the generated files are made from.
pub struct Fits {
    pub headphones: Vec<(MeasuredHeadphone, Delta, FitResult)>,
    pub open: (Delta, FitResult),
    pub closed: (Delta, FitResult),
    /// The audience checks' consumer models, in check order.
    pub consumer: Vec<(MeasuredHeadphone, Delta, FitResult)>,
}

impl Fits {
    /// The fitted mean of a class's members.
    pub fn class_mean(&self, class: HeadphoneClass) -> &(Delta, FitResult) {
        match class {
            HeadphoneClass::Open => &self.open,
            HeadphoneClass::Closed => &self.closed,
            HeadphoneClass::Neutral => panic!("the neutral class has no members to average"),
        }
    }
}

/// Fit every bundled headphone (the catalogue's measured entries) and both class means.
pub fn fit_all() -> Fits {
    let fit_each = |list: &[MeasuredHeadphone]| -> Vec<_> {
        list.iter()
            .map(|h| {
                let d = h.delta();
                let f = fit::fit(&d, MAX_FIT_SECTIONS);
                (*h, d, f)
            })
            .collect()
    };
    let headphones = fit_each(&HEADPHONES);
    let class_fit = |class: HeadphoneClass| {
        let members: Vec<&Delta> = headphones
            .iter()
            .filter(|(h, _, _)| h.class == class)
            .map(|(_, d, _)| d)
            .collect();
        let mean = fit::mean_delta(&members);
        let f = fit::fit(&mean, MAX_FIT_SECTIONS);
        (mean, f)
    };
    let open = class_fit(HeadphoneClass::Open);
    let closed = class_fit(HeadphoneClass::Closed);
    Fits {
        headphones,
        open,
        closed,
        consumer: fit_each(&CONSUMER),
    }
}

fn kind_name(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::Peaking => "Peaking",
        SectionKind::LowShelf => "LowShelf",
        SectionKind::HighShelf => "HighShelf",
        SectionKind::HighPass => "HighPass",
        SectionKind::LowPass => "LowPass",
    }
}

/// A float literal that reads back to the same bits (`{:?}` is the shortest round trip
/// and always has a `.` or an exponent).
fn lit(v: f64) -> String {
    format!("{v:?}")
}

fn class_name(class: HeadphoneClass) -> &'static str {
    match class {
        HeadphoneClass::Neutral => "Neutral",
        HeadphoneClass::Open => "Open",
        HeadphoneClass::Closed => "Closed",
    }
}

/// The target a rig's measurements are compared with, as written in the generated docs.
fn target_doc(rig: Rig) -> &'static str {
    match rig {
        Rig::Gras => "`target_harman_over_ear_2018.csv`",
        Rig::Hms23 => {
            "`target_hms23_harman_over_ear_2018_without_bass.csv` + `HARMAN_OE_2018_BASS_SHELF`"
        }
        Rig::InEar => "`target_harman_in_ear_2019_without_bass.csv` + `HARMAN_IE_2019_BASS_SHELF`",
    }
}

fn write_voicing(
    out: &mut String,
    const_name: &str,
    name: &str,
    class: HeadphoneClass,
    fit: &FitResult,
) {
    writeln!(out, "pub const {const_name}: Voicing = Voicing {{").unwrap();
    writeln!(out, "    name: {name:?},").unwrap();
    writeln!(out, "    class: HeadphoneClass::{},", class_name(class)).unwrap();
    writeln!(out, "    sections: &[").unwrap();
    for s in fit.sections.as_slice() {
        writeln!(
            out,
            "        Section::new(SectionKind::{}, {}, {}, {}),",
            kind_name(s.kind),
            lit(s.freq_hz),
            lit(s.q),
            lit(s.gain_db)
        )
        .unwrap();
    }
    writeln!(out, "    ],").unwrap();
    writeln!(out, "    fit_rms_db: {},", lit(fit.rms_db)).unwrap();
    writeln!(out, "    fit_max_db: {},", lit(fit.max_db)).unwrap();
    writeln!(out, "}};").unwrap();
}

/// One fitted model: its heading, `note` (doc lines, may be empty), the fit's figures and
/// the voicing constant.
fn write_fitted(
    out: &mut String,
    h: &MeasuredHeadphone,
    delta: &Delta,
    fit: &FitResult,
    note: &str,
) {
    out.push('\n');
    writeln!(
        out,
        "/// {} — `{}` vs {}.",
        h.name,
        h.file,
        target_doc(h.rig)
    )
    .unwrap();
    out.push_str(note);
    fit_comment(out, fit, delta);
    write_voicing(out, h.const_name, h.name, h.class, fit);
}

fn fit_comment(out: &mut String, fit: &FitResult, delta: &Delta) {
    let (rms44, max44) = fit::fit_error(&fit.sections, delta, 44_100.0);
    writeln!(
        out,
        "/// Fit: {} sections; error vs the smoothed delta, 20 Hz–16 kHz: RMS {:.3} dB, \
         max {:.3} dB at 48 kHz",
        fit.sections.len(),
        fit.rms_db,
        fit.max_db
    )
    .unwrap();
    writeln!(
        out,
        "/// (RMS {rms44:.3} dB, max {max44:.3} dB at 44.1 kHz)."
    )
    .unwrap();
}

/// The text of `measured.rs`.
pub fn measured_rs(fits: &Fits) -> String {
    let mut out = String::new();
    out.push_str(
        "//! Named headphone models, fitted to published measurements.\n\
         //!\n\
         //! GENERATED by `cargo xtask fit-models` from `data/headphones/` (see `SOURCES.txt`);\n\
         //! do not edit: a test regenerates this file and compares it byte for byte.\n\
         //!\n\
         //! Each voicing is the delta *headphone − its rig's Harman over-ear 2018 target*,\n\
         //! smoothed (1/6 octave widening to 1/3 octave in the treble) and normalised (mean\n\
         //! 200 Hz–2 kHz = 0 dB), fitted with peaking and shelf sections by\n\
         //! `models::fit::fit` (greedy initialisation + Levenberg–Marquardt). Applied to a\n\
         //! signal heard at the target, it gives the modelled headphone's balance.\n\
         \n\
         use super::{HeadphoneClass, Voicing};\n\
         use crate::dsp::biquad::{Section, SectionKind};\n",
    );
    for (h, delta, fit) in &fits.headphones {
        let note = if h.rig == Rig::Hms23 {
            "/// Measured by Innerfidelity on a Head Acoustics HMS II.3, so compared with that\n\
             /// rig's Harman target, whose bass shelf AutoEq leaves out and `data` puts back.\n"
        } else {
            ""
        };
        write_fitted(&mut out, h, delta, fit, note);
    }
    out
}

/// The text of `consumer.rs`: the audience checks' measured models.
pub fn consumer_rs(fits: &Fits) -> String {
    let mut out = String::new();
    out.push_str(
        "//! Consumer headphones and earbuds for the audience checks, fitted to published\n\
         //! measurements.\n\
         //!\n\
         //! GENERATED by `cargo xtask fit-models` from `data/headphones/` (see `SOURCES.txt`);\n\
         //! do not edit: a test regenerates this file and compares it byte for byte.\n\
         //!\n\
         //! Each voicing is the delta *device − its rig's neutral Harman target with that\n\
         //! target's bass*: over-ear models against Harman over-ear 2018 (GRAS), in-ear models\n\
         //! and earbuds against Harman in-ear 2019 plus its 9 dB bass shelf\n\
         //! (`data::HARMAN_IE_2019_BASS_SHELF`), so a device that cannot make bass sounds\n\
         //! bass-light. Smoothed, normalised and fitted exactly like the named models\n\
         //! (`measured.rs`).\n\
         \n\
         use super::{HeadphoneClass, Voicing};\n\
         use crate::dsp::biquad::{Section, SectionKind};\n",
    );
    for (h, delta, fit) in &fits.consumer {
        write_fitted(&mut out, h, delta, fit, "");
    }
    out
}

/// Per-headphone band means of the delta, used in the class derivation.
struct BandRow {
    name: &'static str,
    class: HeadphoneClass,
    sub_bass: f64,
    bass: f64,
    upper_bass: f64,
    presence: f64,
    treble: f64,
}

fn band_row(name: &'static str, class: HeadphoneClass, d: &Delta) -> BandRow {
    let m = |b: (f64, f64)| fit::band_mean(d, b.0, b.1);
    BandRow {
        name,
        class,
        sub_bass: m(SUB_BASS),
        bass: m(BASS),
        upper_bass: m(UPPER_BASS),
        presence: m(PRESENCE),
        treble: m(TREBLE),
    }
}

/// The text of `classes.rs`.
pub fn classes_rs(fits: &Fits) -> String {
    let mut rows: Vec<BandRow> = fits
        .headphones
        .iter()
        .map(|(h, d, _)| band_row(h.name, h.class, d))
        .collect();
    rows.push(band_row(
        "Closed-back mean",
        HeadphoneClass::Closed,
        &fits.closed.0,
    ));
    rows.push(band_row(
        "Open-back mean",
        HeadphoneClass::Open,
        &fits.open.0,
    ));
    let gras = fit::prepare(&Rig::Gras.target());
    let hms = fit::prepare(&Rig::Hms23.target());
    rows.push(band_row(
        "(target) Harman OE 2018, GRAS",
        HeadphoneClass::Neutral,
        &gras,
    ));
    rows.push(band_row(
        "(target) Harman OE 2018, HMS II.3",
        HeadphoneClass::Neutral,
        &hms,
    ));
    let mut out = String::new();
    out.push_str(
        "//! Class voicings: Open-back and Closed-back, re-derived from the measured data.\n\
         //!\n\
         //! GENERATED by `cargo xtask fit-models` (see `tools/src/generate.rs`); do not edit.\n\
         //!\n\
         //! Each class voicing is the mean delta of its members (each headphone against its\n\
         //! own rig's Harman over-ear 2018 target, smoothed and normalised as in\n\
         //! `models::fit`), fitted the same way as the named models. Closed: Sony MDR-7506,\n\
         //! KRK KNS 8400, Austrian Audio Hi-X55; open: beyerdynamic DT 1990 Pro, AKG K702.\n\
         //!\n\
         //! Mean delta (dB, vs target) per band; the last two rows are the targets themselves\n\
         //! (normalised, so against their own midrange):\n\
         //!\n",
    );
    writeln!(
        out,
        "//! | {:<36} | {:<6} | {:>9} | {:>10} | {:>11} | {:>9} | {:>9} |",
        "headphone", "class", "20–60 Hz", "20–100 Hz", "100–300 Hz", "2–5 kHz", "5–10 kHz"
    )
    .unwrap();
    writeln!(
        out,
        "//! |{}|{}|{}|{}|{}|{}|{}|",
        "-".repeat(38),
        "-".repeat(8),
        "-".repeat(11),
        "-".repeat(12),
        "-".repeat(13),
        "-".repeat(11),
        "-".repeat(11)
    )
    .unwrap();
    for r in &rows {
        writeln!(
            out,
            "//! | {:<36} | {:<6} | {:>+9.2} | {:>+10.2} | {:>+11.2} | {:>+9.2} | {:>+9.2} |",
            r.name,
            match r.class {
                HeadphoneClass::Neutral => "target",
                c => class_name(c),
            },
            r.sub_bass,
            r.bass,
            r.upper_bass,
            r.presence,
            r.treble
        )
        .unwrap();
    }
    out.push_str("//!\n");
    out.push_str(&article_notes(&rows));
    out.push_str(
        "\n\
         use super::{HeadphoneClass, Voicing};\n\
         use crate::dsp::biquad::{Section, SectionKind};\n",
    );
    for entry in CATALOGUE {
        let Source::ClassMean { const_name } = entry.source else {
            continue;
        };
        let (name, class) = (entry.name, entry.class);
        let (delta, fit) = fits.class_mean(class);
        out.push('\n');
        writeln!(
            out,
            "/// {name}: the fitted mean delta of the class members."
        )
        .unwrap();
        fit_comment(&mut out, fit, delta);
        write_voicing(&mut out, const_name, name, class, fit);
    }
    out
}

/// Where the article's claims hold and where they do not, with the numbers above.
fn article_notes(rows: &[BandRow]) -> String {
    let get = |name: &str| rows.iter().find(|r| r.name == name).expect("row");
    let closed = get("Closed-back mean");
    let open = get("Open-back mean");
    let kns = get("KRK KNS 8400");
    let sony = get("Sony MDR-7506");
    let hix = get("Austrian Audio Hi-X55 (for Hi-X50)");
    let dt = get("beyerdynamic DT 1990 Pro");
    let k702 = get("AKG K702");
    let gras = get("(target) Harman OE 2018, GRAS");
    let hms = get("(target) Harman OE 2018, HMS II.3");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "//! The article (\"Open-Back vs Closed-Back Headphones\") against the data:\n\
         //!\n\
         //! - \"Closed-back headphones have a skewed low-end ... more 'impact' ... trapping the\n\
         //!   lower frequencies\": holds on average. The closed mean is {:+.2} dB at 20–100 Hz\n\
         //!   against {:+.2} dB for the open mean ({:+.2} dB difference); below 60 Hz {:+.2} vs\n\
         //!   {:+.2} dB. A sealed cup keeps the bass from leaking, so the driver's low end holds\n\
         //!   up to the lowest frequencies. The \"skew\" is clearest in the upper bass, the\n\
         //!   region a closed cup's air volume and pads colour: 100–300 Hz closed mean {:+.2} dB\n\
         //!   (KNS 8400 {:+.2}, Hi-X55 {:+.2}, MDR-7506 {:+.2}) against {:+.2} dB for the open mean.",
        closed.bass,
        open.bass,
        closed.bass - open.bass,
        closed.sub_bass,
        open.sub_bass,
        closed.upper_bass,
        kns.upper_bass,
        hix.upper_bass,
        sony.upper_bass,
        open.upper_bass
    );
    let _ = writeln!(
        s,
        "//! - It does not hold for every closed model. Against the Harman target (for the\n\
         //!   KNS 8400, its HMS II.3 rig's target with Harman's bass shelf put back: that\n\
         //!   target row reads {:+.2} dB at 20–100 Hz, the GRAS one {:+.2} dB) the KRK KNS 8400 is\n\
         //!   {:+.2} dB at 20–100 Hz, as lean as the open backs ({:+.2} dB), and the Hi-X55\n\
         //!   {:+.2} dB; only the Sony MDR-7506 ({:+.2} dB) comes close to the target's bass.\n\
         //!   \"Closed\" means \"does not leak\", not \"boosted\": the tuning decides the level.",
        hms.bass, gras.bass, kns.bass, open.bass, hix.bass, sony.bass
    );
    let _ = writeln!(
        s,
        "//! - Open backs leak bass: both open models fall below the target at the bottom\n\
         //!   (DT 1990 Pro {:+.2} dB, K702 {:+.2} dB at 20–60 Hz), the leak roll-off the physics\n\
         //!   predicts below ~60 Hz, where the acoustic short circuit through the open back\n\
         //!   grows as the wavelength grows.",
        dt.sub_bass, k702.sub_bass
    );
    let _ = writeln!(
        s,
        "//! - \"The frequency response is altered because of the echoing\" (cup resonance):\n\
         //!   the closed models' mid-to-treble deltas differ from each other more than from the\n\
         //!   open ones (2–5 kHz: Sony {:+.2}, KNS {:+.2}, Hi-X55 {:+.2} dB; open {:+.2}, {:+.2} dB),\n\
         //!   so a class mean keeps only what the members share; the named models carry\n\
         //!   each one's own colouring.",
        sony.presence, kns.presence, hix.presence, dt.presence, k702.presence
    );
    let _ = writeln!(
        s,
        "//! - Soundstage (\"wider\" for open backs) is not in a frequency response; it is modelled\n\
         //!   separately as the class width factor (`HeadphoneClass::width_factor`)."
    );
    s
}
