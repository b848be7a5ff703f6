//! "Your own measurement": load an AutoEq-style CSV of the listener's headphones, fit the
//! correction to the Harman over-ear 2018 target off the audio thread, and hand it to the
//! audio thread lock-free.
//!
//! Flow:
//! - The editor submits [`Task::LoadMeasurement`], run on the plug-in's background thread
//!   (`crate::background`). The file is parsed (`models::csv`), the delta
//!   *measurement − Harman OE 2018 (GRAS)* is fitted (`models::fit`), and the correction
//!   (the fitted delta's exact inverse) is published as a prepared resource
//!   (`dsp::prepared`: built here, handed to the audio thread lock-free, freed here). The
//!   measurement is stored in the persisted `custom_measurement` field so a session
//!   reload restores it. A bad file changes nothing but the status message.
//! - On `activate` and whenever the host restores a session ([`StoredMeasurement::restore`],
//!   noticed by [`AudioSync::update`] with one atomic read), [`Task::RefitStored`] fits the
//!   stored measurement again (deterministic, and cached, so it gives the same sections).
//! - `process` calls [`AudioSync::update`]: a wait-free pop of the newest correction,
//!   which the engine settings then refer to by handle.
//!
//! The user's file is assumed to be measured like AutoEq's oratory1990 data (GRAS 43AG
//! type rig), which is what the Harman OE 2018 target file is for.

use std::path::PathBuf;
use std::sync::Mutex;

use nice_plug::params::persist::PersistentField;

use crate::dsp::cascade::SectionList;
use crate::dsp::prepared::{self, Prepared, Preparer, Receiver};
use crate::models::csv::{self, CsvError, Measurement};
use crate::models::data::Rig;
use crate::models::fit::{self, FitResult, MAX_FIT_SECTIONS, Stop};
use crate::state::{CustomMeasurement, StoredMeasurement};

/// Background work of the plug-in (run by `crate::background`).
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    /// Parse and fit the CSV at this path; on success store it and publish its correction.
    LoadMeasurement(PathBuf),
    /// Fit the stored measurement again (after `activate` or a session load).
    RefitStored,
    /// Forget the stored measurement and publish an empty correction.
    ClearMeasurement,
}

/// What the editor shows about the loaded measurement.
#[derive(Debug, Clone, PartialEq)]
pub enum MeasurementStatus {
    /// No measurement loaded.
    None,
    /// A measurement is loaded and its correction is active (when "Your Headphones" is
    /// set to the loaded measurement).
    Loaded {
        /// Where it came from (informational).
        path: String,
        sections: usize,
        /// Fit error of the correction against the smoothed measured delta, dB.
        fit_rms_db: f64,
        fit_max_db: f64,
    },
    /// The last load failed; the previous correction (if any) is still active.
    Failed { message: String },
}

