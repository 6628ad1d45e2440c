//! The fast ops: values, dtypes and errors against MLX fixtures (tools/fixtures/fast.py),
//! on dense and non-contiguous inputs, and the fused kernels against their composed
//! references (`ops::fast::fallback`) on larger shapes that cross the kernels' blocks.

mod common;
use common::{array, check_outcome, load, random_f32, relayout, LAYOUTS};
use rmlx::ops::fast::{self, fallback, AttentionMask, RopeOffset};
use rmlx::{ops, Array, Dtype, Result};
use serde_json::Value;

/// MLX computes float64 fast ops in float32 in places, and f16/bf16 with other roundings.
fn tol(dt: Dtype) -> (f64, f64) {
    match dt {
        Dtype::Float16 => (6e-3, 6e-3),
        Dtype::Bfloat16 => (4e-2, 4e-2),
        _ => (2e-5, 2e-5),
    }
}

fn opt(inputs: &[Array], kw: &Value, key: &str) -> Option<Array> {
    kw[key].as_u64().map(|i| inputs[i as usize].clone())
}

fn f32_of(kw: &Value, key: &str, default: f32) -> f32 {
    kw[key].as_f64().map_or(default, |v| v as f32)
}

/// Runs the fixture's op with the fast entry point or its composed reference.
fn run(case: &Value, inputs: &[Array], reference: bool) -> Result<Array> {
    let kw = &case["kwargs"];
    let x = &inputs[0];
    let eps = f32_of(kw, "eps", 1e-5);
    match case["op"].as_str().unwrap() {
        "rms_norm" => {
            let w = opt(inputs, kw, "weight");
            if reference {
                fallback::rms_norm(x, w.as_ref(), eps)
            } else {
                fast::rms_norm(x, w.as_ref(), eps)
            }
        }
        "layer_norm" => {
            let (w, b) = (opt(inputs, kw, "weight"), opt(inputs, kw, "bias"));
            if reference {
                fallback::layer_norm(x, w.as_ref(), b.as_ref(), eps)
            } else {
                fast::layer_norm(x, w.as_ref(), b.as_ref(), eps)
            }
        }
        "rope" => {
            let offset = match opt(inputs, kw, "offset_array") {
                Some(o) => RopeOffset::Array(o),
                None => RopeOffset::Int(kw["offset"].as_i64().unwrap_or(0) as i32),
            };
            let dims = kw["dims"].as_i64().unwrap() as i32;
            let trad = kw["traditional"].as_bool().unwrap();
            let base = kw["base"].as_f64().map(|b| b as f32);
            let scale = f32_of(kw, "scale", 1.0);
            let freqs = opt(inputs, kw, "freqs");
            if reference {
                fallback::rope(x, dims, trad, base, scale, &offset, freqs.as_ref())
            } else {
                fast::rope(x, dims, trad, base, scale, &offset, freqs.as_ref())
            }
        }
        "sdpa" => {
            let mask = match (kw["mask"].as_str(), opt(inputs, kw, "mask_array")) {
                (Some("causal"), _) => AttentionMask::Causal,
                (_, Some(m)) => AttentionMask::Array(m),
                _ => AttentionMask::None,
            };
            let sinks = opt(inputs, kw, "sinks");
            let scale = f32_of(kw, "scale", 1.0);
            let (q, k, v) = (&inputs[0], &inputs[1], &inputs[2]);
            if reference {
                fallback::scaled_dot_product_attention(q, k, v, scale, &mask, sinks.as_ref())
            } else {
                fast::scaled_dot_product_attention(q, k, v, scale, &mask, sinks.as_ref())
            }
        }
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn fast_ops_match_mlx_fixtures() {
    let cases = load("fast");
    let mut checked = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let inputs: Vec<Array> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(array)
            .collect();
        check_outcome(name, run(case, &inputs, false), case, tol);
        checked += 1;
        if !case["error"].is_null() {
            continue;
        }
        // The composed reference agrees with MLX too.
        check_outcome(
            &format!("{name} (reference)"),
            run(case, &inputs, true),
            case,
            tol,
        );
        // Same values from non-contiguous inputs.
        for layout in LAYOUTS {
            let moved: Vec<Array> = inputs.iter().map(|a| relayout(a, layout)).collect();
            check_outcome(
                &format!("{name} ({layout})"),
                run(case, &moved, false),
                case,
                tol,
            );
        }
    }
    assert!(checked >= 80, "only {checked} fixture cases");
}

fn rand(shape: &[i32], seed: u64) -> Array {
    let n = shape.iter().product::<i32>() as usize;
    Array::from_slice(&random_f32(n, seed), shape).unwrap()
}

/// Asserts `a` and `b` agree within `tol` (absolute, relative to the largest magnitude).
fn assert_close(name: &str, a: &Array, b: &Array, tol: f64) {
    assert_eq!(a.shape(), b.shape(), "{name}: shape");
    assert_eq!(a.dtype(), b.dtype(), "{name}: dtype");
    let x = ops::astype(a, Dtype::Float64)
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    let y = ops::astype(b, Dtype::Float64)
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    let scale = y.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let ok = (p.is_nan() && q.is_nan()) || (p - q).abs() <= tol * scale;
        assert!(ok, "{name}: element {i}: kernel {p} vs reference {q}");
    }
}

