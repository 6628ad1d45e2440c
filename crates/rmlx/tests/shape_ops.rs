//! unstack, repeat, tile, pad, flip, roll, diff, as_strided, view and slices with array
//! starts against MLX fixtures (tools/fixtures/shape_ops.py), on plain, transposed,
//! reversed and stepped inputs; plus what the fixtures cannot hold: buffer sharing of the
//! views, clamped starts, bounds-checked `as_strided`, and the parallel gather path.

mod common;

use common::{array, assert_matches, dtype, load, tolerance};
use rmlx::ops::{self, PadMode, SliceArg};
use rmlx::{Array, Dtype, Error, Result};
use serde_json::Value;

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_i64().expect("int") as i32)
        .collect()
}

fn int(v: &Value) -> i32 {
    v.as_i64().expect("int") as i32
}

/// The fixture's input layout, built with engine views.
fn layout(x: &Array, name: &str) -> Array {
    match name {
        "plain" => x.clone(),
        "T" => x.t().unwrap(),
        "rev" => ops::slice_axis(x, 0, SliceArg::rev()).unwrap(),
        "step" => ops::slice_axis(x, 0, SliceArg::all().step(2)).unwrap(),
        other => panic!("unknown layout {other}"),
    }
}

fn int32s(v: &[i32]) -> Array {
    Array::from_slice(v, &[v.len() as i32]).unwrap()
}

