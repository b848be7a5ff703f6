//! The EQ stage: your-headphones correction, then the voicing, as one cascade of biquads
//! (one cascade, so the wide path pairs a correction section with a voicing section in one
//! register; see `cascade.rs`).

use num_complex::Complex64;

use super::biquad::{Coeffs, Section};
use super::cascade::{Cascade, MAX_CASCADE, SectionList};
use super::loudness::{self, GRID_LEN, LevelGrid};
use super::prepared::Prepared;
use super::spatial::FrameKernel;
use super::stage::{Mat2, Probe, Response, Stage, StageDesign};

/// Where an EQ's sections come from. Built-in voicings are static tables; a correction
/// fitted from the user's measurement is a [`Prepared`] resource. Comparing two sources is
/// cheap (a pointer or a publish number, at most a table of ten sections), so the engine
/// may compare configurations every sub-block.
#[derive(Debug, Clone, Default)]
pub enum EqSource {
    #[default]
    Flat,
    /// A built-in table, as it is.
    Static(&'static [Section]),
    /// The exact inverse of a built-in table (a correction from a measured headphone).
    Inverse(&'static [Section]),
    /// Sections prepared off the audio thread (a loaded measurement's correction).
    Prepared(Prepared<SectionList>),
}

impl PartialEq for EqSource {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (EqSource::Flat, EqSource::Flat) => true,
            // Usually the same table (one pointer compare); a table reached through a
            // `const` may sit at another address, so fall back to its contents.
            (EqSource::Static(a), EqSource::Static(b))
            | (EqSource::Inverse(a), EqSource::Inverse(b)) => std::ptr::eq(*a, *b) || a == b,
            (EqSource::Prepared(a), EqSource::Prepared(b)) => a == b,
            _ => false,
        }
    }
}

impl EqSource {
    /// Sections built on the spot (tools, tests): see [`Prepared::standalone`].
    pub fn standalone(sections: SectionList) -> Self {
        EqSource::Prepared(Prepared::standalone(sections))
    }

    /// The sections this source plays.
    pub fn sections(&self) -> SectionList {
        match self {
            EqSource::Flat => SectionList::EMPTY,
            EqSource::Static(s) => SectionList::from_slice(s),
            EqSource::Inverse(s) => SectionList::from_slice(s).inverse(),
            EqSource::Prepared(p) => **p,
        }
    }

    /// The publish number of a prepared source (which the audio thread must keep alive).
    pub fn prepared_id(&self) -> Option<u64> {
        match self {
            EqSource::Prepared(p) => Some(p.id()),
            _ => None,
        }
    }
}

/// Correction and voicing designed at one sample rate, with their power averaged over
/// each band of the level-match grid.
#[derive(Debug, Clone)]
pub struct EqDesign {
    correction: EqSource,
    voicing: EqSource,
    coeffs: [Coeffs; MAX_CASCADE],
    len: usize,
    /// |EQ|² averaged over each level-match band (`loudness::band_power`).
    band_power: [f64; GRID_LEN],
}

impl EqDesign {
    pub fn flat() -> Self {
        Self {
            correction: EqSource::Flat,
            voicing: EqSource::Flat,
            coeffs: [Coeffs::IDENTITY; MAX_CASCADE],
            len: 0,
            band_power: [1.0; GRID_LEN],
        }
    }

    /// Design the sections of `correction` then `voicing` (the costly part of a model
    /// switch: magnitude-matched sections, `Section::coeffs`).
    pub fn new(correction: &EqSource, voicing: &EqSource, grid: &LevelGrid) -> Self {
        let mut design = Self::flat();
        design.correction = correction.clone();
        design.voicing = voicing.clone();
        let (c, v) = (correction.sections(), voicing.sections());
        for (slot, section) in design
            .coeffs
            .iter_mut()
            .zip(c.as_slice().iter().chain(v.as_slice()))
        {
            *slot = section.coeffs(grid.sample_rate);
            design.len += 1;
        }
        design.band_power = loudness::band_power(design.coeffs(), &grid.fine_cos);
        design
    }

    /// Whether this design already plays these sources (nothing to redesign).
    pub fn plays(&self, correction: &EqSource, voicing: &EqSource) -> bool {
        self.correction == *correction && self.voicing == *voicing
    }

    pub fn coeffs(&self) -> &[Coeffs] {
        &self.coeffs[..self.len]
    }

    pub fn sources(&self) -> (&EqSource, &EqSource) {
        (&self.correction, &self.voicing)
    }
}

impl StageDesign for EqDesign {
    /// The cascade's complex response; at a level-match band, the band's RMS gain (the EQ
    /// is the same on both channels, so its phase does not change any power downstream).
    fn response(&self, at: &Probe) -> Response {
        if let Some(band) = at.band {
            return Response::scalar(Complex64::new(self.band_power[band].sqrt(), 0.0));
        }
        let h = self.coeffs().iter().fold(Complex64::new(1.0, 0.0), |h, c| {
            let (re, im) = c.response_at(&at.z);
            h * Complex64::new(re, im)
        });
        Response::scalar(h)
    }
}

/// The running cascade.
#[derive(Debug, Clone, Default)]
pub struct EqStage {
    cascade: Cascade,
}

impl EqStage {
    /// Run these designed sections (state cleared).
    pub fn configure(&mut self, design: &EqDesign) {
        self.cascade.set_coeffs(design.coeffs());
    }

    /// The cascade, then the spatial stage's kernel frame by frame, then `post`, in one
    /// loop (the chain's steady path, `Chain::process`); the topology is decided once here.
    pub fn process_then(&mut self, io: &mut [[f64; 2]], spatial: FrameKernel<'_>, post: Mat2) {
        let cascade = &mut self.cascade;
        match spatial {
            FrameKernel::Through => cascade.process(io, |f| post.apply(f)),
            FrameKernel::Crossfeed(xf) if xf.is_mono_flat() => {
                cascade.process(io, |f| post.apply(xf.tick_mono_flat(f)))
            }
            FrameKernel::Crossfeed(xf) => cascade.process(io, |f| post.apply(xf.tick_core(f))),
        }
    }

    /// Biquad sections per channel.
    pub fn len(&self) -> usize {
        self.cascade.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cascade.is_empty()
    }
}

impl Stage for EqStage {
    fn process(&mut self, io: &mut [[f64; 2]]) {
        if !self.cascade.is_empty() {
            self.cascade.process(io, |f| f);
        }
    }

    fn reset(&mut self) {
        self.cascade.reset();
    }

    fn flush_denormals(&mut self) {
        self.cascade.flush_denormals();
    }

    fn is_finite(&self) -> bool {
        self.cascade.is_finite()
    }
}
