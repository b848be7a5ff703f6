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
//!   reload restores it. A bad file changes nothing but the status.
//! - Every finished task sets a new [`LoadStatus`] with the next generation, so the editor
//!   notices that *its* load finished even when the result reads the same as before.
//! - On `activate` and whenever the host restores a session
//!   (`StoredMeasurement::restore`, noticed by [`AudioSync::update`] with one atomic
//!   read), [`Task::RefitStored`] fits the stored measurement again (deterministic, and
//!   cached, so it gives the same sections).
//! - `process` calls [`AudioSync::update`]: a wait-free pop of the newest correction,
//!   which the engine settings then refer to by handle.
//!
//! The user's file is assumed to be measured like AutoEq's oratory1990 data (GRAS 43AG
//! type rig), which is what the Harman OE 2018 target file is for.
//!
//! Files: [`task`] the load/fit workflow and its fit cache, [`status`] what the editor is
//! told, [`shared`] the state the background thread and the editor share, [`audio_sync`]
//! the audio thread's end.

pub mod audio_sync;
pub mod shared;
pub mod status;
pub mod task;

pub use audio_sync::AudioSync;
pub use shared::MeasurementShared;
pub use status::{LoadError, LoadState, LoadStatus, Origin};
pub use task::{Task, fit_measurement, run_task, run_task_until};
