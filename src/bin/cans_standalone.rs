//! Cans as a standalone application (JACK, ALSA via cpal, or the silent dummy backend).
//! Build with `--features standalone`; `cargo xtask screenshot` runs it headless.

fn main() {
    nice_plug::prelude::nice_export_standalone::<cans::Cans>();
}
