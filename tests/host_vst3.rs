//! Cans through a real VST3 host: the `vst3` crate's bindings drive the BUNDLED
//! `Cans.vst3` (found as every host test finds it: `support::bundle_dir`) exactly as a DAW
//! does, with no access to the plug-in's Rust types. Build the bundle first: `cargo xtask bundle cans --release` (or the
//! debug bundle with `--features assert_process_allocs`, where an allocation inside
//! `process` aborts the test).

mod support;

use std::f64::consts::TAU;

use support::vst3_host::*;

/// The VST3 class id of Cans: the 16 ASCII bytes `CansHeadphoneMon` (never changes).
const CANS_CID: [u8; 16] = *b"CansHeadphoneMon";
const SAMPLE_RATE: f64 = 48_000.0;
const MAX_BLOCK: usize = 512;
/// Blocks processed before measuring: covers the output-gain smoother (50 ms, `params.rs`)
/// and the engine's 30 ms structural crossfade (`dsp/engine.rs`) with margin.
const SETTLE_BLOCKS: usize = 20;
const MEASURE_BLOCKS: usize = 20;

/// A stereo test signal: different sines on each side so a swapped or mixed channel shows.
/// Frequencies and levels are arbitrary mid-band choices; `phase0` is in samples.
fn stereo_sine(len: usize, phase0: usize) -> [Vec<f32>; 2] {
    let sine = |freq: f64, amp: f64| -> Vec<f32> {
        (0..len)
            .map(|i| (amp * (TAU * freq * (phase0 + i) as f64 / SAMPLE_RATE).sin()) as f32)
            .collect()
    };
    [sine(440.0, 0.5), sine(1_000.0, 0.25)]
}

fn rms_db(x: &[f32]) -> f64 {
    let power = x.iter().map(|&s| (s as f64) * (s as f64)).sum::<f64>() / x.len() as f64;
    10.0 * power.log10()
}

fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Process `blocks` blocks of `block` samples of the stereo sine, applying `first_changes`
/// to the first call only; returns (input, output) per channel.
fn run(
    inst: &Instance,
    start_sample: usize,
    blocks: usize,
    block: usize,
    first_changes: Option<&vst3::ComPtr<vst3::Steinberg::Vst::IParameterChanges>>,
    input_fn: &dyn Fn(usize, usize) -> [Vec<f32>; 2],
) -> ([Vec<f32>; 2], [Vec<f32>; 2]) {
    let mut ins = [Vec::new(), Vec::new()];
    let mut outs = [Vec::new(), Vec::new()];
    for b in 0..blocks {
        let input = input_fn(block, start_sample + b * block);
        let mut out_l = vec![f32::NAN; block];
        let mut out_r = vec![f32::NAN; block];
        let changes = if b == 0 { first_changes } else { None };
        let result = inst.process([&input[0], &input[1]], [&mut out_l, &mut out_r], changes);
        assert_eq!(result, vst3::Steinberg::kResultOk, "process block {b}");
        ins[0].extend_from_slice(&input[0]);
        ins[1].extend_from_slice(&input[1]);
        outs[0].extend_from_slice(&out_l);
        outs[1].extend_from_slice(&out_r);
    }
    for (ch, out) in outs.iter().enumerate() {
        assert!(
            out.iter().all(|s| s.is_finite()),
            "channel {ch}: non-finite output"
        );
    }
    (ins, outs)
}

fn load() -> Module {
    let bundle = support::vst3_bundle();
    eprintln!("loading {}", bundle.display());
    Module::load(&bundle)
}

#[test]
fn vst3_factory_lists_the_cans_class() {
    let module = load();
    let info = module.factory_info();
    eprintln!("factory: {info:?}");
    assert_eq!(info.vendor, "Cans");

    let classes = module.classes();
    eprintln!("classes: {classes:?}");
    let (index, class) = classes
        .iter()
        .enumerate()
        .find(|(_, c)| c.cid == CANS_CID)
        .unwrap_or_else(|| panic!("no class {}", cid_text(&CANS_CID)));
    assert_eq!(class.category, "Audio Module Class");
    assert_eq!(class.name, "Cans");

    let subcategories = module
        .subcategories(index as i32)
        .expect("IPluginFactory2 class info");
    eprintln!("subcategories: {subcategories}");
    assert_eq!(subcategories.split('|').next(), Some("Fx"));

    // An unknown class id must be refused, not crash.
    assert!(module.create_component(b"NotAClassIdAtAll").is_none());
    assert!(module.exit(), "ModuleExit");
}

