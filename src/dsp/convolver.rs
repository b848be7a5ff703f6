//! Zero-latency, allocation-free partitioned FFT convolution.
//!
//! # What it computes
//!
//! `y[n] = sum_j ir[j] * x[n - j]`, sample-exact and with zero latency: output sample `n`
//! includes `ir[0] * x[n]` and depends only on input samples up to `n`.
//!
//! # How the kernel is split
//!
//! The impulse response is cut into three consecutive segments, each handled by a
//! different method so that the cost per frame stays low and flat:
//!
//! ```text
//!  taps:  0 ........ 32 ................ 512 ..................................... len
//!         |  head    |   small level      |   large level                          |
//!         | direct   | 15 partitions x 32 | partitions x 256 (time-distributed)    |
//!         | per frame| FFT size 64        | FFT size 512                           |
//! ```
//!
//! * **Head** (taps `0..PARTITION`): convolved directly in the time domain from a short
//!   input history (the last two `PARTITION`-frame blocks), eight output frames at a time
//!   (vectorised across frames) and single frames for the remainder of a piece. This is
//!   what makes the convolver latency-free.
//! * **Small level** (taps `PARTITION..LARGE_START`): uniformly partitioned overlap-save
//!   convolution with partitions of `PARTITION` taps and FFT size `2 * PARTITION`. Every
//!   time `PARTITION` input frames have been collected, the spectrum of the last
//!   `2 * PARTITION` input samples is pushed into a frequency-domain delay line (FDL).
//!   The output of partition `q` (taps starting at `PARTITION * (q + 1)`) for the *next*
//!   block only needs input spectra that already exist, so the small level computes the
//!   complete tail output of the next `PARTITION` frames in one go:
//!   `Y = sum_q H_q * X_(newest - q)`, one inverse FFT, keep the last `PARTITION` samples.
//! * **Large level** (taps from `LARGE_START` on): the same scheme with partitions of
//!   `LARGE_BLOCK` taps and FFT size `2 * LARGE_BLOCK`. Because its first partition
//!   starts two large blocks into the kernel, the output for large block `j + 2` only
//!   needs input up to large block `j`, so it can be computed during the whole of block
//!   `j + 1`. That work (one forward FFT, the multiply-accumulate over all partitions,
//!   one inverse FFT) is cut into `LARGE_SLICES` slices, one per `PARTITION`-frame period:
//!   the forward FFT runs in slice 0, the inverse FFT in the last slice, and the
//!   multiply-accumulate bins are shared out so that every slice costs about the same.
//!   The finished block waits in a second buffer until its turn to be played.
//!
//! All work other than the head happens on `PARTITION`-frame period boundaries, and each
//! period does the same amount of work whatever block size the host uses, so there are
//! no CPU spikes. Host blocks of any length are cut internally into pieces that never
//! cross a period boundary.
//!
//! # Data layout
//!
//! Spectra are stored as split real / imaginary `f32` arrays, one row of `stride` bins per
//! partition (`stride` = bins rounded up to a multiple of `LANES`, padding kept at zero).
//! The multiply-accumulate walks a group of `WIDE` bins across all partitions while the
//! accumulators stay in registers; these fixed-width loops auto-vectorise on plain SSE2.
//! Kernel spectra are pre-scaled by `1 / fft_size`, so the inverse FFT needs no scaling.
//!
//! # Real-time safety
//!
//! [`Kernel::new`] and [`Convolver::new`] allocate and plan FFTs and must run off the audio
//! thread. [`Convolver::process`], [`Convolver::process_add`], [`Convolver::reset`] and
//! [`Convolver::is_finite`] never allocate, lock or make system calls.
//!
//! # Changing kernels
//!
//! One `Convolver` may be used with different `Kernel`s over time, but call
//! [`Convolver::reset`] before switching. (Switching without a reset is memory-safe but
//! for up to `LARGE_START + LARGE_BLOCK` frames the output mixes tail contributions
//! computed with the old kernel, and a level that the old kernel did not use starts from
//! stale state.) The first `process` call with a new kernel copies its head and, when the
//! kernel must be truncated in the middle of a partition, transforms that one partition
//! (one FFT of at most `2 * LARGE_BLOCK` points, done once per kernel change).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Frames per partition: the chain calls `process` with blocks of 1..=32 frames, in any mix of lengths.
pub const PARTITION: usize = 32;

/// Number of taps convolved directly in the time domain.
const HEAD_TAPS: usize = PARTITION;

/// Taps per partition (and frames per block) of the large level.
const LARGE_BLOCK: usize = 256;

/// First tap handled by the large level. Two large blocks, so the large level has one
/// whole large block of time to compute each output block.
const LARGE_START: usize = 2 * LARGE_BLOCK;

/// Number of `PARTITION`-frame periods in one large block: the large level's work is
/// spread over this many slices.
const LARGE_SLICES: usize = LARGE_BLOCK / PARTITION;

// The large block must be a whole number (at least two) of periods, so that the forward
// and inverse FFTs of the large level fall in different periods.
const _: () = assert!(LARGE_BLOCK.is_multiple_of(PARTITION) && LARGE_SLICES >= 2);

