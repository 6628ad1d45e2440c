//! Binary and ternary elementwise ops, weak scalars and operators, against fixtures from the
//! real MLX (tools/fixtures/binary.py) and hand-written edge cases.

mod common;

use common::{array, assert_matches, load, tolerance};
use rmlx::{ops, Array, Dtype, Error, Result};
use serde_json::Value;

/// The op named in a fixture, by name.
fn binary_fn(name: &str) -> fn(&Array, &Array) -> Result<Array> {
    match name {
        "add" => ops::add,
        "subtract" => ops::subtract,
        "multiply" => ops::multiply,
        "divide" => ops::divide,
        "floor_divide" => ops::floor_divide,
        "remainder" => ops::remainder,
        "power" => ops::power,
        "maximum" => ops::maximum,
        "minimum" => ops::minimum,
        "logaddexp" => ops::logaddexp,
        "arctan2" => ops::arctan2,
        "equal" => ops::equal,
        "not_equal" => ops::not_equal,
        "greater" => ops::greater,
        "greater_equal" => ops::greater_equal,
        "less" => ops::less,
        "less_equal" => ops::less_equal,
        "logical_and" => ops::logical_and,
        "logical_or" => ops::logical_or,
        "logical_xor" => ops::logical_xor,
        "bitwise_and" => ops::bitwise_and,
        "bitwise_or" => ops::bitwise_or,
        "bitwise_xor" => ops::bitwise_xor,
        "left_shift" => ops::left_shift,
        "right_shift" => ops::right_shift,
        other => panic!("unknown op {other}"),
    }
}

fn weak_scalar(case: &Value, like: &Array) -> Result<Array> {
    let s = &case["kwargs"]["scalar"];
    match case["kwargs"]["kind"].as_str().unwrap() {
        "bool" => ops::scalar_like(s.as_bool().unwrap(), like),
        "int" => ops::scalar_like(s.as_i64().unwrap(), like),
        "float" => ops::scalar_like(s.as_f64().unwrap(), like),
        k => panic!("unknown scalar kind {k}"),
    }
}

fn run_case(case: &Value, layout: Option<&str>) -> Result<Array> {
    let op = case["op"].as_str().unwrap();
    let inputs: Vec<Option<Array>> = case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (!v.is_null()).then(|| {
                let a = array(v);
                match layout {
                    Some(l) => common::relayout(&a, l),
                    None => a,
                }
            })
        })
        .collect();
    let get = |i: usize| inputs[i].clone().expect("input present");
    if case["name"].as_str().unwrap().starts_with("weak/") {
        let a = get(0);
        let s = weak_scalar(case, &a)?;
        let f = binary_fn(op);
        return if case["kwargs"]["side"] == "right" {
            f(&a, &s)
        } else {
            f(&s, &a)
        };
    }
    match op {
        "where" => ops::where_(&get(0), &get(1), &get(2)),
        "clip" => ops::clip(&get(0), inputs[1].as_ref(), inputs[2].as_ref()),
        _ => binary_fn(op)(&get(0), &get(1)),
    }
}

/// Tolerances: transcendental ops may differ from MLX's own approximations by a few ulp.
fn tol(op: &str, dt: Dtype) -> (f64, f64) {
    let (r, a) = tolerance(dt);
    match (op, dt) {
        ("power" | "logaddexp" | "arctan2", Dtype::Float32 | Dtype::Complex64) => (2e-5, 1e-5),
        // MLX's float64 transcendentals are accurate to about 1e-9 only (rmlx's match NumPy).
        ("power" | "logaddexp" | "arctan2", Dtype::Float64) => (1e-8, 1e-9),
        _ => (r, a),
    }
}

#[test]
fn fixtures_match_mlx() {
    let cases = load("binary");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let r = std::panic::catch_unwind(|| check_case(case));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| name.to_string());
            failures.push(msg);
        }
    }
    assert!(cases.len() > 800, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn check_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let op = case["op"].as_str().unwrap();
    let Some((r, a)) = common::check_outcome(name, run_case(case, None), case, |dt| tol(op, dt))
    else {
        return;
    };
    // The same values in non-contiguous layouts take the strided kernels.
    if !name.starts_with("weak/") {
        for layout in common::LAYOUTS {
            let got =
                run_case(case, Some(layout)).unwrap_or_else(|e| panic!("{name} ({layout}): {e}"));
            assert_matches(&format!("{name} ({layout})"), &got, &case["expected"], r, a);
        }
    }
}

