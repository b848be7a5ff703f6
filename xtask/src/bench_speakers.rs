//! The speakers part of `cargo xtask bench`: Cans's speakers against ffmpeg's `sofalizer`
//! (the same SOFA file, its two default speakers at ±30°, time and frequency domain) and
//! `afir` (the same mid and side responses Cans plays, between the same mid/side
//! shuffles; `minp=64` and its default partitions), file renders alternated on one input,
//! CPU time minus each tool's pass-through; each renderer's latency from an impulse; and
//! the slowest block against the median block (`cans-bench block-times`).

use std::path::Path;
use std::process::Command;

use super::{core_percent, ffmpeg, median, run_ok, timed};

/// Seconds of the benchmark input rendered through the speakers (sofalizer in the time
/// domain is slow; a minute is plenty for a stable figure).
const SECONDS: f64 = 60.0;
/// A second of input: `cans-render`'s start-up (designing the responses) is measured on
/// it and subtracted.
const STARTUP_SECONDS: f64 = 1.0;
const FS: f64 = 48_000.0;

/// Mid/side around `afir` with the two-channel response as its second input.
fn afir_graph(options: &str) -> String {
    let afir = if options.is_empty() {
        "afir".to_string()
    } else {
        format!("afir={options}")
    };
    format!(
        "[0:a]pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0-0.5*c1[ms];\
         [ms][1:a]{afir}[c];[c]pan=stereo|c0=c0+c1|c1=c0-c1"
    )
}

