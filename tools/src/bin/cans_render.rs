//! `cans-render`: run a WAV file through the Cans engine with any slot settings.
//!
//! The same `dsp::engine::Engine` the plug-in runs, fed in host-sized blocks, so a user can
//! preview models without a DAW and the benchmark can time the chain against other tools.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cans::dsp::chain::{LiveParams, ROOM_DEFAULT};
use cans::dsp::crossfeed::CrossfeedSettings;
use cans::dsp::engine::{Engine, EngineSettings};
use cans::dsp::eq::EqSource;
use cans::dsp::speakers::bank::{ANGLE_DEFAULT_DEG, ANGLE_MAX_DEG, ANGLE_MIN_DEG};
use cans::params::{Check, CrossfeedPreset, Model, Monitor, Phones};
use cans::settings::{SlotValues, Values};
use cans_tools::bench_eq;

const HELP: &str = "\
cans-render: render a WAV file through the Cans monitoring chain

USAGE:
    cans-render [OPTIONS] INPUT.wav OUTPUT.wav

INPUT is mono or stereo PCM (16/24/32-bit integer or 32-bit float), any sample rate.
OUTPUT is stereo 32-bit float at the input's rate. Use /dev/null to discard it.

SLOT A (what you hear):
    --model NAME        neutral | open-back | closed-back | sony-mdr7506 | krk-kns8400 |
                        hi-x55 | dt1990pro | k702                     [default: neutral]
    --crossfeed NAME    off | default | chu-moy | jan-meier | custom  [default: off]
    --cutoff HZ         crossfeed cutoff, 300-2000 (selects custom)   [default: 700]
    --feed DB           crossfeed feed, 1-15 (selects custom)          [default: 4.5]
    --itd MS            interaural delay, 0-0.7                        [default: 0.26]
    --width PERCENT     stereo width, 0-200                            [default: 100]
    --mono-flat on|off  mono-flat crossfeed compensation               [default: on]
    --speakers on|off   virtual loudspeakers in place of the crossfeed [default: off]
    --angle DEG         the speakers' angle each side, 10-60           [default: 30]
    --room PERCENT      the speakers' room, 0-100                      [default: 30]

SLOT B (only used with --ab-toggle-every; starts as a copy of slot A):
    --b-model, --b-crossfeed, --b-cutoff, --b-feed, --b-itd, --b-width, --b-mono-flat,
    --b-speakers, --b-angle, --b-room