#[test]
fn primitive_names_follow_mlx() {
    let a = Array::from_slice(&[1i32, 2], &[2]).unwrap();
    let f = ops::astype(&a, Dtype::Float32).unwrap();
    let name = |x: Result<Array>| x.unwrap().primitive_name().unwrap();
    assert_eq!(name(ops::add(&a, &a)), "Add");
    assert_eq!(name(ops::floor_divide(&a, &a)), "FloorDivide");
    assert_eq!(name(ops::floor_divide(&f, &f)), "FloorDivide");
    assert_eq!(name(ops::greater_equal(&a, &a)), "GreaterEqual");
    assert_eq!(name(ops::logaddexp(&f, &f)), "LogAddExp");
    assert_eq!(name(ops::arctan2(&f, &f)), "ArcTan2");
    assert_eq!(name(ops::logical_xor(&a, &a)), "NotEqual");
    assert_eq!(name(ops::bitwise_and(&a, &a)), "BitwiseAnd");
    assert_eq!(name(ops::right_shift(&a, &a)), "RightShift");
    assert_eq!(name(ops::where_(&a, &a, &f)), "Select");
    assert_eq!(name(ops::clip(&f, Some(&f), Some(&f))), "Minimum");
}

#[test]
fn integer_division_edge_cases_do_not_panic() {
    // MLX's CPU traps (SIGFPE) on these; rmlx picks NumPy's x // 0 == 0, MLX's x % 0 == x,
    // and wraps MIN // -1.
    let a = Array::from_slice(&[7i32, -7, i32::MIN, i32::MIN, 0], &[5]).unwrap();
    let b = Array::from_slice(&[0i32, 0, -1, 0, 0], &[5]).unwrap();
    assert_eq!(
        ops::floor_divide(&a, &b).unwrap().to_vec::<i32>().unwrap(),
        vec![0, 0, i32::MIN, 0, 0]
    );
    assert_eq!(
        ops::remainder(&a, &b).unwrap().to_vec::<i32>().unwrap(),
        vec![7, -7, 0, i32::MIN, 0]
    );
    for dt in [
        Dtype::Int8,
        Dtype::Int16,
        Dtype::Int64,
        Dtype::Uint8,
        Dtype::Uint16,
        Dtype::Uint32,
        Dtype::Uint64,
    ] {
        let x = ops::astype(&a, dt).unwrap();
        let y = ops::astype(&b, dt).unwrap();
        ops::floor_divide(&x, &y).unwrap().eval().unwrap();
        ops::remainder(&x, &y).unwrap().eval().unwrap();
        ops::power(&x, &y).unwrap().eval().unwrap();
        ops::left_shift(&x, &ops::astype(&a, dt).unwrap())
            .unwrap()
            .eval()
            .unwrap();
        ops::right_shift(&x, &ops::astype(&a, dt).unwrap())
            .unwrap()
            .eval()
            .unwrap();
    }
    let m = Array::from_slice(&[i64::MIN], &[1]).unwrap();
    let n1 = Array::from_slice(&[-1i64], &[1]).unwrap();
    assert_eq!(
        ops::floor_divide(&m, &n1).unwrap().to_vec::<i64>().unwrap(),
        vec![i64::MIN]
    );
    assert_eq!(
        ops::remainder(&m, &n1).unwrap().to_vec::<i64>().unwrap(),
        vec![0]
    );
}

#[test]
fn large_inputs_take_threaded_and_strided_paths() {
    let n = 300_000usize;
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 - 500.0).collect();
    let b: Vec<f32> = (0..n).map(|i| (i % 7) as f32 + 1.0).collect();
    let x = Array::from_slice(&a, &[300, 1000]).unwrap();
    let y = Array::from_slice(&b, &[300, 1000]).unwrap();
    let r = ops::remainder(&x, &y).unwrap().to_vec::<f32>().unwrap();
    for i in (0..n).step_by(997) {
        let (p, q) = (a[i], b[i]);
        let want = ((p % q) + q) % q;
        assert_eq!(r[i], want, "element {i}");
    }
    // Broadcast row against a matrix: the strided path, threaded.
    let row = Array::from_slice(&b[..1000], &[1000]).unwrap();
    let s = ops::maximum(&x, &row).unwrap().to_vec::<f32>().unwrap();
    for i in (0..n).step_by(991) {
        assert_eq!(s[i], a[i].max(b[i % 1000]));
    }
    let c = ops::where_(&ops::greater(&x, &row).unwrap(), &x, &Array::scalar(0.0f32)).unwrap();
    let c = c.to_vec::<f32>().unwrap();
    for i in (0..n).step_by(983) {
        assert_eq!(c[i], if a[i] > b[i % 1000] { a[i] } else { 0.0 });
    }
}

