//! nvfp4 with a global scale and affine `qqmm`, against fixtures from the real MLX 0.32.4
//! (tools/fixtures/quantized_global.py): words, scale bytes and dequantized values bit for
//! bit; qqmm products within float32 tolerance (NaN where MLX has NaN). Plus MLX's errors.

use rmlx::{ops, Array, Dtype, Error};
use serde_json::Value;

fn dtype(name: &str) -> Dtype {
    match name {
        "float32" => Dtype::Float32,
        "float16" => Dtype::Float16,
        "bfloat16" => Dtype::Bfloat16,
        "uint32" => Dtype::Uint32,
        "uint8" => Dtype::Uint8,
        other => panic!("fixture dtype {other}"),
    }
}

fn load(v: &Value) -> Array {
    let shape: Vec<i32> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_i64().unwrap() as i32)
        .collect();
    let s = v["hex"].as_str().unwrap();
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    Array::from_bytes(&bytes, &shape, dtype(v["dtype"].as_str().unwrap())).unwrap()
}

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quantized_global.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_bits(got: &Array, want: &Array, what: &str) {
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let (g, w) = (got.to_bytes().unwrap(), want.to_bytes().unwrap());
    let diff = g.iter().zip(&w).filter(|(a, b)| a != b).count();
    assert_eq!(diff, 0, "{what}: {diff} bytes differ");
}

fn scalar(g: f64) -> Array {
    Array::from_slice(&[g as f32], &[]).unwrap()
}

#[test]
fn nvfp4_global_scale_matches_mlx_bit_for_bit() {
    let fx = fixtures();
    let mut n = 0;
    for c in fx["global"].as_array().unwrap() {
        let w = load(&c["w"]);
        let g = scalar(c["g"].as_f64().unwrap());
        let what = format!("{} {:?} g={}", w.dtype(), w.shape(), c["g"]);
        let q = ops::quantize(&w, None, None, "nvfp4", Some(&g)).unwrap();
        assert_bits(&q[0], &load(&c["wq"]), &format!("{what} words"));
        assert_bits(&q[1], &load(&c["scales"]), &format!("{what} scales"));
        let d = ops::dequantize(&q[0], &q[1], None, None, None, "nvfp4", Some(&g), None).unwrap();
        assert_bits(&d, &load(&c["deq"]), &format!("{what} dequantized"));
        let d16 = ops::dequantize(
            &q[0],
            &q[1],
            None,
            None,
            None,
            "nvfp4",
            Some(&g),
            Some(Dtype::Bfloat16),
        )
        .unwrap();
        // MLX promotes with the float32 global scale.
        assert_bits(
            &d16,
            &load(&c["deq_bf16"]),
            &format!("{what} dequantized bf16"),
        );
        n += 1;
    }
    assert_eq!(n, 30);
}

#[test]
fn global_scale_on_strided_input_and_shape_one() {
    let w = ops::reshape(
        &ops::arange(-64.0, 64.0, 1.0, Dtype::Float32).unwrap(),
        &[2, 64],
    )
    .unwrap();
    let wt = ops::transpose(&ops::reshape(&w, &[64, 2]).unwrap()).unwrap();
    let wc = ops::contiguous(&wt, false).unwrap();
    // A size-one global scale of any rank is accepted.
    let g = Array::from_slice(&[5.0f32], &[1, 1]).unwrap();
    let a = ops::quantize(&wt, None, None, "nvfp4", Some(&g)).unwrap();
    let b = ops::quantize(&wc, None, None, "nvfp4", Some(&scalar(5.0))).unwrap();
    assert_bits(&a[0], &b[0], "strided words");
    assert_bits(&a[1], &b[1], "strided scales");
}

