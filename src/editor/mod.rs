//! The egui editor: A/B at a glance, the response being heard drawn from the live DSP
//! settings, the output analyzer and meters.
//!
//! Layout (default 1060 x 720 logical px, resizable):
//! top bar (A | B, bypass, bounce-safe badge, checking badge, output) · left: response
//! plot, analyzer, the audience-check row, slot panels A and B · right: your headphones,
//! global settings, meters.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use egui::{RichText, Ui};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::ResizeHint;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::{Param, ParamSetter};
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp, RepaintNotifier,
    create_egui_editor, widgets::ParamSlider,
};

use crate::dsp::cascade::SectionList;
use crate::dsp::prepared::Prepared;
use crate::dsp::speakers::bank::MAX_SAMPLE_RATE_HZ;
use crate::measurement::LoadState;
use crate::params::{AbSlot, CansParams, CrossfeedPreset, Phones, SlotParams};
use crate::settings::{check_entry, slot_settings};
use crate::shared::Shared;

pub mod analyzer;
pub mod controls;
pub mod curve;
pub mod loader;
pub mod meters;
pub mod plot;
pub mod speakers_view;
pub mod theme;

use analyzer::Analyzer;
use curve::CurveCalculator;
use loader::MeasurementLoader;

pub type Editor = EguiEditor<App>;

/// Default window size in logical pixels.
pub const WIDTH: u32 = 1060;
pub const HEIGHT: u32 = 720;
/// Width of the right column (your headphones, globals, meters).
const SIDE_WIDTH: f32 = 250.0;
/// Height of the slot panels row.
const SLOTS_HEIGHT: f32 = 268.0;
/// Height of the audience-check row (two rows of buttons).
const CHECKS_HEIGHT: f32 = 64.0;
const OUTPUT_SLIDER_WIDTH: f32 = 160.0;
/// Room kept for the Mono-flat on/off button at the end of the crossfeed row.
const MONO_FLAT_TOGGLE_WIDTH: f32 = 36.0;

/// Height of a control row in the slot panels.
const ROW_HEIGHT: f32 = 26.0;

/// A left-to-right row of fixed height whose items are all centred vertically.
fn row(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    let width = ui.available_width();
    ui.allocate_ui_with_layout(
        egui::vec2(width, ROW_HEIGHT),
        egui::Layout::left_to_right(egui::Align::Center),
        add,
    );
}

/// A parameter slider with its value drawn on the bar (double-click resets, as in
/// nice-plug's `ParamSlider`).
fn slider<P: Param>(ui: &mut Ui, enabled: bool, param: &P, setter: &ParamSetter, width: f32) {
    // `ParamSlider` lays itself out as a vertical strip (padding, bar, padding) that grows
    // below the height its horizontal wrapper announces, so a centred row puts it lower
    // than its label. Announce the strip's real height, so the row centres the bar.
    let spacing_y = ui.spacing().item_spacing.y;
    let bar_strip = ui
        .text_style_height(&egui::TextStyle::Body)
        .max(ui.spacing().interact_size.y * 0.8);
    let height = bar_strip + 2.0 * spacing_y;
    let response = ui
        .allocate_ui_with_layout(
            egui::vec2(width, height),
            egui::Layout::left_to_right(egui::Align::Min),
            |ui| {
                ui.add_enabled(
                    enabled,
                    ParamSlider::for_param(param, setter)
                        .without_value()
                        .with_width(width),
                )
            },
        )
        .inner;
    let color = if enabled && ui.is_enabled() {
        theme::TEXT
    } else {
        theme::TEXT_DIM
    };
    ui.painter().text(
        response.rect.center(),
        egui::Align2::CENTER_CENTER,
        param.to_string(),
        egui::FontId::proportional(13.0),
        color,
    );
}

pub struct App {
    params: Arc<CansParams>,
    shared: Arc<Shared>,
    gui: Option<GuiContext>,
    analyzer: Analyzer,
    curves: CurveCalculator,
    loader: Box<dyn MeasurementLoader>,
    /// The measurement path typed (or last loaded).
    path_text: String,
    /// A load was requested and has not finished: the loader's status generation at the
    /// request (a load that finishes later has a greater one).
    load_pending: Option<u64>,
}

