//! Parameters shared by the audio thread, the editor and the host.
//!
//! Every `#[id]` here is stored in hosts' sessions and automation lanes: they never change
//! once released. Enum variants carry their own stable `#[id]` too, so reordering or adding
//! variants does not remap old sessions.

use std::sync::{Arc, RwLock};

use nice_plug::prelude::*;

use crate::dsp::chain::ROOM_DEFAULT;
use crate::dsp::crossfeed::{
    ITD_MAX_MS, WOODWORTH_ITD_30_DEG_MS, XF_CUTOFF_MAX_HZ, XF_CUTOFF_MIN_HZ, XF_FEED_MAX_DB,
    XF_FEED_MIN_DB,
};
use crate::dsp::speakers::bank::{ANGLE_DEFAULT_DEG, ANGLE_MAX_DEG, ANGLE_MIN_DEG};
use crate::state::{STATE_VERSION, StoredMeasurement};

/// The headphone voicing a slot plays: a neutral pass, the two class models, or one of the
/// measured headphones (see `src/models`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    #[id = "neutral"]
    Neutral,
    #[id = "open"]
    #[name = "Open-back"]
    OpenBack,
    #[id = "closed"]
    #[name = "Closed-back"]
    ClosedBack,
    #[id = "mdr7506"]
    #[name = "Sony MDR-7506"]
    SonyMdr7506,
    #[id = "kns8400"]
    #[name = "KRK KNS 8400"]
    KrkKns8400,
    #[id = "hix55"]
    #[name = "Austrian Audio Hi-X55 (for Hi-X50)"]
    AustrianAudioHiX55,
    #[id = "dt1990"]
    #[name = "beyerdynamic DT 1990 Pro"]
    BeyerdynamicDt1990Pro,
    #[id = "k702"]
    #[name = "AKG K702"]
    AkgK702,
}

/// The crossfeed preset of a slot. The three named presets are bs2b's classic settings
/// (libbs2b `bs2b.h`: `BS2B_DEFAULT_CLEVEL`, `BS2B_CMOY_CLEVEL`, `BS2B_JMEIER_CLEVEL`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossfeedPreset {
    #[id = "off"]
    Off,
    #[id = "default"]
    #[name = "Default 700 Hz/4.5 dB"]
    Default,
    #[id = "chumoy"]
    #[name = "Chu Moy 700 Hz/6 dB"]
    ChuMoy,
    #[id = "jmeier"]
    #[name = "Jan Meier 650 Hz/9.5 dB"]
    JanMeier,
    #[id = "custom"]
    Custom,
}

/// Which slot is heard.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbSlot {
    #[id = "a"]
    A,
    #[id = "b"]
    B,
}

/// The listener's own headphones, corrected to the target before the voicing is applied.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phones {
    #[id = "generic"]
    Generic,
    #[id = "mdr7506"]
    #[name = "Sony MDR-7506"]
    SonyMdr7506,
    #[id = "kns8400"]
    #[name = "KRK KNS 8400"]
    KrkKns8400,
    #[id = "hix55"]
    #[name = "Austrian Audio Hi-X55 (for Hi-X50)"]
    AustrianAudioHiX55,
    #[id = "dt1990"]
    #[name = "beyerdynamic DT 1990 Pro"]
    BeyerdynamicDt1990Pro,
    #[id = "k702"]
    #[name = "AKG K702"]
    AkgK702,
    #[id = "custom"]
    #[name = "Loaded Measurement"]
    Custom,
}

/// Monitoring utilities applied before the voicing.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monitor {
    #[id = "stereo"]
    Stereo,
    #[id = "mono"]
    Mono,
    #[id = "side"]
    Side,
    #[id = "swap"]
    #[name = "Swap L/R"]
    Swap,
}

/// The audience check: hear the mix on what its audience plays it on (`models::checks`).
/// Not automatable: its list grows with releases, and sessions store its variant id
/// (`docs/growth.md`, rule 2). Off, the measured consumer models, the approximate devices.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    #[id = "off"]
    Off,
    #[id = "beats_studio3"]
    #[name = "Beats Studio3 Wireless"]
    BeatsStudio3,
    #[id = "sony_wh1000xm4"]
    #[name = "Sony WH-1000XM4"]
    SonyWh1000xm4,
    #[id = "airpods_max"]
    #[name = "Apple AirPods Max"]
    AirPodsMax,
    #[id = "bose_qc45"]
    #[name = "Bose QuietComfort 45"]
    BoseQc45,
    #[id = "galaxy_buds2_pro"]
    #[name = "Samsung Galaxy Buds2 Pro"]
    GalaxyBuds2Pro,
    #[id = "sony_wf1000xm4"]
    #[name = "Sony WF-1000XM4"]
    SonyWf1000xm4,
    #[id = "airpods"]
    #[name = "Apple AirPods"]
    AirPods,
    #[id = "car"]
    Car,
    #[id = "phone"]
    #[name = "Phone speaker"]
    Phone,
    #[id = "laptop"]
    Laptop,
    #[id = "tv"]
    #[name = "TV"]
    Tv,
    #[id = "mono_cube"]
    #[name = "Mono cube"]
    MonoCube,
}

