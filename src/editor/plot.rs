//! Log-frequency plots: the axes shared by the response plot and the analyzer, and the
//! response plot itself.

use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, Ui, pos2};

use super::curve::{F_MAX_HZ, F_MIN_HZ, SlotCurve};
use super::theme;

/// Frequencies with a grid line and a label.
const F_GRID: [(f64, &str); 10] = [
    (20.0, "20"),
    (50.0, "50"),
    (100.0, "100"),
    (200.0, "200"),
    (500.0, "500"),
    (1000.0, "1k"),
    (2000.0, "2k"),
    (5000.0, "5k"),
    (10000.0, "10k"),
    (20000.0, "20k"),
];

/// Response plot range in dB, and its grid step.
const RESPONSE_DB_TOP: f32 = 12.0;
const RESPONSE_DB_BOTTOM: f32 = -36.0;
const RESPONSE_DB_STEP: f32 = 6.0;

/// Maps (frequency, dB) to screen points inside `rect`, log frequency 20 Hz–20 kHz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogAxes {
    pub rect: Rect,
    pub db_top: f32,
    pub db_bottom: f32,
}

impl LogAxes {
    pub fn x_of(&self, freq_hz: f64) -> f32 {
        let t = (freq_hz / F_MIN_HZ).ln() / (F_MAX_HZ / F_MIN_HZ).ln();
        self.rect.left() + self.rect.width() * t as f32
    }

    pub fn freq_of(&self, x: f32) -> f64 {
        let t = ((x - self.rect.left()) / self.rect.width()) as f64;
        F_MIN_HZ * (F_MAX_HZ / F_MIN_HZ).powf(t)
    }

    pub fn y_of(&self, db: f32) -> f32 {
        let t = (self.db_top - db) / (self.db_top - self.db_bottom);
        self.rect.top() + self.rect.height() * t
    }

    pub fn db_of(&self, y: f32) -> f32 {
        let t = (y - self.rect.top()) / self.rect.height();
        self.db_top - t * (self.db_top - self.db_bottom)
    }

    /// Screen points of a curve; values outside the dB range sit on the plot's edge (a
    /// crossfeed null or an "off" path stays visible along the bottom).
    pub fn points(&self, freq_hz: &[f64], db: &[f64]) -> Vec<Pos2> {
        freq_hz
            .iter()
            .zip(db)
            .map(|(&f, &d)| {
                let d = (d as f32).clamp(self.db_bottom, self.db_top);
                pos2(self.x_of(f), self.y_of(d))
            })
            .collect()
    }

    /// Background, frequency and dB grid with labels (`db_step` apart, `unit` after the
    /// top label).
    pub fn draw_grid(&self, ui: &Ui, db_step: f32, unit: &str) {
        let painter = ui.painter_at(self.rect.expand(1.0));
        painter.rect_filled(self.rect, 4.0, theme::PLOT_BG);
        let small = FontId::proportional(11.0);
        for (f, label) in F_GRID {
            let x = self.x_of(f).round() + 0.5;
            let strong = label == "100" || label == "1k" || label == "10k";
            let color = if strong {
                theme::GRID_STRONG
            } else {
                theme::GRID
            };
            painter.line_segment(
                [pos2(x, self.rect.top()), pos2(x, self.rect.bottom())],
                Stroke::new(1.0, color),
            );
            if f > F_MIN_HZ && f < F_MAX_HZ {
                painter.text(
                    pos2(x + 3.0, self.rect.bottom() - 2.0),
                    Align2::LEFT_BOTTOM,
                    label,
                    small.clone(),
                    theme::TEXT_DIM,
                );
            }
        }
        let mut db = self.db_top;
        while db >= self.db_bottom - 1e-3 {
            let y = self.y_of(db).round() + 0.5;
            let color = if db == 0.0 {
                theme::GRID_STRONG
            } else {
                theme::GRID
            };
            painter.line_segment(
                [pos2(self.rect.left(), y), pos2(self.rect.right(), y)],
                Stroke::new(1.0, color),
            );
            if db < self.db_top && db > self.db_bottom {
                painter.text(
                    pos2(self.rect.left() + 4.0, y - 1.0),
                    Align2::LEFT_BOTTOM,
                    if db == 0.0 {
                        "0".to_owned()
                    } else {
                        format!("{db:+.0}")
                    },
                    small.clone(),
                    theme::TEXT_DIM,
                );
            }
            db -= db_step;
        }
        // The unit sits in the bottom-left corner, beside the frequency labels (which
        // start at 50 Hz), where it collides with nothing.
        painter.text(
            pos2(self.rect.left() + 4.0, self.rect.bottom() - 2.0),
            Align2::LEFT_BOTTOM,
            unit,
            small,
            theme::TEXT_DIM,
        );
    }
}

