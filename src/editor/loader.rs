//! How the editor loads the user's headphone measurement. The editor only knows the
//! [`MeasurementLoader`] trait; [`BackgroundLoader`] connects it to `crate::measurement`
//! (parse and fit on the plug-in's background thread, `crate::background`; correction
//! handed to the audio thread lock-free).

use std::path::Path;
use std::sync::Arc;

use crate::dsp::cascade::SectionList;
use crate::dsp::prepared::Prepared;
use crate::measurement::{LoadStatus, MeasurementShared, Task};

/// Where the loader sends its work (the background thread's requests in the plug-in; a
/// function that runs the task at once in tests).
pub type Submit = Arc<dyn Fn(Task) + Send + Sync>;

/// Loading may finish later (a background task): the editor polls [`status`](Self::status)
/// every frame, and selects "Loaded Measurement" when a load that finished after its
/// request (a newer [`LoadStatus::generation`]) succeeded.
pub trait MeasurementLoader: Send + 'static {
    /// Start loading the measurement CSV at `path`.
    fn request_load(&mut self, path: &Path);

    /// The outcome of the last finished task, numbered by its generation.
    fn status(&self) -> LoadStatus;

    /// The correction fitted from the loaded measurement (used by the response plot when
    /// "Your Headphones" is "Loaded Measurement").
    fn correction(&self) -> Option<Prepared<SectionList>> {
        None
    }
}

/// The plug-in's loader: loads submitted to the background thread, status and correction
/// from the shared measurement state.
pub struct BackgroundLoader {
    submit: Submit,
    shared: Arc<MeasurementShared>,
}

impl BackgroundLoader {
    pub fn new(submit: Submit, shared: Arc<MeasurementShared>) -> Self {
        Self { submit, shared }
    }
}

impl MeasurementLoader for BackgroundLoader {
    fn request_load(&mut self, path: &Path) {
        (self.submit)(Task::LoadMeasurement(path.to_path_buf()));
    }

    fn status(&self) -> LoadStatus {
        self.shared.status()
    }

    fn correction(&self) -> Option<Prepared<SectionList>> {
        self.shared.correction()
    }
}
