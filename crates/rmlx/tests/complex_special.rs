//! complex64 element functions at special values (infinite and NaN parts, signed zeros,
//! huge magnitudes) against the real MLX (tests/fixtures/complex_special.json, written by
//! tools/fixtures/complex_special.py). MLX follows C's Annex G there, and so must rmlx:
//! NaN positions, infinities and the signs of zeros must match exactly, finite values
//! within complex64's tolerance.

mod common;

use common::{array, dtype, load, unary_op, values};
use rmlx::{ops, Array, Error};
use serde_json::Value;

/// Calls the rmlx op named in a fixture: the binary ones here, the unary ones through the
/// shared table.
fn call(op: &str, x: &[Array]) -> Result<Array, Error> {
    let a = &x[0];
    match op {
        "multiply" => ops::multiply(a, &x[1]),
        "divide" => ops::divide(a, &x[1]),
        "floor_divide" => ops::floor_divide(a, &x[1]),
        "power" => ops::power(a, &x[1]),
        "logaddexp" => ops::logaddexp(a, &x[1]),
        _ => unary_op(op, a, &Value::Null),
    }
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

/// One part against MLX's: NaN where MLX has NaN, the same infinity, a zero of the same
/// sign, otherwise within complex64's tolerance (relative 2e-6, absolute 1e-6).
fn same(got: f64, want: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return got == want;
    }
    if want == 0.0 && got == 0.0 {
        return got.is_sign_negative() == want.is_sign_negative();
    }
    (got - want).abs() <= 1e-6 + 2e-6 * want.abs()
}

/// Input values as (re, im) pairs, for failure messages.
fn inputs_at(x: &[Array], shape: &[i32], i: usize) -> Vec<(f64, f64)> {
    if x.len() == 1 {
        return vec![values(&x[0])[i]];
    }
    // Binary cases are outer products: [n, 1] with [1, n].
    let n = shape[1] as usize;
    vec![values(&x[0])[i / n], values(&x[1])[i % n]]
}

#[test]
fn complex_special_values_match_mlx() {
    let cases = load("complex_special");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap();
        let x: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
        let got = call(op, &x).unwrap_or_else(|e| panic!("{name}: {e}"));
        got.eval().unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = &c["expected"];
        assert_eq!(
            got.dtype(),
            dtype(want["dtype"].as_str().unwrap()),
            "{name}: dtype"
        );
        let shape: Vec<i32> = want["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_i64().unwrap() as i32)
            .collect();
        assert_eq!(got.shape(), &shape[..], "{name}: shape");
        let got_v = values(&got);
        let want_v: Vec<(f64, f64)> = want["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| match v {
                Value::Array(p) => (num(&p[0]), num(&p[1])),
                other => (num(other), 0.0),
            })
            .collect();
        assert_eq!(got_v.len(), want_v.len(), "{name}: element count");
        let bad: Vec<usize> = (0..got_v.len())
            .filter(|&i| !(same(got_v[i].0, want_v[i].0) && same(got_v[i].1, want_v[i].1)))
            .collect();
        if let Some(&i) = bad.first() {
            failures.push(format!(
                "{name}: {} element(s) differ; first: {op}{:?} = {:?}, MLX {:?}",
                bad.len(),
                inputs_at(&x, &shape, i),
                got_v[i],
                want_v[i]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same cases through a non-contiguous input (every other element of a wider buffer),
/// so the strided kernels give the same special values as the contiguous ones.
#[test]
fn complex_special_values_strided() {
    let cases = load("complex_special");
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap();
        let x: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
        let strided: Vec<Array> = x.iter().map(|a| common::relayout(a, "strided")).collect();
        let dense = call(op, &x).unwrap();
        let other = call(op, &strided).unwrap();
        let (d, o) = (values(&dense), values(&other));
        for (i, (p, q)) in d.iter().zip(&o).enumerate() {
            assert!(
                same(q.0, p.0) && same(q.1, p.1),
                "{name}: element {i}: strided {q:?}, contiguous {p:?}"
            );
        }
    }
}
