//! The committed generated model files (`src/models/measured.rs`, `src/models/classes.rs`)
//! are what `cargo xtask fit-models` writes now, byte for byte.

use cans_tools::generate;

#[test]
fn generated_model_files_are_up_to_date() {
    let fits = generate::fit_all();
    let root = generate::plugin_crate_dir();
    for (path, text) in generate::generated_files(&fits) {
        let committed = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(
            committed == text,
            "{path} differs from what `cargo xtask fit-models` generates now; rerun it"
        );
    }
}
