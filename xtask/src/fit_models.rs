//! `cargo xtask fit-models`: runs the plug-in crate's `cans-fit-models` binary, which fits
//! every bundled headphone measurement and writes the generated model files
//! (`src/models/measured.rs`, `src/models/classes.rs`). The fitter lives in the plug-in
//! library; keeping it out of `xtask` keeps xtask quick to build.

use std::path::Path;
use std::process::Command;

pub fn run() -> nice_plug_xtask::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["run", "--package", "cans", "--bin", "cans-fit-models"])
        .status()?;
    if !status.success() {
        anyhow::bail!("cans-fit-models failed ({status})");
    }
    Ok(())
}
