//! `cargo xtask screenshot [--scale S] [--out PATH] [--clicks "x,y x,y"] [--silent]`:
//! build the standalone Cans, run it headless under Xvfb, capture its window with
//! `xwd | convert` into `docs/editor.png` (or PATH), then stop it with SIGTERM.
//!
//! With `jackd` installed, the standalone runs on a private JACK server (dummy driver)
//! fed with pink-ish noise from this process, so the analyzer and meters show a signal;
//! otherwise (or with `--silent`) it runs on nice-plug's silent dummy backend. With
//! `xdotool` installed, it first clicks through a few controls (slot A: open-back class,
//! slot B: closed-back class with speakers) so the response plot has something to show.
//!
//! `--scale 2` renders at 2x (through the X resource `Xft.dpi`, which baseview reads).
//!
//! Needs (Debian): `libasound2-dev libjack-jackd2-dev pkg-config xvfb x11-apps
//! imagemagick`, optionally `jackd2 xdotool x11-xserver-utils`.

use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::workspace::{self, Workspace};

/// Private JACK server name, so no developer's own JACK server is touched.
const JACK_SERVER: &str = "cans-screenshot";
/// Demo signal level: about -20 dBFS RMS, a typical mix level on a K-20 scale.
const DEMO_GAIN: f32 = 0.1;

/// Default click script at 1x, in window coordinates (logical px), for the default size.
/// Measured on the captured window; update them if the editor layout changes.
const DEFAULT_CLICKS: &[(f32, f32)] = &[
    (230.0, 515.0), // slot A model picker
    (160.0, 284.0), // … "Open-back class"
    (630.0, 514.0), // slot B model picker
    (560.0, 394.0), // … "Closed-back class"
    (455.0, 653.0), // slot B Speakers
];

/// Virtual display number (an unusual one, so a developer's own X server is untouched).
const DISPLAY: &str = ":93";
/// How long to wait for the window to appear, and then for the meters to settle.
const WINDOW_TIMEOUT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(3);

