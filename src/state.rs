//! What the plugin stores in a session besides its parameters.

use serde::{Deserialize, Serialize};

/// Layout version of the persisted state. Bump it when a persisted field changes meaning,
/// and keep a fixture of every released version under `tests/fixtures/`.
pub const STATE_VERSION: u32 = 1;

/// A headphone measurement the user loaded (AutoEq CSV: `frequency,raw`), kept in the
/// session so a reload restores the same correction even if the file has moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomMeasurement {
    /// Where the file was loaded from (informational; the data below is authoritative).
    pub path: String,
    /// Frequencies in Hz, strictly increasing.
    pub frequency_hz: Vec<f64>,
    /// Relative SPL in dB at each frequency.
    pub raw_db: Vec<f64>,
}
