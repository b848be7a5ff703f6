//! `cargo xtask test`: every test of the project, in one command.
//!
//! 1. Bundle the debug plug-in with nice-plug's `assert_process_allocs`, so an allocation
//!    on the audio thread aborts whichever host test triggers it.
//! 2. `cargo test --workspace`: unit, DSP and real-host tests (they load the bundle).
//! 3. The pedalboard (JUCE) VST3 test, when `tests/pedalboard/test_pedalboard.py` exists.
//! 4. Ardour's headless VST3 scanner, when Ardour is installed (`tests/ardour_scan.sh`
//!    checks what it reports: the scanner itself exits 0 even when a module fails).
//! 5. A real Ardour session, headless (`tests/ardour/test_ardour_session.py`, driving
//!    Ardour's `luasession` on the Dummy backend): Cans on the master bus, bounces with
//!    Bounce-Safe on and off, automation, save and reopen.
//!
//! A step whose host is missing is skipped, unless `CANS_REQUIRE_ALL_HOSTS=1` (set by
//! `.ci/run`), which makes a missing host a failure.
//!
//! Every step runs even if an earlier one failed (except that nothing runs without a
//! bundle); the summary lists each step's result and wall time, and the command fails if
//! any step failed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::workspace::{self, Workspace};

const PEDALBOARD_TEST: &str = "tests/pedalboard/test_pedalboard.py";
/// The Python environment the README sets up (`python3 -m venv .venv`).
const VENV_PYTHON: &str = ".venv/bin/python";
/// Where Debian's `ardour` package puts its headless VST3 scanner (Ardour 7 and 8).
const ARDOUR_LIB_DIRS: &[&str] = &["/usr/lib/ardour8", "/usr/lib/ardour7"];
const ARDOUR_SCAN_TEST: &str = "tests/ardour_scan.sh";
const ARDOUR_SESSION_TEST: &str = "tests/ardour/test_ardour_session.py";
/// Set to 1 to fail, not skip, a step whose host is missing.
const REQUIRE_ALL_HOSTS_ENV: &str = "CANS_REQUIRE_ALL_HOSTS";

enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

struct Step {
    name: &'static str,
    outcome: Outcome,
    time: Duration,
}

pub fn main(args: &[String]) -> Result<()> {
    let cargo_test_args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ws = Workspace::enter()?;
    let mut steps = Vec::new();

    let bundled = timed(
        &mut steps,
        "bundle debug plug-in (assert_process_allocs)",
        || workspace::bundle(&["--features", "assert_process_allocs"]).map(|_| Outcome::Passed),
    );

    if bundled {
        timed(&mut steps, "cargo test --workspace --no-fail-fast", || {
            let mut cargo = workspace::cargo();
            cargo
                .args(["test", "--workspace", "--no-fail-fast"])
                .args(&cargo_test_args)
                .env("CANS_BUNDLE_DIR", ws.bundled_dir());
            workspace::run(&mut cargo).map(|_| Outcome::Passed)
        });
        timed(&mut steps, "pedalboard VST3 test", || pedalboard(&ws));
        timed(&mut steps, "Ardour VST3 scanner", || ardour_scan(&ws));
        timed(&mut steps, "Ardour session (luasession)", || {
            ardour_session(&ws)
        });
    }

    print_summary(&steps);
    let failed: Vec<&str> = steps
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Failed(_)))
        .map(|s| s.name)
        .collect();
    if !failed.is_empty() {
        eprintln!("FAILED: {}", failed.join(", "));
        std::process::exit(1);
    }
    eprintln!("All test steps passed.");
    Ok(())
}

/// Run one step, record its outcome and wall time; returns whether it passed.
fn timed(steps: &mut Vec<Step>, name: &'static str, f: impl FnOnce() -> Result<Outcome>) -> bool {
    eprintln!("\n==> {name}");
    let start = Instant::now();
    let outcome = match f().unwrap_or_else(|e| Outcome::Failed(format!("{e:#}"))) {
        Outcome::Skipped(why) if require_all_hosts() => {
            Outcome::Failed(format!("{why} ({REQUIRE_ALL_HOSTS_ENV}=1)"))
        }
        outcome => outcome,
    };
    let passed = matches!(outcome, Outcome::Passed);
    if let Outcome::Failed(why) = &outcome {
        eprintln!("==> FAILED: {name}: {why}");
    }
    steps.push(Step {
        name,
        outcome,
        time: start.elapsed(),
    });
    passed
}

fn pedalboard(ws: &Workspace) -> Result<Outcome> {
    let script = ws.root.join(PEDALBOARD_TEST);
    if !script.exists() {
        return Ok(Outcome::Skipped(format!("{PEDALBOARD_TEST} not present")));
    }
    let python = ws.root.join(VENV_PYTHON);
    if !python.exists() {
        bail!(
            "{} missing: create it with `python3 -m venv .venv && .venv/bin/pip install \
             pedalboard numpy` (see README)",
            python.display()
        );
    }
    workspace::run(Command::new(python).arg(&script).arg(ws.vst3_bundle()))?;
    Ok(Outcome::Passed)
}

fn ardour_scan(ws: &Workspace) -> Result<Outcome> {
    let Some(lib_dir) = ARDOUR_LIB_DIRS
        .iter()
        .map(Path::new)
        .find(|d| d.join("ardour-vst3-scanner").exists())
    else {
        return Ok(Outcome::Skipped(
            "Ardour not installed (apt-get install ardour)".into(),
        ));
    };
    workspace::run(
        Command::new("sh")
            .arg(ws.root.join(ARDOUR_SCAN_TEST))
            .arg(ws.vst3_bundle())
            .env("ARDOUR_LIB", lib_dir),
    )?;
    Ok(Outcome::Passed)
}

fn ardour_session(ws: &Workspace) -> Result<Outcome> {
    let Some(lib_dir) = ARDOUR_LIB_DIRS
        .iter()
        .map(Path::new)
        .find(|d| d.join("luasession").exists())
    else {
        return Ok(Outcome::Skipped(
            "Ardour's luasession not installed (apt-get install ardour)".into(),
        ));
    };
    let python = ws.root.join(VENV_PYTHON);
    if !python.exists() {
        bail!(
            "{} missing: create it with `python3 -m venv .venv && .venv/bin/pip install -r \
             tests/pedalboard/requirements.txt` (see README)",
            python.display()
        );
    }
    workspace::run(
        Command::new(python)
            .arg(ws.root.join(ARDOUR_SESSION_TEST))
            .arg(ws.vst3_bundle())
            .env("ARDOUR_LIB", lib_dir),
    )?;
    Ok(Outcome::Passed)
}

fn print_summary(steps: &[Step]) {
    let total: Duration = steps.iter().map(|s| s.time).sum();
    eprintln!("\n=== cargo xtask test summary ===");
    for step in steps {
        let (mark, note) = match &step.outcome {
            Outcome::Passed => ("PASS", String::new()),
            Outcome::Failed(why) => ("FAIL", format!("  ({why})")),
            Outcome::Skipped(why) => ("SKIP", format!("  ({why})")),
        };
        eprintln!(
            "{mark}  {:>8.1} s  {}{note}",
            step.time.as_secs_f64(),
            step.name
        );
    }
    eprintln!("      {:>8.1} s  total", total.as_secs_f64());
}

fn require_all_hosts() -> bool {
    std::env::var(REQUIRE_ALL_HOSTS_ENV).is_ok_and(|v| v == "1")
}
