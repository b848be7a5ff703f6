//! Cans: real-time headphone monitoring. Hear the mix through modelled open-back and
//! closed-back headphones, with a crossfeed widener and click-free A/B.
//!
//! This file is the plug-in shell: it owns the parameters, builds the engine in `activate`
//! and hands each block to it. The sound is made in `dsp` (framework-free).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use nice_plug::prelude::*;

pub mod background;
pub mod dsp;
pub mod editor;
pub mod hrtf;
pub mod measurement;
pub mod models;
pub mod params;
pub mod settings;
pub mod shared;
pub mod speakers_handoff;
pub mod state;
pub mod vst3_shim;

use background::Worker;
use dsp::engine::Engine;
use dsp::meters::OutputTap;
use dsp::speakers::bank::{MAX_SAMPLE_RATE_HZ, SpeakerBank};
use dsp::speakers::kit::SpeakersKit;
use measurement::{AudioSync, MeasurementShared, Task};
use params::CansParams;
use shared::Shared;
use speakers_handoff::{KitReceiver, kit_channel};

pub struct Cans {
    params: Arc<CansParams>,
    /// Built in `activate` for the host's sample rate; `None` until then.
    engine: Option<Engine>,
    /// The host is rendering offline (bounce): bounce-safe bypass applies. Set in `activate`
    /// from the host's buffer config, and per block from a VST3 host's process mode.
    offline_render: bool,
    /// The host gave us a mono input: copy it to both channels before processing.
    mono_input: bool,
    /// Meters and analyzer feed for the editor (ring allocated here, once).
    tap: OutputTap,
    shared: Arc<Shared>,
    /// Load/fit state shared with the background task and the editor.
    measurement: Arc<MeasurementShared>,
    /// The audio thread's end: the fitted correction of a loaded measurement.
    measurement_sync: AudioSync,
    /// Loads and fits measurements off the audio thread (`None` if no thread could be
    /// started; see `background`).
    worker: Option<Worker>,
    /// The audio thread's end of the speakers' kits the background thread builds.
    kits: KitReceiver,
}

impl Default for Cans {
    fn default() -> Self {
        let (analyzer_tx, analyzer_rx) = dsp::meters::analyzer_ring();
        let (measurement, measurement_sync) = MeasurementShared::new();
        Self {
            params: Arc::new(CansParams::default()),
            engine: None,
            offline_render: false,
            mono_input: false,
            tap: OutputTap::new(48_000.0, analyzer_tx),
            shared: Arc::new(Shared::new(analyzer_rx)),
            measurement: Arc::new(measurement),
            measurement_sync,
            worker: None,
            kits: kit_channel().1,
        }
    }
}

impl Plugin for Cans {
    const NAME: &'static str = "Cans";
    const VENDOR: &'static str = "Cans";
    const URL: &'static str = env!("CARGO_PKG_HOMEPAGE");
    const EMAIL: &'static str = "hello@cans.audio";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
    ];

    /// Model and A/B changes land on the exact sample the host automates them at.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    /// Background work runs on the plug-in's own thread (`background`), not nice-plug's.
    type BackgroundTask = ();
    type Editor = editor::Editor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let submit: editor::loader::Submit = match self.worker() {
            Some(worker) => {
                let requests = worker.requests().clone();
                Arc::new(move |task| requests.submit(task))
            }
            None => {
                // No background thread: load on the editor's thread.
                let shared = self.measurement.clone();
                let params = self.params.clone();
                Arc::new(move |task| background::run_contained(task, &shared, &params, &|| false))
            }
        };
        let loader = editor::loader::BackgroundLoader::new(submit, self.measurement.clone());
        editor::create(self.params.clone(), self.shared.clone(), Box::new(loader))
    }

    fn filter_state(state: &mut PluginState) {
        let mut notes = state::migrate(state);
        let defaults = CansParams::default();
        notes.extend(state::clamp_params(state, &defaults));
        notes.extend(state::insert_missing_defaults(state, &defaults));
        for note in notes {
            nice_warn!("Loading session state: {note:?}");
        }
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        // Re-fit a measurement restored with the session before the first block (on this
        // thread; a cached fit of the same data is reused).
        self.worker();
        self.measurement_sync
            .mark_restores_seen(&self.params.custom_measurement);
        background::run_contained(Task::RefitStored, &self.measurement, &self.params, &|| {
            false
        });
        self.measurement_sync
            .update(&self.params.custom_measurement);
        self.offline_render = buffer_config.process_mode == ProcessMode::Offline;
        self.mono_input = audio_io_layout.main_input_channels.map(NonZeroU32::get) == Some(1);
        let mut engine = Engine::new(buffer_config.sample_rate as f64);
        self.prepare_speakers(&mut engine);
        (self.shared.speakers_ready).store(engine.has_speakers(), Ordering::Relaxed);
        engine.set(self.current_settings());
        engine.reset();
        self.engine = Some(engine);
        self.tap.set_sample_rate(buffer_config.sample_rate as f64);
        self.publish_offline_bypass();
        (self.shared.sample_rate).store(buffer_config.sample_rate, Ordering::Relaxed);
        true
    }

    fn reset(&mut self) {
        let settings = self.current_settings();
        if let Some(engine) = &mut self.engine {
            engine.set(settings);
            engine.reset();
        }
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        if self
            .measurement_sync
            .update(&self.params.custom_measurement)
            && let Some(worker) = &self.worker
        {
            worker.requests().refit();
        }
        // A VST3 host flags an offline render per call (`vst3_shim`); entering or leaving
        // one jumps to the new state with cleared filters, so a bounce is bit-exact from
        // its first sample and independent of what played before it.
        let mode_changed = match vst3_shim::host_offline() {
            Some(offline) if offline != self.offline_render => {
                self.offline_render = offline;
                true
            }
            _ => false,
        };
        let settings = self.current_settings();
        self.publish_offline_bypass();
        let Some(engine) = &mut self.engine else {
            return ProcessStatus::Normal;
        };
        if self.kits.deliver(engine) {
            (self.shared.speakers_ready).store(engine.has_speakers(), Ordering::Relaxed);
        }
        engine.set(settings);
        if mode_changed {
            engine.reset();
        }
        self.measurement_sync
            .release(engine.oldest_prepared_in_use());
        let open = self.shared.editor_open.load(Ordering::Relaxed);
        let channels = buffer.as_slice();
        match channels {
            [left, right, ..] => {
                if self.mono_input {
                    right.copy_from_slice(left);
                }
                engine.process(left, right);
                if let Some(readings) = self.tap.process(left, right, open) {
                    self.shared.store_meters(&readings);
                }
            }
            [mono] => {
                // A host that forces one channel: process it as centred material.
                let len = mono.len();
                let mut done = 0;
                let mut scratch = [0.0f32; dsp::engine::SUB_BLOCK];
                while done < len {
                    let n = (len - done).min(scratch.len());
                    let chunk = &mut mono[done..done + n];
                    scratch[..n].copy_from_slice(chunk);
                    engine.process(chunk, &mut scratch[..n]);
                    for (o, r) in chunk.iter_mut().zip(&scratch[..n]) {
                        *o = 0.5 * (*o + *r);
                    }
                    done += n;
                }
                if let Some(readings) = self.tap.process(mono, mono, open) {
                    self.shared.store_meters(&readings);
                }
            }
            [] => {}
        }
        ProcessStatus::Normal
    }
}