/// Bins per SIMD register (SSE2 holds four `f32`).
const LANES: usize = 4;

/// Bins processed together by the multiply-accumulate inner loop (two registers per
/// accumulator: enough independent chains to hide adder latency without spilling).
const WIDE: usize = 2 * LANES;

/// Frames computed together by the head convolution (two SSE2 registers of outputs).
const HEAD_FRAMES: usize = 8;

/// Independent partial sums in the single-frame head dot product (two SSE2 registers).
const HEAD_ACCUMULATORS: usize = 8;

/// Estimated cost of one large-level FFT (forward or inverse), measured in units of the
/// multiply-accumulate of one `LANES`-bin group for one partition. Used only to balance
/// the slices of the large level; the result is correct for any value.
const LARGE_FFT_COST: usize = 450;

/// Source of unique kernel identities (0 means "no kernel prepared").
static NEXT_KERNEL_ID: AtomicU64 = AtomicU64::new(1);

/// Where one partitioned level sits in the kernel.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    /// Taps per partition; the FFT size is twice this.
    block: usize,
    /// First tap covered.
    start: usize,
    /// One past the last tap covered (`usize::MAX`: unbounded).
    end: usize,
}

impl Geometry {
    /// Complex bins of a real FFT of size `2 * block`.
    const fn bins(self) -> usize {
        self.block + 1
    }
    /// Bins rounded up to whole SIMD groups.
    const fn stride(self) -> usize {
        self.bins().div_ceil(LANES) * LANES
    }
    /// Number of SIMD groups per spectrum row.
    const fn groups(self) -> usize {
        self.stride() / LANES
    }
    /// Number of partitions needed for a kernel of `taps` taps.
    fn parts(self, taps: usize) -> usize {
        if taps <= self.start {
            0
        } else {
            (taps.min(self.end) - self.start).div_ceil(self.block)
        }
    }
}

/// The small level: partitions of `PARTITION` taps between the head and the large level.
const SMALL: Geometry = Geometry {
    block: PARTITION,
    start: HEAD_TAPS,
    end: LARGE_START,
};

/// The large level: partitions of `LARGE_BLOCK` taps for everything from `LARGE_START` on.
const LARGE: Geometry = Geometry {
    block: LARGE_BLOCK,
    start: LARGE_START,
    end: usize::MAX,
};

/// The frequency-domain kernel of one level: `parts` rows of `stride` bins.
#[derive(Clone, Debug)]
struct PartitionSpectra {
    parts: usize,
    re: Vec<f32>,
    im: Vec<f32>,
}

/// FFT plans and work buffers for transforming blocks of one level.
#[derive(Clone)]
struct Transformer {
    fwd: Arc<dyn RealToComplex<f32>>,
    inv: Arc<dyn ComplexToReal<f32>>,
    /// Time-domain work buffer, `2 * block` samples (the FFTs overwrite their input).
    time: Vec<f32>,
    /// Interleaved complex work buffer, `bins` values.
    spec: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl Transformer {
    fn new(geo: Geometry, planner: &mut RealFftPlanner<f32>) -> Transformer {
        let size = 2 * geo.block;
        let fwd = planner.plan_fft_forward(size);
        let inv = planner.plan_fft_inverse(size);
        let scratch_len = fwd.get_scratch_len().max(inv.get_scratch_len());
        Transformer {
            fwd,
            inv,
            time: vec![0.0; size],
            spec: vec![Complex::new(0.0, 0.0); geo.bins()],
            scratch: vec![Complex::new(0.0, 0.0); scratch_len],
        }
    }

    /// Forward-transforms `self.time` and writes the spectrum, split, into `re` / `im`
    /// (the first `bins` entries; padding is left untouched).
    fn forward_split(&mut self, re: &mut [f32], im: &mut [f32]) {
        // Lengths are fixed at construction, so this cannot fail.
        let _ = self
            .fwd
            .process_with_scratch(&mut self.time, &mut self.spec, &mut self.scratch);
        for ((c, r), i) in self.spec.iter().zip(re.iter_mut()).zip(im.iter_mut()) {
            *r = c.re;
            *i = c.im;
        }
    }

    /// Transforms one kernel partition (`taps`, at most `block` long) into `re` / `im`,
    /// scaled so that the unnormalised inverse FFT gives the right amplitude.
    fn kernel_partition(&mut self, taps: &[f32], re: &mut [f32], im: &mut [f32]) {
        let scale = 1.0 / self.time.len() as f32;
        self.time.fill(0.0);
        for (t, &h) in self.time.iter_mut().zip(taps) {
            *t = h * scale;
        }
        self.forward_split(re, im);
    }

    /// Inverse-transforms the split spectrum `re` / `im` into `self.time`.
    fn inverse_split(&mut self, re: &[f32], im: &[f32]) {
        for ((c, &r), &i) in self.spec.iter_mut().zip(re).zip(im) {
            *c = Complex::new(r, i);
        }
        // DC and Nyquist of a real signal are real; force exact zeros so the inverse
        // transform accepts the input.
        let last = self.spec.len() - 1;
        self.spec[0].im = 0.0;
        self.spec[last].im = 0.0;
        // Lengths are fixed at construction, so this cannot fail.
        let _ = self
            .inv
            .process_with_scratch(&mut self.spec, &mut self.time, &mut self.scratch);
    }
}

impl PartitionSpectra {
    fn new(geo: Geometry, ir: &[f32], tf: &mut Transformer) -> PartitionSpectra {
        let parts = geo.parts(ir.len());
        let stride = geo.stride();
        let mut re = vec![0.0; parts * stride];
        let mut im = vec![0.0; parts * stride];
        for q in 0..parts {
            let first = geo.start + q * geo.block;
            let last = (first + geo.block).min(ir.len()).min(geo.end);
            let row = q * stride..(q + 1) * stride;
            tf.kernel_partition(&ir[first..last], &mut re[row.clone()], &mut im[row]);
        }
        PartitionSpectra { parts, re, im }
    }
}

/// The prepared, immutable kernel (built off the audio thread; may allocate, plan FFTs).
///
/// Holds the impulse response itself (the head is read from it) and the spectra of all
/// partitions of the small and large levels. It is `Send + Sync` and meant to be shared,
/// e.g. through an `Arc`, between the thread that builds it and the audio thread.
#[derive(Clone)]
pub struct Kernel {
    /// Unique identity, so a convolver can tell when it is given a different kernel.
    id: u64,
    taps: Vec<f32>,
    small: PartitionSpectra,
    large: PartitionSpectra,
}

impl Kernel {
    /// Prepares the impulse response `ir` (any length; empty gives silence).
    pub fn new(ir: &[f32]) -> Kernel {
        let mut planner = RealFftPlanner::<f32>::new();
        let mut small_tf = Transformer::new(SMALL, &mut planner);
        let mut large_tf = Transformer::new(LARGE, &mut planner);
        Kernel {
            id: NEXT_KERNEL_ID.fetch_add(1, Ordering::Relaxed),
            taps: ir.to_vec(),
            small: PartitionSpectra::new(SMALL, ir, &mut small_tf),
            large: PartitionSpectra::new(LARGE, ir, &mut large_tf),
        }
    }

