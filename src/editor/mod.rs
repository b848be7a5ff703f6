//! The egui editor.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp, RepaintNotifier,
    create_egui_editor, widgets,
};

use crate::params::CansParams;

pub type Editor = EguiEditor<App>;

/// Default window size in logical pixels.
pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 600;

pub struct App {
    params: Arc<CansParams>,
    gui: Option<GuiContext>,
}

pub fn create(params: Arc<CansParams>) -> Option<Editor> {
    create_egui_editor(
        EguiEditorState::from_size(LogicalSize::new(WIDTH as f32, HEIGHT as f32), 1.0),
        RepaintNotifier::new(),
        EguiNiceSettings::new().with_tile("Cans"),
        App { params, gui: None },
    )
}

impl NiceEguiApp for App {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.gui = Some(gui);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut Frame) {
        let Some(gui) = &self.gui else { return };
        let setter = gui.param_setter();
        ui.heading("Cans");
        widgets::generic_ui::create(
            ui,
            self.params.clone(),
            &setter,
            widgets::generic_ui::GenericSlider,
        );
    }

    fn editor_closed(&mut self) {
        self.gui = None;
    }
}
