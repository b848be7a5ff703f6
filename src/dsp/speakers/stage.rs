//! The running speakers: mid and side through the direct kernels, plus the room kernels
//! times the room amount (gliding sample by sample), back to left and right.

use std::sync::Arc;

use super::super::convolver::{Convolver, PARTITION};
use super::bank::SpeakerBank;

/// The design the stage follows: a bank (by handle), the angle and the room amount.
#[derive(Debug, Clone)]
pub struct SpeakersDesign {
    pub bank: Arc<SpeakerBank>,
    pub angle_deg: u32,
    /// 0 = the direct sound only, 1 = the full room.
    pub room: f64,
}

impl PartialEq for SpeakersDesign {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.bank, &other.bank)
            && self.angle_deg == other.angle_deg
            && self.room == other.room
    }
}

/// Convolution state for one chain (allocated with it, for the bank's kernel sizes).
pub struct SpeakersStage {
    bank: Arc<SpeakerBank>,
    angle_deg: u32,
    /// Direct mid, direct side, room mid, room side.
    conv: [Convolver; 4],
    room_now: f64,
    room_target: f64,
    /// The room convolvers have been skipped (room at 0 %) and need a reset to restart.
    room_idle: bool,
    /// Every output so far was finite (checked on each chunk's output, which any
    /// non-finite convolution state reaches: cheaper than scanning the state's 100 000
    /// values, which made the block that did it 14 times the median at 32 frames).
    finite: bool,
}

impl std::fmt::Debug for SpeakersStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SpeakersStage({:?}, {}°, room {})",
            self.bank, self.angle_deg, self.room_now
        )
    }
}

impl SpeakersStage {
    pub fn new(bank: Arc<SpeakerBank>) -> Self {
        let (d, r) = (bank.direct_taps, bank.room_taps);
        Self {
            conv: [
                Convolver::new(d),
                Convolver::new(d),
                Convolver::new(r),
                Convolver::new(r),
            ],
            bank,
            angle_deg: super::bank::ANGLE_DEFAULT_DEG,
            room_now: 0.0,
            room_target: 0.0,
            room_idle: true,
            finite: true,
        }
    }

    /// Follow `design`. The angle changes only with a reset (the chain crossfades); the
    /// room amount glides from its current value over the next block.
    pub fn configure(&mut self, design: &SpeakersDesign) {
        if !Arc::ptr_eq(&self.bank, &design.bank) {
            // Kernels of another size: this chain was built for one bank (its sample
            // rate); a new bank comes with a new chain. Keep playing the old one.
            return;
        }
        self.angle_deg = design.angle_deg;
        self.room_target = design.room.clamp(0.0, 1.0);
    }

    pub fn reset(&mut self) {
        self.conv.iter_mut().for_each(Convolver::reset);
        self.room_now = self.room_target;
        self.room_idle = true;
        self.finite = true;
    }

    /// False once an output was NaN or infinite (then `reset`). O(1): see `finite`.
    pub fn is_finite(&self) -> bool {
        self.finite && self.room_now.is_finite()
    }

    pub fn process(&mut self, io: &mut [[f64; 2]]) {
        for chunk in io.chunks_mut(PARTITION) {
            self.process_chunk(chunk);
        }
    }

    fn process_chunk(&mut self, io: &mut [[f64; 2]]) {
        let n = io.len();
        let mut mid = [0f32; PARTITION];
        let mut side = [0f32; PARTITION];
        for (i, f) in io.iter().enumerate() {
            mid[i] = (0.5 * (f[0] + f[1])) as f32;
            side[i] = (0.5 * (f[0] - f[1])) as f32;
        }
        let pair = self.bank.pair(self.angle_deg);
        let mut out_mid = [0f32; PARTITION];
        let mut out_side = [0f32; PARTITION];
        let [dm, ds, rm, rs] = &mut self.conv;
        dm.process(&pair.direct[0], &mid[..n], &mut out_mid[..n]);
        ds.process(&pair.direct[1], &side[..n], &mut out_side[..n]);
        let (from, to) = (self.room_now, self.room_target);
        if from == 0.0 && to == 0.0 {
            self.room_idle = true;
        } else {
            if self.room_idle {
                rm.reset();
                rs.reset();
                self.room_idle = false;
            }
            let mut room_mid = [0f32; PARTITION];
            let mut room_side = [0f32; PARTITION];
            rm.process(&pair.room[0], &mid[..n], &mut room_mid[..n]);
            rs.process(&pair.room[1], &side[..n], &mut room_side[..n]);
            let step = (to - from) / n as f64;
            for i in 0..n {
                let g = (from + step * (i + 1) as f64) as f32;
                out_mid[i] += g * room_mid[i];
                out_side[i] += g * room_side[i];
            }
            self.room_now = to;
        }
        let mut sum = 0.0f32;
        for (i, f) in io.iter_mut().enumerate() {
            sum += out_mid[i] + out_side[i];
            let (m, s) = (out_mid[i] as f64, out_side[i] as f64);
            *f = [m + s, m - s];
        }
        // A NaN or an infinity anywhere makes the sum non-finite (finite outputs this
        // small cannot overflow it).
        self.finite &= sum.is_finite();
    }
}
