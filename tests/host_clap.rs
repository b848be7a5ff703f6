//! The bundled `Cans.clap` in a real CLAP host (`clack-host`): scan, parameters, audio at
//! several sample rates and block sizes, sample-accurate parameter events, bypass, output
//! gain and a state round trip. Run through `cargo xtask test`, which bundles the debug
//! plug-in with `assert_process_allocs` first: an allocation in `process` aborts the test.

mod support;

use support::clap_host::{self, ClapPlugin};
use support::signal::max_abs_diff;

/// The sample rates hosts commonly run at.
const SAMPLE_RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];
/// Fixed block sizes: the smallest possible, a typical one and a large one.
const BLOCK_SIZES: [usize; 3] = [1, 64, 4096];
/// The engine's structural crossfade (src/dsp/fade.rs `CROSSFADE_MS`), used to know when
/// a bypass or model change has settled.
const CROSSFADE_MS: f64 = 30.0;

/// Deterministic white noise in [-amp, amp] (xorshift32, Marsaglia 2003).
fn noise(n: usize, amp: f32, seed: u32) -> Vec<f32> {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            amp * (x as f32 / u32::MAX as f32 * 2.0 - 1.0)
        })
        .collect()
}

fn sine(n: usize, freq: f64, sample_rate: f64, amp: f32) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (std::f64::consts::TAU * freq * i as f64 / sample_rate).sin() as f32)
        .collect()
}

/// A stereo test signal: a 440 Hz sine on the left, noise on the right.
fn stereo_signal(n: usize, sample_rate: f64) -> (Vec<f32>, Vec<f32>) {
    (sine(n, 440.0, sample_rate, 0.5), noise(n, 0.3, 0x1234_5678))
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn ms_to_samples(ms: f64, sample_rate: f64) -> usize {
    (ms * 1e-3 * sample_rate).ceil() as usize
}

/// Block sizes a host with a varying buffer might use: 1, odd sizes, and the maximum,
/// from a fixed pseudo-random sequence (xorshift32).
fn varying_blocks(max_block: usize) -> Vec<usize> {
    let mut sizes = vec![1, max_block, 3, 17, 1, 255];
    let mut x = 0x9E37_79B9u32;
    for _ in 0..50 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        sizes.push(1 + (x as usize % max_block));
    }
    sizes.retain(|&s| s <= max_block);
    sizes
}

/// The CLAP plain value whose display text is `text` (e.g. "Closed-back"): searches the
/// steps of a stepped parameter.
fn step_for_text(plugin: &mut ClapPlugin, id: u32, text: &str) -> f64 {
    let info = plugin
        .param_info()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap();
    assert!(info.stepped, "{} is not stepped", info.name);
    (0..=info.max as u32)
        .map(f64::from)
        .find(|&v| plugin.value_to_text(id, v) == text)
        .unwrap_or_else(|| panic!("{} has no step {text:?}", info.name))
}

/// A plug-in activated at `sample_rate` with `max_block`.
fn active_plugin(sample_rate: f64, max_block: usize) -> ClapPlugin {
    let mut plugin = ClapPlugin::load_bundled();
    plugin.activate(sample_rate, max_block);
    plugin
}

#[test]
fn scan_finds_one_plugin_with_the_published_descriptor() {
    let descriptors = clap_host::scan(&support::clap_bundle());
    assert_eq!(descriptors.len(), 1, "{descriptors:?}");
    let d = &descriptors[0];
    assert_eq!(d.id, "audio.cans.monitor");
    assert_eq!(d.name, "Cans");
    assert_eq!(d.vendor, "Cans");
    assert_eq!(d.version, env!("CARGO_PKG_VERSION"));
    for feature in ["audio-effect", "stereo"] {
        assert!(
            d.features.iter().any(|f| f == feature),
            "missing feature {feature}: {:?}",
            d.features
        );
    }
}

#[test]
fn audio_ports_are_one_stereo_main_input_and_output() {
    let mut plugin = ClapPlugin::load_bundled();
    for inputs in [true, false] {
        let ports = plugin.audio_ports(inputs);
        assert_eq!(ports.len(), 1, "{ports:?}");
        assert_eq!(ports[0].channels, 2);
        assert!(ports[0].main);
    }
}

