//! Virtual loudspeakers, measured against the SOFA data (read here with `sofar`, not
//! through Cans): interaural level and time differences at the data's own directions,
//! centred sound flat, zero latency, level against a real BS.1770 meter (`ebur128`).

mod support;

#[global_allocator]
static GLOBAL: support::heap_count::CountingAlloc = support::heap_count::CountingAlloc;

use cans::dsp::engine::EngineSettings;
use cans::settings::{SlotValues, Values};
use num_complex::Complex64;

use cans::params::{CrossfeedPreset, Model};
use support::clicks;
use support::engine::{engine, run};
use support::signal::{lufs, pink, spectrum};

const FS: f64 = 48_000.0;
const N_FFT: usize = 1 << 15;
const SOFA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/hrtf/MIT_KEMAR_normal_pinna.sofa"
);

fn speakers(angle: u32, room: f64) -> EngineSettings {
    Values {
        slot: SlotValues {
            speakers: true,
            spk_angle_deg: angle,
            room,
            ..SlotValues::default()
        },
        ..Values::default()
    }
    .engine_settings()
}

/// (left ear, right ear) for an impulse on (l, r).
fn impulse(s: EngineSettings, fs: f64, input: [f32; 2], len: usize) -> (Vec<f64>, Vec<f64>) {
    let mut e = engine(fs, s);
    let mut l = vec![0.0f32; len];
    let mut r = vec![0.0f32; len];
    l[0] = input[0];
    r[0] = input[1];
    let (ol, or) = run(&mut e, &l, &r, 256);
    let f = |x: Vec<f32>| x.iter().map(|&v| v as f64).collect();
    (f(ol), f(or))
}

/// The data's pair (left ear, right ear) at azimuth `az` in the horizontal plane, and its
/// sample rate, straight from the file.
fn data_pair(az: f64) -> (Vec<f64>, Vec<f64>, f64) {
    let sofa = sofar::reader::OpenOptions::new()
        .sample_rate(44_100.0)
        .normalized(false)
        .open(SOFA)
        .expect("the SOFA file opens");
    let n = sofa.filter_len();
    let mut filter = sofar::reader::Filter::new(n);
    let a = az.to_radians();
    sofa.filter_nointerp(a.cos() as f32 * 1.4, a.sin() as f32 * 1.4, 0.0, &mut filter);
    let f = |x: &[f32]| x.iter().map(|&v| v as f64).collect();
    (f(&filter.left), f(&filter.right), sofa.sample_rate() as f64)
}

/// 1/3-octave band centres (IEC 61260 base-ten series) from `lo` to `hi`.
fn third_octaves(lo: f64, hi: f64) -> Vec<f64> {
    (-20..=13)
        .map(|i| 1000.0 * 10f64.powf(i as f64 / 10.0))
        .filter(|f| (lo * 0.99..=hi * 1.01).contains(f))
        .collect()
}

/// Energy of `ir` in each 1/3-octave band, dB.
fn band_db(ir: &[f64], fs: f64, bands: &[f64], n: usize) -> Vec<f64> {
    let sp = spectrum(ir, n);
    bands
        .iter()
        .map(|&fc| {
            let (lo, hi) = (fc * 2f64.powf(-1.0 / 6.0), fc * 2f64.powf(1.0 / 6.0));
            let (a, b) = (
                (lo * n as f64 / fs).ceil() as usize,
                (hi * n as f64 / fs).floor() as usize,
            );
            let e: f64 = sp[a..=b.max(a)].iter().map(|c| c.norm_sqr()).sum::<f64>()
                / (b.max(a) - a + 1) as f64;
            10.0 * e.max(1e-30).log10()
        })
        .collect()
}

/// Interaural time difference (right minus left arrival), from the slope of the
/// interaural phase between 200 Hz and 1 kHz (magnitude-weighted least squares through
/// the origin), a method independent of the plug-in's cross-correlation.
fn itd_phase_slope(l: &[f64], r: &[f64], fs: f64) -> f64 {
    let n = 1 << 16;
    let (sl, sr) = (spectrum(l, n), spectrum(r, n));
    let mut phase = 0.0;
    let mut prev: Option<Complex64> = None;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for k in 1..(1000.0 * n as f64 / fs) as usize {
        let c = sr[k] * sl[k].conj();
        // Unwrap along frequency from DC.
        if let Some(p) = prev {
            phase += (c * p.conj()).arg();
        } else {
            phase = c.arg();
        }
        prev = Some(c);
        let f = k as f64 * fs / n as f64;
        if f >= 200.0 {
            let w = 2.0 * std::f64::consts::PI * f;
            let weight = c.norm();
            sxy += weight * w * (-phase);
            sxx += weight * w * w;
        }
    }
    sxy / sxx
}

