//! Graph overhead probe: build and evaluate a chain of tiny ops.
use rmlx::{ops, Array};
fn main() {
    let one = Array::scalar(1.0f32);
    for _ in 0..5 {
        let mut x = Array::from_slice(&[1.0f32], &[1]).unwrap();
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            x = ops::add(&x, &one).unwrap();
        }
        let build = t.elapsed();
        x.eval().unwrap();
        println!("build {:?} total {:?}", build, t.elapsed());
    }
}