pub fn create(
    params: Arc<CansParams>,
    shared: Arc<Shared>,
    loader: Box<dyn MeasurementLoader>,
) -> Option<Editor> {
    create_egui_editor(
        EguiEditorState::from_size(LogicalSize::new(WIDTH as f32, HEIGHT as f32), 1.0),
        RepaintNotifier::new(),
        EguiNiceSettings::new()
            .with_tile("Cans")
            .with_resize_hint(ResizeHint::resizable()),
        App::new(params, shared, loader),
    )
}

impl App {
    pub fn new(
        params: Arc<CansParams>,
        shared: Arc<Shared>,
        loader: Box<dyn MeasurementLoader>,
    ) -> Self {
        let path_text = params
            .custom_measurement
            .get()
            .map(|m| m.path)
            .unwrap_or_default();
        Self {
            params,
            shared,
            gui: None,
            analyzer: Analyzer::new(None),
            curves: CurveCalculator::new(),
            loader,
            path_text,
            load_pending: None,
        }
    }

    /// Editor opened: take the analyzer ring and let the audio thread start feeding it.
    pub fn open(&mut self, ctx: &egui::Context, gui: GuiContext) {
        theme::apply(ctx);
        self.gui = Some(gui);
        if !self.analyzer.has_ring()
            && let Some(rx) = self
                .shared
                .analyzer_rx
                .lock()
                .ok()
                .and_then(|mut r| r.take())
        {
            self.analyzer.set_ring(rx);
        }
        self.analyzer.discard_pending();
        self.shared.editor_open.store(true, Ordering::Release);
    }

    /// Editor closed: stop the feed (the ring stays with the app for the next opening).
    pub fn close(&mut self) {
        self.shared.editor_open.store(false, Ordering::Release);
        self.gui = None;
    }

