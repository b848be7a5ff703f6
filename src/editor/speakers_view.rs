//! The slot's small top view: the listener's head and the two virtual loudspeakers at the
//! slot's angle (drawn faint while the slot plays its crossfeed).

use egui::{Color32, Pos2, Stroke, Ui, Vec2};

use super::theme;

/// Size of the view in logical pixels.
pub const SIZE: Vec2 = Vec2::new(46.0, 24.0);
const HEAD_RADIUS: f32 = 4.5;
/// Distance from the head's centre to each speaker.
const SPEAKER_DISTANCE: f32 = 17.0;
const SPEAKER_HALF: f32 = 2.5;

/// Draw the view; `angle_deg` each side of straight ahead (up).
pub fn top_view(ui: &mut Ui, angle_deg: f32, on: bool, color: Color32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(SIZE, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let (ink, speaker) = if on {
        (theme::TEXT_DIM, color)
    } else {
        (theme::TEXT_FAINT, theme::TEXT_FAINT)
    };
    let head = Pos2::new(rect.center().x, rect.bottom() - HEAD_RADIUS - 1.5);
    painter.circle_stroke(head, HEAD_RADIUS, Stroke::new(1.2, ink));
    // The nose: which way the listener faces.
    painter.line_segment(
        [
            head + Vec2::new(0.0, -HEAD_RADIUS),
            head + Vec2::new(0.0, -HEAD_RADIUS - 2.0),
        ],
        Stroke::new(1.2, ink),
    );
    let a = angle_deg.to_radians();
    for side in [-1.0f32, 1.0] {
        let at = head + SPEAKER_DISTANCE * Vec2::new(side * a.sin(), -a.cos());
        let r = egui::Rect::from_center_size(at, Vec2::splat(2.0 * SPEAKER_HALF));
        painter.rect_filled(r, 0.5, speaker);
        painter.line_segment([head, at], Stroke::new(0.5, ink.gamma_multiply(0.5)));
    }
    response.on_hover_text(format!(
        "Virtual loudspeakers at ±{angle_deg:.0}° (top view; the listener faces up)"
    ))
}
