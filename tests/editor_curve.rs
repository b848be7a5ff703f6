//! The response plot shows what the DSP does: its curves equal the analytic responses of
//! the DSP pieces and the measured impulse response of the engine.

use cans::dsp::chain::{Chain, ChainConfig, CrossfeedMode, LiveParams};
use cans::dsp::crossfeed::{CrossfeedCoeffs, CrossfeedSettings};
use cans::dsp::engine::{Engine, EngineSettings};
use cans::dsp::eq::EqSource;
use cans::dsp::stage::Probe;
use cans::dsp::stereo::MonitorMode;
use cans::editor::curve::{self, CURVE_FLOOR_DB, CurveCalculator, SlotCurve};
use cans::editor::plot::LogAxes;
use cans::params::{CansParams, Model};
use cans::settings::{model_voicing, slot_settings};
use realfft::RealFftPlanner;

const FS: f64 = 48_000.0;
/// Points quieter than this are not compared (the IR's truncation and f32 rounding are
/// then no longer negligible against 0.1 dB).
const COMPARE_FLOOR_DB: f64 = -45.0;
const TOLERANCE_DB: f64 = 0.1;

fn config(
    model: Model,
    crossfeed: CrossfeedMode,
    mono_flat: bool,
    monitor: MonitorMode,
) -> ChainConfig {
    let voicing = model_voicing(model);
    ChainConfig {
        correction: EqSource::Flat,
        voicing: EqSource::Static(voicing.sections),
        class_width: voicing.class.width_factor(),
        crossfeed,
        mono_flat,
        monitor,
        playback: Default::default(),
        speakers: None,
        level_match: true,
    }
}

fn live(width: f64) -> LiveParams {
    LiveParams {
        width,
        ..LiveParams::default()
    }
}

/// The configurations compared: class voicings, every crossfeed kind, mono-flat on and
/// off, widths and monitor modes.
fn cases() -> Vec<(&'static str, ChainConfig, LiveParams)> {
    let custom = LiveParams {
        custom: CrossfeedSettings {
            cutoff_hz: 900.0,
            feed_db: 3.0,
        },
        itd_ms: 0.5,
        width: 1.0,
        ..LiveParams::default()
    };
    vec![
        (
            "neutral",
            config(
                Model::Neutral,
                CrossfeedMode::Off,
                true,
                MonitorMode::Stereo,
            ),
            live(1.0),
        ),
        (
            "open + default xf (mono-flat)",
            config(
                Model::OpenBack,
                CrossfeedMode::Preset(CrossfeedSettings::DEFAULT),
                true,
                MonitorMode::Stereo,
            ),
            live(1.0),
        ),
        (
            "closed + Jan Meier (plain) width 150%",
            config(
                Model::ClosedBack,
                CrossfeedMode::Preset(CrossfeedSettings::JAN_MEIER),
                false,
                MonitorMode::Stereo,
            ),
            live(1.5),
        ),
        (
            "open + custom xf, swap",
            config(
                Model::OpenBack,
                CrossfeedMode::Custom,
                false,
                MonitorMode::Swap,
            ),
            custom,
        ),
        (
            "closed, mono monitor, Chu Moy",
            config(
                Model::ClosedBack,
                CrossfeedMode::Preset(CrossfeedSettings::CHU_MOY),
                true,
                MonitorMode::Mono,
            ),
            live(0.5),
        ),
    ]
}

fn db(c: (f64, f64)) -> f64 {
    10.0 * (c.0 * c.0 + c.1 * c.1).log10()
}

/// Engine impulse response (left-only impulse) of `len` samples: (left out, right out).
fn engine_ir(config: ChainConfig, live: LiveParams, len: usize) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(FS);
    engine.set(EngineSettings {
        config,
        live,
        output_gain: 1.0,
        bypass: false,
    });
    engine.reset();
    let mut l = vec![0.0f32; len];
    let mut r = vec![0.0f32; len];
    l[0] = 1.0;
    engine.process(&mut l, &mut r);
    (l, r)
}

/// DTFT of `x` at `freq_hz`, in dB.
fn dtft_db(x: &[f32], freq_hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq_hz / FS;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &v) in x.iter().enumerate() {
        let (s, c) = (w * n as f64).sin_cos();
        re += v as f64 * c;
        im -= v as f64 * s;
    }
    db((re, im))
}

fn plotted(calc: &mut CurveCalculator, config: &ChainConfig, live: &LiveParams) -> SlotCurve {
    calc.curve(0, config, live, FS).clone()
}

