//! UI tests of the editor with egui_kittest: controls are found by their labels, clicked,
//! and the parameter changes that reach the host (through a recording `GuiContextInner`)
//! are checked.

use std::path::Path;
use std::sync::{Arc, Mutex};

use cans::dsp::meters::analyzer_ring;
use cans::editor::App;
use cans::editor::loader::{BackgroundLoader, MeasurementLoader};
use cans::measurement::{LoadError, LoadState, LoadStatus, MeasurementShared, Origin, run_task};
use cans::models::csv::CsvError;
use cans::params::{AbSlot, CansParams, Model, Phones};
use cans::shared::Shared;
use egui_kittest::Harness;
use egui_kittest::kittest::NodeT;
use egui_kittest::kittest::Queryable;
use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::PluginState;
use nice_plug::prelude::Enum;

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Begin(String),
    Set(String, f32),
    End(String),
}

/// What one click on a control sends: begin, one value, end.
fn gesture(name: &str, value: f32) -> Vec<Event> {
    vec![
        Event::Begin(name.into()),
        Event::Set(name.into(), value),
        Event::End(name.into()),
    ]
}

/// Stands in for the host: records every gesture and applies the value like a wrapper.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

impl GuiContextInner for Recorder {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        let name = unsafe { param.name() }.to_owned();
        self.events.lock().unwrap().push(Event::Begin(name));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        let name = unsafe { param.name() }.to_owned();
        unsafe { param._internal_set_normalized_value(normalized) };
        self.events
            .lock()
            .unwrap()
            .push(Event::Set(name, normalized));
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        let name = unsafe { param.name() }.to_owned();
        self.events.lock().unwrap().push(Event::End(name));
    }

    fn get_state(&self) -> PluginState {
        PluginState {
            version: String::new(),
            params: Default::default(),
            fields: Default::default(),
        }
    }

    fn set_state(&self, _state: PluginState) {}

    fn request_restart(&self) {}
}

struct Fixture {
    params: Arc<CansParams>,
    shared: Arc<Shared>,
    recorder: Arc<Recorder>,
}

/// The loader the tests use: the plug-in's own loader, with the background executor
/// replaced by one that runs each task at once on the calling thread, counting requests.
struct CountingLoader {
    inner: BackgroundLoader,
    calls: Arc<Mutex<Vec<String>>>,
}

impl MeasurementLoader for CountingLoader {
    fn request_load(&mut self, path: &Path) {
        self.calls.lock().unwrap().push(path.display().to_string());
        self.inner.request_load(path)
    }

    fn status(&self) -> LoadStatus {
        self.inner.status()
    }

    fn correction(&self) -> Option<cans::dsp::prepared::Prepared<cans::dsp::cascade::SectionList>> {
        self.inner.correction()
    }
}

fn immediate_loader(params: &Arc<CansParams>) -> BackgroundLoader {
    let shared = Arc::new(MeasurementShared::new().0);
    let run: cans::editor::loader::Submit = {
        let shared = shared.clone();
        let params = params.clone();
        Arc::new(move |task| run_task(task, &shared, &params.custom_measurement))
    };
    BackgroundLoader::new(run, shared)
}

/// The harness runs the app with the GUI context it attaches on the first frame.
type AppHarness = Harness<'static, (App, Option<GuiContext>)>;

fn harness(size: egui::Vec2) -> (AppHarness, Fixture, Arc<Mutex<Vec<String>>>) {
    let params = Arc::new(CansParams::default());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let loader = Box::new(CountingLoader {
        inner: immediate_loader(&params),
        calls: calls.clone(),
    });
    let (harness, fx) = harness_with(size, params, loader);
    (harness, fx, calls)
}

/// The editor of `params` with `loader`, in a harness of `size`.
fn harness_with(
    size: egui::Vec2,
    params: Arc<CansParams>,
    loader: Box<dyn MeasurementLoader>,
) -> (AppHarness, Fixture) {
    let (_tx, rx) = analyzer_ring();
    let shared = Arc::new(Shared::new(rx));
    let recorder = Arc::new(Recorder::default());
    let app = App::new(params.clone(), shared.clone(), loader);
    let gui = GuiContext::new(recorder.clone());
    let harness = Harness::builder().with_size(size).build_ui_state(
        |ui, state: &mut (App, Option<GuiContext>)| {
            if let Some(gui) = state.1.take() {
                state.0.open(ui.ctx(), gui);
            }
            state.0.draw(ui);
        },
        (app, Some(gui)),
    );
    (
        harness,
        Fixture {
            params,
            shared,
            recorder,
        },
    )
}

