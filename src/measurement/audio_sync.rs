//! The audio thread's end of the measurement: the newest correction and which session
//! restore it saw. Every method is wait-free and allocation-free.

use crate::dsp::cascade::SectionList;
use crate::dsp::prepared::{Prepared, Receiver};
use crate::state::StoredMeasurement;

/// The audio thread's side: the newest correction and which session restore it saw.
pub struct AudioSync {
    corrections: Receiver<SectionList>,
    seen_restores: u64,
}

impl AudioSync {
    pub(super) fn new(corrections: Receiver<SectionList>) -> Self {
        Self {
            corrections,
            seen_restores: 0,
        }
    }

    /// Take a newly published correction (wait-free, no allocation). Returns `true` when
    /// the host restored a session since the last call, i.e. the caller should schedule
    /// [`Task::RefitStored`](super::Task::RefitStored).
    pub fn update(&mut self, stored: &StoredMeasurement) -> bool {
        self.corrections.update();
        let restores = stored.restore_count();
        let restored = restores != self.seen_restores;
        self.seen_restores = restores;
        restored
    }

    /// The newest correction received.
    pub fn correction(&self) -> Option<&Prepared<SectionList>> {
        self.corrections.latest()
    }

    /// Let the background thread free corrections older than the oldest one `in_use`
    /// (`None`: the engine holds none) or the newest received.
    pub fn release(&self, in_use: Option<u64>) {
        let newest = self.correction().map(Prepared::id);
        let oldest = [in_use, newest].into_iter().flatten().min();
        self.corrections
            .release_older_than(oldest.unwrap_or(u64::MAX));
    }

    /// Mark the current restore count as handled (after a synchronous re-fit).
    pub fn mark_restores_seen(&mut self, stored: &StoredMeasurement) {
        self.seen_restores = stored.restore_count();
    }
}