    /// Number of taps.
    pub fn len(&self) -> usize {
        self.taps.len()
    }

    /// True for an empty kernel.
    pub fn is_empty(&self) -> bool {
        self.taps.is_empty()
    }
}

/// The running state of one partitioned level (small or large).
#[derive(Clone)]
struct Level {
    geo: Geometry,
    /// Periods per block of this level (1 for the small level).
    slices: usize,
    /// Slots in the frequency-domain delay line (partitions allowed by `max_taps`).
    capacity: usize,
    /// Last two blocks of input, oldest first; the newest block is being filled.
    input: Vec<f32>,
    /// Frames already in the newest input block.
    fill: usize,
    /// Slice to run at the next period boundary; `slices` means idle.
    phase: usize,
    /// Frequency-domain delay line: `capacity` rows of input spectra (split re / im).
    fdl_re: Vec<f32>,
    fdl_im: Vec<f32>,
    /// Row of the newest spectrum.
    newest: usize,
    /// Rows pushed since the last reset (at most `capacity`): only these are read, so a
    /// reset does not clear the delay line (a chain's reset at every switch cleared
    /// ~170 kB of the room's, which made a crossfade cost 2.15 times the steady chain).
    filled: usize,
    /// Accumulated output spectrum.
    acc_re: Vec<f32>,
    acc_im: Vec<f32>,
    /// Output block being played.
    out_cur: Vec<f32>,
    /// Output block being computed (large level only; played after the current one).
    out_next: Vec<f32>,
    tf: Transformer,
    /// Partitions used with the prepared kernel (including a truncated one).
    parts: usize,
    /// Whether the last used partition is cut by `max_taps` (its spectrum is in `trunc_*`).
    cut: bool,
    trunc_re: Vec<f32>,
    trunc_im: Vec<f32>,
}

impl Level {
    fn new(geo: Geometry, max_taps: usize, planner: &mut RealFftPlanner<f32>) -> Level {
        let capacity = geo.parts(max_taps);
        let stride = geo.stride();
        let rows = capacity.max(1) * stride;
        Level {
            geo,
            slices: geo.block / PARTITION,
            capacity,
            input: vec![0.0; 2 * geo.block],
            fill: 0,
            phase: geo.block / PARTITION,
            fdl_re: vec![0.0; rows],
            fdl_im: vec![0.0; rows],
            newest: 0,
            filled: 0,
            acc_re: vec![0.0; stride],
            acc_im: vec![0.0; stride],
            out_cur: vec![0.0; geo.block],
            out_next: vec![0.0; geo.block],
            tf: Transformer::new(geo, planner),
            parts: 0,
            cut: false,
            trunc_re: vec![0.0; stride],
            trunc_im: vec![0.0; stride],
        }
    }

    fn reset(&mut self) {
        self.input.fill(0.0);
        self.fill = 0;
        self.phase = self.slices;
        // The delay line keeps its old rows: none of them is read again (`filled`).
        self.newest = 0;
        self.filled = 0;
        self.acc_re.fill(0.0);
        self.acc_im.fill(0.0);
        self.out_cur.fill(0.0);
        self.out_next.fill(0.0);
    }

