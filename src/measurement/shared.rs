//! The state the background thread and the editor share (the audio thread has its
//! [`AudioSync`](super::AudioSync)).

use std::sync::{Mutex, MutexGuard};

use crate::dsp::cascade::SectionList;
use crate::dsp::prepared::{self, Prepared, Preparer};

use super::audio_sync::AudioSync;
use super::status::{LoadState, LoadStatus, Origin};
use super::task::FitCache;

/// Everything the background task and the editor share.
pub struct MeasurementShared {
    /// Publishes fitted corrections to the audio thread (never locked there).
    corrections: Mutex<Preparer<SectionList>>,
    status: Mutex<LoadStatus>,
    /// The last fit, so re-fitting the same data is free.
    pub(super) cache: FitCache,
}

impl MeasurementShared {
    /// The shared state and the audio thread's end of its correction channel.
    pub fn new() -> (Self, AudioSync) {
        let (preparer, receiver) = prepared::channel();
        let shared = Self {
            corrections: Mutex::new(preparer),
            status: Mutex::new(LoadStatus::default()),
            cache: FitCache::default(),
        };
        (shared, AudioSync::new(receiver))
    }

    /// Hand a correction to the audio thread.
    pub fn publish(&self, correction: SectionList) {
        lock(&self.corrections).publish(correction);
    }

    /// The last published correction (editor, tests; never the audio thread).
    pub fn correction(&self) -> Option<Prepared<SectionList>> {
        lock(&self.corrections).latest().cloned()
    }

    /// Free corrections the audio thread no longer uses (background thread, every poll;
    /// never the audio thread). Returns how many are still kept.
    pub fn collect(&self) -> usize {
        lock(&self.corrections).collect()
    }

    /// How many corrections are kept alive for the audio thread (diagnostics, tests).
    pub fn kept_corrections(&self) -> usize {
        lock(&self.corrections).kept()
    }

    /// The current status (for the editor; never call from the audio thread).
    pub fn status(&self) -> LoadStatus {
        lock(&self.status).clone()
    }

    /// A task of kind `origin` finished in `state`: the next generation. Returns it.
    pub fn finish(&self, origin: Origin, state: LoadState) -> u64 {
        let mut status = lock(&self.status);
        status.generation += 1;
        status.origin = Some(origin);
        status.state = state;
        status.generation
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
