//! `cans-render --speakers`: a left-only impulse reaches the right ear only with speakers
//! on, the near ear's response starts at sample 0, and an angle outside 10–60° is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

const FS: u32 = 48_000;

fn write_impulse(path: &Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: FS,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..FS / 2 {
        w.write_sample(if i == 0 { 0.5f32 } else { 0.0 }).unwrap();
        w.write_sample(0.0f32).unwrap();
    }
    w.finalize().unwrap();
}

fn read(path: &Path) -> (Vec<f32>, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let s: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    (
        s.iter().step_by(2).copied().collect(),
        s.iter().skip(1).step_by(2).copied().collect(),
    )
}

fn render(args: &[&str], input: &Path, output: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cans-render"))
        .args(args)
        .arg(input)
        .arg(output)
        .output()
        .unwrap()
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("cans-render-speakers-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn speakers_on_reach_the_far_ear_and_start_at_sample_zero() {
    let d = dir();
    let (input, out) = (d.join("in.wav"), d.join("out.wav"));
    write_impulse(&input);
    let off = render(&[], &input, &out);
    assert!(
        off.status.success(),
        "{}",
        String::from_utf8_lossy(&off.stderr)
    );
    let (_, r) = read(&out);
    assert!(
        r.iter().all(|v| *v == 0.0),
        "no speakers, no crossfeed: right is silent"
    );
    let on = render(
        &["--speakers", "on", "--angle", "30", "--room", "0"],
        &input,
        &out,
    );
    assert!(
        on.status.success(),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    let (l, r) = read(&out);
    let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        l[0].abs() > 0.5 * peak,
        "near ear starts at sample 0: {} of {peak}",
        l[0]
    );
    let energy = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
    let far_db = 10.0 * (energy(&r) / energy(&l)).log10();
    println!("far ear {far_db:.1} dB below the near one (30°, room 0 %)");
    assert!((-20.0..-1.0).contains(&far_db), "{far_db} dB");
    let bad = render(&["--speakers", "on", "--angle", "75"], &input, &out);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("angle"));
    std::fs::remove_dir_all(&d).ok();
}
