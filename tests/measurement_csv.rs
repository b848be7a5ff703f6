//! The measurement CSV parser: every malformed case has its own error, nothing panics.

use cans::models::csv::{self, CsvError, MAX_FILE_BYTES, MIN_ROWS};
use cans::models::data::{HARMAN_OE_2018_HMS23_NO_BASS_CSV, HEADPHONES};
use proptest::prelude::*;

/// A valid AutoEq-style body of `n` rows (log-spaced 20 Hz upward).
fn rows(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{:.2},{:.2}\n",
                20.0 * 1.5f64.powi(i as i32),
                (i % 7) as f64 - 3.0
            )
        })
        .collect()
}

fn valid(n: usize) -> String {
    format!("frequency,raw\n{}", rows(n))
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("cans-csv-test-{}-{name}", std::process::id()))
}

#[test]
fn bundled_files_parse_with_their_695_points() {
    for h in HEADPHONES {
        let m = h.measurement();
        assert_eq!(m.frequency_hz.len(), 695, "{}", h.name);
        assert_eq!(m.frequency_hz[0], 20.0);
    }
    // The HMS target has extra columns (error, target): found by name.
    let m = csv::parse_str(HARMAN_OE_2018_HMS23_NO_BASS_CSV).unwrap();
    assert_eq!(m.raw_db[0], -2.13);
}

#[test]
fn columns_are_found_by_name_in_any_order_and_headerless_files_are_accepted() {
    let body = rows(12);
    let swapped: String = body
        .lines()
        .map(|l| {
            let (f, r) = l.split_once(',').unwrap();
            format!("0.0,{r},{f}\r\n")
        })
        .collect();
    let a = csv::parse_str(&format!("\u{feff}Error,RAW,Frequency\r\n{swapped}")).unwrap();
    let b = csv::parse_str(&body).unwrap();
    assert_eq!(a, b);
    assert_eq!(b.frequency_hz.len(), 12);
}

#[test]
fn wrong_columns_are_rejected() {
    let e = csv::parse_str(&format!("freq,spl\n{}", rows(12))).unwrap_err();
    assert!(
        matches!(
            e,
            CsvError::MissingColumn {
                name: "frequency",
                ..
            }
        ),
        "{e:?}"
    );
    let e = csv::parse_str(&format!("frequency,spl\n{}", rows(12))).unwrap_err();
    assert!(
        matches!(e, CsvError::MissingColumn { name: "raw", .. }),
        "{e:?}"
    );
    let e = csv::parse_str("frequency,raw\n20,1\n25\n").unwrap_err();
    assert_eq!(
        e,
        CsvError::WrongColumnCount {
            line: 3,
            expected: 2,
            found: 1
        }
    );
    assert!(e.to_string().contains("Line 3"), "{e}");
}

#[test]
fn nan_and_infinity_are_rejected() {
    let mut text = valid(12);
    text = text.replacen("-3.00", "NaN", 1);
    let e = csv::parse_str(&text).unwrap_err();
    assert_eq!(
        e,
        CsvError::NonFinite {
            line: 2,
            column: "level"
        }
    );
    let e = csv::parse_str(&valid(12).replacen("20.00", "inf", 1)).unwrap_err();
    assert_eq!(
        e,
        CsvError::NonFinite {
            line: 2,
            column: "frequency"
        }
    );
    assert!(e.to_string().contains("NaN or infinite"));
}

#[test]
fn non_numbers_are_rejected() {
    let e = csv::parse_str(&valid(12).replacen("-3.00", "loud", 1)).unwrap_err();
    assert!(
        matches!(e, CsvError::NotANumber { line: 2, column: "level", ref text } if text == "loud"),
        "{e:?}"
    );
}

#[test]
fn unsorted_and_duplicate_frequencies_are_rejected() {
    let e = csv::parse_str("frequency,raw\n20,0\n30,0\n25,0\n").unwrap_err();
    assert_eq!(
        e,
        CsvError::Unsorted {
            line: 4,
            previous_hz: 30.0,
            hz: 25.0
        }
    );
    let e = csv::parse_str("frequency,raw\n20,0\n30,0\n30,1\n").unwrap_err();
    assert_eq!(e, CsvError::DuplicateFrequency { line: 4, hz: 30.0 });
}

