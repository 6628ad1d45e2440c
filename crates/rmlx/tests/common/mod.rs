//! Shared test helpers: NumPy-generated fixtures and array comparison.
//!
//! Fixtures live in `tests/fixtures/<family>.json`, written by `tools/fixtures/<family>.py`
//! from NumPy (and the real MLX where its rules differ). Each case is
//! `{"name", "op", "inputs": [Arr...], "kwargs": {...}, "expected": Arr | null, "error": str|null}`
//! with `Arr = {"dtype": "float32", "shape": [..], "data": [..]}`; data is row-major, with
//! non-finite floats as the strings "nan", "inf", "-inf" and complex numbers as [re, im].
#![allow(dead_code)]

use num_complex::Complex32;
use rmlx::{ops, Array, Dtype, Error};
use serde_json::Value;

/// Parses a dtype name.
pub fn dtype(name: &str) -> Dtype {
    rmlx::dtype::ALL_DTYPES
        .into_iter()
        .find(|d| d.name() == name)
        .unwrap_or_else(|| panic!("unknown dtype {name}"))
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("number"),
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::Bool(b) => *b as u8 as f64,
        other => panic!("not a number: {other}"),
    }
}

/// Builds an array from a fixture value.
pub fn array(v: &Value) -> Array {
    let dt = dtype(v["dtype"].as_str().expect("dtype"));
    let shape: Vec<i32> = v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_i64().unwrap() as i32)
        .collect();
    let data = v["data"].as_array().expect("data");
    macro_rules! build {
        ($t:ty, $conv:expr) => {{
            let vals: Vec<$t> = data.iter().map($conv).collect();
            Array::from_slice(&vals, &shape).unwrap()
        }};
    }
    match dt {
        Dtype::Bool => build!(bool, |x| num(x) != 0.0),
        Dtype::Uint8 => build!(u8, |x| x.as_u64().unwrap() as u8),
        Dtype::Uint16 => build!(u16, |x| x.as_u64().unwrap() as u16),
        Dtype::Uint32 => build!(u32, |x| x.as_u64().unwrap() as u32),
        Dtype::Uint64 => build!(u64, |x| x.as_u64().unwrap()),
        Dtype::Int8 => build!(i8, |x| x.as_i64().unwrap() as i8),
        Dtype::Int16 => build!(i16, |x| x.as_i64().unwrap() as i16),
        Dtype::Int32 => build!(i32, |x| x.as_i64().unwrap() as i32),
        Dtype::Int64 => build!(i64, |x| x.as_i64().unwrap()),
        Dtype::Float16 => build!(half::f16, |x| half::f16::from_f64(num(x))),
        Dtype::Bfloat16 => build!(half::bf16, |x| half::bf16::from_f64(num(x))),
        Dtype::Float32 => build!(f32, |x| num(x) as f32),
        Dtype::Float64 => build!(f64, num),
        Dtype::Complex64 => build!(Complex32, |x| {
            let p = x.as_array().expect("[re, im]");
            Complex32::new(num(&p[0]) as f32, num(&p[1]) as f32)
        }),
    }
}

/// Loads the cases of a fixture family.
pub fn load(family: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/fixtures/{family}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("fixture JSON");
    v.as_array().expect("a list of cases").clone()
}

/// Row-major values of any array as (re, im) pairs of f64.
pub fn values(a: &Array) -> Vec<(f64, f64)> {
    if a.dtype() == Dtype::Complex64 {
        return a
            .to_vec::<Complex32>()
            .unwrap()
            .into_iter()
            .map(|c| (c.re as f64, c.im as f64))
            .collect();
    }
    if a.dtype() == Dtype::Uint64 {
        return a
            .to_vec::<u64>()
            .unwrap()
            .into_iter()
            .map(|v| (v as f64, 0.0))
            .collect();
    }
    if a.dtype() == Dtype::Int64 {
        return a
            .to_vec::<i64>()
            .unwrap()
            .into_iter()
            .map(|v| (v as f64, 0.0))
            .collect();
    }
    let f = ops::astype(a, Dtype::Float64).unwrap();
    f.to_vec::<f64>()
        .unwrap()
        .into_iter()
        .map(|v| (v, 0.0))
        .collect()
}

