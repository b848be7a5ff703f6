//! `cans-bench`: in-process measurements for `cargo xtask bench` (dev-only; needs the
//! `bench-libbs2b` feature and Debian's `libbs2b-dev`).
//!
//! - `cans-bench table [--rounds R] [--seconds S]`: times the contenders side by side,
//!   alternating them (A B C … A B C …) for R rounds, and prints one `name median_ns
//!   min_ns` line per contender (ns per stereo frame, after subtracting the cost of copying
//!   the input block, which every contender pays). Time is the thread's CPU time.
//! - `cans-bench render-fixed FRAMES [--plugin]`: run the full steady chain over FRAMES
//!   frames of a fixed signal and exit (run under callgrind to count instructions per
//!   frame); `--plugin` adds the output tap as the plug-in runs it, editor closed.
//! - `cans-bench gen-wav PATH SECONDS`: write the benchmark input, 48 kHz stereo f32 noise.
//! - `cans-bench speakers-ir PATH`: write the speakers' two responses at 30°, room 100 %
//!   (mid and side, as the engine plays them: measured from its impulse response) as a
//!   48 kHz stereo f32 WAV, for ffmpeg's `afir`.
//! - `cans-bench block-times`: the slowest block against the median block, speakers at
//!   room 100 % (Cans and `fft-convolver`) at blocks 32, 256 and 1024.
//! - `cans-bench onset PATH`: the first sample of a WAV's left channel above -60 dB of its
//!   peak (a renderer's latency, fed an impulse).
//! - `cans-bench gen-impulse PATH`: one second of 48 kHz stereo with an impulse at 0 on the left.

use std::ffi::c_void;
use std::hint::black_box;

use cans::dsp::crossfeed::{Crossfeed, CrossfeedCoeffs, CrossfeedSettings};
use cans::dsp::engine::{Engine, EngineSettings};
use cans::dsp::fade::crossfade_len;
use cans::dsp::meters::{OutputTap, analyzer_ring};
use cans::params::CrossfeedPreset;
use cans_tools::bench_eq;

#[link(name = "bs2b")]
unsafe extern "C" {
    fn bs2b_open() -> *mut c_void;
    fn bs2b_close(bs2b: *mut c_void);
    fn bs2b_set_level(bs2b: *mut c_void, level: u32);
    fn bs2b_set_srate(bs2b: *mut c_void, srate: u32);
    fn bs2b_cross_feed_f(bs2b: *mut c_void, sample: *mut f32, n: i32);
}

/// `struct timespec` and `clock_gettime(2)` from the C library std already links.
#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}
unsafe extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}
/// Linux `CLOCK_THREAD_CPUTIME_ID` (<linux/time.h>): CPU time of the calling thread, so a
/// busy machine preempting the benchmark does not count against any contender.
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

