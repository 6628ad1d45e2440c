//! Convolutions against fixtures from the real MLX (tools/fixtures/conv.py), through the op
//! each fixture names (conv_general, conv_transposeNd, convolve) and, where a case is
//! expressible, through conv1d/2d/3d too; non-contiguous inputs; a large conv2d (several
//! tiles and threads) against a naive f64 reference.

mod common;

use common::{array, load, LAYOUTS};
use rmlx::{ops, Array, Dtype, Result};
use serde_json::Value;

/// MLX's CPU convolution computes float64 in float32 (its float64 results are widened
/// float32 values), so float64 fixtures hold rmlx's exact float64 results to float32's
/// tolerance.
fn tol(dt: Dtype) -> (f64, f64) {
    match dt {
        Dtype::Float16 => (1e-2, 1e-2),
        Dtype::Bfloat16 => (3e-2, 3e-2),
        _ => (1e-4, 1e-4),
    }
}

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap() as i32)
        .collect()
}

/// Tuple of `n` copies of a scalar parameter (the transposed fixtures use one value).
fn pair(v: i32) -> (i32, i32) {
    (v, v)
}
fn triple(v: i32) -> (i32, i32, i32) {
    (v, v, v)
}

fn run(case: &Value, x: &Array, w: &Array) -> Result<Array> {
    let kw = &case["kwargs"];
    let int = |k: &str| kw[k].as_i64().unwrap() as i32;
    match case["op"].as_str().unwrap() {
        "conv_general" => ops::conv_general(
            x,
            w,
            &ints(&kw["stride"]),
            &ints(&kw["lo"]),
            &ints(&kw["hi"]),
            &ints(&kw["kd"]),
            &ints(&kw["idil"]),
            int("groups"),
            kw["flip"].as_bool().unwrap(),
        ),
        "conv_transpose1d" => ops::conv_transpose1d(
            x,
            w,
            int("stride"),
            int("padding"),
            int("dilation"),
            int("output_padding"),
            int("groups"),
        ),
        "conv_transpose2d" => ops::conv_transpose2d(
            x,
            w,
            pair(int("stride")),
            pair(int("padding")),
            pair(int("dilation")),
            pair(int("output_padding")),
            int("groups"),
        ),
        "conv_transpose3d" => ops::conv_transpose3d(
            x,
            w,
            triple(int("stride")),
            triple(int("padding")),
            triple(int("dilation")),
            triple(int("output_padding")),
            int("groups"),
        ),
        "convolve" => ops::convolve(x, w, kw["mode"].as_str().unwrap()),
        other => panic!("unknown op {other}"),
    }
}

/// The same case through conv1d/2d/3d when its parameters fit their signature.
fn run_nd(case: &Value, x: &Array, w: &Array) -> Option<Result<Array>> {
    let kw = &case["kwargs"];
    if case["op"] != "conv_general" || kw["flip"].as_bool().unwrap() {
        return None;
    }
    let (s, lo, hi) = (ints(&kw["stride"]), ints(&kw["lo"]), ints(&kw["hi"]));
    let (kd, id) = (ints(&kw["kd"]), ints(&kw["idil"]));
    let nd = x.ndim().checked_sub(2)?;
    if lo != hi || id.iter().any(|&d| d != 1) || [&s, &lo, &kd].iter().any(|v| v.len() != nd) {
        return None;
    }
    let g = kw["groups"].as_i64().unwrap() as i32;
    Some(match nd {
        1 => ops::conv1d(x, w, s[0], lo[0], kd[0], g),
        2 => ops::conv2d(x, w, (s[0], s[1]), (lo[0], lo[1]), (kd[0], kd[1]), g),
        3 => ops::conv3d(
            x,
            w,
            (s[0], s[1], s[2]),
            (lo[0], lo[1], lo[2]),
            (kd[0], kd[1], kd[2]),
            g,
        ),
        _ => return None,
    })
}

