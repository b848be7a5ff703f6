//! A minimal VST3 host built on the `vst3` crate's bindings and `libloading`: it loads a
//! bundled `.vst3` module the way a DAW does (`ModuleEntry`, `GetPluginFactory`,
//! `createInstance`, ...), with no knowledge of how the plug-in is implemented.
//!
//! Host-side COM objects implemented here: `IHostApplication` (passed to `initialize`),
//! `IParameterChanges` / `IParamValueQueue` (input automation for `process`) and
//! `IBStream` (a memory stream for `getState` / `setState`).

// `TChar` and friends are platform typedefs; casts that are no-ops here are not everywhere.
#![allow(clippy::unnecessary_cast)]

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_char, c_void};
use std::path::{Path, PathBuf};
use std::ptr;

use libloading::Library;
use vst3::Steinberg::Vst::*;
use vst3::Steinberg::*;
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// `ModuleEntry(void* sharedLibraryHandle)`: the Linux module entry point (VST3 SDK
/// `linuxmain.cpp`).
type ModuleEntryFn = unsafe extern "C" fn(*mut c_void) -> bool;
/// `ModuleExit()`.
type ModuleExitFn = unsafe extern "C" fn() -> bool;
/// `IPluginFactory* GetPluginFactory()`.
type GetPluginFactoryFn = unsafe extern "system" fn() -> *mut IPluginFactory;

/// `Contents/<arch>-linux/<Name>.so` inside a `.vst3` bundle (VST3 "Module Format" docs).
pub fn bundle_module_path(bundle: &Path) -> PathBuf {
    let stem = bundle
        .file_stem()
        .expect("bundle has a name")
        .to_string_lossy()
        .into_owned();
    bundle
        .join("Contents")
        .join(format!("{}-linux", std::env::consts::ARCH))
        .join(format!("{stem}.so"))
}

/// A C string field of a factory struct as a Rust string.
pub fn c_field(field: &[c_char]) -> String {
    let bytes: Vec<u8> = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A UTF-16 `String128` field as a Rust string.
pub fn u16_field(field: &[TChar]) -> String {
    let units: Vec<u16> = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u16)
        .collect();
    String::from_utf16_lossy(&units)
}

#[derive(Debug, Clone)]
pub struct FactoryInfo {
    pub vendor: String,
    pub url: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub cid: [u8; 16],
    pub category: String,
    pub name: String,
}

/// A loaded module with its factory. Call [`Module::exit`] after every instance is released.
pub struct Module {
    factory: Option<ComPtr<IPluginFactory>>,
    exit: ModuleExitFn,
    // Dropped last: the code behind every pointer above lives here.
    _library: Library,
}

impl Module {
    /// Load `<bundle>/Contents/x86_64-linux/<Name>.so`, call `ModuleEntry` and
    /// `GetPluginFactory`.
    pub fn load(bundle: &Path) -> Module {
        let so = bundle_module_path(bundle);
        assert!(
            so.is_file(),
            "{} not found: run `cargo xtask bundle cans` first",
            so.display()
        );
        unsafe {
            let unix_lib = libloading::os::unix::Library::new(&so)
                .unwrap_or_else(|e| panic!("dlopen {}: {e}", so.display()));
            let handle = unix_lib.into_raw();
            let library: Library = libloading::os::unix::Library::from_raw(handle).into();

            let entry: ModuleEntryFn = *library
                .get::<ModuleEntryFn>(b"ModuleEntry\0")
                .expect("module exports ModuleEntry");
            let exit: ModuleExitFn = *library
                .get::<ModuleExitFn>(b"ModuleExit\0")
                .expect("module exports ModuleExit");
            let get_factory: GetPluginFactoryFn = *library
                .get::<GetPluginFactoryFn>(b"GetPluginFactory\0")
                .expect("module exports GetPluginFactory");

            assert!(entry(handle), "ModuleEntry returned false");
            // GetPluginFactory hands over one reference.
            let factory = ComPtr::from_raw(get_factory()).expect("GetPluginFactory returned null");
            Module {
                factory: Some(factory),
                exit,
                _library: library,
            }
        }
    }

    pub fn factory(&self) -> &ComPtr<IPluginFactory> {
        self.factory.as_ref().expect("module already exited")
    }

    pub fn factory_info(&self) -> FactoryInfo {
        unsafe {
            let mut info: PFactoryInfo = std::mem::zeroed();
            assert_eq!(self.factory().getFactoryInfo(&mut info), kResultOk);
            FactoryInfo {
                vendor: c_field(&info.vendor),
                url: c_field(&info.url),
                email: c_field(&info.email),
            }
        }
    }

