//! The assorted ops of MLX 0.32 (tri/tril/triu, diag/diagonal/trace, windows, meshgrid,
//! divmod, isclose/allclose/array_equal, median/count_nonzero/minmax, searchsorted, unique,
//! can_cast/isdtype, depends) against MLX fixtures (`tools/fixtures/misc_ops.py`), rerun on
//! non-contiguous layouts, plus hand-written checks of views, laziness and errors whose
//! wording differs from MLX's.

mod common;

use common::{array, check_outcome, load, tolerance};
use rmlx::{ops, Array, Dtype, Result};
use serde_json::Value;

fn int(kw: &Value, key: &str, default: i32) -> i32 {
    kw.get(key)
        .and_then(Value::as_i64)
        .map_or(default, |x| x as i32)
}

fn flag(kw: &Value, key: &str) -> bool {
    kw.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn float(kw: &Value, key: &str, default: f64) -> f64 {
    kw.get(key).and_then(Value::as_f64).unwrap_or(default)
}

fn dtype_kw(kw: &Value) -> Option<Dtype> {
    kw.get("dtype").and_then(Value::as_str).map(common::dtype)
}

/// The `axis` keyword: absent or null means every axis.
fn axes(kw: &Value) -> Option<Vec<i32>> {
    match kw.get("axis") {
        None | Some(Value::Null) => None,
        Some(Value::Array(v)) => Some(v.iter().map(|x| x.as_i64().unwrap() as i32).collect()),
        Some(v) => Some(vec![v.as_i64().unwrap() as i32]),
    }
}

fn pick(v: Result<Vec<Array>>, i: usize) -> Result<Array> {
    v.map(|mut v| v.swap_remove(i))
}

fn pair(v: Result<(Array, Array)>, i: usize) -> Result<Array> {
    v.map(|(a, b)| if i == 0 { a } else { b })
}

/// Runs fixture op `op` (`name` or `name.i` for output `i`) on `xs`.
fn run(op: &str, xs: &[Array], kw: &Value) -> Result<Array> {
    let (name, idx) = match op.split_once('.') {
        Some((n, i)) => (n, i.parse::<usize>().unwrap()),
        None => (op, 0),
    };
    let keep = flag(kw, "keepdims");
    match name {
        "tri" => {
            let m = kw.get("m").and_then(Value::as_i64).map(|m| m as i32);
            ops::tri(
                int(kw, "n", 0),
                m,
                int(kw, "k", 0),
                dtype_kw(kw).unwrap_or(Dtype::Float32),
            )
        }
        "tril" => ops::tril(&xs[0], int(kw, "k", 0)),
        "triu" => ops::triu(&xs[0], int(kw, "k", 0)),
        "bartlett" => ops::bartlett(int(kw, "M", 0)),
        "blackman" => ops::blackman(int(kw, "M", 0)),
        "hamming" => ops::hamming(int(kw, "M", 0)),
        "hanning" => ops::hanning(int(kw, "M", 0)),
        "meshgrid" => {
            let ix = kw["indexing"].as_str().unwrap();
            pick(ops::meshgrid(xs, flag(kw, "sparse"), ix), idx)
        }
        "diag" => ops::diag(&xs[0], int(kw, "k", 0)),
        "diagonal" => ops::diagonal(
            &xs[0],
            int(kw, "offset", 0),
            int(kw, "axis1", 0),
            int(kw, "axis2", 1),
        ),
        "trace" => ops::trace(
            &xs[0],
            int(kw, "offset", 0),
            int(kw, "axis1", 0),
            int(kw, "axis2", 1),
            dtype_kw(kw),
        ),
        "divmod" => pair(ops::divmod(&xs[0], &xs[1]), idx),
        "isclose" | "allclose" => {
            let (r, a, n) = (
                float(kw, "rtol", 1e-5),
                float(kw, "atol", 1e-8),
                flag(kw, "equal_nan"),
            );
            if name == "isclose" {
                ops::isclose(&xs[0], &xs[1], r, a, n)
            } else {
                ops::allclose(&xs[0], &xs[1], r, a, n)
            }
        }
        "array_equal" => ops::array_equal(&xs[0], &xs[1], flag(kw, "equal_nan")),
        "median" => match axes(kw) {
            Some(ax) => ops::median(&xs[0], &ax, keep),
            None => ops::median_all(&xs[0], keep),
        },
        "count_nonzero" => match axes(kw) {
            Some(ax) => ops::count_nonzero(&xs[0], &ax, keep),
            None => ops::count_nonzero_all(&xs[0], keep),
        },
        "minmax" => pair(
            match axes(kw) {
                Some(ax) => ops::minmax(&xs[0], &ax, keep),
                None => ops::minmax_all(&xs[0], keep),
            },
            idx,
        ),
        "searchsorted" => {
            let side = kw.get("side").and_then(Value::as_str).unwrap_or("left");
            ops::searchsorted(&xs[0], &xs[1], side)
        }
        "unique" => {
            let u = ops::unique(&xs[0], int(kw, "size", 0), None)?;
            Ok(vec![u.values, u.index, u.inverse, u.counts].swap_remove(idx))
        }
        other => panic!("unknown op {other}"),
    }
}

/// MLX's float32 windows use its own sin/cos; allow a few float32 ulps of 1.
fn tol(op: &str) -> impl Fn(Dtype) -> (f64, f64) + '_ {
    move |dt| {
        let (r, a) = tolerance(dt);
        if matches!(op, "bartlett" | "blackman" | "hamming" | "hanning") {
            (r, a.max(1e-6))
        } else {
            (r, a)
        }
    }
}

