//! Output metering for the editor: sample peak, short-term loudness per channel and
//! stereo correlation. Runs on the audio thread after the engine; allocation-free.
//!
//! - Loudness follows ITU-R BS.1770-4: K-weighting (the standard's two biquads, redesigned
//!   for the host rate from their analog parameters, see [`k_weighting`]), the mean square
//!   over the EBU Tech 3341 "short-term" window of 3 s, and
//!   `L = -0.691 + 10 log10(ms)`. Each channel is reported on its own (channel weight 1),
//!   so a full-scale 1 kHz sine in one channel reads -3.01 LUFS.
//! - Peak is the sample peak with the return time of an IEC 60268-10 Type I programme
//!   meter (20 dB in 1.7 s).
//! - Correlation is the Pearson coefficient of L and R, averaged exponentially.

use super::biquad::{Coeffs, StereoBiquad};
use super::loudness::{K_HIGHPASS, K_SHELF};

/// Exponent relating the shelf's mid-band gain Vb to its high-frequency gain Vh in the
/// analog prototype that reproduces BS.1770's 48 kHz stage-1 coefficients (B. De Man,
/// "Evaluation of implementations of the EBU R128 loudness measurement", AES 145, 2018).
const K_SHELF_VB_EXPONENT: f64 = 0.499_666_774_154_541_6;

/// BS.1770-4 K-weighting (stage 1 shelf, stage 2 high-pass) at `sample_rate`, by the
/// bilinear transform of the analog prototypes whose parameters (f0, Q, gain) are the
/// `loudness::K_SHELF`/`K_HIGHPASS` values. At 48 kHz this gives the standard's Table 1
/// and Table 2 coefficients (checked in the tests). (The cookbook shelf with the same
/// parameters is 0.26 dB low at 1 kHz, too far off for a meter.)
fn k_weighting(sample_rate: f64) -> (Coeffs, Coeffs) {
    let k = (std::f64::consts::PI * K_SHELF.freq_hz / sample_rate).tan();
    let q = K_SHELF.q;
    let vh = 10f64.powf(K_SHELF.gain_db / 20.0);
    let vb = vh.powf(K_SHELF_VB_EXPONENT);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Coeffs {
        b0: (vh + vb * k / q + k * k) / a0,
        b1: 2.0 * (k * k - vh) / a0,
        b2: (vh - vb * k / q + k * k) / a0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    };
    let k = (std::f64::consts::PI * K_HIGHPASS.freq_hz / sample_rate).tan();
    let q = K_HIGHPASS.q;
    let a0 = 1.0 + k / q + k * k;
    // BS.1770 leaves the high-pass numerator unnormalised (1, -2, 1).
    let highpass = Coeffs {
        b0: 1.0,
        b1: -2.0,
        b2: 1.0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    };
    (shelf, highpass)
}

/// The EBU Tech 3341 short-term loudness window (3 s) is summed in blocks of 100 ms, so the
/// reading updates at 10 Hz (the minimum EBU Tech 3341 asks of a short-term meter).
const BLOCK_S: f64 = 0.1;
/// Blocks in the 3 s short-term window.
pub const BLOCKS: usize = 30;
/// BS.1770-4 equation 2 offset.
const LOUDNESS_OFFSET_DB: f64 = -0.691;
/// IEC 60268-10 Type I peak programme meter return: 20 dB in 1.7 s.
const PEAK_RETURN_DB_PER_S: f64 = 20.0 / 1.7;
/// Integration time of the correlation meter. Not standardised; 300 ms is a choice that
/// reads steadily on music and still follows a change within a beat.
const CORRELATION_TAU_S: f64 = 0.3;
/// Readings below this are shown as silence.
pub const FLOOR_DB: f32 = -120.0;

/// What the meters show, as plain numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterReadings {
    pub peak_db: [f32; 2],
    pub short_term_lufs: [f32; 2],
    /// -1 (out of phase) … +1 (mono); 0 for silence.
    pub correlation: f32,
}

impl Default for MeterReadings {
    fn default() -> Self {
        Self {
            peak_db: [FLOOR_DB; 2],
            short_term_lufs: [FLOOR_DB; 2],
            correlation: 0.0,
        }
    }
}