    fn is_finite(&self) -> bool {
        let stride = self.geo.stride();
        let live_rows = (0..self.filled).all(|q| {
            let row = (self.newest + self.capacity - q) % self.capacity * stride;
            all_finite(&self.fdl_re[row..row + stride])
                && all_finite(&self.fdl_im[row..row + stride])
        });
        live_rows
            && [
                &self.input,
                &self.acc_re,
                &self.acc_im,
                &self.out_cur,
                &self.out_next,
            ]
            .iter()
            .all(|buf| all_finite(buf))
    }

    /// Adapts to a new kernel whose used length is `taps` (already limited to max_taps).
    fn prepare(&mut self, kernel_taps: &[f32], taps: usize) {
        let geo = self.geo;
        self.parts = geo.parts(taps);
        self.cut = taps < kernel_taps.len()
            && self.parts > 0
            && taps < geo.end
            && !(taps - geo.start).is_multiple_of(geo.block);
        if self.cut {
            let first = geo.start + (self.parts - 1) * geo.block;
            self.trunc_re.fill(0.0);
            self.trunc_im.fill(0.0);
            self.tf.kernel_partition(
                &kernel_taps[first..taps],
                &mut self.trunc_re,
                &mut self.trunc_im,
            );
        }
        if self.parts == 0 {
            // An unused level must contribute silence.
            self.out_cur.fill(0.0);
            self.out_next.fill(0.0);
        }
    }

    /// Stores `frames` (which never cross a period boundary) in the input block.
    #[inline]
    fn push_input(&mut self, offset_in_period: usize, frames: &[f32]) {
        let at = self.geo.block + self.fill + offset_in_period;
        self.input[at..at + frames.len()].copy_from_slice(frames);
    }

    /// Runs at every `PARTITION`-frame period boundary.
    fn end_period(&mut self, spectra: &PartitionSpectra) {
        let block = self.geo.block;
        self.fill += PARTITION;
        let block_done = self.fill == block;
        if block_done {
            self.fill = 0;
            if self.parts > 0 {
                if self.slices > 1 {
                    std::mem::swap(&mut self.out_cur, &mut self.out_next);
                }
                // Push the spectrum of the last two input blocks into the delay line.
                self.newest = if self.newest + 1 >= self.capacity {
                    0
                } else {
                    self.newest + 1
                };
                self.filled = (self.filled + 1).min(self.capacity);
                let stride = self.geo.stride();
                let row = self.newest * stride..self.newest * stride + stride;
                self.tf.time.copy_from_slice(&self.input);
                self.tf
                    .forward_split(&mut self.fdl_re[row.clone()], &mut self.fdl_im[row]);
                self.phase = 0;
            }
            self.input.copy_within(block.., 0);
        }
        if self.parts == 0 || self.phase >= self.slices {
            return;
        }
        let (g0, g1) = self.slice_groups(self.phase);
        self.multiply_accumulate(spectra, g0, g1);
        if self.phase + 1 == self.slices {
            self.tf.inverse_split(&self.acc_re, &self.acc_im);
            let dest = if self.slices > 1 {
                &mut self.out_next
            } else {
                &mut self.out_cur
            };
            dest.copy_from_slice(&self.tf.time[block..]);
        }
        self.phase += 1;
    }

    /// The range of SIMD groups whose multiply-accumulate runs in slice `phase`, chosen so
    /// that every slice (counting the forward FFT in the first and the inverse FFT in the
    /// last) has about the same cost.
    fn slice_groups(&self, phase: usize) -> (usize, usize) {
        let groups = self.geo.groups();
        if self.slices == 1 {
            return (0, groups);
        }
        let parts = self.parts.max(1);
        let total = 2 * LARGE_FFT_COST + groups * parts;
        let done_after = |slice: usize| -> usize {
            if slice + 1 >= self.slices {
                return groups;
            }
            let budget = (slice + 1) * total / self.slices;
            (budget.saturating_sub(LARGE_FFT_COST) / parts).min(groups)
        };
        let start = if phase == 0 { 0 } else { done_after(phase - 1) };
        (start, done_after(phase))
    }

    /// `acc[g0..g1] = sum_q H_q * X_(newest - q)` over the groups `g0..g1`.
    fn multiply_accumulate(&mut self, spectra: &PartitionSpectra, g0: usize, g1: usize) {
        let stride = self.geo.stride();
        // Partitions whose input has arrived since the reset (the others see silence).
        let used = self.filled.min(self.parts);
        let full = used.min(self.parts - self.cut as usize);
        let cut = self.cut && used == self.parts;
        debug_assert!(full <= spectra.parts);
        let fdl = Fdl {
            re: &self.fdl_re,
            im: &self.fdl_im,
            stride,
            capacity: self.capacity,
        };
        let kernel = Rows {
            re: &spectra.re,
            im: &spectra.im,
            stride,
        };
        let (lo, hi) = (g0 * LANES, g1 * LANES);
        mac_range(
            &mut self.acc_re[lo..hi],
            &mut self.acc_im[lo..hi],
            &fdl,
            self.newest,
            &kernel,
            full,
            lo,
            false,
        );
        if cut {
            let oldest = (self.newest + self.capacity - full) % self.capacity;
            let trunc = Rows {
                re: &self.trunc_re,
                im: &self.trunc_im,
                stride,
            };
            mac_range(
                &mut self.acc_re[lo..hi],
                &mut self.acc_im[lo..hi],
                &fdl,
                oldest,
                &trunc,
                1,
                lo,
                true,
            );
        }
    }
}

/// The frequency-domain delay line, read-only view.
struct Fdl<'a> {
    re: &'a [f32],
    im: &'a [f32],
    stride: usize,
    capacity: usize,
}

