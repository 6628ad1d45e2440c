//! gather / scatter / take / take_along_axis / put_along_axis against fixtures from MLX and
//! NumPy models of rmlx's out-of-range rule (tools/fixtures/indexing.py). Every value case
//! is rerun with the source, the indices and the updates in non-contiguous layouts.

mod common;

use common::{array, check_outcome, load, relayout, tolerance, LAYOUTS};
use rmlx::ops::{self, ScatterMode};
use rmlx::{Array, Dtype, Result};
use serde_json::Value;

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_i64().expect("int") as i32)
        .collect()
}

fn mode(v: &Value) -> ScatterMode {
    match v.as_str().expect("mode") {
        "none" => ScatterMode::None,
        "add" => ScatterMode::Add,
        "prod" => ScatterMode::Prod,
        "max" => ScatterMode::Max,
        "min" => ScatterMode::Min,
        other => panic!("unknown mode {other}"),
    }
}

fn run(c: &Value, xs: &[Array]) -> Result<Array> {
    let kw = &c["kwargs"];
    let axis = kw["axis"].as_i64().map(|a| a as i32);
    match c["op"].as_str().expect("op") {
        "take" => ops::take(&xs[0], &xs[1], axis),
        "take_along_axis" => ops::take_along_axis(&xs[0], &xs[1], axis),
        "put_along_axis" => ops::put_along_axis(&xs[0], &xs[1], &xs[2], axis),
        "gather" => ops::gather(
            &xs[0],
            &xs[1..],
            &ints(&kw["axes"]),
            &ints(&kw["slice_sizes"]),
        ),
        "scatter" => ops::scatter(
            &xs[0],
            &xs[2..],
            &xs[1],
            &ints(&kw["axes"]),
            mode(&kw["mode"]),
        ),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn fixtures() {
    let cases = load("indexing");
    let mut checked = 0;
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let xs: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
        let Some(tol) = check_outcome(name, run(c, &xs), c, tolerance) else {
            continue;
        };
        checked += 1;
        // The same case with every input in each non-contiguous layout.
        for layout in LAYOUTS {
            let ys: Vec<Array> = xs.iter().map(|x| relayout(x, layout)).collect();
            let got = run(c, &ys).unwrap_or_else(|e| panic!("{name} [{layout}]: {e}"));
            common::assert_matches(
                &format!("{name} [{layout}]"),
                &got,
                &c["expected"],
                tol.0,
                tol.1,
            );
        }
    }
    assert!(checked > 200, "only {checked} value cases");
}

fn i32s(v: &[i32], shape: &[i32]) -> Array {
    Array::from_slice(v, shape).unwrap()
}

#[test]
fn out_of_range_gathers_clamp_and_scatters_drop() {
    let a = i32s(&[10, 20, 30, 40, 50], &[5]);
    let idx = i32s(&[7, -6, 100, -100, 2, -1], &[6]);
    let got = ops::take(&a, &idx, None).unwrap();
    assert_eq!(got.to_vec::<i32>().unwrap(), vec![50, 10, 50, 10, 30, 50]);
    // Extreme values of every index dtype stay inside the buffer.
    for dt in [Dtype::Uint64, Dtype::Int64, Dtype::Uint8, Dtype::Int8] {
        let big = ops::astype(&i32s(&[-1, 127], &[2]), dt).unwrap();
        let got = ops::take(&a, &big, None).unwrap().to_vec::<i32>().unwrap();
        assert_eq!(got[1], 50, "{dt:?}");
    }
    let huge = Array::from_slice(&[u64::MAX, i64::MAX as u64], &[2]).unwrap();
    let got = ops::take(&a, &huge, None).unwrap();
    assert_eq!(got.to_vec::<i32>().unwrap(), vec![50, 50]);
    let lo = Array::from_slice(&[i64::MIN, i64::MAX], &[2]).unwrap();
    assert_eq!(
        ops::take(&a, &lo, None).unwrap().to_vec::<i32>().unwrap(),
        vec![10, 50]
    );

    let upd = i32s(&[1, 2, 3, 4, 5, 6], &[6, 1]);
    let got = ops::scatter(
        &a,
        std::slice::from_ref(&idx),
        &upd,
        &[0],
        ScatterMode::None,
    )
    .unwrap();
    assert_eq!(got.to_vec::<i32>().unwrap(), vec![10, 20, 5, 40, 6]);
    let got = ops::scatter(&a, &[lo], &i32s(&[1, 1], &[2, 1]), &[0], ScatterMode::Add).unwrap();
    assert_eq!(got.to_vec::<i32>().unwrap(), vec![10, 20, 30, 40, 50]);
}

#[test]
fn repeated_assign_is_deterministic_last_wins() {
    let n = 1 << 17;
    let a = ops::zeros(&[4], Dtype::Float32).unwrap();
    let idx: Vec<i32> = (0..n).map(|i| i % 4).collect();
    let vals: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let idx = i32s(&idx, &[n]);
    let upd = Array::from_slice(&vals, &[n, 1]).unwrap();
    let got = ops::scatter(
        &a,
        std::slice::from_ref(&idx),
        &upd,
        &[0],
        ScatterMode::None,
    )
    .unwrap();
    let want: Vec<f32> = (0..4).map(|k| (n - 4 + k) as f32).collect();
    assert_eq!(got.to_vec::<f32>().unwrap(), want);
    let ones = ops::ones(&[n, 1], Dtype::Int32).unwrap();
    let a = ops::zeros(&[4], Dtype::Int32).unwrap();
    let got = ops::scatter_add(&a, &[idx], &ones, &[0]).unwrap();
    assert_eq!(got.to_vec::<i32>().unwrap(), vec![n / 4; 4]);
}

#[test]
fn large_gather_uses_threads_and_matches() {
    // Rows of a 512x300 matrix picked by 2000 indices: 600 k elements, above the threshold.
    let (r, c) = (512, 300);
    let vals: Vec<f32> = (0..r * c).map(|i| i as f32).collect();
    let a = Array::from_slice(&vals, &[r, c]).unwrap();
    let idx: Vec<i32> = (0..2000).map(|i| (i * 37) % r - 7).collect();
    let got = ops::take(&a, &i32s(&idx, &[2000]), Some(0)).unwrap();
    let out = got.to_vec::<f32>().unwrap();
    for (k, &i) in idx.iter().enumerate() {
        let row = if i < 0 { i + r } else { i } as usize;
        assert_eq!(out[k * c as usize + 5], (row * c as usize + 5) as f32);
    }
    // The same along the last axis of a transposed (column-major) source.
    let t = ops::transpose(&a).unwrap();
    let got = ops::take(&t, &i32s(&idx, &[2000]), Some(1)).unwrap();
    assert_eq!(got.shape(), &[c, 2000]);
    let out = got.to_vec::<f32>().unwrap();
    let row = (idx[3] + r) % r;
    assert_eq!(out[7 * 2000 + 3], (row * c + 7) as f32);
}

#[test]
fn index_dtype_and_shape_errors() {
    let a = i32s(&[1, 2, 3], &[3]);
    let f = Array::from_slice(&[0.0f32], &[1]).unwrap();
    let b = Array::from_slice(&[true], &[1]).unwrap();
    for idx in [&f, &b] {
        let e = ops::take(&a, idx, None).unwrap_err();
        assert_eq!(e.python_exception(), "ValueError");
        let e = ops::gather(&a, std::slice::from_ref(idx), &[0], &[1]).unwrap_err();
        assert_eq!(e.python_exception(), "ValueError");
        let e =
            ops::scatter(&a, std::slice::from_ref(idx), &a, &[0], ScatterMode::Add).unwrap_err();
        assert_eq!(e.python_exception(), "ValueError");
    }
    let i = i32s(&[0], &[1]);
    assert!(ops::gather(&a, std::slice::from_ref(&i), &[0], &[4]).is_err());
    assert!(ops::gather(&a, &[i.clone(), i.clone()], &[0, 0], &[1]).is_err());
    assert!(ops::scatter(
        &a,
        std::slice::from_ref(&i),
        &i32s(&[1, 2, 3, 4], &[1, 4]),
        &[0],
        ScatterMode::None
    )
    .is_err());
    assert!(ops::scatter(&a, &[i], &a, &[0], ScatterMode::None).is_err());
}

/// An empty take along an empty axis is an empty array, as in MLX (nothing is read).
#[test]
fn take_along_axis_with_empty_source_and_indices() {
    let a = rmlx::ops::zeros(&[0, 3], rmlx::Dtype::Float32).unwrap();
    let i = rmlx::ops::zeros(&[0, 3], rmlx::Dtype::Int32).unwrap();
    for axis in [0, 1] {
        let out = rmlx::ops::take_along_axis(&a, &i, Some(axis)).unwrap();
        assert_eq!(out.shape(), &[0, 3]);
        assert_eq!(out.dtype(), rmlx::Dtype::Float32);
        assert!(out.to_vec::<f32>().unwrap().is_empty());
    }
    let nonempty = rmlx::ops::zeros(&[2, 3], rmlx::Dtype::Int32).unwrap();
    assert!(rmlx::ops::take_along_axis(&a, &nonempty, Some(0)).is_err());
}