#[test]
fn bitwise_errors_are_runtime_errors() {
    let f = Array::from_slice(&[1.0f32], &[1]).unwrap();
    let i = Array::from_slice(&[1i32], &[1]).unwrap();
    let e = ops::bitwise_and(&i, &f).unwrap_err();
    assert!(matches!(e, Error::Runtime(_)));
    assert_eq!(
        e.to_string(),
        "[bitwise_and] Only allowed on integer or boolean types but got types int32 and float32."
    );
    let e = ops::right_shift(&i, &f).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[right_shift] Only allowed on integer or boolean types but got types float32 and float32."
    );
    let c = ops::astype(&f, Dtype::Complex64).unwrap();
    assert!(matches!(
        ops::remainder(&c, &c),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ops::arctan2(&c, &f),
        Err(Error::InvalidArgument(_))
    ));
    let e = ops::clip(&f, None, None).unwrap_err();
    assert_eq!(e.to_string(), "At most one of a_min and a_max may be None");
}

// ---- weak scalars and operators ----

fn arr<T: rmlx::Element>(v: &[T]) -> Array {
    Array::from_slice(v, &[v.len() as i32]).unwrap()
}

#[test]
fn weak_scalar_dtypes_follow_mlx() {
    let b = arr(&[true, false]);
    let i8a = arr(&[1i8, 2]);
    let u8a = arr(&[250u8]);
    let h = arr(&[half::f16::from_f32(1.0)]);
    let c = arr(&[num_complex::Complex32::new(0.0, 1.0)]);
    assert_eq!((&b + 1).dtype(), Dtype::Int32);
    // On the left an unsuffixed literal needs the result type known.
    let r: Array = 1 + &b;
    assert_eq!(r.dtype(), Dtype::Int32);
    assert_eq!((&b + true).dtype(), Dtype::Bool);
    assert_eq!((&b * 1.5f32).dtype(), Dtype::Float32);
    assert_eq!((&b << 1i32).dtype(), Dtype::Int32);
    assert_eq!((&i8a + 1i64).dtype(), Dtype::Int8);
    assert_eq!((&i8a + true).dtype(), Dtype::Int8);
    assert_eq!((&i8a + 1.5f64).dtype(), Dtype::Float32);
    assert_eq!((&i8a / 2).dtype(), Dtype::Float32);
    assert_eq!((&u8a + 1).to_vec::<u8>().unwrap(), vec![251]);
    assert_eq!((&h + 1e10f64).dtype(), Dtype::Float16);
    assert_eq!(
        (&h + 1e10f64).to_vec::<half::f16>().unwrap()[0],
        half::f16::INFINITY
    );
    assert_eq!((&c + 2).dtype(), Dtype::Complex64);
    assert_eq!((2.0f32 * &c).dtype(), Dtype::Complex64);
    // Integers wrap into int32 next to bool arrays, as MLX does with Python ints.
    assert_eq!((&b + (1i64 << 40)).to_vec::<i32>().unwrap(), vec![1, 0]);
}