#[test]
fn a_mono_input_configuration_sounds_like_the_same_signal_on_both_inputs() {
    let mut mono = ClapPlugin::load_bundled();
    let configs = mono.port_configs();
    let find = |inputs: u32| {
        configs
            .iter()
            .find(|c| c.input_channels == inputs && c.output_channels == 2)
            .unwrap_or_else(|| panic!("no {inputs}-in/2-out configuration: {configs:?}"))
            .id
    };
    let (stereo_id, mono_id) = (find(2), find(1));
    assert_ne!(stereo_id, mono_id);
    mono.select_port_config(mono_id);
    assert_eq!(mono.audio_ports(true)[0].channels, 1);
    assert_eq!(mono.audio_ports(false)[0].channels, 2);

    let sample_rate = 48_000.0;
    let mut stereo = active_plugin(sample_rate, 512);
    mono.activate(sample_rate, 512);
    for plugin in [&mut mono, &mut stereo] {
        voice_slot_a(plugin);
    }
    let n = ms_to_samples(100.0, sample_rate);
    let input = noise(n, 0.3, 0xC0FFEE);
    // The mono instance gets only `left`; whatever is in `right` must not matter.
    let (mut m_l, mut m_r) = (input.clone(), vec![0.7; n]);
    let (mut s_l, mut s_r) = (input.clone(), input.clone());
    mono.process_in_blocks(&mut m_l, &mut m_r, &[512]);
    stereo.process_in_blocks(&mut s_l, &mut s_r, &[512]);
    assert_eq!(m_l, s_l, "left differs from a dual-mono stereo input");
    assert_eq!(m_r, s_r, "right differs from a dual-mono stereo input");
    assert!(rms(&m_r[n / 2..]) > 0.05, "right output is silent");
}

#[test]
fn parameters_have_names_ranges_and_units() {
    let mut plugin = ClapPlugin::load_bundled();
    let params = plugin.param_info();

    // Two slots of 10, plus A/B, Your Headphones, Level Match, Monitor, Output, Bypass,
    // Bounce-Safe, Check (src/params.rs).
    assert_eq!(params.len(), 28, "{params:#?}");
    let mut ids: Vec<u32> = params.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), params.len(), "duplicate parameter ids");
    let mut names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), params.len(), "duplicate parameter names");
    for p in &params {
        // Check is not automatable: its list grows (docs/growth.md); everything else is.
        assert_eq!(p.automatable, p.name != "Check", "{}: automatable", p.name);
        assert!(p.min < p.max, "{}: empty range", p.name);
        assert!((p.min..=p.max).contains(&p.default), "{}: default", p.name);
    }
    let by_name = |name: &str| {
        params
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter {name:?}"))
            .clone()
    };

    // Enums: stepped, one step per choice, named choices.
    let model = by_name("A Model");
    assert!(model.stepped);
    assert_eq!(model.module, "Slot A");
    assert_eq!(model.min, 0.0);
    let choices: Vec<String> = (0..=model.max as u32)
        .map(|v| plugin.value_to_text(model.id, v as f64))
        .collect();
    for expected in [
        "Neutral",
        "Open-back",
        "Closed-back",
        "Sony MDR-7506",
        "AKG K702",
    ] {
        assert!(choices.iter().any(|c| c == expected), "{choices:?}");
    }
    assert_eq!(plugin.value_to_text(model.id, model.default), "Neutral");
    assert_eq!(by_name("B Model").module, "Slot B");

    let ab = by_name("A/B");
    assert!(ab.stepped);
    assert_eq!((ab.min, ab.max), (0.0, 1.0));
    assert_eq!(plugin.value_to_text(ab.id, 0.0), "A");
    assert_eq!(plugin.value_to_text(ab.id, 1.0), "B");

    // Output: -24..+12 dB, default 0 dB, shown in dB, parsed back from text.
    let output = by_name("Output");
    assert!(!output.stepped);
    assert_eq!(plugin.value_to_text(output.id, output.min), "-24.00 dB");
    assert_eq!(plugin.value_to_text(output.id, output.max), "12.00 dB");
    assert_eq!(plugin.value_to_text(output.id, output.default), "0.00 dB");
    let minus_six = plugin.text_to_value(output.id, "-6").expect("parse -6");
    assert_eq!(plugin.value_to_text(output.id, minus_six), "-6.00 dB");

    // Crossfeed cutoff in Hz, default 700 Hz (bs2b's default preset).
    let cutoff = by_name("A Crossfeed Cutoff");
    assert_eq!(plugin.value_to_text(cutoff.id, cutoff.default), "700 Hz");
    for v in [cutoff.min, cutoff.max] {
        assert!(plugin.value_to_text(cutoff.id, v).ends_with(" Hz"));
    }

    // Interaural delay: 0 to 0.7 ms.
    let itd = by_name("A ITD");
    assert_eq!(plugin.value_to_text(itd.id, itd.min), "0.00 ms");
    assert_eq!(plugin.value_to_text(itd.id, itd.max), "0.70 ms");

    let width = by_name("A Width");
    assert_eq!(plugin.value_to_text(width.id, width.min), "0 %");
    assert_eq!(plugin.value_to_text(width.id, width.max), "200 %");
    assert_eq!(plugin.value_to_text(width.id, width.default), "100 %");

    // Speakers: off by default, 10–60° (30° the stereo triangle), room 0–100 %.
    let speakers = by_name("A Speakers");
    assert!(speakers.stepped);
    assert_eq!(plugin.value_to_text(speakers.id, speakers.default), "Off");
    let angle = by_name("A Speaker Angle");
    assert!(angle.stepped);
    assert_eq!(plugin.value_to_text(angle.id, angle.min), "10°");
    assert_eq!(plugin.value_to_text(angle.id, angle.max), "60°");
    assert_eq!(plugin.value_to_text(angle.id, angle.default), "30°");
    let room = by_name("B Room");
    assert_eq!(room.module, "Slot B");
    assert_eq!(plugin.value_to_text(room.id, room.min), "0 %");
    assert_eq!(plugin.value_to_text(room.id, room.max), "100 %");
    assert_eq!(plugin.value_to_text(room.id, room.default), "30 %");

    // Exactly one bypass parameter, so hosts can map their bypass button to it.
    let bypass: Vec<_> = params.iter().filter(|p| p.bypass).collect();
    assert_eq!(bypass.len(), 1);
    assert_eq!(bypass[0].name, "Bypass");
    assert_eq!(bypass[0].default, 0.0);
}

