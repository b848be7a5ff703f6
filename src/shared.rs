//! State shared between the audio thread and the editor: lock-free flags and meter
//! readings the audio thread writes and the editor reads, and the analyzer ring's reading
//! end, which the editor takes once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use nice_plug::prelude::AtomicF32;

use crate::dsp::meters::{FLOOR_DB, MeterReadings};

pub struct Shared {
    /// Bounce-safe is passing the audio through because the host renders offline.
    pub offline_bypass: AtomicBool,
    /// The editor window is open: the audio thread feeds the analyzer ring only then.
    pub editor_open: AtomicBool,
    /// The host's sample rate (set in `activate`), for the editor's response plot.
    pub sample_rate: AtomicF32,
    /// The engine has the speakers' responses (false while the background thread still
    /// designs them after an activation): the editor says "preparing".
    pub speakers_ready: AtomicBool,
    pub peak_db: [AtomicF32; 2],
    pub short_term_lufs: [AtomicF32; 2],
    pub correlation: AtomicF32,
    /// Reading end of the analyzer ring; the editor takes it (main thread only).
    pub analyzer_rx: Mutex<Option<rtrb::Consumer<f32>>>,
}

impl Shared {
    pub fn new(analyzer_rx: rtrb::Consumer<f32>) -> Self {
        Self {
            offline_bypass: AtomicBool::new(false),
            editor_open: AtomicBool::new(false),
            sample_rate: AtomicF32::new(48_000.0),
            speakers_ready: AtomicBool::new(true),
            peak_db: [AtomicF32::new(FLOOR_DB), AtomicF32::new(FLOOR_DB)],
            short_term_lufs: [AtomicF32::new(FLOOR_DB), AtomicF32::new(FLOOR_DB)],
            correlation: AtomicF32::new(0.0),
            analyzer_rx: Mutex::new(Some(analyzer_rx)),
        }
    }

    /// Publish the meters (audio thread).
    pub fn store_meters(&self, r: &MeterReadings) {
        for ch in 0..2 {
            self.peak_db[ch].store(r.peak_db[ch], Ordering::Relaxed);
            self.short_term_lufs[ch].store(r.short_term_lufs[ch], Ordering::Relaxed);
        }
        self.correlation.store(r.correlation, Ordering::Relaxed);
    }

    /// Read the meters (editor).
    pub fn meters(&self) -> MeterReadings {
        MeterReadings {
            peak_db: [0, 1].map(|ch| self.peak_db[ch].load(Ordering::Relaxed)),
            short_term_lufs: [0, 1].map(|ch| self.short_term_lufs[ch].load(Ordering::Relaxed)),
            correlation: self.correlation.load(Ordering::Relaxed),
        }
    }
}