/// Kernel spectra rows, read-only view.
struct Rows<'a> {
    re: &'a [f32],
    im: &'a [f32],
    stride: usize,
}

/// Complex multiply-accumulate of `parts` kernel rows against the delay line, starting
/// with delay-line row `newest` and going back in time, for bins `bin0..bin0 + acc.len()`.
/// Overwrites `acc` unless `add`.
#[allow(clippy::too_many_arguments)]
fn mac_range(
    acc_re: &mut [f32],
    acc_im: &mut [f32],
    fdl: &Fdl,
    newest: usize,
    kernel: &Rows,
    parts: usize,
    bin0: usize,
    add: bool,
) {
    let n = acc_re.len();
    // Every index used by `mac_chunk` is checked here, once per call, so that its inner
    // loop can run without per-element bounds checks.
    assert!(
        acc_im.len() == n
            && fdl.stride == kernel.stride
            && bin0 + n <= fdl.stride
            && n.is_multiple_of(LANES)
            && parts <= fdl.capacity
            && (parts == 0 || newest < fdl.capacity)
            && fdl.re.len() >= fdl.capacity * fdl.stride
            && fdl.im.len() >= fdl.capacity * fdl.stride
            && kernel.re.len() >= parts * kernel.stride
            && kernel.im.len() >= parts * kernel.stride,
        "mac_range: inconsistent sizes"
    );
    let mut b = 0;
    while b + WIDE <= n {
        // SAFETY: bin0 + b + WIDE <= bin0 + n <= stride, checked above.
        unsafe {
            mac_chunk::<WIDE>(
                &mut acc_re[b..b + WIDE],
                &mut acc_im[b..b + WIDE],
                fdl,
                newest,
                kernel,
                parts,
                bin0 + b,
                add,
            );
        }
        b += WIDE;
    }
    while b + LANES <= n {
        // SAFETY: as above, with LANES.
        unsafe {
            mac_chunk::<LANES>(
                &mut acc_re[b..b + LANES],
                &mut acc_im[b..b + LANES],
                fdl,
                newest,
                kernel,
                parts,
                bin0 + b,
                add,
            );
        }
        b += LANES;
    }
}

/// One group of `W` bins: accumulators stay in registers while walking all partitions.
///
/// # Safety
/// `bin + W <= stride`, `parts <= capacity`, `newest < capacity` (if `parts > 0`), and the
/// delay line / kernel arrays hold `capacity` / `parts` rows of `stride` (`mac_range`
/// checks all of this).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn mac_chunk<const W: usize>(
    acc_re: &mut [f32],
    acc_im: &mut [f32],
    fdl: &Fdl,
    newest: usize,
    kernel: &Rows,
    parts: usize,
    bin: usize,
    add: bool,
) {
    let mut ar = [0.0f32; W];
    let mut ai = [0.0f32; W];
    let mut slot = newest;
    let (xre, xim) = (fdl.re.as_ptr(), fdl.im.as_ptr());
    let (hre, him) = (kernel.re.as_ptr(), kernel.im.as_ptr());
    for q in 0..parts {
        let xo = slot * fdl.stride + bin;
        let ho = q * kernel.stride + bin;
        // SAFETY: xo + W <= capacity * stride and ho + W <= parts * stride (see above).
        let (xr, xi, hr, hi) = unsafe {
            (
                &*(xre.add(xo) as *const [f32; W]),
                &*(xim.add(xo) as *const [f32; W]),
                &*(hre.add(ho) as *const [f32; W]),
                &*(him.add(ho) as *const [f32; W]),
            )
        };
        for l in 0..W {
            ar[l] += xr[l] * hr[l] - xi[l] * hi[l];
            ai[l] += xr[l] * hi[l] + xi[l] * hr[l];
        }
        slot = if slot == 0 {
            fdl.capacity - 1
        } else {
            slot - 1
        };
    }
    if add {
        for l in 0..W {
            acc_re[l] += ar[l];
            acc_im[l] += ai[l];
        }
    } else {
        acc_re.copy_from_slice(&ar);
        acc_im.copy_from_slice(&ai);
    }
}

fn all_finite(buf: &[f32]) -> bool {
    // `v * 0` is NaN exactly when `v` is NaN or infinite; summing keeps the loop branch-free.
    buf.iter().fold(0.0f32, |s, &v| s + v * 0.0) == 0.0
}

