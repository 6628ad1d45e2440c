//! matmul against fixtures from the real MLX (tools/fixtures/matmul.py), plus large and
//! view-shaped products checked against a naive f64 reference.

mod common;

use common::{array, load};
use rmlx::{ops, Array, Dtype};

fn tol(dt: Dtype) -> (f64, f64) {
    match dt {
        Dtype::Float16 => (5e-3, 5e-3),
        Dtype::Bfloat16 => (2e-2, 2e-2),
        Dtype::Float64 => (1e-12, 1e-12),
        _ => (1e-5, 1e-5),
    }
}

#[test]
fn fixtures_match_mlx() {
    let cases = load("matmul");
    assert!(cases.len() > 40);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let ins = case["inputs"].as_array().unwrap();
        let got = ops::matmul(&array(&ins[0]), &array(&ins[1]));
        common::check_outcome(name, got, case, tol);
    }
}

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    common::random_f32(n, seed)
}

/// Row-major `m×k` times `k×n` in f64.
fn reference(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0f64; m * n];
    for i in 0..m {
        for p in 0..k {
            let x = a[i * k + p] as f64;
            for j in 0..n {
                out[i * n + j] += x * b[p * n + j] as f64;
            }
        }
    }
    out
}

fn assert_close(got: &[f32], want: &[f64], k: usize, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    // Error of an f32 dot product of length k with |terms| <= 1.
    let bound = 4.0 * k as f64 * f32::EPSILON as f64;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() <= bound,
            "{what}: element {i}: got {g}, expected {w}"
        );
    }
}

#[test]
fn large_products_use_threads_and_stay_accurate() {
    for &(m, k, n) in &[
        (130usize, 300usize, 70usize),
        (257, 129, 65),
        (1, 1000, 300),
        (300, 700, 1),
    ] {
        let a = values(m * k, 1);
        let b = values(k * n, 2);
        let c = ops::matmul(
            &Array::from_slice(&a, &[m as i32, k as i32]).unwrap(),
            &Array::from_slice(&b, &[k as i32, n as i32]).unwrap(),
        )
        .unwrap();
        assert_close(
            &c.to_vec::<f32>().unwrap(),
            &reference(&a, &b, m, k, n),
            k,
            &format!("{m}x{k}x{n}"),
        );
    }
}

#[test]
fn many_small_batches_run_in_parallel() {
    let (batch, m, k, n) = (64usize, 5usize, 7usize, 3usize);
    let a = values(batch * m * k, 3);
    let b = values(batch * k * n, 4);
    let c = ops::matmul(
        &Array::from_slice(&a, &[batch as i32, m as i32, k as i32]).unwrap(),
        &Array::from_slice(&b, &[batch as i32, k as i32, n as i32]).unwrap(),
    )
    .unwrap()
    .to_vec::<f32>()
    .unwrap();
    for t in 0..batch {
        let want = reference(
            &a[t * m * k..(t + 1) * m * k],
            &b[t * k * n..(t + 1) * k * n],
            m,
            k,
            n,
        );
        assert_close(
            &c[t * m * n..(t + 1) * m * n],
            &want,
            k,
            &format!("batch {t}"),
        );
    }
}

#[test]
fn broadcast_views_are_read_in_place() {
    // A (1, k) row broadcast to (m, k): every output row is the same.
    let (m, k, n) = (4usize, 6usize, 3usize);
    let row = values(k, 5);
    let b = values(k * n, 6);
    let a = ops::broadcast_to(
        &Array::from_slice(&row, &[1, k as i32]).unwrap(),
        &[m as i32, k as i32],
    )
    .unwrap();
    let c = ops::matmul(&a, &Array::from_slice(&b, &[k as i32, n as i32]).unwrap()).unwrap();
    let want1 = reference(&row, &b, 1, k, n);
    let want: Vec<f64> = (0..m).flat_map(|_| want1.clone()).collect();
    assert_close(&c.to_vec::<f32>().unwrap(), &want, k, "broadcast rows");
}

#[test]
fn every_float_dtype_and_primitive_name() {
    let a = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    for dt in [
        Dtype::Float32,
        Dtype::Float64,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Complex64,
    ] {
        let x = ops::astype(&a, dt).unwrap();
        let c = ops::matmul(&x, &x).unwrap();
        assert_eq!(c.primitive_name().as_deref(), Some("Matmul"));
        assert_eq!(c.dtype(), dt);
        let c = ops::astype(&c, Dtype::Float32).unwrap();
        assert_eq!(
            c.to_vec::<f32>().unwrap(),
            vec![7.0, 10.0, 15.0, 22.0],
            "{dt}"
        );
    }
    assert_eq!(
        a.matmul(&a).unwrap().to_vec::<f32>().unwrap(),
        vec![7.0, 10.0, 15.0, 22.0]
    );
}