#[test]
fn plot_curve_equals_analytic_dsp_response_through_the_plot_axes() {
    // The plain bs2b path (no width, no mono-flat, stereo): |EQ| * |core path| * level.
    let axes = LogAxes {
        rect: egui::Rect::from_min_size(egui::pos2(10.0, 20.0), egui::vec2(700.0, 300.0)),
        db_top: 12.0,
        db_bottom: -60.0,
    };
    let mut calc = CurveCalculator::new();
    for (model, preset) in [
        (Model::Neutral, CrossfeedSettings::DEFAULT),
        (Model::OpenBack, CrossfeedSettings::CHU_MOY),
        (Model::ClosedBack, CrossfeedSettings::JAN_MEIER),
    ] {
        let cfg = config(
            model,
            CrossfeedMode::Preset(preset),
            false,
            MonitorMode::Stereo,
        );
        let lv = live(1.0 / cfg.class_width);
        let c = plotted(&mut calc, &cfg, &lv);
        assert_eq!(c.freq_hz.len(), curve::POINTS);
        let mut chain = Chain::new(FS);
        chain.configure(&cfg, lv);
        let g = chain.level_gain();
        let coeffs = CrossfeedCoeffs::design(preset, FS);
        let delay = lv.itd_ms * 1e-3 * FS;
        // Plotted points, read back through the plot's axes.
        let direct_pts = axes.points(&c.freq_hz, &c.direct_db);
        let cross_pts = axes.points(&c.freq_hz, &c.cross_db);
        for (i, &f) in c.freq_hz.iter().enumerate().step_by(5) {
            let eq_db = 10.0
                * (cfg.voicing.sections().power(f, FS) * cfg.correction.sections().power(f, FS))
                    .log10();
            let (d, x) = coeffs.core_response(f, FS, delay);
            let want_direct = eq_db + db(d) + 20.0 * g.log10();
            let want_cross = eq_db + db(x) + 20.0 * g.log10();
            let got_direct = axes.db_of(direct_pts[i].y) as f64;
            let got_cross = axes.db_of(cross_pts[i].y) as f64;
            assert!((axes.freq_of(direct_pts[i].x) / f - 1.0).abs() < 1e-4);
            assert!(
                (got_direct - want_direct).abs() < TOLERANCE_DB,
                "{model:?} direct at {f:.0} Hz: plotted {got_direct:.3}, DSP {want_direct:.3}"
            );
            if want_cross > CURVE_FLOOR_DB {
                assert!(
                    (got_cross - want_cross).abs() < TOLERANCE_DB,
                    "{model:?} cross at {f:.0} Hz: plotted {got_cross:.3}, DSP {want_cross:.3}"
                );
            }
        }
    }
}

#[test]
fn plot_curve_equals_engine_impulse_response_at_every_plotted_frequency() {
    let mut calc = CurveCalculator::new();
    for (name, cfg, lv) in cases() {
        let c = plotted(&mut calc, &cfg, &lv);
        let (l, r) = engine_ir(cfg.clone(), lv, 1 << 16);
        let mut compared = 0;
        for (i, &f) in c.freq_hz.iter().enumerate().step_by(3) {
            for (curve_db, ir, path) in
                [(c.direct_db[i], &l, "direct"), (c.cross_db[i], &r, "cross")]
            {
                if curve_db < COMPARE_FLOOR_DB {
                    continue;
                }
                let measured = dtft_db(ir, f);
                assert!(
                    (measured - curve_db).abs() < TOLERANCE_DB,
                    "{name}: {path} at {f:.1} Hz: plotted {curve_db:.3} dB, engine {measured:.3} dB"
                );
                compared += 1;
            }
        }
        assert!(compared > 80, "{name}: only {compared} points compared");
    }
}

#[test]
fn engine_spectrum_by_realfft_matches_the_curve_model_at_fft_bins() {
    let n = 1 << 16;
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut calc = CurveCalculator::new();
    for (name, cfg, lv) in cases() {
        let (l, r) = engine_ir(cfg.clone(), lv, n);
        let design = calc.design(&cfg, &lv, FS);
        for (out_index, ir) in [l, r].iter().enumerate() {
            let mut input: Vec<f64> = ir.iter().map(|&v| v as f64).collect();
            let mut spectrum = fft.make_output_vec();
            fft.process(&mut input, &mut spectrum).expect("fft");
            // Bins spaced a third of an octave apart from 25 Hz up.
            let mut f_target = 25.0;
            while f_target < 20_000.0 {
                let k = (f_target * n as f64 / FS).round() as usize;
                let f = k as f64 * FS / n as f64;
                let (d, x) = design.response(&Probe::at(f, FS)).left_input();
                let h = if out_index == 0 { d } else { x };
                let want = db((h.re, h.im));
                let got = db((spectrum[k].re, spectrum[k].im));
                if want > COMPARE_FLOOR_DB {
                    assert!(
                        (got - want).abs() < TOLERANCE_DB,
                        "{name}: output {out_index} at {f:.1} Hz: fft {got:.3}, model {want:.3}"
                    );
                }
                f_target *= 2f64.powf(1.0 / 3.0);
            }
        }
    }
}

