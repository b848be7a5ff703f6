//! `cargo xtask bench [--rounds N] [--minutes M] [--quick] [--baseline PATH]`: Cans against its peers,
//! measured side by side in one run.
//!
//! Peers (Debian): `apt-get install libbs2b-dev ffmpeg valgrind`.
//!
//! 1. In-process (`cans-bench table`): the crossfeed stage against libbs2b on the same
//!    input and preset, and the full chain at block sizes 32/256/1024, steady and during an
//!    A/B crossfade. Contenders alternate A B C … for several rounds; medians reported.
//! 2. File renders: `cans-render` (full chain) against `ffmpeg -filter_threads 1 -af
//!    "crossfeed,equalizer×N"` (N = the biquads per channel Cans runs) on the same
//!    10-minute 48 kHz stereo file, alternating; each tool's pass-through run (cans-render
//!    `--bypass`, ffmpeg `-af anull`) is subtracted. Time is the child's CPU time
//!    (user + system), so any helper threads count.
//! 3. Instructions per frame of the full chain under `valgrind --tool=callgrind`
//!    (difference of two fixed renders, so start-up cost cancels): repeatable on a noisy
//!    machine, for tracking regressions.
//!
//! 4. With `--baseline PATH` (a `cans-bench` built from an earlier commit): the steady chain
//!    and the plug-in path with the editor closed, both binaries alternated in one run, and
//!    both under callgrind (`render-fixed` and `render-fixed --plugin`).
//!
//! Everything is built with the normal release profile (baseline x86-64).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::workspace::{self, Workspace};

#[path = "bench_speakers.rs"]
mod speakers;

const FS: f64 = 48_000.0;
/// Benchmark file: 48 kHz stereo 32-bit float noise (issue 6: a 10-minute file).
const DEFAULT_MINUTES: f64 = 10.0;
const DEFAULT_ROUNDS: usize = 3;
/// In-process rounds and seconds of audio per contender per round.
const TABLE_ROUNDS: usize = 15;
const TABLE_SECONDS: f64 = 2.0;
/// The two fixed renders whose instruction counts are differenced.
const CALLGRIND_FRAMES: [usize; 2] = [48_000, 240_000];

