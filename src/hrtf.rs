//! Head-related impulse responses from SOFA files (AES69), read with the `sofar` crate:
//! the built-in MIT KEMAR set (`data/hrtf/`, see its `SOURCES.txt`) and files a user loads.
//!
//! A file is refused with a [`HrtfError`] saying why (the previous set keeps playing):
//! not SOFA, a convention other than SimpleFreeFieldHRIR, not two ears, absurd sizes,
//! non-finite data. Whether it has the directions the speakers need is checked where they
//! are designed (`dsp::speakers::bank`).

use std::fmt;
use std::sync::OnceLock;

use crate::dsp::speakers::hrir::{Hrir, HrirSet};

/// The built-in set, verbatim from Debian's libmysofa1 (licence in `data/hrtf/SOURCES.txt`).
pub const BUILTIN_SOFA: &[u8] = include_bytes!("../data/hrtf/MIT_KEMAR_normal_pinna.sofa");
pub const BUILTIN_NAME: &str = "MIT KEMAR, normal pinna (Gardner & Martin 1994)";

/// Largest file accepted: the biggest public sets (SADIE II at 96 kHz, ARI) are a few
/// tens of MB.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Longest impulse response accepted, in seconds (free-field HRIRs are a few ms; room
/// measurements are not what this convention holds).
pub const MAX_IR_SECONDS: f64 = 10.0;
/// Sample rates accepted, in Hz.
pub const SAMPLE_RATES_HZ: std::ops::RangeInclusive<f64> = 8_000.0..=384_000.0;
/// The rate `sofar` is asked for: files at another rate are resampled by it to this one
/// (the design works on magnitudes, so the rate only bounds the bandwidth).
const READ_RATE_HZ: f32 = 44_100.0;

#[derive(Debug, Clone, PartialEq)]
pub enum HrtfError {
    TooLarge(usize),
    NotSofa(String),
    WrongConvention(String),
    NotTwoEars(u32),
    Empty,
    TooLong(f64),
    BadRate(f64),
    Inconsistent(String),
    NonFinite,
}

impl fmt::Display for HrtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HrtfError::TooLarge(n) => write!(
                f,
                "the file is {:.0} MB; HRTF files over {} MB are refused",
                *n as f64 / 1048576.0,
                MAX_FILE_BYTES / 1048576
            ),
            HrtfError::NotSofa(why) => write!(f, "not a readable SOFA file ({why})"),
            HrtfError::WrongConvention(c) => write!(
                f,
                "the file's convention is \"{c}\"; Cans reads SimpleFreeFieldHRIR"
            ),
            HrtfError::NotTwoEars(r) => write!(f, "the file has {r} receivers, not two ears"),
            HrtfError::Empty => write!(f, "the file holds no impulse responses"),
            HrtfError::TooLong(s) => write!(
                f,
                "its impulse responses are {s:.1} s long; over {MAX_IR_SECONDS} s is refused"
            ),
            HrtfError::BadRate(r) => write!(f, "its sample rate ({r} Hz) is out of range"),
            HrtfError::Inconsistent(why) => write!(f, "the file is inconsistent: {why}"),
            HrtfError::NonFinite => write!(f, "its data holds NaN or infinite values"),
        }
    }
}

impl std::error::Error for HrtfError {}

/// The built-in set (parsed once per process).
pub fn builtin() -> &'static HrirSet {
    static SET: OnceLock<HrirSet> = OnceLock::new();
    SET.get_or_init(|| {
        read_sofa(BUILTIN_SOFA, BUILTIN_NAME).expect("the built-in SOFA file is valid")
    })
}

