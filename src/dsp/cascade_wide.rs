//! The cascade on CPUs with AVX2 and FMA: two sections per 256-bit register.
//!
//! A cascade is a chain: section k+1 needs section k's output of the same frame, so two
//! sections of one frame cannot run side by side. Two sections of *neighbouring* frames
//! can: the sections are split in halves, pair k holds section k (low lanes: left,
//! right) and section H+k (high lanes), and one step runs the first half on frame t
//! while the second half runs on frame t−1. Each step so does the work of 2·H sections
//! with H vector operations of each kind, and FMA folds each multiply-add into one
//! instruction.
//!
//! Latency stays zero: a block of N frames takes N+1 steps. Step 0 only has a valid low
//! half (the high half has no frame yet) and step N only a valid high half; their
//! invalid halves are computed and thrown away (the section states keep their old
//! values), so every frame of the block leaves the cascade inside the block.
//!
//! Numerically this is the portable cascade (`Cascade::tick`) with each `a·b + c` rounded
//! once instead of twice: for up to 24 sections the two paths agree within 6e-13 of the
//! signal's peak (the test's limit is 1e-9).

use std::arch::x86_64::{__m128d, _mm_loadu_pd, _mm_mul_pd, _mm_set1_pd, _mm_storeu_pd};
use std::arch::x86_64::{
    __m256d, _mm256_add_pd, _mm256_blend_pd, _mm256_castpd256_pd128, _mm256_extractf128_pd,
    _mm256_fmadd_pd, _mm256_fnmadd_pd, _mm256_load_pd, _mm256_mul_pd, _mm256_set_m128d,
    _mm256_setzero_pd, _mm256_store_pd,
};

/// Whether this CPU runs the wide cascade (checked once; the result is cached by std).
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Four `f64` lanes, aligned for 256-bit loads: [left, right] of section k, then of
/// section H+k.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, align(32))]
pub struct Lanes(pub [f64; 4]);

/// Two monic sections (see `cascade::MonicStage`) side by side.
#[derive(Debug, Clone, Copy, Default)]
pub struct PairStage {
    pub b1: Lanes,
    pub b2: Lanes,
    pub a1: Lanes,
    pub a2: Lanes,
    pub s1: Lanes,
    pub s2: Lanes,
}

/// Which halves of a step carry a real frame (a const parameter of [`step`], so the hot
/// loop has no branch on it).
const BOTH: u8 = 0;
/// Step 0: no frame has reached the second half yet.
const LOW_ONLY: u8 = 1;
/// Step N: every frame has left the first half.
const HIGH_ONLY: u8 = 2;

/// One step over every pair. `x` is [frame t into section 0 | frame t−1 into section H];
/// returns [frame t out of section H−1 | frame t−1 out of the last section].
///
/// # Safety
/// The CPU must support AVX2 and FMA ([`available`]).
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn step<const VALID: u8>(pairs: &mut [PairStage], mut x: __m256d) -> __m256d {
    for p in pairs.iter_mut() {
        // SAFETY: `Lanes` is 32-byte aligned, so the aligned loads and stores are valid;
        // the caller guarantees AVX2 and FMA.
        unsafe {
            let s1 = _mm256_load_pd(p.s1.0.as_ptr());
            let s2 = _mm256_load_pd(p.s2.0.as_ptr());
            let y = _mm256_add_pd(x, s1);
            // s1' = b1·x − a1·y + s2,  s2' = b2·x − a2·y
            let mut n1 = _mm256_fnmadd_pd(
                _mm256_load_pd(p.a1.0.as_ptr()),
                y,
                _mm256_fmadd_pd(_mm256_load_pd(p.b1.0.as_ptr()), x, s2),
            );
            let mut n2 = _mm256_fnmadd_pd(
                _mm256_load_pd(p.a2.0.as_ptr()),
                y,
                _mm256_mul_pd(_mm256_load_pd(p.b2.0.as_ptr()), x),
            );
            // Keep the old state in the lanes without a frame (blend bit set = lane from
            // the second operand).
            if VALID == LOW_ONLY {
                n1 = _mm256_blend_pd::<0b1100>(n1, s1);
                n2 = _mm256_blend_pd::<0b1100>(n2, s2);
            } else if VALID == HIGH_ONLY {
                n1 = _mm256_blend_pd::<0b0011>(n1, s1);
                n2 = _mm256_blend_pd::<0b0011>(n2, s2);
            }
            _mm256_store_pd(p.s1.0.as_mut_ptr(), n1);
            _mm256_store_pd(p.s2.0.as_mut_ptr(), n2);
            x = y;
        }
    }
    x
}

/// Run `io` (stereo frames) through the cascade, scaling the input by `gain`, and hand
/// each output frame to `post` (which returns what is stored back), frame by frame.
///
/// # Safety
/// The CPU must support AVX2 and FMA ([`available`]).
#[target_feature(enable = "avx2,fma")]
#[inline]
pub unsafe fn run(
    pairs: &mut [PairStage],
    gain: f64,
    io: &mut [[f64; 2]],
    mut post: impl FnMut([f64; 2]) -> [f64; 2],
) {
    let n = io.len();
    if n == 0 {
        return;
    }
    // SAFETY (whole body): AVX2 and FMA are guaranteed by the caller; `io` frames are
    // two contiguous f64 (unaligned 128-bit loads and stores).
    unsafe {
        let gain = _mm_set1_pd(gain);
        let load = |f: &[f64; 2]| -> __m128d { _mm_loadu_pd(f.as_ptr()) };
        // A step's input: [frame t · gain | mid], mid being frame t−1 out of the first
        // half (the input of the second half). The gain is applied to the new frame
        // before it joins, so the step-to-step path through `mid` is one insert.
        let enter = |input: __m128d, mid: __m128d| _mm256_set_m128d(mid, _mm_mul_pd(input, gain));
        // The second half's output: frame t−1 leaving the cascade.
        let leaving = |out: __m256d| {
            let mut frame = [0.0; 2];
            _mm_storeu_pd(frame.as_mut_ptr(), _mm256_extractf128_pd::<1>(out));
            frame
        };
        let zero = _mm256_castpd256_pd128(_mm256_setzero_pd());
        // Step 0: frame 0 into the first half only.
        let out = step::<LOW_ONLY>(pairs, enter(load(&io[0]), zero));
        let mut mid = _mm256_castpd256_pd128(out);
        // Steps 1..n-1: frame t into the first half, frame t-1 through the second.
        for t in 1..n {
            let out = step::<BOTH>(pairs, enter(load(&io[t]), mid));
            mid = _mm256_castpd256_pd128(out);
            io[t - 1] = post(leaving(out));
        }
        // Step n: the last frame through the second half only.
        let out = step::<HIGH_ONLY>(pairs, enter(zero, mid));
        io[n - 1] = post(leaving(out));
    }
}