/// One complete A/B slot: voicing, crossfeed or speakers, and width.
#[derive(Params)]
pub struct SlotParams {
    #[id = "model"]
    pub model: EnumParam<Model>,
    #[id = "crossfeed"]
    pub crossfeed: EnumParam<CrossfeedPreset>,
    /// Custom crossfeed low-pass cutoff (used when the preset is Custom).
    #[id = "xf_cutoff"]
    pub xf_cutoff_hz: FloatParam,
    /// Custom crossfeed level: how far below the direct path the cross path sits at DC.
    #[id = "xf_feed"]
    pub xf_feed_db: FloatParam,
    /// Interaural delay on the cross path (any preset but Off).
    #[id = "itd"]
    pub itd_ms: FloatParam,
    /// Keep centred (mono) material level-flat through the crossfeed.
    #[id = "xf_flat"]
    pub xf_mono_flat: BoolParam,
    /// M/S width: 0 % mono, 100 % unchanged, 200 % side doubled.
    #[id = "width"]
    pub width_percent: FloatParam,
    /// Virtual loudspeakers in place of the crossfeed (`dsp::speakers`).
    #[id = "speakers"]
    pub speakers: BoolParam,
    /// The speakers' angle each side of straight ahead.
    #[id = "spk_angle"]
    pub spk_angle_deg: IntParam,
    /// The speakers' room: 0 % their direct sound only, 100 % the full control room.
    #[id = "room"]
    pub room_percent: FloatParam,
}

impl SlotParams {
    fn new(slot: &str) -> Self {
        Self {
            model: EnumParam::new(format!("{slot} Model"), Model::Neutral),
            crossfeed: EnumParam::new(format!("{slot} Crossfeed"), CrossfeedPreset::Off),
            xf_cutoff_hz: FloatParam::new(
                format!("{slot} Crossfeed Cutoff"),
                700.0,
                FloatRange::Skewed {
                    min: XF_CUTOFF_MIN_HZ,
                    max: XF_CUTOFF_MAX_HZ,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_unit(" Hz")
            .with_step_size(1.0),
            xf_feed_db: FloatParam::new(
                format!("{slot} Crossfeed Feed"),
                4.5,
                FloatRange::Linear {
                    min: XF_FEED_MIN_DB,
                    max: XF_FEED_MAX_DB,
                },
            )
            .with_unit(" dB")
            .with_step_size(0.1),
            itd_ms: FloatParam::new(
                format!("{slot} ITD"),
                WOODWORTH_ITD_30_DEG_MS,
                FloatRange::Linear {
                    min: 0.0,
                    max: ITD_MAX_MS,
                },
            )
            .with_unit(" ms")
            .with_step_size(0.01),
            xf_mono_flat: BoolParam::new(format!("{slot} Mono-Flat Crossfeed"), true),
            width_percent: FloatParam::new(
                format!("{slot} Width"),
                100.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 200.0,
                },
            )
            .with_unit(" %")
            .with_step_size(1.0),
            speakers: BoolParam::new(format!("{slot} Speakers"), false),
            spk_angle_deg: IntParam::new(
                format!("{slot} Speaker Angle"),
                ANGLE_DEFAULT_DEG as i32,
                IntRange::Linear {
                    min: ANGLE_MIN_DEG as i32,
                    max: ANGLE_MAX_DEG as i32,
                },
            )
            .with_unit("°"),
            room_percent: FloatParam::new(
                format!("{slot} Room"),
                (ROOM_DEFAULT * 100.0) as f32,
                FloatRange::Linear {
                    min: 0.0,
                    max: 100.0,
                },
            )
            .with_unit(" %")
            .with_step_size(1.0),
        }
    }
}

#[derive(Params)]
pub struct CansParams {
    /// Version of the state layout, so future versions can migrate old sessions.
    #[persist = "state_version"]
    pub state_version: Arc<RwLock<u32>>,
    /// The user's own headphone measurement (AutoEq CSV), restored with the session.
    #[persist = "custom_measurement"]
    pub custom_measurement: StoredMeasurement,

    #[nested(id_prefix = "a", group = "Slot A")]
    pub a: SlotParams,
    #[nested(id_prefix = "b", group = "Slot B")]
    pub b: SlotParams,

    #[id = "ab"]
    pub ab: EnumParam<AbSlot>,
    #[id = "phones"]
    pub phones: EnumParam<Phones>,
    #[id = "level_match"]
    pub level_match: BoolParam,
    #[id = "monitor"]
    pub monitor: EnumParam<Monitor>,
    /// Output gain, linear inside, shown in dB.
    #[id = "output"]
    pub output_gain: FloatParam,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// Pass audio through untouched while the host renders offline.
    #[id = "bounce_safe"]
    pub bounce_safe: BoolParam,
    /// The audience check in place of the heard slot's model (Off: the slot as it is).
    #[id = "check"]
    pub check: EnumParam<Check>,
}

/// Output gain range in dB.
pub const OUTPUT_MIN_DB: f32 = -24.0;
pub const OUTPUT_MAX_DB: f32 = 12.0;

impl Default for CansParams {
    fn default() -> Self {
        Self {
            state_version: Arc::new(RwLock::new(STATE_VERSION)),
            custom_measurement: StoredMeasurement::default(),
            a: SlotParams::new("A"),
            b: SlotParams::new("B"),
            ab: EnumParam::new("A/B", AbSlot::A),
            phones: EnumParam::new("Your Headphones", Phones::Generic),
            level_match: BoolParam::new("Level Match", true),
            monitor: EnumParam::new("Monitor", Monitor::Stereo),
            output_gain: FloatParam::new(
                "Output",
                util::db_to_gain(0.0),
                FloatRange::Skewed {
                    min: util::db_to_gain(OUTPUT_MIN_DB),
                    max: util::db_to_gain(OUTPUT_MAX_DB),
                    factor: FloatRange::gain_skew_factor(OUTPUT_MIN_DB, OUTPUT_MAX_DB),
                },
            )
            .with_unit(" dB")
            .with_value_to_string(formatters::v2s_f32_gain_to_db(2))
            .with_string_to_value(formatters::s2v_f32_gain_to_db()),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            bounce_safe: BoolParam::new("Bounce-Safe", true),
            check: EnumParam::new("Check", Check::Off).non_automatable(),
        }
    }
}
