//! The output spectrum: samples arrive from the audio thread through the lock-free ring
//! (`dsp::meters::OutputTap`), and are transformed here, on the editor thread, with
//! `realfft`.

use std::sync::Arc;

use egui::{Shape, Stroke, Ui, pos2};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::curve::{self, POINTS};
use super::plot::LogAxes;
use super::theme;

/// FFT length: 4096 points resolve 11.7 Hz at 48 kHz (enough to separate 20 Hz from
/// 40 Hz on the log axis), and the window spans 85 ms.
const FFT_LEN: usize = 4096;
/// Display range of the spectrum in dBFS (a full-scale sine reads 0).
const DB_TOP: f32 = 0.0;
const DB_BOTTOM: f32 = -96.0;
/// Display smoothing: each new frame moves the shown power this far towards the new one
/// (a visual choice: about 150 ms to settle at 60 frames per second).
const SMOOTHING: f32 = 0.25;

pub struct Analyzer {
    rx: Option<rtrb::Consumer<f32>>,
    /// The last `FFT_LEN` frames, circular.
    history: Vec<[f32; 2]>,
    write: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    output: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Mean power of L and R per bin, normalised so a full-scale sine's bin reads 1.
    power: Vec<f32>,
    /// Smoothed display values at the curve points (dBFS).
    pub display_db: Vec<f32>,
    pub has_signal: bool,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new(None)
    }
}

