//! Product ops (addmm, gather_mm, segmented_mm, block_masked_mm, hadamard_transform, inner,
//! outer, tensordot, kron, vecdot) against naive f64 references and values printed by MLX
//! 0.32.4, on contiguous, transposed, strided and reversed inputs, plus their errors.

mod common;

use common::{relayout, LAYOUTS};
use rmlx::{ops, Array, Dtype, Error};

/// Deterministic values in [-2, 2).
fn vals(n: usize, seed: u64) -> Vec<f32> {
    common::random_f32(n, seed)
        .iter()
        .map(|v| v * 4.0 - 2.0)
        .collect()
}

fn arr(v: &[f32], shape: &[i32]) -> Array {
    Array::from_slice(v, shape).unwrap()
}

fn f32s(a: &Array) -> Vec<f32> {
    ops::astype(a, Dtype::Float32)
        .unwrap()
        .to_vec::<f32>()
        .unwrap()
}

/// Row-major `m×k @ k×n` in f64.
fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k)
                .map(|p| a[i * k + p] as f64 * b[p * n + j] as f64)
                .sum();
        }
    }
    out
}

fn assert_close(name: &str, got: &[f32], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = (g as f64 - w).abs() <= tol * (1.0 + w.abs()) || (g.is_nan() && w.is_nan());
        assert!(ok, "{name}: element {i}: got {g}, want {w}");
    }
}