/// The running state (allocated once, off the audio thread, for kernels up to `max_taps`).
///
/// Use it with one kernel at a time; call [`Convolver::reset`] before switching kernels.
#[derive(Clone)]
pub struct Convolver {
    max_taps: usize,
    /// Identity of the kernel prepared in `head_rev` / levels (0: none yet).
    kernel_id: u64,
    /// Head taps, reversed (`head_rev[i] = ir[HEAD_TAPS - 1 - i]`), zero-padded.
    head_rev: [f32; HEAD_TAPS],
    /// Frames already processed in the current `PARTITION`-frame period.
    pos: usize,
    /// Small level; its input buffer doubles as the head's input history.
    small: Level,
    large: Level,
}

impl Convolver {
    /// Allocates all state for kernels of up to `max_taps` taps.
    pub fn new(max_taps: usize) -> Convolver {
        let mut planner = RealFftPlanner::<f32>::new();
        Convolver {
            max_taps,
            kernel_id: 0,
            head_rev: [0.0; HEAD_TAPS],
            pos: 0,
            small: Level::new(SMALL, max_taps, &mut planner),
            large: Level::new(LARGE, max_taps, &mut planner),
        }
    }

    /// y = ir * x, sample-exact, ZERO latency (output sample n depends on input samples <= n,
    /// and y[n] includes ir[0]*x[n]). `input.len() == output.len()`, any length (loop internally
    /// in pieces so arbitrary lengths work, not only <= 32). No allocation, no lock, no syscall.
    /// A kernel longer than max_taps is truncated to max_taps.
    ///
    /// If the lengths differ, only the shorter length is processed.
    pub fn process(&mut self, kernel: &Kernel, input: &[f32], output: &mut [f32]) {
        self.run::<false>(kernel, input, output);
    }

    /// Like process but adds into output.
    pub fn process_add(&mut self, kernel: &Kernel, input: &[f32], output: &mut [f32]) {
        self.run::<true>(kernel, input, output);
    }

    /// Clears all state: silence in gives silence out afterwards.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.small.reset();
        self.large.reset();
    }

    /// False if any state is NaN or infinite (then call `reset`).
    pub fn is_finite(&self) -> bool {
        self.small.is_finite() && self.large.is_finite()
    }

    /// Prepares the convolver-side copy of what it needs from a (new) kernel.
    fn prepare(&mut self, kernel: &Kernel) {
        self.kernel_id = kernel.id;
        let taps = kernel.len().min(self.max_taps);
        for (i, h) in self.head_rev.iter_mut().enumerate() {
            let tap = HEAD_TAPS - 1 - i;
            *h = if tap < taps { kernel.taps[tap] } else { 0.0 };
        }
        self.small.prepare(&kernel.taps, taps);
        self.large.prepare(&kernel.taps, taps);
    }

    fn run<const ADD: bool>(&mut self, kernel: &Kernel, input: &[f32], output: &mut [f32]) {
        debug_assert_eq!(input.len(), output.len());
        if kernel.id != self.kernel_id {
            self.prepare(kernel);
        }
        let n = input.len().min(output.len());
        let mut done = 0;
        while done < n {
            let m = (PARTITION - self.pos).min(n - done);
            self.piece::<ADD>(&input[done..done + m], &mut output[done..done + m]);
            done += m;
            self.pos += m;
            if self.pos == PARTITION {
                self.pos = 0;
                self.small.end_period(&kernel.small);
                self.large.end_period(&kernel.large);
            }
        }
    }

    /// Processes frames that do not cross a period boundary.
    #[inline]
    fn piece<const ADD: bool>(&mut self, input: &[f32], output: &mut [f32]) {
        let pos = self.pos;
        self.small.push_input(pos, input);
        self.large.push_input(pos, input);
        let history = &self.small.input;
        let small_out = &self.small.out_cur[pos..pos + input.len()];
        let large_at = self.large.fill + pos;
        let large_out = &self.large.out_cur[large_at..large_at + input.len()];
        let head = &self.head_rev;
        let n = input.len();
        // The window of frame i (the last HEAD_TAPS samples up to and including it,
        // oldest first, matching the reversed head) starts at history[first + i].
        let first = pos + 1 + PARTITION - HEAD_TAPS;
        let mut i = 0;
        // Groups of HEAD_FRAMES frames: vectorised across frames (one register of
        // outputs per SIMD width, no horizontal sums).
        while i + HEAD_FRAMES <= n {
            const SPAN: usize = HEAD_TAPS + HEAD_FRAMES - 1;
            let span: &[f32; SPAN] = history[first + i..first + i + SPAN].try_into().unwrap();
            let mut acc = [0.0f32; HEAD_FRAMES];
            for (k, &h) in head.iter().enumerate() {
                let xs: &[f32; HEAD_FRAMES] = span[k..k + HEAD_FRAMES].try_into().unwrap();
                for f in 0..HEAD_FRAMES {
                    acc[f] += h * xs[f];
                }
            }
            let ys: &mut [f32; HEAD_FRAMES] = (&mut output[i..i + HEAD_FRAMES]).try_into().unwrap();
            let ss: &[f32; HEAD_FRAMES] = small_out[i..i + HEAD_FRAMES].try_into().unwrap();
            let ls: &[f32; HEAD_FRAMES] = large_out[i..i + HEAD_FRAMES].try_into().unwrap();
            for f in 0..HEAD_FRAMES {
                let v = acc[f] + ss[f] + ls[f];
                if ADD {
                    ys[f] += v;
                } else {
                    ys[f] = v;
                }
            }
            i += HEAD_FRAMES;
        }
        // Remaining frames one at a time.
        while i < n {
            let window: &[f32; HEAD_TAPS] = history[first + i..first + i + HEAD_TAPS]
                .try_into()
                .unwrap();
            let v = dot_head(head, window) + small_out[i] + large_out[i];
            if ADD {
                output[i] += v;
            } else {
                output[i] = v;
            }
            i += 1;
        }
    }
}