/// % of one core needed to run `ns` per frame in real time at 48 kHz.
fn core_percent(ns: f64) -> f64 {
    ns * FS * 1e-9 * 100.0
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn have(tool: &str, version_flag: &str) -> bool {
    Command::new(tool)
        .arg(version_flag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run_ok(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// CPU time (user + system, seconds) of all waited-for children of this process, from
/// `/proc/self/stat` fields 16 and 17 (`cutime`, `cstime`; proc(5)) in clock ticks.
fn children_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state), so field n is f[n - 3].
    let ticks = |n: usize| {
        f.get(n - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(16) + ticks(17)) / clock_ticks_per_second()
}

/// `getconf CLK_TCK` (100 on Linux for x86-64).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Run a command to completion; (CPU seconds, wall seconds, combined output).
fn timed(cmd: &mut Command) -> Result<(f64, f64, String), String> {
    let cpu0 = children_cpu_seconds();
    let t0 = Instant::now();
    let out = run_ok(cmd)?;
    let wall = t0.elapsed().as_secs_f64();
    Ok((children_cpu_seconds() - cpu0, wall, out))
}

/// `ffmpeg -filter_threads 1` on `inputs` through `graph` (`-filter_complex` if `complex`,
/// else `-af`), written to `output` as 32-bit float WAV.
fn ffmpeg(inputs: &[&str], graph: &str, complex: bool, output: &str) -> Command {
    let mut c = Command::new("ffmpeg");
    c.args([
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-filter_threads",
        "1",
    ]);
    for i in inputs {
        c.args(["-i", i]);
    }
    c.args([if complex { "-filter_complex" } else { "-af" }, graph]);
    c.args(["-c:a", "pcm_f32le", "-f", "wav", "-y", output]);
    c
}

/// Centre frequencies of the ffmpeg equalizer bands: log-spaced over the same 40 Hz–12 kHz
/// span, Q 1 and ±2 dB, as the padding sections `cans-render --pad-biquads` adds.
fn ffmpeg_eq_chain(n: usize) -> String {
    let mut parts = vec!["crossfeed".to_string()];
    for i in 0..n {
        let t = if n > 1 {
            i as f64 / (n - 1) as f64
        } else {
            0.5
        };
        let f = 40.0 * (12_000.0f64 / 40.0).powf(t);
        let g = if i % 2 == 0 { 2.0 } else { -2.0 };
        parts.push(format!("equalizer=f={f:.1}:t=q:w=1:g={g}"));
    }
    parts.join(",")
}

struct Args {
    rounds: usize,
    minutes: f64,
    quick: bool,
    /// A `cans-bench` built from an earlier commit, measured side by side with this one.
    baseline: Option<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        rounds: DEFAULT_ROUNDS,
        minutes: DEFAULT_MINUTES,
        quick: false,
        baseline: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--rounds" => a.rounds = value("--rounds")?.max(1.0) as usize,
            "--minutes" => a.minutes = value("--minutes")?.max(0.1),
            // Shorter file and fewer rounds, for a smoke check.
            "--quick" => a.quick = true,
            "--baseline" => {
                a.baseline = Some(PathBuf::from(
                    it.next()
                        .ok_or("--baseline needs the path of a cans-bench binary")?,
                ))
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.quick {
        a.minutes = a.minutes.min(1.0);
        a.rounds = a.rounds.min(2);
    }
    Ok(a)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let args = parse_args(args)?;
    let ws = Workspace::enter().map_err(|e| format!("{e:#}"))?;
    let missing: Vec<&str> = [("ffmpeg", "-version"), ("valgrind", "--version")]
        .into_iter()
        .filter(|(t, flag)| !have(t, flag))
        .map(|(t, _)| t)
        .collect();
    if !missing.is_empty() || !Path::new("/usr/include/bs2b/bs2b.h").exists() {
        return Err(
            "peers missing: install them with `sudo apt-get install libbs2b-dev ffmpeg valgrind`"
                .into(),
        );
    }

    eprintln!("building cans-render and cans-bench (release profile)…");
    workspace::run(workspace::cargo().args([
        "build",
        "--release",
        "--package",
        "cans-tools",
        "--features",
        "bench-libbs2b",
        "--bin",
        "cans-render",
        "--bin",
        "cans-bench",
    ]))
    .map_err(|e| format!("{e:#}"))?;
    let target = &ws.target_dir;
    let render = target.join("release/cans-render");
    let bench = target.join("release/cans-bench");
    let work = target.join("bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;

    // 1. In-process table.
    eprintln!("in-process: crossfeed vs libbs2b, full chain at 32/256/1024 frames…");
    let table_out = run_ok(Command::new(&bench).args([
        "table",
        "--rounds",
        &TABLE_ROUNDS.to_string(),
        "--seconds",
        &TABLE_SECONDS.to_string(),
    ]))?;
    // Column 1: median over rounds; column 2: best round (less sensitive to other load).
    let field = |name: &str, col: usize| -> f64 {
        table_out
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.first() == Some(&name)).then(|| f.get(col)?.parse().ok())?
            })
            .unwrap_or(f64::NAN)
    };
    let get = |name: &str| field(name, 1);
    let best = |name: &str| field(name, 2);

    // 2. File renders.
    let input = work.join(format!("input-{}s.wav", (args.minutes * 60.0).round()));
    if !input.exists() {
        eprintln!("generating {} …", input.display());
        run_ok(Command::new(&bench).args([
            "gen-wav",
            input.to_str().unwrap(),
            &(args.minutes * 60.0).to_string(),
        ]))?;
    }
    let frames = args.minutes * 60.0 * FS;
    let input_s = input.to_str().unwrap().to_string();
    let cans_full_args = [
        "--phones",
        "sony-mdr7506",
        "--model",
        "dt1990pro",
        "--crossfeed",
        "default",
        "--pad-biquads",
        "20",
        "--stats",
    ];
    let probe = run_ok(
        Command::new(&render)
            .args(cans_full_args)
            .args([&input_s, "/dev/null"]),
    )?;
    let biquads: usize = probe
        .split_whitespace()
        .find_map(|w| w.strip_prefix("biquads_per_channel=")?.parse().ok())
        .ok_or("cans-render --stats gave no biquad count")?;
    let eq = ffmpeg_eq_chain(biquads);
    let ffmpeg = |filter: &str| ffmpeg(&[&input_s], filter, false, "/dev/null");
    // Order within a round: cans full, cans bypass, ffmpeg full, ffmpeg anull.
    let mut cpu: [Vec<f64>; 4] = Default::default();
    for round in 0..args.rounds {
        eprintln!("file renders, round {}/{} …", round + 1, args.rounds);
        for (i, c) in cpu.iter_mut().enumerate() {
            let mut cmd = match i {
                0 => {
                    let mut c = Command::new(&render);
                    c.args(&cans_full_args[..8]).args([&input_s, "/dev/null"]);
                    c
                }
                1 => {
                    let mut c = Command::new(&render);
                    c.args(["--bypass", &input_s, "/dev/null"]);
                    c
                }
                2 => ffmpeg(&eq),
                _ => ffmpeg("anull"),
            };
            let (t, _, _) = timed(&mut cmd)?;
            c.push(t);
        }
    }
    let ns = |i: usize| median(&cpu[i]) * 1e9 / frames;
    let cans_file = ns(0) - ns(1);
    let ffmpeg_file = ns(2) - ns(3);

    // 2b. The speakers against ffmpeg's sofalizer and afir; their slowest blocks.
    eprintln!("speakers: file renders against ffmpeg sofalizer and afir, block times…");
    let speakers = speakers::run(&ws.root, &bench, &render, &work, args.rounds)?;

    // 3. Callgrind.
    eprintln!("callgrind: instructions per frame…");
    let ir_per_frame = callgrind_per_frame(&bench, &work, "new", &[])?;
    let ir_plugin = callgrind_per_frame(&bench, &work, "new-plugin", &["--plugin"])?;

    // The table.
    let bs2b = get("libbs2b");
    let steady32 = get("chain_steady_b32");
    let steady1024 = get("chain_steady_b1024");
    println!();
    println!(
        "Cans benchmark: ns per stereo frame at 48 kHz (median of alternating rounds; \
         % core = share of one core in real time)"
    );
    println!();
    println!(
        "Crossfeed stage, in-process, 512-frame blocks, preset 700 Hz / 4.5 dB ({TABLE_ROUNDS} rounds)"
    );
    println!("| contender | ns/frame (median) | vs libbs2b | % core | best round |");
    println!("|---|---:|---:|---:|---:|");
    for (label, key) in [
        ("libbs2b 3.1.0 (Debian, `bs2b_cross_feed_f`)", "libbs2b"),
        ("Cans crossfeed, bs2b core (ITD 0)", "cans_xf_core"),
        ("Cans crossfeed, core + ITD 0.26 ms", "cans_xf_core_itd"),
        (
            "Cans crossfeed, mono-flat + ITD 0.26 ms (default)",
            "cans_xf_monoflat_itd",
        ),
    ] {
        let v = get(key);
        println!(
            "| {label} | {v:.2} | {:.2}x | {:.3} % | {:.2} ({:.2}x) |",
            v / bs2b,
            core_percent(v),
            best(key),
            best(key) / best("libbs2b")
        );
    }
    println!();
    println!(
        "Full chain, in-process: {biquads} biquads/channel (correction + voicing), mono-flat \
         crossfeed + ITD, width, level match ({TABLE_ROUNDS} rounds)"
    );
    println!("| case | ns/frame (median) | vs steady (same block) | % core | best round |");
    println!("|---|---:|---:|---:|---:|");
    for (label, key, steady) in [
        ("steady, block 32", "chain_steady_b32", steady32),
        (
            "steady, block 256",
            "chain_steady_b256",
            get("chain_steady_b256"),
        ),
        ("steady, block 1024", "chain_steady_b1024", steady1024),
        (
            "during A/B crossfade, block 32",
            "chain_fading_b32",
            steady32,
        ),
        (
            "during A/B crossfade, block 1024",
            "chain_fading_b1024",
            steady1024,
        ),
    ] {
        let v = get(key);
        println!(
            "| {label} | {v:.2} | {:.2}x | {:.3} % | {:.2} |",
            v / steady,
            core_percent(v),
            best(key)
        );
    }
    println!();
    println!(
        "Speakers (MIT KEMAR, ±30°), engine with a neutral voicing, in-process \
         ({TABLE_ROUNDS} rounds; latency 0)"
    );
    println!("| case | ns/frame (median) | % core | best round |");
    println!("|---|---:|---:|---:|");
    for block in [32, 256, 1024] {
        for (room, tag) in [("0 %", "room0"), ("100 %", "room100")] {
            let key = format!("speakers_{tag}_b{block}");
            let v = get(&key);
            println!(
                "| room {room}, block {block} | {v:.2} | {:.3} % | {:.2} |",
                core_percent(v),
                best(&key)
            );
        }
    }
    for block in [32, 256, 1024] {
        let key = format!("fftconv_room100_b{block}");
        let v = get(&key);
        let cans = get(&format!("speakers_room100_b{block}"));
        println!(
            "| fft-convolver 0.4 two-stage (head 32), Cans's room 100 % responses, block {block} | {v:.2} | {:.3} % | {:.2} (Cans {:.2}x) |",
            core_percent(v),
            best(&key),
            cans / v
        );
    }
    let v = get("speakers_fading_b256");
    println!(
        "| room 100 %, crossfading 30° and 45°, block 256 | {v:.2} | {:.3} % | {:.2} ({:.2}x steady) |",
        core_percent(v),
        best("speakers_fading_b256"),
        v / get("speakers_room100_b256")
    );
    println!();
    println!(
        "block 32 vs block 1024: {:+.1} % (median), {:+.1} % (best round)",
        (steady32 / steady1024 - 1.0) * 100.0,
        (best("chain_steady_b32") / best("chain_steady_b1024") - 1.0) * 100.0
    );
    let (closed, open) = (
        get("plugin_editor_closed_b256"),
        get("plugin_editor_open_b256"),
    );
    println!(
        "as the plug-in runs it (chain + output meters), block 256: editor closed {closed:.2}, \
         editor open (+ analyzer feed) {open:.2} ns/frame: {:+.1} % (median), {:+.1} % (best round)",
        (open / closed - 1.0) * 100.0,
        (best("plugin_editor_open_b256") / best("plugin_editor_closed_b256") - 1.0) * 100.0
    );
    println!();
    println!(
        "File render, {:.0} min 48 kHz stereo f32, CPU time minus pass-through ({} rounds)",
        args.minutes, args.rounds
    );
    println!("| tool | ns/frame | vs ffmpeg | % core | pass-through ns/frame |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| cans-render, {biquads} biquads + crossfeed + ITD + width + level | {cans_file:.2} | {:.2}x | {:.3} % | {:.2} |",
        cans_file / ffmpeg_file,
        core_percent(cans_file),
        ns(1)
    );
    println!(
        "| ffmpeg -filter_threads 1 crossfeed + {biquads} x equalizer | {ffmpeg_file:.2} | 1.00x | {:.3} % | {:.2} |",
        core_percent(ffmpeg_file),
        ns(3)
    );
    println!();
    for line in &speakers {
        println!("{line}");
    }
    println!();
    println!(
        "Callgrind: {ir_per_frame:.1} instructions per stereo frame (full chain, steady, \
         {biquads} biquads); {ir_plugin:.1} as the plug-in runs it with the editor closed \
         (chain + output tap)"
    );
    if let Some(baseline) = &args.baseline {
        against_baseline(&bench, baseline, &work)?;
    }
    Ok(())
}

/// Instructions per frame of `cans-bench render-fixed` (with `extra` flags) under
/// callgrind: the difference of two fixed renders, so start-up cost cancels.
fn callgrind_per_frame(
    bench: &Path,
    work: &Path,
    tag: &str,
    extra: &[&str],
) -> Result<f64, String> {
    let mut ir = Vec::new();
    for n in CALLGRIND_FRAMES {
        let out_file = work.join(format!("callgrind.{tag}.{n}.out"));
        run_ok(
            Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", out_file.display()))
                .arg(bench)
                .args(["render-fixed", &n.to_string()])
                .args(extra),
        )?;
        let text = std::fs::read_to_string(&out_file).map_err(|e| e.to_string())?;
        let total: f64 = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("totals:")
                    .or_else(|| l.strip_prefix("summary:"))
            })
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or("no totals in callgrind output")?;
        ir.push(total);
    }
    Ok((ir[1] - ir[0]) / (CALLGRIND_FRAMES[1] - CALLGRIND_FRAMES[0]) as f64)
}