/// Read a SimpleFreeFieldHRIR SOFA file. Never panics (a panic inside the reader on a
/// corrupt file is caught and reported as not SOFA).
pub fn read_sofa(bytes: &[u8], name: &str) -> Result<HrirSet, HrtfError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(HrtfError::TooLarge(bytes.len()));
    }
    let opened = std::panic::catch_unwind(|| {
        sofar::reader::OpenOptions::new()
            .sample_rate(READ_RATE_HZ)
            .normalized(false)
            .open_data(bytes)
    });
    let sofa = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(HrtfError::NotSofa(e.to_string())),
        Err(_) => return Err(HrtfError::NotSofa("the reader gave up".into())),
    };
    let h = sofa.hrtf();
    let convention = h.get_attribute("SOFAConventions").unwrap_or("none");
    if convention != "SimpleFreeFieldHRIR" {
        return Err(HrtfError::WrongConvention(convention.to_string()));
    }
    let (m, r, n) = (h.m() as usize, h.r(), h.n() as usize);
    if r != 2 {
        return Err(HrtfError::NotTwoEars(r));
    }
    if m == 0 || n == 0 {
        return Err(HrtfError::Empty);
    }
    let rate = sofa.sample_rate() as f64;
    if !SAMPLE_RATES_HZ.contains(&rate) {
        return Err(HrtfError::BadRate(rate));
    }
    if n as f64 / rate > MAX_IR_SECONDS {
        return Err(HrtfError::TooLong(n as f64 / rate));
    }
    let ir = &h.data_ir.values;
    let pos = &h.source_position.values;
    // Sizes from the file are checked before they are multiplied (no overflow).
    if Some(ir.len()) != m.checked_mul(2).and_then(|v| v.checked_mul(n)) {
        return Err(HrtfError::Inconsistent(format!(
            "{} samples of impulse response for {m} directions × 2 ears × {n} taps",
            ir.len()
        )));
    }
    if Some(pos.len()) != m.checked_mul(3) {
        return Err(HrtfError::Inconsistent(format!(
            "{} source coordinates for {m} directions",
            pos.len()
        )));
    }
    if ir.iter().chain(pos).any(|v| !v.is_finite()) {
        return Err(HrtfError::NonFinite);
    }
    // Data.Delay: one value per ear for all directions (1 × 2) or per direction (M × 2).
    let delays = &h.data_delay.values;
    if delays.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(HrtfError::NonFinite);
    }
    let delay = |dir: usize, ear: usize| -> f64 {
        let samples = match delays.len() {
            2 => delays[ear],
            len if len == 2 * m => delays[2 * dir + ear],
            _ => 0.0,
        };
        samples as f64 / rate
    };
    let directions = (0..m)
        .map(|i| {
            // Cartesian after sofar's conversion: x ahead, y left, z up.
            let (x, y, z) = (
                pos[3 * i] as f64,
                pos[3 * i + 1] as f64,
                pos[3 * i + 2] as f64,
            );
            let horizontal = x.hypot(y);
            let at = |ear: usize| ir[(2 * i + ear) * n..(2 * i + ear + 1) * n].to_vec();
            Hrir {
                azimuth_deg: y.atan2(x).to_degrees(),
                elevation_deg: z.atan2(horizontal).to_degrees(),
                ears: [at(0), at(1)],
                delay_s: [delay(i, 0), delay(i, 1)],
            }
        })
        .collect();
    Ok(HrirSet {
        sample_rate: rate,
        taps: n,
        directions,
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_set_is_mit_kemar() {
        let set = builtin();
        assert_eq!(set.sample_rate, 44_100.0);
        assert_eq!(set.taps, 512);
        assert_eq!(set.directions.len(), 710);
        // 5-degree steps in the horizontal plane, left at +azimuth.
        let (i, dist) = set.nearest(30.0, 0.0).unwrap();
        assert!(dist < 0.01, "{dist}");
        let d = &set.directions[i];
        let energy = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
        assert!(
            energy(&d.ears[0]) > 2.0 * energy(&d.ears[1]),
            "a source at +30° is louder at the left ear"
        );
    }

    #[test]
    fn refusals_say_why() {
        assert!(matches!(
            read_sofa(b"not a sofa file", "x"),
            Err(HrtfError::NotSofa(_))
        ));
        assert!(matches!(read_sofa(&[], "x"), Err(HrtfError::NotSofa(_))));
        let big = vec![0u8; MAX_FILE_BYTES + 1];
        assert!(matches!(read_sofa(&big, "x"), Err(HrtfError::TooLarge(_))));
        for cut in [100, 4096, BUILTIN_SOFA.len() / 2, BUILTIN_SOFA.len() - 1] {
            assert!(
                read_sofa(&BUILTIN_SOFA[..cut], "x").is_err(),
                "truncated at {cut}"
            );
        }
    }
}
