//! A small CLAP host for tests, built on `clack-host` (a host written by others): it loads
//! the *bundled* plug-in (`Cans.clap` in [`super::bundle_dir`], what users install), never
//! the crate itself.
//!
//! ```ignore
//! let mut plugin = ClapPlugin::load_bundled();
//! plugin.activate(48_000.0, 512);
//! let output = plugin.param_id("Output");
//! plugin.set_param(output, plugin.param_plain_from_text(output, "-6"), 0);
//! plugin.process(&mut left, &mut right); // in place, up to `max_block` frames
//! let state = plugin.save_state();
//! ```
//!
//! Everything runs on the calling thread: it is the host's main thread, and the audio
//! thread while `process` runs (the thread-check extension reports exactly that).
//! Parameter values are CLAP "plain" values: nice-plug maps each parameter to
//! `0..=step_count` for stepped ones (enum index, bool 0/1) and `0..=1` (normalized)
//! otherwise; [`ClapPlugin::value_to_text`] shows the real value with its unit.

use std::cell::Cell;
use std::ffi::CString;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use clack_extensions::audio_ports::{
    AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl, PluginAudioPorts,
};
use clack_extensions::audio_ports_config::{AudioPortsConfigBuffer, PluginAudioPortsConfig};
use clack_extensions::gui::{
    GuiApiType, GuiConfiguration, GuiSize, HostGui, HostGuiImpl, PluginGui, Window,
};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_host::events::event_types::{ParamModEvent, ParamValueEvent};
use clack_host::prelude::*;

/// The CLAP id the plug-in is published under (never changes: hosts store it in sessions).
pub const CLAP_ID: &str = "audio.cans.monitor";
/// Most parameter changes one `process` call can carry.
pub const MAX_EVENTS: usize = 256;

/// Host callbacks that may come from any thread.
pub struct HostShared {
    main_thread: ThreadId,
    callback_requested: AtomicBool,
    restart_requested: AtomicBool,
    flush_requested: AtomicBool,
    /// Warnings and errors the plug-in logged through the host.
    log: Mutex<Vec<String>>,
}

impl SharedHandler<'_> for HostShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for HostShared {
    fn log(&self, severity: LogSeverity, message: &str) {
        eprintln!("[plug-in {severity}] {message}");
        if !matches!(severity, LogSeverity::Debug | LogSeverity::Info) {
            self.log
                .lock()
                .unwrap()
                .push(format!("{severity}: {message}"));
        }
    }
}

thread_local! {
    /// True while this thread is inside the plug-in's `process` (so a split-off
    /// [`AudioThread`] and the main thread each get the right answer).
    static IN_PROCESS: Cell<bool> = const { Cell::new(false) };
}

impl HostThreadCheckImpl for HostShared {
    fn is_main_thread(&self) -> bool {
        !IN_PROCESS.get() && std::thread::current().id() == self.main_thread
    }
    fn is_audio_thread(&self) -> bool {
        IN_PROCESS.get()
    }
}

/// The GUI extension a DAW offers an embedded editor. (nice-plug 0.4.2's `gui.create`
/// unwraps this extension: without it, opening the editor panics across the C ABI and
/// aborts the host.)
impl HostGuiImpl for HostShared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {}
}

impl HostParamsImplShared for HostShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Main-thread host callbacks: nothing to do for a test host but accept them.
pub struct HostMainThread;

impl MainThreadHandler<'_> for HostMainThread {}

impl HostParamsImplMainThread for HostMainThread {
    fn rescan(&self, _flags: ParamRescanFlags) {}
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostAudioPortsImpl for HostMainThread {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        false
    }
    fn rescan(&self, _flags: AudioPortRescanFlags) {}
}

impl HostStateImpl for HostMainThread {
    fn mark_dirty(&self) {}
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = HostShared;
    type MainThread<'a> = HostMainThread;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostThreadCheck>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostAudioPorts>()
            .register::<HostGui>();
    }
}

/// One parameter as the host sees it.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub id: u32,
    pub name: String,
    /// The group ("Slot A", ...); empty at the top level.
    pub module: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub stepped: bool,
    pub automatable: bool,
    pub bypass: bool,
}

