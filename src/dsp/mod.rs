//! Framework-free DSP: plain Rust over `f32`/`f64` samples, no plug-in types, so every
//! piece is unit-tested and benchmarked on its own.
//!
//! A chain is an ordered list of stages (`stage.rs`, `chain.rs`):
//! monitor (`stereo.rs`) → EQ: correction, voicing (`eq.rs`) → spatial: crossfeed
//! (`spatial.rs`, `crossfeed.rs`) → width (`stereo.rs`) → level match (`level.rs`,
//! `loudness.rs`). The engine (`engine.rs`) sanitises the input and crossfades between
//! chains. Heavy resources are built off the audio thread (`prepared.rs`).
//! Each stage's sound and tests: the README's "What you hear, and what we measured"; how
//! the chain runs: its "Performance" and `docs/stages.md`.

pub mod biquad;
pub mod cascade;
#[cfg(target_arch = "x86_64")]
pub mod cascade_wide;
pub mod chain;
pub mod convolver;
pub mod crossfeed;
pub mod engine;
pub mod eq;
pub mod fade;
pub mod level;
pub mod loudness;
pub mod meters;
pub mod prepared;
pub mod seat;
pub mod simd;
pub mod spatial;
pub mod speakers;
pub mod stage;
pub mod stereo;

/// Filter state below this magnitude (-400 dBFS) is set to zero once per block, so a long
/// silence never leaves the CPU grinding through subnormal numbers. (nice-plug does not
/// flush denormals unless its `unsafe_flush_denormals` feature is on.)
pub const DENORMAL_FLOOR: f64 = 1e-20;

/// Largest input magnitude accepted (+60 dBFS); larger or non-finite samples are
/// replaced before they reach any filter state.
pub const INPUT_LIMIT: f32 = 1000.0;

/// Replace non-finite samples with silence and clamp absurd magnitudes.
#[inline(always)]
pub fn sanitize(x: f32) -> f32 {
    if x.is_finite() {
        x.clamp(-INPUT_LIMIT, INPUT_LIMIT)
    } else {
        0.0
    }
}
