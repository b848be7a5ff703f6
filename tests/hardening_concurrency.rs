//! Concurrency through the real CLAP host (`clack-host`, bundled `Cans.clap`): one thread
//! owns the started audio processor and processes hostile-free but busy audio with random
//! block sizes, while the main thread changes parameters (as parameter events the audio
//! thread delivers, the way CLAP hosts send automation and UI edits), reads parameter
//! values, saves states and loads presets, all concurrently, for
//! `CANS_CONCURRENCY_SECS` seconds (default 10).
//!
//! Checked: no deadlock (the audio thread keeps making progress: every wait for it has a
//! deadline), output always finite and bounded, every state saved mid-automation is a
//! well-formed state that loads, and after a preset load with automation paused, every
//! parameter equals the preset exactly and the state re-saves byte-identical (no torn
//! state).
//!
//! The editor is not opened: it needs a window system and the CLAP GUI extension in the
//! test host; this headless host has neither.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use support::clap_host::{ClapPlugin, ParamInfo};

const SAMPLE_RATE: f64 = 48_000.0;
const MAX_BLOCK: usize = 512;
/// Default run length; `CANS_CONCURRENCY_SECS` overrides it.
const DEFAULT_SECS: f64 = 10.0;
/// How long the main thread waits for the audio thread to make progress before calling it
/// a deadlock. Generous: a 2-core CI machine may be busy with other builds.
const STALL_LIMIT: Duration = Duration::from_secs(20);
/// Presets the main thread loads while audio runs.
const PRESETS: usize = 4;

/// xorshift64 (Marsaglia 2003).
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn unit(x: &mut u64) -> f64 {
    (next(x) >> 11) as f64 / (1u64 << 53) as f64
}

/// A random plain value for a parameter: mostly legal, sometimes out of range.
fn random_value(p: &ParamInfo, x: &mut u64) -> f64 {
    let u = unit(x);
    match next(x) % 8 {
        0 => p.max + 3.0 * u,
        1 => p.min - 3.0 * u,
        _ => {
            let v = p.min + u * (p.max - p.min);
            if p.stepped { v.round() } else { v }
        }
    }
}

fn state_json(bytes: &[u8]) -> serde_json::Value {
    assert!(bytes.len() >= 8, "state of {} bytes", bytes.len());
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(len, bytes.len() - 8, "state length prefix");
    serde_json::from_slice(&bytes[8..]).expect("state JSON")
}

fn values(plugin: &mut ClapPlugin, params: &[ParamInfo]) -> Vec<f64> {
    params.iter().map(|p| plugin.get_param(p.id)).collect()
}

/// Presets made in a separate instance: their states and their parameter values.
fn presets(params: &[ParamInfo], seed: &mut u64) -> Vec<(Vec<u8>, Vec<f64>)> {
    let mut maker = ClapPlugin::load_bundled();
    maker.activate(SAMPLE_RATE, MAX_BLOCK);
    (0..PRESETS)
        .map(|_| {
            for p in params {
                let v = p.min + unit(seed) * (p.max - p.min);
                maker.set_param(p.id, if p.stepped { v.round() } else { v }, 0);
            }
            let (mut l, mut r) = (vec![0.0; 64], vec![0.0; 64]);
            maker.process(&mut l, &mut r);
            (maker.save_state(), values(&mut maker, params))
        })
        .collect()
}

struct Shared {
    stop: AtomicBool,
    /// Parameter changes for the audio thread to deliver: (id, plain value).
    queue: Mutex<Vec<(u32, f64)>>,
    blocks: AtomicU64,
    samples: AtomicU64,
    events: AtomicU64,
}

