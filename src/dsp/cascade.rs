//! A fixed-capacity cascade of stereo biquads built from parametric sections.

use super::biquad::{Coeffs, Section};
#[cfg(target_arch = "x86_64")]
use super::cascade_wide::{self as wide, Lanes, PairStage};
use super::simd::F64x2;

/// Most sections one EQ stage may hold (fitted models use at most 10).
pub const MAX_SECTIONS: usize = 12;

/// A copyable list of sections: no heap, so configurations move to the audio thread freely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionList {
    len: usize,
    items: [Section; MAX_SECTIONS],
}

const NULL_SECTION: Section = Section::new(super::biquad::SectionKind::Peaking, 1000.0, 1.0, 0.0);

impl Default for SectionList {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl SectionList {
    pub const EMPTY: Self = Self {
        len: 0,
        items: [NULL_SECTION; MAX_SECTIONS],
    };

    /// Up to `MAX_SECTIONS` sections; extra ones are dropped.
    pub fn from_slice(sections: &[Section]) -> Self {
        let mut list = Self::EMPTY;
        for s in sections.iter().take(MAX_SECTIONS) {
            list.items[list.len] = *s;
            list.len += 1;
        }
        list
    }

    /// The exact inverse of every invertible section (pass filters are skipped).
    pub fn inverse(&self) -> Self {
        let mut list = Self::EMPTY;
        for s in self.as_slice().iter().filter_map(Section::inverse) {
            list.items[list.len] = s;
            list.len += 1;
        }
        list
    }

    pub fn as_slice(&self) -> &[Section] {
        &self.items[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Power gain |H(f)|^2 of the whole list at `freq_hz`.
    pub fn power(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.as_slice()
            .iter()
            .map(|s| s.coeffs(sample_rate).power(freq_hz, sample_rate))
            .product()
    }

    /// Magnitude in dB of the whole list at `freq_hz`.
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        10.0 * self.power(freq_hz, sample_rate).max(1e-30).log10()
    }
}

/// Room for a correction stage plus a voicing stage.
pub const MAX_CASCADE: usize = 2 * MAX_SECTIONS;

/// One biquad of the cascade with its `b0` divided out (transposed direct form II):
/// `y = x + s1`, `s1' = b1 x - a1 y + s2`, `s2' = b2 x - a2 y`. With b0 = 1 a frame
/// passes each stage through a single add instead of a multiply and an add, which halves
/// the serial latency of a long cascade; the product of the `b0`s is applied once at the
/// input. (Every section has b0 > 0: the matched peaking/shelf designs by construction
/// (minimum-phase numerator with b0 the larger root, or its reciprocal), the cookbook
/// pass filters within the clamps of `Section::coeffs`: the smallest, a 1 Hz low-pass at
/// 768 kHz, has b0 ≈ 1.7e-11, well inside `f64`.)
#[derive(Debug, Clone, Copy, Default)]
struct MonicStage {
    b1: F64x2,
    b2: F64x2,
    a1: F64x2,
    a2: F64x2,
    s1: F64x2,
    s2: F64x2,
}

/// Pairs of sections the wide (AVX2 + FMA) path holds.
#[cfg(target_arch = "x86_64")]
const MAX_PAIRS: usize = MAX_CASCADE / 2;

/// Stereo biquads run frame by frame (all sections for one frame, then the next), which
/// measured 3.3x faster than one section over a whole block on these machines. Both
/// channels share coefficients and run in the two lanes of one SIMD register; on CPUs
/// with AVX2 and FMA, two sections share a 256-bit register (`cascade_wide`).
#[derive(Debug, Clone)]
pub struct Cascade {
    len: usize,
    /// Product of the sections' `b0`, applied at the input.
    gain: F64x2,
    /// The portable path (SSE2 on x86-64): one section per step.
    stages: [MonicStage; MAX_CASCADE],
    /// Run [`Cascade::process`] on the wide path (decided once, at construction).
    wide: bool,
    /// The wide path: pair k holds sections k and `half` + k.
    #[cfg(target_arch = "x86_64")]
    pairs: [PairStage; MAX_PAIRS],
    #[cfg(target_arch = "x86_64")]
    half: usize,
}

impl Default for Cascade {
    /// The fastest path this CPU runs.
    fn default() -> Self {
        #[cfg(target_arch = "x86_64")]
        let wide = wide::available();
        #[cfg(not(target_arch = "x86_64"))]
        let wide = false;
        Self::with_path(wide)
    }
}

impl Cascade {
    /// The portable path only (SSE2 on x86-64, plain `f64` elsewhere), whatever the CPU.
    pub fn portable() -> Self {
        Self::with_path(false)
    }

