//! The speakers' responses at one sample rate, designed off the audio thread for every
//! angle the parameter offers: for each, a short direct pair (room 0 %) and a long room
//! pair (the difference to room 100 %), each as mid and side kernels for the convolver.
//!
//! **Timbre stays the voicing's.** A centred (mono) signal reaches both ears through the
//! mid kernel. It is equalised flat per 1/3 octave (one minimum-phase equaliser, applied
//! to mid and side alike, so the interaural differences, the ratio and delay between the
//! ears, stay the data's).
//! Room 0 % and room 100 % are each equalised that way; the room parameter mixes the
//! two (`direct + room · (full − direct)`), so it glides without rebuilding anything.
//!
//! **Zero latency.** Each ear pair starts with the earlier ear at sample 0: the common
//! propagation delay is removed, the interaural delay kept (`ear.rs`).

use std::sync::{Arc, Mutex};

use num_complex::Complex64;

use super::super::convolver::Kernel;
use super::super::loudness::{GRID_LEN, grid_hz};
use super::ear::{EarPair, ear_pair};
use super::hrir::HrirSet;
use super::room;
use super::spectrum::Fft;

/// The speaker angles the parameter offers, degrees from straight ahead (each side).
pub const ANGLE_MIN_DEG: u32 = 10;
pub const ANGLE_MAX_DEG: u32 = 60;
/// The standard stereo triangle (ITU-R BS.775: ±30°).
pub const ANGLE_DEFAULT_DEG: u32 = 30;
/// Highest sample rate the speakers run at: above it a chain has no speakers (the slot
/// plays without them). The room's responses grow with the rate (43 000 taps at
/// 192 kHz) and their cost with its square.
pub const MAX_SAMPLE_RATE_HZ: f64 = 192_000.0;
/// A set must have a direction this close (degrees) to every angle offered, in the
/// horizontal plane; the nearest measured direction plays.
pub const MAX_DIRECTION_ERROR_DEG: f64 = 10.0;
/// Length of the direct (room 0 %) responses, seconds: 512 taps at 48 kHz (10.7 ms), the
/// data's 512 taps at 44.1 kHz (11.6 ms) less the silence before the sound arrives. At
/// 48 kHz that fills the convolver's first partition level exactly (`convolver.rs`:
/// longer kernels start its second level, which costs more than the taps it adds).
pub const DIRECT_S: f64 = 512.0 / 48_000.0;
/// Each ear pair is designed on this many seconds (enough for its response and the
/// interaural delay, with room to spare for the circular FFT).
const EAR_FFT_S: f64 = 0.04;
/// The lowest 1/3-octave band the equaliser sets (below it, its gain is that band's).
const EQ_FIRST_BAND_HZ: f64 = 20.0;
/// Passes of the equaliser's band-by-band refinement (the interpolation between bands
/// moves each band's mean a little; three passes settle it to a few hundredths of a dB).
const EQ_PASSES: usize = 3;
/// The equaliser's gain is limited to this range (dB), so a deep notch is not filled.
const EQ_LIMIT_DB: (f64, f64) = (-30.0, 15.0);
/// The last part of each response fades out (raised cosine) over this fraction of it.
const FADE_FRACTION: f64 = 0.25;
/// Responses shown in the editor's plot: points per octave.
const PLOT_POINTS_PER_OCTAVE: f64 = 24.0;
/// Width of the plot's smoothing, octaves: 1/6 octave, about the ear's critical band
/// above 500 Hz (E. Zwicker and H. Fastl, Psychoacoustics, 3rd ed., 2007, §6.2): the
/// room's comb of reflections shows as the colour it is heard as, not as its notches.
const PLOT_SMOOTHING_OCTAVES: f64 = 1.0 / 6.0;
const PLOT_START_HZ: f64 = 20.0;
/// Seeds of the two ears' tail noise (any fixed numbers: the tail is the same every run).
const TAIL_SEEDS: [u64; 2] = [0x9E37_79B9_7F4A_7C15, 0xD1B5_4A32_D192_ED03];
/// The rate the tail is drawn at (see `tail_at`).
const TAIL_RATE_HZ: f64 = 48_000.0;