/// One audio port as the host sees it.
#[derive(Debug, Clone)]
pub struct PortInfo {
    pub name: String,
    pub channels: u32,
    pub main: bool,
}

/// One audio port configuration the plug-in offers (`audio-ports-config`).
#[derive(Debug, Clone)]
pub struct PortConfig {
    pub id: u32,
    pub name: String,
    /// Channels of the main input (0 if none).
    pub input_channels: u32,
    /// Channels of the main output (0 if none).
    pub output_channels: u32,
}

/// The descriptor fields a host shows in its plug-in browser.
#[derive(Debug, Clone)]
pub struct Descriptor {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub features: Vec<String>,
}

/// Entries stay loaded until the test process exits, as in most DAWs.
///
/// Unloading is not safe here: nice-plug's wrapper calls `std::thread::current()` on the
/// host thread that creates an instance, and Rust's std then registers a pthread-key
/// destructor inside the plug-in library. If the library is unloaded (last entry dropped,
/// `dlclose`) while that thread lives on, the thread crashes when it exits (seen as
/// SIGSEGV in `__nptl_deallocate_tsd` with parallel tests).
static KEEP_LOADED: Mutex<Vec<PluginEntry>> = Mutex::new(Vec::new());

/// Load a CLAP bundle's entry and keep it loaded for the rest of the process.
pub fn load_entry(path: &Path) -> PluginEntry {
    // SAFETY: loading a CLAP bundle runs its code; the bundle is the one we built.
    let entry = unsafe { PluginEntry::load(path) }.expect("load CLAP entry");
    KEEP_LOADED.lock().unwrap().push(entry.clone());
    entry
}

