//! Link flags for the plug-in library.
//!
//! `-z nodelete` keeps the loaded `.so` mapped after a host's `dlclose`. The framework asks
//! for `std::thread::current()` on the host's thread when an instance is created (nice-plug
//! `event_loop/linux.rs`), which registers a pthread thread-exit destructor inside the
//! plug-in's copy of Rust std. A host that unloads the module and later ends that thread
//! would jump into unmapped code and crash (found by the VST3 host tests; regression test
//! `tests/host_vst3_unload.rs`).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        os.as_str(),
        "linux" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
