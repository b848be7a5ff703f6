//! Stereo utilities: monitor modes before the voicing and the M/S width after it.

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
