mod screenshot;

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("screenshot") => screenshot::run(&args[1..]),
        _ => nice_plug_xtask::main(),
    }
}