#[test]
fn fixtures() {
    let cases = load("misc_ops");
    assert!(cases.len() > 700);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap();
        let xs: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
        check_outcome(name, run(op, &xs, &c["kwargs"]), c, tol(op));
        if c["error"].is_null() && !xs.is_empty() {
            for layout in common::LAYOUTS {
                let re: Vec<Array> = xs.iter().map(|x| common::relayout(x, layout)).collect();
                check_outcome(
                    &format!("{name} {layout}"),
                    run(op, &re, &c["kwargs"]),
                    c,
                    tol(op),
                );
            }
        }
    }
}

fn f32s(a: &Array) -> Vec<f32> {
    a.to_vec::<f32>().unwrap()
}

#[test]
fn diagonal_is_a_view_of_the_buffer() {
    let a = ops::reshape(
        &ops::arange(0.0, 12.0, 1.0, Dtype::Float32).unwrap(),
        &[3, 4],
    )
    .unwrap();
    a.eval().unwrap();
    for (off, want) in [
        (0, vec![0.0, 5.0, 10.0]),
        (1, vec![1.0, 6.0, 11.0]),
        (-2, vec![8.0]),
    ] {
        let d = ops::diagonal(&a, off, 0, 1).unwrap();
        assert_eq!(f32s(&d), want, "offset {off}");
        assert!(d.shares_buffer_with(&a), "offset {off}");
    }
    // Of a transposed, reversed view: still a view, still the right values.
    let t = ops::slice_axis(&ops::transpose(&a).unwrap(), 0, ops::SliceArg::rev()).unwrap();
    let d = ops::diagonal(&t, 0, 0, 1).unwrap();
    assert_eq!(f32s(&d), vec![3.0, 6.0, 9.0]);
    assert!(d.shares_buffer_with(&a));
    // An empty diagonal far outside reads nothing.
    let e = ops::diagonal(&a, 100, 0, 1).unwrap();
    assert_eq!(e.shape(), &[0]);
    e.eval().unwrap();
}

