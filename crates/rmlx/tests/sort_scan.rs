//! Sorts, partitions and scans against MLX/NumPy fixtures, rerun on non-contiguous
//! layouts, plus large inputs that take the threaded paths.
//!
//! Partition-like results (partition, argpartition, topk) leave the order inside each side
//! unspecified, as in MLX: they are compared side by side after sorting each side.

mod common;

use common::{array, assert_matches, check_outcome, load, tolerance};
use rmlx::{ops, Array, Dtype, Result};
use serde_json::Value;

fn int(kw: &Value, key: &str) -> Option<i32> {
    kw.get(key).and_then(Value::as_i64).map(|x| x as i32)
}

fn flag(kw: &Value, key: &str, default: bool) -> bool {
    kw.get(key).and_then(Value::as_bool).unwrap_or(default)
}

/// The axis argument: absent means the op's default, `null` means flattened.
fn axis(kw: &Value, default: Option<i32>) -> Option<i32> {
    match kw.get("axis") {
        None => default,
        Some(Value::Null) => None,
        Some(v) => v.as_i64().map(|x| x as i32),
    }
}

fn run(op: &str, a: &Array, kw: &Value) -> Result<Array> {
    let (rev, inc) = (flag(kw, "reverse", false), flag(kw, "inclusive", true));
    match op {
        "sort" => ops::sort(a, axis(kw, Some(-1))),
        "argsort" => ops::argsort(a, axis(kw, Some(-1))),
        "partition" => ops::partition(a, int(kw, "kth").unwrap(), axis(kw, Some(-1))),
        "argpartition" => ops::argpartition(a, int(kw, "kth").unwrap(), axis(kw, Some(-1))),
        "topk" => ops::topk(a, int(kw, "k").unwrap(), axis(kw, Some(-1))),
        "cumsum" => ops::cumsum(a, axis(kw, None), rev, inc),
        "cumprod" => ops::cumprod(a, axis(kw, None), rev, inc),
        "cummax" => ops::cummax(a, axis(kw, None), rev, inc),
        "cummin" => ops::cummin(a, axis(kw, None), rev, inc),
        "logcumsumexp" => ops::logcumsumexp(a, axis(kw, None), rev, inc),
        other => panic!("unknown op {other}"),
    }
}

fn slice_along(x: &Array, ax: i32, lo: i32, hi: i32) -> Array {
    ops::slice_axis(x, ax, ops::SliceArg::range(lo, hi)).unwrap()
}

/// Checks a partition-like result `got` (values) against MLX's `want` along `ax`: the same
/// sorted values on each side of position `kth` and the same value at it.
fn check_partition(name: &str, got: &Array, want: &Array, ax: i32, kth: Option<i32>) {
    assert_eq!(got.shape(), want.shape(), "{name}: shape");
    assert_eq!(got.dtype(), want.dtype(), "{name}: dtype");
    let n = got.shape()[(ax.rem_euclid(got.ndim() as i32)) as usize];
    let mut cuts = vec![0, n];
    if let Some(k) = kth {
        cuts = vec![0, k, k + 1, n];
    }
    let (rtol, atol) = tolerance(got.dtype());
    for w in cuts.windows(2) {
        let side = |x: &Array| ops::sort(&slice_along(x, ax, w[0], w[1]), Some(ax)).unwrap();
        let (g, e) = (side(got), side(want));
        let ev = common::values(&e);
        let exp = serde_json::json!({
            "dtype": e.dtype().name(),
            "shape": e.shape(),
            "data": ev.iter().map(|&(re, im)| if e.dtype() == Dtype::Complex64 {
                serde_json::json!([num_json(re), num_json(im)])
            } else { num_json(re) }).collect::<Vec<_>>(),
        });
        assert_matches(
            &format!("{name} [{}..{})", w[0], w[1]),
            &g,
            &exp,
            rtol,
            atol,
        );
    }
}

fn num_json(x: f64) -> Value {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        x.into()
    }
}

/// Values selected by argpartition's indices.
fn gathered(a: &Array, idx: &Array, ax: Option<i32>) -> Array {
    let src = if ax.is_none() {
        ops::reshape(a, &[-1]).unwrap()
    } else {
        a.clone()
    };
    ops::take_along_axis(&src, idx, Some(ax.unwrap_or(0))).unwrap()
}