/// Default tolerances per dtype (relative, absolute).
pub fn tolerance(dt: Dtype) -> (f64, f64) {
    match dt {
        Dtype::Float16 => (2e-3, 2e-3),
        Dtype::Bfloat16 => (1.6e-2, 1.6e-2),
        Dtype::Float32 | Dtype::Complex64 => (2e-6, 1e-6),
        Dtype::Float64 => (1e-12, 1e-12),
        _ => (0.0, 0.0),
    }
}

fn close(a: f64, e: f64, rtol: f64, atol: f64) -> bool {
    if e.is_nan() {
        return a.is_nan();
    }
    if e.is_infinite() {
        return a == e;
    }
    (a - e).abs() <= atol + rtol * e.abs()
}

/// Asserts dtype, shape and values against a fixture's expected value.
pub fn assert_matches(case: &str, actual: &Array, expected: &Value, rtol: f64, atol: f64) {
    let want_dt = dtype(expected["dtype"].as_str().unwrap());
    assert_eq!(actual.dtype(), want_dt, "{case}: dtype");
    let shape: Vec<i32> = expected["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_i64().unwrap() as i32)
        .collect();
    assert_eq!(actual.shape(), &shape[..], "{case}: shape");
    let got = values(actual);
    let want: Vec<(f64, f64)> = expected["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| match x {
            Value::Array(p) => (num(&p[0]), num(&p[1])),
            other => (num(other), 0.0),
        })
        .collect();
    assert_eq!(got.len(), want.len(), "{case}: element count");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            close(g.0, w.0, rtol, atol) && close(g.1, w.1, rtol, atol),
            "{case}: element {i}: got {g:?}, expected {w:?}"
        );
    }
}