#[test]
fn three_rows_are_too_few() {
    let e = csv::parse_str(&valid(3)).unwrap_err();
    assert_eq!(e, CsvError::TooFewRows { rows: 3 });
    assert!(csv::parse_str(&valid(MIN_ROWS)).is_ok());
    assert!(e.to_string().contains(&MIN_ROWS.to_string()));
}

#[test]
fn out_of_range_values_are_rejected() {
    let e = csv::parse_str("frequency,raw\n5,0\n").unwrap_err();
    assert_eq!(e, CsvError::FrequencyOutOfRange { line: 2, hz: 5.0 });
    let e = csv::parse_str("frequency,raw\n20,1e6\n").unwrap_err();
    assert_eq!(e, CsvError::LevelOutOfRange { line: 2, db: 1e6 });
}

#[test]
fn empty_and_binary_input_are_rejected() {
    assert_eq!(csv::parse_str(" \n\n").unwrap_err(), CsvError::Empty);
    assert_eq!(
        csv::parse_bytes(&[0xff, 0xfe, 0x00]).unwrap_err(),
        CsvError::NotText
    );
}

#[test]
fn a_50_mb_file_is_refused_from_its_size_before_reading() {
    let path = temp_path("50mb.csv");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: 50 MB long without writing 50 MB.
    file.set_len(50 * 1024 * 1024).unwrap();
    drop(file);
    let e = csv::parse_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        e,
        CsvError::TooLarge {
            bytes: 50 * 1024 * 1024
        }
    );
    assert!(e.to_string().contains("50.0 MB"), "{e}");
    // Just over the limit is refused too; a normal file reads.
    let path = temp_path("ok.csv");
    std::fs::write(&path, valid(20)).unwrap();
    assert_eq!(csv::parse_file(&path).unwrap().frequency_hz.len(), 20);
    std::fs::remove_file(&path).unwrap();
    let big = vec![b' '; MAX_FILE_BYTES as usize + 1];
    assert!(matches!(
        csv::parse_bytes(&big),
        Err(CsvError::TooLarge { .. })
    ));
}

#[test]
fn a_missing_file_is_an_io_error() {
    let e = csv::parse_file(&temp_path("does-not-exist.csv")).unwrap_err();
    assert!(matches!(e, CsvError::Io(_)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = csv::parse_bytes(&bytes);
    }

    #[test]
    fn arbitrary_csv_like_text_never_panics_and_accepted_output_is_valid(
        tokens in proptest::collection::vec(
            proptest::sample::select(vec![
                "frequency", "raw", "error", ",", "\n", "\r\n", " ", "\"", "-", ".", "e", "1",
                "20", "25.5", "1000", "20000", "9", "nan", "inf", "1e400", "\u{feff}", "0",
            ]),
            0..400,
        )
    ) {
        let text: String = tokens.concat();
        if let Ok(m) = csv::parse_str(&text) {
            prop_assert!(m.frequency_hz.len() >= MIN_ROWS);
            prop_assert_eq!(m.frequency_hz.len(), m.raw_db.len());
            prop_assert!(m.frequency_hz.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(m.raw_db.iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn stored_columns_are_validated_like_a_file() {
    let f: Vec<f64> = (0..12).map(|i| 20.0 * 1.5f64.powi(i)).collect();
    let r = vec![0.0; 12];
    assert_eq!(csv::from_columns(&f, &r).unwrap().frequency_hz, f);
    assert_eq!(
        csv::from_columns(&f, &r[..11]).unwrap_err(),
        CsvError::LengthMismatch {
            frequencies: 12,
            levels: 11
        }
    );
    let mut nan = r.clone();
    nan[4] = f64::NAN;
    assert_eq!(
        csv::from_columns(&f, &nan).unwrap_err(),
        CsvError::NonFinite {
            line: 5,
            column: "level"
        }
    );
    let mut unsorted = f.clone();
    unsorted.swap(2, 3);
    assert!(matches!(
        csv::from_columns(&unsorted, &r),
        Err(CsvError::Unsorted { line: 4, .. })
    ));
    assert_eq!(
        csv::from_columns(&f[..3], &r[..3]).unwrap_err(),
        CsvError::TooFewRows { rows: 3 }
    );
}