#[test]
fn depends_evaluates_dependencies_and_shares_inputs() {
    let x = Array::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    x.eval().unwrap();
    let dep = ops::multiply(&x, &Array::scalar(3.0f32)).unwrap();
    let out = ops::depends(std::slice::from_ref(&x), std::slice::from_ref(&dep)).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].primitive_name().as_deref(), Some("Depends"));
    assert!(!dep.is_available());
    out[0].eval().unwrap();
    assert!(
        dep.is_available(),
        "evaluating the output evaluates the dependency"
    );
    assert!(out[0].shares_buffer_with(&x));
    assert_eq!(f32s(&out[0]), vec![1.0, 2.0]);
    // Several inputs, one dropped before evaluation.
    let y = Array::from_slice(&[7i32], &[1]).unwrap();
    let mut two = ops::depends(&[x.clone(), y], &[]).unwrap();
    let second = two.pop().unwrap();
    drop(two);
    assert_eq!(second.to_vec::<i32>().unwrap(), vec![7]);
    assert!(ops::depends(&[], &[x]).unwrap().is_empty());
}

#[test]
fn unique_fill_and_padding() {
    let a = Array::from_slice(&[3i32, 3, 3, 1], &[4]).unwrap();
    let fill = Array::scalar(9i64);
    let u = ops::unique(&a, 3, Some(&fill)).unwrap();
    assert_eq!(u.values.dtype(), Dtype::Int32);
    assert_eq!(u.values.to_vec::<i32>().unwrap(), vec![1, 3, 9]);
    assert_eq!(u.index.to_vec::<u32>().unwrap(), vec![3, 0, 3]);
    assert_eq!(u.inverse.to_vec::<u32>().unwrap(), vec![1, 1, 1, 0]);
    assert_eq!(u.counts.to_vec::<i32>().unwrap(), vec![1, 3, 0]);
    // Truncated: inverse clamps to the last kept value.
    let u = ops::unique(&a, 1, None).unwrap();
    assert_eq!(u.inverse.to_vec::<u32>().unwrap(), vec![0, 0, 0, 0]);
    assert_eq!(u.counts.to_vec::<i32>().unwrap(), vec![1]);
    // Empty input with a fill value.
    let e = Array::from_slice::<f32>(&[], &[2, 0]).unwrap();
    let u = ops::unique(&e, 2, Some(&Array::scalar(3.0f32))).unwrap();
    assert_eq!(f32s(&u.values), vec![3.0, 3.0]);
    assert_eq!(u.inverse.shape(), &[2, 0]);
    let bad = Array::from_slice(&[1i32, 2], &[2]).unwrap();
    let err = ops::unique(&a, 2, Some(&bad)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[unique] Fill value must have one element, but got shape (2)."
    );
}

#[test]
fn searchsorted_large_threaded_and_strided() {
    let seq: Vec<i32> = (0..1000).map(|i| i * 2).collect();
    let seq = Array::from_slice(&seq, &[1000]).unwrap();
    let vals: Vec<i32> = (0..200_000).map(|i| i % 2001).collect();
    let vals = ops::reshape(&Array::from_slice(&vals, &[200_000]).unwrap(), &[400, 500]).unwrap();
    let vals_t = ops::transpose(&vals).unwrap();
    for (side, right) in [("left", false), ("right", true)] {
        let got = ops::searchsorted(&seq, &vals_t, side).unwrap();
        assert_eq!(got.shape(), &[500, 400]);
        let got = got.to_vec::<u32>().unwrap();
        let want = ops::contiguous(&vals_t, false)
            .unwrap()
            .to_vec::<i32>()
            .unwrap();
        for (g, v) in got.iter().zip(want) {
            // Even values 0..1998: v's position is ceil(v/2), or past an equal element.
            let left = (v + 1) / 2;
            let w = if right && v % 2 == 0 && v < 2000 {
                left + 1
            } else {
                left
            };
            assert_eq!(*g as i32, w.min(1000), "v={v} side={side}");
        }
    }
    // A reversed (negative-stride) sequence view.
    let rev = ops::slice_axis(
        &Array::from_slice(&[5.0f32, 3.0, 1.0], &[3]).unwrap(),
        0,
        ops::SliceArg::rev(),
    )
    .unwrap();
    let got = ops::searchsorted(
        &rev,
        &Array::from_slice(&[0.0f32, 3.0, 9.0], &[3]).unwrap(),
        "left",
    )
    .unwrap();
    assert_eq!(got.to_vec::<u32>().unwrap(), vec![0, 1, 3]);
}

