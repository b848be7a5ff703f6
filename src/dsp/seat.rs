//! The listening-position stage: how a playback device's two channels reach the
//! listener. For headphones (and every slot) it is the identity; an audience check of a
//! device played from off centre (a car's driver's seat) delays and attenuates the far
//! channel. A mono device needs no stage: its fold is the monitor's Mono matrix
//! ([`Playback::monitor`]), since the EQ, crossfeed and width that follow keep a mono
//! signal mono.

use std::f64::consts::PI;

use num_complex::Complex64;

use super::stage::{Mat2, Probe, Response, Stage, StageDesign};
use super::stereo::MonitorMode;

/// Speed of sound in dry air at 20 °C, m/s: c = √(γRT) gives 1124.1 ft/s = 342.6 m/s
/// (J. O. Smith III, *Physical Audio Signal Processing*, CCRMA, "Speed of Sound in Air").
pub const SPEED_OF_SOUND_M_S: f64 = 342.6;

/// Longest far-channel delay the stage holds (a path difference of ~1.7 m).
pub const SEAT_MAX_DELAY_S: f64 = 0.005;

/// How a device presents the two channels to its listener.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Playback {
    /// Each channel to its own ear as it is (headphones; every A/B slot).
    #[default]
    Headphones,
    /// One speaker: both ears hear (L + R) / 2.
    Mono,
    /// Two speakers with the listener off centre towards the left one, `near_m` from it
    /// and `far_m` from the right one: the right channel arrives later by the path
    /// difference and quieter by the inverse-distance law (free field; a real cabin's
    /// reflections make the level difference smaller, see `models::devices`).
    OffCentreLeft { near_m: f64, far_m: f64 },
}

impl Playback {
    /// The monitor matrix a device with this playback applies: a mono device folds the
    /// user's monitor output to mono (Side stays Side, which is already mono).
    pub fn monitor(self, user: MonitorMode) -> MonitorMode {
        match (self, user) {
            (Playback::Mono, MonitorMode::Side) => MonitorMode::Side,
            (Playback::Mono, _) => MonitorMode::Mono,
            _ => user,
        }
    }
}

/// The designed stage: a gain and a whole-sample delay per channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeatDesign {
    pub gain: [f64; 2],
    pub delay: [usize; 2],
    sample_rate: f64,
}

impl SeatDesign {
    pub fn identity(sample_rate: f64) -> Self {
        Self {
            gain: [1.0; 2],
            delay: [0; 2],
            sample_rate,
        }
    }

    pub fn new(playback: Playback, sample_rate: f64) -> Self {
        match playback {
            Playback::Headphones | Playback::Mono => Self::identity(sample_rate),
            Playback::OffCentreLeft { near_m, far_m } => {
                let max = (SEAT_MAX_DELAY_S * sample_rate).floor() as usize;
                let lag = ((far_m - near_m).max(0.0) / SPEED_OF_SOUND_M_S * sample_rate).round();
                Self {
                    gain: [1.0, (near_m / far_m).clamp(0.0, 1.0)],
                    delay: [0, (lag as usize).min(max)],
                    sample_rate,
                }
            }
        }
    }

    pub fn is_identity(&self) -> bool {
        self.gain == [1.0; 2] && self.delay == [0; 2]
    }
}

impl StageDesign for SeatDesign {
    fn response(&self, at: &Probe) -> Response {
        let ch = |c: usize| {
            let phase = -2.0 * PI * at.freq_hz * self.delay[c] as f64 / self.sample_rate;
            Complex64::from_polar(self.gain[c], phase)
        };
        let zero = Complex64::new(0.0, 0.0);
        Response([[ch(0), zero], [zero, ch(1)]])
    }
}

/// The running stage: one delay line per channel, allocated for the session's rate.
#[derive(Debug, Clone)]
pub struct SeatStage {
    design: SeatDesign,
    lines: [Vec<f64>; 2],
    pos: usize,
}

