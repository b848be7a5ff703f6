//! Parser for AutoEq-style frequency-response CSV files (`frequency,raw`, dB).
//!
//! Used for the bundled measurements and, at run time, for a file the user loads, so it
//! trusts nothing: every malformed case has its own [`CsvError`] variant with a message a
//! person can act on, and no input (arbitrary bytes included) can make it panic.
//!
//! Accepted layouts:
//! - a header row naming the columns; `frequency` and `raw` are found by name
//!   (case-insensitive), extra columns (`error`, `target`, `smoothed`, ...) are ignored;
//! - no header: the first two columns are frequency and level.
//!
//! Blank lines are skipped; `\r\n` line ends and a UTF-8 byte-order mark are accepted.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// Largest file accepted (2 MiB). AutoEq's measurement files are about 9 kB (695 rows);
/// even a 1/48-octave file with many columns stays far below this, so anything larger is
/// not a frequency response and is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Fewest rows accepted. Ten points over 20 Hz–20 kHz are one per octave, the coarsest
/// response that still says anything about a headphone's balance.
pub const MIN_ROWS: usize = 10;

/// Frequencies accepted, Hz: measurement rigs report down to ~10 Hz and up to 48 kHz
/// (half the 96 kHz rate some use); outside that a value is a typo or another unit.
const MIN_FREQUENCY_HZ: f64 = 10.0;
const MAX_FREQUENCY_HZ: f64 = 48_000.0;

/// Largest level magnitude accepted, dB. Relative SPL curves span tens of dB; a value
/// beyond ±300 dB is not a level (and would overflow the smoothing sums).
const MAX_ABS_LEVEL_DB: f64 = 300.0;

/// A parsed response: strictly increasing frequencies and a level for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub frequency_hz: Vec<f64>,
    pub raw_db: Vec<f64>,
}

/// Why a file was refused. Lines are counted from 1 as a text editor shows them.
#[derive(Debug, Clone, PartialEq)]
pub enum CsvError {
    /// The file could not be opened or read.
    Io(String),
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge { bytes: u64 },
    /// The file is not UTF-8 text.
    NotText,
    /// No non-blank line at all.
    Empty,
    /// The header lacks a required column.
    MissingColumn { name: &'static str, header: String },
    /// A data row has fewer fields than the columns it needs.
    WrongColumnCount {
        line: usize,
        expected: usize,
        found: usize,
    },
    /// A field is not a number.
    NotANumber {
        line: usize,
        column: &'static str,
        text: String,
    },
    /// A field is NaN or infinite.
    NonFinite { line: usize, column: &'static str },
    /// A level is beyond ±[`MAX_ABS_LEVEL_DB`].
    LevelOutOfRange { line: usize, db: f64 },
    /// A frequency is outside [`MIN_FREQUENCY_HZ`]–[`MAX_FREQUENCY_HZ`].
    FrequencyOutOfRange { line: usize, hz: f64 },
    /// A frequency is lower than the one before it.
    Unsorted {
        line: usize,
        previous_hz: f64,
        hz: f64,
    },
    /// A frequency repeats the one before it.
    DuplicateFrequency { line: usize, hz: f64 },
    /// Fewer than [`MIN_ROWS`] data rows.
    TooFewRows { rows: usize },
    /// Stored columns of different lengths (a damaged session, not a file).
    LengthMismatch { frequencies: usize, levels: usize },
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Io(e) => write!(f, "Could not read the file: {e}"),
            CsvError::TooLarge { bytes } => write!(
                f,
                "The file is {:.1} MB; a frequency-response CSV is at most {} MB.",
                *bytes as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            CsvError::NotText => write!(f, "The file is not a text (UTF-8) CSV file."),
            CsvError::Empty => write!(f, "The file is empty."),
            CsvError::MissingColumn { name, header } => write!(
                f,
                "The header has no \"{name}\" column (found \"{header}\"); \
                 expected an AutoEq CSV with columns \"frequency,raw\"."
            ),
            CsvError::WrongColumnCount {
                line,
                expected,
                found,
            } => write!(
                f,
                "Line {line} has {found} column(s); at least {expected} are needed \
                 (frequency and level)."
            ),
            CsvError::NotANumber { line, column, text } => {
                write!(f, "Line {line}: {column} \"{text}\" is not a number.")
            }
            CsvError::NonFinite { line, column } => {
                write!(f, "Line {line}: {column} is NaN or infinite.")
            }
            CsvError::LevelOutOfRange { line, db } => write!(
                f,
                "Line {line}: level {db} dB is beyond ±{MAX_ABS_LEVEL_DB} dB."
            ),
            CsvError::FrequencyOutOfRange { line, hz } => write!(
                f,
                "Line {line}: frequency {hz} Hz is outside {MIN_FREQUENCY_HZ} Hz–{} kHz.",
                MAX_FREQUENCY_HZ / 1000.0
            ),
            CsvError::Unsorted {
                line,
                previous_hz,
                hz,
            } => write!(
                f,
                "Line {line}: frequency {hz} Hz comes after {previous_hz} Hz; \
                 frequencies must increase."
            ),
            CsvError::DuplicateFrequency { line, hz } => {
                write!(f, "Line {line}: frequency {hz} Hz appears twice.")
            }
            CsvError::LengthMismatch {
                frequencies,
                levels,
            } => write!(
                f,
                "The stored measurement has {frequencies} frequencies but {levels} levels."
            ),
            CsvError::TooFewRows { rows } => write!(
                f,
                "The file has {rows} data row(s); at least {MIN_ROWS} are needed."
            ),
        }
    }
}

impl std::error::Error for CsvError {}

/// Longest field text quoted back in an error message.
const MAX_QUOTED_CHARS: usize = 24;

fn quote(text: &str) -> String {
    text.chars().take(MAX_QUOTED_CHARS).collect()
}

/// Read and parse a file, refusing files over [`MAX_FILE_BYTES`] from their metadata,
/// before any content is read (and again while reading, should the file grow).
pub fn parse_file(path: &Path) -> Result<Measurement, CsvError> {
    let meta = std::fs::metadata(path).map_err(|e| CsvError::Io(e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(CsvError::TooLarge { bytes: meta.len() });
    }
    let file = std::fs::File::open(path).map_err(|e| CsvError::Io(e.to_string()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CsvError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CsvError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    parse_bytes(&bytes)
}

/// Parse raw bytes (must be UTF-8 text).
pub fn parse_bytes(bytes: &[u8]) -> Result<Measurement, CsvError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CsvError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotText)?;
    parse_str(text)
}

fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(str::trim)
}

/// Parse CSV text.
pub fn parse_str(text: &str) -> Result<Measurement, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .peekable();
    let Some(&(_, first)) = lines.peek() else {
        return Err(CsvError::Empty);
    };