/// Every descriptor the bundle's factory lists.
pub fn scan(path: &Path) -> Vec<Descriptor> {
    let entry = load_entry(path);
    let factory = entry.get_plugin_factory().expect("CLAP plugin factory");
    let text = |s: Option<&std::ffi::CStr>| {
        s.map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    factory
        .plugin_descriptors()
        .map(|d| Descriptor {
            id: text(d.id()),
            name: text(d.name()),
            vendor: text(d.vendor()),
            version: text(d.version()),
            features: d
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        })
        .collect()
}

/// A loaded instance of the plug-in, with preallocated stereo buffers.
pub struct ClapPlugin {
    // Field order is drop order: the processor goes before the instance, the instance
    // before the entry (also enforced in `Drop`).
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    instance: PluginInstance<TestHost>,
    _entry: PluginEntry,
    params: PluginParams,
    state: Option<PluginState>,
    audio_ports: Option<PluginAudioPorts>,
    ports_config: Option<PluginAudioPortsConfig>,
    /// Channels of the main input in the selected configuration (1 or 2).
    input_channels: usize,
    gui: Option<PluginGui>,
    io: AudioIo,
    sample_rate: f64,
}

impl ClapPlugin {
    /// Load the bundled plug-in (see [`super::bundle_dir`]).
    pub fn load_bundled() -> Self {
        Self::load(&super::clap_bundle())
    }

    /// Load the first plug-in of a CLAP bundle and instantiate it (inactive).
    pub fn load(path: &Path) -> Self {
        let entry = load_entry(path);
        let host_info = HostInfo::new(
            "Cans test host",
            "Cans",
            "https://github.com/cans-audio/cans",
            "0.1.0",
        )
        .unwrap();
        let id = CString::new(CLAP_ID).unwrap();
        let main_thread = std::thread::current().id();
        let mut instance = PluginInstance::<TestHost>::new(
            |_| HostShared {
                main_thread,
                callback_requested: AtomicBool::new(false),
                restart_requested: AtomicBool::new(false),
                flush_requested: AtomicBool::new(false),
                log: Mutex::new(Vec::new()),
            },
            |_| HostMainThread,
            &entry,
            &id,
            &host_info,
        )
        .expect("instantiate plug-in");
        let handle = instance.plugin_handle();
        let params = handle
            .get_extension::<PluginParams>()
            .expect("plug-in implements the params extension");
        let state = handle.get_extension::<PluginState>();
        let audio_ports = handle.get_extension::<PluginAudioPorts>();
        let ports_config = handle.get_extension::<PluginAudioPortsConfig>();
        let gui = handle.get_extension::<PluginGui>();
        Self {
            processor: None,
            instance,
            _entry: entry,
            params,
            state,
            audio_ports,
            ports_config,
            input_channels: 2,
            gui,
            io: AudioIo::new(),
            sample_rate: 0.0,
        }
    }

    /// Activate at a sample rate and maximum block size, and start processing.
    /// Deactivates first if already active.
    pub fn activate(&mut self, sample_rate: f64, max_block: usize) {
        self.deactivate();
        assert!(max_block >= 1);
        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block as u32,
        };
        let stopped = self
            .instance
            .activate(|_, _| (), config)
            .expect("plug-in activates");
        self.processor = Some(stopped.start_processing().expect("start processing"));
        self.io.start(max_block);
        self.sample_rate = sample_rate;
    }

    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    pub fn max_block(&self) -> usize {
        self.io.max_block
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Stop processing and deactivate (no-op when inactive).
    pub fn deactivate(&mut self) {
        if let Some(started) = self.processor.take() {
            self.instance.deactivate(started.stop_processing());
        }
    }

    /// Tell the plug-in the host renders offline (a bounce) or in real time, through the
    /// CLAP render extension, as a DAW does before an export. Takes effect from the next
    /// activation (a plug-in may ask for a restart to apply it while active).
    pub fn set_render_mode(&mut self, offline: bool) {
        use clack_extensions::render::{PluginRender, RenderMode};
        let handle = self.instance.plugin_handle();
        let render = handle
            .get_extension::<PluginRender>()
            .expect("plug-in implements the render extension");
        let mode = if offline {
            RenderMode::Offline
        } else {
            RenderMode::Realtime
        };
        render
            .set(&handle, mode)
            .expect("plug-in accepts the render mode");
    }

    /// Queue a parameter change (CLAP plain value) at a sample offset of the next `process`.
    pub fn set_param(&mut self, id: u32, value: f64, offset: u32) {
        self.io.set_param(id, value, offset);
    }

    /// Queue a parameter modulation (`CLAP_EVENT_PARAM_MOD`, an offset in plain units) at a
    /// sample offset of the next `process`.
    pub fn set_param_mod(&mut self, id: u32, amount: f64, offset: u32) {
        self.io.queue(&ParamModEvent::new(
            offset,
            ClapId::new(id),
            Pckn::match_all(),
            amount,
        ));
    }

    /// Process one block in place. Queued parameter changes are delivered with it.
    /// `left` and `right` must have the same length, at most the activated `max_block`
    /// (zero frames is allowed). With a mono input configuration selected, only `left`
    /// is passed in; both are written.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> ProcessStatus {
        let processor = self
            .processor
            .as_mut()
            .expect("activate() before process()");
        let status = self.io.process(processor, left, right, self.input_channels);
        self.main_thread_idle();
        status
    }

    /// Process a whole signal in place, cut into consecutive blocks of the given sizes
    /// (cycled). Queued parameter changes go with the first block.
    pub fn process_in_blocks(&mut self, left: &mut [f32], right: &mut [f32], sizes: &[usize]) {
        assert!(!sizes.is_empty() && sizes.iter().all(|&s| s >= 1));
        let mut start = 0;
        for &size in sizes.iter().cycle() {
            if start >= left.len() {
                break;
            }
            let end = (start + size).min(left.len());
            self.process(&mut left[start..end], &mut right[start..end]);
            start = end;
        }
    }

    /// Serve main-thread callbacks the plug-in asked for (as a host's idle loop would).
    pub fn main_thread_idle(&mut self) {
        let shared = self
            .instance
            .access_shared_handler(|s| s as *const HostShared);
        // SAFETY: as in `process`.
        let shared = unsafe { &*shared };
        if shared.callback_requested.swap(false, Ordering::SeqCst) {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Apply queued parameter changes without processing audio (`clap_plugin_params.flush`).
    pub fn flush_params(&mut self) {
        let io = &mut self.io;
        io.events.sort();
        io.out_events.clear();
        match self.processor.as_mut() {
            Some(processor) => {
                let mut handle = processor.plugin_handle();
                self.params.flush_active(
                    &mut handle,
                    &io.events.as_input(),
                    &mut io.out_events.as_output(),
                );
            }
            None => {
                let mut handle = self
                    .instance
                    .inactive_plugin_handle()
                    .expect("inactive plug-in handle");
                self.params.flush(
                    &mut handle,
                    &io.events.as_input(),
                    &mut io.out_events.as_output(),
                );
            }
        }
        io.events.clear();
        self.main_thread_idle();
    }

    /// All parameters, in the plug-in's order.
    pub fn param_info(&mut self) -> Vec<ParamInfo> {
        let handle = self.instance.plugin_handle();
        let count = self.params.count(&handle);
        let mut buffer = ParamInfoBuffer::new();
        (0..count)
            .map(|i| {
                let info = self
                    .params
                    .get_info(&handle, i, &mut buffer)
                    .expect("param info");
                ParamInfo {
                    id: info.id.get(),
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    module: String::from_utf8_lossy(info.module).into_owned(),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    stepped: info.flags.contains(ParamInfoFlags::IS_STEPPED),
                    automatable: info.flags.contains(ParamInfoFlags::IS_AUTOMATABLE),
                    bypass: info.flags.contains(ParamInfoFlags::IS_BYPASS),
                }
            })
            .collect()
    }

    /// The CLAP id of the parameter with this display name; panics if there is none.
    pub fn param_id(&mut self, name: &str) -> u32 {
        self.param_info()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter named {name:?}"))
            .id
    }

    /// Current plain value of a parameter.
    pub fn get_param(&mut self, id: u32) -> f64 {
        let handle = self.instance.plugin_handle();
        self.params
            .get_value(&handle, ClapId::new(id))
            .expect("param value")
    }

    /// The plug-in's display text for a plain value (with unit), e.g. "700 Hz".
    pub fn value_to_text(&mut self, id: u32, value: f64) -> String {
        let handle = self.instance.plugin_handle();
        let mut buffer = [0u8; 256];
        let text = self
            .params
            .value_to_text(&handle, ClapId::new(id), value, &mut buffer)
            .expect("value_to_text");
        String::from_utf8_lossy(text).into_owned()
    }

    /// The plain value the plug-in parses from a display text, e.g. "-6 dB".
    pub fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let handle = self.instance.plugin_handle();
        let text = CString::new(text).ok()?;
        self.params.text_to_value(&handle, ClapId::new(id), &text)
    }

    /// Audio ports of one direction.
    pub fn audio_ports(&mut self, inputs: bool) -> Vec<PortInfo> {
        let ports = self
            .audio_ports
            .expect("plug-in implements the audio-ports extension");
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortInfoBuffer::new();
        (0..ports.count(&handle, inputs))
            .map(|i| {
                let info = ports
                    .get(&handle, i, inputs, &mut buffer)
                    .expect("audio port info");
                PortInfo {
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    channels: info.channel_count,
                    main: info
                        .flags
                        .contains(clack_extensions::audio_ports::AudioPortFlags::IS_MAIN),
                }
            })
            .collect()
    }

    /// The audio port configurations the plug-in offers.
    pub fn port_configs(&mut self) -> Vec<PortConfig> {
        let configs = self
            .ports_config
            .expect("plug-in implements the audio-ports-config extension");
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortsConfigBuffer::new();
        (0..configs.count(&handle))
            .map(|i| {
                let c = configs
                    .get(&handle, i, &mut buffer)
                    .expect("audio ports config");
                PortConfig {
                    id: c.id.get(),
                    name: String::from_utf8_lossy(c.name).into_owned(),
                    input_channels: c.main_input.map_or(0, |p| p.channel_count),
                    output_channels: c.main_output.map_or(0, |p| p.channel_count),
                }
            })
            .collect()
    }

    /// Select an audio port configuration (deactivates the plug-in first, as CLAP
    /// requires); `process` then passes as many input channels as its main input has.
    pub fn select_port_config(&mut self, id: u32) {
        self.deactivate();
        let configs = self
            .ports_config
            .expect("plug-in implements the audio-ports-config extension");
        let handle = self.instance.plugin_handle();
        configs
            .select(&handle, ClapId::new(id))
            .expect("plug-in accepts the configuration");
        let channels = self.audio_ports(true).first().map_or(0, |p| p.channels);
        assert!(
            (1..=2).contains(&channels),
            "main input has {channels} channels"
        );
        self.input_channels = channels as usize;
    }

    /// The plug-in's state as a host would store it in a session.
    pub fn save_state(&mut self) -> Vec<u8> {
        let state = self.state.expect("plug-in implements the state extension");
        let handle = self.instance.plugin_handle();
        let mut bytes = Vec::new();
        state.save(&handle, &mut bytes).expect("state save");
        bytes
    }

    /// Restore a state saved by [`save_state`](Self::save_state).
    pub fn load_state(&mut self, bytes: &[u8]) {
        assert!(self.try_load_state(bytes), "state load");
    }

    /// Offer any bytes as a state: true if the plug-in accepted them.
    pub fn try_load_state(&mut self, bytes: &[u8]) -> bool {
        let state = self.state.expect("plug-in implements the state extension");
        let handle = self.instance.plugin_handle();
        let ok = state
            .load(&handle, &mut std::io::Cursor::new(bytes))
            .is_ok();
        self.main_thread_idle();
        ok
    }

    /// Open the editor embedded in an X11 window (`clap_plugin_gui`: create, set_parent,
    /// show). Returns the editor's size, or the step that failed.
    pub fn open_editor_x11(&mut self, parent: u64) -> Result<(u32, u32), &'static str> {
        let gui = self.gui.ok_or("no gui extension")?;
        let handle = self.instance.plugin_handle();
        let config = GuiConfiguration {
            api_type: GuiApiType::X11,
            is_floating: false,
        };
        if !gui.is_api_supported(&handle, config) {
            return Err("X11 embedding not supported");
        }
        gui.create(&handle, config).map_err(|_| "create")?;
        // SAFETY: `parent` is a live X11 window the caller created and keeps until
        // `close_editor`.
        unsafe { gui.set_parent(&handle, Window::from_x11_handle(parent as _)) }
            .map_err(|_| "set_parent")?;
        gui.show(&handle).map_err(|_| "show")?;
        let size = gui.get_size(&handle).ok_or("get_size")?;
        self.main_thread_idle();
        Ok((size.width, size.height))
    }

    /// Hide and destroy the editor.
    pub fn close_editor(&mut self) {
        let gui = self.gui.expect("gui extension");
        let handle = self.instance.plugin_handle();
        let _ = gui.hide(&handle);
        gui.destroy(&handle);
        self.main_thread_idle();
    }

    /// `clap_plugin_params.count`.
    pub fn param_count(&mut self) -> u32 {
        let handle = self.instance.plugin_handle();
        self.params.count(&handle)
    }

    /// `clap_plugin_params.get_info` at any index (even out of range): the parameter's id, or
    /// `None` if the plug-in refused.
    pub fn param_info_at(&mut self, index: u32) -> Option<u32> {
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        self.params
            .get_info(&handle, index, &mut buffer)
            .map(|info| info.id.get())
    }

    /// Hand the started audio processor to another thread (as a DAW's audio thread owns it).
    /// The instance stays here for main-thread calls (state, parameter values); give the
    /// processor back with [`join_audio_thread`](Self::join_audio_thread) before
    /// deactivating or dropping.
    pub fn split_audio_thread(&mut self) -> AudioThread {
        let processor = self
            .processor
            .take()
            .expect("activate() before split_audio_thread()");
        AudioThread {
            processor,
            io: AudioIo {
                input: std::mem::take(&mut self.io.input),
                output: std::mem::take(&mut self.io.output),
                steady_time: self.io.steady_time,
                max_block: self.io.max_block,
                ..AudioIo::new()
            },
        }
    }

    /// Take back a processor handed out by [`split_audio_thread`](Self::split_audio_thread).
    pub fn join_audio_thread(&mut self, audio: AudioThread) {
        assert!(self.processor.is_none());
        self.processor = Some(audio.processor);
        self.io.input = audio.io.input;
        self.io.output = audio.io.output;
        self.io.steady_time = audio.io.steady_time;
    }

    /// Warnings and errors the plug-in logged through the host so far.
    pub fn logged_problems(&self) -> Vec<String> {
        self.instance
            .access_shared_handler(|s| s.log.lock().unwrap().clone())
    }
}