fn default_size() -> egui::Vec2 {
    egui::vec2(cans::editor::WIDTH as f32, cans::editor::HEIGHT as f32)
}

fn normalized<T: Enum + PartialEq + Copy>(value: T) -> f32 {
    // nice-plug's EnumParam maps index i of n to i / (n - 1).
    value.to_index() as f32 / (T::variants().len() - 1) as f32
}

#[test]
fn ab_toggle_b_sends_one_automation_gesture_for_the_ab_parameter() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    fx.recorder.take();
    h.get_by_label("B").click();
    h.run();
    let events = fx.recorder.take();
    assert_eq!(events, gesture("A/B", normalized(AbSlot::B)));
    assert_eq!(fx.params.ab.value(), AbSlot::B);
    // Clicking the slot already heard sends nothing.
    h.get_by_label("B").click();
    h.run();
    assert!(fx.recorder.take().is_empty());
    h.get_by_label("A").click();
    h.run();
    assert_eq!(fx.params.ab.value(), AbSlot::A);
    assert_eq!(
        fx.recorder.take()[1],
        Event::Set("A/B".into(), normalized(AbSlot::A))
    );
}

#[test]
fn slot_model_pickers_set_their_own_slot_model() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    fx.recorder.take();
    // Slot B's picker, then a closed-back model from its list.
    h.get_by_label("Slot B model").click();
    h.run();
    assert!(
        h.query_by_label("Sony MDR-7506").is_some(),
        "closed-back group lists the MDR-7506"
    );
    h.get_by_label("Sony MDR-7506").click();
    h.run();
    assert_eq!(
        fx.recorder.take(),
        gesture("B Model", normalized(Model::SonyMdr7506))
    );
    assert_eq!(fx.params.b.model.value(), Model::SonyMdr7506);
    assert_eq!(fx.params.a.model.value(), Model::Neutral);

    h.get_by_label("Slot A model").click();
    h.run();
    h.get_by_label("AKG K702").click();
    h.run();
    let events = fx.recorder.take();
    assert!(events.contains(&Event::Set("A Model".into(), normalized(Model::AkgK702))));
    assert_eq!(fx.params.a.model.value(), Model::AkgK702);
    assert_eq!(fx.params.b.model.value(), Model::SonyMdr7506);
}

#[test]
fn bypass_and_level_match_toggles_reach_the_setter() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    fx.recorder.take();
    h.get_by_label("Bypass").click();
    h.run();
    assert_eq!(fx.recorder.take(), gesture("Bypass", 1.0));
    assert!(fx.params.bypass.value());
    h.get_by_label("Level match").click();
    h.run();
    assert!(
        fx.recorder
            .take()
            .contains(&Event::Set("Level Match".into(), 0.0))
    );
    assert!(!fx.params.level_match.value());
}

#[test]
fn the_speakers_toggle_sets_its_slot_and_greys_the_crossfeed_out() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    fx.recorder.take();
    assert!(
        !h.get_by_label("Slot A crossfeed")
            .accesskit_node()
            .is_disabled()
    );
    // Slot A's toggle is the left one.
    let left = h
        .get_all_by_label("Speakers")
        .min_by(|a, b| a.rect().min.x.total_cmp(&b.rect().min.x))
        .expect("a Speakers toggle");
    left.click();
    h.run();
    assert_eq!(fx.recorder.take(), gesture("A Speakers", 1.0));
    assert!(fx.params.a.speakers.value() && !fx.params.b.speakers.value());
    h.run();
    assert!(
        h.get_by_label("Slot A crossfeed")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        !h.get_by_label("Slot B crossfeed")
            .accesskit_node()
            .is_disabled()
    );
    // While the background thread still designs them, the slot says so.
    let preparing = "preparing the speakers…";
    assert!(h.query_by_label(preparing).is_none());
    let ready = &fx.shared.speakers_ready;
    ready.store(false, std::sync::atomic::Ordering::Relaxed);
    h.run();
    assert!(h.query_by_label(preparing).is_some());
    ready.store(true, std::sync::atomic::Ordering::Relaxed);
    h.run();
    assert!(h.query_by_label(preparing).is_none());
}

