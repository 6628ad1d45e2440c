//! Quantization against fixtures from the real MLX 0.32.4 (tools/fixtures/quantized.py):
//! packed words, scales, biases and dequantized values bit for bit; products within
//! float32 tolerance; E4M3 conversions bit for bit. Plus layouts the fixtures do not
//! express (strided inputs, batches, gathers), the large decode/prefill shapes, and errors.

use rmlx::{ops, Array, Dtype, Error};
use serde_json::Value;

fn dtype(name: &str) -> Dtype {
    match name {
        "float32" => Dtype::Float32,
        "float16" => Dtype::Float16,
        "bfloat16" => Dtype::Bfloat16,
        "uint32" => Dtype::Uint32,
        "uint8" => Dtype::Uint8,
        "uint16" => Dtype::Uint16,
        other => panic!("fixture dtype {other}"),
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A fixture array (raw bytes; bfloat16 travels as its uint16 bits).
fn load(v: &Value) -> Array {
    let shape: Vec<i32> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_i64().unwrap() as i32)
        .collect();
    Array::from_bytes(
        &hex(v["hex"].as_str().unwrap()),
        &shape,
        dtype(v["dtype"].as_str().unwrap()),
    )
    .unwrap()
}

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/quantized.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_bits(got: &Array, want: &Array, what: &str) {
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let (g, w) = (got.to_bytes().unwrap(), want.to_bytes().unwrap());
    let diff = g.iter().zip(&w).filter(|(a, b)| a != b).count();
    assert_eq!(diff, 0, "{what}: {diff} bytes differ");
}

fn f32s(a: &Array) -> Vec<f32> {
    ops::astype(a, Dtype::Float32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn quantize_and_dequantize_match_mlx_bit_for_bit() {
    let fx = fixtures();
    let mut n = 0;
    for c in fx["quantize"].as_array().unwrap() {
        let mode = c["mode"].as_str().unwrap();
        let (gs, bits) = (
            c["group_size"].as_i64().unwrap() as i32,
            c["bits"].as_i64().unwrap() as i32,
        );
        let w = load(&c["w"]);
        let what = format!("{mode} gs={gs} bits={bits} {}", w.dtype());
        let outs = ops::quantize(&w, Some(gs), Some(bits), mode, None).unwrap();
        let want: Vec<Array> = c["outs"].as_array().unwrap().iter().map(load).collect();
        assert_eq!(outs.len(), want.len(), "{what}");
        for (i, (g, e)) in outs.iter().zip(&want).enumerate() {
            assert_bits(g, e, &format!("{what} output {i}"));
        }
        let biases = want.get(2);
        for (key, dt) in [
            ("dequantized", None),
            ("dequantized_f32", Some(Dtype::Float32)),
        ] {
            let d = ops::dequantize(
                &want[0],
                &want[1],
                biases,
                Some(gs),
                Some(bits),
                mode,
                None,
                dt,
            )
            .unwrap();
            assert_bits(&d, &load(&c[key]), &format!("{what} {key}"));
        }
        n += 1;
    }
    assert_eq!(n, 72);
}

#[test]
fn products_match_mlx() {
    let fx = fixtures();
    for c in fx["qmm"].as_array().unwrap() {
        let mode = c["mode"].as_str().unwrap();
        let (gs, bits) = (
            c["group_size"].as_i64().unwrap() as i32,
            c["bits"].as_i64().unwrap() as i32,
        );
        let t = c["transpose"].as_bool().unwrap();
        let outs: Vec<Array> = c["outs"].as_array().unwrap().iter().map(load).collect();
        let x = load(&c["x"]);
        let y = ops::quantized_matmul(
            &x,
            &outs[0],
            &outs[1],
            outs.get(2),
            t,
            Some(gs),
            Some(bits),
            mode,
        )
        .unwrap();
        let want = load(&c["y"]);
        assert_eq!(y.shape(), want.shape());
        let (g, w) = (f32s(&y), f32s(&want));
        for (i, (a, b)) in g.iter().zip(&w).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + b.abs()) * 8.0,
                "{mode} gs={gs} bits={bits} t={t} {:?}: [{i}] {a} vs {b}",
                x.shape()
            );
        }
    }
}