#[test]
fn fixtures_match_mlx() {
    let cases = load("conv");
    assert!(cases.len() >= 80);
    let mut through_nd = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let ins = case["inputs"].as_array().unwrap();
        let (x, w) = (array(&ins[0]), array(&ins[1]));
        let used = common::check_outcome(name, run(case, &x, &w), case, tol);
        if let Some(got) = run_nd(case, &x, &w) {
            common::check_outcome(name, got, case, tol);
            through_nd += 1;
        }
        // Non-contiguous operands give the same values.
        if let Some((r, a)) = used {
            for layout in LAYOUTS {
                let (xl, wl) = (common::relayout(&x, layout), common::relayout(&w, layout));
                let got = run(case, &xl, &wl).unwrap_or_else(|e| panic!("{name} {layout}: {e}"));
                common::assert_matches(&format!("{name} {layout}"), &got, &case["expected"], r, a);
            }
        }
    }
    assert!(through_nd > 20, "{through_nd}");
}

/// Naive NHWC conv2d in f64 (stride 1, symmetric padding).
fn reference(
    x: &[f32],
    w: &[f32],
    (n, h, wd, c): (usize, usize, usize, usize),
    (o, k): (usize, usize),
    pad: usize,
) -> Vec<f64> {
    let (oh, ow) = (h + 2 * pad - k + 1, wd + 2 * pad - k + 1);
    let mut out = vec![0.0; n * oh * ow * o];
    for b in 0..n {
        for i in 0..oh {
            for j in 0..ow {
                for oc in 0..o {
                    let mut acc = 0.0f64;
                    for ki in 0..k {
                        for kj in 0..k {
                            let (y, xx) = (i + ki, j + kj);
                            if y < pad || xx < pad || y - pad >= h || xx - pad >= wd {
                                continue;
                            }
                            let base = ((b * h + y - pad) * wd + xx - pad) * c;
                            let wb = ((oc * k + ki) * k + kj) * c;
                            for ch in 0..c {
                                acc += x[base + ch] as f64 * w[wb + ch] as f64;
                            }
                        }
                    }
                    out[((b * oh + i) * ow + j) * o + oc] = acc;
                }
            }
        }
    }
    out
}

#[test]
fn large_conv2d_matches_reference() {
    // 3·20·20 = 1200 output rows of 9·24 columns: several tiles, on every pool thread.
    let (n, h, wd, c, o, k) = (3, 20, 20, 24, 40, 3);
    let xv = common::random_f32(n * h * wd * c, 1);
    let wv = common::random_f32(o * k * k * c, 2);
    let x = Array::from_slice(&xv, &[n as i32, h as i32, wd as i32, c as i32]).unwrap();
    let w = Array::from_slice(&wv, &[o as i32, k as i32, k as i32, c as i32]).unwrap();
    let got = ops::conv2d(&x, &w, (1, 1), (1, 1), (1, 1), 1).unwrap();
    let want = reference(&xv, &wv, (n, h, wd, c), (o, k), 1);
    let got = got.to_vec::<f32>().unwrap();
    assert_eq!(got.len(), want.len());
    for (i, (g, r)) in got.iter().zip(&want).enumerate() {
        assert!(
            (*g as f64 - r).abs() <= 1e-4 * (1.0 + r.abs()),
            "{i}: {g} vs {r}"
        );
    }
}

#[test]
fn zero_channels_and_outputs() {
    // No input channels: every output is an empty sum (MLX 0.32.4 aborts here).
    let x = Array::from_slice(&[0.0f32; 0], &[2, 5, 0]).unwrap();
    let w = Array::from_slice(&[0.0f32; 0], &[3, 2, 0]).unwrap();
    let y = ops::conv1d(&x, &w, 1, 0, 1, 1).unwrap();
    assert_eq!(y.shape(), &[2, 4, 3]);
    assert!(y.to_vec::<f32>().unwrap().iter().all(|&v| v == 0.0));
    // No output channels.
    let x = Array::from_slice(&[1.0f32; 10], &[1, 5, 2]).unwrap();
    let w = Array::from_slice(&[0.0f32; 0], &[0, 2, 2]).unwrap();
    assert_eq!(ops::conv1d(&x, &w, 1, 0, 1, 1).unwrap().shape(), &[1, 4, 0]);
}

#[test]
fn groups_must_be_positive() {
    let x = Array::from_slice(&[1.0f32; 12], &[1, 6, 2]).unwrap();
    let w = Array::from_slice(&[1.0f32; 4], &[2, 2, 1]).unwrap();
    for g in [0, -2] {
        let e = ops::conv1d(&x, &w, 1, 0, 1, g).unwrap_err();
        assert_eq!(e.python_exception(), "ValueError", "{e}");
    }
}