SHARED:
    --phones NAME       your headphones (their correction): generic | sony-mdr7506 |
                        krk-kns8400 | hi-x55 | dt1990pro | k702       [default: generic]
    --monitor NAME      stereo | mono | side | swap                    [default: stereo]
    --level-match on|off                                               [default: on]
    --output-db DB      output gain, -24 to +24                        [default: 0]
    --bypass            pass the input through (crossfaded like the plug-in's bypass)
    --check ID          audience check: off | beats_studio3 | sony_wh1000xm4 | airpods_max |
                        bose_qc45 | galaxy_buds2_pro | sony_wf1000xm4 | airpods | car |
                        phone | laptop | tv | mono_cube                [default: off]

RENDERING:
    --block N           host block size in frames                      [default: 512]
    --ab-toggle-every MS  switch between slots A and B every MS milliseconds (each switch
                        crossfades over 30 ms, as in the plug-in)
    --pad-biquads N     benchmark aid: add fixed peaking sections (40 Hz-12 kHz, Q 1,
                        +-2 dB) until correction + voicing run N biquads per channel
                        (at most 24)
    --stats             print biquads per channel, frames and DSP time to stderr
    -h, --help          show this help
";

/// One slot's settings, as on the plug-in's panel.
#[derive(Debug, Clone, Copy)]
struct Slot {
    model: Model,
    crossfeed: CrossfeedPreset,
    cutoff_hz: f64,
    feed_db: f64,
    itd_ms: f64,
    width_percent: f64,
    mono_flat: bool,
    speakers: bool,
    angle_deg: u32,
    room_percent: f64,
}

impl Default for Slot {
    fn default() -> Self {
        let live = LiveParams::default();
        Self {
            model: Model::Neutral,
            crossfeed: CrossfeedPreset::Off,
            cutoff_hz: CrossfeedSettings::DEFAULT.cutoff_hz,
            feed_db: CrossfeedSettings::DEFAULT.feed_db,
            itd_ms: live.itd_ms,
            width_percent: 100.0,
            mono_flat: true,
            speakers: false,
            angle_deg: ANGLE_DEFAULT_DEG,
            room_percent: ROOM_DEFAULT * 100.0,
        }
    }
}

struct Options {
    input: PathBuf,
    output: PathBuf,
    a: Slot,
    b: Slot,
    phones: Phones,
    monitor: Monitor,
    level_match: bool,
    output_db: f64,
    bypass: bool,
    check: Check,
    block: usize,
    ab_toggle_ms: Option<f64>,
    pad_biquads: usize,
    stats: bool,
}

fn parse_model(s: &str) -> Result<Model, String> {
    Ok(match s {
        "neutral" => Model::Neutral,
        "open-back" => Model::OpenBack,
        "closed-back" => Model::ClosedBack,
        "sony-mdr7506" => Model::SonyMdr7506,
        "krk-kns8400" => Model::KrkKns8400,
        "hi-x55" => Model::AustrianAudioHiX55,
        "dt1990pro" => Model::BeyerdynamicDt1990Pro,
        "k702" => Model::AkgK702,
        _ => return Err(format!("unknown model '{s}'")),
    })
}

fn parse_phones(s: &str) -> Result<Phones, String> {
    Ok(match s {
        "generic" => Phones::Generic,
        "sony-mdr7506" => Phones::SonyMdr7506,
        "krk-kns8400" => Phones::KrkKns8400,
        "hi-x55" => Phones::AustrianAudioHiX55,
        "dt1990pro" => Phones::BeyerdynamicDt1990Pro,
        "k702" => Phones::AkgK702,
        _ => return Err(format!("unknown phones '{s}'")),
    })
}

/// A check by its stable id (the ids sessions store).
fn parse_check(s: &str) -> Result<Check, String> {
    cans::settings::check_by_id(s).ok_or_else(|| {
        let ids: Vec<&str> = cans::models::checks::CHECKS.iter().map(|c| c.id).collect();
        format!("unknown check '{s}' (off, {})", ids.join(", "))
    })
}

fn parse_crossfeed(s: &str) -> Result<CrossfeedPreset, String> {
    Ok(match s {
        "off" => CrossfeedPreset::Off,
        "default" => CrossfeedPreset::Default,
        "chu-moy" => CrossfeedPreset::ChuMoy,
        "jan-meier" => CrossfeedPreset::JanMeier,
        "custom" => CrossfeedPreset::Custom,
        _ => return Err(format!("unknown crossfeed preset '{s}'")),
    })
}

fn parse_monitor(s: &str) -> Result<Monitor, String> {
    Ok(match s {
        "stereo" => Monitor::Stereo,
        "mono" => Monitor::Mono,
        "side" => Monitor::Side,
        "swap" => Monitor::Swap,
        _ => return Err(format!("unknown monitor mode '{s}'")),
    })
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("expected on or off, got '{s}'")),
    }
}

fn parse_num(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if !(lo..=hi).contains(&v) {
        return Err(format!("{v} is outside {lo}..={hi}"));
    }
    Ok(v)
}

/// Apply one slot flag (`name` without the `b-` prefix) to `slot`.
fn slot_flag(slot: &mut Slot, name: &str, value: &str) -> Result<(), String> {
    match name {
        "model" => slot.model = parse_model(value)?,
        "crossfeed" => slot.crossfeed = parse_crossfeed(value)?,
        "cutoff" => {
            slot.cutoff_hz = parse_num(value, 300.0, 2000.0)?;
            slot.crossfeed = CrossfeedPreset::Custom;
        }
        "feed" => {
            slot.feed_db = parse_num(value, 1.0, 15.0)?;
            slot.crossfeed = CrossfeedPreset::Custom;
        }
        "itd" => slot.itd_ms = parse_num(value, 0.0, 0.7)?,
        "width" => slot.width_percent = parse_num(value, 0.0, 200.0)?,
        "mono-flat" => slot.mono_flat = parse_on_off(value)?,
        "speakers" => slot.speakers = parse_on_off(value)?,
        "angle" => {
            slot.angle_deg =
                parse_num(value, ANGLE_MIN_DEG as f64, ANGLE_MAX_DEG as f64)?.round() as u32
        }
        "room" => slot.room_percent = parse_num(value, 0.0, 100.0)?,
        _ => return Err(format!("unknown option --{name}")),
    }
    Ok(())
}

