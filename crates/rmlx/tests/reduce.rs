//! Reductions and softmax against NumPy/MLX fixtures, plus large and strided inputs that
//! exercise the vector, column, general and threaded kernel paths.

mod common;

use common::{array, assert_matches, dtype, load, tolerance};
use rmlx::{ops, Array, Dtype, Result};
use serde_json::Value;

fn axes_of(kw: &Value) -> Option<Vec<i32>> {
    kw.get("axes")
        .and_then(|a| a.as_array())
        .map(|v| v.iter().map(|x| x.as_i64().unwrap() as i32).collect())
}

fn run(op: &str, a: &Array, kw: &Value) -> Result<Array> {
    let keep = kw.get("keepdims").and_then(Value::as_bool).unwrap_or(false);
    let ddof = kw.get("ddof").and_then(Value::as_i64).unwrap_or(0) as i32;
    let precise = kw.get("precise").and_then(Value::as_bool).unwrap_or(false);
    let axes = axes_of(kw);
    macro_rules! red {
        ($f:ident, $all:ident $(, $extra:expr)*) => {
            match &axes {
                Some(ax) => ops::$f(a, ax, keep $(, $extra)*),
                None => ops::$all(a, keep $(, $extra)*),
            }
        };
    }
    match op {
        "sum" => red!(sum, sum_all),
        "prod" => red!(prod, prod_all),
        "max" => red!(max, max_all),
        "min" => red!(min, min_all),
        "all" => red!(all, all_all),
        "any" => red!(any, any_all),
        "mean" => red!(mean, mean_all),
        "var" => red!(var, var_all, ddof),
        "std" => red!(std, std_all, ddof),
        "logsumexp" => red!(logsumexp, logsumexp_all),
        "softmax" => match &axes {
            Some(ax) => ops::softmax(a, ax, precise),
            None => ops::softmax_all(a, precise),
        },
        "argmax" | "argmin" => {
            let axis = kw.get("axis").and_then(Value::as_i64).map(|x| x as i32);
            if op == "argmax" {
                ops::argmax(a, axis, keep)
            } else {
                ops::argmin(a, axis, keep)
            }
        }
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn fixtures() {
    let cases = load("reduce");
    let mut checked = 0;
    let mut relaid = 0;
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap();
        let a = array(&c["inputs"][0]);
        let got = run(op, &a, &c["kwargs"]).and_then(|r| r.eval().map(|_| r));
        if let Some(err) = c["error"].as_str() {
            let e = got
                .err()
                .unwrap_or_else(|| panic!("{name}: expected error {err}"));
            let (kind, msg) = err.split_once(": ").unwrap();
            assert_eq!(e.python_exception(), kind, "{name}: {e}");
            // rmlx prefixes every message with `[function]`; MLX's reduce errors may not.
            assert!(
                e.to_string().ends_with(
                    msg.trim_start_matches(|ch| ch != ']' && msg.starts_with('['))
                        .trim_start_matches("] ")
                ) || e.to_string().ends_with(msg),
                "{name}: message {e:?} vs MLX {msg:?}"
            );
            checked += 1;
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        let exp = &c["expected"];
        let (mut rtol, mut atol) = tolerance(dtype(exp["dtype"].as_str().unwrap()));
        let in_dt = dtype(c["inputs"][0]["dtype"].as_str().unwrap());
        if matches!(op, "var" | "std") && matches!(in_dt, Dtype::Float16 | Dtype::Bfloat16) {
            // MLX computes these in the half type itself; rmlx accumulates in f32.
            rtol *= 4.0;
            atol *= 4.0;
        }
        if matches!(op, "logsumexp" | "softmax" | "var" | "std" | "mean") {
            rtol = rtol.max(1e-5);
            atol = atol.max(1e-6);
        }
        assert_matches(name, &got, exp, rtol, atol);
        checked += 1;
        // The same values in non-contiguous layouts take the strided reduction paths.
        if a.ndim() > 0 {
            for layout in common::LAYOUTS {
                let x = common::relayout(&a, layout);
                let got =
                    run(op, &x, &c["kwargs"]).unwrap_or_else(|e| panic!("{name} {layout}: {e}"));
                assert_matches(&format!("{name} ({layout})"), &got, exp, rtol, atol);
                relaid += 1;
            }
        }
    }
    assert_eq!(checked, cases.len());
    eprintln!("{checked} reduce fixtures checked, {relaid} re-laid-out runs");
}

/// Deterministic test data in [-1, 1).
fn data(n: usize, seed: u64) -> Vec<f32> {
    common::random_f32(n, seed)
}

/// Reference reductions in f64 over a row-major (n0, n1) matrix along `axis`.
fn reference(x: &[f32], n0: usize, n1: usize, axis: usize, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let (outer, inner) = if axis == 1 { (n0, n1) } else { (n1, n0) };
    (0..outer)
        .map(|o| {
            let v: Vec<f64> = (0..inner)
                .map(|i| if axis == 1 { x[o * n1 + i] } else { x[i * n1 + o] } as f64)
                .collect();
            f(&v)
        })
        .collect()
}

fn close(got: &[f32], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() <= tol * (1.0 + w.abs()),
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

#[test]
fn large_rows_columns_and_threads() {
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let max = |v: &[f64]| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse = |v: &[f64]| {
        let m = max(v);
        m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
    };
    let var = |v: &[f64]| {
        let m = sum(v) / v.len() as f64;
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
    };
    for &(n0, n1) in &[
        (300usize, 257usize),
        (257, 300),
        (2, 70000),
        (70000, 3),
        (3, 5),
        (1, 200_000),
    ] {
        let x = data(n0 * n1, (n0 * 31 + n1) as u64);
        let a = Array::from_slice(&x, &[n0 as i32, n1 as i32]).unwrap();
        for axis in [0usize, 1] {
            let what = format!("({n0},{n1}) axis {axis}");
            let ax = [axis as i32];
            close(
                &ops::sum(&a, &ax, false).unwrap().to_vec::<f32>().unwrap(),
                &reference(&x, n0, n1, axis, sum),
                1e-5,
                &format!("sum {what}"),
            );
            close(
                &ops::max(&a, &ax, false).unwrap().to_vec::<f32>().unwrap(),
                &reference(&x, n0, n1, axis, max),
                0.0,
                &format!("max {what}"),
            );
            close(
                &ops::logsumexp(&a, &ax, false)
                    .unwrap()
                    .to_vec::<f32>()
                    .unwrap(),
                &reference(&x, n0, n1, axis, lse),
                1e-5,
                &format!("lse {what}"),
            );
            close(
                &ops::var(&a, &ax, false, 0)
                    .unwrap()
                    .to_vec::<f32>()
                    .unwrap(),
                &reference(&x, n0, n1, axis, var),
                1e-5,
                &format!("var {what}"),
            );
            let am = ops::argmax(&a, Some(axis as i32), false)
                .unwrap()
                .to_vec::<u32>()
                .unwrap();
            let mx = reference(&x, n0, n1, axis, max);
            for (o, &i) in am.iter().enumerate() {
                let v = if axis == 1 {
                    x[o * n1 + i as usize]
                } else {
                    x[i as usize * n1 + o]
                };
                assert_eq!(v as f64, mx[o], "argmax {what}");
            }
            // Softmax rows sum to one.
            let s = ops::sum(&ops::softmax(&a, &ax, false).unwrap(), &ax, false)
                .unwrap()
                .to_vec::<f32>()
                .unwrap();
            assert!(s.iter().all(|&v| (v - 1.0).abs() < 1e-4), "softmax {what}");
        }
        let total = ops::sum_all(&a, false).unwrap().item::<f32>().unwrap() as f64;
        let want: f64 = x.iter().map(|&v| v as f64).sum();
        assert!(
            (total - want).abs() < 1e-5 * x.len() as f64,
            "full sum ({n0},{n1})"
        );
    }
}

#[test]
fn broadcast_inputs_use_strided_paths() {
    // Stride-0 dimensions: rows of a broadcast vector, and a broadcast column.
    let v = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[1, 4]).unwrap();
    let b = ops::broadcast_to(&v, &[3, 4]).unwrap();
    assert_eq!(
        ops::sum(&b, &[0], false).unwrap().to_vec::<f32>().unwrap(),
        vec![3.0, 6.0, 9.0, 12.0]
    );
    assert_eq!(
        ops::sum(&b, &[1], false).unwrap().to_vec::<f32>().unwrap(),
        vec![10.0; 3]
    );
    assert_eq!(ops::max_all(&b, false).unwrap().item::<f32>().unwrap(), 4.0);
    assert_eq!(
        ops::argmax(&b, Some(1), false)
            .unwrap()
            .to_vec::<u32>()
            .unwrap(),
        vec![3; 3]
    );
    assert_eq!(
        ops::argmin(&b, None, false).unwrap().item::<u32>().unwrap(),
        0
    );
    let c = Array::from_slice(&[1i32, -2, 3], &[3, 1]).unwrap();
    let c = ops::broadcast_to(&c, &[3, 5]).unwrap();
    assert_eq!(
        ops::sum(&c, &[1], true).unwrap().to_vec::<i32>().unwrap(),
        vec![5, -10, 15]
    );
    assert_eq!(
        ops::prod(&c, &[0], false).unwrap().to_vec::<i32>().unwrap(),
        vec![-6; 5]
    );
    let m = ops::mean(&c, &[0, 1], false)
        .unwrap()
        .item::<f32>()
        .unwrap();
    assert!((m - 2.0 / 3.0).abs() < 1e-6);
    let s = ops::softmax(&c, &[1], false)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    assert!(s.iter().all(|&p| (p - 0.2).abs() < 1e-6));
    let s = ops::softmax(&c, &[0], false)
        .unwrap()
        .to_vec::<i32>()
        .unwrap();
    assert_eq!(s.len(), 15);
    // A large broadcast input goes through the threaded general path.
    let big =
        ops::broadcast_to(&Array::from_slice(&[0.5f32], &[1, 1]).unwrap(), &[600, 700]).unwrap();
    assert_eq!(
        ops::sum_all(&big, false).unwrap().item::<f32>().unwrap(),
        210000.0
    );
    assert_eq!(
        ops::sum(&big, &[1], false)
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![350.0; 600]
    );
}

#[test]
fn shapes_dtypes_and_names() {
    let a = ops::zeros(&[2, 3, 4], Dtype::Int8).unwrap();
    let s = ops::sum(&a, &[-1, 0], true).unwrap();
    assert_eq!((s.shape(), s.dtype()), (&[1, 3, 1][..], Dtype::Int32));
    assert_eq!(s.primitive_name().as_deref(), Some("Reduce"));
    assert_eq!(
        ops::argmax(&a, Some(1), false)
            .unwrap()
            .primitive_name()
            .as_deref(),
        Some("ArgReduce")
    );
    let f = ops::astype(&a, Dtype::Float32).unwrap();
    assert_eq!(
        ops::softmax(&f, &[-1], false)
            .unwrap()
            .primitive_name()
            .as_deref(),
        Some("Softmax")
    );
    assert_eq!(
        ops::logsumexp(&f, &[2], false)
            .unwrap()
            .primitive_name()
            .as_deref(),
        Some("LogSumExp")
    );
    assert_eq!(ops::sum(&a, &[], false).unwrap().dtype(), Dtype::Int8);
    assert_eq!(
        ops::mean_all(&ops::zeros(&[3], Dtype::Uint64).unwrap(), false)
            .unwrap()
            .dtype(),
        Dtype::Float32
    );
    // Complex variance is the mean squared magnitude of the deviation: a float32 result.
    let z = Array::from_slice(
        &[
            num_complex::Complex32::new(1.0, 2.0),
            num_complex::Complex32::new(3.0, -1.0),
        ],
        &[2],
    )
    .unwrap();
    let v = ops::var_all(&z, false, 0).unwrap();
    assert_eq!(v.dtype(), Dtype::Float32);
    assert!((v.item::<f32>().unwrap() - 3.25).abs() < 1e-6);
}

/// Throughput of full and row sums on 16M f32 (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn bench_sum() {
    let n = 4096usize;
    let x = data(n * n, 1);
    let a = Array::from_slice(&x, &[n as i32, n as i32]).unwrap();
    let bytes = (n * n * 4) as f64;
    for (what, axes) in [
        ("full sum", vec![0, 1]),
        ("row sum (axis -1)", vec![1]),
        ("col sum (axis 0)", vec![0]),
    ] {
        let mut best = f64::MAX;
        for _ in 0..10 {
            let t = std::time::Instant::now();
            ops::sum(&a, &axes, false).unwrap().eval().unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        eprintln!(
            "{what}: {:.2} ms, {:.1} GB/s",
            best * 1e3,
            bytes / best / 1e9
        );
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        ops::softmax(&a, &[-1], false).unwrap().eval().unwrap();
        best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "softmax (axis -1): {:.2} ms, {:.1} GB/s (read+write)",
        best * 1e3,
        2.0 * bytes / best / 1e9
    );
}
