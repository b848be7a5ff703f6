//! Placeholder until `cargo xtask fit-models` generates this file.

use super::{HeadphoneClass, Voicing};

pub const SONY_MDR7506: Voicing = Voicing {
    name: "Sony MDR-7506",
    class: HeadphoneClass::Closed,
    sections: &[],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};
pub const KRK_KNS8400: Voicing = Voicing {
    name: "KRK KNS 8400",
    class: HeadphoneClass::Closed,
    sections: &[],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};
pub const AUSTRIAN_AUDIO_HIX55: Voicing = Voicing {
    name: "Austrian Audio Hi-X55 (for Hi-X50)",
    class: HeadphoneClass::Closed,
    sections: &[],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};
pub const BEYERDYNAMIC_DT1990PRO: Voicing = Voicing {
    name: "beyerdynamic DT 1990 Pro",
    class: HeadphoneClass::Open,
    sections: &[],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};
pub const AKG_K702: Voicing = Voicing {
    name: "AKG K702",
    class: HeadphoneClass::Open,
    sections: &[],
    fit_rms_db: 0.0,
    fit_max_db: 0.0,
};
