//! Class voicings: Open-back and Closed-back. (First cut; re-derived from the measured
//! data by the fit-models work.)

use super::{HeadphoneClass, Voicing};
use crate::dsp::biquad::{Section, SectionKind};

pub const OPEN_BACK: Voicing = Voicing {
    name: "Open-back",
    class: HeadphoneClass::Open,
    sections: &[Section::new(SectionKind::LowShelf, 60.0, 0.7, -4.0)],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};

pub const CLOSED_BACK: Voicing = Voicing {
    name: "Closed-back",
    class: HeadphoneClass::Closed,
    sections: &[Section::new(SectionKind::LowShelf, 100.0, 0.7, 3.0)],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};