/// Set slot A to a voicing with crossfeed, so processing is audibly not a pass-through.
fn voice_slot_a(plugin: &mut ClapPlugin) {
    let model = plugin.param_id("A Model");
    let closed = step_for_text(plugin, model, "Closed-back");
    let crossfeed = plugin.param_id("A Crossfeed");
    let default_xf = step_for_text(plugin, crossfeed, "Default 700 Hz/4.5 dB");
    plugin.set_param(model, closed, 0);
    plugin.set_param(crossfeed, default_xf, 0);
    plugin.flush_params();
}

fn assert_healthy(out_l: &[f32], out_r: &[f32], in_l: &[f32], what: &str) {
    assert!(
        out_l.iter().chain(out_r).all(|v| v.is_finite()),
        "{what}: non-finite output"
    );
    assert!(
        out_l.iter().chain(out_r).all(|v| v.abs() < 4.0),
        "{what}: output blew up"
    );
    let tail = out_l.len() / 2;
    assert!(rms(&out_l[tail..]) > 0.05, "{what}: left output is silent");
    assert!(rms(&out_r[tail..]) > 0.05, "{what}: right output is silent");
    assert_ne!(
        out_l, in_l,
        "{what}: output equals input: nothing was processed"
    );
}

#[test]
fn processes_at_every_sample_rate_and_block_size() {
    for sample_rate in SAMPLE_RATES {
        let n = ms_to_samples(150.0, sample_rate);
        let (in_l, in_r) = stereo_signal(n, sample_rate);
        let mut schedules: Vec<(String, usize, Vec<usize>)> = BLOCK_SIZES
            .iter()
            .map(|&b| (format!("block {b}"), b, vec![b]))
            .collect();
        schedules.push(("varying blocks".into(), 512, varying_blocks(512)));

        for (label, max_block, sizes) in schedules {
            let what = format!("{sample_rate} Hz, {label}");
            let mut plugin = active_plugin(sample_rate, max_block);
            voice_slot_a(&mut plugin);
            let (mut l, mut r) = (in_l.clone(), in_r.clone());
            plugin.process_in_blocks(&mut l, &mut r, &sizes);
            assert_healthy(&l, &r, &in_l, &what);
            assert!(
                plugin.logged_problems().is_empty(),
                "{what}: {:?}",
                plugin.logged_problems()
            );
        }
    }
}

