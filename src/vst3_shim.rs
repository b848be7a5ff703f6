//! The VST3 entry points: nice-plug's VST3 wrapper behind a thin COM interposer of ours.
//!
//! `nice_export_vst3!` is replaced by this module because nice-plug 0.4.2's VST3 wrapper
//! (`src/wrapper/vst3/wrapper.rs`) has three faults a host's user meets, and nice-plug is a
//! registry dependency with no newer release. Every instance the factory creates is nice-plug's
//! own `Wrapper<Cans>`, wrapped in [`Shim`], which forwards every call unchanged except:
//!
//! 1. **The process mode.** nice-plug stores the `BufferConfig` in `setupProcessing` *before*
//!    it records the new process mode, so `activate` sees the previous one; and it never reads
//!    `ProcessData::processMode`, which is how Ardour (and other hosts) flag an export or a
//!    freewheel, per call, without a new `setupProcessing`. The shim calls the wrapped
//!    `setupProcessing` twice (the second call stores the config with the mode the first one
//!    recorded), and around each `process` call it publishes, on the calling thread, whether
//!    the host is rendering offline: `ProcessData::processMode == kOffline` or the last
//!    `setupProcessing` said `kOffline`. `kPrefetch` (a host rendering ahead in real time,
//!    Ardour's and Cubase's anticipative processing) is *not* offline. [`host_offline`] reads
//!    it in `Plugin::process`; outside a VST3 `process` call (CLAP, standalone) it is `None`
//!    and the plug-in uses the mode `activate` was given (CLAP's render extension).
//! 2. **Choice parameters as lists.** `getParameterInfo` never sets `kIsList`, so hosts show
//!    enum parameters as bare integer sliders and give them linear automation lanes (Ardour).
//!    The shim adds `kIsList` to every enum parameter of [`CansParams`].
//! 3. **`getParameterInfo(count)`** reads past the parameter list (it checks `index > count`)
//!    and panics across the C ABI, aborting the host; the shim refuses `index >= count`.
//!
//! Dropping it once nice-plug has the fixes: delete this module, put `nice_export_vst3!(Cans);`
//! back in `lib.rs`, and make [`host_offline`] return `None` (or remove its use: nice-plug's
//! wrapper would then have to hand the per-call mode to the plug-in itself, e.g. by
//! re-activating, which 0.4.2 has no way to do). `tests/host_vst3.rs` and
//! `tests/hardening_vst3.rs` check all three behaviours against the bundle, whichever code
//! provides them.

#![allow(non_snake_case)] // the COM methods keep the SDK's names
#![allow(clippy::unnecessary_cast)] // SDK enum constants are platform typedefs

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::OnceLock;

use nice_plug::prelude::{ParamPtr, Params};
use nice_plug::wrapper::vst3::vst3::Steinberg::Vst::ChannelContext::{
    IInfoListener, IInfoListenerTrait,
};
use nice_plug::wrapper::vst3::vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_;
use nice_plug::wrapper::vst3::vst3::Steinberg::Vst::{
    BusDirection, BusInfo, CString, CtrlNumber, IAttributeList, IAudioProcessor,
    IAudioProcessorTrait, IComponent, IComponentHandler, IComponentTrait, IEditController,
    IEditControllerTrait, IMidiMapping, IMidiMappingTrait, INoteExpressionController,
    INoteExpressionControllerTrait, IProcessContextRequirements, IProcessContextRequirementsTrait,
    IUnitInfo, IUnitInfoTrait, IoMode, MediaType, NoteExpressionTypeID, NoteExpressionTypeInfo,
    NoteExpressionValue, ParamID, ParamValue, ParameterInfo, ProcessData, ProcessModes_,
    ProcessSetup, ProgramListID, ProgramListInfo, RoutingInfo, SpeakerArrangement, String128,
    TChar, UnitID, UnitInfo,
};
use nice_plug::wrapper::vst3::vst3::Steinberg::{
    FIDString, FUnknown, IBStream, IPlugView, IPluginBaseTrait, IPluginFactory, IPluginFactory2,
    IPluginFactory2Trait, IPluginFactory3, IPluginFactory3Trait, IPluginFactoryTrait, PClassInfo,
    PClassInfo2, PClassInfoW, PFactoryInfo, TBool, TUID, int16, int32, kInvalidArgument, kResultOk,
    tresult, uint32,
};
use nice_plug::wrapper::vst3::vst3::{Class, ComPtr, ComWrapper};
use nice_plug::wrapper::vst3::{PluginInfo, Wrapper};