#[test]
fn default_parameters_plot_flat_neutral_slot_with_crossfeed_off() {
    let params = CansParams::default();
    let (cfg, lv) = slot_settings(&params, &params.a, None);
    let mut calc = CurveCalculator::new();
    let c = calc.curve(0, &cfg, &lv, FS);
    // Neutral, no crossfeed, width 100 %, level match: direct 0 dB everywhere, no cross.
    assert!(
        c.direct_db.iter().all(|d| d.abs() < 1e-6),
        "{:?}",
        &c.direct_db[..4]
    );
    assert!(c.cross_db.iter().all(|&d| d == CURVE_FLOOR_DB));
    assert!(c.level_db.abs() < 1e-9, "{}", c.level_db);
}

#[test]
fn curves_stop_below_nyquist_at_low_sample_rates() {
    let mut calc = CurveCalculator::new();
    let cfg = config(
        Model::OpenBack,
        CrossfeedMode::Off,
        true,
        MonitorMode::Stereo,
    );
    let c = calc.curve(1, &cfg, &live(1.0), 22_050.0);
    assert!(*c.freq_hz.last().unwrap() < 11_025.0);
    assert!(c.freq_hz.len() < curve::POINTS);
    assert!(c.direct_db.iter().all(|d| d.is_finite()));
}

/// With speakers the plot shows each ear's response to one speaker, smoothed over 1/6
/// octave: the curves equal the engine's measured impulse response (left-only input: the
/// left ear is the near one), smoothed the same way here, at every plotted frequency
/// from 50 Hz to 16 kHz, at room 0 % and 100 %.
#[test]
fn speakers_plot_each_ears_smoothed_response_as_the_engine_plays_it() {
    // Both smooth over bins of their own FFT (the bank 2^15 points, this test 2^16): a
    // comb of reflections averages a little differently at 50 Hz, where a band is 6 Hz.
    const LIMIT_DB: f64 = 1.0;
    for room in [0.0, 1.0] {
        let config = ChainConfig {
            speakers: Some(30),
            ..config(
                Model::Neutral,
                CrossfeedMode::Off,
                true,
                MonitorMode::Stereo,
            )
        };
        let live = LiveParams {
            room,
            ..LiveParams::default()
        };
        let n = 1 << 16;
        let mut engine = Engine::with_speakers(FS);
        engine.set(EngineSettings {
            config: config.clone(),
            live,
            output_gain: 1.0,
            bypass: false,
        });
        engine.reset();
        let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
        l[0] = 1.0;
        engine.process(&mut l, &mut r);
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
        let power = |x: &[f32]| -> Vec<f64> {
            let mut input: Vec<f64> = x.iter().map(|v| *v as f64).collect();
            let mut out = fft.make_output_vec();
            fft.process(&mut input, &mut out).unwrap();
            out.iter().map(|c| c.norm_sqr()).collect()
        };
        let (pl, pr) = (power(&l), power(&r));
        let smoothed_db = |p: &[f64], f: f64| {
            let half = 2f64.powf(1.0 / 12.0);
            let bin = |f: f64| (f * n as f64 / FS).round() as usize;
            let (a, b) = (bin(f / half), bin(f * half));
            10.0 * (p[a..=b].iter().sum::<f64>() / (b - a + 1) as f64).log10()
        };
        let mut calc = CurveCalculator::new();
        let c = plotted(&mut calc, &config, &live);
        let (mut worst, mut compared) = (0.0f64, 0);
        for (i, &f) in c.freq_hz.iter().enumerate() {
            if !(50.0..=16_000.0).contains(&f) {
                continue;
            }
            for (plot_db, p) in [(c.direct_db[i], &pl), (c.cross_db[i], &pr)] {
                let err = plot_db - smoothed_db(p, f);
                worst = worst.max(err.abs());
                compared += 1;
                assert!(
                    err.abs() < LIMIT_DB,
                    "room {room}: {f:.0} Hz plotted {plot_db:.2} dB, heard {:.2} dB",
                    plot_db - err
                );
            }
        }
        println!("speakers 30°, room {room}: {compared} points, worst {worst:.3} dB");
        assert!(compared > 100);
    }
}
