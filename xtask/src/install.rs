//! `cargo xtask install`: build the release plug-in and copy it to the user's plug-in
//! folders, where DAWs look for it.
//!
//! Linux: `~/.clap`, `~/.vst3`. macOS: `~/Library/Audio/Plug-Ins/{CLAP,VST3}`.
//! Windows: `%COMMONPROGRAMFILES%\{CLAP,VST3}` (needs an elevated prompt). These are the
//! per-user or system search paths named in the CLAP (`clap/entry.h`) and VST3 ("Plug-in
//! Locations") specifications.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::workspace::{self, Workspace};

pub fn main(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("`cargo xtask install` takes no arguments (got {arg:?})");
    }
    let ws = Workspace::enter()?;
    workspace::bundle(&["--release"])?;

    let (clap_dir, vst3_dir) = plugin_dirs()?;
    for (bundle, dir) in [(ws.clap_bundle(), clap_dir), (ws.vst3_bundle(), vst3_dir)] {
        let name = bundle.file_name().context("bundle without a name")?;
        let dest = dir.join(name);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        replace(&bundle, &dest)?;
        println!("Installed {}", dest.display());
    }
    println!("Restart your DAW or rescan plug-ins to see Cans.");
    Ok(())
}

fn plugin_dirs() -> Result<(PathBuf, PathBuf)> {
    if cfg!(target_os = "windows") {
        let common = std::env::var_os("COMMONPROGRAMFILES")
            .map(PathBuf::from)
            .context("%COMMONPROGRAMFILES% is not set")?;
        Ok((common.join("CLAP"), common.join("VST3")))
    } else {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("$HOME is not set")?;
        if cfg!(target_os = "macos") {
            let plugins = home.join("Library/Audio/Plug-Ins");
            Ok((plugins.join("CLAP"), plugins.join("VST3")))
        } else {
            Ok((home.join(".clap"), home.join(".vst3")))
        }
    }
}

/// Copy a file or a bundle folder over whatever was installed before.
fn replace(src: &Path, dest: &Path) -> Result<()> {
    if dest.is_dir() {
        fs::remove_dir_all(dest).with_context(|| format!("cannot remove {}", dest.display()))?;
    } else if dest.exists() {
        fs::remove_file(dest).with_context(|| format!("cannot remove {}", dest.display()))?;
    }
    copy_recursive(src, dest)
}

fn copy_recursive(src: &Path, dest: &Path) -> Result<()> {
    if src.is_dir() {
        fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
        for entry in fs::read_dir(src).with_context(|| format!("cannot read {}", src.display()))? {
            let entry = entry?;
            copy_recursive(&entry.path(), &dest.join(entry.file_name()))?;
        }
    } else {
        fs::copy(src, dest)
            .with_context(|| format!("cannot copy {} to {}", src.display(), dest.display()))?;
    }
    Ok(())
}