#[test]
fn operators_cover_every_combination() {
    let a = arr(&[6i32, -7, 9]);
    let b = arr(&[4i32, 2, -4]);
    assert_eq!((&a + &b).to_vec::<i32>().unwrap(), vec![10, -5, 5]);
    assert_eq!((a.clone() - &b).to_vec::<i32>().unwrap(), vec![2, -9, 13]);
    assert_eq!(
        (&a * b.clone()).to_vec::<i32>().unwrap(),
        vec![24, -14, -36]
    );
    assert_eq!(
        (a.clone() / b.clone()).to_vec::<f32>().unwrap(),
        vec![1.5, -3.5, -2.25]
    );
    assert_eq!((&a % &b).to_vec::<i32>().unwrap(), vec![2, 1, -3]);
    assert_eq!((&a & &b).to_vec::<i32>().unwrap(), vec![4, 0, 8]);
    assert_eq!((&a | &b).to_vec::<i32>().unwrap(), vec![6, -5, -3]);
    assert_eq!((&a ^ &b).to_vec::<i32>().unwrap(), vec![2, -5, -11]);
    assert_eq!((&a << 2i32).to_vec::<i32>().unwrap(), vec![24, -28, 36]);
    assert_eq!((&a >> 1i64).to_vec::<i32>().unwrap(), vec![3, -4, 4]);
    assert_eq!((1i32 << &b).to_vec::<i32>().unwrap(), vec![16, 4, 1 << 28]);
    assert_eq!((10i32 - &a).to_vec::<i32>().unwrap(), vec![4, 17, 1]);
    assert_eq!((10i64 % a.clone()).to_vec::<i32>().unwrap(), vec![4, -4, 1]);
    assert_eq!(
        (1.0f64 / &b).to_vec::<f32>().unwrap(),
        vec![0.25, 0.5, -0.25]
    );
    assert_eq!((-&a).to_vec::<i32>().unwrap(), vec![-6, 7, -9]);
    assert_eq!((!&a).to_vec::<i32>().unwrap(), vec![!6, !-7, !9]);
    assert_eq!((!arr(&[3u8])).to_vec::<u8>().unwrap(), vec![252]);
    assert_eq!(
        (!arr(&[true, false])).to_vec::<bool>().unwrap(),
        vec![false, true]
    );
    assert_eq!(
        (true & arr(&[true, false])).to_vec::<bool>().unwrap(),
        vec![true, false]
    );
    let f = arr(&[0.0f32, -1.5, f32::INFINITY]);
    let neg = (-&f).to_vec::<f32>().unwrap();
    assert!(neg[0] == 0.0 && neg[0].is_sign_negative());
    assert_eq!(&neg[1..], &[1.5, f32::NEG_INFINITY]);
    assert_eq!((-arr(&[1u8])).to_vec::<u8>().unwrap(), vec![255]);
    assert_eq!(
        (2.0f32 - f.clone() * 2.0f32).to_vec::<f32>().unwrap(),
        vec![2.0, 5.0, f32::NEG_INFINITY]
    );
    assert_eq!(
        a.maximum(&b).unwrap().to_vec::<i32>().unwrap(),
        vec![6, 2, 9]
    );
    assert_eq!(
        a.minimum(&b).unwrap().to_vec::<i32>().unwrap(),
        vec![4, -7, -4]
    );
    assert_eq!(
        a.pow(&arr(&[2i32, 1, 0])).unwrap().to_vec::<i32>().unwrap(),
        vec![36, -7, 1]
    );
}

fn panic_message(f: impl FnOnce() -> Array) -> String {
    let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("should panic");
    e.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn operators_panic_with_the_error_message() {
    let a = arr(&[1i8, 2]);
    let f = arr(&[1.0f32]);
    let m = panic_message(|| &a + 1000);
    assert_eq!(m, ops::scalar_like(1000, &a).unwrap_err().to_string());
    assert_eq!(m, "Converting 1000 to int8 would result in overflow.");
    let m = panic_message(|| &f & &f);
    assert_eq!(m, ops::bitwise_and(&f, &f).unwrap_err().to_string());
    let m = panic_message(|| arr(&[1.0f32, 2.0, 3.0]) + arr(&[1.0f32, 2.0]));
    assert_eq!(
        m,
        "[broadcast_shapes] Shapes (3) and (2) cannot be broadcast."
    );
    assert_eq!(
        panic_message(|| -arr(&[true])),
        "[negative] Not supported for bool, use logical_not instead."
    );
    assert_eq!(
        panic_message(|| !f.clone()),
        "[bitwise_invert] Bitwise inverse only allowed on integer types."
    );
}

#[test]
fn where_and_clip_with_weak_scalars() {
    let c = arr(&[true, false, true]);
    let x = arr(&[1i8, 2, 3]);
    let w = ops::where_(&c, &x, &ops::scalar_like(2.5, &x).unwrap()).unwrap();
    assert_eq!(w.dtype(), Dtype::Float32);
    assert_eq!(w.to_vec::<f32>().unwrap(), vec![1.0, 2.5, 3.0]);
    let a = arr(&[1i32, 5, 9]);
    let lo = ops::scalar_like(2, &a).unwrap();
    let hi = ops::scalar_like(6, &a).unwrap();
    assert_eq!(
        ops::clip(&a, Some(&lo), Some(&hi))
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        vec![2, 5, 6]
    );
    let lo = ops::scalar_like(2.5, &a).unwrap();
    let r = ops::clip(&a, Some(&lo), None).unwrap();
    assert_eq!(r.to_vec::<f32>().unwrap(), vec![2.5, 5.0, 9.0]);
}
