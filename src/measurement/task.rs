//! The load/fit workflow: the background tasks, run on the plug-in's background thread
//! (`crate::background`), and the fit cache that makes re-fitting the same data free.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::dsp::cascade::SectionList;
use crate::models::csv::{self, Measurement};
use crate::models::data::Rig;
use crate::models::fit::{self, FitResult, MAX_FIT_SECTIONS, Stop};
use crate::state::{CustomMeasurement, StoredMeasurement};

use super::shared::MeasurementShared;
use super::status::{LoadError, LoadState, Origin};

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

impl Task {
    /// The [`Origin`] of the status this task leaves.
    pub fn origin(&self) -> Origin {
        match self {
            Task::LoadMeasurement(_) => Origin::Load,
            Task::RefitStored => Origin::Refit,
            Task::ClearMeasurement => Origin::Clear,
        }
    }
}

/// The last fit, keyed by its measurement.
#[derive(Default)]
pub(super) struct FitCache(Mutex<Option<(Measurement, FitResult)>>);

impl FitCache {
    /// Fit (or reuse the cached fit of) a measurement; `None` if stopped.
    fn fit(&self, m: &Measurement, stop: Stop) -> Option<FitResult> {
        if let Some((cached, fit)) = self.lock().as_ref()
            && cached == m
        {
            return Some(fit.clone());
        }
        // Not locked while fitting: `activate` may re-fit while the background thread fits.
        let fit = fit::fit_until(&measurement_delta(m), MAX_FIT_SECTIONS, stop)?;
        *self.lock() = Some((m.clone(), fit.clone()));
        Some(fit)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Measurement, FitResult)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
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

/// Run one task (on the plug-in's background thread, `crate::background`). Every task
/// that finishes sets the next [`LoadStatus`](super::LoadStatus) generation; a fit stopped
/// by `stop()` changes nothing: no correction, status or stored measurement.
pub fn run_task_until(
    task: Task,
    shared: &MeasurementShared,
    stored: &StoredMeasurement,
    stop: Stop,
) {
    let origin = task.origin();
    let state = match task {
        Task::LoadMeasurement(path) => {
            let path_text = path.to_string_lossy().into_owned();
            match csv::parse_file(&path) {
                Ok(m) => {
                    let Some(state) = apply(shared, &m, path_text.clone(), stop) else {
                        return;
                    };
                    stored.store(Some(CustomMeasurement {
                        path: path_text,
                        frequency_hz: m.frequency_hz,
                        raw_db: m.raw_db,
                    }));
                    state
                }
                Err(error) => LoadState::Failed(LoadError::File {
                    path: path_text,
                    error,
                }),
            }
        }
        Task::RefitStored => match stored.get() {
            None => {
                shared.publish(SectionList::EMPTY);
                LoadState::None
            }
            Some(cm) => match csv::from_columns(&cm.frequency_hz, &cm.raw_db) {
                Ok(m) => match apply(shared, &m, cm.path, stop) {
                    Some(state) => state,
                    None => return,
                },
                Err(e) => {
                    shared.publish(SectionList::EMPTY);
                    LoadState::Failed(LoadError::StoredDamaged(e))
                }
            },
        },
        Task::ClearMeasurement => {
            stored.store(None);
            shared.publish(SectionList::EMPTY);
            LoadState::None
        }
    };
    shared.finish(origin, state);
}

/// Fit `m` and publish its correction; `None` (nothing changed) if the fit was stopped.
fn apply(
    shared: &MeasurementShared,
    m: &Measurement,
    path: String,
    stop: Stop,
) -> Option<LoadState> {
    let fit = shared.cache.fit(m, stop)?;
    shared.publish(fit.sections.inverse());
    Some(LoadState::Loaded {
        path,
        sections: fit.sections.len(),
        fit_rms_db: fit.rms_db,
        fit_max_db: fit.max_db,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::biquad::{Section, SectionKind};
    use crate::measurement::LoadStatus;
    use crate::models::catalogue;
    use nice_plug::params::persist::PersistentField;

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
        assert!(status.state.is_loaded(), "{status:?}");
        assert_eq!((status.generation, status.origin), (1, Some(Origin::Load)));
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
        assert_eq!(shared.status(), LoadStatus::default());
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
        assert!(shared.status().state.is_loaded());
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

    /// Every finished task advances the generation, also when its result reads the same
    /// as the one before (the same file loaded twice: issue 11's reload bug).
    #[test]
    fn every_finished_task_is_a_new_generation() {
        let (shared, _sync) = MeasurementShared::new();
        let stored = StoredMeasurement::default();
        let path = temp_file("k702-twice.csv", k702_csv());
        assert_eq!(shared.status().generation, 0);
        let mut seen = Vec::new();
        for task in [
            Task::LoadMeasurement(path.clone()),
            Task::LoadMeasurement(path.clone()),
            Task::RefitStored,
            Task::ClearMeasurement,
            Task::ClearMeasurement,
            Task::LoadMeasurement(temp_dir_path("missing.csv")),
        ] {
            let origin = task.origin();
            run_task(task, &shared, &stored);
            let status = shared.status();
            assert_eq!(status.origin, Some(origin));
            seen.push((status.generation, status.state));
        }
        std::fs::remove_file(&path).unwrap();
        let generations: Vec<u64> = seen.iter().map(|(g, _)| *g).collect();
        assert_eq!(generations, [1, 2, 3, 4, 5, 6]);
        assert_eq!(seen[0].1, seen[1].1, "the same file, the same state");
        assert_eq!(seen[1].1, seen[2].1, "the re-fit gives the same state");
        assert_eq!(seen[3].1, LoadState::None);
        assert!(matches!(
            &seen[5].1,
            LoadState::Failed(LoadError::File {
                error: csv::CsvError::Io(_),
                ..
            })
        ));
        // Only a load that finished after a request's generation answers it.
        let status = shared.status();
        assert!(status.load_finished_since(5).is_some());
        assert!(status.load_finished_since(6).is_none());
        run_task(Task::RefitStored, &shared, &stored);
        assert!(
            shared.status().load_finished_since(5).is_none(),
            "a re-fit is no load"
        );
    }

    fn temp_dir_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "cans-measurement-test-{}-absent-{name}",
            std::process::id()
        ))
    }
}
