//! `cargo xtask <command>`: project tasks. Each command lives in its own module; anything
//! not listed here (`bundle`, `bundle-universal`, `known-packages`) goes to nice-plug's
//! bundler.

mod bench;
mod fit_models;
mod install;
mod screenshot;
mod test_all;
mod workspace;

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fit-models") => fit_models::run(),
        Some("test") => test_all::main(&args[1..]),
        Some("install") => install::main(&args[1..]),
        Some("screenshot") => screenshot::run(&args[1..]),
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