/// Why a set cannot make speakers.
#[derive(Debug, Clone, PartialEq)]
pub enum DesignError {
    /// No measured direction within [`MAX_DIRECTION_ERROR_DEG`] of this angle.
    NoDirection { angle_deg: u32, nearest_deg: f64 },
    /// The design was called off before it finished (the instance went away, or the
    /// host changed the sample rate meanwhile).
    Stopped,
}

impl std::fmt::Display for DesignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DesignError::NoDirection {
                angle_deg,
                nearest_deg,
            } => write!(
                f,
                "no measured direction within {MAX_DIRECTION_ERROR_DEG}° of {angle_deg}° \
                 in the horizontal plane (nearest: {nearest_deg:.1}° away)"
            ),
            DesignError::Stopped => write!(f, "the design was stopped"),
        }
    }
}

/// Power of mid or side at one frequency band: direct `|D|²`, room `|R|²` and their
/// cross term `Re(D R*)`, averaged over the band.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct BandPower {
    dd: f64,
    rr: f64,
    dr: f64,
}

impl BandPower {
    fn at_room(&self, room: f64) -> f64 {
        (self.dd + room * room * self.rr + 2.0 * room * self.dr).max(0.0)
    }
}

/// One angle's responses.
pub struct SpeakerPair {
    /// The measured direction that plays, degrees of azimuth.
    pub measured_deg: f64,
    /// The data's interaural time difference at that direction, seconds.
    pub data_itd_s: f64,
    /// Mid and side kernels of the direct sound (room 0 %).
    pub direct: [Kernel; 2],
    /// Mid and side kernels added, times the room amount, for the room.
    pub room: [Kernel; 2],
    bands: [[BandPower; GRID_LEN]; 2],
    /// (near ear, far ear) of one speaker, for the plot.
    plot: Vec<[BandPower; 2]>,
}

impl SpeakerPair {
    /// Mean power gain of (mid, side) over level-grid band `band` at room amount `room`.
    pub fn band_power(&self, band: usize, room: f64) -> (f64, f64) {
        let b = &self.bands;
        (b[0][band].at_room(room), b[1][band].at_room(room))
    }

    /// Power gain from one speaker to (the near ear, the far ear) around `freq_hz`
    /// ([`PLOT_SMOOTHING_OCTAVES`] smoothed), for the plot.
    pub fn ear_power(&self, freq_hz: f64, room: f64) -> (f64, f64) {
        let x = (freq_hz.max(PLOT_START_HZ) / PLOT_START_HZ).log2() * PLOT_POINTS_PER_OCTAVE;
        let last = self.plot.len() - 1;
        let i = (x.floor() as usize).min(last);
        let (j, t) = if i < last {
            (i + 1, x - i as f64)
        } else {
            (i, 0.0)
        };
        // Linear between the two neighbouring points (in power, on the log-frequency grid).
        let at = |ear: usize| {
            let (a, b) = (
                self.plot[i][ear].at_room(room),
                self.plot[j][ear].at_room(room),
            );
            a + t.clamp(0.0, 1.0) * (b - a)
        };
        (at(0), at(1))
    }
}

/// Every angle's responses at one sample rate.
pub struct SpeakerBank {
    pub sample_rate: f64,
    pub name: String,
    pairs: Vec<SpeakerPair>,
    /// Index into `pairs` for each angle from [`ANGLE_MIN_DEG`].
    by_angle: Vec<usize>,
    pub direct_taps: usize,
    pub room_taps: usize,
}

impl std::fmt::Debug for SpeakerBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpeakerBank({} at {} Hz)", self.name, self.sample_rate)
    }
}

/// Round up to whole convolver partitions.
fn taps_for(seconds: f64, sample_rate: f64) -> usize {
    let p = super::super::convolver::PARTITION;
    ((seconds * sample_rate / p as f64).ceil() as usize).max(1) * p
}

/// `x` cut to `len` samples, the last [`FADE_FRACTION`] faded out.
/// `x` (`fft.n` samples, zero-padded) through a 2nd-order Butterworth high-pass at the
/// room's Schroeder frequency (`room::schroeder_hz`, about 116 Hz; its analogue response,
/// applied per bin: causal). The room's reflections and tail pass through it: below that
/// frequency a room of this size is a few isolated modes, which image sources do not
/// model; the direct and the room responses, each equalised flat, placed them
/// differently, so a room amount between 0 % and 100 % dipped up to 4.5 dB at 50–80 Hz.
/// Below it the room adds nothing: every amount plays the direct sound there.
fn room_highpass(fft: &Fft, sample_rate: f64, x: &[f64]) -> Vec<f64> {
    let corner_hz = room::schroeder_hz();
    let spec = fft.spectrum(x);
    let filtered: Vec<Complex64> = spec
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let s = Complex64::new(0.0, fft.bin_hz(k, sample_rate) / corner_hz);
            c * (s * s / (s * s + std::f64::consts::SQRT_2 * s + 1.0))
        })
        .collect();
    fft.impulse(&filtered)
}

