//! The speakers through the bundled `Cans.clap` in a real CLAP host (`clack-host`): an
//! offline render has them from its first sample, a real-time activation gets them from
//! the background thread within a fraction of a second, and what the host hears is what
//! the engine verified against the SOFA data in `tests/speakers.rs` plays. Run through
//! `cargo xtask test` (the debug bundle with `assert_process_allocs`: an allocation in
//! `process` aborts the test, also the moment the kit arrives).

mod support;

use std::time::{Duration, Instant};

use cans::params::Model;
use cans::settings::{SlotValues, Values};
use support::clap_host::ClapPlugin;
use support::signal;

const FS: f64 = 48_000.0;
const BLOCK: usize = 512;
/// Longest a real-time activation may wait for the speakers (the design takes 0.1–0.5 s
/// in a debug build on a 2-core machine; this is a hang detector, not a speed goal: the
/// time is printed).
const ARRIVAL_LIMIT: Duration = Duration::from_secs(20);

/// Turn slot A's speakers on at `angle` with the room at `room_percent`, and Bounce-Safe
/// off (an offline render would pass the input through), before activation.
fn speakers_on(plugin: &mut ClapPlugin, angle: f64, room_percent: f64) {
    // The host's values of the parameters are its own (CLAP: a step index for the angle,
    // 0..1 for the room): set from the text a user types.
    for (name, text) in [
        ("A Speakers", "On".to_string()),
        ("A Speaker Angle", format!("{angle}")),
        ("A Room", format!("{room_percent}")),
        ("Bounce-Safe", "Off".to_string()),
    ] {
        let id = plugin.param_id(name);
        let v = plugin
            .text_to_value(id, &text)
            .unwrap_or_else(|| panic!("{name} = {text:?} refused"));
        plugin.set_param(id, v, 0);
    }
    plugin.flush_params();
}

/// The engine (in this process) that the plug-in runs, fed the same blocks.
fn engine_output(angle: u32, room: f64, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let slot = SlotValues {
        model: Model::Neutral,
        speakers: true,
        spk_angle_deg: angle,
        room,
        ..SlotValues::default()
    };
    let settings = Values::default().with_slot(slot).engine_settings();
    let mut engine = support::engine::engine(FS, settings);
    support::engine::run(&mut engine, left, right, BLOCK)
}

#[test]
fn an_offline_render_has_the_speakers_from_its_first_sample() {
    let n = (FS * 1.5) as usize;
    let left = signal::pink(n, FS, 0.1, 7);
    let right = vec![0.0f32; n];
    for (angle, room) in [(30, 0.0), (45, 100.0)] {
        let mut plugin = ClapPlugin::load_bundled();
        speakers_on(&mut plugin, angle as f64, room);
        plugin.set_render_mode(true);
        plugin.activate(FS, BLOCK);
        let (mut l, mut r) = (left.clone(), right.clone());
        plugin.process_in_blocks(&mut l, &mut r, &[BLOCK]);
        let (el, er) = engine_output(angle, room / 100.0, &left, &right);
        let diff = signal::max_abs_diff((&l, &r), (&el, &er));
        // A left-only input reaches the right ear: the speakers play (the slot has no
        // crossfeed, so without them the right channel is silent).
        let crosstalk_db = signal::db(signal::rms(&r[n / 2..]) / signal::rms(&l[n / 2..]));
        println!(
            "{angle}°, room {room} %: host vs engine max |diff| {diff:.2e}, \
             right/left {crosstalk_db:.1} dB"
        );
        assert!(diff < 1e-5, "the host hears something else: {diff}");
        assert!(
            (-20.0..-1.0).contains(&crosstalk_db),
            "right/left {crosstalk_db:.1} dB: not two speakers"
        );
    }
}

#[test]
fn a_real_time_activation_gets_the_speakers_from_the_background_thread() {
    let mut plugin = ClapPlugin::load_bundled();
    // 44.1 kHz: no other test of this process designs it, so the background thread does.
    let fs = 44_100.0;
    speakers_on(&mut plugin, 30.0, 0.0);
    plugin.activate(fs, BLOCK);
    let left = signal::pink(BLOCK, fs, 0.1, 3);
    let t0 = Instant::now();
    let mut blocks = 0usize;
    let arrived = loop {
        let (mut l, mut r) = (left.clone(), vec![0.0f32; BLOCK]);
        plugin.process(&mut l, &mut r);
        blocks += 1;
        assert!(l.iter().chain(&r).all(|v| v.is_finite()));
        // Without speakers (no crossfeed) the right channel is exactly silent.
        if r.iter().any(|v| *v != 0.0) {
            break t0.elapsed();
        }
        assert!(t0.elapsed() < ARRIVAL_LIMIT, "the speakers never arrived");
        std::thread::sleep(Duration::from_secs_f64(BLOCK as f64 / fs));
    };
    println!("speakers arrived after {arrived:?} ({blocks} blocks of {BLOCK})");
    // Then they stay: a second of blocks, every one with the right channel playing.
    for _ in 0..(fs as usize / BLOCK) {
        let (mut l, mut r) = (left.clone(), vec![0.0f32; BLOCK]);
        plugin.process(&mut l, &mut r);
        assert!(signal::rms(&r) > 1e-4);
    }
}