#[test]
fn interaural_differences_are_the_datas() {
    let bands = third_octaves(200.0, 12_000.0);
    for angle in [15u32, 30, 45] {
        let (dl, dr, dfs) = data_pair(angle as f64);
        let data_ild: Vec<f64> = band_db(&dl, dfs, &bands, 8192)
            .iter()
            .zip(band_db(&dr, dfs, &bands, 8192))
            .map(|(a, b)| a - b)
            .collect();
        let (ol, or) = impulse(speakers(angle, 0.0), FS, [1.0, 0.0], N_FFT);
        let out_ild: Vec<f64> = band_db(&ol, FS, &bands, N_FFT)
            .iter()
            .zip(band_db(&or, FS, &bands, N_FFT))
            .map(|(a, b)| a - b)
            .collect();
        let errs: Vec<f64> = data_ild.iter().zip(&out_ild).map(|(a, b)| b - a).collect();
        let rms = (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt();
        let data_itd = itd_phase_slope(&dl, &dr, dfs);
        let out_itd = itd_phase_slope(&ol, &or, FS);
        println!(
            "{angle}°: ILD error {rms:.2} dB RMS (worst {:.2} dB), ITD data {:.1} µs, out {:.1} µs",
            errs.iter().fold(0.0f64, |m, e| m.max(e.abs())),
            data_itd * 1e6,
            out_itd * 1e6
        );
        assert!(
            rms <= 1.0,
            "{angle}°: ILD {rms} dB RMS from the data's: {errs:?}"
        );
        assert!(
            (out_itd - data_itd).abs() <= 20e-6,
            "{angle}°: ITD {out_itd} s, data {data_itd} s"
        );
    }
}

#[test]
fn centred_sound_is_flat_and_starts_at_once() {
    let bands = third_octaves(40.0, 16_000.0);
    // The limits: ±1 dB at room 0 %, ±2 dB at 100 %; amounts in between (a mix
    // of the two, each equalised flat) are held to the 100 % limit.
    for (room, limit) in [(0.0, 1.0), (0.25, 2.0), (0.5, 2.0), (0.75, 2.0), (1.0, 2.0)] {
        for angle in [10u32, 15, 30, 45, 60] {
            let (ol, or) = impulse(speakers(angle, room), FS, [1.0, 1.0], N_FFT);
            let db = band_db(&ol, FS, &bands, N_FFT);
            let mean = db.iter().sum::<f64>() / db.len() as f64;
            let worst = db.iter().map(|d| (d - mean).abs()).fold(0.0, f64::max);
            println!("room {room}, {angle}°: centred sound within ±{worst:.2} dB per 1/3 octave");
            assert!(worst <= limit, "room {room} {angle}°: {db:?}");
            let same = ol
                .iter()
                .zip(&or)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(same < 1e-6, "centred sound reaches both ears alike: {same}");
        }
    }
    // Hard left: the near ear's response starts at sample 0 (its first sample is the
    // largest: minimum phase).
    for room in [0.0, 1.0] {
        let (ol, _) = impulse(speakers(30, room), FS, [1.0, 0.0], 4096);
        let peak = ol.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let onset = ol.iter().position(|v| v.abs() > 0.1 * peak).unwrap();
        println!(
            "room {room}: near-ear onset at sample {onset}, first sample {:.3} of peak",
            ol[0] / peak
        );
        assert_eq!(onset, 0, "room {room}: onset at {onset}");
    }
}

/// Pink noise pairs: mono, uncorrelated, and correlation 0.5 (the level match's design
/// point, `dsp::loudness`), 8 s each.
fn noises() -> Vec<(&'static str, Vec<f32>, Vec<f32>)> {
    let len = (FS * 8.0) as usize;
    let (a, b, c) = (
        pink(len, FS, 0.1, 7),
        pink(len, FS, 0.1, 8),
        pink(len, FS, 0.1, 9),
    );
    let h = std::f32::consts::FRAC_1_SQRT_2;
    let half_l: Vec<f32> = a.iter().zip(&c).map(|(x, y)| h * (x + y)).collect();
    let half_r: Vec<f32> = b.iter().zip(&c).map(|(x, y)| h * (x + y)).collect();
    vec![
        ("correlation 0.5", half_l, half_r),
        ("mono", c.clone(), c),
        ("uncorrelated", a, b),
    ]
}

#[test]
fn level_matches_bypass() {
    // Speakers change the side far more than a crossfeed (at 10° it almost vanishes at
    // low frequencies), so loudness depends on how correlated the mix is: the level match
    // holds its design point (correlation 0.5) within 0.5 LU everywhere; mono and
    // uncorrelated noise are printed (today -0.98..-0.08 and +0.08..+0.79 LU).
    for (name, il, ir) in noises() {
        let reference = lufs(&il, &ir, FS as u32);
        for room in [0.0, 0.5, 1.0] {
            for angle in [10u32, 15, 30, 45, 60] {
                let mut e = engine(FS, speakers(angle, room));
                let (ol, or) = run(&mut e, &il, &ir, 512);
                let d = lufs(&ol, &or, FS as u32) - reference;
                println!("{name}, room {room}, {angle}°: {d:+.2} LU");
                if name == "correlation 0.5" {
                    assert!(d.abs() <= 0.5, "{name} room {room} {angle}°: {d} LU");
                }
            }
        }
    }
}

#[test]
fn switching_speakers_is_click_free() {
    let n = 60_000;
    let crossfeed = Values {
        slot: SlotValues {
            model: Model::AkgK702,
            crossfeed: CrossfeedPreset::JanMeier,
            ..SlotValues::default()
        },
        ..Values::default()
    }
    .engine_settings();
    let sc = vec![
        (0, crossfeed.clone()),
        (9_001, speakers(30, 0.3)),  // crossfeed -> speakers
        (18_013, speakers(45, 0.3)), // angle
        (27_007, speakers(45, 1.0)), // room glides
        (36_011, speakers(15, 0.0)), // angle and room
        (36_500, speakers(60, 0.5)), // queued behind the fade
        (50_003, crossfeed),         // speakers -> crossfeed
    ];
    clicks::assert_click_free(FS, n, &sc);
}

#[test]
fn every_host_rate_sounds_like_48k() {
    // 1/3-octave bands 40 Hz-16 kHz at 44.1-192 kHz against 48 kHz, 30°, centred and
    // hard-left, room 0 % and 100 %.
    let bands = third_octaves(40.0, 16_000.0);
    let n = |fs: f64| ((N_FFT as f64 * fs / FS) as usize).next_power_of_two();
    let bands_at = |fs: f64, room: f64, input: [f32; 2]| {
        let (l, r) = impulse(speakers(30, room), fs, input, n(fs));
        [
            band_db(&l, fs, &bands, n(fs)),
            band_db(&r, fs, &bands, n(fs)),
        ]
    };
    let worst = |a: &[Vec<f64>; 2], b: &[Vec<f64>; 2]| {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    for (room, input, held) in [
        (0.0, [1.0, 1.0], true),
        (0.0, [1.0, 0.0], true),
        (1.0, [1.0, 1.0], true),
        (1.0, [1.0, 0.0], true),
    ] {
        let reference = bands_at(FS, room, input);
        for fs in [44_100.0, 88_200.0, 96_000.0, 176_400.0, 192_000.0] {
            let w = worst(&bands_at(fs, room, input), &reference);
            println!("room {room}, input {input:?}, {fs} Hz: within {w:.2} dB of 48 kHz");
            if held {
                assert!(w <= 0.5, "room {room} {input:?} at {fs} Hz: {w} dB");
            }
        }
    }
}

#[test]
fn the_audio_thread_never_touches_the_heap_with_speakers() {
    let settings = [
        speakers(30, 0.3),
        speakers(45, 1.0),
        speakers(15, 0.0),
        Values::default().engine_settings(),
        speakers(60, 0.7),
    ];
    let mut e = engine(FS, settings[0].clone());
    let blocks = [1usize, 7, 32, 100, 256, 1024, 33];
    let mut l = vec![0.0f32; 1024];
    let mut r = vec![0.0f32; 1024];
    let noise = pink(1 << 15, FS, 0.1, 5);
    support::heap_count::start();
    let mut pos = 0;
    for i in 0..1500 {
        if i % 150 == 0 {
            e.set(settings[(i / 150) % settings.len()].clone());
        }
        let n = blocks[i % blocks.len()];
        for k in 0..n {
            l[k] = noise[(pos + k) % noise.len()];
            r[k] = -0.5 * l[k];
        }
        pos += n;
        e.process(&mut l[..n], &mut r[..n]);
    }
    let events = support::heap_count::stop();
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    assert_eq!(events, 0, "heap events in process with speakers");
}
