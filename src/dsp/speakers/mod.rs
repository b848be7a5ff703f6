//! Virtual loudspeakers: a pair of speakers in front of the listener, from measured
//! head-related impulse responses, in a small computed control room.
//!
//! - `hrir.rs`: the measured set as plain data (read from SOFA files by `crate::hrtf`);
//! - `spectrum.rs`: FFT tools (minimum phase, smoothing, interaural time difference);
//! - `ear.rs`: one direction as the two ears hear it at the host rate (the data's
//!   interaural level and time differences, low frequencies from physics);
//! - `room.rs`: the room (image sources and a diffuse tail; every number sourced);
//! - `bank.rs`: every angle's mid/side kernels, equalised so centred sound stays flat;
//! - `kit.rs`: a bank with its chains' convolution state, handed to the audio thread;
//! - `stage.rs`: the running stage (zero-latency partitioned convolution, `convolver.rs`).

pub mod bank;
pub mod ear;
pub mod hrir;
pub mod kit;
pub mod room;
pub mod spectrum;
pub mod stage;
