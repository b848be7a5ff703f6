//! The plug-in's own background thread: measurement work (loading and fitting) and the
//! speakers' responses (designing them for the host's rate, `dsp::speakers`).
//!
//! Why not nice-plug's task executor: nice-plug 0.4.2 shares one worker thread between
//! all instances in a process, and that thread *exits* when it meets a queued task whose
//! instance has already been destroyed; the next instance to be destroyed then panics
//! sending the shutdown message ("Failed while sending worker thread shutdown request"),
//! which aborts the host. The same abort follows a full queue (a destroy blocks on the
//! full channel while the worker exits). Removing one of two Cans instances while a fit
//! is pending was enough. This thread belongs to one instance, requests are coalesced
//! flags (nothing queues up), and it is joined when the instance is dropped.
//!
//! The audio thread only sets an atomic flag: no allocation, no lock, no system call (an
//! unpark is a futex wake when the thread sleeps); the thread polls its flags every
//! [`POLL_INTERVAL`] besides being woken by the editor's requests, and at each poll frees
//! the corrections the audio thread has released ([`MeasurementShared::collect`]).
//! Dropping the worker stops a fit in progress (checked every optimiser iteration), so
//! removing the plug-in never waits for a fit.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, Thread};
use std::time::Duration;

use crate::dsp::speakers::bank::SpeakerBank;
use crate::dsp::speakers::kit::SpeakersKit;
use crate::measurement::{self, LoadError, LoadState, MeasurementShared, Task};
use crate::models::fit::Stop;
use crate::params::CansParams;
use crate::speakers_handoff::KitSender;

/// How often the idle thread looks for requests the audio thread made (they set a flag
/// without waking it). A restored session's measurement is re-fitted this much later at
/// most; ten wake-ups a second per instance cost nothing measurable.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Pending work, as flags: however often a request is made before the thread gets to it,
/// it runs once, on the latest data.
#[derive(Debug, Default)]
struct Pending {
    shutdown: AtomicBool,
    refit: AtomicBool,
    clear: AtomicBool,
    load: Mutex<Option<PathBuf>>,
    /// Build the speakers' kit for an engine at this sample rate.
    speakers: Mutex<Option<f64>>,
}

/// Cheap, cloneable handle for making requests (audio thread, editor, `activate`).
#[derive(Debug, Clone)]
pub struct Requests {
    pending: Arc<Pending>,
    thread: Thread,
}

impl Requests {
    /// Fit the stored measurement again (after a session restore). Audio-thread safe:
    /// one atomic store, no allocation, no lock, no system call; the thread sees it within
    /// [`POLL_INTERVAL`].
    pub fn refit(&self) {
        self.pending.refit.store(true, Ordering::Release);
    }

    /// Load and fit the CSV at `path` (editor). A newer request replaces an older one
    /// that has not started yet.
    pub fn load(&self, path: PathBuf) {
        *self.pending.load.lock().unwrap_or_else(|e| e.into_inner()) = Some(path);
        self.thread.unpark();
    }

    /// Build the speakers' kit for an engine at `sample_rate` (`activate`, main thread).
    /// Replaces a request not yet finished: its design stops between two angles.
    pub fn speakers(&self, sample_rate: f64) {
        *self
            .pending
            .speakers
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(sample_rate);
        self.thread.unpark();
    }

    /// Forget the stored measurement.
    pub fn clear(&self) {
        self.pending.clear.store(true, Ordering::Release);
        self.thread.unpark();
    }

    /// Submit a [`Task`] (the form the editor's loader uses).
    pub fn submit(&self, task: Task) {
        match task {
            Task::LoadMeasurement(path) => self.load(path),
            Task::RefitStored => {
                self.refit();
                self.thread.unpark();
            }
            Task::ClearMeasurement => self.clear(),
        }
    }
}

/// The thread itself; joined on drop.
#[derive(Debug)]
pub struct Worker {
    requests: Requests,
    join: Option<JoinHandle<()>>,
}

impl Worker {
    /// Start the thread. `None` if the OS refuses a thread: the plug-in then loads on the
    /// editor's thread and re-fits a restored measurement at the next `activate`.
    pub fn spawn(
        shared: Arc<MeasurementShared>,
        params: Arc<CansParams>,
        mut kits: KitSender,
    ) -> Option<Self> {
        let pending = Arc::new(Pending::default());
        let for_thread = pending.clone();
        let join = thread::Builder::new()
            .name("cans-background".into())
            .spawn(move || worker_loop(&for_thread, &shared, &params, &mut kits))
            .ok()?;
        Some(Self {
            requests: Requests {
                pending,
                thread: join.thread().clone(),
            },
            join: Some(join),
        })
    }

