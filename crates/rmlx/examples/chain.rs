//! Graph overhead probe: build and evaluate a chain of tiny ops.
use rmlx::{ops, Array};
fn main() {
    let one = Array::scalar(1.0f32);
    let mut best = f64::MAX;
    let mut best_build = f64::MAX;
    for _ in 0..20 {
        let mut x = Array::from_slice(&[1.0f32], &[1]).unwrap();
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            x = ops::add(&x, &one).unwrap();
        }
        best_build = best_build.min(t.elapsed().as_secs_f64());
        x.eval().unwrap();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "build {:.2} us/op, build+eval {:.2} us/op",
        best_build * 1e3,
        best * 1e3
    );
}
