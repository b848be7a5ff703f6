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

/// The persisted slot for a [`CustomMeasurement`]: a cheap, cloneable handle shared by the
/// plug-in, its background tasks and the editor. Besides the value it counts *restores*
/// (values written by the host's state load, not by the plug-in's own "Load
/// measurement…"), so the audio thread can notice a session load with one atomic read and
/// schedule the re-fit.
#[derive(Debug, Default, Clone)]
pub struct StoredMeasurement {
    inner: std::sync::Arc<StoredInner>,
}

#[derive(Debug, Default)]
struct StoredInner {
    value: std::sync::RwLock<Option<CustomMeasurement>>,
    restores: std::sync::atomic::AtomicU64,
}

impl StoredMeasurement {
    /// A copy of the stored measurement (never call from the audio thread).
    pub fn get(&self) -> Option<CustomMeasurement> {
        self.with(Clone::clone)
    }

    /// Store a measurement the plug-in itself loaded (does not count as a restore).
    pub fn store(&self, value: Option<CustomMeasurement>) {
        match self.inner.value.write() {
            Ok(mut v) => *v = value,
            Err(e) => *e.into_inner() = value,
        }
    }

    /// Store a value restored from a session and count the restore.
    pub fn restore(&self, value: Option<CustomMeasurement>) {
        self.store(value);
        self.inner
            .restores
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// How many restores happened (one atomic load: audio-thread safe).
    pub fn restore_count(&self) -> u64 {
        self.inner
            .restores
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Apply `f` to the stored value without cloning it (for serialisation).
    pub fn with<R>(&self, f: impl FnOnce(&Option<CustomMeasurement>) -> R) -> R {
        match self.inner.value.read() {
            Ok(v) => f(&v),
            Err(e) => f(&e.into_inner()),
        }
    }
}