/// Deterministic pseudo-random f32 in [-1, 1) (a 64-bit LCG; the seed picks the stream).
pub fn random_f32(n: usize, seed: u64) -> Vec<f32> {
    const A: u64 = 6364136223846793005;
    const C: u64 = 1442695040888963407;
    let mut s = seed.wrapping_mul(A).wrapping_add(C);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(A).wrapping_add(C);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Asserts that `err` is the fixture's expected error: same Python exception type and text.
pub fn assert_error(name: &str, err: &rmlx::Error, expected: &Value) {
    assert_eq!(
        err.python_exception(),
        expected["type"].as_str().unwrap(),
        "{name}: {err}"
    );
    assert_eq!(
        err.to_string(),
        expected["message"].as_str().unwrap(),
        "{name}"
    );
}

/// Non-contiguous layouts that hold the same logical values as their input.
pub const LAYOUTS: [&str; 3] = ["strided", "column-major", "reversed"];

/// `x` re-laid out: "strided" (every other slot of a wider buffer), "column-major" (dense,
/// transposed strides) or "reversed" (negative stride on the last axis). 0-d and empty
/// arrays are returned as they are. The result is evaluated, so kernels see the layout.
pub fn relayout(x: &Array, layout: &str) -> Array {
    if x.ndim() == 0 || x.size() == 0 {
        return x.clone();
    }
    let out = match layout {
        "strided" => {
            let s = ops::stack(&[x.clone(), x.clone()], -1).unwrap();
            let nd = s.ndim();
            let mut stop = s.shape().to_vec();
            stop[nd - 1] = 1;
            let one = ops::slice(&s, &vec![0; nd], &stop, &vec![1; nd]).unwrap();
            ops::squeeze_axes(&one, &[-1]).unwrap()
        }
        "column-major" => {
            let t = ops::contiguous(&ops::transpose(x).unwrap(), false).unwrap();
            ops::transpose(&t).unwrap()
        }
        "reversed" => {
            let r = ops::slice_axis(x, -1, ops::SliceArg::rev()).unwrap();
            let r = ops::contiguous(&r, false).unwrap();
            ops::slice_axis(&r, -1, ops::SliceArg::rev()).unwrap()
        }
        other => panic!("unknown layout {other}"),
    };
    out.eval().unwrap();
    out
}

/// Checks a fixture case's outcome: the expected error, or the expected value within the
/// tolerance `tol` gives for the expected dtype. Returns the tolerance used for a value, so
/// callers can hold further runs of the same case to it.
pub fn check_outcome(
    name: &str,
    got: rmlx::Result<Array>,
    case: &Value,
    tol: impl Fn(Dtype) -> (f64, f64),
) -> Option<(f64, f64)> {
    let got = got.and_then(|a| a.eval().map(|_| a));
    if !case["error"].is_null() {
        let err = got.expect_err(name);
        assert_error(name, &err, &case["error"]);
        return None;
    }
    let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = &case["expected"];
    let (r, a) = tol(dtype(want["dtype"].as_str().unwrap()));
    assert_matches(name, &got, want, r, a);
    Some((r, a))
}

/// Calls the rmlx unary op named `op` in a fixture, with its keyword arguments (shared by
/// the unary and complex special-value suites).
pub fn unary_op(op: &str, a: &Array, kw: &Value) -> Result<Array, Error> {
    let f = |k: &str| kw.get(k).and_then(Value::as_f64).map(|v| v as f32);
    match op {
        "abs" => ops::abs(a),
        "negative" => ops::negative(a),
        "sign" => ops::sign(a),
        "sqrt" => ops::sqrt(a),
        "rsqrt" => ops::rsqrt(a),
        "square" => ops::square(a),
        "reciprocal" => ops::reciprocal(a),
        "exp" => ops::exp(a),
        "expm1" => ops::expm1(a),
        "log" => ops::log(a),
        "log2" => ops::log2(a),
        "log10" => ops::log10(a),
        "log1p" => ops::log1p(a),
        "sin" => ops::sin(a),
        "cos" => ops::cos(a),
        "tan" => ops::tan(a),
        "arcsin" => ops::arcsin(a),
        "arccos" => ops::arccos(a),
        "arctan" => ops::arctan(a),
        "sinh" => ops::sinh(a),
        "cosh" => ops::cosh(a),
        "tanh" => ops::tanh(a),
        "arcsinh" => ops::arcsinh(a),
        "arccosh" => ops::arccosh(a),
        "arctanh" => ops::arctanh(a),
        "sigmoid" => ops::sigmoid(a),
        "erf" => ops::erf(a),
        "erfinv" => ops::erfinv(a),
        "floor" => ops::floor(a),
        "ceil" => ops::ceil(a),
        "round" => ops::round(
            a,
            kw.get("decimals").and_then(Value::as_i64).unwrap_or(0) as i32,
        ),
        "degrees" => ops::degrees(a),
        "radians" => ops::radians(a),
        "isnan" => ops::isnan(a),
        "isinf" => ops::isinf(a),
        "isfinite" => ops::isfinite(a),
        "isposinf" => ops::isposinf(a),
        "isneginf" => ops::isneginf(a),
        "logical_not" => ops::logical_not(a),
        "bitwise_invert" => ops::bitwise_invert(a),
        "stop_gradient" => ops::stop_gradient(a),
        "real" => ops::real(a),
        "imag" => ops::imag(a),
        "conj" => ops::conj(a),
        "conjugate" => ops::conjugate(a),
        "nan_to_num" => ops::nan_to_num(a, f("nan").unwrap_or(0.0), f("posinf"), f("neginf")),
        other => panic!("unknown op {other}"),
    }
}
pub mod linalg;
pub mod sweep;