#[test]
fn fp8_conversions_match_mlx() {
    let fx = fixtures();
    for c in fx["fp8"].as_array().unwrap() {
        let x = load(&c["x"]);
        let want = load(&c["y"]);
        let got = if x.dtype() == Dtype::Uint8 {
            ops::from_fp8(&x, want.dtype()).unwrap()
        } else {
            ops::to_fp8(&x).unwrap()
        };
        if want.dtype() == Dtype::Uint8 {
            assert_bits(&got, &want, &format!("to_fp8 {}", x.dtype()));
        } else {
            // NaN payloads may differ: compare values, NaN with NaN.
            let (g, w) = (f32s(&got), f32s(&want));
            for (i, (a, b)) in g.iter().zip(&w).enumerate() {
                assert!(
                    a == b || (a.is_nan() && b.is_nan()),
                    "from_fp8 byte {i}: {a} vs {b}"
                );
            }
        }
    }
}

/// A deterministic float32 matrix.
fn mat(shape: &[i32], seed: u64) -> Array {
    let n: i32 = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    Array::from_slice(&v, shape).unwrap()
}

/// `quantized_matmul` against `x @ dequantize(w)ᵀ` computed with the dense matmul.
fn check_against_dense(m: i32, k: i32, n: i32, gs: i32, bits: i32, mode: &str, transpose: bool) {
    let wshape = if transpose { [n, k] } else { [k, n] };
    let w = mat(&wshape, (m * 31 + k + n) as u64);
    let q = ops::quantize(&w, Some(gs), Some(bits), mode, None).unwrap();
    let x = mat(&[m, k], 7 + m as u64);
    let y = ops::quantized_matmul(
        &x,
        &q[0],
        &q[1],
        q.get(2),
        transpose,
        Some(gs),
        Some(bits),
        mode,
    )
    .unwrap();
    let d = ops::dequantize(
        &q[0],
        &q[1],
        q.get(2),
        Some(gs),
        Some(bits),
        mode,
        None,
        Some(Dtype::Float32),
    )
    .unwrap();
    let d = if transpose {
        ops::transpose(&d).unwrap()
    } else {
        d
    };
    let r = ops::matmul(&x, &d).unwrap();
    let (g, e) = (f32s(&y), f32s(&r));
    let scale = (k as f32).sqrt();
    for (i, (a, b)) in g.iter().zip(&e).enumerate() {
        assert!(
            (a - b).abs() <= 2e-5 * scale * (1.0 + b.abs()),
            "{mode} m={m} k={k} n={n} t={transpose}: [{i}] {a} vs {b}"
        );
    }
}

#[test]
fn decode_and_blocked_paths_agree_with_dense_products() {
    for &(m, t) in &[
        (1, true),
        (3, true),
        (16, true),
        (17, true),
        (40, true),
        (1, false),
        (40, false),
    ] {
        for &(gs, bits) in &[(64, 4), (32, 3), (128, 8), (64, 6), (32, 1)] {
            check_against_dense(m, 256, 128, gs, bits, "affine", t);
        }
        check_against_dense(m, 256, 128, 32, 4, "mxfp4", t);
        check_against_dense(m, 256, 128, 32, 8, "mxfp8", t);
        check_against_dense(m, 256, 128, 16, 4, "nvfp4", t);
    }
}

#[test]
fn llm_decode_shape_runs_threaded_and_accurate() {
    check_against_dense(1, 4096, 1024, 64, 4, "affine", true);
    check_against_dense(64, 1024, 512, 64, 4, "affine", true);
}