fn truncated(x: &[f64], len: usize) -> Vec<f64> {
    let fade = ((len as f64 * FADE_FRACTION) as usize).max(1);
    (0..len)
        .map(|i| {
            let v = x.get(i).copied().unwrap_or(0.0);
            let from_end = len - i;
            if from_end <= fade {
                let t = from_end as f64 / fade as f64;
                v * 0.5 * (1.0 - (std::f64::consts::PI * t).cos())
            } else {
                v
            }
        })
        .collect()
}

/// The minimum-phase equaliser that makes `mid` flat per 1/3 octave: one gain per band
/// (IEC 61260 base-ten centres), interpolated in dB over log frequency between band
/// centres, refined [`EQ_PASSES`] times against the bands' mean power. The gain varies
/// only from band to band, not inside one, so it weighs the two ears' different fine
/// structure inside a band alike: the interaural level difference per band stays the
/// data's.
fn flat_eq(fft: &Fft, sample_rate: f64, mid: &[Complex64]) -> Vec<Complex64> {
    let (lo, hi) = (EQ_LIMIT_DB.0, EQ_LIMIT_DB.1);
    let centres: Vec<f64> = (-20..)
        .map(|i| 1000.0 * 10f64.powf(i as f64 / 10.0))
        .take_while(|f| *f < 0.5 * sample_rate)
        .filter(|f| *f >= EQ_FIRST_BAND_HZ)
        .collect();
    let bin_hz = sample_rate / fft.n as f64;
    let edge = 10f64.powf(1.0 / 20.0);
    let ranges: Vec<(usize, usize)> = centres
        .iter()
        .map(|fc| {
            let a = ((fc / edge / bin_hz).ceil() as usize).min(mid.len() - 1);
            let b = ((fc * edge / bin_hz).floor() as usize).clamp(a, mid.len() - 1);
            (a, b)
        })
        .collect();
    let log_c: Vec<f64> = centres.iter().map(|f| f.ln()).collect();
    // Where each bin sits between the band centres: the band below it and the
    // raised-cosine weight of the one above (smooth across each band's centre).
    let place: Vec<(usize, f64)> = (0..mid.len())
        .map(|k| {
            let lf = (k as f64 * bin_hz).max(1e-9).ln();
            let i = log_c.partition_point(|x| *x <= lf);
            if i == 0 {
                (0, 0.0)
            } else if i == log_c.len() {
                (i - 1, 0.0)
            } else {
                let t = (lf - log_c[i - 1]) / (log_c[i] - log_c[i - 1]);
                (i - 1, 0.5 - 0.5 * (std::f64::consts::PI * t).cos())
            }
        })
        .collect();
    let mut gains_db = vec![0.0; centres.len()];
    let mut curve = vec![1.0; mid.len()];
    for _ in 0..EQ_PASSES {
        for (g, (a, b)) in gains_db.iter_mut().zip(&ranges) {
            let p = (*a..=*b)
                .map(|k| (mid[k] * curve[k]).norm_sqr())
                .sum::<f64>()
                / (b - a + 1) as f64;
            *g = (*g - 10.0 * p.max(1e-30).log10()).clamp(lo, hi);
        }
        for (c, &(i, w)) in curve.iter_mut().zip(&place) {
            let above = gains_db.get(i + 1).copied().unwrap_or(gains_db[i]);
            let db = (1.0 - w) * gains_db[i] + w * above;
            *c = 10f64.powf(db / 20.0);
        }
    }
    fft.minimum_phase(&curve)
}

/// A deterministic noise sequence (xorshift64*, roughly Gaussian: the sum of four
/// uniform numbers).
fn noise(seed: u64, len: usize) -> Vec<f64> {
    let mut s = seed | 1;
    let mut uniform = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..len)
        .map(|_| (0..4).map(|_| uniform()).sum::<f64>() - 2.0)
        .collect()
}