impl SeatStage {
    /// Allocates the delay lines for `sample_rate`; call from `activate`.
    pub fn new(sample_rate: f64) -> Self {
        let len = (SEAT_MAX_DELAY_S * sample_rate).floor() as usize + 1;
        Self {
            design: SeatDesign::identity(sample_rate),
            lines: [vec![0.0; len], vec![0.0; len]],
            pos: 0,
        }
    }

    /// Follow the design (a change of delay is a chain change: the engine crossfades
    /// into a chain configured from silence).
    pub fn configure(&mut self, design: &SeatDesign) {
        let cap = self.lines[0].len() - 1;
        self.design = SeatDesign {
            delay: design.delay.map(|d| d.min(cap)),
            ..*design
        };
    }
}

impl Stage for SeatStage {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        let len = self.lines[0].len();
        let SeatDesign { gain, delay, .. } = self.design;
        for frame in io.iter_mut() {
            for c in 0..2 {
                self.lines[c][self.pos] = frame[c];
                let read = (self.pos + len - delay[c]) % len;
                frame[c] = gain[c] * self.lines[c][read];
            }
            self.pos = (self.pos + 1) % len;
        }
    }

    fn steady_matrix(&self) -> Option<Mat2> {
        (self.design.delay == [0; 2])
            .then(|| Mat2([[self.design.gain[0], 0.0], [0.0, self.design.gain[1]]]))
    }

    fn reset(&mut self) {
        if self.design.delay != [0; 2] {
            self.lines.iter_mut().for_each(|l| l.fill(0.0));
        }
        self.pos = 0;
    }

    fn is_finite(&self) -> bool {
        self.lines.iter().flatten().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_far_channel_arrives_late_and_quiet_by_the_geometry() {
        let fs = 48_000.0;
        let design = SeatDesign::new(
            Playback::OffCentreLeft {
                near_m: 0.7,
                far_m: 1.4,
            },
            fs,
        );
        // 0.7 m at 342.6 m/s = 2.043 ms = 98.07 samples; inverse distance: half.
        assert_eq!(design.delay, [0, 98]);
        assert_eq!(design.gain, [1.0, 0.5]);
        let mut stage = SeatStage::new(fs);
        stage.configure(&design);
        stage.reset();
        let mut io = vec![[0.0; 2]; 256];
        io[0] = [1.0, 1.0];
        stage.process(&mut io[..100]);
        stage.process(&mut io[100..]);
        let left: Vec<usize> = (0..256).filter(|&i| io[i][0] != 0.0).collect();
        let right: Vec<usize> = (0..256).filter(|&i| io[i][1] != 0.0).collect();
        assert_eq!(left, [0]);
        assert_eq!(right, [98]);
        assert_eq!(io[98][1], 0.5);
        // The response says the same: a 98-sample phase slope on the right.
        let r = design.response(&Probe::at(1000.0, fs));
        let expected = -2.0 * PI * 1000.0 * 98.0 / fs;
        let got = r.0[1][1].arg();
        assert!(
            ((got - expected).rem_euclid(2.0 * PI)).min((expected - got).rem_euclid(2.0 * PI))
                < 1e-9
        );
        assert!((r.0[1][1].norm() - 0.5).abs() < 1e-12);
        assert!(stage.steady_matrix().is_none());
        // Headphones: the identity, folded into its neighbours.
        let mut id = SeatStage::new(fs);
        id.configure(&SeatDesign::new(Playback::Headphones, fs));
        assert_eq!(id.steady_matrix(), Some(Mat2::IDENTITY));
    }

    #[test]
    fn a_mono_device_folds_the_monitor() {
        assert_eq!(
            Playback::Mono.monitor(MonitorMode::Stereo),
            MonitorMode::Mono
        );
        assert_eq!(Playback::Mono.monitor(MonitorMode::Swap), MonitorMode::Mono);
        assert_eq!(Playback::Mono.monitor(MonitorMode::Side), MonitorMode::Side);
        assert_eq!(
            Playback::Headphones.monitor(MonitorMode::Swap),
            MonitorMode::Swap
        );
    }
}