fn check_case(c: &Value, a: &Array, label: &str) {
    let name = format!("{} {label}", c["name"].as_str().unwrap());
    let op = c["op"].as_str().unwrap();
    let kw = &c["kwargs"];
    let got = run(op, a, kw);
    let partition_like = matches!(op, "partition" | "argpartition" | "topk");
    if !partition_like || !c["error"].is_null() {
        // MLX's float64 log-add-exp is not correctly rounded (about 1e-9 off).
        let tol = |dt: Dtype| {
            let (r, a) = tolerance(dt);
            if op == "logcumsumexp" {
                (r.max(1e-6), a.max(1e-6))
            } else {
                (r, a)
            }
        };
        check_outcome(&name, got, c, tol);
        return;
    }
    let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = array(&c["expected"]);
    let ax = axis(kw, Some(-1));
    let n = match ax {
        None => a.size() as i32,
        Some(ax) => a.dim(ax).unwrap(),
    };
    let kth = int(kw, "kth").map(|k| if k < 0 { k + n } else { k });
    let ax_out = ax.unwrap_or(0);
    if op == "argpartition" {
        assert_eq!(got.dtype(), Dtype::Uint32, "{name}: dtype");
        let gv = gathered(a, &got, ax);
        let wv = gathered(a, &want, ax);
        check_partition(&name, &gv, &wv, ax_out, kth);
    } else {
        check_partition(&name, &got, &want, ax_out, kth);
    }
}

#[test]
fn fixtures() {
    let cases = load("sort_scan");
    let mut relaid = 0;
    for c in &cases {
        let a = array(&c["inputs"][0]);
        check_case(c, &a, "");
        if a.ndim() > 0 && c["error"].is_null() {
            for layout in common::LAYOUTS {
                check_case(c, &common::relayout(&a, layout), layout);
                relaid += 1;
            }
        }
    }
    eprintln!(
        "{} sort/scan fixtures checked, {relaid} re-laid-out runs",
        cases.len()
    );
}

#[test]
fn large_inputs_take_threaded_paths() {
    // 300 rows of 700: above the parallel threshold, sorted along each axis.
    let (n0, n1) = (300usize, 700usize);
    let x = common::random_f32(n0 * n1, 5);
    let a = Array::from_slice(&x, &[n0 as i32, n1 as i32]).unwrap();
    for ax in [0usize, 1] {
        let s = ops::sort(&a, Some(ax as i32))
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        let idx = ops::argsort(&a, Some(ax as i32))
            .unwrap()
            .to_vec::<u32>()
            .unwrap();
        let cs = ops::cumsum(&a, Some(ax as i32), false, true)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        let (outer, inner) = if ax == 1 { (n0, n1) } else { (n1, n0) };
        let at = |o: usize, i: usize| if ax == 1 { o * n1 + i } else { i * n1 + o };
        for o in 0..outer {
            let mut row: Vec<f32> = (0..inner).map(|i| x[at(o, i)]).collect();
            let mut acc = 0f64;
            for (i, &v) in row.iter().enumerate() {
                acc += v as f64;
                assert!(
                    (cs[at(o, i)] as f64 - acc).abs() < 1e-3,
                    "cumsum axis {ax} row {o}"
                );
            }
            row.sort_by(|p, q| p.partial_cmp(q).unwrap());
            for (i, &v) in row.iter().enumerate() {
                assert_eq!(s[at(o, i)], v, "sort axis {ax} row {o}");
                assert_eq!(
                    x[at(o, idx[at(o, i)] as usize)],
                    v,
                    "argsort axis {ax} row {o}"
                );
            }
        }
    }
    // Large topk: the top values as a set.
    let t = ops::topk(&a, 5, None).unwrap();
    let mut got = ops::sort(&t, None).unwrap().to_vec::<f32>().unwrap();
    let mut all = x.clone();
    all.sort_by(|p, q| p.partial_cmp(q).unwrap());
    got.sort_by(|p, q| p.partial_cmp(q).unwrap());
    assert_eq!(got, all[all.len() - 5..]);
}

/// Long rows take the radix path: it must give the stable, NaN-last order of the
/// comparison sort, ties (-0.0 and 0.0, NaNs of either sign) kept in input order.
#[test]
fn long_rows_radix_matches_stable_order() {
    for n in [1500usize, 70_000, 200_000] {
        let x: Vec<f32> = (0..n)
            .map(|i| match i % 13 {
                0 => -0.0,
                1 => 0.0,
                2 => f32::NAN,
                3 => -f32::NAN,
                4 => f32::NEG_INFINITY,
                _ => ((i as u32).wrapping_mul(2654435761) % 101) as f32 - 50.0,
            })
            .collect();
        let mut want: Vec<u32> = (0..n as u32).collect();
        want.sort_by(|&a, &b| {
            let (a, b) = (x[a as usize], x[b as usize]);
            match (a.is_nan(), b.is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => a.partial_cmp(&b).unwrap(),
            }
        });
        let a = Array::from_slice(&x, &[n as i32]).unwrap();
        let got = ops::argsort(&a, Some(0)).unwrap().to_vec::<u32>().unwrap();
        assert_eq!(got, want, "argsort n={n}");
        let sorted = ops::sort(&a, Some(0)).unwrap().to_vec::<f32>().unwrap();
        let want_bits: Vec<u32> = want.iter().map(|&i| x[i as usize].to_bits()).collect();
        let got_bits: Vec<u32> = sorted.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got_bits, want_bits, "sort n={n}");
    }
}
