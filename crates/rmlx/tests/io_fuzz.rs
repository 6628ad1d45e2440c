//! A CI-sized run of the io fuzzer (`tests/fuzzer`): a few thousand mutated inputs per
//! parser must each end in `Ok` or a clean `Err`, never a panic. Long runs:
//! `cargo run --release -p rmlx --example fuzz_io -- 1000000`.

mod fuzzer;

#[test]
fn io_parsers_never_panic() {
    for t in fuzzer::targets() {
        let c = fuzzer::run(&t, 3000, 0x5eed);
        eprintln!("{:12} {:?}", t.name, c);
        assert_eq!(c.panics, 0, "{}: {c:?}", t.name);
        assert!(
            c.ok > 0 && c.err > 0,
            "{}: the mutations must reach both outcomes: {c:?}",
            t.name
        );
    }
}