struct Killed(Child, &'static str);

impl Drop for Killed {
    fn drop(&mut self) {
        // SIGTERM first, so the app shuts down its audio thread cleanly.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            sleep(Duration::from_millis(100));
        }
        eprintln!("{} did not exit after SIGTERM; killing it", self.1);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_window(title: &str) -> Option<String> {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .env("DISPLAY", DISPLAY)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let needle = format!("\"{title}\"");
    text.lines()
        .filter(|l| l.contains(&needle))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .next()
}

pub fn run(args: &[String]) -> Result<()> {
    let ws = Workspace::enter()?;
    let root = &ws.root;
    let mut scale = "1".to_owned();
    let mut out = root.join("docs/editor.png");
    let mut clicks: Vec<(f32, f32)> = DEFAULT_CLICKS.to_vec();
    let mut silent = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scale" => scale = it.next().context("--scale needs a value")?.clone(),
            "--out" => out = root.join(it.next().context("--out needs a path")?),
            "--silent" => silent = true,
            "--clicks" => {
                clicks = it
                    .next()
                    .context("--clicks needs \"x,y x,y ...\"")?
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').context("click as x,y")?;
                        Ok((x.parse()?, y.parse()?))
                    })
                    .collect::<Result<_>>()?
            }
            other => {
                bail!("unknown argument {other} (use --scale S, --out PATH, --clicks, --silent)")
            }
        }
    }
    let scale_f: f32 = scale.parse().context("--scale must be a number")?;

    workspace::run(workspace::cargo().args([
        "build",
        "--bin",
        "cans_standalone",
        "--features",
        "standalone",
    ]))
    .context("building the standalone")?;
    let binary = ws.target_dir.join("debug/cans_standalone");

    let xvfb = Command::new("Xvfb")
        .args([
            DISPLAY,
            "-screen",
            "0",
            "2400x1600x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting Xvfb (apt-get install xvfb)")?;
    let _xvfb = Killed(xvfb, "Xvfb");
    sleep(Duration::from_secs(1));
    if scale_f != 1.0 {
        // baseview takes the scale factor from the X resource Xft.dpi (96 dpi = 1x). Xvfb
        // runs with -noreset, or the resource would vanish when xrdb disconnects.
        let mut xrdb = Command::new("xrdb")
            .args(["-nocpp", "-merge"])
            .env("DISPLAY", DISPLAY)
            .stdin(Stdio::piped())
            .spawn()
            .context("running xrdb (apt-get install x11-xserver-utils)")?;
        use std::io::Write;
        writeln!(
            xrdb.stdin.take().context("xrdb stdin")?,
            "Xft.dpi: {}",
            (96.0 * scale_f).round()
        )?;
        xrdb.wait()?;
    }

    let use_jack = !silent && which("jackd");
    // Safety: set before any thread of this process exists that reads the environment.
    unsafe { std::env::set_var("JACK_DEFAULT_SERVER", JACK_SERVER) };
    let mut _jackd = None;
    let mut _noise = None;
    let mut backend: Vec<String> = vec!["-b".into(), "dummy".into()];
    if use_jack {
        let jackd = Command::new("jackd")
            .args([
                "--no-realtime",
                "-n",
                JACK_SERVER,
                "-d",
                "dummy",
                "-r",
                "48000",
                "-p",
                "512",
                "-C",
                "2",
                "-P",
                "2",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting jackd")?;
        _jackd = Some(Killed(jackd, "jackd"));
        sleep(Duration::from_secs(2));
        _noise = Some(demo_signal()?);
        backend = vec![
            "-b".into(),
            "jack".into(),
            "--connect-jack-inputs".into(),
            "cans-demo:out_1,cans-demo:out_2".into(),
        ];
    } else {
        println!("jackd not found (or --silent): the analyzer shows no signal");
    }

    let app = Command::new(&binary)
        .args(&backend)
        .env("DISPLAY", DISPLAY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let _app = Killed(app, "cans_standalone");

    let start = Instant::now();
    let window = loop {
        if let Some(id) = find_window("Cans") {
            break id;
        }
        if start.elapsed() > WINDOW_TIMEOUT {
            bail!("the Cans window did not appear on {DISPLAY}");
        }
        sleep(Duration::from_millis(250));
    };
    sleep(Duration::from_secs(1));
    if !clicks.is_empty() {
        if which("xdotool") {
            for (x, y) in &clicks {
                let (x, y) = ((x * scale_f).round(), (y * scale_f).round());
                Command::new("xdotool")
                    .args([
                        "mousemove",
                        "--window",
                        &window,
                        &x.to_string(),
                        &y.to_string(),
                        "click",
                        "1",
                    ])
                    .env("DISPLAY", DISPLAY)
                    .status()
                    .context("running xdotool")?;
                sleep(Duration::from_millis(400));
            }
            // Park the pointer outside the window so no hover highlight is captured.
            Command::new("xdotool")
                .args(["mousemove", "2300", "1500"])
                .env("DISPLAY", DISPLAY)
                .status()?;
        } else {
            println!("xdotool not found: capturing the default state");
        }
    }
    sleep(SETTLE);

    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let xwd = Command::new("xwd")
        .args(["-silent", "-id", &window])
        .env("DISPLAY", DISPLAY)
        .stdout(Stdio::piped())
        .spawn()
        .context("running xwd (apt-get install x11-apps)")?;
    let status = Command::new("convert")
        .arg("xwd:-")
        .arg(format!("png:{}", out.display()))
        .stdin(xwd.stdout.context("xwd stdout")?)
        .status()
        .context("running convert (apt-get install imagemagick)")?;
    if !status.success() {
        bail!("convert failed");
    }
    println!("wrote {}", out.display());
    Ok(())
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A JACK client playing stereo pink-ish noise (partly correlated, like a mix) on
/// `cans-demo:out_1/2`. Pink filter: Paul Kellett's "economy" three-pole approximation
/// ("Filtering white noise to make pink noise", music-dsp list, 1999), ±0.5 dB above 9 Hz.
fn demo_signal() -> Result<
    jack::AsyncClient<
        (),
        jack::contrib::ClosureProcessHandler<
            (),
            impl FnMut(&jack::Client, &jack::ProcessScope) -> jack::Control + Send,
        >,
    >,
> {
    let (client, _) = jack::Client::new("cans-demo", jack::ClientOptions::NO_START_SERVER)
        .context("connecting to the private JACK server")?;
    let mut out_l = client.register_port("out_1", jack::AudioOut::default())?;
    let mut out_r = client.register_port("out_2", jack::AudioOut::default())?;
    let mut seed = 0x1234_5678u32;
    let mut white = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    };
    let mut pink = [[0.0f32; 3]; 3];
    let handler = jack::contrib::ClosureProcessHandler::new(
        move |_: &jack::Client, ps: &jack::ProcessScope| {
            let l = out_l.as_mut_slice(ps);
            let r = out_r.as_mut_slice(ps);
            for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                let mut p = [0.0f32; 3];
                for (state, out) in pink.iter_mut().zip(p.iter_mut()) {
                    let w = white();
                    state[0] = 0.99765 * state[0] + w * 0.099_046;
                    state[1] = 0.963 * state[1] + w * 0.296_516_4;
                    state[2] = 0.57 * state[2] + w * 1.052_691_3;
                    *out = state[0] + state[1] + state[2] + w * 0.1848;
                }
                // Common (centre) part plus independent sides: correlation about 0.67.
                *l = DEMO_GAIN * 0.25 * (p[0] + 0.7 * p[1]);
                *r = DEMO_GAIN * 0.25 * (p[0] + 0.7 * p[2]);
            }
            jack::Control::Continue
        },
    );
    client
        .activate_async((), handler)
        .context("activating the demo client")
}