    pub fn classes(&self) -> Vec<ClassInfo> {
        unsafe {
            let count = self.factory().countClasses();
            (0..count)
                .map(|i| {
                    let mut info: PClassInfo = std::mem::zeroed();
                    assert_eq!(self.factory().getClassInfo(i, &mut info), kResultOk);
                    ClassInfo {
                        cid: info.cid.map(|b| b as u8),
                        category: c_field(&info.category),
                        name: c_field(&info.name),
                    }
                })
                .collect()
        }
    }

    /// `IPluginFactory2::getClassInfo2(index).subCategories`, if the factory has version 2.
    pub fn subcategories(&self, index: i32) -> Option<String> {
        let factory2 = self.factory().cast::<IPluginFactory2>()?;
        unsafe {
            let mut info: PClassInfo2 = std::mem::zeroed();
            (factory2.getClassInfo2(index, &mut info) == kResultOk)
                .then(|| c_field(&info.subCategories))
        }
    }

    /// `createInstance(cid, IComponent::IID)`.
    pub fn create_component(&self, cid: &[u8; 16]) -> Option<ComPtr<IComponent>> {
        unsafe {
            let cid_tuid: TUID = cid.map(|b| b as c_char);
            let mut obj: *mut c_void = ptr::null_mut();
            let result = self.factory().createInstance(
                cid_tuid.as_ptr(),
                IComponent::IID.as_ptr() as *const c_char,
                &mut obj,
            );
            if result != kResultOk {
                return None;
            }
            ComPtr::from_raw(obj as *mut IComponent)
        }
    }

    /// Release the factory and call `ModuleExit`; returns what `ModuleExit` returned.
    pub fn exit(mut self) -> bool {
        self.factory = None;
        unsafe { (self.exit)() }
    }
}

/// A minimal `IHostApplication`, passed to `IPluginBase::initialize` like a DAW does.
pub struct HostApplication;

impl Class for HostApplication {
    type Interfaces = (IHostApplication,);
}

impl IHostApplicationTrait for HostApplication {
    unsafe fn getName(&self, name: *mut String128) -> tresult {
        if name.is_null() {
            return kInvalidArgument;
        }
        let dest = unsafe { &mut *name };
        let text: Vec<u16> = "Cans test host".encode_utf16().collect();
        for (d, s) in dest.iter_mut().zip(text.iter().chain(std::iter::once(&0))) {
            *d = *s as TChar;
        }
        kResultOk
    }

    unsafe fn createInstance(
        &self,
        _cid: *mut TUID,
        _iid: *mut TUID,
        obj: *mut *mut c_void,
    ) -> tresult {
        if !obj.is_null() {
            unsafe { *obj = ptr::null_mut() };
        }
        kResultFalse
    }
}

pub fn host_application() -> ComPtr<IHostApplication> {
    ComWrapper::new(HostApplication)
        .to_com_ptr::<IHostApplication>()
        .expect("IHostApplication")
}

/// One parameter's automation points for one block: `(sample offset, normalized value)`.
pub struct ParamValueQueue {
    id: ParamID,
    points: Vec<(i32, f64)>,
}

impl Class for ParamValueQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamValueQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        self.points.len() as int32
    }

    unsafe fn getPoint(
        &self,
        index: int32,
        sample_offset: *mut int32,
        value: *mut ParamValue,
    ) -> tresult {
        let Some(&(offset, v)) = usize::try_from(index).ok().and_then(|i| self.points.get(i))
        else {
            return kInvalidArgument;
        };
        if sample_offset.is_null() || value.is_null() {
            return kInvalidArgument;
        }
        unsafe {
            *sample_offset = offset;
            *value = v;
        }
        kResultOk
    }

    unsafe fn addPoint(
        &self,
        _sample_offset: int32,
        _value: ParamValue,
        _index: *mut int32,
    ) -> tresult {
        // Input queues are filled by the host before `process`.
        kResultFalse
    }
}

/// The input parameter changes of one `process` call.
pub struct ParameterChanges {
    queues: Vec<ComPtr<IParamValueQueue>>,
}

impl Class for ParameterChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParameterChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }

    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.queues.get(i))
            .map_or(ptr::null_mut(), |q| q.as_ptr())
    }

    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        _index: *mut int32,
    ) -> *mut IParamValueQueue {
        ptr::null_mut()
    }
}