/// Rounds of the baseline comparison: each runs both binaries' tables once, alternating.
const BASELINE_ROUNDS: usize = 4;

/// This build against a baseline `cans-bench` in the same run: the steady chain and the
/// plug-in path (chain + output tap, editor closed), alternating the two binaries, and
/// both under callgrind.
fn against_baseline(bench: &Path, baseline: &Path, work: &Path) -> Result<(), String> {
    const KEYS: [&str; 4] = [
        "chain_steady_b32",
        "chain_steady_b256",
        "chain_steady_b1024",
        "plugin_editor_closed_b256",
    ];
    eprintln!("against the baseline {}…", baseline.display());
    // [binary][key] -> medians of each table run.
    let mut runs = vec![vec![Vec::new(); KEYS.len()]; 2];
    for _ in 0..BASELINE_ROUNDS {
        for (b, bin) in [baseline, bench].into_iter().enumerate() {
            let out = run_ok(Command::new(bin).args(["table", "--rounds", "5", "--seconds", "1"]))?;
            for (k, key) in KEYS.iter().enumerate() {
                if let Some(v) = out.lines().find_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f.first() == Some(key)).then(|| f.get(1)?.parse::<f64>().ok())?
                }) {
                    runs[b][k].push(v);
                }
            }
        }
    }
    println!();
    println!(
        "Against the baseline (`{}`), same run, binaries alternated ({BASELINE_ROUNDS} rounds \
         each; medians of the rounds' medians)",
        baseline.display()
    );
    println!("| case | baseline ns/frame | this build ns/frame | change |");
    println!("|---|---:|---:|---:|");
    for (k, key) in KEYS.iter().enumerate() {
        let (old, new) = (median(&runs[0][k]), median(&runs[1][k]));
        println!(
            "| {key} | {old:.2} | {new:.2} | {:+.1} % ({:+.2} ns) |",
            (new / old - 1.0) * 100.0,
            new - old
        );
    }
    for (label, extra) in [
        ("steady chain", &[][..]),
        ("plug-in path, editor closed", &["--plugin"][..]),
    ] {
        let old = callgrind_per_frame(baseline, work, "baseline", extra);
        let new = callgrind_per_frame(bench, work, "new", extra)?;
        match old {
            Ok(old) => println!(
                "Callgrind, {label}: baseline {old:.1}, this build {new:.1} instructions per frame ({:+.1})",
                new - old
            ),
            Err(e) => {
                println!("Callgrind, {label}: this build {new:.1} (baseline could not run it: {e})")
            }
        }
    }
    Ok(())
}
