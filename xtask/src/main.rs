//! `cargo xtask <command>`: project tasks. Each command lives in its own module; anything
//! not listed here (`bundle`, `bundle-universal`, `known-packages`) goes to nice-plug's
//! bundler.

mod bench;
mod fit_models;
mod install;
#[cfg(feature = "screenshot")]
mod screenshot;
mod test_all;
mod workspace;

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fit-models") => fit_models::run(),
        Some("test") => test_all::main(&args[1..]),
        Some("install") => install::main(&args[1..]),
        #[cfg(feature = "screenshot")]
        Some("screenshot") => screenshot::run(&args[1..]),
        // The screenshot needs the JACK client library (feature `screenshot`); run the
        // xtask built with it rather than make every xtask build need JACK's headers.
        #[cfg(not(feature = "screenshot"))]
        Some("screenshot") => workspace::run(
            workspace::cargo()
                .args([
                    "run",
                    "--package",
                    "xtask",
                    "--release",
                    "--features",
                    "screenshot",
                    "--",
                ])
                .args(&args),
        ),
        Some("bench") => {
            if let Err(e) = bench::run(&args[1..]) {
                eprintln!("xtask bench: {e}");
                std::process::exit(1);
            }
            Ok(())
        }
        _ => nice_plug_xtask::main(),
    }
}