/// One ear's diffuse tail at `sample_rate`, `len` samples: noise that fades in from half
/// the mixing time `mix` to 1.5 times it and decays 60 dB per reverberation time `rt`.
/// It is drawn once at [`TAIL_RATE_HZ`] and carried to the host rate through its spectrum,
/// so every host rate hears the same tail (band-limited to half that rate).
fn tail_at(seed: u64, sample_rate: f64, len: usize, mix: f64, rt: f64) -> Vec<f64> {
    let len_ref = ((len as f64 * TAIL_RATE_HZ / sample_rate).ceil() as usize).div_ceil(2) * 2;
    let mut tail = noise(seed, len_ref);
    for (i, v) in tail.iter_mut().enumerate() {
        let t = i as f64 / TAIL_RATE_HZ;
        let rise = ((t - 0.5 * mix) / mix).clamp(0.0, 1.0);
        *v *= rise * rise * (3.0 - 2.0 * rise) * 10f64.powf(-3.0 * t / rt);
    }
    let (reference, host) = (Fft::new(len_ref), Fft::new(len));
    let spec = reference.spectrum(&tail);
    let scale = len as f64 / len_ref as f64;
    let mapped: Vec<Complex64> = (0..host.bins())
        .map(|k| {
            let j = (host.bin_hz(k, sample_rate) * len_ref as f64 / TAIL_RATE_HZ).round() as usize;
            spec.get(j).map_or(Complex64::new(0.0, 0.0), |c| c * scale)
        })
        .collect();
    host.impulse(&mapped)
}

