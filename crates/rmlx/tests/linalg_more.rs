//! lu, lu_factor, det, slogdet, pinv, eig, eigvals, cross, and complex64 svd/eigh: checked
//! by reconstruction (A = P L U, A pinv(A) A = A, A V = V diag(w), U S Vᴴ = A) on batched
//! float32/float64 inputs, against hand values from NumPy, and MLX's errors.

mod common;

use common::linalg::{assert_close, mt, rect, vals};
use num_complex::Complex32;
use rmlx::{ops, Array, Dtype, Error};

fn cvals(a: &Array) -> Vec<Complex32> {
    let a = ops::astype(a, Dtype::Complex64).unwrap();
    a.eval().unwrap();
    a.to_vec::<Complex32>().unwrap()
}

fn assert_cclose(a: &Array, b: &Array, tol: f32) {
    assert_eq!(a.shape(), b.shape());
    for (x, y) in cvals(a).iter().zip(cvals(b)) {
        assert!((x - y).norm() <= tol * (1.0 + y.norm()), "{x} vs {y}");
    }
}

fn tol(dt: Dtype) -> f64 {
    if dt == Dtype::Float64 {
        1e-10
    } else {
        2e-4
    }
}

const FLOATS: [Dtype; 2] = [Dtype::Float32, Dtype::Float64];

#[test]
fn lu_reconstructs_square_and_rectangular() {
    for dt in FLOATS {
        for shape in [[2, 5, 5], [3, 4, 6], [2, 6, 3]] {
            let a = rect(&shape, 3, dt);
            let (p, l, u) = ops::lu(&a).unwrap();
            let (m, n) = (shape[1], shape[2]);
            let k = m.min(n);
            assert_eq!(p.dtype(), Dtype::Uint32);
            assert_eq!(p.shape(), &[shape[0], m]);
            assert_eq!(l.shape(), &[shape[0], m, k]);
            assert_eq!(u.shape(), &[shape[0], k, n]);
            // A[i] = (L U)[P[i]]
            let lu = ops::matmul(&l, &u).unwrap();
            let idx = ops::broadcast_to(&ops::expand_dims(&p, &[-1]).unwrap(), a.shape()).unwrap();
            let back = ops::take_along_axis(&lu, &idx, Some(-2)).unwrap();
            assert_close(&back, &a, tol(dt));
            // L unit lower, U upper, |L| <= 1 (partial pivoting).
            assert_close(
                &ops::triu(&l, 1).unwrap(),
                &ops::zeros_like(&l).unwrap(),
                0.0,
            );
            assert_close(
                &ops::tril(&u, -1).unwrap(),
                &ops::zeros_like(&u).unwrap(),
                0.0,
            );
            assert!(vals(&l).iter().all(|v| v.abs() <= 1.0 + 1e-6));
        }
    }
}

#[test]
fn lu_factor_matches_lapack() {
    // MLX (LAPACK getrf): [[0,1,0],[0,0,2],[3,4,5]] → LU [[3,4,5],[0,1,0],[0,0,2]], ipiv [2,2,2]
    let a = Array::from_slice(&[0.0f32, 1., 0., 0., 0., 2., 3., 4., 5.], &[3, 3]).unwrap();
    let (lu, piv) = ops::lu_factor(&a).unwrap();
    assert_eq!(vals(&lu), vec![3., 4., 5., 0., 1., 0., 0., 0., 2.]);
    assert_eq!(piv.to_vec::<u32>().unwrap(), vec![2, 2, 2]);
    let (p, _, _) = ops::lu(&a).unwrap();
    assert_eq!(p.to_vec::<u32>().unwrap(), vec![1, 2, 0]);
}

