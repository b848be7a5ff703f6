//! `cargo xtask fit-models`: fit every bundled headphone measurement and write the
//! generated model files (`src/models/measured.rs`, `src/models/classes.rs`).
//!
//! The fitting and the file text live in the `cans` library (`cans::models::generate`), so
//! the test `generated_model_files_are_up_to_date` can regenerate them in-process and
//! compare byte for byte.

use std::path::PathBuf;

use cans::models::generate;

pub fn run() -> nice_plug_xtask::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf();
    let fits = generate::fit_all();
    for (h, _, fit) in &fits.headphones {
        println!(
            "{:<36} {:>2} sections  RMS {:.3} dB  max {:.3} dB",
            h.name,
            fit.sections.len(),
            fit.rms_db,
            fit.max_db
        );
    }
    for (name, (_, fit)) in [("Open-back", &fits.open), ("Closed-back", &fits.closed)] {
        println!(
            "{:<36} {:>2} sections  RMS {:.3} dB  max {:.3} dB",
            name,
            fit.sections.len(),
            fit.rms_db,
            fit.max_db
        );
    }
    for (path, text) in [
        (generate::MEASURED_PATH, generate::measured_rs(&fits)),
        (generate::CLASSES_PATH, generate::classes_rs(&fits)),
    ] {
        std::fs::write(root.join(path), text)?;
        println!("wrote {path}");
    }
    Ok(())
}