#[test]
fn strided_inputs_and_half_types() {
    let w = mat(&[64, 128], 3);
    let q = ops::quantize(&w, None, None, "affine", None).unwrap();
    let x = mat(&[128, 5], 9);
    let xt = ops::transpose(&x).unwrap(); // a strided view
    let a = ops::quantized_matmul(&xt, &q[0], &q[1], q.get(2), true, None, None, "affine").unwrap();
    let xc = ops::contiguous(&xt, false).unwrap();
    let b = ops::quantized_matmul(&xc, &q[0], &q[1], q.get(2), true, None, None, "affine").unwrap();
    assert_eq!(f32s(&a), f32s(&b));
    for dt in [Dtype::Float16, Dtype::Bfloat16] {
        let wh = ops::astype(&w, dt).unwrap();
        let qh = ops::quantize(&wh, None, None, "affine", None).unwrap();
        assert_eq!(qh[1].dtype(), dt);
        let xh = ops::astype(&xc, dt).unwrap();
        let y = ops::quantized_matmul(&xh, &qh[0], &qh[1], qh.get(2), true, None, None, "affine")
            .unwrap();
        assert_eq!(y.dtype(), dt);
        let r = ops::quantized_matmul(
            &ops::astype(&xh, Dtype::Float32).unwrap(),
            &qh[0],
            &ops::astype(&qh[1], Dtype::Float32).unwrap(),
            Some(&ops::astype(&qh[2], Dtype::Float32).unwrap()),
            true,
            None,
            None,
            "affine",
        )
        .unwrap();
        for (a, b) in f32s(&y).iter().zip(f32s(&r)) {
            assert!((a - b).abs() <= 2e-2 * (1.0 + b.abs()), "{dt}: {a} vs {b}");
        }
    }
}

#[test]
fn batches_broadcast_and_gather() {
    let ws: Vec<Array> = (0..3).map(|i| mat(&[32, 64], 50 + i)).collect();
    let w = ops::stack(&ws, 0).unwrap();
    let q = ops::quantize(&w, Some(32), Some(4), "affine", None).unwrap();
    assert_eq!(q[0].shape(), &[3, 32, 8]);
    let x = mat(&[3, 2, 64], 5);
    let y = ops::quantized_matmul(
        &x,
        &q[0],
        &q[1],
        q.get(2),
        true,
        Some(32),
        Some(4),
        "affine",
    )
    .unwrap();
    assert_eq!(y.shape(), &[3, 2, 32]);
    let idx = Array::from_slice(&[2i32, 0, 2, 9], &[4]).unwrap();
    let g = ops::gather_qmm(
        &x,
        &q[0],
        &q[1],
        q.get(2),
        None,
        Some(&idx),
        true,
        Some(32),
        Some(4),
        "affine",
        None,
        false,
    );
    // lhs defaults to arange(3), which does not broadcast with 4 indices.
    assert!(matches!(g, Err(Error::InvalidArgument(_))));
    let lhs = Array::from_slice(&[0i32, 1, 2, 0], &[4]).unwrap();
    let g = ops::gather_qmm(
        &x,
        &q[0],
        &q[1],
        q.get(2),
        Some(&lhs),
        Some(&idx),
        true,
        Some(32),
        Some(4),
        "affine",
        None,
        false,
    )
    .unwrap();
    assert_eq!(g.shape(), &[4, 2, 32]);
    let gv = f32s(&g);
    // Pair 0 is x[0] with w[2]; pair 3 has an out-of-range index, clamped to w[2].
    for (p, xi, wi) in [(0usize, 0i32, 2i32), (1, 1, 0), (2, 2, 2), (3, 0, 2)] {
        let xs = ops::slice(&x, &[xi, 0, 0], &[xi + 1, 2, 64], &[1, 1, 1]).unwrap();
        let sl = |a: &Array| {
            let mut st = vec![0; a.ndim()];
            let mut sp = a.shape().to_vec();
            st[0] = wi;
            sp[0] = wi + 1;
            ops::squeeze_axes(&ops::slice(a, &st, &sp, &vec![1; a.ndim()]).unwrap(), &[0]).unwrap()
        };
        let r = ops::quantized_matmul(
            &xs,
            &sl(&q[0]),
            &sl(&q[1]),
            Some(&sl(&q[2])),
            true,
            Some(32),
            Some(4),
            "affine",
        )
        .unwrap();
        let rv = f32s(&r);
        assert_eq!(&gv[p * 64..(p + 1) * 64], &rv[..], "pair {p}");
    }
}

