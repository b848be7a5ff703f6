//! What the editor is told about the loaded measurement: a typed state, numbered by a
//! generation that every finished task advances.

use crate::models::csv::CsvError;

/// The outcome of the last finished task. `generation` counts finished tasks (0: none
/// yet), so two loads of the same file that end in the same state are still told apart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadStatus {
    pub generation: u64,
    /// Which task finished (`None` before the first).
    pub origin: Option<Origin>,
    pub state: LoadState,
}

/// Which kind of task produced a [`LoadStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A file the user asked to load.
    Load,
    /// The stored measurement fitted again (`activate`, a session restore).
    Refit,
    /// The stored measurement forgotten.
    Clear,
}

/// What is loaded.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LoadState {
    /// No measurement loaded.
    #[default]
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
    /// The last task failed (see [`LoadError`] for what is still active).
    Failed(LoadError),
}

/// Why a task failed.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The file at `path` was refused; the previous correction is unchanged.
    File { path: String, error: CsvError },
    /// The measurement stored in the session is damaged; no correction.
    StoredDamaged(CsvError),
    /// Fitting panicked (a bug); the previous correction is unchanged.
    FitPanicked,
}

impl LoadStatus {
    /// One line for the editor.
    pub fn message(&self) -> String {
        self.state.message()
    }

    pub fn is_error(&self) -> bool {
        self.state.is_error()
    }

    /// The state a [`Origin::Load`] left if one finished after `generation`, else `None`
    /// (nothing finished, or a re-fit or clear did).
    pub fn load_finished_since(&self, generation: u64) -> Option<&LoadState> {
        (self.generation > generation && self.origin == Some(Origin::Load)).then_some(&self.state)
    }
}

impl LoadState {
    /// One line for the editor.
    pub fn message(&self) -> String {
        match self {
            LoadState::None => "No measurement loaded.".to_owned(),
            LoadState::Loaded {
                path,
                sections,
                fit_rms_db,
                fit_max_db,
            } => format!(
                "Loaded {}: correction with {sections} sections \
                 (fit error {fit_rms_db:.2} dB RMS, {fit_max_db:.2} dB max).",
                file_name(path)
            ),
            LoadState::Failed(e) => e.message(),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, LoadState::Failed(_))
    }

    pub fn is_loaded(&self) -> bool {
        matches!(self, LoadState::Loaded { .. })
    }
}

impl LoadError {
    /// One line for the editor.
    pub fn message(&self) -> String {
        match self {
            LoadError::File { path, error } => format!(
                "Could not load {}: {error} The previous correction is unchanged.",
                file_name(path)
            ),
            LoadError::StoredDamaged(e) => {
                format!("The measurement stored in this session is damaged ({e}); no correction.")
            }
            LoadError::FitPanicked => "Fitting the measurement failed unexpectedly; the \
                                       previous correction is unchanged."
                .to_owned(),
        }
    }
}

/// The last component of `path` (the whole of it if it has none).
fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}
