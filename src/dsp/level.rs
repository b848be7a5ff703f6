//! The level stage: the level-match gain (`loudness.rs` computes it from the other
//! stages' responses), gliding sample by sample when it changes.

use num_complex::Complex64;

use super::fade::Ramp;
use super::stage::{Mat2, Probe, Response, Stage, StageDesign};

/// The designed level-match gain (1 when level match is off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelDesign(pub f64);

impl StageDesign for LevelDesign {
    fn response(&self, _at: &Probe) -> Response {
        Response::scalar(Complex64::new(self.0, 0.0))
    }
}

/// The running gain.
#[derive(Debug, Clone, Copy)]
pub struct LevelStage(pub Ramp);

impl Default for LevelStage {
    fn default() -> Self {
        Self(Ramp::new(1.0))
    }
}

impl Stage for LevelStage {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        for f in io.iter_mut() {
            let g = self.0.next();
            *f = [f[0] * g, f[1] * g];
        }
    }

    fn steady_matrix(&self) -> Option<Mat2> {
        (!self.0.is_moving()).then(|| Mat2::IDENTITY.scaled(self.0.value()))
    }

    fn reset(&mut self) {
        self.0.snap();
    }
}
