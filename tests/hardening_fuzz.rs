//! Fuzzed automation through the real CLAP host (`clack-host`, bundled `Cans.clap`): random
//! parameter values and modulation on every parameter (out-of-range plain values, unknown
//! enum indices, NaN/±Inf, ±1e300) at random sample offsets, random block sizes 1–8192 and
//! zero-length calls, sample rates 22.05–384 kHz, real-time and offline renders (offline
//! cases start on speakers, designed at activation), reactivation, parameter flushes and
//! state reloads mid-stream, on hostile input (NaN, ±Inf, subnormals, ±1e30, full-scale
//! square waves). The output must stay finite and bounded and the plug-in must not panic.
//!
//! Run through `cargo xtask test` (it bundles the debug plug-in with `assert_process_allocs`,
//! so any allocation inside `process` aborts the test process). Every case runs in a forked
//! child (`proptest` `fork`), so an abort or a panic across the C ABI is caught, shrunk and
//! its seed written to `tests/hardening_fuzz.proptest-regressions` (commit that file).
//!
//! `CANS_FUZZ_CASES` sets the number of cases (default [`DEFAULT_CASES`]).

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

use support::clap_host::{ClapPlugin, ParamInfo};

/// Cases per run: about 130 s of audio, ~15 s on a 2-core CI machine (debug bundle).
const DEFAULT_CASES: u32 = 1000;
/// Most blocks (process calls, reactivations, flushes, reloads) per case.
const MAX_STEPS: usize = 24;
/// Largest block a host may ask for here (the 1–8192).
const MAX_BLOCK: usize = 8192;
/// Sample rates of the range, 22.05–384 kHz.
const MIN_RATE: f64 = 22_050.0;
const MAX_RATE: f64 = 384_000.0;

/// Output bound relative to the (sanitised) input peak. The engine clamps input to
/// ±`cans::dsp::INPUT_LIMIT` and output gain to `MAX_OUTPUT_GAIN` (+24 dB); on top of that a
/// full-scale square wave's fundamental is 4/π (+2.1 dB), 200 % width doubles the side signal
/// (+6 dB), and a voicing or correction boost stays below +12 dB (model fits, src/models). 16×
/// (+24 dB) covers that stack; a filter blowing up exceeds it by orders of magnitude.
const HEADROOM: f32 = 16.0;

/// How a fuzzed parameter value is chosen, mapped onto the parameter's real range at run time.
#[derive(Debug, Clone)]
enum Value {
    /// A legal plain value: min + u·(max − min) (rounded for stepped parameters).
    InRange(f64),
    /// A raw integer: enum indices past the last variant, negative ones.
    Index(i32),
    /// A multiple of the parameter's maximum: mostly out of range.
    Scaled(f64),
    /// Special floating-point values.
    Special(usize),
}

const SPECIALS: [f64; 9] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
    -1e300,
    1e30,
    -1e30,
    f64::MIN_POSITIVE,
    -0.0,
];

#[derive(Debug, Clone)]
struct Event {
    /// Index into the plug-in's parameter list (modulo its length).
    param: usize,
    value: Value,
    /// Where in the block, 0..1 of its length.
    offset: f64,
    /// A modulation (`CLAP_EVENT_PARAM_MOD`) instead of a value change.
    modulation: bool,
}

#[derive(Debug, Clone)]
enum Signal {
    Silence,
    /// Full-scale (±1) square wave with this period in samples.
    Square(usize),
    /// Deterministic noise at full scale.
    Noise(u32),
    /// Garbage samples cycling through NaN, ±Inf, ±1e30, subnormals.
    Hostile,
    /// A square wave with a garbage sample every `n` samples.
    Sprinkled(usize, usize),
    /// Constant ±1e30.
    Huge(bool),
    /// Only subnormals.
    Subnormal,
}

#[derive(Debug, Clone)]
enum Step {
    /// One `process` call of `len` (0..1 of the max block; `zero` forces zero frames).
    Process {
        len: f64,
        zero: bool,
        signal: Signal,
        events: Vec<Event>,
    },
    /// Deactivate and activate again at another rate and max block.
    Reactivate { rate: f64, max_block: usize },
    /// `clap_plugin_params.flush` with events while active but not processing.
    Flush(Vec<Event>),
    /// Save the state and load it back (main thread, between blocks).
    StateReload,
}

#[derive(Debug, Clone)]
struct Case {
    rate: f64,
    max_block: usize,
    /// The host renders offline: the plug-in designs the speakers in `activate` (a
    /// real-time activation designs them in the background, which a case this short
    /// rarely waits for), so the speakers run in these cases. Their rates (also on
    /// reactivation) are the common ones, designed once per test process.
    offline: bool,
    steps: Vec<Step>,
}

