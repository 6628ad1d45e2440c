//! Shape ops, slicing, concatenate/stack/split against NumPy fixtures (tools/fixtures/shape.py),
//! plus layout checks: views share their input's buffer, reshape copies only when it must.

mod common;

use common::{array, assert_matches, load, tolerance};
use rmlx::ops::{self, SliceArg};
use rmlx::{Array, Dtype, Error, Result};
use serde_json::Value;

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_i64().expect("int") as i32)
        .collect()
}

fn opt(v: &Value) -> Option<i32> {
    v.as_i64().map(|x| x as i32)
}

/// One chain step; multi-input steps consume `xs`, split returns several arrays.
fn step(xs: Vec<Array>, st: &Value) -> Result<Vec<Array>> {
    let x = &xs[0];
    let one = |r: Result<Array>| r.map(|a| vec![a]);
    match st["op"].as_str().expect("op") {
        "reshape" => one(x.reshape(&ints(&st["shape"]))),
        "flatten" => one(ops::flatten(
            x,
            st["start"].as_i64().unwrap() as i32,
            st["end"].as_i64().unwrap() as i32,
        )),
        "squeeze" => one(if st["axes"].is_null() {
            x.squeeze()
        } else {
            x.squeeze_axes(&ints(&st["axes"]))
        }),
        "expand_dims" => one(x.expand_dims(&ints(&st["axes"]))),
        "transpose" => one(if st["axes"].is_null() {
            x.t()
        } else {
            x.transpose_axes(&ints(&st["axes"]))
        }),
        "swapaxes" => one(x.swapaxes(
            st["a"].as_i64().unwrap() as i32,
            st["b"].as_i64().unwrap() as i32,
        )),
        "moveaxis" => one(x.moveaxis(
            st["src"].as_i64().unwrap() as i32,
            st["dst"].as_i64().unwrap() as i32,
        )),
        "broadcast_to" => one(x.broadcast_to(&ints(&st["shape"]))),
        "slice" => one(ops::slice(
            x,
            &ints(&st["start"]),
            &ints(&st["stop"]),
            &ints(&st["strides"]),
        )),
        "slice_py" => {
            let args: Vec<SliceArg> = st["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| SliceArg::new(opt(&a[0]), opt(&a[1]), opt(&a[2]).unwrap_or(1)))
                .collect();
            one(x.slice(&args))
        }
        "contiguous" => one(ops::contiguous(x, false)),
        "concatenate" => one(ops::concatenate(&xs, st["axis"].as_i64().unwrap() as i32)),
        "stack" => one(ops::stack(&xs, st["axis"].as_i64().unwrap() as i32)),
        "split" => {
            let axis = st["axis"].as_i64().unwrap() as i32;
            if st.get("num").is_some() {
                ops::split(x, st["num"].as_i64().unwrap() as i32, axis)
            } else {
                ops::split_at(x, &ints(&st["indices"]), axis)
            }
        }
        other => panic!("unknown step {other}"),
    }
}

fn run_chain(mut xs: Vec<Array>, chain: &Value) -> Result<Vec<Array>> {
    for st in chain.as_array().expect("chain") {
        xs = step(xs, st)?;
    }
    Ok(xs)
}

fn run_case(c: &Value) -> Result<Vec<Array>> {
    let mut xs: Vec<Array> = c["inputs"].as_array().unwrap().iter().map(array).collect();
    if let Some(pre) = c["kwargs"]["pre"].as_array() {
        for (i, p) in pre.iter().enumerate() {
            xs[i] = run_chain(vec![xs[i].clone()], p)?.remove(0);
        }
    }
    run_chain(xs, &c["kwargs"]["chain"])
}

#[test]
fn fixtures() {
    let cases = load("shape");
    let (mut values, mut errors) = (0, 0);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let got = run_case(c);
        if let Some(err) = c["error"].as_str() {
            let e = got
                .err()
                .unwrap_or_else(|| panic!("{name}: expected {err}"));
            assert_eq!(e.python_exception(), err, "{name}: {e}");
            assert!(e.to_string().starts_with('['), "{name}: message {e}");
            errors += 1;
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(pieces) = c["kwargs"]["pieces"].as_array() {
            assert_eq!(got.len(), pieces.len(), "{name}: piece count");
            for (i, (g, w)) in got.iter().zip(pieces).enumerate() {
                let (rt, at) = tolerance(g.dtype());
                assert_matches(&format!("{name} piece {i}"), g, w, rt, at);
            }
        } else {
            assert_eq!(got.len(), 1);
            let (rt, at) = tolerance(got[0].dtype());
            assert_matches(name, &got[0], &c["expected"], rt, at);
        }
        values += 1;
    }
    eprintln!("shape fixtures: {values} value cases, {errors} error cases");
    assert!(values > 200 && errors > 30);
}

fn iota(shape: &[i32]) -> Array {
    let n: i32 = shape.iter().product();
    Array::from_slice(&(0..n).map(|v| v as f32).collect::<Vec<_>>(), shape).unwrap()
}

/// True when both evaluated arrays read the same allocation.
fn same_buffer(a: &Array, b: &Array) -> bool {
    a.eval().unwrap();
    b.eval().unwrap();
    a.shares_buffer_with(b)
}

#[test]
fn views_share_the_buffer() {
    let x = iota(&[4, 6]);
    let views = [
        x.reshape(&[2, 12]).unwrap(),
        x.t().unwrap(),
        x.slice(&[SliceArg::rev(), (1..5).into()]).unwrap(),
        x.broadcast_to(&[3, 4, 6]).unwrap(),
        x.expand_dims(&[0, 2]).unwrap().squeeze().unwrap(),
        x.flatten().unwrap(),
        ops::swapaxes(&x, 0, 1).unwrap(),
        ops::contiguous(&x, false).unwrap(),
        ops::contiguous(&x.t().unwrap(), true).unwrap(),
        // A reshape that splits a sliced axis keeps the strides.
        x.slice(&[SliceArg::all(), SliceArg::all().step(2)])
            .unwrap()
            .reshape(&[2, 2, 3])
            .unwrap(),
    ];
    for (i, v) in views.iter().enumerate() {
        assert!(same_buffer(&x, v), "view {i} copied");
    }
    for p in x.split(3, 1).unwrap() {
        assert!(same_buffer(&x, &p), "split piece copied");
    }
    // Copies: reshape across a transpose, contiguous of a transpose, concatenate.
    let copies = [
        x.t().unwrap().reshape(&[24]).unwrap(),
        ops::contiguous(&x.t().unwrap(), false).unwrap(),
        ops::concatenate(std::slice::from_ref(&x), 0).unwrap(),
    ];
    for (i, c) in copies.iter().enumerate() {
        assert!(!same_buffer(&x, c), "copy {i} shares");
    }
    assert_eq!(
        copies[0].to_vec::<f32>().unwrap()[..5],
        [0.0, 6.0, 12.0, 18.0, 1.0]
    );
    assert!(copies[1].flags().unwrap().row_contiguous);
}

#[test]
fn primitive_names_follow_mlx() {
    let x = iota(&[2, 3, 4]);
    let name = |a: Array| a.primitive_name().unwrap();
    assert_eq!(name(x.reshape(&[6, 4]).unwrap()), "Reshape");
    assert_eq!(name(x.flatten().unwrap()), "Flatten");
    assert_eq!(name(x.t().unwrap()), "Transpose");
    assert_eq!(name(ops::moveaxis(&x, 0, 1).unwrap()), "Transpose");
    assert_eq!(name(x.slice(&[(0..1).into()]).unwrap()), "Slice");
    assert_eq!(name(x.slice(&[SliceArg::rev()]).unwrap()), "Slice");
    assert_eq!(
        name(x.slice(&[(0..1).into()]).unwrap().squeeze().unwrap()),
        "Squeeze"
    );
    assert_eq!(name(x.expand_dims(&[0]).unwrap()), "ExpandDims");
    assert_eq!(
        name(ops::concatenate(&[x.clone(), x.clone()], 0).unwrap()),
        "Concatenate"
    );
    assert_eq!(
        name(ops::stack(&[x.clone(), x.clone()], 0).unwrap()),
        "Concatenate"
    );
    assert_eq!(name(x.split(2, 2).unwrap().remove(0)), "Split");
    assert_eq!(name(ops::contiguous(&x, false).unwrap()), "Contiguous");
    assert_eq!(name(x.broadcast_to(&[2, 2, 3, 4]).unwrap()), "Broadcast");
    // No-op forms return the input itself.
    assert_eq!(x.reshape(&[2, 3, 4]).unwrap().id(), x.id());
    assert_eq!(x.slice(&[SliceArg::all()]).unwrap().id(), x.id());
    assert_eq!(ops::flatten(&x, 1, 1).unwrap().id(), x.id());
}

#[test]
fn split_pieces_survive_dropped_siblings() {
    let x = iota(&[6]);
    let mut pieces = x.split_at(&[2, 4], 0).unwrap();
    let last = pieces.pop().unwrap();
    drop(pieces);
    assert_eq!(last.to_vec::<f32>().unwrap(), vec![4.0, 5.0]);
}

#[test]
fn large_strided_copies_match() {
    // Above the parallel threshold: reshape-copy of a reversed transpose and concatenate
    // along a middle axis.
    let x = iota(&[300, 500]);
    let y = x
        .t()
        .unwrap()
        .slice(&[SliceArg::rev()])
        .unwrap()
        .reshape(&[-1])
        .unwrap();
    let v = y.to_vec::<f32>().unwrap();
    for (k, &got) in v.iter().enumerate().step_by(997) {
        let (i, j) = (k / 300, k % 300);
        assert_eq!(got, (j * 500 + (499 - i)) as f32);
    }
    let a = iota(&[200, 3, 100]);
    let b = ops::astype(&iota(&[200, 2, 100]), Dtype::Float32).unwrap();
    let c = ops::concatenate(&[a.clone(), b.t().unwrap().t().unwrap()], 1).unwrap();
    assert_eq!(c.shape(), &[200, 5, 100]);
    let cv = c.to_vec::<f32>().unwrap();
    assert_eq!(cv[5 * 100 + 3 * 100 + 7], 207.0);
    assert_eq!(
        cv[199 * 500 + 2 * 100 + 99],
        (199 * 300 + 2 * 100 + 99) as f32
    );
}

#[test]
fn slice_arg_forms() {
    let x = iota(&[10]);
    let v = |a: Array| a.to_vec::<f32>().unwrap();
    assert_eq!(v(x.slice(&[(7..).into()]).unwrap()), vec![7.0, 8.0, 9.0]);
    assert_eq!(v(x.slice(&[(..2).into()]).unwrap()), vec![0.0, 1.0]);
    assert_eq!(v(x.slice(&[(..).into()]).unwrap()).len(), 10);
    assert_eq!(
        v(x.slice(&[SliceArg::new(Some(-1), None, -3)]).unwrap()),
        vec![9.0, 6.0, 3.0, 0.0]
    );
    assert_eq!(
        v(ops::slice_axis(&iota(&[2, 3]), -1, SliceArg::rev()).unwrap()),
        vec![2.0, 1.0, 0.0, 5.0, 4.0, 3.0]
    );
    assert!(matches!(
        x.slice(&[SliceArg::all().step(0)]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        x.slice(&[SliceArg::all(), SliceArg::all()]),
        Err(Error::InvalidArgument(_))
    ));
}