#[test]
fn lu_zero_pivot_continues_like_lapack() {
    // A zero column: LAPACK records the zero pivot and continues (no NaNs).
    let z = ops::zeros(&[4, 4], Dtype::Float32).unwrap();
    let (lu, piv) = ops::lu_factor(&z).unwrap();
    assert_eq!(vals(&lu), vec![0.0; 16]);
    assert_eq!(piv.to_vec::<u32>().unwrap(), vec![0, 1, 2, 3]);
    // MLX: [[1,2,0,0],[2,4,0,0],[0,0,1,0],[1,1,1,1]] has a zero pivot at step 1.
    let a = Array::from_slice(
        &[
            1.0f64, 2., 0., 0., 2., 4., 0., 0., 0., 0., 1., 0., 1., 1., 1., 1.,
        ],
        &[4, 4],
    )
    .unwrap();
    let (p, l, u) = ops::lu(&a).unwrap();
    let lu = ops::matmul(&l, &u).unwrap();
    let idx = ops::broadcast_to(&ops::expand_dims(&p, &[-1]).unwrap(), a.shape()).unwrap();
    assert_close(
        &ops::take_along_axis(&lu, &idx, Some(-2)).unwrap(),
        &a,
        1e-12,
    );
    assert!(vals(&u).iter().all(|v| v.is_finite()));
    assert_eq!(vals(&ops::det(&a).unwrap()), vec![0.0]);
    assert_eq!(vals(&ops::det(&z).unwrap()), vec![0.0]);
}

#[test]
fn det_and_slogdet() {
    for dt in FLOATS {
        for n in [1, 2, 3, 4, 6] {
            let a = rect(&[3, n, n], 5 + n as u64, dt);
            let d = ops::det(&a).unwrap();
            let (s, l) = ops::slogdet(&a).unwrap();
            assert_eq!(d.shape(), &[3]);
            assert_eq!(d.dtype(), dt);
            // det = sign · exp(logabs); det(A) det(A⁻¹) = 1.
            let rec = ops::multiply(&s, &ops::exp(&l).unwrap()).unwrap();
            assert_close(&rec, &d, tol(dt) * 10.0);
            let di = ops::det(&ops::inv(&a).unwrap()).unwrap();
            let one = ops::ones(&[3], dt).unwrap();
            assert_close(&ops::multiply(&d, &di).unwrap(), &one, tol(dt) * 100.0);
        }
    }
    // NumPy: det([[2,1,0,0],[1,3,1,0],[0,1,4,1],[0,0,1,5]]) = 85 (tridiagonal, via LU)
    let a = Array::from_slice(
        &[
            2.0f32, 1., 0., 0., 1., 3., 1., 0., 0., 1., 4., 1., 0., 0., 1., 5.,
        ],
        &[4, 4],
    )
    .unwrap();
    assert!((vals(&ops::det(&a).unwrap())[0] - 85.0).abs() < 1e-3);
    // Integer input → float32; 0×0 → 1; singular → sign 0, -inf.
    let i = Array::from_slice(&[1i32, 2, 3, 5], &[2, 2]).unwrap();
    let d = ops::det(&i).unwrap();
    assert_eq!(d.dtype(), Dtype::Float32);
    assert_eq!(vals(&d), vec![-1.0]);
    assert_eq!(
        vals(&ops::det(&ops::zeros(&[2, 0, 0], Dtype::Float32).unwrap()).unwrap()),
        vec![1.0, 1.0]
    );
    let sing = Array::from_slice(&[1.0f32, 2., 2., 4.], &[2, 2]).unwrap();
    let (s, l) = ops::slogdet(&sing).unwrap();
    assert_eq!(vals(&s), vec![0.0]);
    assert_eq!(vals(&l), vec![f64::NEG_INFINITY]);
    // Permutation sign through the LU path.
    let p = ops::eye(5, 5, 0, Dtype::Float64).unwrap();
    let p = ops::take(
        &p,
        &Array::from_slice(&[1i32, 0, 2, 3, 4], &[5]).unwrap(),
        Some(0),
    )
    .unwrap();
    assert_eq!(vals(&ops::det(&p).unwrap()), vec![-1.0]);
}