/// Rates of the offline cases.
const COMMON_RATES: [f64; 6] = [22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0];

/// The common rate nearest `rate`.
fn common_rate(rate: f64) -> f64 {
    COMMON_RATES
        .into_iter()
        .min_by(|a, b| (a - rate).abs().total_cmp(&(b - rate).abs()))
        .expect("rates")
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0.0..=1.0f64).prop_map(Value::InRange),
        2 => (-5i32..40).prop_map(Value::Index),
        2 => (-4.0..4.0f64).prop_map(Value::Scaled),
        2 => (0..SPECIALS.len()).prop_map(Value::Special),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    (
        any::<usize>(),
        value(),
        0.0..1.0f64,
        prop::bool::weighted(0.15),
    )
        .prop_map(|(param, value, offset, modulation)| Event {
            param,
            value,
            offset,
            modulation,
        })
}

fn signal() -> impl Strategy<Value = Signal> {
    prop_oneof![
        1 => Just(Signal::Silence),
        3 => (2usize..4000).prop_map(Signal::Square),
        2 => any::<u32>().prop_map(Signal::Noise),
        2 => Just(Signal::Hostile),
        2 => (2usize..4000, 1usize..64).prop_map(|(p, n)| Signal::Sprinkled(p, n)),
        1 => any::<bool>().prop_map(Signal::Huge),
        1 => Just(Signal::Subnormal),
    ]
}

fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0, 384_000.0
        ]),
        MIN_RATE..=MAX_RATE,
    ]
}

fn max_block() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(1usize),
        1usize..=64,
        1usize..=MAX_BLOCK,
        Just(MAX_BLOCK)
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (0.0..=1.0f64, prop::bool::weighted(0.1), signal(), prop::collection::vec(event(), 0..12))
            .prop_map(|(len, zero, signal, events)| Step::Process { len, zero, signal, events }),
        1 => (rate(), max_block()).prop_map(|(rate, max_block)| Step::Reactivate { rate, max_block }),
        1 => prop::collection::vec(event(), 1..8).prop_map(Step::Flush),
        1 => Just(Step::StateReload),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        rate(),
        max_block(),
        prop::bool::weighted(0.2),
        prop::collection::vec(step(), 1..MAX_STEPS),
    )
        .prop_map(|(rate, max_block, offline, steps)| Case {
            rate: if offline { common_rate(rate) } else { rate },
            max_block,
            offline,
            steps,
        })
}

/// The plain value an event carries for parameter `p`.
fn plain(p: &ParamInfo, v: &Value) -> f64 {
    match *v {
        Value::InRange(u) => {
            let x = p.min + u * (p.max - p.min);
            if p.stepped { x.round() } else { x }
        }
        Value::Index(i) => i as f64,
        Value::Scaled(s) => s * p.max.max(1.0),
        Value::Special(k) => SPECIALS[k],
    }
}

fn fill(signal: &Signal, l: &mut [f32], r: &mut [f32], t0: u64) {
    const GARBAGE: [f32; 8] = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -1e30,
        1e-40,
        -1e-45,
        f32::MIN_POSITIVE,
    ];
    for (i, (a, b)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
        let t = t0 + i as u64;
        let square = |period: usize| {
            if (t / (period as u64 / 2).max(1)).is_multiple_of(2) {
                1.0
            } else {
                -1.0
            }
        };
        let (x, y) = match *signal {
            Signal::Silence => (0.0, 0.0),
            Signal::Square(p) => (square(p), -square(p + 1)),
            Signal::Noise(seed) => {
                // xorshift32 (Marsaglia 2003) on the sample index.
                let mut x = (seed ^ t as u32).max(1);
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let v = x as f32 / u32::MAX as f32 * 2.0 - 1.0;
                (v, -v)
            }
            Signal::Hostile => (GARBAGE[(t % 8) as usize], GARBAGE[((t + 3) % 8) as usize]),
            Signal::Sprinkled(p, n) => {
                if t.is_multiple_of(n as u64) {
                    let g = GARBAGE[((t / n as u64) % 8) as usize];
                    (g, g)
                } else {
                    (square(p), square(p))
                }
            }
            Signal::Huge(neg) => {
                let v = if neg { -1e30 } else { 1e30 };
                (v, v)
            }
            Signal::Subnormal => (1e-40, -1e-42),
        };
        *a = x;
        *b = y;
    }
}

/// What one case processed, for the figures the test prints.
struct Figures {
    samples: u64,
    seconds: f64,
    calls: u64,
    events: u64,
    peak_ratio: f32,
}