fn faded(color: Color32, alpha: f32) -> Color32 {
    color.gamma_multiply(alpha)
}

/// The response plot: the heard slot bright, the other ghosted, each with its direct
/// (solid) and crossfeed (thinner) path.
pub fn response_plot(
    ui: &mut Ui,
    curves: [&SlotCurve; 2],
    heard: usize,
    labels: [&str; 2],
) -> LogAxes {
    let full = ui.available_rect_before_wrap();
    ui.allocate_rect(full, egui::Sense::hover());
    // Legend strip above the plot, so it never hides a curve.
    let legend_h = 20.0;
    let rect = Rect::from_min_max(pos2(full.left(), full.top() + legend_h), full.max);
    let axes = LogAxes {
        rect,
        db_top: RESPONSE_DB_TOP,
        db_bottom: RESPONSE_DB_BOTTOM,
    };
    axes.draw_grid(ui, RESPONSE_DB_STEP, "dB");
    let painter = ui.painter_at(rect);
    let other = 1 - heard;
    for (slot, bright) in [(other, false), (heard, true)] {
        let c = curves[slot];
        let color = theme::slot_color(slot);
        let (w_direct, w_cross, alpha) = if bright {
            (2.5, 1.5, 1.0)
        } else {
            (1.5, 1.0, 0.35)
        };
        painter.add(Shape::line(
            axes.points(&c.freq_hz, &c.cross_db),
            Stroke::new(w_cross, faded(color, alpha * 0.7)),
        ));
        painter.add(Shape::line(
            axes.points(&c.freq_hz, &c.direct_db),
            Stroke::new(w_direct, faded(color, alpha)),
        ));
    }
    let painter = ui.painter_at(full);
    let font = FontId::proportional(12.0);
    let y = full.top() + legend_h / 2.0 - 1.0;
    let mut x = full.left() + 2.0;
    painter.text(
        pos2(x, y),
        Align2::LEFT_CENTER,
        "Response",
        FontId::proportional(13.0),
        theme::TEXT,
    );
    x += 80.0;
    for slot in [heard, other] {
        let alpha = if slot == heard { 1.0 } else { 0.6 };
        painter.line_segment(
            [pos2(x, y), pos2(x + 20.0, y)],
            Stroke::new(2.5, faded(theme::slot_color(slot), alpha)),
        );
        let text = format!(
            "{} {}{}",
            ["A", "B"][slot],
            labels[slot],
            if slot == heard { " (heard)" } else { "" }
        );
        let r = painter.text(
            pos2(x + 26.0, y),
            Align2::LEFT_CENTER,
            text,
            font.clone(),
            faded(theme::TEXT, alpha),
        );
        x = r.right() + 18.0;
    }
    painter.text(
        pos2(full.right() - 2.0, y),
        Align2::RIGHT_CENTER,
        "thick: direct (left to left) · thin: crossfeed (left to right)",
        FontId::proportional(11.0),
        theme::TEXT_DIM,
    );
    axes
}