#[test]
fn det_errors() {
    let c = ops::astype(&rect(&[2, 2], 1, Dtype::Float32), Dtype::Complex64).unwrap();
    assert!(matches!(ops::det(&c), Err(Error::InvalidArgument(m)) if m.contains("Complex inputs")));
    let v = rect(&[3], 1, Dtype::Float32);
    assert!(
        matches!(ops::slogdet(&v), Err(Error::InvalidArgument(m)) if m.contains(">= 2 dimensions"))
    );
    let r = rect(&[2, 3], 1, Dtype::Float32);
    assert!(matches!(ops::det(&r), Err(Error::InvalidArgument(m)) if m.contains("square")));
    // float16 above 3×3 goes through lu_factor, which refuses it (as MLX).
    let h = ops::astype(&rect(&[4, 4], 1, Dtype::Float32), Dtype::Float16).unwrap();
    assert!(matches!(ops::det(&h), Err(Error::InvalidArgument(m)) if m.contains("lu_factor")));
    let h2 = ops::astype(&rect(&[2, 2], 1, Dtype::Float32), Dtype::Float16).unwrap();
    assert_eq!(ops::det(&h2).unwrap().dtype(), Dtype::Float16);
    assert!(ops::lu(&ops::zeros(&[3, 3], Dtype::Int32).unwrap()).is_err());
}

#[test]
fn pinv_properties() {
    for dt in FLOATS {
        for shape in [[2, 4, 4], [2, 5, 3], [1, 3, 6]] {
            let a = rect(&shape, 9, dt);
            let p = ops::pinv(&a).unwrap();
            assert_eq!(p.shape(), &[shape[0], shape[2], shape[1]]);
            let apa = ops::matmul(&ops::matmul(&a, &p).unwrap(), &a).unwrap();
            assert_close(&apa, &a, tol(dt) * 10.0);
            let pap = ops::matmul(&ops::matmul(&p, &a).unwrap(), &p).unwrap();
            assert_close(&pap, &p, tol(dt) * 100.0);
        }
    }
    // Rank-deficient: pinv([[1,2],[2,4]]) = Aᵀ/25.
    let a = Array::from_slice(&[1.0f64, 2., 2., 4.], &[2, 2]).unwrap();
    assert_close(
        &ops::pinv(&a).unwrap(),
        &Array::from_slice(&[0.04f64, 0.08, 0.08, 0.16], &[2, 2]).unwrap(),
        1e-12,
    );
}