#[test]
fn vst3_buses_and_parameters() {
    let module = load();
    let inst = Instance::create(&module, &CANS_CID);

    assert_eq!(inst.bus_count(AUDIO, INPUT), 1, "audio inputs");
    assert_eq!(inst.bus_count(AUDIO, OUTPUT), 1, "audio outputs");
    assert_eq!(inst.bus_count(EVENT, INPUT), 0, "event inputs");
    assert_eq!(inst.bus_count(EVENT, OUTPUT), 0, "event outputs");
    for dir in [INPUT, OUTPUT] {
        let bus = inst.bus_info(AUDIO, dir, 0);
        assert_eq!(bus.channelCount, 2, "stereo bus (direction {dir})");
        assert_eq!(
            bus.busType,
            vst3::Steinberg::Vst::BusTypes_::kMain as i32,
            "main bus"
        );
    }

    eprintln!(
        "edit controller is the component itself: {}",
        inst.controller_is_component()
    );
    let params = inst.params();
    for p in &params {
        eprintln!(
            "param {:>10} {:<28} units {:<5} steps {:>2} default {:.4} flags {:#x}",
            p.id, p.title, p.units, p.step_count, p.default_normalized, p.flags
        );
    }
    assert!(params.len() > 20, "{} parameters", params.len());
    let titles: Vec<&str> = params.iter().map(|p| p.title.as_str()).collect();
    for wanted in [
        "A/B",
        "Your Headphones",
        "Output",
        "Bypass",
        "A Model",
        "B Model",
    ] {
        assert!(titles.contains(&wanted), "no parameter titled {wanted:?}");
    }
    let mut ids: Vec<u32> = params.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), params.len(), "parameter ids are unique");

    // Exactly one parameter is flagged as the host's bypass, and it is "Bypass".
    let bypass_flag = vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsBypass;
    let bypass: Vec<&str> = params
        .iter()
        .filter(|p| p.flags & bypass_flag != 0)
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(bypass, ["Bypass"]);

    // Every choice parameter is a list (hosts show its names and give it a discrete
    // automation lane); nothing else is.
    let list_flag = vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsList as i32;
    let mut lists: Vec<&str> = params
        .iter()
        .filter(|p| p.flags & list_flag != 0)
        .map(|p| p.title.as_str())
        .collect();
    lists.sort_unstable();
    assert_eq!(
        lists,
        [
            "A Crossfeed",
            "A Model",
            "A/B",
            "B Crossfeed",
            "B Model",
            "Check",
            "Monitor",
            "Your Headphones"
        ]
    );
    for p in params.iter().filter(|p| p.flags & list_flag != 0) {
        let names: Vec<String> = (0..=p.step_count)
            .map(|i| inst.value_text(p.id, i as f64 / p.step_count as f64))
            .collect();
        eprintln!("list {:<16} {}", p.title, names.join(" | "));
        assert!(
            names.iter().all(|n| n.parse::<f64>().is_err()),
            "{}: named choices, not numbers: {names:?}",
            p.title
        );
    }

    // The A/B switch is a two-step list showing A and B.
    let ab = params.iter().find(|p| p.title == "A/B").unwrap();
    assert_eq!(ab.step_count, 1);
    assert_eq!(inst.value_text(ab.id, 0.0), "A");
    assert_eq!(inst.value_text(ab.id, 1.0), "B");

    // Output gain shows dB; -6 dB converts to linear 0.501 in the plain domain.
    let output = params.iter().find(|p| p.title == "Output").unwrap();
    let norm = inst.plain_to_normalized(output.id, db_to_gain(-6.0));
    let text = inst.value_text(output.id, norm);
    eprintln!("Output at normalized {norm:.4}: {text:?}");
    assert!(text.contains("-6"), "{text}");

    inst.terminate();
    assert!(module.exit(), "ModuleExit");
}