/// Dot product of the reversed head with the input window, with independent partial sums
/// so it vectorises.
#[inline(always)]
fn dot_head(head: &[f32; HEAD_TAPS], window: &[f32; HEAD_TAPS]) -> f32 {
    let mut sum = [0.0f32; HEAD_ACCUMULATORS];
    for (h, w) in head
        .chunks_exact(HEAD_ACCUMULATORS)
        .zip(window.chunks_exact(HEAD_ACCUMULATORS))
    {
        for l in 0..HEAD_ACCUMULATORS {
            sum[l] += h[l] * w[l];
        }
    }
    let mut half = HEAD_ACCUMULATORS / 2;
    while half > 0 {
        for l in 0..half {
            sum[l] += sum[l + half];
        }
        half /= 2;
    }
    sum[0]
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn random_vec(rng: &mut SmallRng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    fn naive(ir: &[f32], x: &[f32]) -> Vec<f64> {
        (0..x.len())
            .map(|n| {
                ir.iter()
                    .take(n + 1)
                    .enumerate()
                    .map(|(j, &h)| h as f64 * x[n - j] as f64)
                    .sum()
            })
            .collect()
    }

    #[derive(Clone, Copy, Debug)]
    enum Chunking {
        Random,
        Fixed(usize),
    }

    fn run_chunked(
        conv: &mut Convolver,
        k: &Kernel,
        x: &[f32],
        chunking: Chunking,
        rng: &mut SmallRng,
    ) -> Vec<f32> {
        let mut y = vec![0.0; x.len()];
        let mut at = 0;
        while at < x.len() {
            let m = match chunking {
                Chunking::Random => rng.random_range(1..=100),
                Chunking::Fixed(m) => m,
            }
            .min(x.len() - at);
            conv.process(k, &x[at..at + m], &mut y[at..at + m]);
            at += m;
        }
        y
    }

    fn assert_close(got: &[f32], want: &[f64], what: &str) {
        let peak = want.iter().fold(0.0f64, |a, &v| a.max(v.abs())).max(1e-30);
        let err = got
            .iter()
            .zip(want)
            .fold(0.0f64, |a, (&g, &w)| a.max((g as f64 - w).abs()));
        assert!(err <= 1e-5 * peak, "{what}: max error {err} vs peak {peak}");
    }

    /// `out`, the response to a unit impulse, is `ir` (then silence), sample by sample.
    fn assert_impulse_response(out: &[f32], ir: &[f32], what: &str) {
        for (n, y) in out.iter().enumerate() {
            let want = ir.get(n).copied().unwrap_or(0.0);
            assert!((y - want).abs() <= 1e-6, "{what}: y[{n}] = {y} vs {want}");
        }
    }

    #[test]
    fn matches_direct_convolution() {
        let mut rng = SmallRng::seed_from_u64(1);
        let x = random_vec(&mut rng, 10_000);
        for &taps in &[0usize, 1, 31, 32, 33, 64, 100, 511, 512, 513, 1000, 5000] {
            let ir = random_vec(&mut rng, taps);
            let want = naive(&ir, &x);
            let k = Kernel::new(&ir);
            assert_eq!(k.len(), taps);
            for chunking in [
                Chunking::Random,
                Chunking::Fixed(1),
                Chunking::Fixed(32),
                Chunking::Fixed(1024),
            ] {
                let mut conv = Convolver::new(taps);
                let got = run_chunked(&mut conv, &k, &x, chunking, &mut rng);
                if taps == 0 {
                    assert!(got.iter().all(|&v| v == 0.0));
                }
                assert_close(&got, &want, &format!("taps {taps}, {chunking:?}"));
            }
        }
    }

    #[test]
    fn long_kernel_with_spare_capacity() {
        let mut rng = SmallRng::seed_from_u64(2);
        let x = random_vec(&mut rng, 12_500);
        let ir: Vec<f32> = random_vec(&mut rng, 12_000)
            .iter()
            .enumerate()
            .map(|(i, v)| v * (-(i as f32) / 3000.0).exp())
            .collect();
        let want = naive(&ir, &x);
        let k = Kernel::new(&ir);
        let mut conv = Convolver::new(20_000);
        let got = run_chunked(&mut conv, &k, &x, Chunking::Random, &mut rng);
        assert_close(&got, &want, "12000 taps");
    }

    #[test]
    fn process_add_adds() {
        let mut rng = SmallRng::seed_from_u64(3);
        let x = random_vec(&mut rng, 3000);
        let ir = random_vec(&mut rng, 700);
        let k = Kernel::new(&ir);
        let mut conv = Convolver::new(700);
        let mut y = vec![0.5f32; x.len()];
        for (xi, yi) in x.chunks(77).zip(y.chunks_mut(77)) {
            conv.process_add(&k, xi, yi);
        }
        let want: Vec<f64> = naive(&ir, &x).iter().map(|v| v + 0.5).collect();
        assert_close(&y, &want, "process_add");
    }

    #[test]
    fn zero_latency_impulse() {
        let mut rng = SmallRng::seed_from_u64(4);
        for &taps in &[1usize, 32, 33, 600, 3000] {
            let ir = random_vec(&mut rng, taps);
            let k = Kernel::new(&ir);
            let mut conv = Convolver::new(taps);
            let mut x = vec![0.0f32; taps + 300];
            x[0] = 1.0;
            let mut y = vec![0.0f32; x.len()];
            // The first output sample alone, then the rest in one call.
            conv.process(&k, &x[..1], &mut y[..1]);
            assert!(
                (y[0] - ir[0]).abs() <= 1e-6,
                "y[0] = {} vs ir[0] = {}",
                y[0],
                ir[0]
            );
            conv.process(&k, &x[1..], &mut y[1..]);
            assert_impulse_response(&y, &ir, &format!("taps {taps}"));
        }
    }

    #[test]
    fn reset_clears_state() {
        let mut rng = SmallRng::seed_from_u64(5);
        let ir = random_vec(&mut rng, 2000);
        let k = Kernel::new(&ir);
        let mut conv = Convolver::new(2000);
        let x = random_vec(&mut rng, 1234);
        let mut y = vec![0.0; x.len()];
        conv.process(&k, &x, &mut y);
        conv.reset();
        let silence = vec![0.0f32; 4000];
        let mut out = vec![1.0f32; silence.len()];
        conv.process(&k, &silence, &mut out);
        assert!(out.iter().all(|&v| v == 0.0), "residue after reset");
        conv.reset();
        let mut imp = vec![0.0f32; 2500];
        imp[0] = 1.0;
        let mut out = vec![0.0f32; imp.len()];
        conv.process(&k, &imp, &mut out);
        assert_impulse_response(&out, &ir, "after reset");
    }

    #[test]
    fn truncates_to_max_taps() {
        let mut rng = SmallRng::seed_from_u64(6);
        let x = random_vec(&mut rng, 4000);
        let ir = random_vec(&mut rng, 3000);
        let k = Kernel::new(&ir);
        // Cuts in the head, in a small partition, on a boundary, and in a large partition.
        for &max in &[0usize, 20, 100, 512, 700, 2999] {
            let want = naive(&ir[..max], &x);
            let mut conv = Convolver::new(max);
            let got = run_chunked(&mut conv, &k, &x, Chunking::Random, &mut rng);
            if max == 0 {
                assert!(got.iter().all(|&v| v == 0.0));
            }
            assert_close(&got, &want, &format!("max_taps {max}"));
        }
    }

    #[test]
    fn switching_kernels_after_reset() {
        let mut rng = SmallRng::seed_from_u64(7);
        let x = random_vec(&mut rng, 3000);
        let mut conv = Convolver::new(1500);
        for &taps in &[1500usize, 40, 900, 2000] {
            let ir = random_vec(&mut rng, taps);
            let k = Kernel::new(&ir);
            conv.reset();
            let got = run_chunked(&mut conv, &k, &x, Chunking::Random, &mut rng);
            let want = naive(&ir[..taps.min(1500)], &x);
            assert_close(&got, &want, &format!("switch to {taps}"));
        }
    }

    #[test]
    fn nan_detected_and_reset_recovers() {
        let ir = vec![0.5f32; 1000];
        let k = Kernel::new(&ir);
        let mut conv = Convolver::new(1000);
        assert!(conv.is_finite());
        let mut x = vec![0.0f32; 100];
        x[10] = f32::NAN;
        let mut y = vec![0.0; 100];
        conv.process(&k, &x, &mut y);
        assert!(!conv.is_finite());
        conv.reset();
        assert!(conv.is_finite());
        let zeros = vec![0.0f32; 2000];
        let mut y = vec![1.0f32; 2000];
        conv.process(&k, &zeros, &mut y);
        assert!(y.iter().all(|&v| v == 0.0));
        assert!(conv.is_finite());
    }

    #[test]
    fn shareable_between_threads() {
        fn check<T: Send + Sync>() {}
        check::<Kernel>();
        check::<Convolver>();
        let k = Arc::new(Kernel::new(&[1.0, 0.5]));
        let k2 = Arc::clone(&k);
        let y = std::thread::spawn(move || {
            let mut conv = Convolver::new(2);
            let mut y = [0.0f32; 3];
            conv.process(&k2, &[1.0, 0.0, 0.0], &mut y);
            y
        })
        .join()
        .unwrap();
        assert_eq!(y, [1.0, 0.5, 0.0]);
        let c = Convolver::new(10).clone();
        assert!(c.is_finite());
    }
}
