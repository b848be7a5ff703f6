//! What the plugin stores in a session besides its parameters.

use serde::{Deserialize, Serialize};

/// Layout version of the persisted state. Bump it when a persisted field changes meaning,
/// and keep a fixture of every released version under `tests/fixtures/`.
pub const STATE_VERSION: u32 = 1;

/// A headphone measurement the user loaded (AutoEq CSV: `frequency,raw`), kept in the
/// session so a reload restores the same correction even if the file has moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomMeasurement {
    /// Where the file was loaded from (informational; the data below is authoritative).
    pub path: String,
    /// Frequencies in Hz, strictly increasing.
    pub frequency_hz: Vec<f64>,
    /// Relative SPL in dB at each frequency.
    pub raw_db: Vec<f64>,
}

impl CustomMeasurement {
    /// Same length, at least two points, finite values, strictly increasing positive
    /// frequencies: what any stored measurement must satisfy before it is used.
    pub fn is_well_formed(&self) -> bool {
        self.frequency_hz.len() == self.raw_db.len()
            && self.frequency_hz.len() >= 2
            && self.raw_db.iter().all(|v| v.is_finite())
            && self.frequency_hz.iter().all(|f| f.is_finite() && *f > 0.0)
            && self.frequency_hz.windows(2).all(|w| w[0] < w[1])
    }
}

/// Persisted field keys (must match the `#[persist]` keys in `params.rs`).
pub const VERSION_KEY: &str = "state_version";
pub const MEASUREMENT_KEY: &str = "custom_measurement";

/// What `migrate` found, for logging and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationNote {
    /// No version field: a state from before versioning (treated as version 1).
    Unversioned,
    /// Saved by a newer Cans: only the parts this version understands are loaded.
    FromTheFuture(u32),
    /// The version field was unreadable.
    BadVersion,
    /// The stored measurement was corrupt and was dropped (the correction falls back to none).
    DroppedMeasurement,
    /// A parameter's stored value was outside its range (an enum index past the last
    /// variant, a float beyond its limits) and was clamped into it.
    ClampedParam(String),
    /// A parameter's stored value was not a number (NaN/infinite) and was dropped.
    DroppedParam(String),
    /// The state had no (readable) value for a parameter: it loads the default.
    DefaultedParam(String),
}

/// Bring a saved state to the current layout before nice-plug applies it. Never fails:
/// whatever can't be read is left at its default, and each problem is reported.
pub fn migrate(state: &mut nice_plug::prelude::PluginState) -> Vec<MigrationNote> {
    let mut notes = Vec::new();
    match state.fields.get(VERSION_KEY) {
        None => notes.push(MigrationNote::Unversioned),
        Some(v) => match serde_json::from_str::<u32>(v) {
            Ok(v) if v > STATE_VERSION => notes.push(MigrationNote::FromTheFuture(v)),
            Ok(_) => {}
            Err(_) => notes.push(MigrationNote::BadVersion),
        },
    }
    // (Version 1 is the first layout: no conversions yet. Add them here, oldest first.)
    state
        .fields
        .insert(VERSION_KEY.to_string(), STATE_VERSION.to_string());

    if let Some(raw) = state.fields.get(MEASUREMENT_KEY) {
        let ok = match serde_json::from_str::<Option<CustomMeasurement>>(raw) {
            Ok(None) => true,
            Ok(Some(m)) => m.is_well_formed(),
            Err(_) => false,
        };
        if !ok {
            state.fields.remove(MEASUREMENT_KEY);
            notes.push(MigrationNote::DroppedMeasurement);
        }
    }
    notes
}

/// The persisted slot for a [`CustomMeasurement`]: a cheap, cloneable handle shared by the
/// plug-in, its background tasks and the editor. Besides the value it counts *restores*
/// (values written by the host's state load, not by the plug-in's own "Load
/// measurement…"), so the audio thread can notice a session load with one atomic read and
/// schedule the re-fit.
#[derive(Debug, Default, Clone)]
pub struct StoredMeasurement {
    inner: std::sync::Arc<StoredInner>,
}

#[derive(Debug, Default)]
struct StoredInner {
    value: std::sync::RwLock<Option<CustomMeasurement>>,
    restores: std::sync::atomic::AtomicU64,
}

impl StoredMeasurement {
    /// A copy of the stored measurement (never call from the audio thread).
    pub fn get(&self) -> Option<CustomMeasurement> {
        self.with(Clone::clone)
    }

    /// Store a measurement the plug-in itself loaded (does not count as a restore).
    pub fn store(&self, value: Option<CustomMeasurement>) {
        match self.inner.value.write() {
            Ok(mut v) => *v = value,
            Err(e) => *e.into_inner() = value,
        }
    }

