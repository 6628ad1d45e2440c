//! Linear algebra (inv, cholesky, qr, svd, eigh, solve, solve_triangular, norm): checked by
//! reconstruction (A = QR, A = UΣVᵀ, A·A⁻¹ = I, L·Lᵀ = A, A·V = V·Λ) on batched f32 and f64
//! inputs, plus MLX's errors.

mod common;

use common::linalg::{assert_close, mt, rect, vals};
use rmlx::{ops, Array, Dtype, Error};

/// A well-conditioned batch: random values plus `n` on the diagonal.
fn mat(batch: usize, n: usize, seed: u64, dt: Dtype) -> Array {
    let v: Vec<f32> = common::random_f32(batch * n * n, seed)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v * 2.0 - 1.0
                + if (i % (n * n)).is_multiple_of(n + 1) {
                    n as f32
                } else {
                    0.0
                }
        })
        .collect();
    ops::astype(
        &Array::from_slice(&v, &[batch as i32, n as i32, n as i32]).unwrap(),
        dt,
    )
    .unwrap()
}

fn eye_like(a: &Array) -> Array {
    let n = a.shape()[a.ndim() - 1];
    ops::broadcast_to(&ops::eye(n, n, 0, a.dtype()).unwrap(), a.shape()).unwrap()
}

fn tol(dt: Dtype) -> f64 {
    if dt == Dtype::Float64 {
        1e-10
    } else {
        1e-4
    }
}

const DTYPES: [Dtype; 2] = [Dtype::Float32, Dtype::Float64];

#[test]
fn inv_times_a_is_identity() {
    for dt in DTYPES {
        let a = mat(3, 5, 1, dt);
        let x = ops::inv(&a).unwrap();
        assert_eq!(x.dtype(), dt);
        assert_close(&ops::matmul(&a, &x).unwrap(), &eye_like(&a), tol(dt));
        // A transposed view is read through its strides.
        let t = mt(&a);
        assert_close(
            &ops::matmul(&t, &ops::inv(&t).unwrap()).unwrap(),
            &eye_like(&a),
            tol(dt),
        );
    }
}