fn energy(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// Band-averaged powers of the direct and room kernels, mid and side, between the
/// frequencies `edges(i)` gives for each of `count` points.
fn powers(
    fft: &Fft,
    sample_rate: f64,
    direct: &[Vec<Complex64>; 2],
    room: &[Vec<Complex64>; 2],
    count: usize,
    edges: impl Fn(usize) -> (f64, f64),
) -> Vec<[BandPower; 2]> {
    let bin = |f: f64| ((f * fft.n as f64 / sample_rate).round() as usize).min(fft.bins() - 1);
    (0..count)
        .map(|i| {
            let (lo, hi) = edges(i);
            let (a, b) = (bin(lo), bin(hi).max(bin(lo)));
            std::array::from_fn(|c| {
                let mut p = BandPower::default();
                for k in a..=b {
                    let (d, r) = (direct[c][k], room[c][k]);
                    p.dd += d.norm_sqr();
                    p.rr += r.norm_sqr();
                    p.dr += (d * r.conj()).re;
                }
                let n = (b - a + 1) as f64;
                BandPower {
                    dd: p.dd / n,
                    rr: p.rr / n,
                    dr: p.dr / n,
                }
            })
        })
        .collect()
}

/// The built-in set's banks this process designed, one per sample rate.
static BUILTIN_BANKS: Mutex<Vec<Arc<SpeakerBank>>> = Mutex::new(Vec::new());

impl SpeakerBank {
    /// The built-in set's bank at `sample_rate` (designed once per rate and process;
    /// call off the audio thread).
    pub fn builtin(sample_rate: f64) -> Arc<SpeakerBank> {
        Self::builtin_until(sample_rate, &|| false).expect("the built-in set has every angle")
    }

    /// The built-in set's bank at `sample_rate` if this process has designed it already.
    pub fn builtin_cached(sample_rate: f64) -> Option<Arc<SpeakerBank>> {
        let banks = BUILTIN_BANKS.lock().unwrap_or_else(|e| e.into_inner());
        banks.iter().find(|b| b.sample_rate == sample_rate).cloned()
    }

    /// [`SpeakerBank::builtin`], giving up (`None`) as soon as `stop` says so (it is
    /// asked between angles: a background thread's design ends within milliseconds of
    /// its instance going away).
    pub fn builtin_until(sample_rate: f64, stop: &dyn Fn() -> bool) -> Option<Arc<SpeakerBank>> {
        if let Some(bank) = Self::builtin_cached(sample_rate) {
            return Some(bank);
        }
        // Designed outside the lock: two instances at two rates design side by side.
        let bank = match Self::new_until(crate::hrtf::builtin(), sample_rate, stop) {
            Ok(bank) => Arc::new(bank),
            Err(DesignError::Stopped) => return None,
            Err(e) => panic!("the built-in set has every angle: {e}"),
        };
        let mut banks = BUILTIN_BANKS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = banks.iter().find(|b| b.sample_rate == sample_rate) {
            return Some(b.clone());
        }
        banks.push(bank.clone());
        Some(bank)
    }

    /// Design every angle from `set` at `sample_rate`. Allocates; seconds of work at high
    /// rates: never on the audio thread.
    pub fn new(set: &HrirSet, sample_rate: f64) -> Result<SpeakerBank, DesignError> {
        Self::new_until(set, sample_rate, &|| false)
    }

    /// [`SpeakerBank::new`], asking `stop` before each angle's design.
    pub fn new_until(
        set: &HrirSet,
        sample_rate: f64,
        stop: &dyn Fn() -> bool,
    ) -> Result<SpeakerBank, DesignError> {
        // The measured direction for each angle (left speaker: +azimuth).
        let mut dirs = Vec::new();
        let mut by_angle = Vec::new();
        for angle in ANGLE_MIN_DEG..=ANGLE_MAX_DEG {
            let (dir, dist) = set
                .nearest(angle as f64, 0.0)
                .ok_or(DesignError::NoDirection {
                    angle_deg: angle,
                    nearest_deg: f64::INFINITY,
                })?;
            if dist > MAX_DIRECTION_ERROR_DEG {
                return Err(DesignError::NoDirection {
                    angle_deg: angle,
                    nearest_deg: dist,
                });
            }
            let i = dirs.iter().position(|d| *d == dir).unwrap_or_else(|| {
                dirs.push(dir);
                dirs.len() - 1
            });
            by_angle.push(i);
        }
        let direct_taps = taps_for(DIRECT_S, sample_rate);
        let room_taps = taps_for(room::length_s(), sample_rate);
        let ear_fft = Fft::new(((EAR_FFT_S * sample_rate) as usize).next_power_of_two());
        let fft = Fft::new((2 * room_taps).next_power_of_two());
        // The same diffuse tail (one per ear) behind every angle.
        let tails = TAIL_SEEDS.map(|seed| {
            tail_at(
                seed,
                sample_rate,
                room_taps,
                room::mixing_s(),
                room::reverberation_s(),
            )
        });
        let mut ears: Vec<Option<EarPair>> = vec![None; set.directions.len()];
        let mut pair_of = |dir: usize| -> EarPair {
            ears[dir]
                .get_or_insert_with(|| ear_pair(set, dir, &ear_fft, sample_rate))
                .clone()
        };
        let pairs = dirs
            .iter()
            .map(|&dir| {
                if stop() {
                    return Err(DesignError::Stopped);
                }
                let direct = pair_of(dir);
                let az = set.directions[dir].azimuth_deg;
                // Room 100 %: the direct sound, every reflection through the HRTF of its
                // direction (timed at the centre of the head), and the diffuse tail.
                let mut full = [vec![0.0; fft.n], vec![0.0; fft.n]];
                let mut reflected_energy = 0.0;
                for path in room::reflections(az) {
                    let (d, _) = set
                        .nearest(path.azimuth_deg, path.elevation_deg)
                        .expect("the set is not empty");
                    let p = pair_of(d);
                    let at = path.delay_s + 0.5 * (direct.data_itd_s.abs() - p.data_itd_s.abs());
                    let start = (at.max(0.0) * sample_rate).round() as usize;
                    for (out, ear) in full.iter_mut().zip(&p.ears) {
                        for (o, v) in out.iter_mut().skip(start).zip(ear) {
                            *o += path.gain * v;
                        }
                    }
                    reflected_energy += path.gain * path.gain;
                }
                let direct_energy = 0.5 * (energy(&direct.ears[0]) + energy(&direct.ears[1]));
                let tail_share = (room::reverberant_to_direct() - reflected_energy).max(0.0);
                for (ear, tail) in tails.iter().enumerate() {
                    let scale = (tail_share * direct_energy / energy(tail).max(1e-30)).sqrt();
                    for (o, v) in full[ear].iter_mut().zip(tail) {
                        *o += scale * v;
                    }
                }
                // The room above its Schroeder frequency, then the direct sound.
                for (ear, direct_ear) in full.iter_mut().zip(&direct.ears) {
                    *ear = room_highpass(&fft, sample_rate, ear);
                    for (o, v) in ear.iter_mut().zip(direct_ear) {
                        *o += v;
                    }
                }
                // Mid and side, each equalised so the mid is flat.
                let design = |pair: [&[f64]; 2], taps: usize| -> [Vec<f64>; 2] {
                    let (l, r) = (fft.spectrum(pair[0]), fft.spectrum(pair[1]));
                    let mid: Vec<Complex64> = l.iter().zip(&r).map(|(a, b)| a + b).collect();
                    let side: Vec<Complex64> = l.iter().zip(&r).map(|(a, b)| a - b).collect();
                    let eq = flat_eq(&fft, sample_rate, &mid);
                    let apply = |x: &[Complex64]| {
                        let y: Vec<Complex64> = x.iter().zip(&eq).map(|(a, e)| a * e).collect();
                        truncated(&fft.impulse(&y), taps)
                    };
                    [apply(&mid), apply(&side)]
                };
                // Mid and side are LL + LR and LL - LR of the left speaker (the right one
                // mirrors it); the renderer feeds them (L + R)/2 and (L - R)/2, so a
                // centred input x reaches each ear as mid · x: flat.
                let d = design([&direct.ears[0], &direct.ears[1]], direct_taps);
                let w = design([&full[0], &full[1]], room_taps);
                let r: [Vec<f64>; 2] = std::array::from_fn(|c| {
                    w[c].iter()
                        .enumerate()
                        .map(|(i, v)| v - d[c].get(i).copied().unwrap_or(0.0))
                        .collect()
                });
                let spec = |x: &[Vec<f64>; 2]| [fft.spectrum(&x[0]), fft.spectrum(&x[1])];
                let (ds, rs) = (spec(&d), spec(&r));
                let half_band = 2f64.powf(1.0 / 12.0);
                let band_list = powers(&fft, sample_rate, &ds, &rs, GRID_LEN, |i| {
                    (grid_hz(i) / half_band, grid_hz(i) * half_band)
                });
                let plot_len = ((0.5 * sample_rate / PLOT_START_HZ).log2() * PLOT_POINTS_PER_OCTAVE)
                    as usize
                    + 1;
                // A speaker reaches its own side's ear as (mid + side) / 2, the other as
                // (mid - side) / 2 (complex: the phases between them count here).
                let ears = |x: &[Vec<Complex64>; 2]| -> [Vec<Complex64>; 2] {
                    let (m, s) = (&x[0], &x[1]);
                    [
                        m.iter().zip(s).map(|(a, b)| 0.5 * (a + b)).collect(),
                        m.iter().zip(s).map(|(a, b)| 0.5 * (a - b)).collect(),
                    ]
                };
                let half_plot = 2f64.powf(0.5 * PLOT_SMOOTHING_OCTAVES);
                let plot = powers(&fft, sample_rate, &ears(&ds), &ears(&rs), plot_len, |i| {
                    let f = PLOT_START_HZ * 2f64.powf(i as f64 / PLOT_POINTS_PER_OCTAVE);
                    (f / half_plot, f * half_plot)
                });
                let bands = std::array::from_fn(|c| std::array::from_fn(|b| band_list[b][c]));
                let to_f32 = |x: &Vec<f64>| x.iter().map(|v| *v as f32).collect::<Vec<f32>>();
                let direct_ir = [to_f32(&d[0]), to_f32(&d[1])];
                let room_ir = [to_f32(&r[0]), to_f32(&r[1])];
                Ok(SpeakerPair {
                    measured_deg: az,
                    data_itd_s: direct.data_itd_s,
                    direct: [Kernel::new(&direct_ir[0]), Kernel::new(&direct_ir[1])],
                    room: [Kernel::new(&room_ir[0]), Kernel::new(&room_ir[1])],
                    bands,
                    plot,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SpeakerBank {
            sample_rate,
            name: set.name.clone(),
            pairs,
            by_angle,
            direct_taps,
            room_taps,
        })
    }

    /// The responses for `angle_deg` (clamped into the offered range).
    pub fn pair(&self, angle_deg: u32) -> &SpeakerPair {
        let i = angle_deg.clamp(ANGLE_MIN_DEG, ANGLE_MAX_DEG) - ANGLE_MIN_DEG;
        &self.pairs[self.by_angle[i as usize]]
    }
}