impl Cans {
    fn publish_offline_bypass(&self) {
        let active = self.offline_render && self.params.bounce_safe.value();
        self.shared.offline_bypass.store(active, Ordering::Relaxed);
    }

    /// The background thread, started on first use (never on the audio thread: `activate`
    /// and `editor` start it, `process` only uses it).
    fn worker(&mut self) -> Option<&Worker> {
        if self.worker.is_none() {
            let (sender, receiver) = kit_channel();
            self.kits = receiver;
            self.worker = Worker::spawn(self.measurement.clone(), self.params.clone(), sender);
        }
        self.worker.as_ref()
    }

    /// Give a new engine the speakers (`activate`). This process's design for the rate, if
    /// there is one, is installed at once; an offline render (a bounce must sound the
    /// same from its first sample) or a plug-in without a background thread designs it
    /// here; otherwise the background thread does (0.1–0.5 s) and a slot with speakers on
    /// crossfades into them when they arrive. Above `MAX_SAMPLE_RATE_HZ` there are none.
    fn prepare_speakers(&mut self, engine: &mut Engine) {
        self.kits.discard_waiting();
        let rate = engine.sample_rate();
        if rate > MAX_SAMPLE_RATE_HZ {
            return;
        }
        let build_here = self.offline_render || self.worker().is_none();
        let bank = SpeakerBank::builtin_cached(rate).or_else(|| {
            build_here.then(|| std::panic::catch_unwind(|| SpeakerBank::builtin(rate)).ok())?
        });
        match (bank, &self.worker) {
            (Some(bank), _) => {
                // A fresh engine has no speakers and the kit is for its rate: taken.
                let _ = engine.install_speakers(SpeakersKit::new(bank));
            }
            (None, Some(worker)) => worker.requests().speakers(rate),
            (None, None) => {}
        }
    }

    fn current_settings(&self) -> dsp::engine::EngineSettings {
        settings::engine_settings(
            &self.params,
            self.measurement_sync.correction(),
            self.offline_render,
        )
    }
}

impl ClapPlugin for Cans {
    const CLAP_ID: &'static str = "audio.cans.monitor";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Headphone monitoring: open/closed-back voicings, crossfeed, click-free A/B");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Utility,
        ClapFeature::Equalizer,
    ];
}

impl Vst3Plugin for Cans {
    const VST3_CLASS_ID: [u8; 16] = *b"CansHeadphoneMon";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Spatial,
        Vst3SubCategory::Tools,
    ];
}

nice_export_clap!(Cans);
// The VST3 entry points are `vst3_shim`'s: nice-plug's wrapper behind an interposer that
// fixes its process-mode handling and marks choice parameters as lists.