const SLOT_FLAGS: [&str; 10] = [
    "model",
    "crossfeed",
    "cutoff",
    "feed",
    "itd",
    "width",
    "mono-flat",
    "speakers",
    "angle",
    "room",
];

fn parse_args() -> Result<Option<Options>, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut a = Slot::default();
    // Slot B flags are applied after A's, on a copy of A.
    let mut b_flags: Vec<(String, String)> = Vec::new();
    let mut positional = Vec::new();
    let mut phones = Phones::Generic;
    let mut monitor = Monitor::Stereo;
    let mut level_match = true;
    let mut output_db = 0.0;
    let mut bypass = false;
    let mut check = Check::Off;
    let mut block = 512;
    let mut ab_toggle_ms = None;
    let mut pad_biquads = 0;
    let mut stats = false;
    let err = |e: lexopt::Error| e.to_string();
    while let Some(arg) = parser.next().map_err(err)? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("bypass") => bypass = true,
            Long("stats") => stats = true,
            Long(name) => {
                let name = name.to_string();
                let value = parser.value().map_err(err)?.string().map_err(err)?;
                let v = value.as_str();
                let res = match name.as_str() {
                    "phones" => parse_phones(v).map(|p| phones = p),
                    "monitor" => parse_monitor(v).map(|m| monitor = m),
                    "check" => parse_check(v).map(|c| check = c),
                    "level-match" => parse_on_off(v).map(|l| level_match = l),
                    "output-db" => parse_num(v, -24.0, 24.0).map(|g| output_db = g),
                    "block" => parse_num(v, 1.0, 65536.0).map(|n| block = n as usize),
                    "ab-toggle-every" => parse_num(v, 1.0, 3.6e6).map(|ms| ab_toggle_ms = Some(ms)),
                    "pad-biquads" => parse_num(v, 0.0, 24.0).map(|n| pad_biquads = n as usize),
                    n if SLOT_FLAGS.contains(&n) => slot_flag(&mut a, n, v),
                    n if n
                        .strip_prefix("b-")
                        .is_some_and(|m| SLOT_FLAGS.contains(&m)) =>
                    {
                        b_flags.push((n[2..].to_string(), value.clone()));
                        Ok(())
                    }
                    n => Err(format!("unknown option --{n}")),
                };
                res.map_err(|e| format!("--{name}: {e}"))?;
            }
            Value(v) => positional.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected().to_string()),
        }
    }
    let mut b = a;
    for (name, value) in &b_flags {
        slot_flag(&mut b, name, value).map_err(|e| format!("--b-{name}: {e}"))?;
    }
    let [input, output]: [PathBuf; 2] = positional
        .try_into()
        .map_err(|_| "expected exactly two paths: INPUT.wav OUTPUT.wav".to_string())?;
    Ok(Some(Options {
        input,
        output,
        a,
        b,
        phones,
        monitor,
        level_match,
        output_db,
        bypass,
        check,
        block,
        ab_toggle_ms,
        pad_biquads,
        stats,
    }))
}

/// The engine settings of one slot, built as the plug-in builds them (`settings::Values`),
/// then padded to `--pad-biquads` sections if asked.
fn engine_settings(o: &Options, slot: &Slot) -> EngineSettings {
    let values = Values {
        slot: SlotValues {
            model: slot.model,
            crossfeed: slot.crossfeed,
            xf_cutoff_hz: slot.cutoff_hz,
            xf_feed_db: slot.feed_db,
            itd_ms: slot.itd_ms,
            mono_flat: slot.mono_flat,
            width: slot.width_percent / 100.0,
            speakers: slot.speakers,
            spk_angle_deg: slot.angle_deg,
            room: slot.room_percent / 100.0,
        },
        phones: o.phones,
        loaded: None,
        monitor: o.monitor,
        level_match: o.level_match,
        output_gain: 10f64.powf(o.output_db / 20.0),
        bypass: o.bypass,
        check: o.check,
    };
    let mut settings = values.engine_settings();
    let config = &mut settings.config;
    let (correction, voicing) = (config.correction.sections(), config.voicing.sections());
    if correction.len() + voicing.len() < o.pad_biquads {
        let (correction, voicing) = bench_eq::pad(&correction, &voicing, o.pad_biquads);
        config.correction = EqSource::standalone(correction);
        config.voicing = EqSource::standalone(voicing);
    }
    settings
}

