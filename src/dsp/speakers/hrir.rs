//! A set of measured head-related impulse responses, as plain data: what the speakers are
//! designed from. Reading SOFA files into it is `crate::hrtf`'s job (outside `dsp`).

/// One measured direction: both ears' impulse responses.
#[derive(Debug, Clone, PartialEq)]
pub struct Hrir {
    /// Azimuth in degrees, counter-clockwise from straight ahead (+90 = left), in
    /// (-180, 180].
    pub azimuth_deg: f64,
    /// Elevation in degrees (+90 = above).
    pub elevation_deg: f64,
    /// Left and right ear impulse responses, `HrirSet::taps` long.
    pub ears: [Vec<f32>; 2],
    /// Extra delay of each ear in seconds (SOFA's `Data.Delay`; 0 for most files).
    pub delay_s: [f64; 2],
}

/// A whole set at one sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct HrirSet {
    pub sample_rate: f64,
    pub taps: usize,
    pub directions: Vec<Hrir>,
    /// What the set is, for the editor ("MIT KEMAR (normal pinna)", a file name).
    pub name: String,
}

/// Angle between two directions on the sphere, in degrees.
pub fn angle_between(az1: f64, el1: f64, az2: f64, el2: f64) -> f64 {
    let v = |az: f64, el: f64| {
        let (az, el) = (az.to_radians(), el.to_radians());
        [el.cos() * az.cos(), el.cos() * az.sin(), el.sin()]
    };
    let (a, b) = (v(az1, el1), v(az2, el2));
    let dot = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
    dot.acos().to_degrees()
}

impl HrirSet {
    /// The measured direction nearest to (`azimuth_deg`, `elevation_deg`) and its angular
    /// distance in degrees; `None` for an empty set.
    pub fn nearest(&self, azimuth_deg: f64, elevation_deg: f64) -> Option<(usize, f64)> {
        self.directions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let dist =
                    angle_between(azimuth_deg, elevation_deg, d.azimuth_deg, d.elevation_deg);
                (i, dist)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles_on_the_sphere() {
        assert!((angle_between(30.0, 0.0, -30.0, 0.0) - 60.0).abs() < 1e-9);
        assert!((angle_between(0.0, 90.0, 123.0, 90.0)).abs() < 1e-6);
        assert!((angle_between(179.0, 0.0, -179.0, 0.0) - 2.0).abs() < 1e-9);
    }
}