#[test]
fn errors_match_mlx() {
    let w = mat(&[8, 64], 1);
    let q = ops::quantize(&w, None, None, "affine", None).unwrap();
    let x = mat(&[3, 64], 2);
    let msg = |r: rmlx::Result<Vec<Array>>| match r {
        Err(e) => e.to_string(),
        Ok(_) => "ok".into(),
    };
    assert_eq!(
        msg(ops::quantize(&w, None, None, "foo", None)),
        "[quantize] Invalid quantization mode 'foo'."
    );
    assert!(msg(ops::quantize(&w, Some(48), None, "affine", None)).starts_with(
        "[quantize] The last dimension of the matrix needs to be divisible by the quantization group size 48."
    ));
    assert!(msg(ops::quantize(&w, None, Some(7), "affine", None))
        .starts_with("[quantize] The requested number of bits 7"));
    assert_eq!(
        msg(ops::quantize(&w, Some(64), None, "mxfp4", None)),
        "[quantize] mxfp4 quantization requires group size 32 but got 64."
    );
    let ints = ops::astype(&w, Dtype::Int32).unwrap();
    assert!(matches!(
        ops::quantize(&ints, None, None, "affine", None),
        Err(Error::InvalidArgument(_))
    ));
    let r = ops::quantized_matmul(
        &mat(&[3, 32], 1),
        &q[0],
        &q[1],
        q.get(2),
        true,
        None,
        None,
        "affine",
    );
    assert!(
        matches!(r, Err(Error::InvalidArgument(ref m)) if m.starts_with("[quantized_matmul] Last dimension of first input"))
    );
    let r = ops::quantized_matmul(&x, &q[0], &q[1], None, true, None, None, "affine");
    assert!(
        matches!(r, Err(Error::InvalidArgument(ref m)) if m == "[quantized_matmul] Biases must be provided for affine quantization.")
    );
    let r = ops::quantized_matmul(&x, &w, &q[1], q.get(2), true, None, None, "affine");
    assert!(matches!(r, Err(Error::InvalidArgument(ref m)) if m.contains("should be uint32")));
    // Float64 quantization fails at evaluation, as in MLX.
    let w64 = ops::astype(&w, Dtype::Float64).unwrap();
    let q64 = ops::quantize(&w64, None, None, "affine", None).unwrap();
    assert!(matches!(q64[0].eval(), Err(Error::Runtime(_))));
    // qqmm: MLX's CPU build evaluates only a quantized w with one row of x.
    let r = ops::qqmm(&x, &w, None, None, None, "nvfp4", None, None).unwrap();
    assert!(
        matches!(r.eval(), Err(Error::Runtime(ref m)) if m == "[QQMatmul] NYI for the general case")
    );
    let r = ops::gather_qqmm(
        &x, &w, None, None, None, None, None, "nvfp4", None, None, false,
    )
    .unwrap();
    assert!(matches!(r.eval(), Err(Error::Runtime(ref m)) if m == "[GatherQQMM] NYI"));
}

#[test]
fn primitive_names_and_empty_inputs() {
    let w = mat(&[8, 64], 1);
    let q = ops::quantize(&w, None, None, "affine", None).unwrap();
    let x = Array::from_slice::<f32>(&[], &[0, 64]).unwrap();
    let y = ops::quantized_matmul(&x, &q[0], &q[1], q.get(2), true, None, None, "affine").unwrap();
    assert_eq!(y.shape(), &[0, 8]);
    assert!(y.to_vec::<f32>().unwrap().is_empty());
}
