//! `cargo xtask screenshot [--scale S] [--out PATH]`: build the standalone Cans, run it
//! headless under Xvfb with the silent dummy audio backend, capture its window with
//! `xwd | convert` into `docs/editor.png` (or PATH), then stop it with SIGTERM.
//!
//! Needs (Debian): `libasound2-dev libjack-jackd2-dev pkg-config xvfb x11-apps
//! imagemagick`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

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

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
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
    let root = workspace_root();
    let mut scale = "1".to_owned();
    let mut out = root.join("docs/editor.png");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scale" => scale = it.next().context("--scale needs a value")?.clone(),
            "--out" => out = root.join(it.next().context("--out needs a path")?),
            other => bail!("unknown argument {other} (use --scale S, --out PATH)"),
        }
    }

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args([
            "build",
            "--bin",
            "cans_standalone",
            "--features",
            "standalone",
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building the standalone failed");
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let binary = target.join("debug/cans_standalone");

    let xvfb = Command::new("Xvfb")
        .args([DISPLAY, "-screen", "0", "2400x1600x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting Xvfb (apt-get install xvfb)")?;
    let _xvfb = Killed(xvfb, "Xvfb");
    sleep(Duration::from_secs(1));

    let app = Command::new(&binary)
        .args(["-b", "dummy", "--dpi-scale", &scale])
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
