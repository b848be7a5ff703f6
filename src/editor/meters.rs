//! Output meters: peak and short-term loudness per channel, stereo correlation. The
//! readings come from `dsp::meters` through the shared atomics.

use egui::{Align2, Color32, FontId, Rect, Stroke, Ui, pos2, vec2};

use super::theme;
use crate::dsp::meters::MeterReadings;

/// Bar scale in dB (peak dBFS and LUFS share it).
const BAR_TOP_DB: f32 = 6.0;
const BAR_BOTTOM_DB: f32 = -60.0;
/// Above this the peak bar turns red (sample peak near full scale).
const PEAK_WARN_DB: f32 = -1.0;

fn frac(db: f32) -> f32 {
    ((db - BAR_BOTTOM_DB) / (BAR_TOP_DB - BAR_BOTTOM_DB)).clamp(0.0, 1.0)
}

fn fmt_db(db: f32) -> String {
    if db <= BAR_BOTTOM_DB - 30.0 {
        "-inf".to_owned()
    } else {
        format!("{db:.1}")
    }
}

fn bar(ui: &Ui, rect: Rect, db: f32, color: Color32) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::PLOT_BG);
    let h = rect.height() * frac(db);
    let fill = Rect::from_min_max(pos2(rect.left(), rect.bottom() - h), rect.max);
    painter.rect_filled(fill, 2.0, color);
}

/// The meter column; fills the available height.
pub fn meters(ui: &mut Ui, r: &MeterReadings) {
    let avail = ui.available_size();
    let (rect, _) = ui.allocate_exact_size(avail, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let font = FontId::proportional(12.0);
    let small = FontId::proportional(11.0);

    // Layout: header row, bars, numbers, correlation at the bottom.
    let header_h = 18.0;
    let numbers_h = 36.0;
    let corr_h = 46.0;
    let bars = Rect::from_min_max(
        pos2(rect.left() + 26.0, rect.top() + header_h),
        pos2(rect.right(), rect.bottom() - numbers_h - corr_h),
    );
    // Scale labels on the left.
    for db in [0.0f32, -6.0, -12.0, -24.0, -36.0, -48.0] {
        let y = bars.bottom() - bars.height() * frac(db);
        painter.text(
            pos2(bars.left() - 4.0, y),
            Align2::RIGHT_CENTER,
            format!("{db:.0}"),
            small.clone(),
            theme::TEXT_DIM,
        );
        painter.line_segment(
            [pos2(bars.left(), y), pos2(bars.right(), y)],
            Stroke::new(1.0, theme::GRID),
        );
    }
    // Four bars: peak L, peak R, loudness L, loudness R.
    let gap = 4.0;
    let group_gap = 10.0;
    let w = (bars.width() - 2.0 * gap - group_gap) / 4.0;
    let mut x = bars.left();
    let mut column = |label: &str, db: f32, color: Color32, extra_gap: f32| {
        let r = Rect::from_min_size(pos2(x, bars.top()), vec2(w, bars.height()));
        bar(ui, r, db, color);
        painter.text(
            pos2(r.center().x, rect.top()),
            Align2::CENTER_TOP,
            label,
            small.clone(),
            theme::TEXT_DIM,
        );
        painter.text(
            pos2(r.center().x, bars.bottom() + 4.0),
            Align2::CENTER_TOP,
            fmt_db(db),
            font.clone(),
            theme::TEXT,
        );
        x += w + gap + extra_gap;
    };
    for ch in 0..2 {
        let db = r.peak_db[ch];
        let color = if db > PEAK_WARN_DB {
            theme::WARN
        } else {
            theme::OK
        };
        column(
            ["Pk L", "Pk R"][ch],
            db,
            color,
            if ch == 1 { group_gap } else { 0.0 },
        );
    }
    for ch in 0..2 {
        column(
            ["ST L", "ST R"][ch],
            r.short_term_lufs[ch],
            theme::ANALYZER,
            0.0,
        );
    }
    painter.text(
        pos2(bars.right(), bars.bottom() + 20.0),
        Align2::RIGHT_TOP,
        "dBFS peak · LUFS 3 s",
        small.clone(),
        theme::TEXT_DIM,
    );

    // Correlation: -1 … +1.
    let corr = Rect::from_min_max(
        pos2(rect.left() + 4.0, rect.bottom() - corr_h + 18.0),
        pos2(rect.right() - 4.0, rect.bottom() - 12.0),
    );
    painter.text(
        pos2(corr.left(), corr.top() - 3.0),
        Align2::LEFT_BOTTOM,
        format!("Correlation {:+.2}", r.correlation),
        font,
        theme::TEXT,
    );
    painter.rect_filled(corr, 2.0, theme::PLOT_BG);
    let cx = corr.center().x;
    let px = cx + 0.5 * corr.width() * r.correlation.clamp(-1.0, 1.0);
    let color = if r.correlation < 0.0 {
        theme::WARN
    } else {
        theme::OK
    };
    painter.rect_filled(
        Rect::from_min_max(
            pos2(cx.min(px), corr.top()),
            pos2(cx.max(px), corr.bottom()),
        ),
        0.0,
        color,
    );
    painter.line_segment(
        [pos2(cx, corr.top() - 2.0), pos2(cx, corr.bottom() + 2.0)],
        Stroke::new(1.0, theme::GRID_STRONG),
    );
    for (t, label) in [(0.0, "-1"), (1.0, "+1")] {
        painter.text(
            pos2(corr.left() + t * corr.width(), corr.bottom() + 1.0),
            if t == 0.0 {
                Align2::LEFT_TOP
            } else {
                Align2::RIGHT_TOP
            },
            label,
            small.clone(),
            theme::TEXT_DIM,
        );
    }
}
