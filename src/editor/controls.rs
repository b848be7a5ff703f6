//! Parameter widgets. Every change goes through begin/set/end so hosts record it as
//! automation (one gesture per click).

use egui::{Color32, RichText, Ui};
use nice_plug::prelude::{BoolParam, Enum, EnumParam, Param, ParamSetter};

use super::theme;
use crate::models::catalogue::{self, CATALOGUE};
use crate::models::checks::{CHECKS, CheckEntry};
use crate::params::{AbSlot, Check, CrossfeedPreset, Model, Phones};
use crate::settings;

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

/// The model picker's groups, from the catalogue: one per class entry (Neutral,
/// Open-back, Closed-back), named after it and holding the models of its class with
/// their picker labels, in catalogue order.
pub fn model_groups() -> Vec<(&'static str, Vec<(&'static str, Model)>)> {
    catalogue::groups()
        .map(|(head, members)| {
            let entries = members
                .map(|i| (CATALOGUE[i].label, settings::model_of(i)))
                .collect();
            (head.name, entries)
        })
        .collect()
}

/// The picker's label of a model.
pub fn model_label(model: Model) -> &'static str {
    settings::model_entry(model).label
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
            for (group, entries) in model_groups() {
                ui.label(RichText::new(group).small().color(theme::TEXT_DIM));
                for (label, model) in entries {
                    if ui.selectable_label(current == model, label).clicked() {
                        set_once(setter, param, model);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The picker as users see it: a group per class, named after the class, its class
    /// voicing first, every model exactly once.
    #[test]
    fn model_groups_list_every_model_once_under_its_class() {
        let groups = model_groups();
        let names: Vec<&str> = groups.iter().map(|(g, _)| *g).collect();
        assert_eq!(names, ["Neutral", "Open-back", "Closed-back"]);
        assert_eq!(groups[0].1, [("Neutral", Model::Neutral)]);
        assert_eq!(groups[1].1[0], ("Open-back class", Model::OpenBack));
        assert_eq!(groups[2].1[0], ("Closed-back class", Model::ClosedBack));
        assert!(groups[1].1.contains(&("AKG K702", Model::AkgK702)));
        assert!(groups[2].1.contains(&("Sony MDR-7506", Model::SonyMdr7506)));
        let mut listed: Vec<usize> = groups
            .iter()
            .flat_map(|(_, e)| e.iter().map(|(_, m)| m.to_index()))
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, (0..Model::variants().len()).collect::<Vec<_>>());
        for (_, entries) in &groups {
            for (label, model) in entries {
                assert_eq!(model_label(*model), *label);
            }
        }
    }
}

/// The check choice playing `CHECKS[index]`.
fn check_of(index: usize) -> Check {
    Check::from_index(index + 1)
}

/// One check button: `label`, selected while `check` is on; clicking it selects it, or
/// leaves it (back to Off) when it is already on.
fn check_button(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<Check>,
    check: Check,
    label: &str,
) -> egui::Response {
    let on = param.value() == check;
    let text = if on {
        RichText::new(label).color(Color32::BLACK).strong()
    } else {
        RichText::new(label)
    };
    let fill = if on {
        theme::CHECK
    } else {
        ui.visuals().widgets.inactive.weak_bg_fill
    };
    let response = ui.add(egui::Button::new(text).selected(on).fill(fill));
    if response.clicked() {
        set_once(setter, param, if on { Check::Off } else { check });
    }
    response
}

/// The check row: Off, the measured headphones and earbuds, then the approximate devices
/// (labelled "(approx.)"), each with a tooltip saying what its curve is.
pub fn check_rows(ui: &mut Ui, setter: &ParamSetter, param: &EnumParam<Check>) {
    let tip = |e: &CheckEntry| format!("{}: {}", e.name, e.about);
    ui.horizontal(|ui| {
        ui.label(RichText::new("Check").strong());
        check_button(ui, setter, param, Check::Off, "Off")
            .on_hover_text("Hear the heard slot as it is");
        ui.add_space(6.0);
        for (i, e) in CHECKS
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.is_approximate())
        {
            check_button(ui, setter, param, check_of(i), e.short).on_hover_text(tip(e));
        }
    });
    ui.horizontal(|ui| {
        ui.label(RichText::new("Devices").small().color(theme::TEXT_DIM));
        for (i, e) in CHECKS
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_approximate())
        {
            let label = format!("{} (approx.)", e.short);
            check_button(ui, setter, param, check_of(i), &label).on_hover_text(tip(e));
        }
    });
}
