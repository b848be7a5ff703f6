//! Paths and process helpers shared by the xtask commands.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The plug-in package and the bundle name `bundler.toml` gives it.
pub const PACKAGE: &str = "cans";
pub const BUNDLE_NAME: &str = "Cans";

/// Workspace root and target directory (honours `CARGO_TARGET_DIR` and `.cargo/config.toml`).
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
}

/// The workspace root: the folder holding `xtask/`.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// A `cargo` command in the workspace root, run by the cargo that runs this xtask (so
/// `cargo +toolchain xtask ...` stays on that toolchain).
pub fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(root());
    cargo
}

impl Workspace {
    /// Find the workspace and make it the current directory.
    pub fn enter() -> Result<Self> {
        let root = root();
        std::env::set_current_dir(&root)
            .with_context(|| format!("cannot enter {}", root.display()))?;
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(root.join("Cargo.toml"))
            .no_deps()
            .exec()
            .context("cargo metadata failed")?;
        Ok(Self {
            root,
            target_dir: metadata.target_directory.into_std_path_buf(),
        })
    }

    /// Where `cargo xtask bundle` writes the plug-ins.
    pub fn bundled_dir(&self) -> PathBuf {
        self.target_dir.join("bundled")
    }

    pub fn clap_bundle(&self) -> PathBuf {
        self.bundled_dir().join(format!("{BUNDLE_NAME}.clap"))
    }

    pub fn vst3_bundle(&self) -> PathBuf {
        self.bundled_dir().join(format!("{BUNDLE_NAME}.vst3"))
    }
}

/// Run `cargo xtask bundle cans <extra args>` in this process (nice-plug's bundler).
pub fn bundle(extra_args: &[&str]) -> Result<()> {
    let mut args = vec!["bundle".to_string(), PACKAGE.to_string()];
    args.extend(extra_args.iter().map(|a| a.to_string()));
    nice_plug_xtask::main_with_args("cargo xtask", args)
}

/// Run a command to completion, failing with its exit status.
pub fn run(command: &mut Command) -> Result<()> {
    eprintln!("+ {command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}