pub struct Meters {
    shelf: StereoBiquad,
    highpass: StereoBiquad,
    block_len: usize,
    block_pos: usize,
    block_sum: [f64; 2],
    blocks: [[f64; 2]; BLOCKS],
    block_idx: usize,
    peak: [f64; 2],
    /// Per-sample factor of the peak return.
    peak_fall: f64,
    corr_coeff: f64,
    lr: f64,
    ll: f64,
    rr: f64,
}

fn to_db(power_or_amp: f64, scale: f64) -> f32 {
    if power_or_amp > 0.0 {
        ((scale * power_or_amp.log10()) as f32).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

impl Meters {
    pub fn new(sample_rate: f64) -> Self {
        let fs = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let (shelf, highpass) = k_weighting(fs);
        Self {
            shelf: StereoBiquad::new(shelf),
            highpass: StereoBiquad::new(highpass),
            block_len: ((BLOCK_S * fs).round() as usize).max(1),
            block_pos: 0,
            block_sum: [0.0; 2],
            blocks: [[0.0; 2]; BLOCKS],
            block_idx: 0,
            peak: [0.0; 2],
            peak_fall: 10f64.powf(-PEAK_RETURN_DB_PER_S / 20.0 / fs),
            corr_coeff: 1.0 - (-1.0 / (CORRELATION_TAU_S * fs)).exp(),
            lr: 0.0,
            ll: 0.0,
            rr: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.shelf.reset();
        self.highpass.reset();
        self.block_pos = 0;
        self.block_sum = [0.0; 2];
        self.blocks = [[0.0; 2]; BLOCKS];
        self.peak = [0.0; 2];
        self.lr = 0.0;
        self.ll = 0.0;
        self.rr = 0.0;
    }

    /// Measure one block of output.
    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let k = self.corr_coeff;
        for (&l, &r) in left.iter().zip(right) {
            let x = [l as f64, r as f64];
            for (peak, v) in self.peak.iter_mut().zip(x) {
                *peak = (*peak * self.peak_fall).max(v.abs());
            }
            self.lr += k * (x[0] * x[1] - self.lr);
            self.ll += k * (x[0] * x[0] - self.ll);
            self.rr += k * (x[1] * x[1] - self.rr);
            let w = self.highpass.tick(self.shelf.tick(x));
            self.block_sum[0] += w[0] * w[0];
            self.block_sum[1] += w[1] * w[1];
            self.block_pos += 1;
            if self.block_pos == self.block_len {
                let n = self.block_len as f64;
                self.blocks[self.block_idx] = [self.block_sum[0] / n, self.block_sum[1] / n];
                self.block_idx = (self.block_idx + 1) % BLOCKS;
                self.block_sum = [0.0; 2];
                self.block_pos = 0;
            }
        }
        self.shelf.flush_denormals();
        self.highpass.flush_denormals();
        if !(self.shelf.is_finite() && self.highpass.is_finite()) {
            self.reset();
        }
    }

    pub fn readings(&self) -> MeterReadings {
        let mut ms = [0.0; 2];
        for b in &self.blocks {
            ms[0] += b[0];
            ms[1] += b[1];
        }
        let lufs = |m: f64| {
            let m = m / BLOCKS as f64;
            if m > 0.0 {
                ((LOUDNESS_OFFSET_DB + 10.0 * m.log10()) as f32).max(FLOOR_DB)
            } else {
                FLOOR_DB
            }
        };
        let denom = (self.ll * self.rr).sqrt();
        // Below -100 dBFS mean square on either side the coefficient is noise: show 0.
        let correlation = if denom > 1e-10 {
            (self.lr / denom).clamp(-1.0, 1.0) as f32
        } else {
            0.0
        };
        MeterReadings {
            peak_db: [to_db(self.peak[0], 20.0), to_db(self.peak[1], 20.0)],
            short_term_lufs: [lufs(ms[0]), lufs(ms[1])],
            correlation,
        }
    }
}

/// Capacity of the analyzer ring in stereo frames: 2^15 frames is 0.68 s at 48 kHz, so the
/// editor (repainting at 30-60 Hz) never lets it overflow, and at 192 kHz an overflow
/// only drops samples the analyzer would have skipped anyway.
pub const ANALYZER_RING_FRAMES: usize = 1 << 15;

/// The lock-free ring that carries output samples (interleaved L, R) from the audio
/// thread to the editor's analyzer. Allocates: call from a constructor, never in `process`.
pub fn analyzer_ring() -> (rtrb::Producer<f32>, rtrb::Consumer<f32>) {
    rtrb::RingBuffer::new(2 * ANALYZER_RING_FRAMES)
}

/// The audio side of the editor's displays: meters and the analyzer ring, only while the
/// editor is open (the meters cost ~10 ns per frame; nobody reads them while it is
/// closed). Reads the output, never changes it.
pub struct OutputTap {
    pub meters: Meters,
    analyzer: rtrb::Producer<f32>,
    /// The meters ran on the previous block (else they restart from silence).
    measuring: bool,
}

impl OutputTap {
    pub fn new(sample_rate: f64, analyzer: rtrb::Producer<f32>) -> Self {
        Self {
            meters: Meters::new(sample_rate),
            analyzer,
            measuring: false,
        }
    }

    /// Rebuild the meters for a new sample rate, keeping the ring. Allocation-free.
    pub fn set_sample_rate(&mut self, sample_rate: f64) {
        self.meters = Meters::new(sample_rate);
    }

    /// While the editor is `open`: measure one output block and copy it into the ring
    /// (frames that do not fit are dropped: the audio thread never waits for the editor),
    /// returning the readings. While it is closed: nothing, and the meters start again
    /// from silence when it opens.
    pub fn process(&mut self, left: &[f32], right: &[f32], open: bool) -> Option<MeterReadings> {
        if !open {
            self.measuring = false;
            return None;
        }
        if !self.measuring {
            self.meters.reset();
            self.measuring = true;
        }
        self.meters.process(left, right);
        {
            let frames = left.len().min(right.len()).min(self.analyzer.slots() / 2);
            if frames > 0
                && let Ok(mut chunk) = self.analyzer.write_chunk_uninit(2 * frames)
            {
                // The write position only ever moves by whole frames in a ring of an even
                // size, so the chunk splits between frames: fill each part frame by frame.
                let (a, b) = chunk.as_mut_slices();
                // (A ring of odd size, which `analyzer_ring` never makes, would split a
                // frame: such a block is skipped, the chunk dropped uncommitted.)
                if a.len() % 2 == 0 {
                    let split = a.len() / 2;
                    for (dst, first) in [(a, 0), (b, split)] {
                        for (i, pair) in dst.chunks_exact_mut(2).enumerate() {
                            pair[0].write(left[first + i]);
                            pair[1].write(right[first + i]);
                        }
                    }
                    // SAFETY: both parts have even lengths (the first checked, the total
                    // is 2 * frames), so every slot of the chunk was written above.
                    unsafe { chunk.commit_all() };
                }
            }
        }
        Some(self.meters.readings())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f64 = 48_000.0;

    fn sine(freq: f64, amp: f64, len: usize, phase: f64) -> Vec<f32> {
        (0..len)
            .map(|n| {
                (amp * (2.0 * std::f64::consts::PI * freq * n as f64 / FS + phase).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn k_weighting_at_48k_equals_bs1770_table_coefficients() {
        // ITU-R BS.1770-4, Annex 1, Tables 1 and 2.
        let (shelf, hp) = k_weighting(48_000.0);
        let want_shelf = [
            1.535_124_859_586_97,
            -2.691_696_189_406_38,
            1.198_392_810_852_85,
            -1.690_659_293_182_41,
            0.732_480_774_215_85,
        ];
        let got_shelf = [shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2];
        for (g, w) in got_shelf.iter().zip(want_shelf) {
            assert!((g - w).abs() < 1e-12, "{got_shelf:?}");
        }
        let got_hp = [hp.b0, hp.b1, hp.b2, hp.a1, hp.a2];
        let want_hp = [1.0, -2.0, 1.0, -1.990_047_454_833_98, 0.990_072_250_366_21];
        for (g, w) in got_hp.iter().zip(want_hp) {
            assert!((g - w).abs() < 1e-12, "{got_hp:?}");
        }
    }

    #[test]
    fn full_scale_1k_sine_reads_minus_3_01_lufs_and_0_dbfs_peak() {
        let mut m = Meters::new(FS);
        let l = sine(997.0, 1.0, (4.0 * FS) as usize, 0.0);
        let r = vec![0.0f32; l.len()];
        m.process(&l, &r);
        let read = m.readings();
        // BS.1770-4: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS (K-weighting is
        // +0.69 dB there, cancelled by the -0.691 offset).
        assert!(
            (read.short_term_lufs[0] + 3.01).abs() < 0.05,
            "{:?}",
            read.short_term_lufs
        );
        assert_eq!(read.short_term_lufs[1], FLOOR_DB);
        assert!(read.peak_db[0].abs() < 0.01, "{:?}", read.peak_db);
    }

    #[test]
    fn minus_20_db_sine_reads_20_lu_lower() {
        let mut m = Meters::new(44_100.0);
        let n = (3.5 * 44_100.0) as usize;
        let l: Vec<f32> = (0..n)
            .map(|i| {
                (0.1 * (2.0 * std::f64::consts::PI * 997.0 * i as f64 / 44_100.0).sin()) as f32
            })
            .collect();
        m.process(&l, &l);
        let read = m.readings();
        for ch in 0..2 {
            assert!((read.short_term_lufs[ch] + 23.01).abs() < 0.05, "{read:?}");
            assert!((read.peak_db[ch] + 20.0).abs() < 0.01, "{read:?}");
        }
    }

    #[test]
    fn peak_returns_20_db_in_1_7_s() {
        let mut m = Meters::new(FS);
        let mut l = vec![0.0f32; (1.7 * FS) as usize + 1];
        l[0] = 1.0;
        m.process(&l, &l);
        let p = m.readings().peak_db[0];
        assert!((p + 20.0).abs() < 0.05, "{p}");
    }

    #[test]
    fn correlation_is_plus_one_for_mono_minus_one_for_inverted_and_near_zero_for_quadrature() {
        let len = FS as usize;
        let l = sine(440.0, 0.5, len, 0.0);
        let inv: Vec<f32> = l.iter().map(|v| -v).collect();
        let quad = sine(440.0, 0.5, len, std::f64::consts::FRAC_PI_2);
        let mut m = Meters::new(FS);
        m.process(&l, &l);
        assert!((m.readings().correlation - 1.0).abs() < 1e-3);
        let mut m = Meters::new(FS);
        m.process(&l, &inv);
        assert!((m.readings().correlation + 1.0).abs() < 1e-3);
        let mut m = Meters::new(FS);
        m.process(&l, &quad);
        assert!(
            m.readings().correlation.abs() < 0.05,
            "{}",
            m.readings().correlation
        );
    }

    #[test]
    fn silence_reads_floor_and_zero_correlation() {
        let mut m = Meters::new(FS);
        let z = vec![0.0f32; 4800];
        m.process(&z, &z);
        assert_eq!(m.readings(), MeterReadings::default());
    }

    /// The analyzer ring carries exactly the output, interleaved L, R, in order, across
    /// the ring's wrap-around, while the reader drains it by odd amounts.
    #[test]
    fn analyzer_ring_carries_the_output_interleaved_across_the_wrap() {
        let (tx, mut rx) = analyzer_ring();
        let mut tap = OutputTap::new(48_000.0, tx);
        let block = 1000;
        let mut expected = std::collections::VecDeque::new();
        let mut next = 0u32;
        // 200 blocks of 1000 frames is 6 times round the 2^15-frame ring.
        for _ in 0..200 {
            let left: Vec<f32> = (0..block).map(|i| (next + i) as f32).collect();
            let right: Vec<f32> = left.iter().map(|v| -v - 0.5).collect();
            next += block;
            tap.process(&left, &right, true);
            for (l, r) in left.iter().zip(&right) {
                expected.push_back(*l);
                expected.push_back(*r);
            }
            // Drain an odd number of samples (a reader need not stop between frames).
            let n = rx.slots().min(1999);
            let chunk = rx.read_chunk(n).unwrap();
            for v in chunk.into_iter() {
                assert_eq!(Some(v), expected.pop_front());
            }
        }
        while let Ok(v) = rx.pop() {
            assert_eq!(Some(v), expected.pop_front());
        }
        assert!(expected.is_empty());
    }
}