    pub fn draw(&mut self, ui: &mut Ui) {
        let Some(gui) = self.gui.clone() else { return };
        let setter = gui.param_setter();
        let sample_rate = self.shared.sample_rate.load(Ordering::Relaxed);
        self.analyzer.update(sample_rate);

        egui::Panel::top("top")
            .frame(
                egui::Frame::new()
                    .fill(theme::PANEL)
                    .inner_margin(egui::Margin::symmetric(12, 8)),
            )
            .show(ui, |ui| self.top_bar(ui, &setter));
        egui::Panel::right("side")
            .exact_size(SIDE_WIDTH)
            .resizable(false)
            .frame(
                egui::Frame::new()
                    .fill(theme::BG)
                    .inner_margin(egui::Margin::same(8)),
            )
            .show(ui, |ui| self.side(ui, &setter));
        egui::Panel::bottom("slots")
            .exact_size(SLOTS_HEIGHT)
            .resizable(false)
            .frame(
                egui::Frame::new()
                    .fill(theme::BG)
                    .inner_margin(egui::Margin::same(8)),
            )
            .show(ui, |ui| {
                ui.columns(2, |cols| {
                    self.slot_panel(&mut cols[0], 0, &setter);
                    self.slot_panel(&mut cols[1], 1, &setter);
                });
            });
        egui::Panel::bottom("checks")
            .exact_size(CHECKS_HEIGHT)
            .resizable(false)
            .frame(
                egui::Frame::new()
                    .fill(theme::BG)
                    .inner_margin(egui::Margin::symmetric(8, 4)),
            )
            .show(ui, |ui| {
                theme::section_frame().show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    controls::check_rows(ui, &setter, &self.params.check);
                });
            });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let margin = 8.0;
            let full = ui.available_rect_before_wrap().shrink(margin);
            let split = full.top() + full.height() * 0.58;
            let response_rect =
                egui::Rect::from_min_max(full.min, egui::pos2(full.right(), split - 4.0));
            let analyzer_rect =
                egui::Rect::from_min_max(egui::pos2(full.left(), split + 4.0), full.max);
            ui.scope_builder(egui::UiBuilder::new().max_rect(response_rect), |ui| {
                self.response(ui, sample_rate)
            });
            ui.scope_builder(egui::UiBuilder::new().max_rect(analyzer_rect), |ui| {
                self.analyzer.draw(ui, sample_rate)
            });
        });
        // Meters and the analyzer move with the audio: keep repainting while open.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
    }

    fn top_bar(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("CANS").size(22.0).strong().color(theme::TEXT));
            ui.add_space(12.0);
            controls::ab_switch(ui, setter, &self.params.ab);
            ui.add_space(12.0);
            controls::toggle(ui, "Bypass", setter, &self.params.bypass, theme::WARN)
                .on_hover_text("Pass the input through untouched (click-free)");
            controls::toggle(ui, "Bounce-Safe", setter, &self.params.bounce_safe, theme::OK)
                .on_hover_text("Pass audio through untouched while the host renders offline, so monitoring never ends up in a bounce");
            if self.shared.offline_bypass.load(Ordering::Relaxed) {
                egui::Frame::new()
                    .fill(theme::WARN)
                    .corner_radius(4.0)
                    .inner_margin(egui::Margin::symmetric(8, 4))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new("BYPASSED FOR OFFLINE RENDER")
                                .strong()
                                .color(egui::Color32::BLACK),
                        )
                    });
            }
            if let Some(check) = check_entry(self.params.check.value()) {
                egui::Frame::new()
                    .fill(theme::CHECK)
                    .corner_radius(4.0)
                    .inner_margin(egui::Margin::symmetric(8, 4))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new(format!("CHECKING: {}", check.label))
                                .strong()
                                .color(egui::Color32::BLACK),
                        )
                    })
                    .response
                    .on_hover_text(check.about);
            }
            // Output gain at the right edge.
            let output_w = OUTPUT_SLIDER_WIDTH + 70.0;
            ui.add_space((ui.available_width() - output_w).max(0.0));
            ui.label("Output");
            slider(ui, true, &self.params.output_gain, setter, OUTPUT_SLIDER_WIDTH);
        });
    }

    fn side(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        theme::section_frame().show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new("Your Headphones").strong());
            controls::phones_picker(ui, ui.available_width(), setter, &self.params.phones);
            let label = ui.label(
                RichText::new("Measurement file (AutoEq CSV)")
                    .small()
                    .color(theme::TEXT_DIM),
            );
            ui.add(
                egui::TextEdit::singleline(&mut self.path_text)
                    .hint_text("/path/to/headphones.csv")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            if ui
                .button("Load measurement…")
                .on_hover_text("Load your headphones' measurement (AutoEq CSV: frequency,raw)")
                .clicked()
            {
                self.load_measurement();
            }
            let status = self.loader.status();
            if let Some(requested_at) = self.load_pending
                && let Some(state) = status.load_finished_since(requested_at)
            {
                // The request finished: select the loaded measurement if it succeeded.
                self.load_pending = None;
                if state.is_loaded() {
                    controls::set_once(setter, &self.params.phones, Phones::Custom);
                }
            }
            match &status.state {
                LoadState::Loaded { .. } => {
                    ui.label(RichText::new(status.message()).small().color(theme::OK));
                }
                LoadState::Failed(e) => {
                    ui.label(
                        RichText::new(format!("Not loaded: {}", e.message()))
                            .small()
                            .color(theme::WARN),
                    );
                }
                LoadState::None => {}
            }
        });
        ui.add_space(6.0);
        theme::section_frame().show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                controls::toggle(
                    ui,
                    "Level match",
                    setter,
                    &self.params.level_match,
                    theme::OK,
                )
                .on_hover_text("Match the loudness of every slot, so A/B compares tone, not level");
            });
            ui.horizontal(|ui| {
                ui.label("Monitor");
                let w = ui.available_width() - 24.0;
                controls::enum_picker(ui, "Monitor", w, setter, &self.params.monitor)
                    .on_hover_text("Stereo, mono, side only, or swapped channels");
            });
        });
        ui.add_space(6.0);
        theme::section_frame().show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.set_height(ui.available_height());
            ui.label(RichText::new("Meters").strong());
            meters::meters(ui, &self.shared.meters());
        });
    }

    fn load_measurement(&mut self) {
        let path = self.path_text.trim().to_owned();
        if path.is_empty() {
            return;
        }
        self.load_pending = Some(self.loader.status().generation);
        self.loader.request_load(std::path::Path::new(&path));
    }

    fn slot(&self, index: usize) -> &SlotParams {
        if index == 0 {
            &self.params.a
        } else {
            &self.params.b
        }
    }

    fn heard_index(&self) -> usize {
        match self.params.ab.value() {
            AbSlot::A => 0,
            AbSlot::B => 1,
        }
    }

    fn response(&mut self, ui: &mut Ui, sample_rate: f32) {
        let custom = self.loader.correction();
        let settings = [0, 1].map(|i| slot_settings(&self.params, self.slot(i), custom.as_ref()));
        let fs = sample_rate as f64;
        let check = check_entry(self.params.check.value());
        let labels = [0, 1].map(|i| match check {
            Some(c) => c.label,
            None => controls::model_label(self.slot(i).model.value()),
        });
        let heard = self.heard_index();
        let a = self
            .curves
            .curve(0, &settings[0].0, &settings[0].1, fs)
            .clone();
        let b = self.curves.curve(1, &settings[1].0, &settings[1].1, fs);
        plot::response_plot(ui, [&a, b], heard, labels);
    }

    fn slot_panel(&self, ui: &mut Ui, index: usize, setter: &ParamSetter) {
        let slot = self.slot(index);
        let name = ["A", "B"][index];
        let heard = self.heard_index() == index;
        let color = theme::slot_color(index);
        let frame = theme::section_frame().stroke(egui::Stroke::new(
            if heard { 2.0 } else { 1.0 },
            if heard { color } else { theme::GRID },
        ));
        let sample_rate = self.shared.sample_rate.load(Ordering::Relaxed) as f64;
        let speakers_possible = sample_rate <= MAX_SAMPLE_RATE_HZ;
        let speakers_on = slot.speakers.value() && speakers_possible;
        frame.show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.set_height(ui.available_height());
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("Slot {name}"))
                        .strong()
                        .size(16.0)
                        .color(color),
                );
                if heard {
                    ui.label(RichText::new("heard").small().color(theme::TEXT_DIM));
                    if let Some(c) = check_entry(self.params.check.value()) {
                        let what = if c.kind.is_worn() {
                            "model and crossfeed replaced by the check"
                        } else {
                            "model replaced by the check"
                        };
                        ui.label(RichText::new(what).small().color(theme::CHECK));
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    speakers_view::top_view(
                        ui,
                        slot.spk_angle_deg.value() as f32,
                        speakers_on,
                        color,
                    );
                });
            });
            let label_w = 64.0;
            let spacing = ui.spacing().item_spacing.x;
            let pair = (ui.available_width() - spacing) / 2.0;
            let slider_w = (pair - label_w - 2.0 * spacing).max(60.0);
            // Widgets are enabled one by one (not through an enabled scope, whose child
            // layout shifted labels off their sliders' centre line).
            let row_label = |ui: &mut Ui, enabled: bool, text: &str| {
                let color = if enabled {
                    theme::TEXT_DIM
                } else {
                    theme::TEXT_FAINT
                };
                ui.add_sized(
                    [label_w, 20.0],
                    egui::Label::new(RichText::new(text).color(color)),
                );
            };
            // Speakers replace the crossfeed: its controls grey out.
            let crossfeed_on = slot.crossfeed.value() != CrossfeedPreset::Off && !speakers_on;
            let custom = slot.crossfeed.value() == CrossfeedPreset::Custom && !speakers_on;
            row(ui, |ui| {
                row_label(ui, true, "Model");
                controls::model_picker(
                    ui,
                    &format!("Slot {name} model"),
                    2.0 * pair - label_w - 2.0 * spacing,
                    setter,
                    &slot.model,
                );
            });
            row(ui, |ui| {
                row_label(ui, !speakers_on, "Crossfeed");
                // Fixed width (long preset names are truncated), so the Mono-flat column
                // sits at the same place in both slots.
                ui.add_enabled_ui(!speakers_on, |ui| {
                    controls::crossfeed_picker(
                        ui,
                        &format!("Slot {name} crossfeed"),
                        2.0 * pair - 2.0 * label_w - MONO_FLAT_TOGGLE_WIDTH - 5.0 * spacing - 24.0,
                        setter,
                        &slot.crossfeed,
                    );
                });
                row_label(ui, crossfeed_on, "Mono-flat");
                controls::toggle_enabled(
                    ui,
                    crossfeed_on,
                    if slot.xf_mono_flat.value() {
                        "On"
                    } else {
                        "Off"
                    },
                    setter,
                    &slot.xf_mono_flat,
                    color,
                )
                .on_hover_text("Keep centred material level-flat through the crossfeed");
            });
            row(ui, |ui| {
                row_label(ui, custom, "Cutoff");
                slider(ui, custom, &slot.xf_cutoff_hz, setter, slider_w);
                row_label(ui, custom, "Feed");
                slider(ui, custom, &slot.xf_feed_db, setter, slider_w);
            });
            row(ui, |ui| {
                row_label(ui, crossfeed_on, "ITD");
                slider(ui, crossfeed_on, &slot.itd_ms, setter, slider_w);
                row_label(ui, true, "Width");
                slider(ui, true, &slot.width_percent, setter, slider_w);
            });
            row(ui, |ui| {
                // In a box of a label and a slider, so Angle lines up with Feed and Width.
                let boxed = label_w + spacing + slider_w;
                ui.allocate_ui_with_layout(
                    egui::vec2(boxed, ROW_HEIGHT),
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| {
                        ui.set_min_width(boxed);
                        controls::toggle_enabled(
                            ui,
                            speakers_possible,
                            "Speakers",
                            setter,
                            &slot.speakers,
                            color,
                        )
                        .on_hover_text(
                            "A pair of studio monitors in front of you, from measured \
                             HRTFs (MIT KEMAR), in place of the crossfeed",
                        );
                    },
                );
                row_label(ui, speakers_on, "Angle");
                slider(ui, speakers_on, &slot.spk_angle_deg, setter, slider_w);
            });
            row(ui, |ui| {
                row_label(ui, speakers_on, "Room");
                slider(ui, speakers_on, &slot.room_percent, setter, slider_w);
                let ready = self.shared.speakers_ready.load(Ordering::Relaxed);
                if speakers_on && !ready {
                    ui.label(
                        RichText::new("preparing the speakers…")
                            .small()
                            .color(theme::TEXT_DIM),
                    )
                    .on_hover_text(
                        "Their responses are being designed for this sample rate (a fraction \
                         of a second); the slot plays its crossfeed until then",
                    );
                }
                if !speakers_possible {
                    ui.label(
                        RichText::new(format!(
                            "speakers run up to {:.0} kHz",
                            MAX_SAMPLE_RATE_HZ / 1000.0
                        ))
                        .small()
                        .color(theme::TEXT_DIM),
                    );
                }
            });
        });
    }

    /// The measurement path as typed.
    pub fn path_text(&self) -> &str {
        &self.path_text
    }

    /// The correction the plot uses for "Loaded Measurement".
    pub fn custom_correction(&self) -> Option<Prepared<SectionList>> {
        self.loader.correction()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.shared.editor_open.store(false, Ordering::Release);
        // Hand the ring back, so a later editor instance can feed its analyzer.
        if let Some(rx) = self.analyzer.take_ring()
            && let Ok(mut slot) = self.shared.analyzer_rx.lock()
        {
            *slot = Some(rx);
        }
    }
}

impl NiceEguiApp for App {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.open(&egui_ctx, gui);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut Frame) {
        self.draw(ui);
    }

    fn editor_closed(&mut self) {
        self.close();
    }
}