    pub fn requests(&self) -> &Requests {
        &self.requests
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.requests
            .pending
            .shutdown
            .store(true, Ordering::Release);
        self.requests.thread.unpark();
        if let Some(join) = self.join.take() {
            // The loop contains panics, so join only fails if the thread was killed.
            let _ = join.join();
        }
    }
}

fn worker_loop(
    pending: &Pending,
    shared: &MeasurementShared,
    params: &CansParams,
    kits: &mut KitSender,
) {
    loop {
        if pending.shutdown.load(Ordering::Acquire) {
            return;
        }
        // Free the corrections the audio thread has let go of since the last poll (it
        // never frees them itself), also when nothing new is published; and the kits
        // it handed back.
        shared.collect();
        kits.collect();
        let speakers = pending
            .speakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(rate) = speakers {
            build_kit(pending, rate, kits);
            continue;
        }
        let load = pending
            .load
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let task = if let Some(path) = load {
            Task::LoadMeasurement(path)
        } else if pending.clear.swap(false, Ordering::AcqRel) {
            Task::ClearMeasurement
        } else if pending.refit.swap(false, Ordering::AcqRel) {
            Task::RefitStored
        } else {
            // Spurious wake-ups are fine: the flags are checked again.
            thread::park_timeout(POLL_INTERVAL);
            continue;
        };
        // A fit in progress gives up when the instance is destroyed, so dropping the
        // worker (the host removing the plug-in) never waits for a fit.
        run_contained(task, shared, params, &|| {
            pending.shutdown.load(Ordering::Acquire)
        });
    }
}

/// Design the built-in set's speakers for `rate` (or take this process's earlier design)
/// and send the kit, unless the instance goes away or a newer request arrives first.
fn build_kit(pending: &Pending, rate: f64, kits: &mut KitSender) {
    let stop = || {
        pending.shutdown.load(Ordering::Acquire)
            || pending
                .speakers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some()
    };
    // A panic in the design costs the speakers (the slot plays its crossfeed), not the host.
    let bank = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        SpeakerBank::builtin_until(rate, &stop)
    }));
    if let Ok(Some(bank)) = bank
        && !stop()
    {
        kits.send(SpeakersKit::new(bank));
    }
}

/// Run one task, containing a panic (a bug in fitting must cost the fit, not the host).
pub fn run_contained(task: Task, shared: &MeasurementShared, params: &CansParams, stop: Stop) {
    let origin = task.origin();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        measurement::run_task_until(task, shared, &params.custom_measurement, stop)
    }));
    if ran.is_err() {
        shared.finish(origin, LoadState::Failed(LoadError::FitPanicked));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::biquad::{Section, SectionKind};
    use crate::dsp::cascade::SectionList;

    /// The audio thread only releases a correction it no longer uses; the worker's poll
    /// frees it, without waiting for the next publish.
    #[test]
    fn the_worker_frees_released_corrections_without_a_new_publish() {
        let (shared, mut sync) = MeasurementShared::new();
        let shared = Arc::new(shared);
        let params = Arc::new(CansParams::default());
        let stored = params.custom_measurement.clone();
        let section = |gain| Section::new(SectionKind::Peaking, 1000.0, 1.0, gain);
        // Two corrections published before the audio thread looked: both kept.
        shared.publish(SectionList::from_slice(&[section(3.0)]));
        shared.publish(SectionList::from_slice(&[section(-3.0)]));
        assert_eq!(shared.kept_corrections(), 2);
        let (kits, _audio) = crate::speakers_handoff::kit_channel();
        let _worker = Worker::spawn(shared.clone(), params, kits).expect("a thread");
        // The audio thread takes the newest and holds nothing older.
        sync.update(&stored);
        sync.release(None);
        let t0 = std::time::Instant::now();
        while shared.kept_corrections() > 1 {
            assert!(
                t0.elapsed() < 20 * POLL_INTERVAL,
                "the worker never freed the released correction"
            );
            thread::sleep(POLL_INTERVAL / 10);
        }
        assert_eq!(shared.kept_corrections(), 1);
        assert_eq!(shared.correction().as_ref(), sync.correction());
    }
}
