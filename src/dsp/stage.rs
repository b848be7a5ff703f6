//! What every stage of a chain is: a block processor with a response.
//!
//! A chain (`chain.rs`) is an ordered list of stages: monitor → EQ (your-headphones
//! correction, then the voicing) → spatial → width → level. Each stage has two halves:
//!
//! - a **design** ([`StageDesign`]): the plain settings and coefficients, with its complex
//!   2×2 response on any frequency point. The level match and the editor's plot multiply
//!   the designs' responses in chain order ([`super::chain::ChainDesign::response`]),
//!   so the curve a user sees and the loudness the engine matches come from one function;
//! - a **runtime** ([`Stage`]): the filter state, configured from its design, processing
//!   blocks in place (a block-based stage such as an FFT convolution works on the whole
//!   block; per-frame stages loop inside their own `process`).
//!
//! Memoryless stages that are a constant matrix for the coming block (monitor, a settled
//! width or level) say so ([`Stage::steady_matrix`]): the chain folds a run of them into
//! one 2×2 matrix, so they cost one multiply per sample together.

use num_complex::Complex64;

use super::biquad::UnitCirclePoint;

/// A real 2×2 matrix on a stereo frame: `out[r] = Σ_c m[r][c] · in[c]` (0 = left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mat2(pub [[f64; 2]; 2]);

impl Mat2 {
    pub const IDENTITY: Self = Self([[1.0, 0.0], [0.0, 1.0]]);

    /// `self` applied after `first`.
    pub fn after(self, first: Mat2) -> Mat2 {
        let (a, b) = (self.0, first.0);
        Mat2(std::array::from_fn(|r| {
            std::array::from_fn(|c| a[r][0] * b[0][c] + a[r][1] * b[1][c])
        }))
    }

    pub fn scaled(self, g: f64) -> Mat2 {
        Mat2(self.0.map(|row| row.map(|v| v * g)))
    }

    #[inline(always)]
    pub fn apply(&self, x: [f64; 2]) -> [f64; 2] {
        let m = &self.0;
        [
            m[0][0] * x[0] + m[0][1] * x[1],
            m[1][0] * x[0] + m[1][1] * x[1],
        ]
    }

    /// Apply to every frame of a block (skipped when the matrix is the identity).
    pub fn apply_block(&self, io: &mut [[f64; 2]]) {
        if *self != Self::IDENTITY {
            io.iter_mut().for_each(|f| *f = self.apply(*f));
        }
    }

    pub fn response(&self) -> Response {
        Response(self.0.map(|row| row.map(|v| Complex64::new(v, 0.0))))
    }
}

/// A stage's (or a chain's) complex transfer matrix at one frequency:
/// `out[r] = Σ_c h[r][c] · in[c]`. Column 0 is the response to a left-only input
/// (row 0: the left ear, "direct"; row 1: the right ear, "cross").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response(pub [[Complex64; 2]; 2]);

impl Response {
    pub const IDENTITY: Self = Self([
        [Complex64::new(1.0, 0.0), Complex64::new(0.0, 0.0)],
        [Complex64::new(0.0, 0.0), Complex64::new(1.0, 0.0)],
    ]);

    /// The same scalar response on both channels, no crosstalk.
    pub fn scalar(h: Complex64) -> Self {
        let zero = Complex64::new(0.0, 0.0);
        Self([[h, zero], [zero, h]])
    }

    /// A left/right-symmetric response: `direct` to the same side, `cross` to the other.
    pub fn symmetric(direct: Complex64, cross: Complex64) -> Self {
        Self([[direct, cross], [cross, direct]])
    }

    /// `self` applied after `first`.
    pub fn after(self, first: Response) -> Response {
        let (a, b) = (self.0, first.0);
        Response(std::array::from_fn(|r| {
            std::array::from_fn(|c| a[r][0] * b[0][c] + a[r][1] * b[1][c])
        }))
    }

    /// Output of a real stereo input vector.
    pub fn apply(&self, x: [f64; 2]) -> [Complex64; 2] {
        let h = &self.0;
        [
            h[0][0] * x[0] + h[0][1] * x[1],
            h[1][0] * x[0] + h[1][1] * x[1],
        ]
    }

    /// (direct, cross): the response to a left-only input at the left and right ear.
    pub fn left_input(&self) -> (Complex64, Complex64) {
        (self.0[0][0], self.0[1][0])
    }
}

/// Where a response is evaluated: a frequency point, and, for the level match, the band
/// of its grid it stands for (stages whose response is a plain gain, the EQ, give their
/// magnitude averaged over the band there, so narrow peaks between points still count).
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub freq_hz: f64,
    pub z: UnitCirclePoint,
    /// Index into the level-match grid (`loudness::GRID_LEN`), if this is a band centre.
    pub band: Option<usize>,
}

impl Probe {
    pub fn at(freq_hz: f64, sample_rate: f64) -> Self {
        Self {
            freq_hz,
            z: UnitCirclePoint::new(freq_hz, sample_rate),
            band: None,
        }
    }
}

/// The design half of a stage: its settings and coefficients, no state.
pub trait StageDesign {
    fn response(&self, at: &Probe) -> Response;
}

/// The running half of a stage.
pub trait Stage {
    /// Process a block of frames in place (at most the engine's sub-block).
    fn process(&mut self, io: &mut [[f64; 2]]);
    /// `Some` when the stage is memoryless and a constant matrix for the next block
    /// (the chain then folds it into its neighbours instead of calling `process`).
    fn steady_matrix(&self) -> Option<Mat2> {
        None
    }
    /// Clear all state (silence in, silence out).
    fn reset(&mut self);
    /// Zero state too small to matter (subnormals stall the FPU).
    fn flush_denormals(&mut self) {}
    /// False if any state became non-finite (the chain then resets the stage).
    fn is_finite(&self) -> bool {
        true
    }
    /// Latency in samples this stage adds (reported to the host). 0 for every stage
    /// today: the chain is zero-latency.
    fn latency(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_in_chain_order() {
        let swap = Mat2([[0.0, 1.0], [1.0, 0.0]]);
        let left_only = Mat2([[1.0, 0.0], [0.0, 0.0]]);
        // Keep the left, then swap: the input's left ends up on the right.
        let m = swap.after(left_only);
        assert_eq!(m.apply([3.0, 5.0]), [0.0, 3.0]);
        let r = swap.response().after(left_only.response());
        assert_eq!(
            r.apply([3.0, 5.0]),
            [Complex64::new(0.0, 0.0), Complex64::new(3.0, 0.0)]
        );
    }
}