impl Drop for ClapPlugin {
    fn drop(&mut self) {
        self.deactivate();
    }
}

/// The audio side of a [`ClapPlugin`], movable to another thread: the started processor with
/// its own buffers and event queue.
pub struct AudioThread {
    processor: StartedPluginAudioProcessor<TestHost>,
    io: AudioIo,
}

impl AudioThread {
    pub fn max_block(&self) -> usize {
        self.io.max_block
    }

    /// Queue a parameter change (CLAP plain value) for the next `process`.
    pub fn set_param(&mut self, id: u32, value: f64, offset: u32) {
        self.io.set_param(id, value, offset);
    }

    /// Process one block in place with the queued events (as [`ClapPlugin::process`]).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> ProcessStatus {
        self.io.process(&mut self.processor, left, right, 2)
    }
}

/// What one thread's `process` calls need: the host's audio buffers and port lists, the
/// queued input events, the output event list, and the transport position.
struct AudioIo {
    input: [Vec<f32>; 2],
    output: [Vec<f32>; 2],
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    events: EventBuffer,
    out_events: EventBuffer,
    steady_time: u64,
    max_block: usize,
}

impl AudioIo {
    fn new() -> Self {
        Self {
            input: [Vec::new(), Vec::new()],
            output: [Vec::new(), Vec::new()],
            input_ports: AudioPorts::with_capacity(2, 1),
            output_ports: AudioPorts::with_capacity(2, 1),
            events: EventBuffer::with_capacity(MAX_EVENTS),
            out_events: EventBuffer::with_capacity(MAX_EVENTS),
            steady_time: 0,
            max_block: 0,
        }
    }

