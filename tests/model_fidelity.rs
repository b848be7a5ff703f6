//! Fidelity of the fitted headphone models against the measurements they come from.

use cans::dsp::biquad::SectionKind;
use cans::dsp::cascade::SectionList;
use cans::models::catalogue::{MEASURED, MEASURED_COUNT};
use cans::models::data::HEADPHONES;
use cans::models::fit::{self, Delta, ERROR_BAND_HIGH_HZ, ERROR_BAND_LOW_HZ, MAX_FIT_SECTIONS};
use cans::models::{Voicing, classes};

/// Issue #4's acceptance limits, 20 Hz–16 kHz.
const MAX_FIT_RMS_DB: f64 = 0.75;
const MAX_FIT_PEAK_DB: f64 = 2.0;
/// "Model X on phones Y" must equal delta(X) − delta(Y) within this RMS.
const MAX_PAIR_RMS_DB: f64 = 1.0;

/// The measured models' voicings, in the order of `HEADPHONES`.
fn voicings() -> [&'static Voicing; MEASURED_COUNT] {
    MEASURED.map(|e| e.voicing)
}

fn deltas() -> Vec<Delta> {
    HEADPHONES.iter().map(|h| h.delta()).collect()
}

fn check_fidelity(sample_rate: f64) -> f64 {
    let mut worst_rms: f64 = 0.0;
    for (v, (h, d)) in voicings().iter().zip(HEADPHONES.iter().zip(deltas())) {
        assert_eq!(v.name, h.name);
        assert_eq!(v.class, h.class);
        assert!(!v.sections.is_empty() && v.sections.len() <= MAX_FIT_SECTIONS);
        assert!(v.sections.iter().all(|s| matches!(
            s.kind,
            SectionKind::Peaking | SectionKind::LowShelf | SectionKind::HighShelf
        )));
        let list = SectionList::from_slice(v.sections);
        let (rms, max) = fit::fit_error(&list, &d, sample_rate);
        println!(
            "{:<36} {:>2} sections  {:>6.0} Hz: RMS {rms:.3} dB, max {max:.3} dB",
            v.name,
            v.sections.len(),
            sample_rate
        );
        assert!(rms <= MAX_FIT_RMS_DB, "{}: RMS {rms} dB", v.name);
        assert!(max <= MAX_FIT_PEAK_DB, "{}: max {max} dB", v.name);
        if sample_rate == fit::FIT_SAMPLE_RATE {
            // The stored figures are the ones this measurement gives.
            assert_eq!((v.fit_rms_db, v.fit_max_db), (rms, max), "{}", v.name);
        }
        worst_rms = worst_rms.max(rms);
    }
    worst_rms
}

#[test]
fn every_model_fits_its_measured_delta_at_48k() {
    check_fidelity(48_000.0);
}

#[test]
fn every_model_fits_its_measured_delta_at_44k1() {
    check_fidelity(44_100.0);
}

#[test]
fn class_voicings_fit_the_mean_delta_of_their_members() {
    let all = deltas();
    for (voicing, class) in [
        (&classes::OPEN_BACK, cans::models::HeadphoneClass::Open),
        (&classes::CLOSED_BACK, cans::models::HeadphoneClass::Closed),
    ] {
        let members: Vec<&Delta> = HEADPHONES
            .iter()
            .zip(&all)
            .filter(|(h, _)| h.class == class)
            .map(|(_, d)| d)
            .collect();
        let mean = fit::mean_delta(&members);
        assert_eq!(voicing.class, class);
        for fs in [44_100.0, 48_000.0] {
            let (rms, max) = fit::fit_error(&SectionList::from_slice(voicing.sections), &mean, fs);
            println!(
                "{:<12} {fs:>6.0} Hz: RMS {rms:.3} dB, max {max:.3} dB",
                voicing.name
            );
            assert!(rms <= MAX_FIT_RMS_DB && max <= MAX_FIT_PEAK_DB);
        }
    }
}

#[test]
fn model_x_on_phones_y_equals_the_difference_of_deltas() {
    let all = deltas();
    let vs = voicings();
    let mut worst: f64 = 0.0;
    for (x, dx) in vs.iter().zip(&all) {
        for (y, dy) in vs.iter().zip(&all) {
            // The chain Cans plays: correction (inverse of Y) then voicing X.
            let correction = SectionList::from_slice(y.sections).inverse();
            let voicing = SectionList::from_slice(x.sections);
            let (mut sum, mut n) = (0.0, 0);
            for ((&f, a), b) in dx.frequency_hz.iter().zip(&dx.db).zip(&dy.db) {
                if !(ERROR_BAND_LOW_HZ..=ERROR_BAND_HIGH_HZ).contains(&f) {
                    continue;
                }
                let chain =
                    correction.magnitude_db(f, 48_000.0) + voicing.magnitude_db(f, 48_000.0);
                let e = chain - (a - b);
                sum += e * e;
                n += 1;
            }
            let rms = (sum / n as f64).sqrt();
            assert!(
                rms <= MAX_PAIR_RMS_DB,
                "{} on {}: RMS {rms} dB",
                x.name,
                y.name
            );
            worst = worst.max(rms);
        }
    }
    println!("worst pair RMS error: {worst:.3} dB");
}