#[test]
fn output_does_not_depend_on_the_host_block_size() {
    let sample_rate = 48_000.0;
    let n = ms_to_samples(100.0, sample_rate);
    let (in_l, in_r) = stereo_signal(n, sample_rate);
    let render = |max_block: usize, sizes: &[usize]| {
        let mut plugin = active_plugin(sample_rate, max_block);
        voice_slot_a(&mut plugin);
        let (mut l, mut r) = (in_l.clone(), in_r.clone());
        plugin.process_in_blocks(&mut l, &mut r, sizes);
        (l, r)
    };
    let reference = render(4096, &[4096]);
    for (max_block, sizes) in [(64, vec![64]), (512, varying_blocks(512)), (1, vec![1])] {
        let out = render(max_block, &sizes);
        let max_diff = max_abs_diff((&reference.0, &reference.1), (&out.0, &out.1));
        // Same input, same settings: only float rounding may differ (-120 dBFS).
        assert!(
            max_diff < 1e-6,
            "blocks {sizes:?}: max difference {max_diff}"
        );
    }
}

#[test]
fn zero_frame_process_is_accepted_and_applies_parameter_events() {
    let mut plugin = active_plugin(48_000.0, 256);
    let output = plugin.param_id("Output");
    let minus_six = plugin.text_to_value(output, "-6").unwrap();
    plugin.set_param(output, minus_six, 0);
    // CLAP allows zero frames (hosts use it to deliver events). nice-plug's debug build logs
    // "Debug assertion failed: buffer_is_valid" for the empty buffers, skips the audio
    // and still applies the events.
    plugin.process(&mut [], &mut []);
    let now = plugin.get_param(output);
    assert_eq!(plugin.value_to_text(output, now), "-6.00 dB");
    // And it keeps processing normally afterwards.
    let (mut l, mut r) = stereo_signal(256, 48_000.0);
    plugin.process(&mut l, &mut r);
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
}

#[test]
fn bypass_passes_the_input_through_bit_exact_after_its_crossfade() {
    let sample_rate = 48_000.0;
    let block = 480;
    let mut plugin = active_plugin(sample_rate, block);
    voice_slot_a(&mut plugin);
    let n = ms_to_samples(400.0, sample_rate);
    let (in_l, in_r) = stereo_signal(n, sample_rate);
    let (mut l, mut r) = (in_l.clone(), in_r.clone());

    // 100 ms processed, then bypass at a sample offset inside a block.
    let switch = ms_to_samples(100.0, sample_rate) + 123;
    plugin.process_in_blocks(&mut l[..switch - 123], &mut r[..switch - 123], &[block]);
    assert_ne!(
        &l[..switch - 123],
        &in_l[..switch - 123],
        "voiced output equals input"
    );
    let bypass = plugin.param_id("Bypass");
    plugin.set_param(bypass, 1.0, 123);
    plugin.process_in_blocks(&mut l[switch - 123..], &mut r[switch - 123..], &[block]);

    let settled = switch + ms_to_samples(CROSSFADE_MS, sample_rate);
    assert_eq!(&l[settled..], &in_l[settled..], "left not bit-exact");
    assert_eq!(&r[settled..], &in_r[settled..], "right not bit-exact");
    // The crossfade is gradual: the sample right after the switch is not yet dry.
    assert_ne!(l[switch + 1], in_l[switch + 1]);
}

#[test]
fn output_gain_of_minus_6_db_measures_minus_6_db() {
    let sample_rate = 48_000.0;
    let n = ms_to_samples(500.0, sample_rate);
    let (in_l, in_r) = stereo_signal(n, sample_rate);
    let render = |text: &str| {
        let mut plugin = active_plugin(sample_rate, 1024);
        voice_slot_a(&mut plugin);
        let output = plugin.param_id("Output");
        let value = plugin.text_to_value(output, text).unwrap();
        plugin.set_param(output, value, 0);
        let (mut l, mut r) = (in_l.clone(), in_r.clone());
        plugin.process_in_blocks(&mut l, &mut r, &[1024]);
        (l, r)
    };
    let unity = render("0");
    // 20·log10(0.5) = -6.02 dB.
    let half = render("-6.0206");
    // Skip the gain smoother's glide (50 ms logarithmic, src/params.rs).
    let from = ms_to_samples(200.0, sample_rate);
    for (ch, a, b) in [("left", &unity.0, &half.0), ("right", &unity.1, &half.1)] {
        let ratio_db = 20.0 * (rms(&b[from..]) / rms(&a[from..])).log10();
        assert!(
            (ratio_db + 6.02).abs() < 0.1,
            "{ch}: output ratio {ratio_db:.3} dB, expected -6.02 dB"
        );
    }
}

