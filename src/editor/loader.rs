//! How the editor loads the user's headphone measurement. The editor only knows this
//! trait; the implementation that fits a correction lives with the models (wire it in
//! `editor::create`).

use std::path::Path;
use std::sync::Arc;

use crate::dsp::cascade::SectionList;
use crate::params::CansParams;
use crate::state::CustomMeasurement;

/// Loading may finish later (a background task): the editor polls [`status`](Self::status)
/// every frame, and selects "Loaded Measurement" when a request it made succeeds.
///
/// With the background loader of `crate::measurement` this is (in `editor::create`):
/// `request_load` → `measurement::request_load(&executor, path.into())`, `status` →
/// `MeasurementShared::status()` mapped to `Ok(message)` / `Err(message)` (`None` for
/// "no measurement"), `correction` → the correction last published to the audio thread.
pub trait MeasurementLoader: Send + 'static {
    /// Start loading the measurement CSV at `path`.
    fn request_load(&mut self, path: &Path);

    /// The state of the last load: `Ok` with a status line, `Err` with the reason the file
    /// was refused, `None` when nothing was loaded.
    fn status(&self) -> Option<Result<String, String>>;

    /// The correction fitted from the loaded measurement (used by the response plot when
    /// "Your Headphones" is "Loaded Measurement").
    fn correction(&self) -> SectionList {
        SectionList::EMPTY
    }
}

/// Reads an AutoEq-style CSV (`frequency,raw` header, then rows of numbers) into the
/// session's `custom_measurement`, refusing files that are not one.
pub struct CsvIntoState {
    pub params: Arc<CansParams>,
    pub status: Option<Result<String, String>>,
}

impl CsvIntoState {
    pub fn new(params: Arc<CansParams>) -> Self {
        Self {
            params,
            status: None,
        }
    }

    fn load(&mut self, path: &Path) -> Result<String, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
        let (frequency_hz, raw_db) = parse_csv(&text)?;
        let points = frequency_hz.len();
        let m = CustomMeasurement {
            path: path.display().to_string(),
            frequency_hz,
            raw_db,
        };
        if let Ok(mut slot) = self.params.custom_measurement.write() {
            *slot = Some(m);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        Ok(format!("Loaded {name} ({points} points)"))
    }
}

/// Fewest points accepted: AutoEq's own grid has 695; a file with fewer than this cannot
/// describe a headphone's response across the band.
pub const MIN_POINTS: usize = 10;

pub fn parse_csv(text: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or("the file is empty")?;
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let f_col = cols
        .iter()
        .position(|c| c == "frequency")
        .ok_or("no \"frequency\" column in the header")?;
    let r_col = cols
        .iter()
        .position(|c| c == "raw")
        .ok_or("no \"raw\" column in the header")?;
    let (mut freq, mut raw) = (Vec::new(), Vec::new());
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let get = |i: usize| -> Result<f64, String> {
            cells
                .get(i)
                .and_then(|c| c.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("row {} is not a number pair", n + 2))
        };
        let (f, r) = (get(f_col)?, get(r_col)?);
        if f <= 0.0 || freq.last().is_some_and(|&p| f <= p) {
            return Err(format!("row {}: frequencies must increase", n + 2));
        }
        freq.push(f);
        raw.push(r);
    }
    if freq.len() < MIN_POINTS {
        return Err(format!("only {} points (need {MIN_POINTS})", freq.len()));
    }
    Ok((freq, raw))
}

impl MeasurementLoader for CsvIntoState {
    fn request_load(&mut self, path: &Path) {
        self.status = Some(self.load(path));
    }

    fn status(&self) -> Option<Result<String, String>> {
        self.status.clone()
    }
}