#[test]
fn global_scale_errors() {
    let w = ops::ones(&[4, 32], Dtype::Float32).unwrap();
    let bad = |r: rmlx::Result<Vec<Array>>, text: &str| match r {
        Err(Error::InvalidArgument(m)) => assert!(m.contains(text), "{m}"),
        other => panic!(
            "expected InvalidArgument({text}), got {:?}",
            other.map(|_| ())
        ),
    };
    let g = scalar(2.0);
    bad(
        ops::quantize(&w, None, None, "mxfp4", Some(&g)),
        "[quantize] Global scale is only supported for 'nvfp4' quantization mode.",
    );
    let g16 = ops::astype(&g, Dtype::Bfloat16).unwrap();
    bad(
        ops::quantize(&w, None, None, "nvfp4", Some(&g16)),
        "[quantize] Global scale must have dtype float32 but got bfloat16.",
    );
    let g2 = Array::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    bad(
        ops::quantize(&w, None, None, "nvfp4", Some(&g2)),
        "[quantize] Global scale must be a scalar but got shape (2).",
    );
    let q = ops::quantize(&w, None, None, "nvfp4", None).unwrap();
    let one = |r: rmlx::Result<Array>| r.map(|a| vec![a]);
    bad(
        one(ops::dequantize(
            &q[0],
            &q[1],
            None,
            None,
            None,
            "nvfp4",
            Some(&g2),
            None,
        )),
        "[dequantize] Global scale must be a scalar but got shape (2).",
    );
    bad(
        one(ops::gather_qmm(
            &w,
            &q[0],
            &q[1],
            None,
            None,
            None,
            true,
            None,
            None,
            "nvfp4",
            Some(&g),
            false,
        )),
        "[gather_qmm] Global scale is not supported without indices.",
    );
    let idx = Array::from_slice(&[0i32], &[1]).unwrap();
    bad(
        one(ops::gather_qmm(
            &w,
            &q[0],
            &q[1],
            None,
            None,
            Some(&idx),
            true,
            None,
            None,
            "nvfp4",
            Some(&g2),
            false,
        )),
        "[gather_qmm] Global scale must have one entry per expert with shape () but got (2).",
    );
    bad(
        one(ops::gather_qmm(
            &w,
            &q[0],
            &q[1],
            None,
            None,
            Some(&idx),
            true,
            None,
            None,
            "nvfp4",
            Some(&g),
            false,
        )),
        "[gather_qmm] Global scale is only supported on the GPU.",
    );
    let x = ops::ones(&[1, 32], Dtype::Float32).unwrap();
    bad(
        one(ops::qqmm(
            &x,
            &q[0],
            Some(&q[1]),
            None,
            None,
            "nvfp4",
            Some(&g),
            None,
        )),
        "[qqmm] For nvfp4 mode, either both global_scale_x and global_scale_w must be provided",
    );
    // Both given: checked, then ignored by the CPU evaluation (as in MLX).
    let with = ops::qqmm(
        &x,
        &q[0],
        Some(&q[1]),
        None,
        None,
        "nvfp4",
        Some(&g),
        Some(&g),
    )
    .unwrap();
    let without = ops::qqmm(&x, &q[0], Some(&q[1]), None, None, "nvfp4", None, None).unwrap();
    assert_bits(&with, &without, "qqmm ignores the global scales on the CPU");
}

fn f32s(a: &Array) -> Vec<f32> {
    ops::astype(a, Dtype::Float32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn affine_qqmm_matches_mlx() {
    let fx = fixtures();
    let mut n = 0;
    for c in fx["qq_affine"].as_array().unwrap() {
        let (bits, gs) = (
            c["bits"].as_i64().unwrap() as i32,
            c["group_size"].as_i64().unwrap() as i32,
        );
        let (x, wq, sc) = (load(&c["x"]), load(&c["wq"]), load(&c["scales"]));
        let what = format!("bits={bits} gs={gs} {} {:?}", x.dtype(), x.shape());
        let y = ops::qqmm(
            &x,
            &wq,
            Some(&sc),
            Some(gs),
            Some(bits),
            "affine",
            None,
            None,
        )
        .unwrap();
        let want = load(&c["y"]);
        assert_eq!(y.dtype(), want.dtype(), "{what}");
        assert_eq!(y.shape(), want.shape(), "{what}");
        let tol = if x.dtype() == Dtype::Float32 {
            1e-4
        } else {
            2e-2
        };
        for (i, (a, b)) in f32s(&y).iter().zip(f32s(&want)).enumerate() {
            let same =
                (a.is_nan() && b.is_nan()) || a == &b || (a - b).abs() <= tol * (1.0 + b.abs());
            assert!(same, "{what} [{i}]: {a} vs {b}");
        }
        n += 1;
    }
    assert_eq!(n, 57);
}

#[test]
fn affine_qqmm_unreproducible_cases_fail() {
    let w = ops::ones(&[4, 128], Dtype::Float16).unwrap();
    let x = ops::ones(&[1, 128], Dtype::Float16).unwrap();
    let runtime = |y: Array, text: &str| match y.eval() {
        Err(Error::Runtime(m)) => assert!(m.contains(text), "{m}"),
        other => panic!("expected Runtime({text}), got {other:?}"),
    };
    // 2 bits: MLX reads past the words.
    let q = ops::quantize(&w, Some(32), Some(2), "affine", None).unwrap();
    runtime(
        ops::qqmm(
            &x,
            &q[0],
            Some(&q[1]),
            Some(32),
            Some(2),
            "affine",
            None,
            None,
        )
        .unwrap(),
        "reads it as mxfp4",
    );
    // 4 bits, groups of 64, float16 scales: MLX reads past the scales.
    let q = ops::quantize(&w, Some(64), Some(4), "affine", None).unwrap();
    runtime(
        ops::qqmm(
            &x,
            &q[0],
            Some(&q[1]),
            Some(64),
            Some(4),
            "affine",
            None,
            None,
        )
        .unwrap(),
        "reads it as nvfp4",
    );
    // More than one row: MLX's NYI (before anything else).
    let x2 = ops::ones(&[3, 1, 128], Dtype::Float16).unwrap();
    runtime(
        ops::qqmm(
            &x2,
            &q[0],
            Some(&q[1]),
            Some(64),
            Some(4),
            "affine",
            None,
            None,
        )
        .unwrap(),
        "[QQMatmul] NYI for the general case",
    );
    // Not quantized w: NYI.
    runtime(
        ops::qqmm(&x, &w, None, Some(64), Some(4), "affine", None, None).unwrap(),
        "[QQMatmul] NYI for the general case",
    );
}
