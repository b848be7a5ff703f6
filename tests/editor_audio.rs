//! Opening and closing the editor while audio runs neither allocates on the audio thread
//! nor changes the audio. Tested on the framework-free path `lib.rs` runs after the
//! engine: `dsp::meters::OutputTap` (meters + analyzer ring), with the editor's analyzer
//! draining the ring on another thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cans::dsp::chain::{ChainConfig, CrossfeedMode};
use cans::dsp::crossfeed::CrossfeedSettings;
use cans::dsp::engine::{Engine, EngineSettings};
use cans::dsp::meters::{MeterReadings, OutputTap, analyzer_ring};
use cans::editor::analyzer::Analyzer;

mod support;

#[global_allocator]
static GLOBAL: support::heap_count::CountingAlloc = support::heap_count::CountingAlloc;

const FS: f64 = 48_000.0;
const BLOCK: usize = 512;
const BLOCKS: usize = 400;

/// Deterministic stereo test signal: two detuned LCG noises with a shared component.
fn signal(block: usize) -> (Vec<f32>, Vec<f32>) {
    let mut state = 0x2545_f491_u32.wrapping_mul(block as u32 + 1);
    let mut next = || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    let mut l = vec![0.0; BLOCK];
    let mut r = vec![0.0; BLOCK];
    for i in 0..BLOCK {
        let common = next();
        l[i] = 0.5 * (common + next());
        r[i] = 0.5 * (common + next());
    }
    (l, r)
}

fn settings() -> EngineSettings {
    EngineSettings {
        config: ChainConfig {
            crossfeed: CrossfeedMode::Preset(CrossfeedSettings::DEFAULT),
            ..ChainConfig::default()
        },
        ..EngineSettings::default()
    }
}

/// Run the audio path; `open(block)` says whether the editor is open during that block.
fn run(
    open: impl Fn(usize) -> bool,
    tap: &mut OutputTap,
) -> (Vec<f32>, Vec<Option<MeterReadings>>) {
    let mut engine = Engine::new(FS);
    engine.set(settings());
    engine.reset();
    let mut out = Vec::new();
    let mut readings = Vec::new();
    for b in 0..BLOCKS {
        let (mut l, mut r) = signal(b);
        engine.process(&mut l, &mut r);
        readings.push(tap.process(&l, &r, open(b)));
        out.extend(l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]));
    }
    (out, readings)
}

#[test]
fn opening_and_closing_the_editor_leaves_audio_bit_identical_and_meters_run_only_while_open() {
    let (tx, _rx_closed) = analyzer_ring();
    let (closed_out, closed_meters) = run(|_| false, &mut OutputTap::new(FS, tx));
    // Nobody looks: nothing is measured.
    assert!(closed_meters.iter().all(Option::is_none));

    let (tx, rx) = analyzer_ring();
    let mut analyzer = Analyzer::new(Some(rx));
    let mut tap = OutputTap::new(FS, tx);
    // Open for blocks 50..150 and 220..400 (toggled twice while running).
    let is_open = |b: usize| (50..150).contains(&b) || b >= 220;
    let (open_out, open_meters) = run(is_open, &mut tap);
    assert_eq!(closed_out.len(), open_out.len());
    assert!(
        closed_out
            .iter()
            .zip(&open_out)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    // Readings exactly while open; after each opening the meters restart from silence:
    // they equal a fresh meter fed only the blocks since the editor opened.
    for (b, m) in open_meters.iter().enumerate() {
        assert_eq!(m.is_some(), is_open(b), "block {b}");
    }
    for opened in [50, 220] {
        let mut fresh = cans::dsp::meters::Meters::new(FS);
        for b in opened..opened + 60 {
            let (l, r) = open_out[b * 2 * BLOCK..(b + 1) * 2 * BLOCK]
                .chunks(2)
                .map(|f| (f[0], f[1]))
                .unzip::<f32, f32, Vec<f32>, Vec<f32>>();
            fresh.process(&l, &r);
            assert_eq!(open_meters[b], Some(fresh.readings()), "block {b}");
        }
    }
    // The ring carried exactly the frames of the open blocks that fitted.
    let frames = analyzer.drain();
    let capacity = cans::dsp::meters::ANALYZER_RING_FRAMES;
    assert_eq!(frames, capacity.min((100 + 180) * BLOCK));
    // And the meters measured something real: the signal is about -15 dBFS RMS.
    let last = open_meters.last().unwrap().unwrap();
    assert!(
        last.short_term_lufs[0] > -25.0 && last.short_term_lufs[0] < -5.0,
        "{last:?}"
    );
    assert!(last.correlation > 0.2 && last.correlation < 0.9, "{last:?}");
}

#[test]
fn audio_thread_never_allocates_while_the_editor_opens_closes_and_analyzes() {
    let (tx, rx) = analyzer_ring();
    let editor_open = Arc::new(AtomicBool::new(true));
    let stop = Arc::new(AtomicBool::new(false));
    // The editor thread: toggles open/closed and runs the analyzer (allocation allowed).
    let gui = {
        let editor_open = editor_open.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut analyzer = Analyzer::new(Some(rx));
            let mut frames = 0;
            let mut n = 0u32;
            while !stop.load(Ordering::Acquire) {
                editor_open.store(n % 20 < 12, Ordering::Release);
                frames += analyzer.drain();
                analyzer.transform();
                n += 1;
                std::thread::yield_now();
            }
            frames
        })
    };
    let mut engine = Engine::new(FS);
    engine.set(settings());
    engine.reset();
    let mut tap = OutputTap::new(FS, tx);
    let blocks: Vec<_> = (0..BLOCKS).map(signal).collect();
    let mut buffers = blocks.clone();
    // Warm up (first-touch effects outside the measured region).
    let (l0, r0) = &mut buffers[0];
    engine.process(l0, r0);
    tap.process(l0, r0, true);

    support::heap_count::start();
    let mut opened_blocks = 0;
    for (l, r) in buffers.iter_mut().skip(1) {
        let open = editor_open.load(Ordering::Acquire);
        opened_blocks += open as usize;
        engine.process(l, r);
        tap.process(l, r, open);
        // Give the editor thread a chance to toggle between blocks.
        std::thread::yield_now();
    }
    let allocations = support::heap_count::stop();
    stop.store(true, Ordering::Release);
    let frames = gui.join().unwrap();
    assert_eq!(allocations, 0, "the audio thread allocated");
    assert!(
        opened_blocks > 0,
        "the editor was never open during the run"
    );
    assert!(frames > 0, "the analyzer received nothing");
}
