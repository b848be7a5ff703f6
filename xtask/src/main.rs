mod fit_models;

fn main() -> nice_plug_xtask::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("fit-models") => fit_models::run(),
        _ => nice_plug_xtask::main(),
    }
}
