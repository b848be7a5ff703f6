mod bench;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => Ok(bench::run(&args[1..]).map_err(BoxError::from)?),
        _ => nice_plug_xtask::main(),
    }
}
