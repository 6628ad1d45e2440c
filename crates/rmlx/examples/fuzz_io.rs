//! Long runs of the io fuzzer: `cargo run --release -p rmlx --example fuzz_io -- COUNT [SEED]`
//! runs COUNT mutated inputs through each parser and prints, per parser, the inputs run and
//! how many parsed, failed cleanly or panicked. Exits with status 1 if anything panicked.

#[path = "../tests/fuzzer/mod.rs"]
mod fuzzer;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    // Panics are counted (and the input printed) by the fuzzer; keep the default message out.
    std::panic::set_hook(Box::new(|_| {}));
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>7} {:>8}",
        "parser", "inputs", "ok", "clean err", "panics", "seconds"
    );
    let mut any = false;
    for t in fuzzer::targets() {
        let start = std::time::Instant::now();
        let c = fuzzer::run(&t, count, seed);
        any |= c.panics > 0;
        println!(
            "{:<12} {:>10} {:>10} {:>10} {:>7} {:>8.1}",
            t.name,
            c.run,
            c.ok,
            c.err,
            c.panics,
            start.elapsed().as_secs_f64()
        );
    }
    if any {
        std::process::exit(1);
    }
}