    fn with_path(wide: bool) -> Self {
        Self {
            len: 0,
            gain: F64x2::splat(1.0),
            stages: [MonicStage::default(); MAX_CASCADE],
            wide,
            #[cfg(target_arch = "x86_64")]
            pairs: [PairStage::default(); MAX_PAIRS],
            #[cfg(target_arch = "x86_64")]
            half: 0,
        }
    }

    /// Whether [`Cascade::process`] runs the wide (AVX2 + FMA) path.
    #[cfg(test)]
    fn is_wide(&self) -> bool {
        self.wide
    }

    /// Design every section of `lists` (in order) at `sample_rate` and clear the state.
    pub fn configure(&mut self, lists: &[&SectionList], sample_rate: f64) {
        let mut coeffs = [Coeffs::IDENTITY; MAX_CASCADE];
        let mut n = 0;
        for (slot, section) in coeffs
            .iter_mut()
            .zip(lists.iter().flat_map(|l| l.as_slice()))
        {
            *slot = section.coeffs(sample_rate);
            n += 1;
        }
        self.set_coeffs(&coeffs[..n]);
    }

    /// Run these designed sections (at most [`MAX_CASCADE`]) and clear the state.
    pub fn set_coeffs(&mut self, coeffs: &[Coeffs]) {
        self.len = 0;
        let mut gain = 1.0;
        for c in coeffs.iter().take(MAX_CASCADE) {
            gain *= c.b0;
            self.stages[self.len] = MonicStage {
                b1: F64x2::splat(c.b1 / c.b0),
                b2: F64x2::splat(c.b2 / c.b0),
                a1: F64x2::splat(c.a1),
                a2: F64x2::splat(c.a2),
                ..MonicStage::default()
            };
            self.len += 1;
        }
        self.gain = F64x2::splat(gain);
        #[cfg(target_arch = "x86_64")]
        {
            // Sections k and half + k share pair k; an odd count leaves the last high
            // half an identity section (all coefficients 0: y = x).
            self.half = self.len.div_ceil(2);
            self.pairs = [PairStage::default(); MAX_PAIRS];
            for (k, st) in self.stages[..self.len].iter().enumerate() {
                let (pair, lanes) = if k < self.half {
                    (k, 0..2)
                } else {
                    (k - self.half, 2..4)
                };
                let p = &mut self.pairs[pair];
                for (dst, src) in [
                    (&mut p.b1, st.b1),
                    (&mut p.b2, st.b2),
                    (&mut p.a1, st.a1),
                    (&mut p.a2, st.a2),
                ] {
                    let v = src.to_array();
                    dst.0[lanes.clone()].copy_from_slice(&v);
                }
            }
        }
    }

    /// Run a block of stereo frames through every section, handing each output frame to
    /// `post` (the next stages of the chain, fused into the same loop) and storing what
    /// it returns. Zero latency: every frame of `io` is processed before this returns.
    #[inline]
    pub fn process(&mut self, io: &mut [[f64; 2]], mut post: impl FnMut([f64; 2]) -> [f64; 2]) {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            let gain = self.gain.to_array()[0];
            // SAFETY: `wide` is only set when the CPU has AVX2 and FMA (`wide::available`).
            unsafe { wide::run(&mut self.pairs[..self.half], gain, io, post) };
            return;
        }
        for f in io.iter_mut() {
            *f = post(self.tick(*f));
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn reset(&mut self) {
        for st in &mut self.stages {
            st.s1 = F64x2::default();
            st.s2 = F64x2::default();
        }
        #[cfg(target_arch = "x86_64")]
        for p in &mut self.pairs {
            p.s1 = Lanes::default();
            p.s2 = Lanes::default();
        }
    }

    /// One stereo frame through every section, on the portable path's state (a cascade
    /// runs either `tick` or [`Cascade::process`]; on a wide cascade only `process`).
    #[inline(always)]
    pub fn tick(&mut self, x: [f64; 2]) -> [f64; 2] {
        self.tick_lanes(F64x2::from_array(x)).to_array()
    }

    #[inline(always)]
    fn tick_lanes(&mut self, x: F64x2) -> F64x2 {
        let mut x = x * self.gain;
        for st in &mut self.stages[..self.len] {
            let y = x + st.s1;
            st.s1 = st.b1 * x - st.a1 * y + st.s2;
            st.s2 = st.b2 * x - st.a2 * y;
            x = y;
        }
        x
    }

    /// Zero state values too small to matter (subnormals stall the FPU), on the path in use.
    pub fn flush_denormals(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            for p in &mut self.pairs[..self.half] {
                for v in p.s1.0.iter_mut().chain(p.s2.0.iter_mut()) {
                    // Branch-free: keep v where |v| >= floor, else 0.
                    *v *= f64::from(u8::from(v.abs() >= super::DENORMAL_FLOOR));
                }
            }
            return;
        }
        let flush = |v: &mut F64x2| {
            let a = v.to_array().map(|x| {
                if x.abs() < super::DENORMAL_FLOOR {
                    0.0
                } else {
                    x
                }
            });
            *v = F64x2::from_array(a);
        };
        for st in &mut self.stages[..self.len] {
            flush(&mut st.s1);
            flush(&mut st.s2);
        }
    }

