//! "Your own measurement": load an AutoEq-style CSV of the listener's headphones, fit the
//! correction to the Harman over-ear 2018 target off the audio thread, and hand it to the
//! audio thread lock-free.
//!
//! Flow:
//! - The editor submits [`Task::LoadMeasurement`], run on the plug-in's background thread
//!   (`crate::background`). The file is parsed (`models::csv`), the delta
//!   *measurement − Harman OE 2018 (GRAS)* is fitted (`models::fit`), and the correction
//!   (the fitted delta's exact inverse) is published through [`CorrectionHandoff`]. The
//!   measurement is stored in the persisted `custom_measurement` field so a session
//!   reload restores it. A bad file changes nothing but the status message.
//! - On `activate` and whenever the host restores a session ([`StoredMeasurement::restore`],
//!   noticed by [`AudioSync::update`] with one atomic read), [`Task::RefitStored`] fits the
//!   stored measurement again (deterministic, and cached, so it gives the same sections).
//! - `process` calls [`AudioSync::update`]: a wait-free read of the handoff into
//!   `Cans::custom_correction` when a new correction was published.
//!
//! The user's file is assumed to be measured like AutoEq's oratory1990 data (GRAS 43AG
//! type rig), which is what the Harman OE 2018 target file is for.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering, fence};

use nice_plug::params::persist::PersistentField;

use crate::dsp::biquad::{Section, SectionKind};
use crate::dsp::cascade::{MAX_SECTIONS, SectionList};
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

/// Everything the background task, the editor and the audio thread share.
#[derive(Debug)]
pub struct MeasurementShared {
    pub handoff: CorrectionHandoff,
    status: Mutex<MeasurementStatus>,
    /// The last fit, keyed by its measurement, so re-fitting the same data is free.
    cache: Mutex<Option<(Measurement, FitResult)>>,
}

impl Default for MeasurementShared {
    fn default() -> Self {
        Self {
            handoff: CorrectionHandoff::default(),
            status: Mutex::new(MeasurementStatus::None),
            cache: Mutex::new(None),
        }
    }
}

impl MeasurementShared {
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
                shared.handoff.publish(&SectionList::EMPTY);
                shared.set_status(MeasurementStatus::None);
            }
            Some(cm) => match csv::from_columns(&cm.frequency_hz, &cm.raw_db) {
                Ok(m) => {
                    apply(shared, &m, cm.path, stop);
                }
                Err(e) => {
                    shared.handoff.publish(&SectionList::EMPTY);
                    shared.set_status(stored_invalid(&e));
                }
            },
        },
        Task::ClearMeasurement => {
            stored.store(None);
            shared.handoff.publish(&SectionList::EMPTY);
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
    shared.handoff.publish(&fit.sections.inverse());
    shared.set_status(MeasurementStatus::Loaded {
        path,
        sections: fit.sections.len(),
        fit_rms_db: fit.rms_db,
        fit_max_db: fit.max_db,
    });
    true
}

// ---------------------------------------------------------------------------------------
// Lock-free handoff to the audio thread.

const WORDS_PER_SECTION: usize = 4;

/// A sequence lock over atomics carrying one [`SectionList`]. Writers (background
/// threads) take a mutex among themselves; the reader (audio thread) never blocks or
/// allocates: it copies the words and keeps the copy only if the sequence number was even
/// and unchanged around the copy, otherwise it tries again on the next block. All data
/// words are atomics, so a read racing a write is well defined (just discarded).
#[derive(Debug)]
pub struct CorrectionHandoff {
    sequence: AtomicU64,
    len: AtomicU64,
    words: [AtomicU64; MAX_SECTIONS * WORDS_PER_SECTION],
    writer: Mutex<()>,
}

impl Default for CorrectionHandoff {
    fn default() -> Self {
        Self {
            sequence: AtomicU64::new(0),
            len: AtomicU64::new(0),
            words: std::array::from_fn(|_| AtomicU64::new(0)),
            writer: Mutex::new(()),
        }
    }
}

fn kind_code(kind: SectionKind) -> u64 {
    match kind {
        SectionKind::Peaking => 0,
        SectionKind::LowShelf => 1,
        SectionKind::HighShelf => 2,
        SectionKind::HighPass => 3,
        SectionKind::LowPass => 4,
    }
}