fn render(o: &Options) -> Result<(), String> {
    let mut reader = hound::WavReader::open(&o.input)
        .map_err(|e| format!("cannot read {}: {e}", o.input.display()))?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    if !(1..=2).contains(&channels) {
        return Err(format!(
            "{}: {channels} channels; only mono and stereo are supported",
            o.input.display()
        ));
    }
    let out_spec = hound::WavSpec {
        channels: 2,
        sample_rate: spec.sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&o.output, out_spec)
        .map_err(|e| format!("cannot write {}: {e}", o.output.display()))?;

    let fs = spec.sample_rate as f64;
    let settings = [engine_settings(o, &o.a), engine_settings(o, &o.b)];
    // The speakers' responses are designed only if a slot plays them (a second or so).
    let mut engine = if o.a.speakers || o.b.speakers {
        Engine::with_speakers(fs)
    } else {
        Engine::new(fs)
    };
    engine.set(settings[0].clone());
    engine.reset();
    let toggle_every = o
        .ab_toggle_ms
        .map(|ms| ((ms * 1e-3 * fs).round() as usize).max(1));
    let mut heard = 0;
    let mut until_toggle = toggle_every.unwrap_or(usize::MAX);

    // Integer samples scale to [-1, 1) like a host's audio input.
    let scale = match spec.sample_format {
        hound::SampleFormat::Float => 1.0,
        hound::SampleFormat::Int => 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32,
    };
    let mut samples: Box<dyn Iterator<Item = Result<f32, hound::Error>>> = match spec.sample_format
    {
        hound::SampleFormat::Float => Box::new(reader.samples::<f32>()),
        hound::SampleFormat::Int => Box::new(
            reader
                .samples::<i32>()
                .map(move |s| s.map(|v| v as f32 * scale)),
        ),
    };

    let mut left = vec![0.0f32; o.block];
    let mut right = vec![0.0f32; o.block];
    let mut frames = 0usize;
    let mut dsp_time = std::time::Duration::ZERO;
    let read_err = |e: hound::Error| format!("{}: {e}", o.input.display());
    loop {
        let want = o.block.min(until_toggle);
        let mut n = 0;
        while n < want {
            let Some(l) = samples.next() else { break };
            left[n] = l.map_err(read_err)?;
            right[n] = if channels == 2 {
                match samples.next() {
                    Some(r) => r.map_err(read_err)?,
                    None => return Err(format!("{}: truncated frame", o.input.display())),
                }
            } else {
                left[n]
            };
            n += 1;
        }
        if n == 0 {
            break;
        }
        let t0 = Instant::now();
        engine.process(&mut left[..n], &mut right[..n]);
        dsp_time += t0.elapsed();
        for i in 0..n {
            writer.write_sample(left[i]).map_err(|e| e.to_string())?;
            writer.write_sample(right[i]).map_err(|e| e.to_string())?;
        }
        frames += n;
        if toggle_every.is_some() {
            until_toggle -= n;
            if until_toggle == 0 {
                heard = 1 - heard;
                engine.set(settings[heard].clone());
                until_toggle = toggle_every.unwrap_or(usize::MAX);
            }
        }
        if n < want {
            break;
        }
    }
    writer
        .finalize()
        .map_err(|e| format!("cannot write {}: {e}", o.output.display()))?;
    if o.stats {
        let ns = dsp_time.as_nanos() as f64 / frames.max(1) as f64;
        eprintln!(
            "biquads_per_channel={} frames={frames} dsp_ns_per_frame={ns:.2}",
            engine.active_chain().biquads()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args() {
        Ok(None) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(o)) => match render(&o) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cans-render: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("cans-render: {e}\nTry 'cans-render --help'.");
            ExitCode::from(2)
        }
    }
}
