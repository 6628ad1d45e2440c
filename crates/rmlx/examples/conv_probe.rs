//! Scratch timing probe for the conv kernel (not committed).
use std::time::Instant;
fn main() {
    let k = 576usize;
    let n = 64usize;
    for &m in &[227usize, 256, 455, 512] {
        let a = vec![1.0f32; m * k];
        let b = vec![1.0f32; k * n];
        let mut c = vec![0.0f32; m * n];
        for &(brs, bcs, label) in &[
            (1isize, k as isize, "b col-major"),
            (n as isize, 1, "b row-major"),
        ] {
            let reps = (200_000_000 / (m * k * n)).max(3);
            let t = Instant::now();
            for _ in 0..reps {
                unsafe {
                    gemm::gemm(
                        m,
                        n,
                        k,
                        c.as_mut_ptr(),
                        1,
                        n as isize,
                        false,
                        a.as_ptr(),
                        1,
                        k as isize,
                        b.as_ptr(),
                        bcs,
                        brs,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                }
            }
            let dt = t.elapsed().as_secs_f64() / reps as f64;
            println!(
                "m={m} {label}: {:.1} GFLOP/s",
                2.0 * (m * k * n) as f64 / dt / 1e9
            );
        }
    }
    let x = rmlx::ops::ones(&[8, 56, 56, 64], rmlx::Dtype::Float32).unwrap();
    let w = rmlx::ops::ones(&[64, 3, 3, 64], rmlx::Dtype::Float32).unwrap();
    x.eval().unwrap();
    w.eval().unwrap();
    let w1 = rmlx::ops::ones(&[1, 3, 3, 64], rmlx::Dtype::Float32).unwrap();
    w1.eval().unwrap();
    for (label, w) in [("O=64", &w), ("O=1", &w1)] {
        let mut best = f64::MAX;
        for _ in 0..10 {
            let t = Instant::now();
            let y = rmlx::ops::conv2d(&x, w, (1, 1), (1, 1), (1, 1), 1).unwrap();
            y.eval().unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "conv2d {label} best {:.2} ms {:.0} GFLOP/s(O=64 equiv)",
            best * 1e3,
            2.0 * 25088.0 * 576.0 * 64.0 / best / 1e9
        );
    }
}
