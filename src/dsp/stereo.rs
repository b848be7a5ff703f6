//! Stereo stages: the monitor mode before the voicing and the M/S width after it.

use super::fade::Ramp;
use super::stage::{Mat2, Probe, Response, Stage, StageDesign};

/// What the listener hears before any voicing: the normal stereo image, its mid, its
/// side, or the channels swapped (for checking balance and phase problems).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MonitorMode {
    #[default]
    Stereo,
    /// Both ears get (L + R) / 2.
    Mono,
    /// Both ears get (L - R) / 2.
    Side,
    /// Left and right exchanged.
    Swap,
}

impl MonitorMode {
    #[inline(always)]
    pub fn apply(self, x: [f64; 2]) -> [f64; 2] {
        match self {
            MonitorMode::Stereo => x,
            MonitorMode::Mono => {
                let m = 0.5 * (x[0] + x[1]);
                [m, m]
            }
            MonitorMode::Side => {
                let s = 0.5 * (x[0] - x[1]);
                [s, s]
            }
            MonitorMode::Swap => [x[1], x[0]],
        }
    }
}

/// M/S width: the side is scaled by `width` (0 = mono, 1 = unchanged, 2 = side doubled).
#[inline(always)]
pub fn apply_width(x: [f64; 2], width: f64) -> [f64; 2] {
    let m = 0.5 * (x[0] + x[1]);
    let s = 0.5 * (x[0] - x[1]) * width;
    [m + s, m - s]
}

/// Largest width offered (200 %).
pub const WIDTH_MAX: f64 = 2.0;

impl MonitorMode {
    /// The mode as a matrix on (L, R).
    pub fn matrix(self) -> Mat2 {
        Mat2(match self {
            MonitorMode::Stereo => [[1.0, 0.0], [0.0, 1.0]],
            MonitorMode::Mono => [[0.5, 0.5], [0.5, 0.5]],
            MonitorMode::Side => [[0.5, -0.5], [0.5, -0.5]],
            MonitorMode::Swap => [[0.0, 1.0], [1.0, 0.0]],
        })
    }
}

/// The monitor stage is its own design: memoryless, one matrix.
impl StageDesign for MonitorMode {
    fn response(&self, _at: &Probe) -> Response {
        self.matrix().response()
    }
}

impl Stage for MonitorMode {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        self.matrix().apply_block(io);
    }

    fn steady_matrix(&self) -> Option<Mat2> {
        Some(self.matrix())
    }

    fn reset(&mut self) {}
}

/// The M/S width as a matrix on (L, R): L' = M + wS, R' = M - wS.
pub fn width_matrix(width: f64) -> Mat2 {
    let direct = 0.5 * (1.0 + width);
    let cross = 0.5 * (1.0 - width);
    Mat2([[direct, cross], [cross, direct]])
}

/// The designed width: the slot's width times its model class's factor, clamped to
/// [0, [`WIDTH_MAX`]].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WidthDesign(pub f64);

impl WidthDesign {
    pub fn new(width: f64, class_width: f64) -> Self {
        Self((width * class_width).clamp(0.0, WIDTH_MAX))
    }
}

impl StageDesign for WidthDesign {
    fn response(&self, _at: &Probe) -> Response {
        width_matrix(self.0).response()
    }
}

/// The running width: glides to a new width sample by sample.
#[derive(Debug, Clone, Copy)]
pub struct WidthStage(pub Ramp);

impl Default for WidthStage {
    fn default() -> Self {
        Self(Ramp::new(1.0))
    }
}

impl Stage for WidthStage {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        io.iter_mut()
            .for_each(|f| *f = apply_width(*f, self.0.next()));
    }

    fn steady_matrix(&self) -> Option<Mat2> {
        (!self.0.is_moving()).then(|| width_matrix(self.0.value()))
    }

    fn reset(&mut self) {
        self.0.snap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_modes_route_as_named() {
        let x = [1.0, 0.25];
        assert_eq!(MonitorMode::Stereo.apply(x), [1.0, 0.25]);
        assert_eq!(MonitorMode::Mono.apply(x), [0.625, 0.625]);
        assert_eq!(MonitorMode::Side.apply(x), [0.375, 0.375]);
        assert_eq!(MonitorMode::Swap.apply(x), [0.25, 1.0]);
    }

    #[test]
    fn width_scales_side_only() {
        // Mono content is untouched at any width.
        assert_eq!(apply_width([0.5, 0.5], 2.0), [0.5, 0.5]);
        // Width 0 collapses to mono; width 1 is identity.
        assert_eq!(apply_width([1.0, 0.0], 0.0), [0.5, 0.5]);
        assert_eq!(apply_width([1.0, -0.5], 1.0), [1.0, -0.5]);
        // Width 2 doubles the side: side 0.5 -> 1.0.
        assert_eq!(apply_width([1.0, 0.0], 2.0), [1.5, -0.5]);
    }
}