fn run(op: &str, x: &Array, inputs: &Value, kw: &Value) -> Result<Vec<Array>> {
    let one = |r: Result<Array>| r.map(|a| vec![a]);
    match op {
        "unstack" => ops::unstack(x, int(&kw["axis"])),
        "repeat" => one(ops::repeat(
            x,
            int(&kw["repeats"]),
            kw["axis"].as_i64().map(|a| a as i32),
        )),
        "tile" => one(ops::tile(x, &ints(&kw["reps"]))),
        "pad" => {
            let widths: Vec<(i32, i32)> = kw["widths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| (int(&w[0]), int(&w[1])))
                .collect();
            let mode: PadMode = kw["mode"].as_str().unwrap().parse()?;
            let value = Array::from_slice(&[int(&kw["value"])], &[])?;
            one(ops::pad(x, &widths, &value, mode))
        }
        "flip" => {
            let axes = (!kw["axes"].is_null()).then(|| ints(&kw["axes"]));
            one(ops::flip(x, axes.as_deref()))
        }
        "roll" => {
            let axes = (!kw["axes"].is_null()).then(|| ints(&kw["axes"]));
            one(ops::roll(x, &ints(&kw["shifts"]), axes.as_deref()))
        }
        "diff" => one(ops::diff(x, int(&kw["n"]), int(&kw["axis"]))),
        "as_strided" => {
            let strides: Vec<i64> = ints(&kw["strides"]).iter().map(|&s| s as i64).collect();
            one(ops::as_strided(
                x,
                Some(&ints(&kw["shape"])),
                Some(&strides),
                kw["offset"].as_u64().unwrap() as usize,
            ))
        }
        "view" => one(ops::view(x, dtype(kw["to"].as_str().unwrap()))),
        "slice" => one(ops::dynamic_slice(
            x,
            &int32s(&ints(&kw["starts"])),
            &ints(&kw["axes"]),
            &ints(&kw["size"]),
        )),
        "slice_update" => {
            let u = array(&inputs[1]);
            one(ops::dynamic_slice_update(
                x,
                &u,
                &int32s(&ints(&kw["starts"])),
                &ints(&kw["axes"]),
            ))
        }
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn fixtures_match_mlx() {
    let cases = load("shape_ops");
    assert!(cases.len() > 300);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let kw = &c["kwargs"];
        let x = layout(&array(&c["inputs"][0]), kw["layout"].as_str().unwrap());
        let got = run(c["op"].as_str().unwrap(), &x, &c["inputs"], kw);
        if !c["error"].is_null() {
            let err = got
                .err()
                .unwrap_or_else(|| panic!("{name}: expected an error"));
            assert_eq!(
                err.python_exception(),
                c["error"]["type"].as_str().unwrap(),
                "{name}: {err}"
            );
            assert!(err.to_string().starts_with('['), "{name}: {err}");
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = c["expected"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: number of outputs");
        for (g, w) in got.iter().zip(want) {
            let (rtol, atol) = tolerance(g.dtype());
            assert_matches(name, g, w, rtol, atol);
        }
    }
}

fn arange(n: i32, shape: &[i32]) -> Array {
    ops::reshape(
        &ops::arange(0.0, n as f64, 1.0, Dtype::Int32).unwrap(),
        shape,
    )
    .unwrap()
}

fn evaluated(a: Array) -> Array {
    a.eval().unwrap();
    a
}

#[test]
fn views_share_the_input_buffer() {
    let x = evaluated(arange(24, &[4, 6]));
    let f = evaluated(ops::flip(&x, Some(&[1])).unwrap());
    assert!(f.shares_buffer_with(&x));
    assert_eq!(f.to_vec::<i32>().unwrap()[..6], [5, 4, 3, 2, 1, 0]);
    let s = evaluated(ops::as_strided(&x, Some(&[3, 2]), Some(&[6, 2]), 1).unwrap());
    assert!(s.shares_buffer_with(&x));
    assert_eq!(s.to_vec::<i32>().unwrap(), [1, 3, 7, 9, 13, 15]);
    let v = evaluated(ops::view(&x, Dtype::Float32).unwrap());
    assert!(v.shares_buffer_with(&x));
    let t = evaluated(x.t().unwrap());
    let vt = evaluated(ops::view(&t, Dtype::Uint32).unwrap());
    assert!(vt.shares_buffer_with(&x), "same item size keeps any layout");
    assert_eq!(vt.to_vec::<u32>().unwrap()[..4], [0, 6, 12, 18]);
    let bytes = evaluated(ops::view(&x, Dtype::Uint8).unwrap());
    assert!(bytes.shares_buffer_with(&x));
    assert_eq!(bytes.shape(), &[4, 24]);
    let d = evaluated(ops::dynamic_slice(&x, &int32s(&[2]), &[1], &[2, 3]).unwrap());
    assert!(d.shares_buffer_with(&x));
    assert_eq!(d.to_vec::<i32>().unwrap(), [2, 3, 4, 8, 9, 10]);
    // A reversed input viewed at another item size is copied to row-major bytes first.
    let r = evaluated(ops::flip(&x, None).unwrap());
    let rb = evaluated(ops::view(&r, Dtype::Int16).unwrap());
    assert!(!rb.shares_buffer_with(&x));
    assert_eq!(rb.to_vec::<i16>().unwrap()[..4], [23, 0, 22, 0]);
}

#[test]
fn dynamic_slice_clamps_out_of_range_starts() {
    let x = arange(20, &[4, 5]);
    let win = |starts: &[i64]| {
        let s = Array::from_slice(starts, &[starts.len() as i32]).unwrap();
        ops::dynamic_slice(&x, &s, &[0, 1], &[2, 2])
            .unwrap()
            .to_vec::<i32>()
            .unwrap()
    };
    assert_eq!(win(&[1, 1]), [6, 7, 11, 12]);
    assert_eq!(
        win(&[10, 10]),
        win(&[2, 3]),
        "past the end: last fitting window"
    );
    assert_eq!(win(&[-1, -100]), win(&[0, 0]), "negative: start 0");
    assert_eq!(win(&[i64::MAX, i64::MIN]), win(&[2, 0]));
    let huge = Array::from_slice(&[u64::MAX], &[1]).unwrap();
    let v = ops::dynamic_slice(&x, &huge, &[1], &[4, 5]).unwrap();
    assert_eq!(v.to_vec::<i32>().unwrap(), x.to_vec::<i32>().unwrap());
}

#[test]
fn dynamic_slice_update_clamps_and_never_writes_outside() {
    let z = ops::zeros(&[4, 5], Dtype::Int32).unwrap();
    let u = ops::ones(&[2, 3], Dtype::Int32).unwrap();
    let put = |starts: &[i32]| {
        ops::dynamic_slice_update(&z, &u, &int32s(starts), &[0, 1])
            .unwrap()
            .to_vec::<i32>()
            .unwrap()
    };
    assert_eq!(put(&[5, 9]), put(&[2, 2]));
    assert_eq!(put(&[-3, -3]), put(&[0, 0]));
    let got = put(&[5, 9]);
    assert_eq!(got.iter().sum::<i32>(), 6, "the whole update lands inside");
    assert_eq!(got[2 * 5 + 2..2 * 5 + 5], [1, 1, 1]);
    // MLX's shape rule: a 1-d update on axis 1 spans every row (axis 0 is not listed).
    let row = Array::from_slice(&[7i32, 8, 9], &[3]).unwrap();
    let r = ops::dynamic_slice_update(&z, &row, &int32s(&[3]), &[1]).unwrap();
    let v = r.to_vec::<i32>().unwrap();
    for i in 0..4 {
        assert_eq!(
            v[i * 5..i * 5 + 5],
            [0, 0, 7, 8, 9],
            "row {i}: clamped to start 2"
        );
    }
    // The destination may be any layout; the update may be strided too.
    let zt = ops::contiguous(&ops::zeros(&[5, 4], Dtype::Int32).unwrap(), false)
        .unwrap()
        .t()
        .unwrap();
    let ut = arange(6, &[3, 2]).t().unwrap();
    let r = ops::dynamic_slice_update(&zt, &ut, &int32s(&[1, 1]), &[0, 1]).unwrap();
    let v = r.to_vec::<i32>().unwrap();
    assert_eq!(v[5..10], [0, 0, 2, 4, 0]);
    assert_eq!(v[10..15], [0, 1, 3, 5, 0]);
    // Errors: more update dimensions than the array (MLX crashes), float starts.
    let e = ops::dynamic_slice_update(
        &z,
        &ops::ones(&[1, 2, 3], Dtype::Int32).unwrap(),
        &int32s(&[0, 0]),
        &[0, 1],
    );
    assert!(matches!(e, Err(Error::InvalidArgument(_))));
    let f = Array::from_slice(&[0.0f32], &[1]).unwrap();
    let e = ops::dynamic_slice(&z, &f, &[0], &[1, 5]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[slice] Start indices must be integers, got type float32."
    );
    let e = ops::dynamic_slice(&z, &int32s(&[0]), &[0], &[-1, 5]).unwrap_err();
    assert_eq!(e.python_exception(), "ValueError");
}

#[test]
fn as_strided_rejects_views_outside_the_input() {
    let x = arange(12, &[3, 4]);
    for (shape, strides, offset) in [
        (vec![4], vec![4i64], 0usize),
        (vec![2, 2], vec![1, 1], 11),
        (vec![2], vec![-1], 0),
        (vec![1], vec![1], 12),
        (vec![3, 4], vec![4], 0),
    ] {
        let e = ops::as_strided(&x, Some(&shape), Some(&strides), offset).unwrap_err();
        assert_eq!(e.python_exception(), "ValueError", "{e}");
        let msg = e.to_string();
        assert!(
            msg.starts_with("[as_strided]") && msg.contains("offset"),
            "{msg}"
        );
    }
    // The last reachable element and empty views are fine.
    let v = ops::as_strided(&x, Some(&[2]), Some(&[-11]), 11).unwrap();
    assert_eq!(v.to_vec::<i32>().unwrap(), [11, 0]);
    let v = ops::as_strided(&x, Some(&[0, 3]), Some(&[1000, 1000]), 99).unwrap();
    assert_eq!(v.shape(), &[0, 3]);
    // Elements of a non-contiguous input are counted in its row-major order.
    let t = x.t().unwrap();
    let v = ops::as_strided(&t, Some(&[3]), Some(&[1]), 9).unwrap();
    assert_eq!(v.to_vec::<i32>().unwrap(), [3, 7, 11]);
}

#[test]
fn view_as_bool_keeps_valid_booleans() {
    let b = Array::from_slice(&[0u8, 1, 2, 255], &[4]).unwrap();
    let v = ops::view(&b, Dtype::Bool).unwrap();
    assert_eq!(v.to_vec::<bool>().unwrap(), [false, true, true, true]);
    let as_int = ops::astype(&v, Dtype::Int32).unwrap();
    assert_eq!(as_int.to_vec::<i32>().unwrap(), [0, 1, 1, 1]);
}

#[test]
fn large_pad_and_roll_use_every_row() {
    // Above the parallel threshold: every output row must be written.
    let n = 300;
    let x = arange(n * n, &[n, n]);
    let value = Array::from_slice(&[-1i32], &[]).unwrap();
    let p = ops::pad(&x, &[(2, 3)], &value, PadMode::Edge).unwrap();
    let v = p.to_vec::<i32>().unwrap();
    let w = (n + 5) as usize;
    assert_eq!(v[0], 0);
    assert_eq!(v[w * (w - 1) + w - 1], n * n - 1);
    assert_eq!(v[w * 150 + 2], 148 * n);
    let r = ops::roll(&x, &[1, -1], Some(&[0, 1])).unwrap();
    let rv = r.to_vec::<i32>().unwrap();
    let xv = x.to_vec::<i32>().unwrap();
    let n = n as usize;
    for i in [0usize, 1, 150, 299] {
        for j in [0usize, 7, 299] {
            assert_eq!(rv[i * n + j], xv[((i + n - 1) % n) * n + (j + 1) % n]);
        }
    }
    let c = ops::pad(&x, &[(1, 1)], &value, PadMode::Constant).unwrap();
    let cv = c.to_vec::<i32>().unwrap();
    assert_eq!(cv[..3], [-1, -1, -1]);
    assert_eq!(cv[(n + 2) + 1], 0);
}

#[test]
fn pad_constant_value_forms() {
    let x = arange(4, &[2, 2]);
    // The first element of an array value, converted to the array's dtype.
    let vals = Array::from_slice(&[7.9f32, 3.0], &[2]).unwrap();
    let p = ops::pad(&x, &[(1, 0)], &vals, PadMode::Constant).unwrap();
    assert_eq!(p.dtype(), Dtype::Int32);
    assert_eq!(p.to_vec::<i32>().unwrap()[..3], [7, 7, 7]);
    // An empty value pads with zeros.
    let empty = ops::zeros(&[0], Dtype::Float32).unwrap();
    let p = ops::pad(&x, &[(0, 1)], &empty, PadMode::Constant).unwrap();
    assert_eq!(p.to_vec::<i32>().unwrap(), [0, 1, 0, 2, 3, 0, 0, 0, 0]);
    // Edge mode rejects padding an empty axis (MLX is inconsistent there).
    let e = ops::zeros(&[0, 2], Dtype::Float32).unwrap();
    let err = ops::pad(&e, &[(1, 1)], &empty, PadMode::Edge).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[pad] Cannot pad empty axis 0 using mode 'edge'."
    );
    assert!("wrap".parse::<PadMode>().is_err());
}