/// Two identical instances get the same input; the second gets parameter events at
/// `offset` of its second block. Returns (reference, changed) outputs and the absolute
/// sample index of the change.
type Stereo = (Vec<f32>, Vec<f32>);

fn render_with_change(
    setup: impl Fn(&mut ClapPlugin),
    change: impl Fn(&mut ClapPlugin, u32),
    in_l: &[f32],
    in_r: &[f32],
) -> (Stereo, Stereo, usize) {
    const BLOCK: usize = 1024;
    const OFFSET: u32 = 301;
    let run = |with_change: bool| {
        let mut plugin = active_plugin(48_000.0, BLOCK);
        setup(&mut plugin);
        let (mut l, mut r) = (in_l.to_vec(), in_r.to_vec());
        for (i, (bl, br)) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)).enumerate() {
            if with_change && i == 1 {
                change(&mut plugin, OFFSET);
            }
            plugin.process(bl, br);
        }
        (l, r)
    };
    (run(false), run(true), BLOCK + OFFSET as usize)
}

fn assert_changes_exactly_at(reference: &Stereo, changed: &Stereo, at: usize, what: &str) {
    assert_eq!(
        reference.0[..at],
        changed.0[..at],
        "{what}: left changed early"
    );
    assert_eq!(
        reference.1[..at],
        changed.1[..at],
        "{what}: right changed early"
    );
    let after = at + ms_to_samples(CROSSFADE_MS, 48_000.0);
    let diff = |a: &[f32], b: &[f32]| {
        let d: Vec<f32> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        rms(&d)
    };
    let d = diff(&reference.0[after..], &changed.0[after..])
        + diff(&reference.1[after..], &changed.1[after..]);
    assert!(
        d > 1e-3,
        "{what}: the event did not change the sound (rms diff {d})"
    );
}

#[test]
fn model_event_changes_the_sound_from_its_sample_offset() {
    let (in_l, in_r) = stereo_signal(8192, 48_000.0);
    let (reference, changed, at) = render_with_change(
        |_| {},
        |p, offset| {
            let model = p.param_id("A Model");
            let closed = step_for_text(p, model, "Closed-back");
            p.set_param(model, closed, offset);
        },
        &in_l,
        &in_r,
    );
    assert_changes_exactly_at(&reference, &changed, at, "A Model");
}

#[test]
fn ab_event_switches_slots_from_its_sample_offset() {
    let (in_l, in_r) = stereo_signal(8192, 48_000.0);
    let (reference, changed, at) = render_with_change(
        |p| {
            let model = p.param_id("B Model");
            let open = step_for_text(p, model, "Open-back");
            p.set_param(model, open, 0);
            p.flush_params();
        },
        |p, offset| {
            let ab = p.param_id("A/B");
            p.set_param(ab, 1.0, offset);
        },
        &in_l,
        &in_r,
    );
    assert_changes_exactly_at(&reference, &changed, at, "A/B");
}

#[test]
fn crossfeed_event_feeds_a_left_only_signal_into_the_right_channel() {
    let in_l = sine(8192, 500.0, 48_000.0, 0.5);
    let in_r = vec![0.0; in_l.len()];
    let (reference, changed, at) = render_with_change(
        |_| {},
        |p, offset| {
            let crossfeed = p.param_id("A Crossfeed");
            let default_xf = step_for_text(p, crossfeed, "Default 700 Hz/4.5 dB");
            p.set_param(crossfeed, default_xf, offset);
        },
        &in_l,
        &in_r,
    );
    assert_changes_exactly_at(&reference, &changed, at, "A Crossfeed");
    // Without crossfeed the right channel stays silent; with it, the left signal reaches
    // the right ear (bs2b default: 4.5 dB below the direct path at low frequencies).
    assert!(
        reference.1.iter().all(|&v| v.abs() < 1e-6),
        "right not silent"
    );
    let after = at + ms_to_samples(CROSSFADE_MS, 48_000.0);
    let level_db = 20.0 * (rms(&changed.1[after..]) / rms(&changed.0[after..])).log10();
    assert!(
        (-15.0..-2.0).contains(&level_db),
        "right/left with crossfeed: {level_db:.1} dB"
    );
}

