mod bench;

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
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