#[test]
fn norm_kernels_match_references() {
    for (shape, dt) in [
        (vec![37, 300], Dtype::Float32),
        (vec![3, 5, 1000], Dtype::Float32),
        (vec![64, 4096], Dtype::Float32),
        (vec![9, 130], Dtype::Float16),
        (vec![9, 130], Dtype::Bfloat16),
        (vec![9, 130], Dtype::Float64),
        (vec![4, 1], Dtype::Float32),
    ] {
        let n = *shape.last().unwrap();
        let x = ops::astype(
            &ops::add(&rand(&shape, 1), &Array::scalar(0.3f32)).unwrap(),
            dt,
        )
        .unwrap();
        let w = ops::astype(&rand(&[n], 2), dt).unwrap();
        let b = ops::astype(&rand(&[n], 3), dt).unwrap();
        let t = if dt == Dtype::Float32 || dt == Dtype::Float64 {
            2e-6
        } else {
            1e-2
        };
        for xin in [
            x.clone(),
            relayout(&x, "column-major"),
            relayout(&x, "reversed"),
        ] {
            let name = format!("rms {shape:?} {dt}");
            let got = fast::rms_norm(&xin, Some(&w), 1e-5).unwrap();
            assert_close(
                &name,
                &got,
                &fallback::rms_norm(&x, Some(&w), 1e-5).unwrap(),
                t,
            );
            let name = format!("layer_norm {shape:?} {dt}");
            let got = fast::layer_norm(&xin, Some(&w), Some(&b), 1e-5).unwrap();
            let want = fallback::layer_norm(&x, Some(&w), Some(&b), 1e-5).unwrap();
            assert_close(&name, &got, &want, t);
            let got = fast::layer_norm(&xin, None, None, 1e-5).unwrap();
            let want = fallback::layer_norm(&x, None, None, 1e-5).unwrap();
            assert_close(&name, &got, &want, t);
        }
    }
}

#[test]
fn rope_kernel_matches_reference() {
    let x = rand(&[3, 4, 50, 64], 4);
    let offs = Array::from_slice(&[0i32, 7, 1000], &[3]).unwrap();
    let freqs = ops::add(&ops::abs(&rand(&[24], 5)).unwrap(), &Array::scalar(0.5f32)).unwrap();
    // A (B, T, N, D) array viewed as (B, N, T, D), as models lay out heads.
    let xt = ops::swapaxes(&rand(&[3, 50, 4, 64], 6), 1, 2).unwrap();
    for trad in [false, true] {
        for (dims, offset, f) in [
            (64, RopeOffset::Int(5), None),
            (48, RopeOffset::Array(offs.clone()), None),
            (48, RopeOffset::Int(-3), Some(&freqs)),
            (64, RopeOffset::Array(Array::scalar(11i32)), None),
        ] {
            let base = f.is_none().then_some(10000.0);
            for xin in [&x, &xt] {
                let got = fast::rope(xin, dims, trad, base, 0.75, &offset, f).unwrap();
                let want = fallback::rope(xin, dims, trad, base, 0.75, &offset, f).unwrap();
                assert_close(&format!("rope dims={dims} trad={trad}"), &got, &want, 2e-6);
            }
        }
    }
}

fn sdpa_pair(
    name: &str,
    q: &Array,
    k: &Array,
    v: &Array,
    mask: &AttentionMask,
    sinks: Option<&Array>,
    tol: f64,
) {
    let got = fast::scaled_dot_product_attention(q, k, v, 0.2, mask, sinks).unwrap();
    let want = fallback::scaled_dot_product_attention(q, k, v, 0.2, mask, sinks).unwrap();
    assert_close(name, &got, &want, tol);
}

