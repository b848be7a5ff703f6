//! Crossfade ramps for click-free changes.
//!
//! Both sides of every Cans crossfade are the same input through two similar chains (or
//! the dry signal), so they are coherent: their amplitudes add. An equal-power (sin/cos)
//! law would swell by up to +3 dB mid-fade on such material; the equal-gain smoothstep law
//! used here keeps `in + out = 1` at every sample, so identical chains cross with no level
//! change at all, and its zero slope at both ends avoids a corner in the gain curve.

/// Length of every crossfade: long enough that the gain ramp itself is inaudible
/// (a 30 ms ramp puts its energy below ~35 Hz), short enough to feel instant when toggling.
pub const CROSSFADE_MS: f64 = 30.0;

/// Samples a crossfade lasts at `sample_rate` (at least one).
pub fn crossfade_len(sample_rate: f64) -> usize {
    ((CROSSFADE_MS * 1e-3 * sample_rate).round() as usize).max(1)
}

/// Fade-in gain at progress `t` in [0, 1]; the fade-out gain is `1 - fade_in(t)`.
#[inline(always)]
pub fn fade_in(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A linear ramp of a parameter towards a target, one step per sample.
#[derive(Debug, Clone, Copy)]
pub struct Ramp {
    value: f64,
    target: f64,
    step: f64,
    remaining: usize,
}

impl Ramp {
    pub fn new(value: f64) -> Self {
        Self {
            value,
            target: value,
            step: 0.0,
            remaining: 0,
        }
    }

    /// Glide to `target` over `samples` samples (0 jumps).
    pub fn set(&mut self, target: f64, samples: usize) {
        if target == self.target {
            return;
        }
        self.target = target;
        if samples == 0 {
            self.value = target;
            self.remaining = 0;
        } else {
            self.step = (target - self.value) / samples as f64;
            self.remaining = samples;
        }
    }

    /// Jump straight to the target.
    pub fn snap(&mut self) {
        self.value = self.target;
        self.remaining = 0;
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn target(&self) -> f64 {
        self.target
    }

    pub fn is_moving(&self) -> bool {
        self.remaining > 0
    }

    #[inline(always)]
    pub fn next(&mut self) -> f64 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.value = if self.remaining == 0 {
                self.target
            } else {
                self.value + self.step
            };
        }
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fade_gains_are_smooth() {
        let n = 1440;
        let mut max_step: f64 = 0.0;
        let mut prev = fade_in(0.0);
        for i in 0..=n {
            let t = i as f64 / n as f64;
            let g = fade_in(t);
            max_step = max_step.max((g - prev).abs());
            prev = g;
        }
        assert_eq!(fade_in(0.0), 0.0);
        assert_eq!(fade_in(1.0), 1.0);
        // Smoothstep's steepest slope is 1.5 per unit time.
        assert!(max_step <= 1.5 / n as f64 + 1e-12, "{max_step}");
    }

    #[test]
    fn ramp_reaches_target_exactly() {
        let mut r = Ramp::new(0.0);
        r.set(1.0, 4);
        let v: Vec<f64> = (0..5).map(|_| r.next()).collect();
        assert_eq!(v, vec![0.25, 0.5, 0.75, 1.0, 1.0]);
        assert!(!r.is_moving());
    }

    #[test]
    fn crossfade_is_30_ms() {
        assert_eq!(crossfade_len(48_000.0), 1440);
        assert_eq!(crossfade_len(44_100.0), 1323);
    }
}