#[test]
fn fitting_is_deterministic() {
    // Two fits of the same delta in one process give identical bits.
    let d = HEADPHONES[4].delta();
    let a = fit::fit(&d, MAX_FIT_SECTIONS);
    let b = fit::fit(&d, MAX_FIT_SECTIONS);
    assert_eq!(a, b);
}

/// Above the audible band every voicing returns to flat: the deltas are tapered to 0 dB
/// between 16 and 20 kHz (`fit::treble_taper`), and the fit follows the taper, so no
/// shelf carries a treble lift on to Nyquist (which would voice 96 kHz sessions
/// differently from 48 kHz ones and skew the loudness match).
#[test]
fn voicings_return_to_flat_above_the_audible_band() {
    /// Largest |gain| allowed at and above 20 kHz, dB.
    const MAX_ABOVE_BAND_DB: f64 = 2.0;
    let mut all: Vec<&Voicing> = voicings().to_vec();
    all.push(&classes::OPEN_BACK);
    all.push(&classes::CLOSED_BACK);
    let points: [(f64, f64); 5] = [
        (48_000.0, 20_000.0),
        (48_000.0, 22_000.0),
        (48_000.0, 23_500.0),
        (96_000.0, 30_000.0),
        (96_000.0, 40_000.0),
    ];
    let mut worst: f64 = 0.0;
    for v in all {
        let list = SectionList::from_slice(v.sections);
        let mut line = format!("{:<36}", v.name);
        for (fs, f) in points {
            let db = list.magnitude_db(f, fs);
            line += &format!("  {:>4.1}k@{:>2.0}k {db:+6.2}", f / 1000.0, fs / 1000.0);
            assert!(
                db.abs() <= MAX_ABOVE_BAND_DB,
                "{}: {db:+.2} dB at {f} Hz ({fs} Hz)",
                v.name
            );
            worst = worst.max(db.abs());
        }
        println!("{line}");
    }
    println!("worst |gain| above 20 kHz: {worst:.2} dB");
}

/// Both rigs' Harman over-ear 2018 targets agree in the bass once the HMS II.3 version
/// (published without Harman's bass) has the bass shelf put back, so a model measured on
/// either rig is heard against the same bass: without the shelf the HMS target read
/// about 5.4 dB lower at 20–100 Hz and the KRK KNS 8400 voicing played that much heavier.
#[test]
fn both_rigs_targets_carry_the_same_harman_bass() {
    use cans::models::data::Rig;
    let gras = fit::prepare(&Rig::Gras.target());
    let hms = fit::prepare(&Rig::Hms23.target());
    for (lo, hi) in [(20.0, 60.0), (20.0, 100.0), (100.0, 300.0)] {
        let (g, h) = (fit::band_mean(&gras, lo, hi), fit::band_mean(&hms, lo, hi));
        println!("target {lo}–{hi} Hz: GRAS {g:+.2} dB, HMS II.3 + bass shelf {h:+.2} dB");
        assert!(
            (g - h).abs() < 0.25,
            "{lo}–{hi} Hz: GRAS {g:+.2} vs HMS {h:+.2} dB"
        );
    }
}

/// What the data says about the article's claims, as `classes.rs` states it: closed backs
/// keep more bass than open backs on average, both open backs fall well below the target
/// under 60 Hz, and not every closed headphone is bass-heavy (the KNS 8400 is as lean as
/// the open ones).
#[test]
fn class_bass_claims_hold_on_the_measured_data() {
    let d = deltas();
    let bass = |name: &str| {
        let i = HEADPHONES.iter().position(|h| h.name == name).unwrap();
        (
            fit::band_mean(&d[i], 20.0, 100.0),
            fit::band_mean(&d[i], 20.0, 60.0),
        )
    };
    let mean = |names: &[&str]| names.iter().map(|n| bass(n).0).sum::<f64>() / names.len() as f64;
    let closed = mean(&[
        "Sony MDR-7506",
        "KRK KNS 8400",
        "Austrian Audio Hi-X55 (for Hi-X50)",
    ]);
    let open = mean(&["beyerdynamic DT 1990 Pro", "AKG K702"]);
    println!("20–100 Hz vs target: closed mean {closed:+.2} dB, open mean {open:+.2} dB");
    assert!(
        closed - open > 1.0,
        "closed {closed:+.2} vs open {open:+.2}"
    );
    for name in ["beyerdynamic DT 1990 Pro", "AKG K702"] {
        let (_, sub) = bass(name);
        assert!(sub < -4.0, "{name}: {sub:+.2} dB under 60 Hz");
    }
    let (kns, _) = bass("KRK KNS 8400");
    assert!(
        (kns - open).abs() < 1.5,
        "KNS 8400 {kns:+.2} vs open mean {open:+.2}"
    );
}