/// The full audio life cycle: default settings are a level-matched neutral pass, and an
/// output-gain change sent as automation lands at -6.02 dB.
#[test]
fn vst3_processes_audio_and_applies_automation() {
    let module = load();
    let inst = Instance::create(&module, &CANS_CID);
    inst.start(SAMPLE_RATE, MAX_BLOCK as i32);

    // A zero-length call is a parameter flush: accepted, nothing rendered.
    let empty: [f32; 0] = [];
    let (mut e1, mut e2) = ([0.0f32; 0], [0.0f32; 0]);
    assert_eq!(
        inst.process([&empty, &empty], [&mut e1, &mut e2], None),
        vst3::Steinberg::kResultOk
    );

    // Defaults: Neutral model, crossfeed off, level match on: near identity.
    let (ins, outs) = run(
        &inst,
        0,
        SETTLE_BLOCKS + MEASURE_BLOCKS,
        MAX_BLOCK,
        None,
        &stereo_sine,
    );
    let tail = SETTLE_BLOCKS * MAX_BLOCK;
    for ch in 0..2 {
        let gain_db = rms_db(&outs[ch][tail..]) - rms_db(&ins[ch][tail..]);
        eprintln!("default settings, channel {ch}: output/input RMS {gain_db:+.4} dB");
        assert!(gain_db.abs() < 0.1, "channel {ch}: {gain_db:+.4} dB");
    }

    // Output -6 dB through IParameterChanges at sample 0 of the next block.
    let output = inst.param_id("Output");
    let target = inst.plain_to_normalized(output, db_to_gain(-6.0));
    let changes = parameter_changes(&[(output, &[(0, target)])]);
    let start = (SETTLE_BLOCKS + MEASURE_BLOCKS) * MAX_BLOCK;
    let (ins, outs) = run(
        &inst,
        start,
        SETTLE_BLOCKS + MEASURE_BLOCKS,
        MAX_BLOCK,
        Some(&changes),
        &stereo_sine,
    );
    let expected_db = 20.0 * db_to_gain(-6.0).log10();
    for ch in 0..2 {
        let gain_db = rms_db(&outs[ch][tail..]) - rms_db(&ins[ch][tail..]);
        eprintln!("output -6 dB, channel {ch}: output/input RMS {gain_db:+.4} dB");
        assert!(
            (gain_db - expected_db).abs() < 0.1,
            "channel {ch}: {gain_db:+.4} dB, expected {expected_db:+.2}"
        );
    }
    // The controller reports the value the processor received.
    assert!((inst.normalized(output) - target).abs() < 1e-6);

    // Block sizes other than the maximum: 1, 64 and 512 samples, still finite.
    for block in [1, 64, 333] {
        run(&inst, 0, 8, block, None, &stereo_sine);
    }

    inst.stop();
    inst.terminate();
    assert!(module.exit(), "ModuleExit");
}

/// A left-only signal with the A crossfeed set to bs2b's default preset leaks into the
/// right channel at low frequency (the crossfeed low-pass passes 200 Hz, cut-off 700 Hz).
#[test]
fn vst3_crossfeed_preset_reaches_the_other_ear() {
    let module = load();
    let inst = Instance::create(&module, &CANS_CID);
    inst.start(SAMPLE_RATE, MAX_BLOCK as i32);

    let crossfeed = inst.param_id("A Crossfeed");
    let preset = inst
        .normalized_from_text(crossfeed, "Default 700 Hz/4.5 dB")
        .expect("the A Crossfeed parameter knows the Default preset by name");
    assert_eq!(inst.value_text(crossfeed, preset), "Default 700 Hz/4.5 dB");
    let changes = parameter_changes(&[(crossfeed, &[(0, preset)])]);
    let left_only = |len: usize, phase0: usize| -> [Vec<f32>; 2] {
        let l = (0..len)
            .map(|i| (0.5 * (TAU * 200.0 * (phase0 + i) as f64 / SAMPLE_RATE).sin()) as f32)
            .collect();
        [l, vec![0.0; len]]
    };
    let tail = SETTLE_BLOCKS * MAX_BLOCK;
    // Crossfeed off (the default): the right ear stays silent.
    let (ins, outs) = run(
        &inst,
        0,
        SETTLE_BLOCKS + MEASURE_BLOCKS,
        MAX_BLOCK,
        None,
        &left_only,
    );
    let leak_db = 10.0
        * (outs[1][tail..]
            .iter()
            .map(|&s| (s as f64).powi(2))
            .sum::<f64>()
            / (outs[1].len() - tail) as f64
            + 1e-30)
            .log10()
        - rms_db(&ins[0][tail..]);
    eprintln!("crossfeed Off, 200 Hz left only: right/left-in {leak_db:+.1} dB");
    assert!(leak_db < -100.0, "right channel at {leak_db:+.1} dB");

    let start = (SETTLE_BLOCKS + MEASURE_BLOCKS) * MAX_BLOCK;
    let (ins, outs) = run(
        &inst,
        start,
        SETTLE_BLOCKS + MEASURE_BLOCKS,
        MAX_BLOCK,
        Some(&changes),
        &left_only,
    );
    let cross_db = rms_db(&outs[1][tail..]) - rms_db(&ins[0][tail..]);
    eprintln!("crossfeed Default, 200 Hz left only: right/left-in {cross_db:+.2} dB");
    // bs2b's default feeds the opposite ear 4.5 dB below the direct path at low
    // frequencies; anything above -20 dB shows the cross path is active.
    assert!(cross_db > -20.0, "right channel at {cross_db:+.2} dB");

    inst.stop();
    inst.terminate();
    assert!(module.exit(), "ModuleExit");
}

