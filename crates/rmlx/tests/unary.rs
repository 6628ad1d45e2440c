//! Unary elementwise ops against NumPy/MLX fixtures (tests/fixtures/unary.json).

mod common;

use common::{array, assert_matches, load, tolerance, unary_op};
use rmlx::{ops, Array, Dtype};
use serde_json::Value;

/// The fixture's input, laid out as the case asks.
fn input(c: &Value) -> Array {
    let kw = &c["kwargs"];
    if let Some(l) = kw.get("long").and_then(Value::as_array) {
        let (start, count, step) = (
            l[0].as_f64().unwrap(),
            l[1].as_u64().unwrap(),
            l[2].as_f64().unwrap(),
        );
        let abs = kw["abs"].as_bool().unwrap_or(false);
        let xs: Vec<f32> = (0..count)
            .map(|i| {
                let x = (start + i as f64 * step) as f32;
                if abs {
                    x.abs()
                } else {
                    x
                }
            })
            .collect();
        return Array::from_slice(&xs, &[count as i32]).unwrap();
    }
    let a = array(&c["inputs"][0]);
    match kw.get("layout").and_then(Value::as_str) {
        Some("broadcast") => {
            let shape: Vec<i32> = kw["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_i64().unwrap() as i32)
                .collect();
            ops::broadcast_to(&a, &shape).unwrap()
        }
        _ => a,
    }
}

/// Every `n`-th element of a 1-d array (by copying out; the fixture stores a sample).
fn sample(a: &Array, n: usize) -> Array {
    let v = ops::astype(a, Dtype::Float32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    let s: Vec<f32> = v.into_iter().step_by(n).collect();
    let len = s.len() as i32;
    ops::astype(&Array::from_slice(&s, &[len]).unwrap(), a.dtype()).unwrap()
}

#[test]
fn fixtures() {
    let cases = load("unary");
    let mut checked = 0;
    let mut relaid = 0;
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let op = c["op"].as_str().unwrap();
        let kw = &c["kwargs"];
        let a = input(c);
        let got = unary_op(op, &a, kw);
        if let Some(err) = c["error"].as_str() {
            let e = got.expect_err(name);
            assert_eq!(e.python_exception(), err, "{name}: error type ({e})");
            if let Some(msg) = kw.get("message").and_then(Value::as_str) {
                assert_eq!(e.to_string(), msg, "{name}: message");
            }
            checked += 1;
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        got.eval().unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = match kw.get("sample").and_then(Value::as_u64) {
            Some(n) => sample(&got, n as usize),
            None => got,
        };
        let dt = got.dtype();
        let (mut rtol, mut atol) = tolerance(dt);
        if c["inputs"][0]["dtype"] == "complex64" {
            // num_complex's f32 formulas for the inverse and hyperbolic functions round
            // differently from NumPy's complex128 results.
            (rtol, atol) = (2e-5, 2e-5);
        }
        assert_matches(name, &got, &c["expected"], rtol, atol);
        checked += 1;
        // The same values in non-contiguous layouts take the strided kernels.
        if kw.get("long").is_none() && kw.get("layout").is_none() && a.ndim() > 0 {
            for layout in common::LAYOUTS {
                let x = common::relayout(&a, layout);
                let got = unary_op(op, &x, kw).unwrap_or_else(|e| panic!("{name} {layout}: {e}"));
                assert_matches(
                    &format!("{name} ({layout})"),
                    &got,
                    &c["expected"],
                    rtol,
                    atol,
                );
                relaid += 1;
            }
        }
    }
    eprintln!("{checked} unary fixture cases, {relaid} re-laid-out runs");
    assert_eq!(checked, cases.len());
}

#[test]
fn primitive_names() {
    let a = Array::from_slice(&[0.5f32, 0.25], &[2]).unwrap();
    let names = [
        (ops::abs(&a), "Abs"),
        (ops::negative(&a), "Negative"),
        (ops::sign(&a), "Sign"),
        (ops::sqrt(&a), "Sqrt"),
        (ops::rsqrt(&a), "Rsqrt"),
        (ops::square(&a), "Square"),
        (ops::exp(&a), "Exp"),
        (ops::expm1(&a), "Expm1"),
        (ops::log(&a), "Log"),
        (ops::log2(&a), "Log2"),
        (ops::log10(&a), "Log10"),
        (ops::log1p(&a), "Log1p"),
        (ops::sin(&a), "Sin"),
        (ops::arcsin(&a), "ArcSin"),
        (ops::arccosh(&a), "ArcCosh"),
        (ops::tanh(&a), "Tanh"),
        (ops::sigmoid(&a), "Sigmoid"),
        (ops::erf(&a), "Erf"),
        (ops::erfinv(&a), "ErfInv"),
        (ops::floor(&a), "Floor"),
        (ops::ceil(&a), "Ceil"),
        (ops::round(&a, 0), "Round"),
        (ops::stop_gradient(&a), "StopGradient"),
        (ops::logical_not(&a), "LogicalNot"),
        (ops::degrees(&a), "Multiply"),
    ];
    for (arr, want) in names {
        assert_eq!(arr.unwrap().primitive_name().as_deref(), Some(want));
    }
    let i = Array::from_slice(&[1i32, 2], &[2]).unwrap();
    assert_eq!(
        ops::bitwise_invert(&i).unwrap().primitive_name().as_deref(),
        Some("BitwiseInvert")
    );
    let c = ops::astype(&a, Dtype::Complex64).unwrap();
    assert_eq!(
        ops::real(&c).unwrap().primitive_name().as_deref(),
        Some("Real")
    );
    assert_eq!(
        ops::imag(&c).unwrap().primitive_name().as_deref(),
        Some("Imag")
    );
    assert_eq!(
        ops::conj(&c).unwrap().primitive_name().as_deref(),
        Some("Conjugate")
    );
    // Integers lift to float32 through AsType before the float math.
    let e = ops::exp(&i).unwrap();
    assert_eq!(e.dtype(), Dtype::Float32);
}

#[test]
fn stop_gradient_shares_the_buffer() {
    let a = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    let s = ops::stop_gradient(&a).unwrap();
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
    assert_eq!(s.strides(), a.strides());
    // Real, conj of a real array and identity-like ops return the input itself.
    assert_eq!(ops::real(&a).unwrap().id(), a.id());
    assert_eq!(ops::conj(&a).unwrap().id(), a.id());
}

#[test]
fn in_place_donation_keeps_values() {
    // A temporary input may be overwritten in place; the result must not change.
    let a = Array::from_slice(
        &(0..10000).map(|i| i as f32 * 0.001).collect::<Vec<_>>(),
        &[10000],
    )
    .unwrap();
    let e = ops::exp(&ops::negative(&a).unwrap()).unwrap();
    let v = e.to_vec::<f32>().unwrap();
    for (i, x) in v.iter().enumerate() {
        let want = (-((i as f32 * 0.001) as f64)).exp() as f32;
        assert!((x - want).abs() <= 2.5e-7 * want, "{i}: {x} vs {want}");
    }
}