fn thread_cpu_ns() -> f64 {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// libbs2b's `BS2B_DEFAULT_CLEVEL`: 700 Hz | (45 << 16) (4.5 dB), bs2b.h.
const BS2B_DEFAULT_CLEVEL: u32 = 700 | (45 << 16);

const FS: f64 = 48_000.0;
/// Biquads per channel of the benchmarked full chain: the worst case (correction
/// and voicing of 10 sections each).
const FULL_CHAIN_BIQUADS: usize = 20;
/// Block size of the stage comparisons (a common host buffer).
const STAGE_BLOCK: usize = 512;

/// Deterministic stereo test signal: two partly correlated white noises at about -12 dBFS
/// (xorshift64*, Vigna 2016), so crossfeed and width have side content to work on.
fn test_signal(frames: usize) -> (Vec<f32>, Vec<f32>) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let v = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        (v as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    let mut l = Vec::with_capacity(frames);
    let mut r = Vec::with_capacity(frames);
    for _ in 0..frames {
        let common = next();
        l.push(0.25 * (0.6 * common + 0.4 * next()));
        r.push(0.25 * (0.6 * common + 0.4 * next()));
    }
    (l, r)
}

/// The benchmarked full chain ([`bench_eq::full_chain`] at [`FULL_CHAIN_BIQUADS`]).
fn full_chain(crossfeed: CrossfeedPreset) -> EngineSettings {
    bench_eq::full_chain(crossfeed, FULL_CHAIN_BIQUADS)
}

/// The speakers alone (neutral voicing, no correction): angle and room.
fn speakers_chain(angle_deg: u32, room: f64) -> EngineSettings {
    cans::settings::Values {
        slot: cans::settings::SlotValues {
            speakers: true,
            spk_angle_deg: angle_deg,
            room,
            ..Default::default()
        },
        ..Default::default()
    }
    .engine_settings()
}

/// One timed contender: processes `frames` of the test signal in blocks.
trait Contender {
    fn name(&self) -> String;
    fn run(&mut self, l: &[f32], r: &[f32]);
}

/// Copy `l`, `r` block by block (`block` frames) into the work buffers `wl`, `wr` and hand
/// each filled part to `f`: the copy every planar contender pays.
fn for_each_block(
    l: &[f32],
    r: &[f32],
    block: usize,
    wl: &mut [f32],
    wr: &mut [f32],
    mut f: impl FnMut(&mut [f32], &mut [f32]),
) {
    for (cl, cr) in l.chunks(block).zip(r.chunks(block)) {
        let n = cl.len();
        wl[..n].copy_from_slice(cl);
        wr[..n].copy_from_slice(cr);
        f(&mut wl[..n], &mut wr[..n]);
    }
}

/// An engine settled on `settings` (no fade pending), as `activate` leaves it.
fn settled_engine(settings: EngineSettings) -> Engine {
    let mut engine = Engine::with_speakers(FS);
    engine.set(settings);
    engine.reset();
    engine
}

/// The cost every contender pays: copying each block into its work buffers.
struct CopyOnly {
    wl: Vec<f32>,
    wr: Vec<f32>,
}

impl Contender for CopyOnly {
    fn name(&self) -> String {
        "copy".into()
    }
    fn run(&mut self, l: &[f32], r: &[f32]) {
        for_each_block(l, r, STAGE_BLOCK, &mut self.wl, &mut self.wr, |wl, wr| {
            black_box((wl, wr));
        });
    }
}

struct Libbs2b {
    handle: *mut c_void,
    inter: Vec<f32>,
}

impl Libbs2b {
    fn new() -> Self {
        // SAFETY: plain C API; the handle lives until `drop`.
        let handle = unsafe { bs2b_open() };
        assert!(!handle.is_null(), "bs2b_open failed");
        unsafe {
            bs2b_set_level(handle, BS2B_DEFAULT_CLEVEL);
            bs2b_set_srate(handle, FS as u32);
        }
        Self {
            handle,
            inter: vec![0.0; 2 * STAGE_BLOCK],
        }
    }
}

impl Drop for Libbs2b {
    fn drop(&mut self) {
        unsafe { bs2b_close(self.handle) };
    }
}

impl Contender for Libbs2b {
    fn name(&self) -> String {
        "libbs2b".into()
    }
    fn run(&mut self, l: &[f32], r: &[f32]) {
        // libbs2b takes interleaved frames; the interleaving stands in for the copy.
        for (cl, cr) in l.chunks(STAGE_BLOCK).zip(r.chunks(STAGE_BLOCK)) {
            let n = cl.len();
            for i in 0..n {
                self.inter[2 * i] = cl[i];
                self.inter[2 * i + 1] = cr[i];
            }
            // SAFETY: `inter` holds 2 * n floats.
            unsafe { bs2b_cross_feed_f(self.handle, self.inter.as_mut_ptr(), n as i32) };
            black_box(&mut self.inter);
        }
    }
}

/// The Cans crossfeed stage alone, on planar f32 blocks like a host's.
struct CansCrossfeed {
    label: &'static str,
    xf: Crossfeed,
    wl: Vec<f32>,
    wr: Vec<f32>,
}

impl CansCrossfeed {
    fn new(label: &'static str, itd_ms: f64, mono_flat: bool) -> Self {
        let mut xf = Crossfeed::new(64);
        let coeffs = CrossfeedCoeffs::design(CrossfeedSettings::DEFAULT, FS);
        xf.configure(coeffs, itd_ms * 1e-3 * FS, mono_flat);
        Self {
            label,
            xf,
            wl: vec![0.0; STAGE_BLOCK],
            wr: vec![0.0; STAGE_BLOCK],
        }
    }
}

impl Contender for CansCrossfeed {
    fn name(&self) -> String {
        self.label.into()
    }
    fn run(&mut self, l: &[f32], r: &[f32]) {
        let xf = &mut self.xf;
        for_each_block(l, r, STAGE_BLOCK, &mut self.wl, &mut self.wr, |wl, wr| {
            xf.process(wl, wr);
            black_box((wl, wr));
        });
    }
}

/// The whole engine at one block size, steady or always crossfading between two chains.
struct CansEngine {
    label: String,
    engine: Engine,
    block: usize,
    /// Settings to alternate between (one entry: steady).
    settings: Vec<EngineSettings>,
    toggle_every: usize,
    since_toggle: usize,
    heard: usize,
    wl: Vec<f32>,
    wr: Vec<f32>,
}

impl CansEngine {
    fn new(label: String, block: usize, settings: Vec<EngineSettings>) -> Self {
        Self {
            label,
            engine: settled_engine(settings[0].clone()),
            block,
            settings,
            // A new change is taken as soon as the running fade ends, so toggling once per
            // fade length keeps a crossfade running nearly all the time.
            toggle_every: crossfade_len(FS),
            since_toggle: 0,
            heard: 0,
            wl: vec![0.0; block],
            wr: vec![0.0; block],
        }
    }
}

/// What the plug-in's `process` runs per block besides the engine: the output meters, and
/// with the editor open the analyzer feed into its ring (drained here as the editor's
/// thread would, by moving the read index: O(1), no copy).
struct CansWithMeters {
    label: String,
    engine: Engine,
    tap: OutputTap,
    ring: rtrb::Consumer<f32>,
    editor_open: bool,
    block: usize,
    wl: Vec<f32>,
    wr: Vec<f32>,
}

impl CansWithMeters {
    fn new(label: &str, block: usize, settings: EngineSettings, editor_open: bool) -> Self {
        let (tx, ring) = analyzer_ring();
        Self {
            label: label.into(),
            engine: settled_engine(settings),
            tap: OutputTap::new(FS, tx),
            ring,
            editor_open,
            block,
            wl: vec![0.0; block],
            wr: vec![0.0; block],
        }
    }
}

impl Contender for CansWithMeters {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn run(&mut self, l: &[f32], r: &[f32]) {
        let (engine, tap, ring, open) = (
            &mut self.engine,
            &mut self.tap,
            &mut self.ring,
            self.editor_open,
        );
        for_each_block(l, r, self.block, &mut self.wl, &mut self.wr, |wl, wr| {
            engine.process(wl, wr);
            black_box(tap.process(wl, wr, open));
            if let Ok(chunk) = ring.read_chunk(ring.slots()) {
                chunk.commit_all();
            }
        });
    }
}

impl Contender for CansEngine {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn run(&mut self, l: &[f32], r: &[f32]) {
        let (engine, settings) = (&mut self.engine, &self.settings);
        let (since_toggle, heard, toggle_every) =
            (&mut self.since_toggle, &mut self.heard, self.toggle_every);
        for_each_block(l, r, self.block, &mut self.wl, &mut self.wr, |wl, wr| {
            let n = wl.len();
            engine.process(wl, wr);
            black_box((wl, wr));
            if settings.len() > 1 {
                *since_toggle += n;
                if *since_toggle >= toggle_every {
                    *since_toggle = 0;
                    *heard = (*heard + 1) % settings.len();
                    engine.set(settings[*heard].clone());
                }
            }
        });
    }
}

/// The speakers' mid and side responses at `angle`, room `room`, as the engine plays them
/// (with the level match): its output for a centred impulse and for a side impulse.
fn speakers_responses(angle_deg: u32, room: f64) -> [Vec<f32>; 2] {
    let len = cans::dsp::speakers::bank::SpeakerBank::builtin(FS).room_taps + 64;
    std::array::from_fn(|c| {
        let mut engine = settled_engine(speakers_chain(angle_deg, room));
        let (mut l, mut r) = (vec![0.0f32; len], vec![0.0f32; len]);
        l[0] = 1.0;
        r[0] = if c == 0 { 1.0 } else { -1.0 };
        engine.process(&mut l, &mut r);
        // Mid in: each ear gets mid ⊗ x; side in: left gets side ⊗ x.
        l
    })
}

/// The `fft-convolver` crate's two-stage (zero-latency) convolver on the same mid and side
/// responses, with the same mid/side shuffle around it.
struct FftConvolverPair {
    label: String,
    block: usize,
    conv: [fft_convolver::TwoStageFFTConvolver<f32>; 2],
    wl: Vec<f32>,
    wr: Vec<f32>,
    mid: Vec<f32>,
    side: Vec<f32>,
    out_mid: Vec<f32>,
    out_side: Vec<f32>,
}

/// The head (first-stage) block of the `fft-convolver` peer: 32 frames, Cans's partition.
const FFT_CONVOLVER_HEAD: usize = 32;

impl FftConvolverPair {
    fn new(label: String, block: usize, responses: &[Vec<f32>; 2]) -> Self {
        let conv = std::array::from_fn(|c| {
            let mut conv = fft_convolver::TwoStageFFTConvolver::default();
            conv.init_default(FFT_CONVOLVER_HEAD, &responses[c])
                .expect("fft-convolver accepts the response");
            conv
        });
        Self {
            label,
            block,
            conv,
            wl: vec![0.0; block],
            wr: vec![0.0; block],
            mid: vec![0.0; block],
            side: vec![0.0; block],
            out_mid: vec![0.0; block],
            out_side: vec![0.0; block],
        }
    }

    fn process(&mut self, n: usize) {
        for i in 0..n {
            self.mid[i] = 0.5 * (self.wl[i] + self.wr[i]);
            self.side[i] = 0.5 * (self.wl[i] - self.wr[i]);
        }
        let [cm, cs] = &mut self.conv;
        cm.process(&self.mid[..n], &mut self.out_mid[..n])
            .expect("sizes");
        cs.process(&self.side[..n], &mut self.out_side[..n])
            .expect("sizes");
        for i in 0..n {
            self.wl[i] = self.out_mid[i] + self.out_side[i];
            self.wr[i] = self.out_mid[i] - self.out_side[i];
        }
    }
}

impl Contender for FftConvolverPair {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn run(&mut self, l: &[f32], r: &[f32]) {
        for (cl, cr) in l.chunks(self.block).zip(r.chunks(self.block)) {
            let n = cl.len();
            self.wl[..n].copy_from_slice(cl);
            self.wr[..n].copy_from_slice(cr);
            self.process(n);
            black_box((&self.wl, &self.wr));
        }
    }
}

/// Per-block cost: every block of `l`/`r` timed on its own, `passes` times; each block
/// position keeps its fastest pass (what the algorithm costs there, without the machine's
/// interruptions, which land on random blocks), then the slowest position against the
/// median one. A convolver that does a big FFT every N blocks shows it at those positions
/// in every pass.
fn block_profile(
    block: usize,
    frames: usize,
    passes: usize,
    mut process: impl FnMut(&mut [f32], &mut [f32]),
) -> (f64, f64) {
    let (l, r) = test_signal(frames);
    let blocks = frames / block;
    let mut best = vec![f64::INFINITY; blocks];
    let (mut wl, mut wr) = (vec![0.0f32; block], vec![0.0f32; block]);
    for _ in 0..passes {
        for (b, t) in best.iter_mut().enumerate() {
            wl.copy_from_slice(&l[b * block..(b + 1) * block]);
            wr.copy_from_slice(&r[b * block..(b + 1) * block]);
            let t0 = thread_cpu_ns();
            process(&mut wl, &mut wr);
            *t = t.min(thread_cpu_ns() - t0);
            black_box((&wl, &wr));
        }
    }
    let worst = best.iter().copied().fold(0.0, f64::max);
    (median(&mut best.clone()), worst)
}

fn block_times() {
    // A whole number of every convolver's longest cycle (Cans: 256 frames × 8; the
    // fft-convolver tail: its tail block), so every position recurs in every pass.
    let frames = 1 << 16;
    let responses = speakers_responses(30, 1.0);
    for block in [32usize, 256, 1024] {
        let mut engine = settled_engine(speakers_chain(30, 1.0));
        let (med, worst) = block_profile(block, frames, 8, |l, r| engine.process(l, r));
        println!(
            "blocks_cans_b{block} {med:.1} {worst:.1} {:.2}",
            worst / med
        );
        let mut peer = FftConvolverPair::new(String::new(), block, &responses);
        let (med, worst) = block_profile(block, frames, 8, |l, r| {
            peer.wl.copy_from_slice(l);
            peer.wr.copy_from_slice(r);
            peer.process(block);
            l.copy_from_slice(&peer.wl);
            r.copy_from_slice(&peer.wr);
        });
        println!(
            "blocks_fftconv_b{block} {med:.1} {worst:.1} {:.2}",
            worst / med
        );
    }
}

fn write_wav(path: &str, channels: &[&[f32]]) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: FS as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(|e| e.to_string())?;
    let len = channels.iter().map(|c| c.len()).max().unwrap_or(0);
    for i in 0..len {
        for c in channels {
            w.write_sample(c.get(i).copied().unwrap_or(0.0))
                .map_err(|e| e.to_string())?;
        }
    }
    w.finalize().map_err(|e| e.to_string())
}