#[test]
fn audio_thread_and_main_thread_run_concurrently_without_deadlock_or_torn_state() {
    let secs: f64 = support::env_or("CANS_CONCURRENCY_SECS", DEFAULT_SECS);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut plugin = ClapPlugin::load_bundled();
    let params = plugin.param_info();
    let presets = presets(&params, &mut seed);
    plugin.activate(SAMPLE_RATE, MAX_BLOCK);

    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        queue: Mutex::new(Vec::new()),
        blocks: AtomicU64::new(0),
        samples: AtomicU64::new(0),
        events: AtomicU64::new(0),
    });
    let mut audio = plugin.split_audio_thread();
    let audio_shared = shared.clone();
    let audio_thread = thread::spawn(move || {
        let s = audio_shared;
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let (mut l, mut r) = (vec![0.0f32; MAX_BLOCK], vec![0.0f32; MAX_BLOCK]);
        let mut t = 0u64;
        let mut peak = 0.0f32;
        while !s.stop.load(Ordering::SeqCst) {
            let n = 1 + (next(&mut x) % MAX_BLOCK as u64) as usize;
            if let Ok(mut queue) = s.queue.try_lock() {
                // At most what one block can carry; the rest waits for the next block.
                let take = queue.len().min(64);
                for (id, value) in queue.drain(..take) {
                    let offset = (next(&mut x) % n as u64) as u32;
                    audio.set_param(id, value, offset);
                    s.events.fetch_add(1, Ordering::SeqCst);
                }
            }
            // Full-scale square wave on the left, noise on the right.
            for i in 0..n {
                let k = t + i as u64;
                l[i] = if (k / 55).is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                };
                r[i] = (unit(&mut x) * 2.0 - 1.0) as f32;
            }
            audio.process(&mut l[..n], &mut r[..n]);
            for &v in l[..n].iter().chain(&r[..n]) {
                assert!(v.is_finite(), "non-finite output at sample {t}");
                peak = peak.max(v.abs());
            }
            // Full-scale input, at most +24 dB of output gain (engine MAX_OUTPUT_GAIN) and
            // 24 dB of filter and width headroom (as in tests/hardening_fuzz.rs).
            assert!(peak < 16.0 * 15.85, "output peak {peak}");
            t += n as u64;
            s.samples.fetch_add(n as u64, Ordering::SeqCst);
            s.blocks.fetch_add(1, Ordering::SeqCst);
        }
        (audio, peak)
    });

    // Wait until the audio thread has processed `blocks` more blocks (or fail: deadlock).
    let wait_blocks = |blocks: u64| {
        let target = shared.blocks.load(Ordering::SeqCst) + blocks;
        let start = Instant::now();
        while shared.blocks.load(Ordering::SeqCst) < target {
            assert!(
                start.elapsed() < STALL_LIMIT,
                "the audio thread made no progress for {STALL_LIMIT:?}: deadlock"
            );
            thread::sleep(Duration::from_micros(200));
        }
    };
    let wait_queue_empty = || {
        let start = Instant::now();
        while !shared.queue.lock().unwrap().is_empty() {
            assert!(start.elapsed() < STALL_LIMIT, "parameter queue not drained");
            thread::sleep(Duration::from_micros(200));
        }
    };

    let start = Instant::now();
    let (mut saves, mut loads, mut checks, mut pushes) = (0u64, 0u64, 0u64, 0u64);
    while start.elapsed().as_secs_f64() < secs {
        match next(&mut seed) % 10 {
            // Parameter changes (automation / UI edits).
            0..=4 => {
                let changes: Vec<_> = (0..1 + next(&mut seed) % 16)
                    .map(|_| {
                        let p = &params[(next(&mut seed) % params.len() as u64) as usize];
                        (p.id, random_value(p, &mut seed))
                    })
                    .collect();
                pushes += changes.len() as u64;
                shared.queue.lock().unwrap().extend(changes);
            }
            // Read every value while the audio thread writes them.
            5 | 6 => {
                for (p, v) in params.iter().zip(values(&mut plugin, &params)) {
                    assert!(
                        v.is_finite() && v >= p.min && v <= p.max,
                        "{} = {v} read mid-automation",
                        p.name
                    );
                }
                checks += 1;
            }
            // Save mid-automation: a well-formed state that loads into another instance.
            7 => {
                let bytes = plugin.save_state();
                let json = state_json(&bytes);
                assert_eq!(json["fields"]["state_version"], "1");
                assert_eq!(
                    json["params"].as_object().map(|m| m.len()),
                    Some(params.len()),
                    "every parameter saved"
                );
                if saves % 16 == 0 {
                    let mut other = ClapPlugin::load_bundled();
                    other.load_state(&bytes);
                }
                saves += 1;
            }
            // Load a preset with automation paused: exactly the preset, nothing torn.
            _ => {
                let (bytes, expected) = &presets[(next(&mut seed) % PRESETS as u64) as usize];
                wait_queue_empty();
                // The drained events have been delivered and applied.
                wait_blocks(2);
                plugin.load_state(bytes);
                // Read back while audio keeps running (nothing queued now).
                wait_blocks(2);
                let got = values(&mut plugin, &params);
                for ((p, g), e) in params.iter().zip(&got).zip(expected) {
                    assert_eq!(g.to_bits(), e.to_bits(), "{} after a preset load", p.name);
                }
                assert_eq!(&plugin.save_state(), bytes, "re-saved preset differs");
                loads += 1;
            }
        }
        // A host's main thread idles between calls; keep the two threads interleaving.
        thread::sleep(Duration::from_micros(100 + next(&mut seed) % 400));
        wait_blocks(0);
    }
    wait_blocks(1);
    shared.stop.store(true, Ordering::SeqCst);
    let (audio, peak) = audio_thread.join().expect("audio thread panicked");
    plugin.join_audio_thread(audio);
    plugin.deactivate();

    let samples = shared.samples.load(Ordering::SeqCst);
    eprintln!(
        "concurrency: {:.1} s wall, {} blocks, {:.1} s of audio, {} events delivered \
         ({pushes} queued), {saves} saves, {loads} preset loads, {checks} value sweeps, \
         output peak {peak:.2}",
        start.elapsed().as_secs_f64(),
        shared.blocks.load(Ordering::SeqCst),
        samples as f64 / SAMPLE_RATE,
        shared.events.load(Ordering::SeqCst),
    );
    assert!(
        loads > 0 && saves > 0,
        "the run was too short to exercise state"
    );
}
