//! `mx.fft` against NumPy fixtures (`tools/fixtures/fft.py`; dtypes and errors from MLX):
//! the twelve transforms with n / s / axes / norm over lengths 1 to 1024 (primes included),
//! fftfreq / rfftfreq, fftshift / ifftshift, every input rerun on non-contiguous layouts;
//! plus round trips, threaded batches, strided axes and the errors MLX words differently.

mod common;

use common::{array, check_outcome, load};
use rmlx::ops::{self, FftNorm};
use rmlx::{Array, Dtype, Result};
use serde_json::Value;

fn int_list(v: &Value) -> Option<Vec<i32>> {
    match v {
        Value::Null => None,
        Value::Array(v) => Some(v.iter().map(|x| x.as_i64().unwrap() as i32).collect()),
        other => Some(vec![other.as_i64().unwrap() as i32]),
    }
}

/// Runs fixture op `op` on `xs` with the case's keyword arguments.
fn run(op: &str, xs: &[Array], kw: &Value) -> Result<Array> {
    let n = kw.get("n").and_then(Value::as_i64).map(|n| n as i32);
    let axis = kw.get("axis").and_then(Value::as_i64).unwrap_or(-1) as i32;
    let s = kw.get("s").and_then(int_list);
    let axes_given = kw.get("axes").is_some();
    let axes = kw.get("axes").and_then(int_list);
    let norm = FftNorm::parse(
        op,
        kw.get("norm").and_then(Value::as_str).unwrap_or("backward"),
    );
    let d = kw.get("d").and_then(Value::as_f64).unwrap_or(1.0);
    let (s, axes) = (s.as_deref(), axes.as_deref());
    match op {
        "fft" => ops::fft(&xs[0], n, axis, norm?),
        "ifft" => ops::ifft(&xs[0], n, axis, norm?),
        "rfft" => ops::rfft(&xs[0], n, axis, norm?),
        "irfft" => ops::irfft(&xs[0], n, axis, norm?),
        "fft2" => ops::fft2(&xs[0], s, axes, norm?),
        "ifft2" => ops::ifft2(&xs[0], s, axes, norm?),
        "rfft2" => ops::rfft2(&xs[0], s, axes, norm?),
        "irfft2" => ops::irfft2(&xs[0], s, axes, norm?),
        "fftn" | "ifftn" | "rfftn" | "irfftn" => {
            // An absent `axes` means None here (every axis), as in Python.
            let axes = if axes_given { axes } else { None };
            match op {
                "fftn" => ops::fftn(&xs[0], s, axes, norm?),
                "ifftn" => ops::ifftn(&xs[0], s, axes, norm?),
                "rfftn" => ops::rfftn(&xs[0], s, axes, norm?),
                _ => ops::irfftn(&xs[0], s, axes, norm?),
            }
        }
        "fftfreq" => ops::fftfreq(n.unwrap(), d),
        "rfftfreq" => ops::rfftfreq(n.unwrap(), d),
        "fftshift" => ops::fftshift(&xs[0], axes),
        "ifftshift" => ops::ifftshift(&xs[0], axes),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn fixtures() {
    let cases = load("fft");
    assert!(cases.len() > 250);
    let mut checked = 0;
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap();
        let kw = &c["kwargs"];
        let atol = kw.get("atol").and_then(Value::as_f64).unwrap_or(0.0);
        let tol = |dt: Dtype| match dt {
            Dtype::Float32 | Dtype::Complex64 => (1e-5, atol.max(1e-6)),
            other => common::tolerance(other),
        };
        let xs: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
        check_outcome(name, run(op, &xs, kw), c, tol);
        checked += 1;
        if c["error"].is_null() && !xs.is_empty() {
            for layout in common::LAYOUTS {
                let re: Vec<Array> = xs.iter().map(|x| common::relayout(x, layout)).collect();
                check_outcome(&format!("{name} {layout}"), run(op, &re, kw), c, tol);
                checked += 1;
            }
        }
    }
    println!("fft fixtures: {checked} checks");
}

fn c64(v: &[f32], shape: &[i32]) -> Array {
    let re = Array::from_slice(v, shape).unwrap();
    ops::astype(&re, Dtype::Complex64).unwrap()
}

fn max_abs_diff(a: &Array, b: &Array) -> f64 {
    let d = ops::abs(&ops::subtract(a, b).unwrap()).unwrap();
    let m = ops::max_all(&d, false).unwrap();
    m.item::<f32>().unwrap() as f64
}

#[test]
fn round_trips_every_length() {
    for n in [1usize, 2, 3, 5, 7, 8, 12, 17, 64, 97, 1000, 1024, 4099] {
        let v = common::random_f32(3 * n, n as u64);
        let x = Array::from_slice(&v, &[3, n as i32]).unwrap();
        let back = ops::ifft(
            &ops::fft(&x, None, -1, FftNorm::Backward).unwrap(),
            None,
            -1,
            FftNorm::Backward,
        )
        .unwrap();
        assert!(
            max_abs_diff(&back, &ops::astype(&x, Dtype::Complex64).unwrap()) < 1e-5,
            "c2c {n}"
        );
        let spec = ops::rfft(&x, None, -1, FftNorm::Ortho).unwrap();
        let back = ops::irfft(&spec, Some(n as i32), -1, FftNorm::Ortho).unwrap();
        assert_eq!(back.dtype(), Dtype::Float32);
        assert!(max_abs_diff(&back, &x) < 1e-5, "r2c {n}");
    }
}

#[test]
fn threaded_batches_match_single_rows() {
    // 512 rows of 256: enough work for the pool; each row must equal its own transform.
    let (rows, n) = (512i32, 256i32);
    let v = common::random_f32((rows * n) as usize, 9);
    let x = Array::from_slice(&v, &[rows, n]).unwrap();
    let all = ops::rfft(&x, None, -1, FftNorm::Backward).unwrap();
    let cols = ops::fft(&x, None, 0, FftNorm::Backward).unwrap();
    for r in [0, 1, 255, 511] {
        let row = ops::slice(&x, &[r, 0], &[r + 1, n], &[1, 1]).unwrap();
        let one = ops::rfft(&row, None, -1, FftNorm::Backward).unwrap();
        let got = ops::slice(&all, &[r, 0], &[r + 1, n / 2 + 1], &[1, 1]).unwrap();
        assert!(max_abs_diff(&one, &got) < 1e-4, "row {r}");
    }
    // Along axis 0 (strided lines, gathered in blocks) equals the transposed rows.
    let t = ops::fft(&ops::transpose(&x).unwrap(), None, -1, FftNorm::Backward).unwrap();
    assert!(max_abs_diff(&ops::transpose(&cols).unwrap(), &t) < 1e-3);
}

#[test]
fn real_nd_matches_complex_nd() {
    // rfftn equals the first half of fftn along the real axis, wherever that axis is.
    let v = common::random_f32(4 * 6 * 5, 3);
    let x = Array::from_slice(&v, &[4, 6, 5]).unwrap();
    for axes in [vec![0, 1, 2], vec![2, 0], vec![1], vec![2, 1, 0]] {
        let r = ops::rfftn(&x, None, Some(&axes), FftNorm::Backward).unwrap();
        let full = ops::fftn(&x, None, Some(&axes), FftNorm::Backward).unwrap();
        let last = *axes.last().unwrap() as usize;
        let half = x.shape()[last] / 2 + 1;
        let mut stop = x.shape().to_vec();
        stop[last] = half;
        let want = ops::slice(&full, &[0, 0, 0], &stop, &[1, 1, 1]).unwrap();
        assert!(max_abs_diff(&r, &want) < 1e-4, "{axes:?}");
        let back = ops::irfftn(
            &r,
            Some(
                &axes
                    .iter()
                    .map(|&a| x.shape()[a as usize])
                    .collect::<Vec<_>>(),
            ),
            Some(&axes),
            FftNorm::Backward,
        )
        .unwrap();
        assert!(max_abs_diff(&back, &x) < 1e-5, "{axes:?} round trip");
    }
}

#[test]
fn delta_and_constant() {
    let mut v = vec![0f32; 97];
    v[0] = 1.0;
    let f = ops::fft(&c64(&v, &[97]), None, -1, FftNorm::Backward).unwrap();
    assert!(max_abs_diff(&f, &ops::ones(&[97], Dtype::Complex64).unwrap()) < 1e-6);
    let ones = ops::ones(&[17], Dtype::Float32).unwrap();
    let r = ops::rfft(&ones, None, -1, FftNorm::Forward).unwrap();
    assert_eq!(r.shape(), &[9]);
    let mut want = vec![0f32; 9];
    want[0] = 1.0;
    assert!(max_abs_diff(&r, &c64(&want, &[9])) < 1e-6);
}

#[test]
fn errors_mlx_words_differently() {
    // MLX reads the shape before validating: its IndexError text is a C++ container's.
    let x = ops::zeros(&[3, 4], Dtype::Float32).unwrap();
    let e = ops::fft(&x, None, 5, FftNorm::Backward).unwrap_err();
    assert_eq!(e.python_exception(), "IndexError");
    let e = ops::fftn(&x, None, Some(&[0, 1, 2]), FftNorm::Backward).unwrap_err();
    assert_eq!(e.python_exception(), "IndexError");
    let scalar = ops::zeros(&[], Dtype::Float32).unwrap();
    let e = ops::fft(&scalar, None, -1, FftNorm::Backward).unwrap_err();
    assert_eq!(e.python_exception(), "IndexError");
    assert!(FftNorm::parse("ifft2", "none")
        .unwrap_err()
        .to_string()
        .starts_with("[ifft2] Invalid norm."));
}

#[test]
fn no_axes_returns_the_input() {
    let x = ops::arange(0.0, 6.0, 1.0, Dtype::Int32).unwrap();
    let y = ops::fftn(&x, None, Some(&[]), FftNorm::Backward).unwrap();
    assert_eq!(y.dtype(), Dtype::Int32);
    let _ = y.eval();
}