/// First sample of the left channel above -60 dB of its peak.
fn onset(path: &str) -> Result<usize, String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| e.to_string())?;
    let channels = reader.spec().channels as usize;
    let left: Vec<f32> = reader
        .samples::<f32>()
        .step_by(channels)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let peak = left.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    left.iter()
        .position(|v| v.abs() > 1e-3 * peak)
        .ok_or_else(|| "silent".to_string())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn table(rounds: usize, seconds: f64) {
    let frames = (seconds * FS) as usize;
    let (l, r) = test_signal(frames);
    let steady = full_chain(CrossfeedPreset::Default);
    let other = full_chain(CrossfeedPreset::ChuMoy);
    let mut contenders: Vec<Box<dyn Contender>> = vec![
        Box::new(CopyOnly {
            wl: vec![0.0; STAGE_BLOCK],
            wr: vec![0.0; STAGE_BLOCK],
        }),
        Box::new(Libbs2b::new()),
        Box::new(CansCrossfeed::new("cans_xf_core", 0.0, false)),
        Box::new(CansCrossfeed::new("cans_xf_core_itd", 0.26, false)),
        Box::new(CansCrossfeed::new("cans_xf_monoflat_itd", 0.26, true)),
        Box::new(CansEngine::new(
            "chain_steady_b32".into(),
            32,
            vec![steady.clone()],
        )),
        Box::new(CansEngine::new(
            "chain_steady_b256".into(),
            256,
            vec![steady.clone()],
        )),
        Box::new(CansEngine::new(
            "chain_steady_b1024".into(),
            1024,
            vec![steady.clone()],
        )),
        Box::new(CansWithMeters::new(
            "plugin_editor_closed_b256",
            256,
            steady.clone(),
            false,
        )),
        Box::new(CansWithMeters::new(
            "plugin_editor_open_b256",
            256,
            steady.clone(),
            true,
        )),
        Box::new(CansEngine::new(
            "chain_fading_b32".into(),
            32,
            vec![steady.clone(), other.clone()],
        )),
        Box::new(CansEngine::new(
            "chain_fading_b1024".into(),
            1024,
            vec![steady.clone(), other.clone()],
        )),
    ];
    for block in [32, 256, 1024] {
        for (room, tag) in [(0.0, "room0"), (1.0, "room100")] {
            contenders.push(Box::new(CansEngine::new(
                format!("speakers_{tag}_b{block}"),
                block,
                vec![speakers_chain(30, room)],
            )));
        }
    }
    let responses = speakers_responses(30, 1.0);
    for block in [32, 256, 1024] {
        contenders.push(Box::new(FftConvolverPair::new(
            format!("fftconv_room100_b{block}"),
            block,
            &responses,
        )));
    }
    contenders.push(Box::new(CansEngine::new(
        "speakers_fading_b256".into(),
        256,
        vec![speakers_chain(30, 1.0), speakers_chain(45, 1.0)],
    )));
    // Warm-up pass (caches, branch predictors, CPU clocks).
    for c in contenders.iter_mut() {
        c.run(&l, &r);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for _ in 0..rounds {
        for (c, t) in contenders.iter_mut().zip(times.iter_mut()) {
            let t0 = thread_cpu_ns();
            c.run(&l, &r);
            t.push((thread_cpu_ns() - t0) / frames as f64);
        }
    }
    let copy_median = median(&mut times[0].clone());
    for (c, t) in contenders.iter().zip(times.iter_mut()) {
        let med = median(t);
        let min = t.iter().copied().fold(f64::INFINITY, f64::min);
        let (med, min) = if c.name() == "copy" {
            (med, min)
        } else {
            (med - copy_median, min - copy_median)
        };
        println!("{} {med:.3} {min:.3}", c.name());
    }
    println!("biquads_per_channel {FULL_CHAIN_BIQUADS}");
}

/// `plugin`: also what the plug-in runs after the engine with the editor closed (the
/// output tap).
fn render_fixed(frames: usize, plugin: bool) {
    let block = 512;
    let (l, r) = test_signal(block * 16);
    let mut engine = settled_engine(full_chain(CrossfeedPreset::Default));
    let (tx, _rx) = analyzer_ring();
    let mut tap = OutputTap::new(FS, tx);
    let mut wl = vec![0.0f32; block];
    let mut wr = vec![0.0f32; block];
    let mut done = 0;
    let mut sum = 0.0f64;
    while done < frames {
        let n = block.min(frames - done);
        let at = (done / block % 16) * block;
        wl[..n].copy_from_slice(&l[at..at + n]);
        wr[..n].copy_from_slice(&r[at..at + n]);
        engine.process(&mut wl[..n], &mut wr[..n]);
        if plugin {
            black_box(tap.process(&wl[..n], &wr[..n], false));
        }
        sum += wl[0] as f64 + wr[n - 1] as f64;
        done += n;
    }
    println!("checksum {sum:.6}");
}

fn gen_wav(path: &str, seconds: f64) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: FS as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(|e| e.to_string())?;
    let chunk = FS as usize;
    let (l, r) = test_signal(chunk * 7);
    let total = (seconds * FS) as usize;
    for i in 0..total {
        // Seven seconds of noise, repeated.
        let j = i % l.len();
        w.write_sample(l[j]).map_err(|e| e.to_string())?;
        w.write_sample(r[j]).map_err(|e| e.to_string())?;
    }
    w.finalize().map_err(|e| e.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("table") => table(flag("--rounds", 15.0) as usize, flag("--seconds", 2.0)),
        Some("render-fixed") => {
            let frames = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(48_000);
            render_fixed(frames, args.iter().any(|a| a == "--plugin"));
        }
        Some("gen-wav") if args.len() == 3 => {
            let seconds: f64 = args[2].parse().unwrap_or(600.0);
            if let Err(e) = gen_wav(&args[1], seconds) {
                eprintln!("cans-bench: {e}");
                std::process::exit(1);
            }
        }
        Some("speakers-ir") if args.len() == 2 => {
            let [mid, side] = speakers_responses(30, 1.0);
            exit_on_error(write_wav(&args[1], &[&mid, &side]));
        }
        Some("gen-impulse") if args.len() == 2 => {
            let mut l = vec![0.0f32; FS as usize];
            l[0] = 1.0;
            exit_on_error(write_wav(&args[1], &[&l, &vec![0.0; FS as usize]]));
        }
        Some("onset") if args.len() == 2 => match onset(&args[1]) {
            Ok(n) => println!("onset {n}"),
            Err(e) => exit_on_error(Err(e)),
        },
        Some("block-times") => block_times(),
        _ => {
            eprintln!(
                "usage: cans-bench table [--rounds R] [--seconds S] | render-fixed FRAMES | \
                 gen-wav PATH SECONDS | speakers-ir PATH | gen-impulse PATH | onset PATH | \
                 block-times"
            );
            std::process::exit(2);
        }
    }
}

fn exit_on_error(r: Result<(), String>) {
    if let Err(e) = r {
        eprintln!("cans-bench: {e}");
        std::process::exit(1);
    }
}
