//! The room: a small treated control room, computed, not a recorded impulse response.
//!
//! A rectangular room (image sources up to [`IMAGE_ORDER`] reflections, J. B. Allen and
//! D. A. Berkley, "Image method for efficiently simulating small-room acoustics", JASA
//! 65(4), 1979), every reflection arriving through the HRTF of its own direction, then a
//! diffuse tail of decaying noise from the mixing time on. The listener sits on the room's
//! centre line with the speakers symmetric about it, so the left speaker's responses at
//! the two ears are the right speaker's mirrored (the renderer runs mid and side).
//!
//! Not modelled: frequency-dependent absorption and air absorption (one absorption
//! coefficient for every surface and frequency), the loudspeakers' directivity (they
//! radiate evenly in every direction here, which makes the room a little livelier at high
//! frequencies than a real one with the same reverberation time), diffraction, furniture,
//! the desk.

/// Room size in metres (across, front to back, height): 23.5 m² of floor, inside the
/// 20–60 m² ITU-R BS.1116-3 (2015, §7.1) gives for a two-channel listening room.
pub const ROOM_M: [f64; 3] = [4.2, 5.6, 2.7];
/// The listener's distance from the front wall, as a fraction of the room's length (the
/// often-quoted "38 % rule", keeping the seat off the length's first axial-mode nulls; a
/// geometry choice, not a measurement).
pub const LISTENER_FROM_FRONT: f64 = 0.38;
/// Ear and speaker height in metres (ITU-R BS.1116-3 §7.2: loudspeakers at the seated
/// listener's ear height, about 1.2 m).
pub const EAR_HEIGHT_M: f64 = 1.2;
/// Speaker distance: the data's own measurement distance (MIT KEMAR: 1.4 m), a usual
/// near-field monitoring distance.
pub const SPEAKER_DISTANCE_M: f64 = 1.4;
/// Reference volume of EBU Tech 3276's reverberation-time formula.
const EBU_REFERENCE_VOLUME_M3: f64 = 100.0;
/// Reverberation time at the reference volume (EBU Tech 3276, 2nd ed. 1998, §5.1:
/// Tm = 0.25 (V / V0)^(1/3) s).
const EBU_REFERENCE_RT_S: f64 = 0.25;
/// Sabine's constant, s/m (W. C. Sabine; T = 0.161 V / (S α)).
const SABINE_S_PER_M: f64 = 0.161;
/// Reflections per image path modelled explicitly; later sound is the diffuse tail.
pub const IMAGE_ORDER: i32 = 2;
/// Level at which the tail is cut off, below its start (dB): the impulse response ends
/// at the reverberation time.
const TAIL_END_DB: f64 = 60.0;
/// Speed of sound (the seat model's, `seat.rs`).
pub use super::super::seat::SPEED_OF_SOUND_M_S as SPEED_OF_SOUND;

pub fn volume_m3() -> f64 {
    ROOM_M.iter().product()
}

pub fn surface_m2() -> f64 {
    let [w, l, h] = ROOM_M;
    2.0 * (w * l + w * h + l * h)
}

/// Reverberation time (RT60) in seconds: EBU Tech 3276's target for the room's volume.
pub fn reverberation_s() -> f64 {
    EBU_REFERENCE_RT_S * (volume_m3() / EBU_REFERENCE_VOLUME_M3).cbrt()
}

/// The mean absorption coefficient giving that time (Sabine).
pub fn absorption() -> f64 {
    (SABINE_S_PER_M * volume_m3() / (surface_m2() * reverberation_s())).min(0.99)
}

/// Pressure reflection factor of every surface.
pub fn reflection_factor() -> f64 {
    (1.0 - absorption()).sqrt()
}

/// Mixing time in seconds, after which the tail is diffuse: √V ms (J.-D. Polack,
/// "La transmission de l'énergie sonore dans les salles", 1988).
pub fn mixing_s() -> f64 {
    volume_m3().sqrt() * 1e-3
}

/// The Schroeder frequency in Hz, 2000·√(T/V): below it the room's response is a few
/// isolated modes, above it a dense statistical field (M. R. Schroeder, "The Schroeder
/// frequency revisited", JASA 99(5), 1996). About 116 Hz here.
pub fn schroeder_hz() -> f64 {
    2000.0 * (reverberation_s() / volume_m3()).sqrt()
}