    /// Store a value restored from a session and count the restore.
    pub fn restore(&self, value: Option<CustomMeasurement>) {
        self.store(value);
        self.inner
            .restores
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// How many restores happened (one atomic load: audio-thread safe).
    pub fn restore_count(&self) -> u64 {
        self.inner
            .restores
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Apply `f` to the stored value without cloning it (for serialisation).
    pub fn with<R>(&self, f: impl FnOnce(&Option<CustomMeasurement>) -> R) -> R {
        match self.inner.value.read() {
            Ok(v) => f(&v),
            Err(e) => f(&e.into_inner()),
        }
    }
}

/// `custom_measurement` is a nice-plug persistent field.
impl<'a> nice_plug::params::persist::PersistentField<'a, Option<CustomMeasurement>>
    for StoredMeasurement
{
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

/// Clamp every stored parameter value into its parameter's range before nice-plug applies
/// it. nice-plug 0.4.2 stores a plain value from a session as is: an enum index past the
/// last variant later panics inside nice-plug when the state is saved (indexing the variant
/// ids), which aborts the host; an out-of-range float reaches the DSP. In-range values are
/// left bit-exact.
pub fn clamp_params(
    state: &mut nice_plug::prelude::PluginState,
    params: &dyn nice_plug::prelude::Params,
) -> Vec<MigrationNote> {
    use nice_plug::plugin::ParamValue;
    use nice_plug::prelude::ParamPtr;

    let mut notes = Vec::new();
    for (id, ptr, _) in params.param_map() {
        let Some(value) = state.params.get_mut(&id) else {
            continue;
        };
        // SAFETY: `params` owns the parameters `ptr` points to and outlives this loop.
        let (lo, hi) = unsafe { (ptr.preview_plain(0.0), ptr.preview_plain(1.0)) };
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        match (ptr, value) {
            (ParamPtr::FloatParam(_), ParamValue::F32(v)) => {
                if !v.is_finite() {
                    state.params.remove(&id);
                    notes.push(MigrationNote::DroppedParam(id));
                } else if *v < lo || *v > hi {
                    *v = v.clamp(lo, hi);
                    notes.push(MigrationNote::ClampedParam(id));
                }
            }
            (ParamPtr::IntParam(_) | ParamPtr::EnumParam(_), ParamValue::I32(v)) => {
                let (lo, hi) = (lo as i32, hi as i32);
                if *v < lo || *v > hi {
                    *v = (*v).clamp(lo, hi);
                    notes.push(MigrationNote::ClampedParam(id));
                }
            }
            // Bools cannot be out of range; unknown enum ids and mismatched types are
            // skipped by nice-plug with a warning.
            _ => {}
        }
    }
    notes
}

/// Give every parameter the state lacks its default.
///
/// nice-plug leaves a parameter that a loaded state does not mention at its *current*
/// value, so a session saved before a parameter existed (a version-1 session has no
/// `check`) would keep whatever the running instance had: a check left on would stay on.
/// Such a session means the default (what it played when it was saved). Same for an enum
/// id this version does not know (a later version's choice): its default, not whatever
/// was playing. `params` is a throwaway default instance (an enum id is tried on it).
pub fn insert_missing_defaults(
    state: &mut nice_plug::prelude::PluginState,
    params: &dyn nice_plug::prelude::Params,
) -> Vec<MigrationNote> {
    use nice_plug::plugin::ParamValue;
    use nice_plug::prelude::{Param, ParamPtr};

    let mut notes = Vec::new();
    for (id, ptr, _) in params.param_map() {
        let known = match (ptr, state.params.get(&id)) {
            (_, None) => false,
            // SAFETY: `params` owns the parameters `ptr` points to and outlives this loop.
            (ParamPtr::EnumParam(p), Some(ParamValue::String(v))) => unsafe { (*p).set_from_id(v) },
            _ => true,
        };
        if known {
            continue;
        }
        // SAFETY: as above.
        let default = unsafe {
            match ptr {
                ParamPtr::FloatParam(p) => ParamValue::F32((*p).default_plain_value()),
                ParamPtr::IntParam(p) => ParamValue::I32((*p).default_plain_value()),
                ParamPtr::BoolParam(p) => ParamValue::Bool((*p).default_plain_value()),
                ParamPtr::EnumParam(p) => ParamValue::I32((*p).default_plain_value()),
            }
        };
        state.params.insert(id.clone(), default);
        notes.push(MigrationNote::DefaultedParam(id));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::prelude::PluginState;
    use std::collections::BTreeMap;

    fn state(fields: &[(&str, &str)]) -> PluginState {
        PluginState {
            version: "0.1.0".into(),
            params: BTreeMap::new(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn current_state_passes_untouched() {
        let good = serde_json::to_string(&Some(CustomMeasurement {
            path: "/x.csv".into(),
            frequency_hz: vec![20.0, 1000.0, 20000.0],
            raw_db: vec![1.0, 0.0, -3.0],
        }))
        .unwrap();
        let mut s = state(&[(VERSION_KEY, "1"), (MEASUREMENT_KEY, &good)]);
        assert!(migrate(&mut s).is_empty());
        assert_eq!(s.fields[MEASUREMENT_KEY], good);
    }

    #[test]
    fn unversioned_future_and_garbage_versions_are_reported_and_normalised() {
        let mut s = state(&[]);
        assert_eq!(migrate(&mut s), vec![MigrationNote::Unversioned]);
        assert_eq!(s.fields[VERSION_KEY], STATE_VERSION.to_string());
        let mut s = state(&[(VERSION_KEY, "99")]);
        assert_eq!(migrate(&mut s), vec![MigrationNote::FromTheFuture(99)]);
        let mut s = state(&[(VERSION_KEY, "\"banana\"")]);
        assert_eq!(migrate(&mut s), vec![MigrationNote::BadVersion]);
    }

    #[test]
    fn out_of_range_param_values_are_clamped_and_in_range_ones_kept_exactly() {
        use nice_plug::plugin::ParamValue;
        let params = crate::params::CansParams::default();
        let mut s = state(&[]);
        let p = &mut s.params;
        p.insert("a_model".into(), ParamValue::I32(999));
        p.insert("phones".into(), ParamValue::I32(-1));
        p.insert("output".into(), ParamValue::F32(1e30));
        p.insert("a_xf_cutoff".into(), ParamValue::F32(-700.0));
        p.insert("b_width".into(), ParamValue::F32(f32::NAN));
        p.insert("a_itd".into(), ParamValue::F32(0.41));
        p.insert("monitor".into(), ParamValue::I32(3));
        let mut notes = clamp_params(&mut s, &params);
        notes.sort_by_key(|n| format!("{n:?}"));
        assert_eq!(
            notes,
            vec![
                MigrationNote::ClampedParam("a_model".into()),
                MigrationNote::ClampedParam("a_xf_cutoff".into()),
                MigrationNote::ClampedParam("output".into()),
                MigrationNote::ClampedParam("phones".into()),
                MigrationNote::DroppedParam("b_width".into()),
            ]
        );
        let p = &s.params;
        assert!(matches!(p["a_model"], ParamValue::I32(7)));
        assert!(matches!(p["phones"], ParamValue::I32(0)));
        assert!(matches!(p["monitor"], ParamValue::I32(3)));
        assert!(matches!(p["a_xf_cutoff"], ParamValue::F32(v) if v == 300.0));
        // +12 dB as a linear gain (params.rs OUTPUT_MAX_DB).
        assert!(matches!(p["output"], ParamValue::F32(v) if (v - 3.981_071_7).abs() < 1e-5));
        assert!(matches!(p["a_itd"], ParamValue::F32(v) if v == 0.41));
        assert!(!p.contains_key("b_width"));
    }

    #[test]
    fn corrupt_measurements_are_dropped() {
        for bad in [
            "{not json",
            r#"{"path":"a","frequency_hz":[1000,20],"raw_db":[0,0]}"#,
            r#"{"path":"a","frequency_hz":[20,1000],"raw_db":[0]}"#,
            r#"{"path":"a","frequency_hz":[20],"raw_db":[0]}"#,
            r#"{"path":"a","frequency_hz":[-20,1000],"raw_db":[0,1]}"#,
        ] {
            let mut s = state(&[(VERSION_KEY, "1"), (MEASUREMENT_KEY, bad)]);
            assert_eq!(
                migrate(&mut s),
                vec![MigrationNote::DroppedMeasurement],
                "{bad}"
            );
            assert!(!s.fields.contains_key(MEASUREMENT_KEY));
        }
    }

    #[test]
    fn a_state_without_a_parameter_or_with_an_unknown_choice_loads_the_default() {
        use crate::params::CansParams;
        use nice_plug::plugin::ParamValue;
        let mut st = state(&[]);
        st.params
            .insert("a_model".into(), ParamValue::String("k702".into()));
        st.params
            .insert("monitor".into(), ParamValue::String("club".into()));
        let notes = insert_missing_defaults(&mut st, &CansParams::default());
        // Known values stay; the missing check (a version-1 session) and the unknown
        // monitor id load their defaults (Off, Stereo: index 0).
        assert!(matches!(&st.params["a_model"], ParamValue::String(v) if v == "k702"));
        assert!(matches!(st.params["check"], ParamValue::I32(0)));
        assert!(matches!(st.params["monitor"], ParamValue::I32(0)));
        assert!(matches!(st.params["output"], ParamValue::F32(v) if v == 1.0));
        assert!(notes.contains(&MigrationNote::DefaultedParam("check".into())));
        assert!(notes.contains(&MigrationNote::DefaultedParam("monitor".into())));
        assert!(!notes.contains(&MigrationNote::DefaultedParam("a_model".into())));
    }
}