    // A first line whose first field is a number is data: no header, columns 0 and 1.
    let has_header = fields(first)
        .next()
        .is_none_or(|f| f.parse::<f64>().is_err());
    let (freq_col, raw_col) = if has_header {
        let header: Vec<String> = fields(first)
            .map(|f| f.trim_matches('"').to_ascii_lowercase())
            .collect();
        let find = |name: &'static str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| CsvError::MissingColumn {
                    name,
                    header: quote(first),
                })
        };
        let cols = (find("frequency")?, find("raw")?);
        lines.next();
        cols
    } else {
        (0, 1)
    };
    let needed = freq_col.max(raw_col) + 1;

    let mut frequency_hz = Vec::new();
    let mut raw_db = Vec::new();
    for (line, content) in lines {
        let row: Vec<&str> = fields(content).collect();
        if row.len() < needed {
            return Err(CsvError::WrongColumnCount {
                line,
                expected: needed,
                found: row.len(),
            });
        }
        let number = |col: usize, column: &'static str| -> Result<f64, CsvError> {
            let text = row[col].trim_matches('"');
            let value = text.parse::<f64>().map_err(|_| CsvError::NotANumber {
                line,
                column,
                text: quote(text),
            })?;
            if value.is_finite() {
                Ok(value)
            } else {
                Err(CsvError::NonFinite { line, column })
            }
        };
        let hz = number(freq_col, "frequency")?;
        let db = number(raw_col, "level")?;
        check_row(line, hz, db, frequency_hz.last().copied())?;
        frequency_hz.push(hz);
        raw_db.push(db);
    }
    if frequency_hz.len() < MIN_ROWS {
        return Err(CsvError::TooFewRows {
            rows: frequency_hz.len(),
        });
    }
    Ok(Measurement {
        frequency_hz,
        raw_db,
    })
}

/// The checks every row passes (range, order), shared by files and stored columns.
fn check_row(line: usize, hz: f64, db: f64, previous_hz: Option<f64>) -> Result<(), CsvError> {
    if !(MIN_FREQUENCY_HZ..=MAX_FREQUENCY_HZ).contains(&hz) {
        return Err(CsvError::FrequencyOutOfRange { line, hz });
    }
    if db.abs() > MAX_ABS_LEVEL_DB {
        return Err(CsvError::LevelOutOfRange { line, db });
    }
    if let Some(previous_hz) = previous_hz {
        if hz == previous_hz {
            return Err(CsvError::DuplicateFrequency { line, hz });
        }
        if hz < previous_hz {
            return Err(CsvError::Unsorted {
                line,
                previous_hz,
                hz,
            });
        }
    }
    Ok(())
}

/// Validate columns that did not come from a file (a measurement stored in a session,
/// which a damaged or hand-edited session could make anything). Row `i` is reported as
/// line `i + 1`.
pub fn from_columns(frequency_hz: &[f64], raw_db: &[f64]) -> Result<Measurement, CsvError> {
    if frequency_hz.len() != raw_db.len() {
        return Err(CsvError::LengthMismatch {
            frequencies: frequency_hz.len(),
            levels: raw_db.len(),
        });
    }
    for (i, (&hz, &db)) in frequency_hz.iter().zip(raw_db).enumerate() {
        let line = i + 1;
        if !hz.is_finite() {
            return Err(CsvError::NonFinite {
                line,
                column: "frequency",
            });
        }
        if !db.is_finite() {
            return Err(CsvError::NonFinite {
                line,
                column: "level",
            });
        }
        check_row(line, hz, db, i.checked_sub(1).map(|p| frequency_hz[p]))?;
    }
    if frequency_hz.len() < MIN_ROWS {
        return Err(CsvError::TooFewRows {
            rows: frequency_hz.len(),
        });
    }
    Ok(Measurement {
        frequency_hz: frequency_hz.to_vec(),
        raw_db: raw_db.to_vec(),
    })
}
