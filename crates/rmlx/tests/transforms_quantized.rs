//! Transform rules of the quantization primitives in the sweep harness (float64 vjp against
//! finite differences, jvp against vjp, float32 on strided copies, vmap against loops).
//! The quantized weights are constants captured by the closures (MLX differentiates the
//! products with respect to `x`, and the affine scales and biases).

use rmlx::transforms::{jvp, vjp};
use rmlx::{ops, Array, Error, Result};

mod common;
use common::sweep::{arr, to_f64, Sweep};

/// A quantized weight (from float32 values) for the closures.
fn weight(rows: i32, cols: i32, gs: i32, bits: i32, mode: &str, seed: u64) -> Vec<Array> {
    let w = ops::astype(&arr(&[rows, cols], seed, -1.0, 1.0), rmlx::Dtype::Float32).unwrap();
    ops::quantize(&w, Some(gs), Some(bits), mode, None).unwrap()
}

#[test]
fn quantized_rules() {
    let mut s = Sweep::new("quantized");
    for &(gs, bits, mode) in &[
        (64, 4, "affine"),
        (32, 3, "affine"),
        (32, 4, "mxfp4"),
        (16, 4, "nvfp4"),
        (32, 8, "mxfp8"),
    ] {
        for &transpose in &[true, false] {
            let (rows, cols) = if transpose { (8, 64) } else { (64, 64) };
            let q = weight(rows, cols, gs, bits, mode, 3);
            let name = format!("quantized_matmul {mode} {gs}/{bits} t={transpose}");
            let qq = q.clone();
            let f = move |v: &[Array]| -> Result<Vec<Array>> {
                Ok(vec![ops::quantized_matmul(
                    &v[0],
                    &qq[0],
                    &qq[1],
                    qq.get(2),
                    transpose,
                    Some(gs),
                    Some(bits),
                    mode,
                )?])
            };
            let x = arr(&[3, 64], 5, -1.0, 1.0);
            s.grads(&name, &f, std::slice::from_ref(&x));
            s.grads(&format!("{name} 1-D x"), &f, &[arr(&[64], 6, -1.0, 1.0)]);
            s.grads(
                &format!("{name} batched x"),
                &f,
                &[arr(&[2, 3, 64], 7, -1.0, 1.0)],
            );
            s.vmap(&name, &f, std::slice::from_ref(&x), 0);
            s.vmap(
                &format!("{name} axis 1"),
                &f,
                &[arr(&[3, 2, 64], 8, -1.0, 1.0)],
                1,
            );
        }
    }
    // Dequantize: linear in the scales and biases (vjp, jvp), vmapped over them.
    let q = weight(4, 64, 32, 4, "affine", 9);
    let w0 = q[0].clone();
    let deq = move |v: &[Array]| -> Result<Vec<Array>> {
        Ok(vec![ops::dequantize(
            &w0,
            &v[0],
            Some(&v[1]),
            Some(32),
            Some(4),
            "affine",
            None,
            None,
        )?])
    };
    let sc = arr(&[4, 2], 10, 0.1, 1.0);
    let bi = arr(&[4, 2], 11, -1.0, 1.0);
    s.grads("dequantize scales biases", &deq, &[sc.clone(), bi.clone()]);
    s.vmap("dequantize scales biases", &deq, &[sc, bi], 0);
    // Quantized products differentiated in x and the scales and biases together (vjp
    // only: MLX's jvp refuses the scales), and their vmap over all three (a loop).
    let q = weight(8, 64, 32, 4, "affine", 12);
    let w1 = q[0].clone();
    let qmm3 = move |v: &[Array]| -> Result<Vec<Array>> {
        Ok(vec![ops::quantized_matmul(
            &v[0],
            &w1,
            &v[1],
            Some(&v[2]),
            true,
            Some(32),
            Some(4),
            "affine",
        )?])
    };
    let x = arr(&[3, 64], 13, -1.0, 1.0);
    let (sc, bi) = (arr(&[8, 2], 14, 0.05, 0.2), arr(&[8, 2], 15, -0.5, 0.5));
    s.vmap(
        "quantized_matmul x scales biases",
        &qmm3,
        &[x.clone(), sc.clone(), bi.clone()],
        0,
    );
    s.finish();
    scale_bias_vjp_against_finite_differences(&qmm3, &[x, sc, bi]);
}

/// The vjp with respect to every input against central differences (float64).
fn scale_bias_vjp_against_finite_differences(
    f: &dyn Fn(&[Array]) -> Result<Vec<Array>>,
    inputs: &[Array],
) {
    let out = f(inputs).unwrap().remove(0);
    let c = arr(out.shape(), 21, -1.0, 1.0);
    let (_, g) = vjp(|v| f(v), inputs, std::slice::from_ref(&c)).unwrap();
    let value = |v: &[Array]| -> f64 {
        let o = f(v).unwrap().remove(0);
        to_f64(&o).iter().zip(to_f64(&c)).map(|(a, b)| a * b).sum()
    };
    let eps = 1e-6;
    for (i, x) in inputs.iter().enumerate() {
        let base = to_f64(x);
        let gi = to_f64(&g[i]);
        for j in 0..base.len() {
            let mut p = base.clone();
            p[j] += eps;
            let mut m = base.clone();
            m[j] -= eps;
            let mk = |v: Vec<f64>| Array::from_slice(&v, x.shape()).unwrap();
            let mut vp = inputs.to_vec();
            vp[i] = mk(p);
            let mut vm = inputs.to_vec();
            vm[i] = mk(m);
            let fd = (value(&vp) - value(&vm)) / (2.0 * eps);
            assert!(
                (fd - gi[j]).abs() <= 1e-5 * (1.0 + fd.abs()),
                "input {i}[{j}]: fd {fd} vjp {}",
                gi[j]
            );
        }
    }
}