use crate::Cans;
use crate::params::CansParams;

const K_OFFLINE: i32 = ProcessModes_::kOffline as i32;
const K_IS_LIST: i32 = ParameterFlags_::kIsList as i32;

/// 0: not inside a VST3 `process` call; 1: real time (or prefetch); 2: offline.
const OUTSIDE: u8 = 0;
const REALTIME: u8 = 1;
const OFFLINE: u8 = 2;

thread_local! {
    /// The render mode of the VST3 `process` call running on this thread (no allocation:
    /// a const-initialised `Cell` without a destructor).
    static PROCESS_MODE: Cell<u8> = const { Cell::new(OUTSIDE) };
}

/// Inside a VST3 `process` call: whether the host renders offline right now (per call, see
/// the module docs). `None` elsewhere (CLAP, standalone, tests of the plain plug-in).
pub fn host_offline() -> Option<bool> {
    match PROCESS_MODE.with(Cell::get) {
        REALTIME => Some(false),
        OFFLINE => Some(true),
        _ => None,
    }
}

/// The VST3 parameter ids (nice-plug's hash of the string id) of every enum parameter.
fn list_param_ids() -> &'static [u32] {
    static IDS: OnceLock<Vec<u32>> = OnceLock::new();
    IDS.get_or_init(|| {
        CansParams::default()
            .param_map()
            .into_iter()
            .filter(|(_, ptr, _)| matches!(ptr, ParamPtr::EnumParam(_)))
            .map(|(id, _, _)| vst3_param_id(&id))
            .collect()
    })
}

/// How nice-plug 0.4.2 turns a string parameter id into a VST3 `ParamID`
/// (`wrapper/util.rs`, `hash_param_id`: a base-31 rolling hash, top bit cleared because VST3
/// reserves it for host parameters). Checked against the wrapper's own ids in
/// `tests/host_vst3.rs` (every enum parameter comes back flagged as a list).
fn vst3_param_id(id: &str) -> u32 {
    let hash = id
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    hash & !(1 << 31)
}

/// One plug-in instance: nice-plug's wrapper and the interfaces we forward to it.
struct Shim {
    component: ComPtr<IComponent>,
    processor: ComPtr<IAudioProcessor>,
    controller: ComPtr<IEditController>,
    midi_mapping: ComPtr<IMidiMapping>,
    note_expressions: ComPtr<INoteExpressionController>,
    context_requirements: ComPtr<IProcessContextRequirements>,
    unit_info: ComPtr<IUnitInfo>,
    info_listener: ComPtr<IInfoListener>,
    /// The last `setupProcessing` asked for `kOffline`.
    setup_offline: Cell<bool>,
}

impl Class for Shim {
    type Interfaces = (
        IComponent,
        IEditController,
        IAudioProcessor,
        IMidiMapping,
        INoteExpressionController,
        IProcessContextRequirements,
        IUnitInfo,
        IInfoListener,
    );
}

impl Shim {
    fn new() -> Option<Shim> {
        let inner = ComWrapper::new(Wrapper::<Cans>::new());
        Some(Shim {
            component: inner.to_com_ptr()?,
            processor: inner.to_com_ptr()?,
            controller: inner.to_com_ptr()?,
            midi_mapping: inner.to_com_ptr()?,
            note_expressions: inner.to_com_ptr()?,
            context_requirements: inner.to_com_ptr()?,
            unit_info: inner.to_com_ptr()?,
            info_listener: inner.to_com_ptr()?,
            setup_offline: Cell::new(false),
        })
    }
}

/// Resets the thread's process mode when the wrapped `process` returns (or unwinds).
struct ModeGuard;

impl Drop for ModeGuard {
    fn drop(&mut self) {
        PROCESS_MODE.with(|m| m.set(OUTSIDE));
    }
}

