//! Colours, sizes and text styles of the editor.

use egui::{Color32, FontFamily, FontId, Stroke, TextStyle};

pub const BG: Color32 = Color32::from_rgb(0x17, 0x19, 0x1d);
pub const PANEL: Color32 = Color32::from_rgb(0x20, 0x23, 0x29);
pub const PLOT_BG: Color32 = Color32::from_rgb(0x11, 0x13, 0x16);
pub const GRID: Color32 = Color32::from_rgb(0x2c, 0x30, 0x37);
pub const GRID_STRONG: Color32 = Color32::from_rgb(0x45, 0x4a, 0x54);
pub const TEXT: Color32 = Color32::from_rgb(0xe4, 0xe6, 0xea);
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x9a, 0xa0, 0xaa);
/// Labels of controls that have no effect in the current setting.
pub const TEXT_FAINT: Color32 = Color32::from_rgb(0x5c, 0x61, 0x6a);
/// Slot A is warm, slot B cool, everywhere (toggle, panels, curves).
pub const SLOT_A: Color32 = Color32::from_rgb(0xf2, 0xa6, 0x3b);
pub const SLOT_B: Color32 = Color32::from_rgb(0x4c, 0xc2, 0xe8);
pub const WARN: Color32 = Color32::from_rgb(0xe8, 0x5d, 0x4a);
/// The audience check (its buttons and the "checking" badge).
pub const CHECK: Color32 = Color32::from_rgb(0xc5, 0x8a, 0xf0);
pub const OK: Color32 = Color32::from_rgb(0x6c, 0xcf, 0x7a);
pub const ANALYZER: Color32 = Color32::from_rgb(0x8f, 0x9b, 0xb3);

pub fn slot_color(index: usize) -> Color32 {
    if index == 0 { SLOT_A } else { SLOT_B }
}

/// Dark theme with text sizes readable at 1x (14 px body).
pub fn apply(ctx: &egui::Context) {
    ctx.set_visuals(egui::Visuals::dark());
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Small,
                FontId::new(12.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(14.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(14.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Heading,
                FontId::new(18.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(13.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 4.0);
        style.spacing.interact_size.y = 24.0;
        let v = &mut style.visuals;
        v.panel_fill = BG;
        v.window_fill = PANEL;
        v.extreme_bg_color = PLOT_BG;
        v.override_text_color = Some(TEXT);
        v.widgets.noninteractive.bg_stroke = Stroke::new(1.0, GRID);
    });
}

/// A framed group for a section of controls.
pub fn section_frame() -> egui::Frame {
    egui::Frame::new()
        .fill(PANEL)
        .corner_radius(6.0)
        .inner_margin(egui::Margin::same(10))
}