impl Analyzer {
    pub fn new(rx: Option<rtrb::Consumer<f32>>) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_LEN);
        // Hann window.
        let window = (0..FFT_LEN)
            .map(|n| {
                let t = n as f32 / FFT_LEN as f32;
                0.5 - 0.5 * (2.0 * std::f32::consts::PI * t).cos()
            })
            .collect();
        Self {
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            rx,
            history: vec![[0.0; 2]; FFT_LEN],
            write: 0,
            fft,
            window,
            power: vec![0.0; FFT_LEN / 2 + 1],
            display_db: vec![DB_BOTTOM; POINTS],
            has_signal: false,
        }
    }

    pub fn has_ring(&self) -> bool {
        self.rx.is_some()
    }

    pub fn take_ring(&mut self) -> Option<rtrb::Consumer<f32>> {
        self.rx.take()
    }

    pub fn set_ring(&mut self, rx: rtrb::Consumer<f32>) {
        self.rx = Some(rx);
    }

    /// Drop whatever the ring holds (stale audio from before the editor was opened).
    pub fn discard_pending(&mut self) {
        if let Some(rx) = &mut self.rx {
            let n = rx.slots();
            if let Ok(chunk) = rx.read_chunk(n) {
                chunk.commit_all();
            }
        }
        self.history.iter_mut().for_each(|v| *v = [0.0; 2]);
        self.display_db.iter_mut().for_each(|v| *v = DB_BOTTOM);
        self.has_signal = false;
    }

    /// Read what the audio thread sent; returns the number of frames read.
    pub fn drain(&mut self) -> usize {
        let Some(rx) = &mut self.rx else { return 0 };
        let n = rx.slots() / 2 * 2;
        let Ok(chunk) = rx.read_chunk(n) else {
            return 0;
        };
        let (a, b) = chunk.as_slices();
        let mut frames = 0;
        let mut pending: Option<f32> = None;
        for &s in a.iter().chain(b) {
            match pending.take() {
                None => pending = Some(s),
                Some(l) => {
                    self.history[self.write] = [l, s];
                    self.write = (self.write + 1) % FFT_LEN;
                    frames += 1;
                }
            }
        }
        chunk.commit_all();
        frames
    }

    /// Feed frames directly, as `drain` writes them (tests).
    #[cfg(test)]
    fn push_frames(&mut self, left: &[f32], right: &[f32]) {
        for (&l, &r) in left.iter().zip(right) {
            self.history[self.write] = [l, r];
            self.write = (self.write + 1) % FFT_LEN;
        }
    }

    /// Transform the latest `FFT_LEN` frames into `power` (mean of L and R).
    pub fn transform(&mut self) {
        self.power.iter_mut().for_each(|p| *p = 0.0);
        // A full-scale sine has |X| = N/4 with a Hann window (coherent gain 1/2).
        let norm = (4.0 / FFT_LEN as f32).powi(2);
        for ch in 0..2 {
            for n in 0..FFT_LEN {
                let frame = self.history[(self.write + n) % FFT_LEN];
                self.input[n] = frame[ch] * self.window[n];
            }
            if self
                .fft
                .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
                .is_err()
            {
                return;
            }
            for (p, x) in self.power.iter_mut().zip(&self.output) {
                *p += 0.5 * norm * x.norm_sqr();
            }
        }
    }

    /// Peak bin power (dBFS) over each display band around the curve points.
    fn band_db(&self, sample_rate: f32, i: usize) -> f32 {
        let bin_hz = sample_rate as f64 / FFT_LEN as f64;
        let f = curve::point_hz(i);
        // Each display point covers half the distance to its neighbours.
        let ratio = (curve::F_MAX_HZ / curve::F_MIN_HZ).powf(0.5 / (POINTS - 1) as f64);
        let lo = ((f / ratio / bin_hz).floor() as usize).min(self.power.len() - 1);
        let hi = ((f * ratio / bin_hz).ceil() as usize).clamp(lo, self.power.len() - 1);
        let p = self.power[lo..=hi].iter().fold(0.0f32, |a, &b| a.max(b));
        if p > 0.0 {
            (10.0 * p.log10()).max(DB_BOTTOM - 10.0)
        } else {
            DB_BOTTOM - 10.0
        }
    }

    /// Pull new samples and update the smoothed display (editor thread, once per frame).
    pub fn update(&mut self, sample_rate: f32) {
        if self.drain() == 0 {
            return;
        }
        self.transform();
        let mut any = false;
        for i in 0..POINTS {
            let target = self.band_db(sample_rate, i);
            let v = &mut self.display_db[i];
            *v += SMOOTHING * (target - *v);
            any |= *v > DB_BOTTOM;
        }
        self.has_signal = any;
    }

    pub fn draw(&self, ui: &mut Ui, sample_rate: f32) {
        let (rect, _) = ui.allocate_exact_size(ui.available_size(), egui::Sense::hover());
        let axes = LogAxes {
            rect,
            db_top: DB_TOP,
            db_bottom: DB_BOTTOM,
        };
        axes.draw_grid(ui, 12.0, "dBFS");
        let painter = ui.painter_at(rect);
        let nyquist = 0.5 * sample_rate as f64;
        let points: Vec<_> = (0..POINTS)
            .filter(|&i| curve::point_hz(i) < nyquist)
            .map(|i| {
                let db = self.display_db[i].clamp(DB_BOTTOM, DB_TOP);
                pos2(axes.x_of(curve::point_hz(i)), axes.y_of(db))
            })
            .collect();
        if self.has_signal {
            // Filled area under the spectrum, drawn as thin vertical quads.
            let fill = theme::ANALYZER.gamma_multiply(0.18);
            for w in points.windows(2) {
                painter.add(Shape::convex_polygon(
                    vec![
                        w[0],
                        w[1],
                        pos2(w[1].x, rect.bottom()),
                        pos2(w[0].x, rect.bottom()),
                    ],
                    fill,
                    Stroke::NONE,
                ));
            }
            painter.add(Shape::line(points, Stroke::new(1.5, theme::ANALYZER)));
        } else {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "no output signal",
                egui::FontId::proportional(13.0),
                theme::TEXT_DIM,
            );
        }
        painter.text(
            pos2(rect.right() - 12.0, rect.top() + 6.0),
            egui::Align2::RIGHT_TOP,
            "Output spectrum (mean of L and R)",
            egui::FontId::proportional(12.0),
            theme::TEXT_DIM,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f64, fs: f64) -> Vec<f32> {
        (0..FFT_LEN)
            .map(|n| (amp * (2.0 * std::f64::consts::PI * freq * n as f64 / fs).sin()) as f32)
            .collect()
    }

    #[test]
    fn a_sine_reads_its_level_in_dbfs_at_its_display_point() {
        let fs = 48_000.0;
        // The display point nearest 1 kHz, and a -6 dBFS sine there.
        let i = (0..POINTS)
            .min_by(|&a, &b| {
                let d = |i: usize| (curve::point_hz(i) / 1000.0).ln().abs();
                d(a).total_cmp(&d(b))
            })
            .unwrap();
        let f = curve::point_hz(i);
        let amp = 10f64.powf(-6.0 / 20.0);
        let mut a = Analyzer::default();
        let x = sine(f, amp, fs);
        a.push_frames(&x, &x);
        a.transform();
        // Hann scalloping loss is at most 1.42 dB between bins; the band peak is within it.
        let got = a.band_db(fs as f32, i);
        assert!(got <= -6.0 + 0.05 && got > -6.0 - 1.45, "{got}");
        // Two octaves away the band holds only window leakage: far below.
        let far = a.band_db(fs as f32, (i + 2 * POINTS / 10).min(POINTS - 1));
        assert!(far < -70.0, "{far}");
    }

    #[test]
    fn silence_and_a_missing_ring_read_nothing() {
        let mut a = Analyzer::default();
        assert_eq!(a.drain(), 0);
        a.update(48_000.0);
        assert!(!a.has_signal);
        assert!(a.display_db.iter().all(|&v| v == DB_BOTTOM));
    }
}