impl IAudioProcessorTrait for Shim {
    unsafe fn setBusArrangements(
        &self,
        inputs: *mut SpeakerArrangement,
        num_ins: int32,
        outputs: *mut SpeakerArrangement,
        num_outs: int32,
    ) -> tresult {
        unsafe {
            self.processor
                .setBusArrangements(inputs, num_ins, outputs, num_outs)
        }
    }

    unsafe fn getBusArrangement(
        &self,
        dir: BusDirection,
        index: int32,
        arr: *mut SpeakerArrangement,
    ) -> tresult {
        unsafe { self.processor.getBusArrangement(dir, index, arr) }
    }

    unsafe fn canProcessSampleSize(&self, symbolic_sample_size: int32) -> tresult {
        unsafe { self.processor.canProcessSampleSize(symbolic_sample_size) }
    }

    unsafe fn getLatencySamples(&self) -> uint32 {
        unsafe { self.processor.getLatencySamples() }
    }

    unsafe fn setupProcessing(&self, setup: *mut ProcessSetup) -> tresult {
        if setup.is_null() {
            return kInvalidArgument;
        }
        // The first call records the mode, the second stores the BufferConfig `activate`
        // gets with that mode (nice-plug 0.4.2 stores the config first).
        let result = unsafe { self.processor.setupProcessing(setup) };
        if result != kResultOk {
            return result;
        }
        self.setup_offline
            .set(unsafe { (*setup).processMode } == K_OFFLINE);
        unsafe { self.processor.setupProcessing(setup) }
    }

    unsafe fn setProcessing(&self, state: TBool) -> tresult {
        unsafe { self.processor.setProcessing(state) }
    }

    unsafe fn process(&self, data: *mut ProcessData) -> tresult {
        if !data.is_null() {
            let offline = unsafe { (*data).processMode } == K_OFFLINE || self.setup_offline.get();
            PROCESS_MODE.with(|m| m.set(if offline { OFFLINE } else { REALTIME }));
        }
        let _reset = ModeGuard;
        unsafe { self.processor.process(data) }
    }

    unsafe fn getTailSamples(&self) -> uint32 {
        unsafe { self.processor.getTailSamples() }
    }
}

impl IPluginBaseTrait for Shim {
    unsafe fn initialize(&self, context: *mut FUnknown) -> tresult {
        unsafe { self.component.initialize(context) }
    }

    unsafe fn terminate(&self) -> tresult {
        unsafe { self.component.terminate() }
    }
}

impl IComponentTrait for Shim {
    unsafe fn getControllerClassId(&self, class_id: *mut TUID) -> tresult {
        unsafe { self.component.getControllerClassId(class_id) }
    }

    unsafe fn setIoMode(&self, mode: IoMode) -> tresult {
        unsafe { self.component.setIoMode(mode) }
    }

    unsafe fn getBusCount(&self, media: MediaType, dir: BusDirection) -> int32 {
        unsafe { self.component.getBusCount(media, dir) }
    }

    unsafe fn getBusInfo(
        &self,
        media: MediaType,
        dir: BusDirection,
        index: int32,
        bus: *mut BusInfo,
    ) -> tresult {
        unsafe { self.component.getBusInfo(media, dir, index, bus) }
    }

    unsafe fn getRoutingInfo(
        &self,
        in_info: *mut RoutingInfo,
        out_info: *mut RoutingInfo,
    ) -> tresult {
        unsafe { self.component.getRoutingInfo(in_info, out_info) }
    }

    unsafe fn activateBus(
        &self,
        media: MediaType,
        dir: BusDirection,
        index: int32,
        state: TBool,
    ) -> tresult {
        unsafe { self.component.activateBus(media, dir, index, state) }
    }

    unsafe fn setActive(&self, state: TBool) -> tresult {
        unsafe { self.component.setActive(state) }
    }

    unsafe fn setState(&self, state: *mut IBStream) -> tresult {
        unsafe { IComponentTrait::setState(&self.component, state) }
    }

    unsafe fn getState(&self, state: *mut IBStream) -> tresult {
        unsafe { IComponentTrait::getState(&self.component, state) }
    }
}

impl IEditControllerTrait for Shim {
    unsafe fn setComponentState(&self, state: *mut IBStream) -> tresult {
        unsafe { self.controller.setComponentState(state) }
    }