fn run_case(case: &Case) -> Result<Figures, TestCaseError> {
    let mut plugin = ClapPlugin::load_bundled();
    let params = plugin.param_info();
    prop_assert!(!params.is_empty());
    if case.offline {
        // Start with both slots on speakers and Bounce-Safe off (the events may change
        // them), so the offline cases run the speakers, not a bypass.
        for (name, v) in [
            ("A Speakers", 1.0),
            ("B Speakers", 1.0),
            ("Bounce-Safe", 0.0),
        ] {
            let id = plugin.param_id(name);
            plugin.set_param(id, v, 0);
        }
        plugin.flush_params();
        plugin.set_render_mode(true);
    }
    plugin.activate(case.rate, case.max_block);
    let mut rate = case.rate;
    let mut figures = Figures {
        samples: 0,
        seconds: 0.0,
        calls: 0,
        events: 0,
        peak_ratio: 0.0,
    };
    let mut l = vec![0.0f32; MAX_BLOCK];
    let mut r = vec![0.0f32; MAX_BLOCK];
    // Largest sanitised input magnitude so far (filters ring on after loud input).
    let mut input_peak = 1.0f32;
    let limit = cans::dsp::INPUT_LIMIT;
    let max_gain = cans::dsp::engine::MAX_OUTPUT_GAIN as f32;

    let queue = |plugin: &mut ClapPlugin, events: &[Event], len: usize| {
        for e in events {
            let p = &params[e.param % params.len()];
            let offset = ((e.offset * len as f64) as u32).min(len.saturating_sub(1) as u32);
            let v = plain(p, &e.value);
            if e.modulation {
                plugin.set_param_mod(p.id, v, offset);
            } else {
                plugin.set_param(p.id, v, offset);
            }
        }
    };

    for (k, step) in case.steps.iter().enumerate() {
        match step {
            Step::Process {
                len,
                zero,
                signal,
                events,
            } => {
                let max = plugin.max_block();
                let n = if *zero {
                    0
                } else {
                    ((len * max as f64).round() as usize).clamp(1, max)
                };
                queue(&mut plugin, events, n);
                figures.events += events.len() as u64;
                let (bl, br) = (&mut l[..n], &mut r[..n]);
                fill(signal, bl, br, figures.samples);
                for &x in bl.iter().chain(br.iter()) {
                    let s = cans::dsp::sanitize(x).abs();
                    input_peak = input_peak.max(s.min(limit));
                }
                plugin.process(bl, br);
                figures.calls += 1;
                figures.samples += n as u64;
                figures.seconds += n as f64 / rate;
                let bound = HEADROOM * max_gain * input_peak;
                for (i, &y) in bl.iter().chain(br.iter()).enumerate() {
                    prop_assert!(
                        y.is_finite(),
                        "step {k}: non-finite output {y} at {i} ({signal:?}, {n} frames)"
                    );
                    prop_assert!(
                        y.abs() <= bound,
                        "step {k}: |{y}| > bound {bound} at {i} ({signal:?})"
                    );
                    figures.peak_ratio = figures.peak_ratio.max(y.abs() / input_peak);
                }
            }
            Step::Reactivate {
                rate: new_rate,
                max_block,
            } => {
                rate = if case.offline {
                    common_rate(*new_rate)
                } else {
                    *new_rate
                };
                plugin.activate(rate, *max_block);
            }
            Step::Flush(events) => {
                queue(&mut plugin, events, 1);
                figures.events += events.len() as u64;
                plugin.flush_params();
            }
            Step::StateReload => {
                let state = plugin.save_state();
                prop_assert!(plugin.try_load_state(&state), "step {k}: own state refused");
            }
        }
    }
    // Every parameter still reads back as a legal value (the host shows these).
    for p in &params {
        let v = plugin.get_param(p.id);
        prop_assert!(
            v.is_finite() && v >= p.min && v <= p.max,
            "{} = {v} outside {}..{}",
            p.name,
            p.min,
            p.max
        );
    }
    Ok(figures)
}

fn cases() -> u32 {
    support::env_or("CANS_FUZZ_CASES", DEFAULT_CASES)
}

proptest! {
    #![proptest_config(Config {
        cases: cases(),
        fork: true,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Config::default()
    })]

    // A random case once aborted inside nice-plug's background-worker shutdown (its shared
    // worker exits on a task of a destroyed instance); Cans now fits on its own thread
    // (`src/background.rs`), regression test in `hardening_state.rs`.
    #[test]
    fn fuzzed_automation_keeps_output_finite_and_bounded(case in case()) {
        let f = run_case(&case)?;
        // One line per case (the figures quoted in the hardening report are summed from these).
        eprintln!(
            "fuzz case: {} calls, {} events, {} samples = {:.3} s of audio, peak out/in {:.2}",
            f.calls, f.events, f.samples, f.seconds, f.peak_ratio
        );
    }
}