fn code_kind(code: u64) -> SectionKind {
    match code {
        1 => SectionKind::LowShelf,
        2 => SectionKind::HighShelf,
        3 => SectionKind::HighPass,
        4 => SectionKind::LowPass,
        _ => SectionKind::Peaking,
    }
}

impl CorrectionHandoff {
    /// Publish a new correction (background threads only).
    pub fn publish(&self, list: &SectionList) {
        let _guard = lock(&self.writer);
        let seq = self.sequence.load(Ordering::Relaxed);
        self.sequence.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        self.len.store(list.len() as u64, Ordering::Relaxed);
        for (i, s) in list.as_slice().iter().enumerate() {
            let w = &self.words[i * WORDS_PER_SECTION..(i + 1) * WORDS_PER_SECTION];
            w[0].store(kind_code(s.kind), Ordering::Relaxed);
            w[1].store(s.freq_hz.to_bits(), Ordering::Relaxed);
            w[2].store(s.q.to_bits(), Ordering::Relaxed);
            w[3].store(s.gain_db.to_bits(), Ordering::Relaxed);
        }
        self.sequence.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// The sequence number of the last complete publish (even), or odd during a write.
    pub fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    /// A consistent copy of the published list and its sequence number, or `None` if a
    /// write is in progress. Wait-free, no allocation: audio-thread safe.
    pub fn read(&self) -> Option<(u64, SectionList)> {
        let before = self.sequence.load(Ordering::Acquire);
        if before & 1 == 1 {
            return None;
        }
        let len = (self.len.load(Ordering::Relaxed) as usize).min(MAX_SECTIONS);
        let mut sections = [Section::new(SectionKind::Peaking, 1000.0, 1.0, 0.0); MAX_SECTIONS];
        for (i, s) in sections.iter_mut().enumerate().take(len) {
            let w = &self.words[i * WORDS_PER_SECTION..(i + 1) * WORDS_PER_SECTION];
            *s = Section::new(
                code_kind(w[0].load(Ordering::Relaxed)),
                f64::from_bits(w[1].load(Ordering::Relaxed)),
                f64::from_bits(w[2].load(Ordering::Relaxed)),
                f64::from_bits(w[3].load(Ordering::Relaxed)),
            );
        }
        fence(Ordering::Acquire);
        let after = self.sequence.load(Ordering::Relaxed);
        (before == after).then(|| (before, SectionList::from_slice(&sections[..len])))
    }
}

/// The audio thread's side: which correction it has and which session restore it saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct AudioSync {
    seen_sequence: u64,
    seen_restores: u64,
}