    unsafe fn setState(&self, state: *mut IBStream) -> tresult {
        unsafe { IEditControllerTrait::setState(&self.controller, state) }
    }

    unsafe fn getState(&self, state: *mut IBStream) -> tresult {
        unsafe { IEditControllerTrait::getState(&self.controller, state) }
    }

    unsafe fn getParameterCount(&self) -> int32 {
        unsafe { self.controller.getParameterCount() }
    }

    unsafe fn getParameterInfo(&self, param_index: int32, info: *mut ParameterInfo) -> tresult {
        if info.is_null() || param_index < 0 || param_index >= unsafe { self.getParameterCount() } {
            return kInvalidArgument;
        }
        let result = unsafe { self.controller.getParameterInfo(param_index, info) };
        if result == kResultOk {
            let info = unsafe { &mut *info };
            if list_param_ids().contains(&info.id) {
                info.flags |= K_IS_LIST;
            }
        }
        result
    }

    unsafe fn getParamStringByValue(
        &self,
        id: ParamID,
        value_normalized: ParamValue,
        string: *mut String128,
    ) -> tresult {
        unsafe {
            self.controller
                .getParamStringByValue(id, value_normalized, string)
        }
    }

    unsafe fn getParamValueByString(
        &self,
        id: ParamID,
        string: *mut TChar,
        value_normalized: *mut ParamValue,
    ) -> tresult {
        unsafe {
            self.controller
                .getParamValueByString(id, string, value_normalized)
        }
    }

    unsafe fn normalizedParamToPlain(
        &self,
        id: ParamID,
        value_normalized: ParamValue,
    ) -> ParamValue {
        unsafe { self.controller.normalizedParamToPlain(id, value_normalized) }
    }

    unsafe fn plainParamToNormalized(&self, id: ParamID, plain_value: ParamValue) -> ParamValue {
        unsafe { self.controller.plainParamToNormalized(id, plain_value) }
    }

    unsafe fn getParamNormalized(&self, id: ParamID) -> ParamValue {
        unsafe { self.controller.getParamNormalized(id) }
    }

    unsafe fn setParamNormalized(&self, id: ParamID, value: ParamValue) -> tresult {
        unsafe { self.controller.setParamNormalized(id, value) }
    }

    unsafe fn setComponentHandler(&self, handler: *mut IComponentHandler) -> tresult {
        unsafe { self.controller.setComponentHandler(handler) }
    }

    unsafe fn createView(&self, name: FIDString) -> *mut IPlugView {
        unsafe { self.controller.createView(name) }
    }
}

impl IMidiMappingTrait for Shim {
    unsafe fn getMidiControllerAssignment(
        &self,
        bus_index: int32,
        channel: int16,
        midi_controller_number: CtrlNumber,
        id: *mut ParamID,
    ) -> tresult {
        unsafe {
            self.midi_mapping.getMidiControllerAssignment(
                bus_index,
                channel,
                midi_controller_number,
                id,
            )
        }
    }
}

impl INoteExpressionControllerTrait for Shim {
    unsafe fn getNoteExpressionCount(&self, bus_index: int32, channel: int16) -> int32 {
        unsafe {
            self.note_expressions
                .getNoteExpressionCount(bus_index, channel)
        }
    }

    unsafe fn getNoteExpressionInfo(
        &self,
        bus_index: int32,
        channel: int16,
        note_expression_index: int32,
        info: *mut NoteExpressionTypeInfo,
    ) -> tresult {
        unsafe {
            self.note_expressions.getNoteExpressionInfo(
                bus_index,
                channel,
                note_expression_index,
                info,
            )
        }
    }

    unsafe fn getNoteExpressionStringByValue(
        &self,
        bus_index: int32,
        channel: int16,
        id: NoteExpressionTypeID,
        value_normalized: NoteExpressionValue,
        string: *mut String128,
    ) -> tresult {
        unsafe {
            self.note_expressions.getNoteExpressionStringByValue(
                bus_index,
                channel,
                id,
                value_normalized,
                string,
            )
        }
    }

