//! Quick f32 matmul throughput check: `cargo run --release --example matmul_bench [sizes..]`.
//! Prints the best of a few runs per size in GFLOP/s (2·n³ flops per product).

use rmlx::{ops, Array};
use std::time::Instant;

fn main() {
    let sizes: Vec<i32> = std::env::args()
        .skip(1)
        .filter_map(|s| s.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![512, 1024, 2048]
    } else {
        sizes
    };
    for n in sizes {
        let len = (n as usize) * (n as usize);
        let a: Vec<f32> = (0..len)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let a = Array::from_slice(&a, &[n, n]).expect("input");
        let b = Array::from_slice(&a.to_vec::<f32>().expect("read"), &[n, n]).expect("input");
        let reps = if n >= 2048 { 3 } else { 5 };
        let mut best = f64::INFINITY;
        for _ in 0..reps + 1 {
            let t = Instant::now();
            ops::matmul(&a, &b).expect("matmul").eval().expect("eval");
            best = best.min(t.elapsed().as_secs_f64());
        }
        let gflops = 2.0 * (n as f64).powi(3) / best / 1e9;
        println!("rmlx  n={n}: {gflops:.1} GFLOP/s ({:.2} ms)", best * 1e3);
    }
}