#[test]
fn median_large_and_strided() {
    let n = 100_001;
    let data: Vec<f32> = (0..n).map(|i| ((i * 7919) % n) as f32).collect();
    let a = Array::from_slice(&data, &[n]).unwrap();
    assert_eq!(f32s(&ops::median_all(&a, false).unwrap()), vec![50_000.0]);
    let m = ops::reshape(
        &ops::arange(0.0, 24.0, 1.0, Dtype::Int32).unwrap(),
        &[2, 3, 4],
    )
    .unwrap();
    let t = ops::transpose(&m).unwrap();
    let got = ops::median(&t, &[0, 2], true).unwrap();
    assert_eq!(got.shape(), &[1, 3, 1]);
    assert_eq!(got.dtype(), Dtype::Float32);
    assert_eq!(f32s(&got), vec![7.5, 11.5, 15.5]);
}

#[test]
fn messages_named_after_the_op() {
    let a = ops::zeros(&[2, 3], Dtype::Float32).unwrap();
    let e = ops::count_nonzero(&a, &[5], false).unwrap_err();
    assert_eq!(e.python_exception(), "IndexError");
    assert_eq!(
        e.to_string(),
        "[count_nonzero] Invalid axis 5 for array with 2 dimensions."
    );
    let e = ops::count_nonzero(&a, &[1, -1], false).unwrap_err();
    assert_eq!(e.python_exception(), "ValueError");
    let e = ops::meshgrid(std::slice::from_ref(&a), false, "ab").unwrap_err();
    assert_eq!(
        e.to_string(),
        "[meshgrid] Invalid indexing value. Valid values are 'xy' and 'ij'."
    );
    let e = ops::isdtype(Dtype::Int8, "float").unwrap_err();
    assert_eq!(e.to_string(), "[isdtype] Unknown data type kind: 'float'.");
    assert_eq!(
        ops::count_nonzero(&a, &[], false).unwrap().dtype(),
        Dtype::Int32
    );
}

#[test]
fn dtype_predicates() {
    use Dtype::*;
    assert!(ops::can_cast(Int8, Int16));
    assert!(!ops::can_cast(Int16, Int8));
    assert!(!ops::can_cast(Uint32, Int32));
    assert!(ops::can_cast(Int64, Float32));
    assert!(ops::can_cast(Int32, Float16));
    assert!(ops::can_cast(Bool, Bool));
    for dt in rmlx::dtype::ALL_DTYPES {
        assert!(ops::can_cast(dt, dt), "{dt}");
        assert_eq!(ops::isdtype(dt, "numeric").unwrap(), dt != Bool);
        assert_eq!(ops::isdtype(dt, "integral").unwrap(), dt.is_integer());
        assert_eq!(ops::isdtype(dt, "real floating").unwrap(), dt.is_floating());
    }
    assert!(ops::isdtype(Complex64, "complex floating").unwrap());
    assert!(ops::isdtype(Uint8, "unsigned integer").unwrap());
    assert!(!ops::isdtype(Uint8, "signed integer").unwrap());
    assert!(ops::isdtype(Bool, "bool").unwrap());
}

#[test]
fn windows_edges_and_laziness() {
    for w in [ops::bartlett, ops::blackman, ops::hamming, ops::hanning] {
        assert_eq!(w(0).unwrap().shape(), &[0]);
        assert_eq!(w(-4).unwrap().shape(), &[0]);
        assert_eq!(f32s(&w(1).unwrap()), vec![1.0]);
        let x = w(9).unwrap();
        assert_eq!(x.dtype(), Dtype::Float32);
        assert!((f32s(&x)[4] - 1.0).abs() < 1e-6);
    }
    // tri with a huge k saturates rather than overflowing.
    let t = ops::tri(2, Some(3), i32::MAX, Dtype::Int8).unwrap();
    assert_eq!(t.to_vec::<i8>().unwrap(), vec![1; 6]);
    let t = ops::tri(2, Some(3), i32::MIN, Dtype::Int8).unwrap();
    assert_eq!(t.to_vec::<i8>().unwrap(), vec![0; 6]);
}