    unsafe fn getNoteExpressionValueByString(
        &self,
        bus_index: int32,
        channel: int16,
        id: NoteExpressionTypeID,
        string: *const TChar,
        value_normalized: *mut NoteExpressionValue,
    ) -> tresult {
        unsafe {
            self.note_expressions.getNoteExpressionValueByString(
                bus_index,
                channel,
                id,
                string,
                value_normalized,
            )
        }
    }
}

impl IProcessContextRequirementsTrait for Shim {
    unsafe fn getProcessContextRequirements(&self) -> uint32 {
        unsafe { self.context_requirements.getProcessContextRequirements() }
    }
}

impl IUnitInfoTrait for Shim {
    unsafe fn getUnitCount(&self) -> int32 {
        unsafe { self.unit_info.getUnitCount() }
    }

    unsafe fn getUnitInfo(&self, unit_index: int32, info: *mut UnitInfo) -> tresult {
        unsafe { self.unit_info.getUnitInfo(unit_index, info) }
    }

    unsafe fn getProgramListCount(&self) -> int32 {
        unsafe { self.unit_info.getProgramListCount() }
    }

    unsafe fn getProgramListInfo(&self, list_index: int32, info: *mut ProgramListInfo) -> tresult {
        unsafe { self.unit_info.getProgramListInfo(list_index, info) }
    }

    unsafe fn getProgramName(
        &self,
        list_id: ProgramListID,
        program_index: int32,
        name: *mut String128,
    ) -> tresult {
        unsafe { self.unit_info.getProgramName(list_id, program_index, name) }
    }

    unsafe fn getProgramInfo(
        &self,
        list_id: ProgramListID,
        program_index: int32,
        attribute_id: CString,
        attribute_value: *mut String128,
    ) -> tresult {
        unsafe {
            self.unit_info
                .getProgramInfo(list_id, program_index, attribute_id, attribute_value)
        }
    }

    unsafe fn hasProgramPitchNames(&self, list_id: ProgramListID, program_index: int32) -> tresult {
        unsafe { self.unit_info.hasProgramPitchNames(list_id, program_index) }
    }

    unsafe fn getProgramPitchName(
        &self,
        list_id: ProgramListID,
        program_index: int32,
        midi_pitch: int16,
        name: *mut String128,
    ) -> tresult {
        unsafe {
            self.unit_info
                .getProgramPitchName(list_id, program_index, midi_pitch, name)
        }
    }

    unsafe fn getSelectedUnit(&self) -> UnitID {
        unsafe { self.unit_info.getSelectedUnit() }
    }

    unsafe fn selectUnit(&self, unit_id: UnitID) -> tresult {
        unsafe { self.unit_info.selectUnit(unit_id) }
    }

    unsafe fn getUnitByBus(
        &self,
        media: MediaType,
        dir: BusDirection,
        bus_index: int32,
        channel: int32,
        unit_id: *mut UnitID,
    ) -> tresult {
        unsafe {
            self.unit_info
                .getUnitByBus(media, dir, bus_index, channel, unit_id)
        }
    }

    unsafe fn setUnitProgramData(
        &self,
        list_or_unit_id: int32,
        program_index: int32,
        data: *mut IBStream,
    ) -> tresult {
        unsafe {
            self.unit_info
                .setUnitProgramData(list_or_unit_id, program_index, data)
        }
    }
}

impl IInfoListenerTrait for Shim {
    unsafe fn setChannelContextInfos(&self, list: *mut IAttributeList) -> tresult {
        unsafe { self.info_listener.setChannelContextInfos(list) }
    }
}

/// The plug-in factory: the same class info nice-plug's macro gives (`PluginInfo`), and
/// instances wrapped in [`Shim`].
struct Factory {
    info: PluginInfo,
}

impl Class for Factory {
    type Interfaces = (IPluginFactory, IPluginFactory2, IPluginFactory3);
}

impl IPluginFactoryTrait for Factory {
    unsafe fn getFactoryInfo(&self, info: *mut PFactoryInfo) -> tresult {
        if info.is_null() {
            return kInvalidArgument;
        }
        unsafe { *info = self.info.create_factory_info() };
        kResultOk
    }

    unsafe fn countClasses(&self) -> int32 {
        1
    }