    /// Buffers for blocks of up to `max_block` frames, the transport at 0.
    fn start(&mut self, max_block: usize) {
        for buf in self.input.iter_mut().chain(self.output.iter_mut()) {
            *buf = vec![0.0; max_block];
        }
        self.max_block = max_block;
        self.steady_time = 0;
    }

    /// Queue an event for the next `process`.
    fn queue<E: AsRef<UnknownEvent>>(&mut self, event: &E) {
        assert!(
            self.events.len() < MAX_EVENTS as u32,
            "too many queued events"
        );
        self.events.push(event);
    }

    fn set_param(&mut self, id: u32, value: f64, offset: u32) {
        self.queue(&ParamValueEvent::new(
            offset,
            ClapId::new(id),
            Pckn::match_all(),
            value,
        ));
    }

    /// Process one block in place through `processor` with the queued events, passing the
    /// first `input_channels` channels in (both are written).
    fn process(
        &mut self,
        processor: &mut StartedPluginAudioProcessor<TestHost>,
        left: &mut [f32],
        right: &mut [f32],
        input_channels: usize,
    ) -> ProcessStatus {
        let n = left.len();
        assert_eq!(n, right.len(), "channels of different lengths");
        assert!(
            n <= self.max_block,
            "block of {n} > max block {}",
            self.max_block
        );
        self.input[0][..n].copy_from_slice(left);
        self.input[1][..n].copy_from_slice(right);
        self.events.sort();
        let [in_l, in_r] = &mut self.input;
        let inputs = self.input_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                [&mut in_l[..n], &mut in_r[..n]]
                    .into_iter()
                    .take(input_channels)
                    .map(InputChannel::variable),
            ),
        }]);
        let [out_l, out_r] = &mut self.output;
        let mut outputs = self.output_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                [&mut out_l[..n], &mut out_r[..n]].into_iter(),
            ),
        }]);
        self.out_events.clear();
        IN_PROCESS.set(true);
        let status = processor.process(
            &inputs,
            &mut outputs,
            &self.events.as_input(),
            &mut self.out_events.as_output(),
            Some(self.steady_time),
            None,
        );
        IN_PROCESS.set(false);
        let status = status.expect("plug-in process() succeeds");
        self.events.clear();
        self.steady_time += n as u64;
        left.copy_from_slice(&self.output[0][..n]);
        right.copy_from_slice(&self.output[1][..n]);
        status
    }
}