    pub fn is_finite(&self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            return self.pairs[..self.half]
                .iter()
                .all(|p| p.s1.0.iter().chain(&p.s2.0).all(|v| v.is_finite()));
        }
        self.stages[..self.len].iter().all(|st| {
            st.s1
                .to_array()
                .iter()
                .chain(st.s2.to_array().iter())
                .all(|v| v.is_finite())
        })
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use crate::dsp::biquad::SectionKind;

    fn sections(n: usize) -> SectionList {
        let all: Vec<Section> = (0..n)
            .map(|k| {
                let f = 40.0 * 1.6f64.powi(k as i32);
                let kind = match k % 3 {
                    0 => SectionKind::Peaking,
                    1 => SectionKind::LowShelf,
                    _ => SectionKind::HighShelf,
                };
                Section::new(
                    kind,
                    f,
                    0.7 + 0.3 * k as f64,
                    if k % 2 == 0 { 6.0 } else { -4.5 },
                )
            })
            .collect();
        SectionList::from_slice(&all)
    }

    fn noise(n: usize) -> Vec<[f64; 2]> {
        let mut x = 0x2545_f491u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as f64 / u32::MAX as f64 * 2.0 - 1.0
        };
        (0..n).map(|_| [next(), 0.5 * next()]).collect()
    }

    /// The wide path (where this CPU has it) and the portable path give the same output
    /// for every section count up to a full cascade and for any block split, including
    /// single frames, within the rounding difference of FMA.
    #[test]
    fn wide_and_portable_paths_agree() {
        let mut fast = Cascade::default();
        if !fast.is_wide() {
            eprintln!("this CPU has no AVX2+FMA: only the portable path runs here");
        }
        let input = noise(1000);
        let mut worst: f64 = 0.0;
        for n in 0..=MAX_CASCADE {
            let half = sections(n.min(MAX_SECTIONS));
            let rest = sections(n.saturating_sub(MAX_SECTIONS));
            let mut slow = Cascade::portable();
            slow.configure(&[&half, &rest], 48_000.0);
            fast.configure(&[&half, &rest], 48_000.0);
            assert_eq!(fast.len(), n);
            let mut a = input.clone();
            let mut b = input.clone();
            slow.process(&mut a, |f| f);
            let mut start = 0;
            for block in [1, 7, 32, 1, 200].iter().cycle() {
                if start >= b.len() {
                    break;
                }
                let end = (start + block).min(b.len());
                fast.process(&mut b[start..end], |f| f);
                start = end;
            }
            let peak = a.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
                worst = worst.max((x - y).abs() / peak);
            }
        }
        eprintln!("wide vs portable cascade: worst difference {worst:.2e} of peak");
        assert!(worst < 1e-9, "{worst}");
    }

    /// `post` sees every frame in order, once, and what it returns is stored.
    #[test]
    fn process_hands_every_frame_to_post_in_order() {
        let mut c = Cascade::default();
        c.configure(&[&SectionList::EMPTY], 48_000.0);
        let mut io: Vec<[f64; 2]> = (0..50).map(|i| [i as f64, -(i as f64)]).collect();
        let mut seen = Vec::new();
        c.process(&mut io, |f| {
            seen.push(f[0]);
            [f[0] * 2.0, f[1]]
        });
        assert_eq!(seen, (0..50).map(|i| i as f64).collect::<Vec<_>>());
        assert_eq!(io[49], [98.0, -49.0]);
    }
}