#[test]
fn inv_of_singular_matrix_fails_at_eval() {
    let a = Array::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
    let x = ops::inv(&a).unwrap();
    match x.eval() {
        Err(Error::Runtime(m)) => assert!(m.contains("LU factorization failed"), "{m}"),
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn cholesky_reconstructs() {
    for dt in DTYPES {
        let b = mat(2, 4, 2, dt);
        let a = ops::add(&ops::matmul(&b, &mt(&b)).unwrap(), &eye_like(&b)).unwrap();
        let l = ops::cholesky(&a, false).unwrap();
        assert_close(&ops::matmul(&l, &mt(&l)).unwrap(), &a, tol(dt));
        let u = ops::cholesky(&a, true).unwrap();
        assert_close(&ops::matmul(&mt(&u), &u).unwrap(), &a, tol(dt));
        let ai = ops::cholesky_inv(&l, false).unwrap();
        assert_close(
            &ops::matmul(&a, &ai).unwrap(),
            &eye_like(&a),
            tol(dt) * 10.0,
        );
    }
}

#[test]
fn qr_reconstructs() {
    for dt in DTYPES {
        for shape in [[2, 4, 4], [2, 5, 3], [2, 3, 5]] {
            let a = rect(&shape, 3, dt);
            let (q, r) = ops::qr(&a).unwrap();
            let k = shape[1].min(shape[2]);
            assert_eq!(q.shape(), &[2, shape[1], k]);
            assert_eq!(r.shape(), &[2, k, shape[2]]);
            assert_close(&ops::matmul(&q, &r).unwrap(), &a, tol(dt));
            assert_close(
                &ops::matmul(&mt(&q), &q).unwrap(),
                &eye_like(&ops::matmul(&mt(&q), &q).unwrap()),
                tol(dt),
            );
        }
    }
}

#[test]
fn svd_reconstructs() {
    for dt in DTYPES {
        for shape in [[2, 4, 4], [2, 5, 3], [2, 3, 5]] {
            let a = rect(&shape, 4, dt);
            let usv = ops::svd(&a, true).unwrap();
            let (u, s, vt) = (&usv[0], &usv[1], &usv[2]);
            let k = shape[1].min(shape[2]);
            assert_eq!(u.shape(), &[2, shape[1], shape[1]]);
            assert_eq!(s.shape(), &[2, k]);
            assert_eq!(vt.shape(), &[2, shape[2], shape[2]]);
            // U[:, :, :k] · diag(S) · Vᵀ[:, :k, :]
            let uk = ops::slice(u, &[0, 0, 0], &[2, shape[1], k], &[1, 1, 1]).unwrap();
            let vk = ops::slice(vt, &[0, 0, 0], &[2, k, shape[2]], &[1, 1, 1]).unwrap();
            let us = ops::multiply(&uk, &ops::expand_dims(s, &[-2]).unwrap()).unwrap();
            assert_close(&ops::matmul(&us, &vk).unwrap(), &a, tol(dt));
            let only = ops::svd(&a, false).unwrap();
            assert_eq!(only.len(), 1);
            assert_close(&only[0], s, tol(dt));
            // Descending and non-negative.
            let sv = vals(s);
            for row in sv.chunks(k as usize) {
                assert!(row.windows(2).all(|w| w[0] >= w[1]) && row.iter().all(|&x| x >= 0.0));
            }
        }
    }
}

#[test]
fn eigh_diagonalises() {
    for dt in DTYPES {
        let b = mat(3, 4, 5, dt);
        let a = ops::add(&b, &mt(&b)).unwrap();
        let (w, v) = ops::eigh(&a, "L").unwrap();
        let av = ops::matmul(&a, &v).unwrap();
        let vw = ops::multiply(&v, &ops::expand_dims(&w, &[-2]).unwrap()).unwrap();
        assert_close(&av, &vw, tol(dt) * 10.0);
        assert_close(&ops::eigvalsh(&a, "U").unwrap(), &w, tol(dt) * 10.0);
        let wv = vals(&w);
        assert!(wv.chunks(4).all(|r| r.windows(2).all(|p| p[0] <= p[1])));
    }
}

#[test]
fn solve_and_triangular_solve() {
    for dt in DTYPES {
        let a = mat(2, 4, 6, dt);
        let b = rect(&[2, 4, 3], 7, dt);
        let x = ops::solve(&a, &b).unwrap();
        assert_close(&ops::matmul(&a, &x).unwrap(), &b, tol(dt) * 10.0);
        // A 1-D right-hand side broadcast over the batch.
        let v = rect(&[4], 8, dt);
        let xv = ops::solve(&a, &v).unwrap();
        assert_eq!(xv.shape(), &[2, 4]);
        let l = ops::tril(&a, 0).unwrap();
        let xl = ops::solve_triangular(&l, &b, false).unwrap();
        assert_close(&ops::matmul(&l, &xl).unwrap(), &b, tol(dt) * 10.0);
        let ti = ops::tri_inv(&l, false).unwrap();
        assert_close(
            &ops::matmul(&l, &ti).unwrap(),
            &eye_like(&l),
            tol(dt) * 10.0,
        );
    }
}

#[test]
fn norms_match_hand_values() {
    use ops::NormOrd::{Num, Str};
    let m = Array::from_slice(&[1.0f32, -2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let v = Array::from_slice(&[3.0f32, -4.0, 0.0], &[3]).unwrap();
    let one = |a: &Array, o: Option<ops::NormOrd>| {
        vals(&ops::norm(a, o.as_ref(), None, false).unwrap())[0]
    };
    assert!((one(&v, None) - 5.0).abs() < 1e-6);
    assert_eq!(one(&v, Some(Num(0.0))), 2.0);
    assert_eq!(one(&v, Some(Num(f64::INFINITY))), 4.0);
    assert_eq!(one(&m, Some(Num(1.0))), 6.0);
    assert_eq!(one(&m, Some(Num(f64::INFINITY))), 7.0);
    assert!((one(&m, Some(Str("nuc".into()))) - 7.0710678).abs() < 1e-5);
    assert!((one(&m, Some(Num(2.0))) - 5.116673).abs() < 1e-5);
    let e = ops::norm(&m, Some(&Num(3.0)), None, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[linalg::norm] Invalid ord 3 for matrix norm."
    );
}

#[test]
fn dtype_and_shape_errors() {
    let h = ops::astype(&mat(1, 2, 1, Dtype::Float32), Dtype::Float16).unwrap();
    let e = ops::inv(&h).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    assert_eq!(
        e.to_string(),
        "[linalg::inv] Arrays must have type float32 or float64. Received array with type float16."
    );
    let r = rect(&[2, 3], 1, Dtype::Float32);
    assert_eq!(
        ops::inv(&r).unwrap_err().to_string(),
        "[linalg::inv] Inverses are only defined for square matrices."
    );
    assert!(ops::eigh(&r, "L").is_err());
    assert!(ops::svd(&rect(&[3], 1, Dtype::Float32), true).is_err());
}
