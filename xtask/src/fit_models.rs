//! `cargo xtask fit-models`: runs `cans-tools`' `cans-fit-models` binary, which fits every
//! bundled headphone measurement and writes the generated model files
//! (`src/models/measured.rs`, `src/models/classes.rs`). The fitter lives in the plug-in
//! library and the generator in `cans-tools`; keeping both out of `xtask` keeps xtask quick
//! to build.

use crate::workspace;

pub fn run() -> nice_plug_xtask::Result<()> {
    workspace::run(workspace::cargo().args([
        "run",
        "--package",
        "cans-tools",
        "--bin",
        "cans-fit-models",
    ]))
}