#[test]
fn gather_qmm_vjp_matches_the_loop() {
    let ws: Vec<Array> = (0..3)
        .map(|i| ops::astype(&arr(&[8, 64], 30 + i, -1.0, 1.0), rmlx::Dtype::Float32).unwrap())
        .collect();
    let q = ops::quantize(
        &ops::stack(&ws, 0).unwrap(),
        Some(32),
        Some(4),
        "affine",
        None,
    )
    .unwrap();
    let x = arr(&[4, 2, 64], 40, -1.0, 1.0);
    let (lhs, rhs) = ([3i32, 0, 3], [2i32, 1, 0]);
    let li = Array::from_slice(&lhs, &[3]).unwrap();
    let ri = Array::from_slice(&rhs, &[3]).unwrap();
    let c = arr(&[3, 2, 8], 41, -1.0, 1.0);
    let qg = q.clone();
    let gathered = |v: &[Array]| -> Result<Vec<Array>> {
        Ok(vec![ops::gather_qmm(
            &v[0],
            &qg[0],
            &qg[1],
            qg.get(2),
            Some(&li),
            Some(&ri),
            true,
            Some(32),
            Some(4),
            "affine",
            None,
            false,
        )?])
    };
    let pick = |a: &Array, i: i32| -> Result<Array> {
        let mut st = vec![0; a.ndim()];
        let mut sp = a.shape().to_vec();
        st[0] = i;
        sp[0] = i + 1;
        ops::squeeze_axes(&ops::slice(a, &st, &sp, &vec![1; a.ndim()])?, &[0])
    };
    let looped = |v: &[Array]| -> Result<Vec<Array>> {
        let mut outs = Vec::new();
        for (&l, &r) in lhs.iter().zip(&rhs) {
            outs.push(ops::quantized_matmul(
                &pick(&v[0], l)?,
                &pick(&q[0], r)?,
                &pick(&q[1], r)?,
                Some(&pick(&q[2], r)?),
                true,
                Some(32),
                Some(4),
                "affine",
            )?);
        }
        Ok(vec![ops::stack(&outs, 0)?])
    };
    let (_, ga) = vjp(gathered, std::slice::from_ref(&x), std::slice::from_ref(&c)).unwrap();
    let (_, gb) = vjp(looped, std::slice::from_ref(&x), std::slice::from_ref(&c)).unwrap();
    for (a, b) in to_f64(&ga[0]).iter().zip(to_f64(&gb[0])) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // jvp and vmap: MLX's errors.
    let r = jvp(gathered, std::slice::from_ref(&x), std::slice::from_ref(&x));
    assert!(matches!(r, Err(Error::Runtime(ref m)) if m == "GatherQMM::jvp NYI"));
}

#[test]
fn errors_of_the_rules_match_mlx() {
    let q = weight(8, 64, 64, 4, "affine", 50);
    let x = arr(&[2, 64], 51, -1.0, 1.0);
    let (s, b) = (q[1].clone(), q[2].clone());
    let qw = q[0].clone();
    let r = vjp(
        |v| {
            Ok(vec![ops::quantized_matmul(
                &x,
                &v[0],
                &s,
                Some(&b),
                true,
                None,
                None,
                "affine",
            )?])
        },
        std::slice::from_ref(&qw),
        &[arr(&[2, 8], 1, 0.0, 1.0)],
    );
    assert!(
        matches!(r, Err(Error::Runtime(ref m)) if m == "[QuantizedMatmul::vjp] no gradient wrt the quantized weights.")
    );
    let r = jvp(
        |v| {
            Ok(vec![ops::quantized_matmul(
                &x,
                &qw,
                &v[0],
                Some(&b),
                true,
                None,
                None,
                "affine",
            )?])
        },
        std::slice::from_ref(&s),
        std::slice::from_ref(&s),
    );
    assert!(
        matches!(r, Err(Error::Runtime(ref m)) if m == "[QuantizedMatmul::jvp] No JVP wrt the quantized matrix yet.")
    );
    let bytes = ops::to_fp8(&ops::astype(&x, rmlx::Dtype::Float32).unwrap()).unwrap();
    let r = vjp(
        |v| Ok(vec![ops::from_fp8(&v[0], rmlx::Dtype::Float32)?]),
        &[bytes],
        &[arr(&[2, 64], 1, 0.0, 1.0)],
    );
    assert!(
        matches!(r, Err(Error::InvalidArgument(ref m)) if m == "[Primitive::vjp] Not implemented for FromFP8.")
    );
}
