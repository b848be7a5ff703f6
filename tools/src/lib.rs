//! Cans's command-line tools, kept out of the plug-in crate so the plug-in library carries
//! only what the plug-in needs (no WAV or flag parsing, no model generator):
//!
//! - `cans-render`: a WAV file through the plug-in's engine (`src/bin/cans_render.rs`);
//! - `cans-bench`: the in-process measurements of `cargo xtask bench` (feature
//!   `bench-libbs2b`, `src/bin/cans_bench.rs`);
//! - `cans-fit-models`: fits the bundled measurements and writes the generated model files
//!   (`cargo xtask fit-models`, `src/bin/cans_fit_models.rs`, text from [`generate`]).

pub mod bench_eq;
pub mod generate;