/// Build an `IParameterChanges` from `(id, [(offset, normalized)])` lists.
pub fn parameter_changes(changes: &[(ParamID, &[(i32, f64)])]) -> ComPtr<IParameterChanges> {
    let queues = changes
        .iter()
        .map(|(id, points)| {
            ComWrapper::new(ParamValueQueue {
                id: *id,
                points: points.to_vec(),
            })
            .to_com_ptr::<IParamValueQueue>()
            .expect("IParamValueQueue")
        })
        .collect();
    ComWrapper::new(ParameterChanges { queues })
        .to_com_ptr::<IParameterChanges>()
        .expect("IParameterChanges")
}

/// A growable in-memory `IBStream`, like a host's preset/session buffer.
#[derive(Default)]
pub struct MemoryStream {
    data: RefCell<Vec<u8>>,
    pos: Cell<usize>,
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl MemoryStream {
    pub fn with_data(data: Vec<u8>) -> ComWrapper<MemoryStream> {
        ComWrapper::new(MemoryStream {
            data: RefCell::new(data),
            pos: Cell::new(0),
        })
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.data.borrow().clone()
    }
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_bytes_read: *mut int32,
    ) -> tresult {
        if num_bytes < 0 || (buffer.is_null() && num_bytes > 0) {
            return kInvalidArgument;
        }
        let data = self.data.borrow();
        let start = self.pos.get().min(data.len());
        let n = (num_bytes as usize).min(data.len() - start);
        unsafe { ptr::copy_nonoverlapping(data[start..].as_ptr(), buffer as *mut u8, n) };
        self.pos.set(start + n);
        if !num_bytes_read.is_null() {
            unsafe { *num_bytes_read = n as int32 };
        }
        kResultOk
    }

    unsafe fn write(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_bytes_written: *mut int32,
    ) -> tresult {
        if num_bytes < 0 || (buffer.is_null() && num_bytes > 0) {
            return kInvalidArgument;
        }
        let n = num_bytes as usize;
        let src = unsafe { std::slice::from_raw_parts(buffer as *const u8, n) };
        let mut data = self.data.borrow_mut();
        let start = self.pos.get();
        if data.len() < start + n {
            data.resize(start + n, 0);
        }
        data[start..start + n].copy_from_slice(src);
        self.pos.set(start + n);
        if !num_bytes_written.is_null() {
            unsafe { *num_bytes_written = num_bytes };
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        use IBStream_::IStreamSeekMode_::*;
        let base = match mode {
            m if m == kIBSeekSet as int32 => 0,
            m if m == kIBSeekCur as int32 => self.pos.get() as int64,
            m if m == kIBSeekEnd as int32 => self.data.borrow().len() as int64,
            _ => return kInvalidArgument,
        };
        let new_pos = base + pos;
        if new_pos < 0 {
            return kInvalidArgument;
        }
        self.pos.set(new_pos as usize);
        if !result.is_null() {
            unsafe { *result = new_pos };
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        unsafe { *pos = self.pos.get() as int64 };
        kResultOk
    }
}

/// One parameter as the edit controller describes it.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub id: ParamID,
    pub title: String,
    pub units: String,
    pub step_count: i32,
    pub default_normalized: f64,
    pub flags: i32,
}

/// A created, initialized plug-in instance: its component, processor and controller.
pub struct Instance {
    pub component: ComPtr<IComponent>,
    pub processor: ComPtr<IAudioProcessor>,
    pub controller: ComPtr<IEditController>,
    /// Set when the controller is a separate object that was initialized by us.
    separate_controller: bool,
    /// The process mode given to `setupProcessing`, repeated in every `ProcessData` (until
    /// [`Instance::set_call_mode`] changes the per-call mode alone).
    mode: Cell<i32>,
    _host: ComPtr<IHostApplication>,
}

/// Symbolic sample size for 32-bit float processing (`kSample32`).
pub const SAMPLE_32: i32 = SymbolicSampleSizes_::kSample32 as i32;
pub const REALTIME: i32 = ProcessModes_::kRealtime as i32;
pub const OFFLINE: i32 = ProcessModes_::kOffline as i32;
pub const PREFETCH: i32 = ProcessModes_::kPrefetch as i32;
pub const AUDIO: MediaType = MediaTypes_::kAudio as MediaType;
pub const EVENT: MediaType = MediaTypes_::kEvent as MediaType;
pub const INPUT: BusDirection = BusDirections_::kInput as BusDirection;
pub const OUTPUT: BusDirection = BusDirections_::kOutput as BusDirection;

impl Instance {
    /// Create the class `cid`, `initialize` it with a host application, and find its edit
    /// controller (the same object, or the class `getControllerClassId` names).
    pub fn create(module: &Module, cid: &[u8; 16]) -> Instance {
        let host = host_application();
        let component = module
            .create_component(cid)
            .expect("createInstance(IComponent)");
        unsafe {
            assert_eq!(
                component.initialize(host.as_ptr() as *mut FUnknown),
                kResultOk,
                "IComponent::initialize"
            );
        }
        let processor = component
            .cast::<IAudioProcessor>()
            .expect("the component implements IAudioProcessor");
        let (controller, separate_controller) = match component.cast::<IEditController>() {
            Some(controller) => (controller, false),
            None => unsafe {
                let mut controller_cid: TUID = [0; 16];
                assert_eq!(
                    component.getControllerClassId(&mut controller_cid),
                    kResultOk,
                    "no IEditController on the component and no controller class id"
                );
                let mut obj: *mut c_void = ptr::null_mut();
                assert_eq!(
                    module.factory().createInstance(
                        controller_cid.as_ptr(),
                        IEditController::IID.as_ptr() as *const c_char,
                        &mut obj,
                    ),
                    kResultOk
                );
                let controller = ComPtr::from_raw(obj as *mut IEditController).expect("controller");
                assert_eq!(
                    controller.initialize(host.as_ptr() as *mut FUnknown),
                    kResultOk
                );
                (controller, true)
            },
        };
        Instance {
            component,
            processor,
            controller,
            separate_controller,
            mode: Cell::new(REALTIME),
            _host: host,
        }
    }