/// Length of the room's responses in seconds: the tail down by [`TAIL_END_DB`].
pub fn length_s() -> f64 {
    mixing_s() + reverberation_s() * TAIL_END_DB / 60.0
}

/// Reverberant energy relative to the direct sound's at the speaker distance, from the
/// room constant R = S α / (1 − α): 16 π r² / R (the classic diffuse-field relation, e.g.
/// L. L. Beranek, Acoustics, 1954, ch. 10), for an omnidirectional source.
pub fn reverberant_to_direct() -> f64 {
    let a = absorption();
    let room_constant = surface_m2() * a / (1.0 - a);
    16.0 * std::f64::consts::PI * SPEAKER_DISTANCE_M.powi(2) / room_constant
}

/// One path from the left speaker to the listener.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Path {
    /// Direction of arrival (degrees, azimuth counter-clockwise from ahead, elevation up).
    pub azimuth_deg: f64,
    pub elevation_deg: f64,
    /// Arrival after the direct sound, seconds.
    pub delay_s: f64,
    /// Pressure gain relative to the direct sound (distance and reflections).
    pub gain: f64,
}

/// The reflections of the left speaker at `angle_deg` (the direct sound excluded), in
/// order of arrival.
pub fn reflections(angle_deg: f64) -> Vec<Path> {
    let [w, l, h] = ROOM_M;
    // Room coordinates: x across (left of the listener is +x), y from the front wall
    // back, z up. The listener faces the front wall (-y).
    let listener = [0.5 * w, LISTENER_FROM_FRONT * l, EAR_HEIGHT_M];
    let a = angle_deg.to_radians();
    let speaker = [
        listener[0] + SPEAKER_DISTANCE_M * a.sin(),
        listener[1] - SPEAKER_DISTANCE_M * a.cos(),
        EAR_HEIGHT_M,
    ];
    let image = |n: i32, x: f64, size: f64| {
        if n % 2 == 0 {
            x + n as f64 * size
        } else {
            (n + 1) as f64 * size - x
        }
    };
    let beta = reflection_factor();
    let mut paths = Vec::new();
    for nx in -IMAGE_ORDER..=IMAGE_ORDER {
        for ny in -IMAGE_ORDER..=IMAGE_ORDER {
            for nz in -IMAGE_ORDER..=IMAGE_ORDER {
                let order = nx.abs() + ny.abs() + nz.abs();
                if order == 0 || order > IMAGE_ORDER {
                    continue;
                }
                let p = [
                    image(nx, speaker[0], w),
                    image(ny, speaker[1], l),
                    image(nz, speaker[2], h),
                ];
                let v = [p[0] - listener[0], p[1] - listener[1], p[2] - listener[2]];
                let (left, ahead, up) = (v[0], -v[1], v[2]);
                let r = (left * left + ahead * ahead + up * up).sqrt();
                paths.push(Path {
                    azimuth_deg: left.atan2(ahead).to_degrees(),
                    elevation_deg: up.atan2(left.hypot(ahead)).to_degrees(),
                    delay_s: (r - SPEAKER_DISTANCE_M) / SPEED_OF_SOUND,
                    gain: SPEAKER_DISTANCE_M / r * beta.powi(order),
                });
            }
        }
    }
    paths.sort_by(|a, b| a.delay_s.total_cmp(&b.delay_s));
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_treated_room() {
        let rt = reverberation_s();
        assert!((0.2..=0.3).contains(&rt), "{rt}");
        let area = ROOM_M[0] * ROOM_M[1];
        assert!((20.0..=60.0).contains(&area));
        let paths = reflections(30.0);
        // 6 first-order and 18 second-order images.
        assert_eq!(paths.len(), 24);
        // The floor bounce: straight below the speaker's direction, about 4 ms late.
        let floor = paths
            .iter()
            .find(|p| p.elevation_deg < -30.0 && p.gain > 0.3)
            .expect("a floor reflection");
        let r = (SPEAKER_DISTANCE_M.powi(2) + (2.0 * EAR_HEIGHT_M).powi(2)).sqrt();
        assert!((floor.delay_s - (r - SPEAKER_DISTANCE_M) / SPEED_OF_SOUND).abs() < 1e-9);
        assert!((floor.azimuth_deg - 30.0).abs() < 1e-9);
        assert!(paths.iter().all(|p| p.delay_s > 0.0 && p.gain < 1.0));
    }
}
