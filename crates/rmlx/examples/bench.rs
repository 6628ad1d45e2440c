//! The engine benchmark: rmlx beside NumPy (and PyTorch, if installed) in one run.
//!
//! `cargo run --release --example bench` times elementwise ops, reductions, matmul and graph
//! overhead here, then runs `benchmarks/engine_numpy.py` for the same cases with NumPy (and
//! the real MLX and PyTorch when installed) and prints a table with the ratios (> 1 means
//! rmlx is faster). Figures are best-of-N wall times.

use rmlx::{ops, Array, Result};

#[path = "../tests/common/mod.rs"]
mod common;
use common::random_f32 as random;
use std::collections::BTreeMap;
use std::time::Instant;

fn best(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?;
    let mut t = f64::INFINITY;
    for _ in 0..reps {
        let s = Instant::now();
        f()?;
        t = t.min(s.elapsed().as_secs_f64());
    }
    Ok(t)
}

fn rmlx_cases() -> Result<Vec<(String, f64, bool)>> {
    let n = 16 * 1024 * 1024usize;
    let mb = (n * 4) as f64;
    let a = Array::from_slice(&random(n, 1), &[n as i32])?;
    let b = Array::from_slice(&random(n, 2), &[n as i32])?;
    let m = ops::reshape(&a, &[4096, 4096])?;
    let one = Array::scalar(1.0f32);
    let mut out = Vec::new();
    let t = best(10, || ops::add(&ops::multiply(&a, &b)?, &one)?.eval())?;
    out.push(("a*b+1 16M f32 (GB/s)".to_string(), 3.0 * mb / t / 1e9, true));
    let t = best(10, || ops::exp(&a)?.eval())?;
    out.push(("exp 16M f32 (GB/s)".to_string(), 2.0 * mb / t / 1e9, true));
    let t = best(10, || ops::sum_all(&a, false)?.eval())?;
    out.push(("sum 16M f32 (GB/s)".to_string(), mb / t / 1e9, true));
    let t = best(10, || ops::sum(&m, &[1], false)?.eval())?;
    out.push((
        "row-sum 4096x4096 f32 (GB/s)".to_string(),
        mb / t / 1e9,
        true,
    ));
    for k in [512i32, 1024, 2048] {
        let n2 = (k * k) as usize;
        let x = Array::from_slice(&random(n2, 3), &[k, k])?;
        let y = Array::from_slice(&random(n2, 4), &[k, k])?;
        let t = best(if k < 2048 { 5 } else { 3 }, || ops::matmul(&x, &y)?.eval())?;
        out.push((
            format!("matmul {k} f32 (GFLOP/s)"),
            2.0 * (k as f64).powi(3) / t / 1e9,
            true,
        ));
    }
    let tiny = Array::from_slice(&[1.0f32], &[1])?;
    let t = best(10, || {
        let mut x = tiny.clone();
        for _ in 0..1000 {
            x = ops::add(&x, &one)?;
        }
        x.eval()
    })?;
    out.push((
        "1000-op chain, tiny (us/op)".to_string(),
        t * 1e6 / 1000.0,
        false,
    ));
    Ok(out)
}

/// Subnormal inputs versus normal ones: the slowdown factor of `a*b+1` (1.0 = none).
fn subnormal_slowdown() -> Result<f64> {
    let n = 4 * 1024 * 1024usize;
    let normal = Array::from_slice(&vec![0.5f32; n], &[n as i32])?;
    let sub = Array::from_slice(&vec![1e-39f32; n], &[n as i32])?;
    let half = Array::scalar(0.5f32);
    let tn = best(5, || ops::multiply(&normal, &half)?.eval())?;
    let ts = best(5, || ops::multiply(&sub, &half)?.eval())?;
    Ok(ts / tn)
}

fn numpy_side() -> BTreeMap<String, BTreeMap<String, f64>> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/engine_numpy.py"
    );
    let out = match std::process::Command::new("python3").arg(script).output() {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => {
            eprintln!("numpy side failed: {}", String::from_utf8_lossy(&o.stderr));
            return BTreeMap::new();
        }
        Err(e) => {
            eprintln!("python3 not runnable: {e}");
            return BTreeMap::new();
        }
    };
    serde_json::from_slice(&out).unwrap_or_default()
}

fn main() -> Result<()> {
    let ours = rmlx_cases()?;
    let slow = subnormal_slowdown()?;
    let theirs = numpy_side();
    println!(
        "{:<30} {:>8} {:>8} {:>6} {:>8} {:>7} {:>8} {:>6}",
        "case", "rmlx", "numpy", "vs np", "mlx", "vs mlx", "torch", "vs pt"
    );
    for (name, v, higher_better) in &ours {
        let cell = |lib: &str| theirs.get(name).and_then(|m| m.get(lib)).copied();
        let ratio = |o: Option<f64>| match o {
            Some(o) if *higher_better => format!("{:.2}x", v / o),
            Some(o) => format!("{:.2}x", o / v),
            None => "-".into(),
        };
        let show = |o: Option<f64>| o.map(|o| format!("{o:.2}")).unwrap_or_else(|| "-".into());
        println!(
            "{:<30} {:>8.2} {:>8} {:>6} {:>8} {:>7} {:>8} {:>6}",
            name,
            v,
            show(cell("numpy")),
            ratio(cell("numpy")),
            show(cell("mlx")),
            ratio(cell("mlx")),
            show(cell("torch")),
            ratio(cell("torch"))
        );
    }
    println!("ratios: >1 means rmlx is faster (for us/op, the inverse time ratio)");
    let np_slow = theirs
        .get("subnormal slowdown (x)")
        .and_then(|m| m.get("numpy"))
        .copied();
    println!(
        "subnormal a*0.5 slowdown vs normal inputs: rmlx {slow:.2}x (flush-to-zero on kernel \
         threads), numpy {}",
        np_slow
            .map(|v| format!("{v:.2}x"))
            .unwrap_or_else(|| "-".into())
    );
    println!(
        "memory: active {} B, peak {} B, cache {} B",
        rmlx::memory::get_active_memory(),
        rmlx::memory::get_peak_memory(),
        rmlx::memory::get_cache_memory()
    );
    Ok(())
}
