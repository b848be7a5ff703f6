//! Helpers shared by the integration tests. Every test file that needs them includes this
//! one module with `mod support;` and uses what it needs (`support::engine::settings`,
//! `support::clap_host::ClapPlugin`, ...). Each test binary compiles all of it and uses
//! part, so dead code is allowed here, once, for every submodule.

#![allow(dead_code)]

use std::path::PathBuf;

pub mod clap_host;
pub mod clicks;
pub mod engine;
pub mod heap_count;
pub mod session_v1;
pub mod signal;
pub mod vst3_host;

/// The number in the environment variable `name` (how long a test runs, how many cases),
/// or `default` when it is not set or not a number.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The workspace root (the plug-in crate's root).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder `cargo xtask bundle` writes the plug-ins to, the same for every host test:
/// `$CANS_BUNDLE_DIR` if set (`cargo xtask test` sets it), else `$CARGO_TARGET_DIR/bundled`
/// if set (a relative one taken from the workspace root), else `<workspace>/target/bundled`.
pub fn bundle_dir() -> PathBuf {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = set("CANS_BUNDLE_DIR") {
        return PathBuf::from(dir);
    }
    let target = set("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    // `join` keeps an absolute target directory as it is.
    workspace_root().join(target).join("bundled")
}

/// A bundle in [`bundle_dir`] (`Cans.clap`, `Cans.vst3`); panics naming the path and the
/// command that builds it if it is not there.
pub fn bundle(file_name: &str) -> PathBuf {
    let path = bundle_dir().join(file_name);
    assert!(
        path.exists(),
        "{} does not exist: build it with `cargo xtask bundle cans --features \
         assert_process_allocs` (with the same CARGO_TARGET_DIR), or run `cargo xtask test`, \
         which bundles it first",
        path.display()
    );
    path
}

/// The bundled CLAP plug-in.
pub fn clap_bundle() -> PathBuf {
    bundle("Cans.clap")
}

/// The bundled VST3 plug-in.
pub fn vst3_bundle() -> PathBuf {
    bundle("Cans.vst3")
}