    pub fn controller_is_component(&self) -> bool {
        !self.separate_controller
    }

    pub fn bus_count(&self, media: MediaType, dir: BusDirection) -> i32 {
        unsafe { self.component.getBusCount(media, dir) }
    }

    pub fn bus_info(&self, media: MediaType, dir: BusDirection, index: i32) -> BusInfo {
        unsafe {
            let mut info: BusInfo = std::mem::zeroed();
            assert_eq!(
                self.component.getBusInfo(media, dir, index, &mut info),
                kResultOk
            );
            info
        }
    }

    pub fn params(&self) -> Vec<ParamInfo> {
        unsafe {
            let count = self.controller.getParameterCount();
            (0..count)
                .map(|i| {
                    let mut info: ParameterInfo = std::mem::zeroed();
                    assert_eq!(self.controller.getParameterInfo(i, &mut info), kResultOk);
                    ParamInfo {
                        id: info.id,
                        title: u16_field(&info.title),
                        units: u16_field(&info.units),
                        step_count: info.stepCount,
                        default_normalized: info.defaultNormalizedValue,
                        flags: info.flags,
                    }
                })
                .collect()
        }
    }

    pub fn param_id(&self, title: &str) -> ParamID {
        self.params()
            .into_iter()
            .find(|p| p.title == title)
            .unwrap_or_else(|| panic!("no parameter titled {title:?}"))
            .id
    }

    pub fn plain_to_normalized(&self, id: ParamID, plain: f64) -> f64 {
        unsafe { self.controller.plainParamToNormalized(id, plain) }
    }

    pub fn normalized(&self, id: ParamID) -> f64 {
        unsafe { self.controller.getParamNormalized(id) }
    }

    pub fn value_text(&self, id: ParamID, normalized: f64) -> String {
        unsafe {
            let mut text: String128 = [0; 128];
            assert_eq!(
                self.controller
                    .getParamStringByValue(id, normalized, &mut text),
                kResultOk
            );
            u16_field(&text)
        }
    }

    /// The normalized value whose display text is `text` (`getParamValueByString`).
    pub fn normalized_from_text(&self, id: ParamID, text: &str) -> Option<f64> {
        let mut wide: Vec<TChar> = text.encode_utf16().map(|c| c as TChar).collect();
        wide.push(0);
        let mut value = 0.0;
        unsafe {
            (self
                .controller
                .getParamValueByString(id, wide.as_mut_ptr(), &mut value)
                == kResultOk)
                .then_some(value)
        }
    }

    /// setupProcessing (real time) + activate the stereo main buses + setActive(true) +
    /// setProcessing(true).
    pub fn start(&self, sample_rate: f64, max_block: i32) {
        self.start_with_mode(sample_rate, max_block, REALTIME);
    }