impl AudioSync {
    /// Copy a newly published correction into `correction` (wait-free, no allocation).
    /// Returns `true` when the host restored a session since the last call, i.e. the
    /// caller should schedule [`Task::RefitStored`].
    pub fn update(
        &mut self,
        shared: &MeasurementShared,
        stored: &StoredMeasurement,
        correction: &mut SectionList,
    ) -> bool {
        if shared.handoff.sequence() != self.seen_sequence
            && let Some((seq, list)) = shared.handoff.read()
        {
            self.seen_sequence = seq;
            *correction = list;
        }
        let restores = stored.restore_count();
        let restored = restores != self.seen_restores;
        self.seen_restores = restores;
        restored
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
    use crate::models::catalogue;
    use std::sync::Arc;

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
        let shared = MeasurementShared::default();
        let stored = StoredMeasurement::default();
        let mut sync = AudioSync::default();
        let mut correction = SectionList::EMPTY;
        let path = temp_file("k702.csv", k702_csv());
        run_task(Task::LoadMeasurement(path.clone()), &shared, &stored);
        std::fs::remove_file(&path).unwrap();

        assert!(!sync.update(&shared, &stored, &mut correction));
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
        let shared = MeasurementShared::default();
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
        assert_eq!(
            shared.handoff.sequence(),
            0,
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
        let shared = MeasurementShared::default();
        let stored = StoredMeasurement::default();
        let mut sync = AudioSync::default();
        let mut correction = SectionList::EMPTY;
        let good = temp_file("good.csv", k702_csv());
        run_task(Task::LoadMeasurement(good.clone()), &shared, &stored);
        std::fs::remove_file(&good).unwrap();
        sync.update(&shared, &stored, &mut correction);
        let before = correction;
        let stored_before = stored.get();
        let sequence_before = shared.handoff.sequence();

        let bad = temp_file("bad.csv", "frequency,raw\n20,0\n30,NaN\n");
        run_task(Task::LoadMeasurement(bad.clone()), &shared, &stored);
        std::fs::remove_file(&bad).unwrap();
        sync.update(&shared, &stored, &mut correction);

        assert_eq!(correction, before);
        assert_eq!(
            shared.handoff.sequence(),
            sequence_before,
            "nothing published"
        );
        assert_eq!(stored.get(), stored_before);
        let status = shared.status();
        assert!(status.is_error());
        assert!(status.message().contains("bad.csv"), "{}", status.message());
        assert!(status.message().contains("NaN"), "{}", status.message());
    }

    #[test]
    fn a_restored_session_is_refitted_to_the_same_correction() {
        // Session 1: load a file.
        let shared = MeasurementShared::default();
        let stored = StoredMeasurement::default();
        let path = temp_file("session.csv", k702_csv());
        run_task(Task::LoadMeasurement(path.clone()), &shared, &stored);
        std::fs::remove_file(&path).unwrap();
        let (_, original) = shared.handoff.read().unwrap();
        // Save the session the way nice-plug does (serde_json of the persistent field)...
        let json = stored.map(|v| nice_plug::params::persist::serialize_field(v).unwrap());

        // ...and restore it into a fresh instance (the file is gone by now).
        let shared2 = MeasurementShared::default();
        let stored2 = StoredMeasurement::default();
        let mut sync = AudioSync::default();
        let mut correction = SectionList::EMPTY;
        stored2.set(nice_plug::params::persist::deserialize_field(&json).unwrap());
        // The audio thread notices the restore and asks for a re-fit.
        assert!(sync.update(&shared2, &stored2, &mut correction));
        run_task(Task::RefitStored, &shared2, &stored2);
        assert!(!sync.update(&shared2, &stored2, &mut correction));
        assert_eq!(correction, original);
    }

    #[test]
    fn a_damaged_stored_measurement_gives_no_correction_and_a_message() {
        let shared = MeasurementShared::default();
        let stored = StoredMeasurement::default();
        stored.restore(Some(CustomMeasurement {
            path: "x.csv".into(),
            frequency_hz: vec![20.0, 10.0],
            raw_db: vec![0.0],
        }));
        shared
            .handoff
            .publish(&SectionList::from_slice(&[Section::new(
                SectionKind::Peaking,
                1000.0,
                1.0,
                3.0,
            )]));
        run_task(Task::RefitStored, &shared, &stored);
        assert_eq!(shared.handoff.read().unwrap().1, SectionList::EMPTY);
        assert!(shared.status().is_error());
    }

    #[test]
    fn the_handoff_never_shows_a_torn_list() {
        let a =
            SectionList::from_slice(&[Section::new(SectionKind::LowShelf, 100.0, 0.7, 3.0); 10]);
        let b =
            SectionList::from_slice(&[Section::new(SectionKind::Peaking, 5000.0, 2.0, -4.0); 7]);
        let shared = Arc::new(MeasurementShared::default());
        let writer = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for i in 0..20_000 {
                    shared.handoff.publish(if i % 2 == 0 { &a } else { &b });
                    // Leave gaps so the reader also lands between writes.
                    for _ in 0..(i % 64) * 20 {
                        std::hint::spin_loop();
                    }
                }
            })
        };
        let (mut reads, mut skipped, mut seen_a, mut seen_b) = (0u64, 0u64, false, false);
        while !writer.is_finished() || reads == 0 {
            match shared.handoff.read() {
                Some((seq, list)) => {
                    assert_eq!(seq & 1, 0);
                    // Before the first publish the handoff holds the empty list.
                    let initial = seq == 0 && list.is_empty();
                    assert!(list == a || list == b || initial, "torn read: {list:?}");
                    seen_a |= list == a;
                    seen_b |= list == b;
                    reads += 1;
                }
                None => skipped += 1,
            }
        }
        writer.join().unwrap();
        println!("{reads} consistent reads, {skipped} skipped during writes");
        assert!(seen_a && seen_b, "the reader must see both lists");
    }
}