#[test]
fn load_measurement_shows_the_error_for_a_bad_file_and_changes_nothing() {
    let (mut h, fx, calls) = harness(default_size());
    h.run();
    fx.recorder.take();
    let dir = std::env::temp_dir().join(format!("cans-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "hello,world\n1,2\n").unwrap();

    h.get_by_label("Measurement file (AutoEq CSV)").click();
    h.run();
    h.get_by_label("Measurement file (AutoEq CSV)")
        .type_text(&bad.display().to_string());
    h.run();
    assert_eq!(h.state().0.path_text(), bad.display().to_string());
    h.get_by_label("Load measurement…").click();
    h.run();
    assert_eq!(
        calls.lock().unwrap().as_slice(),
        [bad.display().to_string()]
    );
    assert!(
        h.query_by_label_contains("Could not load bad.csv")
            .is_some(),
        "the loader's error is shown"
    );
    assert!(
        fx.recorder.take().is_empty(),
        "a refused file sets no parameter"
    );
    assert_eq!(fx.params.phones.value(), Phones::Generic);
    assert!(fx.params.custom_measurement.get().is_none());
}

#[test]
fn load_measurement_of_a_good_csv_selects_loaded_measurement() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    fx.recorder.take();
    let dir = std::env::temp_dir().join(format!("cans-ui-good-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("mine.csv");
    let mut csv = String::from("frequency,raw\n");
    for i in 0..40 {
        let f = 20.0 * 2f64.powf(i as f64 / 4.0);
        csv.push_str(&format!("{f:.2},{:.2}\n", (i as f64 * 0.3).sin()));
    }
    std::fs::write(&good, csv).unwrap();
    h.get_by_label("Measurement file (AutoEq CSV)").click();
    h.run();
    h.get_by_label("Measurement file (AutoEq CSV)")
        .type_text(&good.display().to_string());
    h.run();
    assert_eq!(h.state().0.path_text(), good.display().to_string());
    h.get_by_label("Load measurement…").click();
    h.run();
    assert_eq!(
        fx.recorder.take(),
        gesture("Your Headphones", normalized(Phones::Custom))
    );
    assert_eq!(fx.params.phones.value(), Phones::Custom);
    let stored = fx.params.custom_measurement.get().unwrap();
    assert_eq!(stored.frequency_hz.len(), 40);
    assert!(
        h.query_by_label_contains("Loaded mine.csv: correction with")
            .is_some()
    );
}

#[test]
fn offline_bypass_badge_shows_only_while_active() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    assert!(h.query_by_label("BYPASSED FOR OFFLINE RENDER").is_none());
    fx.shared
        .offline_bypass
        .store(true, std::sync::atomic::Ordering::Relaxed);
    h.run();
    assert!(h.query_by_label("BYPASSED FOR OFFLINE RENDER").is_some());
}

#[test]
fn opening_and_closing_sets_the_editor_open_flag() {
    let (mut h, fx, _) = harness(default_size());
    h.run();
    assert!(
        fx.shared
            .editor_open
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    h.state_mut().0.close();
    assert!(
        !fx.shared
            .editor_open
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    // The analyzer ring moved into the app and is not left in the shared slot.
    assert!(fx.shared.analyzer_rx.lock().unwrap().is_none());
    drop(h);
    assert!(
        fx.shared.analyzer_rx.lock().unwrap().is_some(),
        "dropping the app hands the ring back"
    );
}

#[test]
fn every_control_fits_without_overlap_at_the_smallest_supported_size() {
    for size in [default_size(), egui::vec2(860.0, 620.0)] {
        let (mut h, _fx, _) = harness(size);
        h.run();
        let labels = [
            "A",
            "B",
            "Bypass",
            "Bounce-Safe",
            "Load measurement…",
            "Level match",
            "Slot A model",
            "Slot B model",
            "Beats Studio3",
            "AirPods",
            "Car (approx.)",
            "Mono cube (approx.)",
        ];
        // Both slots' Speakers toggles (no other control is named so).
        let speakers: Vec<egui::Rect> = h.get_all_by_label("Speakers").map(|n| n.rect()).collect();
        assert_eq!(speakers.len(), 2, "one Speakers toggle per slot");
        let rects: Vec<(&str, egui::Rect)> = labels
            .iter()
            .map(|l| (*l, h.get_by_label(l).rect()))
            .chain(speakers.iter().map(|r| ("Speakers", *r)))
            .collect();
        for (i, (la, ra)) in rects.iter().enumerate() {
            assert!(
                ra.min.x >= 0.0 && ra.min.y >= 0.0 && ra.max.x <= size.x && ra.max.y <= size.y,
                "{la} at {ra:?} is outside the {size:?} window"
            );
            for (lb, rb) in &rects[i + 1..] {
                assert!(
                    !ra.intersects(*rb),
                    "{la} {ra:?} overlaps {lb} {rb:?} at {size:?}"
                );
            }
        }
    }
}

/// A loader that finishes later, like the background task of `crate::measurement`.
struct DeferredLoader {
    requested: Arc<Mutex<Vec<String>>>,
    status: Arc<Mutex<LoadStatus>>,
}

impl MeasurementLoader for DeferredLoader {
    fn request_load(&mut self, path: &Path) {
        self.requested
            .lock()
            .unwrap()
            .push(path.display().to_string());
    }

    fn status(&self) -> LoadStatus {
        self.status.lock().unwrap().clone()
    }
}

/// The background task finishing a load with `state`: the next generation.
fn finish_load(status: &Mutex<LoadStatus>, state: LoadState) {
    let mut status = status.lock().unwrap();
    status.generation += 1;
    status.origin = Some(Origin::Load);
    status.state = state;
}

/// The editor with a [`DeferredLoader`], after the user typed `/data/mine.csv` and clicked
/// "Load measurement…": (harness, fixture, the paths requested, the status to finish).
fn deferred_load_requested() -> (
    AppHarness,
    Fixture,
    Arc<Mutex<Vec<String>>>,
    Arc<Mutex<LoadStatus>>,
) {
    let requested = Arc::new(Mutex::new(Vec::new()));
    let status = Arc::new(Mutex::new(LoadStatus::default()));
    let loader = Box::new(DeferredLoader {
        requested: requested.clone(),
        status: status.clone(),
    });
    let (mut h, fx) = harness_with(default_size(), Arc::new(CansParams::default()), loader);
    h.run();
    let field = "Measurement file (AutoEq CSV)";
    h.get_by_label(field).click();
    h.run();
    h.get_by_label(field).type_text("/data/mine.csv");
    h.run();
    h.get_by_label("Load measurement…").click();
    h.run();
    (h, fx, requested, status)
}

#[test]
fn a_background_load_selects_loaded_measurement_only_when_it_succeeds() {
    let (mut h, fx, requested, status) = deferred_load_requested();
    let (params, recorder) = (&fx.params, &fx.recorder);
    assert_eq!(requested.lock().unwrap().as_slice(), ["/data/mine.csv"]);
    assert!(
        recorder.take().is_empty(),
        "nothing is selected before the load finishes"
    );

    // The task fails: the message shows, nothing changes.
    finish_load(
        &status,
        LoadState::Failed(LoadError::File {
            path: "/data/mine.csv".into(),
            error: CsvError::Io("row 3 is not a number pair".into()),
        }),
    );
    h.run();
    assert!(
        h.query_by_label_contains("row 3 is not a number pair")
            .is_some()
    );
    assert!(recorder.take().is_empty());
    assert_eq!(params.phones.value(), Phones::Generic);

    // A second request succeeds later: "Loaded Measurement" is selected once.
    h.get_by_label("Load measurement…").click();
    h.run();
    finish_load(
        &status,
        LoadState::Loaded {
            path: "/data/mine.csv".into(),
            sections: 8,
            fit_rms_db: 0.1,
            fit_max_db: 0.4,
        },
    );
    h.run();
    h.run();
    assert_eq!(
        recorder.take(),
        gesture("Your Headphones", normalized(Phones::Custom))
    );
    assert_eq!(params.phones.value(), Phones::Custom);
    assert!(
        h.query_by_label_contains("correction with 8 sections")
            .is_some()
    );
}

/// Issue 11's reload bug: load a file, switch "Your Headphones" back to Generic, load the
/// same file again: the second load must select "Loaded Measurement" again (its status
/// line is the same as the first's, so an editor that waits for a *changed* message never
/// notices that the second load finished).
#[test]
fn loading_the_same_file_again_selects_loaded_measurement_again() {
    let (mut h, fx, calls) = harness(default_size());
    h.run();
    fx.recorder.take();
    let dir = std::env::temp_dir().join(format!("cans-ui-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("again.csv");
    let mut csv = String::from("frequency,raw\n");
    for i in 0..40 {
        let f = 20.0 * 2f64.powf(i as f64 / 4.0);
        csv.push_str(&format!("{f:.2},{:.2}\n", (i as f64 * 0.2).cos()));
    }
    std::fs::write(&good, csv).unwrap();
    let field = "Measurement file (AutoEq CSV)";
    h.get_by_label(field).click();
    h.run();
    h.get_by_label(field).type_text(&good.display().to_string());
    h.run();
    let select_custom = gesture("Your Headphones", normalized(Phones::Custom));

    h.get_by_label("Load measurement…").click();
    h.run();
    assert_eq!(fx.recorder.take(), select_custom);
    assert_eq!(fx.params.phones.value(), Phones::Custom);

    // Back to Generic through the picker.
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Your Headphones")
        .click();
    h.run();
    h.get_by_label("Generic").click();
    h.run();
    assert_eq!(fx.params.phones.value(), Phones::Generic);
    fx.recorder.take();

    // The same file again.
    h.get_by_label("Load measurement…").click();
    h.run();
    h.run();
    assert_eq!(calls.lock().unwrap().len(), 2, "both loads were requested");
    assert_eq!(
        fx.recorder.take(),
        select_custom,
        "the second load of the same file selects Loaded Measurement again"
    );
    assert_eq!(fx.params.phones.value(), Phones::Custom);
    assert!(
        h.query_by_label_contains("Loaded again.csv: correction with")
            .is_some()
    );
    std::fs::remove_file(&good).unwrap();
}

/// A re-fit (a session restore) that finishes while the editor waits for its load is not
/// that load: nothing is selected until the load itself finishes.
#[test]
fn a_refit_finishing_during_a_pending_load_selects_nothing() {
    let (mut h, fx, _requested, status) = deferred_load_requested();
    let (params, recorder) = (&fx.params, &fx.recorder);
    let loaded = LoadState::Loaded {
        path: "/data/session.csv".into(),
        sections: 6,
        fit_rms_db: 0.1,
        fit_max_db: 0.4,
    };
    {
        let mut s = status.lock().unwrap();
        s.generation += 1;
        s.origin = Some(Origin::Refit);
        s.state = loaded.clone();
    }
    h.run();
    assert!(
        recorder.take().is_empty(),
        "a re-fit answers no load request"
    );
    assert_eq!(params.phones.value(), Phones::Generic);
    finish_load(&status, loaded);
    h.run();
    assert_eq!(params.phones.value(), Phones::Custom);
}

#[test]
fn check_buttons_enter_change_and_leave_a_check_with_a_badge() {
    use cans::params::Check;
    let (mut h, fx, _) = harness(default_size());
    h.run();
    assert!(h.query_by_label("CHECKING: Apple AirPods").is_none());
    fx.recorder.take();
    h.get_by_label("AirPods").click();
    h.run();
    assert_eq!(fx.params.check.value(), Check::AirPods);
    assert!(
        fx.recorder
            .take()
            .contains(&Event::Set("Check".into(), normalized(Check::AirPods)))
    );
    assert!(h.query_by_label("CHECKING: Apple AirPods").is_some());
    // The devices are labelled as sketches.
    h.get_by_label("Car (approx.)").click();
    h.run();
    assert_eq!(fx.params.check.value(), Check::Car);
    assert!(h.query_by_label("CHECKING: Car (approx.)").is_some());
    // Clicking the lit check leaves it.
    h.get_by_label("Car (approx.)").click();
    h.run();
    assert_eq!(fx.params.check.value(), Check::Off);
    assert!(h.query_by_label("CHECKING: Car (approx.)").is_none());
}