    /// [`Instance::start`] with a process mode (`REALTIME` or `OFFLINE`).
    pub fn start_with_mode(&self, sample_rate: f64, max_block: i32, mode: i32) {
        self.mode.set(mode);
        unsafe {
            let mut setup = ProcessSetup {
                processMode: mode,
                symbolicSampleSize: SAMPLE_32,
                maxSamplesPerBlock: max_block,
                sampleRate: sample_rate,
            };
            assert_eq!(
                self.processor.canProcessSampleSize(SAMPLE_32),
                kResultOk,
                "32-bit float"
            );
            assert_eq!(self.processor.setupProcessing(&mut setup), kResultOk);
            assert_eq!(self.component.activateBus(AUDIO, INPUT, 0, 1), kResultOk);
            assert_eq!(self.component.activateBus(AUDIO, OUTPUT, 0, 1), kResultOk);
            assert_eq!(self.component.setActive(1), kResultOk, "setActive(true)");
            assert_eq!(
                self.processor.setProcessing(1),
                kResultOk,
                "setProcessing(true)"
            );
        }
    }

    /// The mode every following `ProcessData::processMode` carries, without a new
    /// `setupProcessing` (how Ardour flags an export).
    pub fn set_call_mode(&self, mode: i32) {
        self.mode.set(mode);
    }

    /// setProcessing(false) + setActive(false).
    pub fn stop(&self) {
        unsafe {
            assert_eq!(self.processor.setProcessing(0), kResultOk);
            assert_eq!(self.component.setActive(0), kResultOk);
        }
    }

    /// One `process` call on separate stereo input and output buffers.
    pub fn process(
        &self,
        input: [&[f32]; 2],
        output: [&mut [f32]; 2],
        changes: Option<&ComPtr<IParameterChanges>>,
    ) -> tresult {
        let n = input[0].len();
        assert!(input[1].len() == n && output[0].len() == n && output[1].len() == n);
        // The host owns the input buffers; the plug-in only reads them.
        let mut in_l = input[0].to_vec();
        let mut in_r = input[1].to_vec();
        let [out_l, out_r] = output;
        let mut in_ptrs = [in_l.as_mut_ptr(), in_r.as_mut_ptr()];
        let mut out_ptrs = [out_l.as_mut_ptr(), out_r.as_mut_ptr()];
        let mut in_bus = AudioBusBuffers {
            numChannels: 2,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: in_ptrs.as_mut_ptr(),
            },
        };
        let mut out_bus = AudioBusBuffers {
            numChannels: 2,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: out_ptrs.as_mut_ptr(),
            },
        };
        let mut data = ProcessData {
            processMode: self.mode.get(),
            symbolicSampleSize: SAMPLE_32,
            numSamples: n as int32,
            numInputs: 1,
            numOutputs: 1,
            inputs: &mut in_bus,
            outputs: &mut out_bus,
            inputParameterChanges: changes.map_or(ptr::null_mut(), |c| c.as_ptr()),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: ptr::null_mut(),
            outputEvents: ptr::null_mut(),
            processContext: ptr::null_mut(),
        };
        unsafe { self.processor.process(&mut data) }
    }

    /// `IComponent::getState` into a fresh memory stream.
    pub fn save_state(&self) -> Vec<u8> {
        let stream = MemoryStream::with_data(Vec::new());
        let ptr = stream.to_com_ptr::<IBStream>().expect("IBStream");
        unsafe { assert_eq!(self.component.getState(ptr.as_ptr()), kResultOk) };
        stream.bytes()
    }

    /// `IComponent::setState`, then `IEditController::setComponentState` (as hosts do).
    pub fn load_state(&self, bytes: &[u8]) -> tresult {
        let stream = MemoryStream::with_data(bytes.to_vec());
        let ptr = stream.to_com_ptr::<IBStream>().expect("IBStream");
        unsafe {
            let result = self.component.setState(ptr.as_ptr());
            if result != kResultOk {
                return result;
            }
            let mut start = 0;
            ptr.seek(
                0,
                IBStream_::IStreamSeekMode_::kIBSeekSet as int32,
                &mut start,
            );
            self.controller.setComponentState(ptr.as_ptr())
        }
    }

    /// `terminate` the controller (if separate) and the component; the COM pointers are
    /// released when `self` drops.
    pub fn terminate(self) {
        unsafe {
            if self.separate_controller {
                assert_eq!(self.controller.terminate(), kResultOk);
            }
            assert_eq!(self.component.terminate(), kResultOk);
        }
    }
}

/// The class name of a `TUID` as ASCII for messages.
pub fn cid_text(cid: &[u8; 16]) -> String {
    CStr::from_bytes_until_nul(&[cid.as_slice(), &[0]].concat())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