impl MeasurementStatus {
    /// One line for the editor.
    pub fn message(&self) -> String {
        match self {
            MeasurementStatus::None => "No measurement loaded.".to_owned(),
            MeasurementStatus::Loaded {
                path,
                sections,
                fit_rms_db,
                fit_max_db,
            } => format!(
                "Loaded {}: correction with {sections} sections \
                 (fit error {fit_rms_db:.2} dB RMS, {fit_max_db:.2} dB max).",
                file_name(path)
            ),
            MeasurementStatus::Failed { message } => message.clone(),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, MeasurementStatus::Failed { .. })
    }
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

/// Everything the background task and the editor share (the audio thread has its
/// [`AudioSync`]).
pub struct MeasurementShared {
    /// Publishes fitted corrections to the audio thread (never locked there).
    corrections: Mutex<Preparer<SectionList>>,
    status: Mutex<MeasurementStatus>,
    /// The last fit, keyed by its measurement, so re-fitting the same data is free.
    cache: Mutex<Option<(Measurement, FitResult)>>,
}

impl MeasurementShared {
    /// The shared state and the audio thread's end of its correction channel.
    pub fn new() -> (Self, AudioSync) {
        let (preparer, receiver) = prepared::channel();
        let shared = Self {
            corrections: Mutex::new(preparer),
            status: Mutex::new(MeasurementStatus::None),
            cache: Mutex::new(None),
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

    /// Free corrections the audio thread no longer uses (background thread).
    pub fn collect(&self) {
        lock(&self.corrections).collect();
    }

    /// The current status (for the editor; never call from the audio thread).
    pub fn status(&self) -> MeasurementStatus {
        lock(&self.status).clone()
    }

    pub fn set_status(&self, status: MeasurementStatus) {
        *lock(&self.status) = status;
    }

    /// Fit (or reuse the cached fit of) a measurement; `None` if stopped.
    fn fit(&self, m: &Measurement, stop: Stop) -> Option<FitResult> {
        if let Some((cached, fit)) = lock(&self.cache).as_ref()
            && cached == m
        {
            return Some(fit.clone());
        }
        let fit = fit::fit_until(&measurement_delta(m), MAX_FIT_SECTIONS, stop)?;
        *lock(&self.cache) = Some((m.clone(), fit.clone()));
        Some(fit)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The fitted delta *measurement − Harman OE 2018 (GRAS)*; its inverse is the correction.
pub fn fit_measurement(m: &Measurement) -> FitResult {
    fit::fit(&measurement_delta(m), MAX_FIT_SECTIONS)
}

/// *measurement − Harman OE 2018 (GRAS)* on the fit grid (the user's file is assumed to be
/// measured on a GRAS 43AG-type rig, like AutoEq's oratory1990 data).
fn measurement_delta(m: &Measurement) -> fit::Delta {
    fit::delta(m, &Rig::Gras.target())
}

/// Run one task to the end.
pub fn run_task(task: Task, shared: &MeasurementShared, stored: &StoredMeasurement) {
    run_task_until(task, shared, stored, &|| false);
}

/// Run one task (on the plug-in's background thread, `crate::background`). A fit stopped
/// by `stop()` changes nothing: no correction, status or stored measurement.
pub fn run_task_until(
    task: Task,
    shared: &MeasurementShared,
    stored: &StoredMeasurement,
    stop: Stop,
) {
    match task {
        Task::LoadMeasurement(path) => match csv::parse_file(&path) {
            Ok(m) => {
                let path = path.to_string_lossy().into_owned();
                if !apply(shared, &m, path.clone(), stop) {
                    return;
                }
                stored.store(Some(CustomMeasurement {
                    path,
                    frequency_hz: m.frequency_hz,
                    raw_db: m.raw_db,
                }));
            }
            Err(e) => shared.set_status(MeasurementStatus::Failed {
                message: format!(
                    "Could not load {}: {e} The previous correction is unchanged.",
                    file_name(&path.to_string_lossy())
                ),
            }),
        },
        Task::RefitStored => match stored.get() {
            None => {
                shared.publish(SectionList::EMPTY);
                shared.set_status(MeasurementStatus::None);
            }
            Some(cm) => match csv::from_columns(&cm.frequency_hz, &cm.raw_db) {
                Ok(m) => {
                    apply(shared, &m, cm.path, stop);
                }
                Err(e) => {
                    shared.publish(SectionList::EMPTY);
                    shared.set_status(stored_invalid(&e));
                }
            },
        },
        Task::ClearMeasurement => {
            stored.store(None);
            shared.publish(SectionList::EMPTY);
            shared.set_status(MeasurementStatus::None);
        }
    }
}

fn stored_invalid(e: &CsvError) -> MeasurementStatus {
    MeasurementStatus::Failed {
        message: format!("The measurement stored in this session is damaged ({e}); no correction."),
    }
}

/// Fit `m` and publish its correction; false (nothing changed) if the fit was stopped.
fn apply(shared: &MeasurementShared, m: &Measurement, path: String, stop: Stop) -> bool {
    let Some(fit) = shared.fit(m, stop) else {
        return false;
    };
    shared.publish(fit.sections.inverse());
    shared.set_status(MeasurementStatus::Loaded {
        path,
        sections: fit.sections.len(),
        fit_rms_db: fit.rms_db,
        fit_max_db: fit.max_db,
    });
    true
}

/// The audio thread's side: the newest correction and which session restore it saw.
pub struct AudioSync {
    corrections: Receiver<SectionList>,
    seen_restores: u64,
}

impl AudioSync {
    fn new(corrections: Receiver<SectionList>) -> Self {
        Self {
            corrections,
            seen_restores: 0,
        }
    }

    /// Take a newly published correction (wait-free, no allocation). Returns `true` when
    /// the host restored a session since the last call, i.e. the caller should schedule
    /// [`Task::RefitStored`].
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

// ---------------------------------------------------------------------------------------
// Persistence: `custom_measurement` is a nice-plug persistent field.

impl<'a> PersistentField<'a, Option<CustomMeasurement>> for StoredMeasurement {
    /// Called when the host restores a session.
    fn set(&self, new_value: Option<CustomMeasurement>) {
        self.restore(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&Option<CustomMeasurement>) -> R,
    {
        self.with(|v| f(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::biquad::{Section, SectionKind};
    use crate::models::catalogue;

    fn temp_file(name: &str, contents: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "cans-measurement-test-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The AKG K702 file stands in for a user's measurement.
    fn k702_csv() -> &'static str {
        catalogue::by_id("k702")
            .and_then(|e| e.measured())
            .expect("the AKG K702 is bundled")
            .csv
    }

    #[test]
    fn a_loaded_file_is_fitted_stored_and_handed_to_the_audio_thread() {
        let (shared, mut sync) = MeasurementShared::new();
        let stored = StoredMeasurement::default();
        let path = temp_file("k702.csv", k702_csv());
        run_task(Task::LoadMeasurement(path.clone()), &shared, &stored);
        std::fs::remove_file(&path).unwrap();

        assert!(!sync.update(&stored));
        let correction = **sync.correction().unwrap();
        assert!(!correction.is_empty() && correction.len() <= MAX_FIT_SECTIONS);
        // The correction undoes the measured delta: correction + delta ≈ 0 dB.
        let m = csv::parse_str(k702_csv()).unwrap();
        let delta = fit::delta(&m, &Rig::Gras.target());
        let (mut sum, mut n) = (0.0, 0);
        for (&f, &d) in delta.frequency_hz.iter().zip(&delta.db) {
            if (20.0..=16_000.0).contains(&f) {
                let e = correction.magnitude_db(f, 48_000.0) + d;
                sum += e * e;
                n += 1;
            }
        }
        let rms = (sum / n as f64).sqrt();
        assert!(rms < 0.75, "corrected residual {rms} dB RMS");
        // Stored for the session, status reports it.
        let cm = stored.get().unwrap();
        assert_eq!(cm.frequency_hz, m.frequency_hz);
        assert_eq!(cm.raw_db, m.raw_db);
        assert!(cm.path.ends_with("k702.csv"));
        let status = shared.status();
        assert!(
            matches!(status, MeasurementStatus::Loaded { .. }),
            "{status:?}"
        );
        assert!(status.message().contains("k702.csv"));
    }

    /// The background thread stops a fit when its instance goes away: a stopped fit
    /// returns at once and changes nothing (no correction, status or stored measurement).
    #[test]
    fn a_stopped_fit_returns_at_once_and_changes_nothing() {
        let (shared, _sync) = MeasurementShared::new();
        let stored = StoredMeasurement::default();
        let path = temp_file("k702-stopped.csv", k702_csv());
        let calls = std::cell::Cell::new(0u32);
        // Stop after a few optimiser iterations.
        let stop = || {
            calls.set(calls.get() + 1);
            calls.get() > 5
        };
        let t0 = std::time::Instant::now();
        run_task_until(Task::LoadMeasurement(path.clone()), &shared, &stored, &stop);
        let stopped_after = t0.elapsed();
        std::fs::remove_file(&path).unwrap();
        assert!(calls.get() > 5, "the fit never asked whether to stop");
        assert!(
            shared.correction().is_none(),
            "a stopped fit published a correction"
        );
        assert_eq!(shared.status(), MeasurementStatus::None);
        assert!(stored.get().is_none());
        // The same fit to the end, for comparison (printed, not asserted: timing).
        let t0 = std::time::Instant::now();
        let path = temp_file("k702-full.csv", k702_csv());
        run_task(Task::LoadMeasurement(path.clone()), &shared, &stored);
        std::fs::remove_file(&path).unwrap();
        println!(
            "fit stopped after {:.1} ms; the full fit took {:.1} ms",
            stopped_after.as_secs_f64() * 1e3,
            t0.elapsed().as_secs_f64() * 1e3
        );
        assert!(matches!(shared.status(), MeasurementStatus::Loaded { .. }));
    }

    #[test]
    fn a_bad_file_leaves_the_previous_correction_and_says_why() {
        let (shared, mut sync) = MeasurementShared::new();
        let stored = StoredMeasurement::default();
        let good = temp_file("good.csv", k702_csv());
        run_task(Task::LoadMeasurement(good.clone()), &shared, &stored);
        std::fs::remove_file(&good).unwrap();
        sync.update(&stored);
        let before = sync.correction().cloned();
        let stored_before = stored.get();

        let bad = temp_file("bad.csv", "frequency,raw\n20,0\n30,NaN\n");
        run_task(Task::LoadMeasurement(bad.clone()), &shared, &stored);
        std::fs::remove_file(&bad).unwrap();
        sync.update(&stored);

        assert_eq!(sync.correction().cloned(), before, "nothing published");
        assert_eq!(shared.correction(), before);
        assert_eq!(stored.get(), stored_before);
        let status = shared.status();
        assert!(status.is_error());
        assert!(status.message().contains("bad.csv"), "{}", status.message());
        assert!(status.message().contains("NaN"), "{}", status.message());
    }

    #[test]
    fn a_restored_session_is_refitted_to_the_same_correction() {
        // Session 1: load a file.
        let (shared, _sync) = MeasurementShared::new();
        let stored = StoredMeasurement::default();
        let path = temp_file("session.csv", k702_csv());
        run_task(Task::LoadMeasurement(path.clone()), &shared, &stored);
        std::fs::remove_file(&path).unwrap();
        let original = *shared.correction().unwrap();
        // Save the session the way nice-plug does (serde_json of the persistent field)...
        let json = stored.map(|v| nice_plug::params::persist::serialize_field(v).unwrap());

        // ...and restore it into a fresh instance (the file is gone by now).
        let (shared2, mut sync) = MeasurementShared::new();
        let stored2 = StoredMeasurement::default();
        stored2.set(nice_plug::params::persist::deserialize_field(&json).unwrap());
        // The audio thread notices the restore and asks for a re-fit.
        assert!(sync.update(&stored2));
        run_task(Task::RefitStored, &shared2, &stored2);
        assert!(!sync.update(&stored2));
        assert_eq!(**sync.correction().unwrap(), original);
    }

    #[test]
    fn a_damaged_stored_measurement_gives_no_correction_and_a_message() {
        let (shared, _sync) = MeasurementShared::new();
        let stored = StoredMeasurement::default();
        stored.restore(Some(CustomMeasurement {
            path: "x.csv".into(),
            frequency_hz: vec![20.0, 10.0],
            raw_db: vec![0.0],
        }));
        shared.publish(SectionList::from_slice(&[Section::new(
            SectionKind::Peaking,
            1000.0,
            1.0,
            3.0,
        )]));
        run_task(Task::RefitStored, &shared, &stored);
        assert_eq!(*shared.correction().unwrap(), SectionList::EMPTY);
        assert!(shared.status().is_error());
    }
}
