//! Parameter widgets. Every change goes through begin/set/end so hosts record it as
//! automation (one gesture per click).

use egui::{Color32, RichText, Ui};
use nice_plug::prelude::{BoolParam, Enum, EnumParam, Param, ParamSetter};

use super::theme;
use crate::params::{AbSlot, CrossfeedPreset, Model, Phones};

/// Set a parameter as one host gesture, if it changes.
pub fn set_once<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain)
where
    P::Plain: PartialEq,
{
    if param.modulated_plain_value() != value {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, value);
        setter.end_set_parameter(param);
    }
}

/// The display name of an enum value (its `#[name]`).
pub fn enum_name<T: Enum>(value: T) -> &'static str {
    T::variants()[value.to_index()]
}

/// The model picker's groups and entries (entry label, model).
pub const MODEL_GROUPS: &[(&str, &[(&str, Model)])] = &[
    ("Neutral", &[("Neutral", Model::Neutral)]),
    (
        "Open-back",
        &[
            ("Open-back class", Model::OpenBack),
            ("beyerdynamic DT 1990 Pro", Model::BeyerdynamicDt1990Pro),
            ("AKG K702", Model::AkgK702),
        ],
    ),
    (
        "Closed-back",
        &[
            ("Closed-back class", Model::ClosedBack),
            ("Sony MDR-7506", Model::SonyMdr7506),
            ("KRK KNS 8400", Model::KrkKns8400),
            (
                "Austrian Audio Hi-X55 (for Hi-X50)",
                Model::AustrianAudioHiX55,
            ),
        ],
    ),
];

pub fn model_label(model: Model) -> &'static str {
    MODEL_GROUPS
        .iter()
        .flat_map(|(_, entries)| entries.iter())
        .find(|(_, m)| *m == model)
        .map(|(label, _)| *label)
        .unwrap_or("Neutral")
}

/// Give a combo box an accessible name (screen readers, UI tests) besides its value.
fn name_combo(response: &egui::Response, name: &str, value: &str) {
    let enabled = response.enabled();
    response.widget_info(|| {
        let mut info = egui::WidgetInfo::labeled(egui::Role::ComboBox, enabled, name);
        info.current_text_value = Some(value.to_owned());
        info
    });
}

/// A combo box picking a model, grouped by class. `name` (unique) is its accessible name.
pub fn model_picker(
    ui: &mut Ui,
    name: &str,
    width: f32,
    setter: &ParamSetter,
    param: &EnumParam<Model>,
) {
    let current = param.value();
    let response = egui::ComboBox::from_id_salt(name)
        .width(width)
        .height(480.0)
        .selected_text(model_label(current))
        .show_ui(ui, |ui| {
            for (group, entries) in MODEL_GROUPS {
                ui.label(RichText::new(*group).small().color(theme::TEXT_DIM));
                for (label, model) in *entries {
                    if ui.selectable_label(current == *model, *label).clicked() {
                        set_once(setter, param, *model);
                    }
                }
            }
        })
        .response
        .on_hover_text("Headphone voicing this slot plays");
    name_combo(&response, name, model_label(current));
}

/// A combo box over all values of an enum parameter; `name` (unique) is its accessible name.
pub fn enum_picker<T: Enum + PartialEq + Copy + 'static>(
    ui: &mut Ui,
    name: &str,
    width: f32,
    setter: &ParamSetter,
    param: &EnumParam<T>,
) -> egui::Response {
    let current = param.value();
    let response = egui::ComboBox::from_id_salt(name)
        .width(width)
        .truncate()
        .selected_text(enum_name(current))
        .show_ui(ui, |ui| {
            for (index, name) in T::variants().iter().enumerate() {
                let value = T::from_index(index);
                if ui.selectable_label(current == value, *name).clicked() {
                    set_once(setter, param, value);
                }
            }
        })
        .response;
    name_combo(&response, name, enum_name(current));
    response
}

pub fn crossfeed_picker(
    ui: &mut Ui,
    id: &str,
    width: f32,
    setter: &ParamSetter,
    param: &EnumParam<CrossfeedPreset>,
) {
    enum_picker(ui, id, width, setter, param)
        .on_hover_text("Crossfeed: bs2b presets (cutoff / feed) or Custom (the sliders below)");
}

pub fn phones_picker(ui: &mut Ui, width: f32, setter: &ParamSetter, param: &EnumParam<Phones>) {
    enum_picker(ui, "Your Headphones", width - 24.0, setter, param)
        .on_hover_text("The headphones you are wearing: Cans corrects them to neutral first");
}

/// A toggle button for a bool parameter.
pub fn toggle(
    ui: &mut Ui,
    label: &str,
    setter: &ParamSetter,
    param: &BoolParam,
    on_color: Color32,
) -> egui::Response {
    toggle_enabled(ui, true, label, setter, param, on_color)
}

/// [`toggle`], greyed out and inert unless `enabled` (a setting that has no effect now).
pub fn toggle_enabled(
    ui: &mut Ui,
    enabled: bool,
    label: &str,
    setter: &ParamSetter,
    param: &BoolParam,
    on_color: Color32,
) -> egui::Response {
    let on = param.value();
    let text = if on {
        RichText::new(label).color(Color32::BLACK).strong()
    } else {
        RichText::new(label)
    };
    let button = egui::Button::new(text).selected(on).fill(if on && enabled {
        on_color
    } else {
        ui.visuals().widgets.inactive.weak_bg_fill
    });
    let response = ui.add_enabled(enabled, button);
    if response.clicked() {
        set_once(setter, param, !on);
    }
    response
}

/// The big A | B switch.
pub fn ab_switch(ui: &mut Ui, setter: &ParamSetter, param: &EnumParam<AbSlot>) {
    let current = param.value();
    let size = egui::vec2(64.0, 40.0);
    ui.spacing_mut().item_spacing.x = 2.0;
    for (slot, label, color) in [
        (AbSlot::A, "A", theme::SLOT_A),
        (AbSlot::B, "B", theme::SLOT_B),
    ] {
        let heard = current == slot;
        let text = RichText::new(label).size(24.0).strong().color(if heard {
            Color32::BLACK
        } else {
            theme::TEXT_DIM
        });
        let button = egui::Button::new(text)
            .selected(heard)
            .fill(if heard { color } else { theme::GRID })
            .min_size(size);
        let response = ui.add(button).on_hover_text(format!(
            "Hear slot {label} (click-free switch; automatable)"
        ));
        if response.clicked() {
            set_once(setter, param, slot);
        }
    }
    ui.spacing_mut().item_spacing.x = 8.0;
}
