//! `cans-fit-models` (run by `cargo xtask fit-models`): fit every bundled headphone
//! measurement and write the generated model files (`src/models/measured.rs`,
//! `src/models/classes.rs` of the plug-in crate).
//!
//! The file text lives in this crate's library (`cans_tools::generate`), so the test
//! `generated_model_files_are_up_to_date` can regenerate them in-process and compare byte
//! for byte. This is a binary of `cans-tools` rather than code in `xtask`, so `xtask` does
//! not depend on the plug-in (building xtask stays quick).

use cans_tools::generate;

fn main() -> std::io::Result<()> {
    let root = generate::plugin_crate_dir();
    let fits = generate::fit_all();
    let named = fits
        .headphones
        .iter()
        .map(|(h, _, fit)| (h.name, fit))
        .chain([("Open-back", &fits.open.1), ("Closed-back", &fits.closed.1)]);
    for (name, fit) in named {
        println!(
            "{:<36} {:>2} sections  RMS {:.3} dB  max {:.3} dB",
            name,
            fit.sections.len(),
            fit.rms_db,
            fit.max_db
        );
    }
    for (path, text) in generate::generated_files(&fits) {
        std::fs::write(root.join(path), text)?;
        println!("wrote {path}");
    }
    Ok(())
}