    unsafe fn getClassInfo(&self, index: int32, info: *mut PClassInfo) -> tresult {
        if index != 0 || info.is_null() {
            return kInvalidArgument;
        }
        unsafe { *info = self.info.create_class_info() };
        kResultOk
    }

    unsafe fn createInstance(
        &self,
        cid: FIDString,
        iid: FIDString,
        obj: *mut *mut c_void,
    ) -> tresult {
        if cid.is_null() || iid.is_null() || obj.is_null() {
            return kInvalidArgument;
        }
        if unsafe { &*(cid as *const [u8; 16]) } != self.info.cid {
            return kInvalidArgument;
        }
        let Some(shim) = Shim::new() else {
            return kInvalidArgument;
        };
        let shim = ComWrapper::new(shim);
        let Some(unknown) = shim.as_com_ref::<FUnknown>() else {
            return kInvalidArgument;
        };
        let ptr = unknown.as_ptr();
        unsafe { ((*(*ptr).vtbl).queryInterface)(ptr, iid as *const TUID, obj) }
    }
}

impl IPluginFactory2Trait for Factory {
    unsafe fn getClassInfo2(&self, index: int32, info: *mut PClassInfo2) -> tresult {
        if index != 0 || info.is_null() {
            return kInvalidArgument;
        }
        unsafe { *info = self.info.create_class_info_2() };
        kResultOk
    }
}

impl IPluginFactory3Trait for Factory {
    unsafe fn getClassInfoUnicode(&self, index: int32, info: *mut PClassInfoW) -> tresult {
        if index != 0 || info.is_null() {
            return kInvalidArgument;
        }
        unsafe { *info = self.info.create_class_info_unicode() };
        kResultOk
    }

    unsafe fn setHostContext(&self, _context: *mut FUnknown) -> tresult {
        kResultOk
    }
}

/// The VST3 plug-in factory entry point.
#[unsafe(no_mangle)]
pub extern "system" fn GetPluginFactory() -> *mut c_void {
    let factory = Factory {
        info: PluginInfo::for_plugin::<Cans>(),
    };
    match ComWrapper::new(factory).to_com_ptr::<IPluginFactory>() {
        Some(ptr) => ptr.into_raw() as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

/// Linux (and BSD) module entry points (VST3 SDK `linuxmain.cpp`).
#[unsafe(no_mangle)]
#[cfg(all(target_family = "unix", not(target_os = "macos")))]
pub extern "C" fn ModuleEntry(_lib_handle: *mut c_void) -> bool {
    nice_plug::wrapper::setup_logger::<Cans>();
    true
}

#[unsafe(no_mangle)]
#[cfg(all(target_family = "unix", not(target_os = "macos")))]
pub extern "C" fn ModuleExit() -> bool {
    true
}

/// macOS module entry points (VST3 SDK `macmain.cpp`).
#[unsafe(no_mangle)]
#[cfg(target_os = "macos")]
pub extern "C" fn bundleEntry(_lib_handle: *mut c_void) -> bool {
    nice_plug::wrapper::setup_logger::<Cans>();
    true
}

#[unsafe(no_mangle)]
#[cfg(target_os = "macos")]
pub extern "C" fn bundleExit() -> bool {
    true
}

/// Windows module entry points (VST3 SDK `dllmain.cpp`).
#[unsafe(no_mangle)]
#[cfg(target_os = "windows")]
pub extern "system" fn InitDll() -> bool {
    nice_plug::wrapper::setup_logger::<Cans>();
    true
}

#[unsafe(no_mangle)]
#[cfg(target_os = "windows")]
pub extern "system" fn ExitDll() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_parameters_are_listed() {
        // A Model, B Model, A/B Crossfeed, A/B, Your Headphones, Monitor, Check.
        assert_eq!(list_param_ids().len(), 8);
        assert!(list_param_ids().contains(&vst3_param_id("check")));
        assert!(list_param_ids().contains(&vst3_param_id("a_model")));
        assert!(list_param_ids().contains(&vst3_param_id("ab")));
    }

    #[test]
    fn outside_a_vst3_process_call_the_mode_is_unknown() {
        assert_eq!(host_offline(), None);
    }
}