#[test]
fn attention_kernel_matches_reference() {
    // Crosses the query (32) and key (128) blocks with ragged ends; grouped heads.
    let q = rand(&[2, 4, 70, 32], 7);
    let k = rand(&[2, 2, 300, 32], 8);
    let v = rand(&[2, 2, 300, 24], 9);
    let bool_mask = ops::greater(&rand(&[2, 1, 70, 300], 10), &Array::scalar(-0.5f32)).unwrap();
    let add_mask = rand(&[70, 300], 11);
    let sinks = rand(&[4], 12);
    let masks = [
        ("none", AttentionMask::None),
        ("causal", AttentionMask::Causal),
        ("bool", AttentionMask::Array(bool_mask)),
        ("additive", AttentionMask::Array(add_mask)),
    ];
    for (mname, m) in &masks {
        sdpa_pair(mname, &q, &k, &v, m, None, 1e-5);
        sdpa_pair(&format!("{mname}+sinks"), &q, &k, &v, m, Some(&sinks), 1e-5);
    }
    // More queries than keys under the causal mask: the first rows see no key.
    let (qs, ks) = (rand(&[1, 2, 40, 16], 13), rand(&[1, 2, 20, 16], 14));
    sdpa_pair(
        "causal tq>tk",
        &qs,
        &ks,
        &ks,
        &AttentionMask::Causal,
        None,
        1e-5,
    );
    // Head sizes past one kernel panel, ragged in keys and value columns; a transposed
    // (B, T, N, D) key layout; queries not a whole number of blocks.
    let qw = rand(&[1, 4, 131, 72], 30);
    let kw = ops::swapaxes(&rand(&[1, 190, 2, 72], 31), 1, 2).unwrap();
    let vw = rand(&[1, 2, 190, 40], 32);
    for (mname, m) in &masks[..2] {
        sdpa_pair(&format!("wide {mname}"), &qw, &kw, &vw, m, None, 1e-5);
    }
    // Decoding: one query against many keys; a transposed (B, T, N, D) cache.
    let q1 = rand(&[1, 8, 1, 64], 15);
    let kt = ops::swapaxes(&rand(&[1, 500, 2, 64], 16), 1, 2).unwrap();
    let vt = ops::swapaxes(&rand(&[1, 500, 2, 64], 17), 1, 2).unwrap();
    sdpa_pair("decode", &q1, &kt, &vt, &AttentionMask::None, None, 1e-5);
    // Half precision inputs compute in float32.
    for dt in [Dtype::Float16, Dtype::Bfloat16] {
        let c = |a: &Array| ops::astype(a, dt).unwrap();
        sdpa_pair(
            &format!("{dt}"),
            &c(&q),
            &c(&k),
            &c(&v),
            &AttentionMask::Causal,
            None,
            2e-2,
        );
    }
    // float64 throughout.
    let c = |a: &Array| ops::astype(a, Dtype::Float64).unwrap();
    sdpa_pair(
        "f64",
        &c(&q),
        &c(&k),
        &c(&v),
        &AttentionMask::Causal,
        None,
        1e-12,
    );
}

#[test]
fn attention_edge_cases() {
    let q = rand(&[1, 2, 3, 4], 20);
    let k = rand(&[1, 2, 5, 4], 21);
    // All scores -inf: NaN rows, as in MLX.
    let m = ops::full(&[3, 5], f32::NEG_INFINITY).unwrap();
    let out = fast::scaled_dot_product_attention(&q, &k, &k, 1.0, &AttentionMask::Array(m), None)
        .unwrap();
    assert!(out.to_vec::<f32>().unwrap().iter().all(|v| v.is_nan()));
    // A fully masked boolean row averages every value.
    let m = ops::zeros(&[3, 5], Dtype::Bool).unwrap();
    let out = fast::scaled_dot_product_attention(&q, &k, &k, 1.0, &AttentionMask::Array(m), None)
        .unwrap();
    let mean = ops::mean(&k, &[2], true).unwrap();
    let want = ops::broadcast_to(&mean, &[1, 2, 3, 4]).unwrap();
    assert_close("fully masked", &out, &want, 1e-6);
    // No keys: zeros.
    let k0 = rand(&[1, 2, 0, 4], 22);
    let out =
        fast::scaled_dot_product_attention(&q, &k0, &k0, 1.0, &AttentionMask::None, None).unwrap();
    assert_eq!(out.shape(), &[1, 2, 3, 4]);
    assert!(out.to_vec::<f32>().unwrap().iter().all(|&v| v == 0.0));
}

/// Timing of the benchmark shapes (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn bench_attention() {
    let q = rand(&[1, 32, 2048, 128], 1);
    let k = rand(&[1, 32, 2048, 128], 2);
    let v = rand(&[1, 32, 2048, 128], 3);
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let o = fast::scaled_dot_product_attention(&q, &k, &v, 0.08, &AttentionMask::Causal, None)
            .unwrap();
        o.eval().unwrap();
        eprintln!("BENCH causal {:?}", t.elapsed());
    }
    let q1 = rand(&[1, 32, 1, 128], 4);
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let o = fast::scaled_dot_product_attention(&q1, &k, &v, 0.08, &AttentionMask::None, None)
            .unwrap();
        o.eval().unwrap();
        eprintln!("BENCH decode {:?}", t.elapsed());
    }
}