/// getState from one instance, setState into a fresh one: same parameter values, and the
/// same input gives bit-identical output.
#[test]
fn vst3_state_round_trip_into_a_fresh_instance() {
    let module = load();
    let first = Instance::create(&module, &CANS_CID);
    first.start(SAMPLE_RATE, MAX_BLOCK as i32);
    let output = first.param_id("Output");
    let crossfeed = first.param_id("A Crossfeed");
    let width = first.param_id("A Width");
    let changes = parameter_changes(&[
        (
            output,
            &[(0, first.plain_to_normalized(output, db_to_gain(-3.5)))],
        ),
        (
            crossfeed,
            &[(
                0,
                first
                    .normalized_from_text(crossfeed, "Chu Moy 700 Hz/6 dB")
                    .unwrap(),
            )],
        ),
        (width, &[(0, first.plain_to_normalized(width, 150.0))]),
    ]);
    run(&first, 0, 4, MAX_BLOCK, Some(&changes), &stereo_sine);
    let state = first.save_state();
    eprintln!("state: {} bytes", state.len());
    assert!(!state.is_empty());

    let second = Instance::create(&module, &CANS_CID);
    assert_eq!(second.load_state(&state), vst3::Steinberg::kResultOk);
    let params_first = first.params();
    for p in &params_first {
        assert_eq!(
            first.normalized(p.id),
            second.normalized(p.id),
            "parameter {:?} after the state round trip",
            p.title
        );
    }
    assert_ne!(
        second.normalized(width),
        params_first
            .iter()
            .find(|p| p.id == width)
            .unwrap()
            .default_normalized,
        "the loaded state is not the default"
    );
    assert_eq!(second.save_state(), state, "re-saved state is identical");

    // Both instances from a reset: identical output, sample for sample.
    first.stop();
    first.start(SAMPLE_RATE, MAX_BLOCK as i32);
    second.start(SAMPLE_RATE, MAX_BLOCK as i32);
    let (_, out_first) = run(&first, 0, 30, MAX_BLOCK, None, &stereo_sine);
    let (_, out_second) = run(&second, 0, 30, MAX_BLOCK, None, &stereo_sine);
    assert_eq!(out_first, out_second, "output after the state round trip");

    for inst in [first, second] {
        inst.stop();
        inst.terminate();
    }
    assert!(module.exit(), "ModuleExit");
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Bypass passes the input through untouched, after a voicing was heard.
#[test]
fn vst3_bypass_passes_audio_through() {
    let module = load();
    let tail = SETTLE_BLOCKS * MAX_BLOCK;
    let blocks = SETTLE_BLOCKS + MEASURE_BLOCKS;
    let inst = Instance::create(&module, &CANS_CID);
    inst.start(SAMPLE_RATE, MAX_BLOCK as i32);
    let model = inst.param_id("A Model");
    let closed = inst.normalized_from_text(model, "Closed-back").unwrap();
    let bypass = inst.param_id("Bypass");
    let set_model = parameter_changes(&[(model, &[(0, closed)])]);
    let (ins, outs) = run(&inst, 0, blocks, MAX_BLOCK, Some(&set_model), &stereo_sine);
    let voiced = max_diff(&outs[0][tail..], &ins[0][tail..]);
    eprintln!("real time, Closed-back: max |out - in| {voiced:.4}");
    assert!(voiced > 1e-3, "the voicing changes the sound ({voiced})");
    let set_bypass = parameter_changes(&[(bypass, &[(0, 1.0)])]);
    let (ins, outs) = run(&inst, 0, blocks, MAX_BLOCK, Some(&set_bypass), &stereo_sine);
    for ch in 0..2 {
        let err = max_diff(&outs[ch][tail..], &ins[ch][tail..]);
        eprintln!("bypass, channel {ch}: max |out - in| {err:.2e}");
        assert!(err < 1e-6, "bypass passes channel {ch} through ({err})");
    }
    inst.stop();
    inst.terminate();
    assert!(module.exit(), "ModuleExit");
}

/// Render with the Closed-back voicing, Bounce-Safe on or off, after the host ran
/// setupProcessing + activation once per entry of `modes` (the last one is rendered in);
/// returns the largest |out - in| after settling.
fn render_diff_after_setups(module: &Module, bounce_safe: bool, modes: &[i32]) -> f32 {
    let inst = Instance::create(module, &CANS_CID);
    for (i, &mode) in modes.iter().enumerate() {
        if i > 0 {
            inst.stop();
        }
        inst.start_with_mode(SAMPLE_RATE, MAX_BLOCK as i32, mode);
    }
    let model = inst.param_id("A Model");
    let closed = inst.normalized_from_text(model, "Closed-back").unwrap();
    let bounce = inst.param_id("Bounce-Safe");
    let on = if bounce_safe { 1.0 } else { 0.0 };
    let changes = parameter_changes(&[(model, &[(0, closed)]), (bounce, &[(0, on)])]);
    let blocks = SETTLE_BLOCKS + MEASURE_BLOCKS;
    let (ins, outs) = run(&inst, 0, blocks, MAX_BLOCK, Some(&changes), &stereo_sine);
    let tail = SETTLE_BLOCKS * MAX_BLOCK;
    let err = max_diff(&outs[0][tail..], &ins[0][tail..])
        .max(max_diff(&outs[1][tail..], &ins[1][tail..]));
    eprintln!("setups {modes:?}, Bounce-Safe {bounce_safe}: max |out - in| {err:.2e}");
    inst.stop();
    inst.terminate();
    err
}

/// A bounce with Bounce-Safe on (the default) passes audio untouched; with it off the
/// voicing is rendered. Here the host prepares twice for the offline render, as JUCE
/// (pedalboard) does.
#[test]
fn vst3_bounce_safe_offline_render_after_reprepare() {
    let module = load();
    let offline = [OFFLINE, OFFLINE];
    assert_eq!(
        render_diff_after_setups(&module, true, &offline),
        0.0,
        "Bounce-Safe on"
    );
    assert!(
        render_diff_after_setups(&module, false, &offline) > 1e-3,
        "Bounce-Safe off"
    );
    // Back to real time (again prepared twice): the voicing is heard again.
    let back = [OFFLINE, OFFLINE, REALTIME, REALTIME];
    assert!(
        render_diff_after_setups(&module, true, &back) > 1e-3,
        "real time after a bounce"
    );
    assert!(module.exit(), "ModuleExit");
}

/// The same with a single setupProcessing(kOffline) before setActive(true), the usual
/// sequence when a DAW switches to a bounce. (nice-plug 0.4.2's VST3 `setupProcessing`
/// stores the BufferConfig with the PREVIOUS process mode, so `activate` would see
/// Realtime; `src/vst3_shim.rs` works around it.)
#[test]
fn vst3_bounce_safe_offline_render_single_setup() {
    let module = load();
    assert_eq!(
        render_diff_after_setups(&module, true, &[OFFLINE]),
        0.0,
        "Bounce-Safe on"
    );
    assert!(
        render_diff_after_setups(&module, false, &[OFFLINE]) > 1e-3,
        "Bounce-Safe off"
    );
    // And the way back: after a bounce, one setupProcessing(kRealtime) must bring the voicing
    // back, or the engineer keeps monitoring without it.
    let back = [REALTIME, OFFLINE, OFFLINE, REALTIME];
    assert!(
        render_diff_after_setups(&module, true, &back) > 1e-3,
        "real time after a bounce"
    );
    assert!(module.exit(), "ModuleExit");
}

/// A host that sets up processing once (real time) and flags a bounce only per call, in
/// `ProcessData::processMode`, as Ardour does for an export or freewheel: Bounce-Safe
/// engages from the first offline block, bit for bit, releases on the first real-time
/// block, and a prefetch (anticipative, real-time) render is not taken for a bounce.
/// Blocks of 512 with a voicing (Closed-back + Chu Moy) heard between the renders.
#[test]
fn vst3_bounce_safe_follows_the_per_call_process_mode() {
    let module = load();
    let inst = Instance::create(&module, &CANS_CID);
    inst.start(SAMPLE_RATE, MAX_BLOCK as i32);
    let model = inst.param_id("A Model");
    let closed = inst.normalized_from_text(model, "Closed-back").unwrap();
    let crossfeed = inst.param_id("A Crossfeed");
    let chu_moy = inst
        .normalized_from_text(crossfeed, "Chu Moy 700 Hz/6 dB")
        .unwrap();
    let bounce = inst.param_id("Bounce-Safe");
    let voiced = parameter_changes(&[(model, &[(0, closed)]), (crossfeed, &[(0, chu_moy)])]);
    // Settle the voicing in real time.
    let (_, _) = run(
        &inst,
        0,
        SETTLE_BLOCKS,
        MAX_BLOCK,
        Some(&voiced),
        &stereo_sine,
    );
    let mut at = SETTLE_BLOCKS * MAX_BLOCK;
    let mut render =
        |mode: i32,
         blocks: usize,
         changes: Option<&vst3::ComPtr<vst3::Steinberg::Vst::IParameterChanges>>| {
            inst.set_call_mode(mode);
            let (ins, outs) = run(&inst, at, blocks, MAX_BLOCK, changes, &stereo_sine);
            at += blocks * MAX_BLOCK;
            // Per block: the largest |out - in| over both channels.
            (0..blocks)
                .map(|b| {
                    let r = b * MAX_BLOCK..(b + 1) * MAX_BLOCK;
                    max_diff(&outs[0][r.clone()], &ins[0][r.clone()])
                        .max(max_diff(&outs[1][r.clone()], &ins[1][r]))
                })
                .collect::<Vec<f32>>()
        };
    let show = |v: &[f32]| {
        v.iter()
            .map(|d| format!("{d:.1e}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let modes = [
        ("offline", OFFLINE),
        ("real time", REALTIME),
        ("prefetch", PREFETCH),
        ("offline again", OFFLINE),
        ("real time again", REALTIME),
    ];
    for (name, mode) in modes {
        let per_block = render(mode, 8, None);
        eprintln!("{name}: max |out - in| per block {}", show(&per_block));
        if mode == OFFLINE {
            assert!(
                per_block.iter().all(|&d| d == 0.0),
                "{name}: bit-exact from the first block: {per_block:?}"
            );
        } else {
            assert!(
                per_block.iter().all(|&d| d > 1e-3),
                "{name}: voiced from the first block: {per_block:?}"
            );
        }
    }
    // Bounce-Safe off: an offline block is voiced.
    let off = parameter_changes(&[(bounce, &[(0, 0.0)])]);
    let per_block = render(OFFLINE, 4, Some(&off));
    eprintln!("offline, Bounce-Safe off: {}", show(&per_block));
    assert!(per_block.iter().all(|&d| d > 1e-3), "{per_block:?}");
    inst.stop();
    inst.terminate();
    assert!(module.exit(), "ModuleExit");
}

/// Default settings stay a level-matched identity at other sample rates and block sizes.
#[test]
fn vst3_other_sample_rates_and_block_sizes() {
    let module = load();
    for (rate, block) in [
        (44_100.0, 1usize),
        (44_100.0, 4096),
        (96_000.0, 64),
        (192_000.0, 333),
    ] {
        let inst = Instance::create(&module, &CANS_CID);
        inst.start(rate, block as i32);
        // 0.5 s of audio at this rate; the first half is settling.
        let len = (rate * 0.5) as usize;
        let blocks = len.div_ceil(block);
        let tone = move |n: usize, phase0: usize| -> [Vec<f32>; 2] {
            let s: Vec<f32> = (0..n)
                .map(|i| (0.5 * (TAU * 440.0 * (phase0 + i) as f64 / rate).sin()) as f32)
                .collect();
            [s.clone(), s]
        };
        let (ins, outs) = run(&inst, 0, blocks, block, None, &tone);
        let tail = ins[0].len() / 2;
        let gain_db = rms_db(&outs[0][tail..]) - rms_db(&ins[0][tail..]);
        eprintln!("{rate} Hz, block {block}: output/input RMS {gain_db:+.4} dB");
        assert!(
            gain_db.abs() < 0.1,
            "{rate} Hz, block {block}: {gain_db:+.4} dB"
        );
        inst.stop();
        inst.terminate();
    }
    assert!(module.exit(), "ModuleExit");
}