#[test]
fn eig_diagonalises() {
    for dt in FLOATS {
        let a = rect(&[3, 5, 5], 11, dt);
        let (w, v) = ops::eig(&a).unwrap();
        assert_eq!(w.dtype(), Dtype::Complex64);
        assert_eq!(v.dtype(), Dtype::Complex64);
        let ac = ops::astype(&a, Dtype::Complex64).unwrap();
        let av = ops::matmul(&ac, &v).unwrap();
        let vw = ops::multiply(&v, &ops::expand_dims(&w, &[-2]).unwrap()).unwrap();
        assert_cclose(&av, &vw, 1e-4);
        let w2 = ops::eigvals(&a).unwrap();
        // Same multiset of eigenvalues (sorted by real, then imaginary part).
        let key =
            |z: &Complex32| (z.re * 1e3).round() as i64 * 100000 + (z.im * 1e3).round() as i64;
        let (mut x, mut y) = (cvals(&w), cvals(&w2));
        x.sort_by_key(key);
        y.sort_by_key(key);
        for (p, q) in x.iter().zip(&y) {
            assert!((p - q).norm() < 1e-3, "{p} vs {q}");
        }
    }
    // Rotation: eigenvalues ±i.
    let r = Array::from_slice(&[0.0f32, -1., 1., 0.], &[2, 2]).unwrap();
    let mut w = cvals(&ops::eigvals(&r).unwrap());
    w.sort_by(|a, b| a.im.total_cmp(&b.im));
    assert!((w[0] - Complex32::new(0.0, -1.0)).norm() < 1e-6);
    // Complex input.
    let c = ops::add(
        &ops::astype(&rect(&[4, 4], 2, Dtype::Float32), Dtype::Complex64).unwrap(),
        &ops::multiply(
            &ops::astype(&rect(&[4, 4], 3, Dtype::Float32), Dtype::Complex64).unwrap(),
            &Array::from_slice(&[Complex32::new(0.0, 1.0)], &[]).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let (w, v) = ops::eig(&c).unwrap();
    let cv = ops::matmul(&c, &v).unwrap();
    let vw = ops::multiply(&v, &ops::expand_dims(&w, &[-2]).unwrap()).unwrap();
    assert_cclose(&cv, &vw, 1e-4);
    assert!(matches!(
        ops::eig(&rect(&[2, 3], 1, Dtype::Float32)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ops::eigvals(&ops::zeros(&[2, 2], Dtype::Int32).unwrap()),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn complex_svd_and_eigh() {
    for shape in [[2, 4, 3], [1, 12, 7], [1, 9, 9], [1, 6, 10]] {
        complex_svd_case(&shape);
    }
}

fn complex_svd_case(shape: &[i32]) {
    let k = shape[1].min(shape[2]);
    let re = ops::astype(&rect(shape, 4, Dtype::Float32), Dtype::Complex64).unwrap();
    let im = ops::astype(&rect(shape, 5, Dtype::Float32), Dtype::Complex64).unwrap();
    let i = Array::from_slice(&[Complex32::new(0.0, 1.0)], &[]).unwrap();
    let a = ops::add(&re, &ops::multiply(&im, &i).unwrap()).unwrap();
    let usv = ops::svd(&a, true).unwrap();
    assert_eq!(usv[1].dtype(), Dtype::Float32);
    let vt = ops::slice_axis(&usv[2], -2, ops::SliceArg::range(0, k)).unwrap();
    let u3 = ops::slice_axis(&usv[0], -1, ops::SliceArg::range(0, k)).unwrap();
    let s = ops::astype(&usv[1], Dtype::Complex64).unwrap();
    let back = ops::matmul(
        &ops::multiply(&u3, &ops::expand_dims(&s, &[-2]).unwrap()).unwrap(),
        &vt,
    )
    .unwrap();
    assert_cclose(&back, &a, 1e-4);
    let s_only = ops::svd(&a, false).unwrap();
    assert_close(&s_only[0], &usv[1], 1e-4);
    // Hermitian: H = A Aᴴ
    let h = ops::matmul(&a, &ops::conjugate(&mt(&a)).unwrap()).unwrap();
    let (w, v) = ops::eigh(&h, "L").unwrap();
    assert_eq!(w.dtype(), Dtype::Float32);
    let hv = ops::matmul(&h, &v).unwrap();
    let vw = ops::multiply(
        &v,
        &ops::expand_dims(&ops::astype(&w, Dtype::Complex64).unwrap(), &[-2]).unwrap(),
    )
    .unwrap();
    assert_cclose(&hv, &vw, 1e-4);
    assert_close(&ops::eigvalsh(&h, "U").unwrap(), &w, 1e-4);
}

#[test]
fn cross_products() {
    let a = Array::from_slice(&[1.0f32, 2., 3.], &[3]).unwrap();
    let b = Array::from_slice(&[4.0f32, 5., 6.], &[3]).unwrap();
    assert_eq!(
        vals(&ops::cross(&a, &b, -1).unwrap()),
        vec![-3.0, 6.0, -3.0]
    );
    // A size-2 vector has a zero third component.
    let a2 = ops::slice_axis(&a, 0, ops::SliceArg::range(0, 2)).unwrap();
    assert_eq!(
        vals(&ops::cross(&a2, &b, -1).unwrap()),
        vec![12.0, -6.0, -3.0]
    );
    // Integer dtype kept; broadcasting; other axis; transposed view.
    let ai = Array::from_slice(&[1i32, 2, 3], &[3]).unwrap();
    let bi = Array::from_slice(&[4i32, 5, 6], &[3]).unwrap();
    let ci = ops::cross(&ai, &bi, -1).unwrap();
    assert_eq!(ci.dtype(), Dtype::Int32);
    let m = rect(&[4, 3], 1, Dtype::Float32);
    let c = ops::cross(&m, &b, -1).unwrap();
    assert_eq!(c.shape(), &[4, 3]);
    let ct = ops::cross(&mt(&m), &ops::expand_dims(&b, &[1]).unwrap(), 0).unwrap();
    assert_close(&mt(&ct), &c, 1e-6);
    assert!(matches!(ops::cross(&m, &b, 2), Err(Error::Index(_))));
    let bad = rect(&[4, 4], 1, Dtype::Float32);
    assert!(matches!(
        ops::cross(&bad, &bad, -1),
        Err(Error::InvalidArgument(_))
    ));
}
