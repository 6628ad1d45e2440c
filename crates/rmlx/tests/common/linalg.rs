//! Helpers of the linear algebra tests (`linalg.rs`, `linalg_more.rs`): random inputs and
//! comparisons read through float64.

use rmlx::{ops, Array, Dtype};

/// Values in [-1, 1) of `shape`, as `dt`.
pub fn rect(shape: &[i32], seed: u64, dt: Dtype) -> Array {
    let n: i32 = shape.iter().product();
    let v: Vec<f32> = super::random_f32(n as usize, seed)
        .iter()
        .map(|v| v * 2.0 - 1.0)
        .collect();
    ops::astype(&Array::from_slice(&v, shape).unwrap(), dt).unwrap()
}

/// The values of `a` as float64.
pub fn vals(a: &Array) -> Vec<f64> {
    let a = ops::astype(a, Dtype::Float64).unwrap();
    a.eval().unwrap();
    a.to_vec::<f64>().unwrap()
}

/// Same shape, and every value within `tol` relative to `b` (plus `tol` absolute).
pub fn assert_close(a: &Array, b: &Array, tol: f64) {
    assert_eq!(a.shape(), b.shape());
    for (x, y) in vals(a).iter().zip(vals(b)) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{x} vs {y}");
    }
}

/// The matrix transpose (last two axes swapped), a strided view.
pub fn mt(a: &Array) -> Array {
    ops::swapaxes(a, -1, -2).unwrap()
}