#[test]
fn state_round_trip_into_a_fresh_instance_is_bit_exact() {
    let sample_rate = 48_000.0;
    let mut original = active_plugin(sample_rate, 512);
    // Move many parameters away from their defaults, through events as a host would.
    let changes: [(&str, &str); 9] = [
        ("A Model", "Closed-back"),
        ("A Crossfeed", "Custom"),
        ("A Crossfeed Cutoff", "820"),
        ("A ITD", "0.41"),
        ("A Width", "140"),
        ("B Model", "Open-back"),
        ("Monitor", "Swap L/R"),
        ("Output", "-3.5"),
        ("A/B", "A"),
    ];
    for (name, text) in changes {
        let id = original.param_id(name);
        let value = original
            .text_to_value(id, text)
            .unwrap_or_else(|| panic!("{name}: cannot parse {text:?}"));
        original.set_param(id, value, 0);
    }
    let (mut l, mut r) = stereo_signal(512, sample_rate);
    original.process(&mut l, &mut r);
    let state = original.save_state();
    assert!(!state.is_empty());

    let mut restored = ClapPlugin::load_bundled();
    restored.load_state(&state);
    let params = original.param_info();
    let mut non_default = 0;
    for p in &params {
        let (a, b) = (original.get_param(p.id), restored.get_param(p.id));
        assert_eq!(a, b, "{} differs after the state round trip", p.name);
        if a != p.default {
            non_default += 1;
        }
    }
    assert!(
        non_default >= 7,
        "state carries only {non_default} changed parameters"
    );
    // The restored state saves to the same bytes.
    assert_eq!(restored.save_state(), state);

    // Same input through both, from a fresh activation: identical output.
    original.activate(sample_rate, 512);
    restored.activate(sample_rate, 512);
    let n = ms_to_samples(200.0, sample_rate);
    let (in_l, in_r) = stereo_signal(n, sample_rate);
    let (mut a_l, mut a_r) = (in_l.clone(), in_r.clone());
    let (mut b_l, mut b_r) = (in_l.clone(), in_r.clone());
    original.process_in_blocks(&mut a_l, &mut a_r, &[512]);
    restored.process_in_blocks(&mut b_l, &mut b_r, &[512]);
    assert_eq!(a_l, b_l, "left differs");
    assert_eq!(a_r, b_r, "right differs");
    assert_ne!(a_l, in_l, "the restored settings do nothing");
}

/// A bounce: the host switches to offline rendering and reactivates. With Bounce-Safe on
/// (the default) the closed-back voicing is not printed: the output is the input, bit for
/// bit; with it off, the voicing is rendered; back in real time, it is heard again.
#[test]
fn bounce_safe_passes_an_offline_render_through_untouched() {
    let (in_l, in_r) = stereo_signal(8192, 48_000.0);
    let render = |bounce_safe: bool, offline: bool| {
        let mut p = ClapPlugin::load_bundled();
        p.set_render_mode(offline);
        p.activate(48_000.0, 512);
        let model = p.param_id("A Model");
        let closed = step_for_text(&mut p, model, "Closed-back");
        p.set_param(model, closed, 0);
        let bounce = p.param_id("Bounce-Safe");
        p.set_param(bounce, if bounce_safe { 1.0 } else { 0.0 }, 0);
        let (mut l, mut r) = (in_l.clone(), in_r.clone());
        p.process_in_blocks(&mut l, &mut r, &[512]);
        let diff = max_abs_diff((&l, &r), (&in_l, &in_r));
        eprintln!("offline {offline}, Bounce-Safe {bounce_safe}: max |out - in| {diff:.2e}");
        diff
    };
    assert_eq!(
        render(true, true),
        0.0,
        "offline, Bounce-Safe on: untouched"
    );
    assert!(
        render(false, true) > 1e-3,
        "offline, Bounce-Safe off: voiced"
    );
    assert!(
        render(true, false) > 1e-3,
        "real time, Bounce-Safe on: voiced"
    );
}
