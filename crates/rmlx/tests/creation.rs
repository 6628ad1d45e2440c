//! Creation ops against fixtures from the real MLX (tools/fixtures/creation.py).

mod common;

use common::{array, assert_matches, dtype, load, tolerance};
use rmlx::{ops, Array, Dtype, Result};
use serde_json::Value;

fn f(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse::<f64>().unwrap_or_else(|_| panic!("number {s}")),
        other => other.as_f64().expect("number"),
    }
}

fn i(v: &Value) -> i32 {
    v.as_i64().expect("int") as i32
}

fn shape(v: &Value) -> Vec<i32> {
    v.as_array().expect("shape").iter().map(i).collect()
}

fn dt(kw: &Value) -> Dtype {
    dtype(kw["dtype"].as_str().expect("dtype"))
}

fn run(c: &Value) -> Result<Array> {
    let kw = &c["kwargs"];
    let inputs: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
    match c["op"].as_str().unwrap() {
        "arange" => ops::arange(f(&kw["start"]), f(&kw["stop"]), f(&kw["step"]), dt(kw)),
        "linspace" => ops::linspace(f(&kw["start"]), f(&kw["stop"]), i(&kw["num"]), dt(kw)),
        "eye" => ops::eye(i(&kw["n"]), i(&kw["m"]), i(&kw["k"]), dt(kw)),
        "identity" => ops::identity(i(&kw["n"]), dt(kw)),
        "zeros" => ops::zeros(&shape(&kw["shape"]), dt(kw)),
        "ones" => ops::ones(&shape(&kw["shape"]), dt(kw)),
        "full" => ops::full_dtype(&shape(&kw["shape"]), f(&kw["value"]), dt(kw)),
        "full_array" => ops::full_array(&shape(&kw["shape"]), &inputs[0], dt(kw)),
        "zeros_like" => ops::zeros_like(&inputs[0]),
        "ones_like" => ops::ones_like(&inputs[0]),
        "full_like" => {
            let d = kw["dtype"].as_str().map(dtype);
            ops::full_like(&inputs[0], f(&kw["value"]), d)
        }
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn fixtures() {
    let (mut values, mut errors) = (0, 0);
    for c in &load("creation") {
        let name = c["name"].as_str().unwrap();
        let got = run(c);
        if let Some(err) = c["error"].as_str() {
            let e = got
                .err()
                .unwrap_or_else(|| panic!("{name}: expected {err}"));
            assert_eq!(e.python_exception(), err, "{name}: {e}");
            assert!(e.to_string().starts_with('['), "{name}: {e}");
            errors += 1;
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        let (rt, at) = tolerance(got.dtype());
        assert_matches(name, &got, &c["expected"], rt, at);
        values += 1;
    }
    eprintln!("creation fixtures: {values} value cases, {errors} error cases");
    assert!(values > 130 && errors > 10);
}

#[test]
fn convenient_forms() {
    let a = ops::arange_to(4).unwrap();
    assert_eq!(
        (a.dtype(), a.to_vec::<i32>().unwrap()),
        (Dtype::Int32, vec![0, 1, 2, 3])
    );
    let b = ops::arange_of(0.0f32, 1.0, 0.25).unwrap();
    assert_eq!(b.to_vec::<f32>().unwrap(), vec![0.0, 0.25, 0.5, 0.75]);
    let c = ops::arange_of(10i64, 0, -4).unwrap();
    assert_eq!(
        (c.dtype(), c.to_vec::<i64>().unwrap()),
        (Dtype::Int64, vec![10, 6, 2])
    );
    let z = ops::full(&[2], 7u16).unwrap();
    assert_eq!(z.to_vec::<u16>().unwrap(), vec![7, 7]);
    assert_eq!(
        ops::arange(0.0, 3.0, 1.0, Dtype::Int32)
            .unwrap()
            .primitive_name()
            .unwrap(),
        "Arange"
    );
    assert_eq!(
        ops::zeros_like(&a).unwrap().primitive_name().unwrap(),
        "Full"
    );
    let e = ops::arange(0.0, 1.0, 0.0, Dtype::Float32).unwrap_err();
    assert_eq!(e.to_string(), "[arange] step must be nonzero.");
}