pub fn run(
    root: &Path,
    bench: &Path,
    render: &Path,
    work: &Path,
    rounds: usize,
) -> Result<Vec<String>, String> {
    let path = |name: &str| work.join(name).to_string_lossy().into_owned();
    let (input, short, ir, impulse) = (
        path("speakers-input.wav"),
        path("speakers-startup.wav"),
        path("speakers-ir.wav"),
        path("impulse.wav"),
    );
    run_ok(Command::new(bench).args(["gen-wav", &input, &SECONDS.to_string()]))?;
    run_ok(Command::new(bench).args(["gen-wav", &short, &STARTUP_SECONDS.to_string()]))?;
    run_ok(Command::new(bench).args(["speakers-ir", &ir]))?;
    run_ok(Command::new(bench).args(["gen-impulse", &impulse]))?;
    let sofa = root
        .join("data/hrtf/MIT_KEMAR_normal_pinna.sofa")
        .to_string_lossy()
        .into_owned();
    let sofalizer = |kind: &str| format!("sofalizer=sofa={sofa}:type={kind}");
    let cans = |file: &str, out: &str, bypass: bool| {
        let mut c = Command::new(render);
        if bypass {
            c.arg("--bypass");
        } else {
            c.args(["--speakers", "on", "--angle", "30", "--room", "100"]);
        }
        c.args([file, out]);
        c
    };
    // (label, command on a given input and output)
    type Make<'a> = Box<dyn Fn(&str, &str) -> Command + 'a>;
    let tools: Vec<(&str, Make)> = vec![
        (
            "Cans speakers (cans-render), 30°, room 100 %",
            Box::new(|i, o| cans(i, o, false)),
        ),
        ("cans-render --bypass", Box::new(|i, o| cans(i, o, true))),
        (
            "ffmpeg sofalizer, type=time",
            Box::new(|i, o| ffmpeg(&[i], &sofalizer("time"), false, o)),
        ),
        (
            "ffmpeg sofalizer, type=freq",
            Box::new(|i, o| ffmpeg(&[i], &sofalizer("freq"), false, o)),
        ),
        (
            "ffmpeg afir minp=64, Cans's responses",
            Box::new(|i, o| ffmpeg(&[i, &ir], &afir_graph("minp=64"), true, o)),
        ),
        (
            "ffmpeg afir default partitions, Cans's responses",
            Box::new(|i, o| ffmpeg(&[i, &ir], &afir_graph(""), true, o)),
        ),
        (
            "ffmpeg anull",
            Box::new(|i, o| ffmpeg(&[i], "anull", false, o)),
        ),
    ];
    let mut cpu = vec![Vec::new(); tools.len()];
    for round in 0..rounds {
        eprintln!("speakers file renders, round {}/{rounds} …", round + 1);
        for ((_, make), t) in tools.iter().zip(cpu.iter_mut()) {
            t.push(timed(&mut make(&input, "/dev/null"))?.0);
        }
    }
    // Cans's start-up (the responses' design), from the one-second file.
    let startup = {
        let mut s = Vec::new();
        for _ in 0..rounds {
            let on = timed(&mut cans(&short, "/dev/null", false))?.0;
            let off = timed(&mut cans(&short, "/dev/null", true))?.0;
            s.push(on - off);
        }
        median(&s)
    };
    let frames = SECONDS * FS;
    let ns = |i: usize| median(&cpu[i]) * 1e9 / frames;
    let cans_ns = ns(0) - ns(1) - startup * 1e9 / frames;
    let ffmpeg_ns: Vec<f64> = (2..6).map(|i| ns(i) - ns(6)).collect();
    let fastest = ffmpeg_ns.iter().copied().fold(f64::INFINITY, f64::min);
    // Latency: where each renderer puts the near ear's first sound for an impulse.
    let onset = |file: &str| -> Result<String, String> {
        let out = run_ok(Command::new(bench).args(["onset", file]))?;
        Ok(out.split_whitespace().nth(1).unwrap_or("?").to_string())
    };
    let mut latency = Vec::new();
    for (i, (_, make)) in tools.iter().enumerate() {
        if i == 1 || i == 6 {
            latency.push(String::new());
            continue;
        }
        let out = path(&format!("impulse-out-{i}.wav"));
        run_ok(&mut make(&impulse, &out))?;
        latency.push(onset(&out)?);
    }
    let mut lines = vec![
        format!(
            "Speakers, file render: {SECONDS:.0} s 48 kHz stereo f32, CPU time minus each tool's \
             pass-through ({rounds} rounds; Cans's start-up, {:.0} ms designing the responses, \
             subtracted)",
            startup * 1e3
        ),
        "| renderer | ns/frame | vs fastest ffmpeg | % core | near-ear onset of an impulse (samples) |".into(),
        "|---|---:|---:|---:|---:|".into(),
        format!(
            "| {} | {cans_ns:.1} | {:.2}x | {:.3} % | {} |",
            tools[0].0,
            cans_ns / fastest,
            core_percent(cans_ns),
            latency[0]
        ),
    ];
    for (k, v) in ffmpeg_ns.iter().enumerate() {
        let i = k + 2;
        lines.push(format!(
            "| {} | {v:.1} | {:.2}x | {:.3} % | {} |",
            tools[i].0,
            v / fastest,
            core_percent(*v),
            latency[i]
        ));
    }
    lines.push(String::new());
    // Slowest block against the median block.
    let blocks = run_ok(Command::new(bench).arg("block-times"))?;
    lines.push(
        "Slowest block / median block (each block position's fastest of 8 passes, speakers \
         at room 100 %)"
            .into(),
    );
    lines.push("| convolver | block | median µs | slowest µs | ratio |".into());
    lines.push("|---|---:|---:|---:|---:|".into());
    for l in blocks.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if let [name, med, worst, ratio] = f[..] {
            let (who, block) = name
                .strip_prefix("blocks_")
                .and_then(|n| n.split_once("_b"))
                .unwrap_or((name, "?"));
            let who = if who == "cans" {
                "Cans"
            } else {
                "fft-convolver 0.4 (two-stage, head 32)"
            };
            let us = |v: &str| v.parse::<f64>().map_or(f64::NAN, |x| x / 1e3);
            lines.push(format!(
                "| {who} | {block} | {:.2} | {:.2} | {ratio} |",
                us(med),
                us(worst)
            ));
        }
    }
    Ok(lines)
}