fn invalid(r: rmlx::Result<Array>) -> String {
    match r.and_then(|a| a.eval().map(|_| a)) {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn addmm_matches_reference_on_every_layout() {
    let (m, k, n) = (5usize, 7usize, 6usize);
    let (av, bv, cv) = (vals(m * k, 1), vals(k * n, 2), vals(m * n, 3));
    let prod = naive(&av, &bv, m, k, n);
    let want: Vec<f64> = prod
        .iter()
        .zip(&cv)
        .map(|(p, c)| 0.5 * p - 2.0 * *c as f64)
        .collect();
    let (a, b, c) = (arr(&av, &[5, 7]), arr(&bv, &[7, 6]), arr(&cv, &[5, 6]));
    for la in LAYOUTS {
        for lb in LAYOUTS {
            let (ra, rb, rc) = (relayout(&a, la), relayout(&b, lb), relayout(&c, la));
            let got = ops::addmm(&rc, &ra, &rb, 0.5, -2.0).unwrap();
            assert_eq!(got.shape(), &[5, 6]);
            assert_close(&format!("addmm {la}/{lb}"), &f32s(&got), &want, 1e-5);
        }
    }
    // A transposed view (strides (1, 5)) and c broadcast from one row of length n.
    let mut at = vec![0.0f32; m * k];
    for i in 0..m {
        for p in 0..k {
            at[p * m + i] = av[i * k + p];
        }
    }
    let a_view = ops::transpose(&arr(&at, &[7, 5])).unwrap();
    let got = ops::addmm(&arr(&cv[..n], &[6]), &a_view, &b, 1.0, 1.0).unwrap();
    let want: Vec<f64> = (0..m * n).map(|i| prod[i] + cv[i % n] as f64).collect();
    assert_close("addmm transposed view", &f32s(&got), &want, 1e-5);
}

#[test]
fn addmm_batches_vectors_and_scale_corner_cases() {
    // Batched a (2, 3, 4) against one b (4, 2), c broadcast from (2,).
    let (av, bv) = (vals(24, 4), vals(8, 5));
    let c = arr(&[1.0, -1.0], &[2]);
    let got = ops::addmm(&c, &arr(&av, &[2, 3, 4]), &arr(&bv, &[4, 2]), 2.0, 3.0).unwrap();
    assert_eq!(got.shape(), &[2, 3, 2]);
    let mut want = Vec::new();
    for bt in 0..2 {
        let p = naive(&av[bt * 12..bt * 12 + 12], &bv, 3, 4, 2);
        want.extend(
            p.iter()
                .enumerate()
                .map(|(i, v)| 2.0 * v + 3.0 * [1.0, -1.0][i % 2]),
        );
    }
    assert_close("batched", &f32s(&got), &want, 1e-5);
    // Vector operands: (3,) @ (3,) with a 0-d c is 0-d.
    let v = arr(&[1.0, 2.0, 3.0], &[3]);
    let got = ops::addmm(&arr(&[10.0], &[]), &v, &v, 1.0, 1.0).unwrap();
    assert_eq!(got.shape(), &[] as &[i32]);
    assert_eq!(f32s(&got), vec![24.0]);
    // beta = 0 never reads c (NaN stays out); alpha = 0 never computes the product.
    let nan_c = arr(&[f32::NAN; 4], &[2, 2]);
    let eye = ops::eye(2, 2, 0, Dtype::Float32).unwrap();
    let got = ops::addmm(&nan_c, &eye, &eye, 1.0, 0.0).unwrap();
    assert_eq!(f32s(&got), vec![1.0, 0.0, 0.0, 1.0]);
    let inf_a = arr(&[f32::INFINITY; 4], &[2, 2]);
    let got = ops::addmm(&eye, &inf_a, &eye, 0.0, 2.0).unwrap();
    assert_eq!(f32s(&got), vec![2.0, 0.0, 0.0, 2.0]);
    // K = 0: beta * c.
    let got = ops::addmm(
        &eye,
        &ops::zeros(&[2, 0], Dtype::Float32).unwrap(),
        &ops::zeros(&[0, 2], Dtype::Float32).unwrap(),
        1.0,
        2.0,
    )
    .unwrap();
    assert_eq!(f32s(&got), vec![2.0, 0.0, 0.0, 2.0]);
    // Dtypes: the three promote; float64 c makes a float64 result; integers raise.
    let got = ops::addmm(
        &ops::astype(&eye, Dtype::Float64).unwrap(),
        &eye,
        &eye,
        1.0,
        1.0,
    )
    .unwrap();
    assert_eq!(got.dtype(), Dtype::Float64);
    for dt in [Dtype::Float16, Dtype::Bfloat16, Dtype::Complex64] {
        let e = ops::astype(&eye, dt).unwrap();
        let got = ops::addmm(&e, &e, &e, 1.0, 1.0).unwrap();
        assert_eq!(got.dtype(), dt);
        assert_eq!(
            f32s(&ops::real(&got).unwrap_or(got.clone())),
            vec![2.0, 0.0, 0.0, 2.0]
        );
    }
    let ie = ops::astype(&eye, Dtype::Int32).unwrap();
    assert!(invalid(ops::addmm(&ie, &ie, &ie, 1.0, 1.0))
        .starts_with("[addmm] Only real floating point types"));
    assert!(
        invalid(ops::addmm(&arr(&[0.0; 3], &[3]), &eye, &eye, 1.0, 1.0))
            .starts_with("[broadcast_shapes]")
    );
    assert_eq!(
        invalid(ops::addmm(
            &arr(&[0.0; 8], &[2, 2, 2]),
            &eye,
            &eye,
            1.0,
            1.0
        )),
        "[addmm] input c must broadcast to the output shape"
    );
}

#[test]
fn gather_mm_selects_and_clamps() {
    let (av, bv) = (vals(4 * 2 * 3, 6), vals(3 * 3 * 5, 7));
    let a = arr(&av, &[4, 2, 3]);
    let b = arr(&bv, &[3, 3, 5]);
    let lhs = Array::from_slice(&[0i32, 3, 1, -1, 100], &[5]).unwrap();
    let rhs = Array::from_slice(&[2u32, 2, 0, 1, 7], &[5]).unwrap();
    // Out-of-range values are clamped: -1 reads matrix 0, 100 the last of a, 7 the last of b.
    let picks = [(0usize, 2usize), (3, 2), (1, 0), (0, 1), (3, 2)];
    let mut want = Vec::new();
    for &(i, j) in &picks {
        want.extend(naive(
            &av[i * 6..i * 6 + 6],
            &bv[j * 15..j * 15 + 15],
            2,
            3,
            5,
        ));
    }
    for layout in LAYOUTS {
        let got = ops::gather_mm(
            &relayout(&a, layout),
            &relayout(&b, layout),
            Some(&lhs),
            Some(&rhs),
            false,
        )
        .unwrap();
        assert_eq!(got.shape(), &[5, 2, 5]);
        assert_close(&format!("gather_mm {layout}"), &f32s(&got), &want, 1e-5);
    }
    // A missing index means every matrix in batch shape; no indices at all is matmul.
    let got = ops::gather_mm(
        &a,
        &b,
        None,
        Some(&Array::from_slice(&[1i64, 0, 2, 2], &[4]).unwrap()),
        false,
    )
    .unwrap();
    assert_eq!(got.shape(), &[4, 2, 5]);
    let got = ops::gather_mm(&arr(&av[..18], &[3, 2, 3]), &b, None, None, false).unwrap();
    assert_eq!(got.shape(), &[3, 2, 5]);
    // Errors.
    let fidx = arr(&[0.0, 1.0], &[2]);
    assert!(invalid(ops::gather_mm(&a, &b, Some(&fidx), None, false))
        .starts_with("[gather_mm] Got indices with invalid dtype"));
    let two = Array::from_slice(&[0i32, 1], &[2]).unwrap();
    assert!(
        invalid(ops::gather_mm(&a, &b, Some(&two), None, false)).starts_with("[broadcast_shapes]")
    );
    assert!(invalid(ops::gather_mm(&a, &a, Some(&two), None, false))
        .starts_with("[gather_mm] Last dimension"));
    let c = ops::astype(&a, Dtype::Complex64).unwrap();
    assert!(
        invalid(ops::gather_mm(&c, &b, Some(&two), Some(&two), false))
            .contains("not a real floating point type")
    );
}

#[test]
fn segmented_mm_clamps_segments() {
    let (av, bv) = (vals(3 * 6, 8), vals(6 * 4, 9));
    let (a, b) = (arr(&av, &[3, 6]), arr(&bv, &[6, 4]));
    let seg = Array::from_slice(&[0i32, 2, 2, 6, 4, 1, -5, 3, 5, 99], &[5, 2]).unwrap();
    let part = |s: usize, e: usize| -> Vec<f64> {
        let asub: Vec<f32> = (0..3)
            .flat_map(|i| av[i * 6 + s..i * 6 + e].to_vec())
            .collect();
        naive(&asub, &bv[s * 4..e * 4], 3, e - s, 4)
    };
    let mut want = Vec::new();
    for (s, e) in [(0, 2), (2, 6), (4, 4), (0, 3), (5, 6)] {
        want.extend(part(s, e));
    }
    for layout in LAYOUTS {
        let got = ops::segmented_mm(&relayout(&a, layout), &relayout(&b, layout), &seg).unwrap();
        assert_eq!(got.shape(), &[5, 3, 4]);
        assert_close(&format!("segmented_mm {layout}"), &f32s(&got), &want, 1e-5);
    }
    let bad = arr(&vals(5 * 4, 10), &[5, 4]);
    assert!(invalid(ops::segmented_mm(&a, &bad, &seg)).starts_with("[segmented_mm] Last dimension"));
    assert_eq!(
        invalid(ops::segmented_mm(&arr(&av, &[1, 3, 6]), &b, &seg)),
        "[segmented_mm] Batched matmul not supported"
    );
    assert!(invalid(ops::segmented_mm(&a, &b, &arr(&[0.0, 1.0], &[2])))
        .starts_with("[segmented_mm] Got segments with invalid dtype"));
    // An empty M is an empty result (MLX dies of SIGFPE here).
    let got = ops::segmented_mm(&ops::zeros(&[0, 6], Dtype::Float32).unwrap(), &b, &seg).unwrap();
    assert_eq!(got.shape(), &[5, 0, 4]);
    got.eval().unwrap();
}

#[test]
fn block_masked_mm_matches_masked_reference() {
    let (m, k, n, bs) = (70usize, 100usize, 40usize, 32usize);
    let (av, bv) = (vals(m * k, 11), vals(k * n, 12));
    let keep_lhs = [
        true, false, true, true, false, true, true, true, false, true, true, true,
    ];
    let scale_rhs: Vec<f32> = (0..8).map(|i| 0.5 + i as f32 * 0.25).collect();
    let keep_out = [true, false, true, true, true, false];
    let mut am = av.clone();
    for i in 0..m {
        for p in 0..k {
            if !keep_lhs[(i / bs) * 4 + p / bs] {
                am[i * k + p] = 0.0;
            }
        }
    }
    let mut bm = bv.clone();
    for p in 0..k {
        for j in 0..n {
            bm[p * n + j] *= scale_rhs[(p / bs) * 2 + j / bs];
        }
    }
    let mut want = naive(&am, &bm, m, k, n);
    for i in 0..m {
        for j in 0..n {
            if !keep_out[(i / bs) * 2 + j / bs] {
                want[i * n + j] = 0.0;
            }
        }
    }
    let mask_lhs = Array::from_slice(&keep_lhs, &[3, 4]).unwrap();
    let mask_rhs = arr(&scale_rhs, &[4, 2]);
    let mask_out = Array::from_slice(&keep_out, &[3, 2]).unwrap();
    let (a, b) = (arr(&av, &[70, 100]), arr(&bv, &[100, 40]));
    for layout in LAYOUTS {
        let got = ops::block_masked_mm(
            &relayout(&a, layout),
            &relayout(&b, layout),
            32,
            Some(&mask_out),
            Some(&mask_lhs),
            Some(&mask_rhs),
        )
        .unwrap();
        assert_eq!(got.shape(), &[70, 40]);
        assert_close(
            &format!("block_masked_mm {layout}"),
            &f32s(&got),
            &want,
            1e-5,
        );
    }
    assert!(invalid(ops::block_masked_mm(
        &a,
        &b,
        16,
        Some(&mask_out),
        None,
        None
    ))
    .starts_with("[block_masked_mm] Only block_sizes 32, 64"));
    assert!(invalid(ops::block_masked_mm(
        &a,
        &b,
        32,
        Some(&mask_lhs),
        None,
        None
    ))
    .starts_with("[broadcast_shapes]"));
    // Without masks it is matmul (any block size).
    assert_eq!(
        ops::block_masked_mm(&a, &b, 16, None, None, None)
            .unwrap()
            .shape(),
        &[70, 40]
    );
}

#[test]
fn hadamard_matches_mlx() {
    // mx.hadamard_transform(mx.arange(8.0)) in MLX 0.32.4.
    let x = arr(&(0..8).map(|i| i as f32).collect::<Vec<_>>(), &[8]);
    let got = f32s(&ops::hadamard_transform(&x, None).unwrap());
    assert_close(
        "h8",
        &got,
        &[
            9.899495,
            -std::f64::consts::SQRT_2,
            -2.828427,
            0.0,
            -5.656854,
            0.0,
            0.0,
            0.0,
        ],
        1e-6,
    );
    // H @ H^T = n I for every supported family (rows of the transform of the identity).
    for n in [2, 12, 20, 24, 28, 40, 56, 64] {
        let eye = ops::eye(n, n, 0, Dtype::Float32).unwrap();
        for layout in ["column-major", "reversed"] {
            let h = ops::hadamard_transform(&relayout(&eye, layout), Some(1.0)).unwrap();
            let hh = ops::matmul(&h, &ops::transpose(&h).unwrap()).unwrap();
            let want: Vec<f64> = (0..n * n)
                .map(|i| if i % (n + 1) == 0 { n as f64 } else { 0.0 })
                .collect();
            assert_close(&format!("H{n} {layout}"), &f32s(&hh), &want, 1e-6);
        }
    }
    // mx.hadamard_transform(mx.ones((12,)) * 0 + eye row 0) row of H12: first column.
    let e0 = arr(
        &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        &[12],
    );
    let col = f32s(&ops::hadamard_transform(&e0, Some(1.0)).unwrap());
    assert_eq!(
        col,
        vec![1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    );
    // Dtypes: halves keep theirs, integers become float32, float64 raises.
    for dt in [Dtype::Float16, Dtype::Bfloat16] {
        assert_eq!(
            ops::hadamard_transform(&ops::astype(&x, dt).unwrap(), None)
                .unwrap()
                .dtype(),
            dt
        );
    }
    let xi = ops::astype(&x, Dtype::Int32).unwrap();
    assert_eq!(
        ops::hadamard_transform(&xi, None).unwrap().dtype(),
        Dtype::Float32
    );
    let x64 = ops::astype(&x, Dtype::Float64).unwrap();
    assert_eq!(
        invalid(ops::hadamard_transform(&x64, None)),
        "[hadamard] Unsupported type."
    );
    let x36 = ops::zeros(&[36], Dtype::Float32).unwrap();
    assert!(invalid(ops::hadamard_transform(&x36, None))
        .starts_with("[hadamard] Only supports n = m*2^k"));
    let empty = ops::zeros(&[2, 0], Dtype::Float32).unwrap();
    assert!(invalid(ops::hadamard_transform(&empty, None))
        .starts_with("[hadamard_transform] Does not support empty"));
    // Length 1: a plain scaling with multiply's dtype rules.
    let one = Array::from_slice(&[3i32], &[1]).unwrap();
    assert_eq!(
        ops::hadamard_transform(&one, None).unwrap().dtype(),
        Dtype::Int32
    );
    assert_eq!(
        f32s(&ops::hadamard_transform(&one, Some(0.5)).unwrap()),
        vec![1.5]
    );
}

#[test]
fn composed_products() {
    // kron's docstring example in MLX.
    let a = Array::from_slice(&[1i32, 2, 3, 4], &[2, 2]).unwrap();
    let b = Array::from_slice(&[0i32, 5, 6, 7], &[2, 2]).unwrap();
    let k = ops::kron(&a, &b).unwrap();
    assert_eq!(k.dtype(), Dtype::Int32);
    assert_eq!(
        k.to_vec::<i32>().unwrap(),
        vec![0, 5, 0, 10, 6, 7, 12, 14, 0, 15, 0, 20, 18, 21, 24, 28]
    );
    assert!(
        invalid(ops::kron(&ops::zeros(&[0, 2], Dtype::Float32).unwrap(), &b)).starts_with("[kron]")
    );
    // vecdot conjugates a: [1+2j, 3j] . [1+1j, 2] = 3-7j in MLX.
    use num_complex::Complex32 as C;
    let za = Array::from_slice(&[C::new(1.0, 2.0), C::new(0.0, 3.0)], &[2]).unwrap();
    let zb = Array::from_slice(&[C::new(1.0, 1.0), C::new(2.0, 0.0)], &[2]).unwrap();
    assert_eq!(
        ops::vecdot(&za, &zb, -1).unwrap().to_vec::<C>().unwrap(),
        vec![C::new(3.0, -7.0)]
    );
    let i8s = Array::from_slice(&[1i8, 2, 3], &[3]).unwrap();
    assert_eq!(ops::vecdot(&i8s, &i8s, 0).unwrap().dtype(), Dtype::Int32);
    assert!(matches!(ops::vecdot(&i8s, &i8s, 1), Err(Error::Index(_))));
    // outer flattens; inner and tensordot go through matmul (integers raise there).
    let v = arr(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let o = ops::outer(&v, &arr(&[1.0, 10.0], &[2])).unwrap();
    assert_eq!(o.shape(), &[4, 2]);
    assert_eq!(f32s(&o), vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]);
    for layout in LAYOUTS {
        let vt = relayout(&v, layout);
        assert_eq!(
            f32s(&ops::inner(&vt, &vt).unwrap()),
            vec![5.0, 11.0, 11.0, 25.0]
        );
        let t = ops::tensordot_axes(&vt, &vt, &[0], &[0]).unwrap();
        assert_eq!(f32s(&t), vec![10.0, 14.0, 14.0, 20.0]);
    }
    assert_eq!(f32s(&ops::tensordot(&v, &v, 2).unwrap()), vec![30.0]);
    assert!(invalid(ops::tensordot(&a, &b, 1)).starts_with("[matmul] Only inexact types"));
    assert!(invalid(ops::tensordot(&v, &v, 3)).starts_with("[tensordot] axis must be less"));
    assert!(matches!(
        ops::tensordot_axes(&v, &v, &[5], &[0]),
        Err(Error::Index(_))
    ));
}
