//! Transform sweep of the linear algebra primitives (Inverse, Cholesky, QRF, SVD, Eigh,
//! LUF, Solve, SolveTriangular) and of the ops composed over them (det, slogdet, pinv,
//! cholesky_inv, cross, norm): vjp against finite differences, jvp against vjp, vmap
//! against a loop. Inputs are well conditioned (diagonally dominant with distinct diagonal
//! entries, SPD for cholesky/eigh); functions of eigen/singular vectors are sign-invariant.

mod common;

use common::sweep::{arr, Sweep};
use rmlx::{ops, Array, Dtype, Error};

/// `n × n` (batched) with distinct diagonal entries `2, 4, ..., 2n` plus values in [-0.5, 0.5).
fn dominant(batch: &[i32], n: i32, seed: u64) -> Array {
    let shape = [batch, &[n, n]].concat();
    let r = arr(&shape, seed, -0.5, 0.5);
    let d: Vec<f64> = (1..=n).map(|i| 2.0 * i as f64).collect();
    let diag = ops::multiply(
        &ops::eye(n, n, 0, Dtype::Float64).unwrap(),
        &Array::from_slice(&d, &[n]).unwrap(),
    )
    .unwrap();
    ops::add(&r, &diag).unwrap()
}

fn t(x: &Array) -> rmlx::Result<Array> {
    ops::swapaxes(x, -1, -2)
}

/// `X Xᵀ + n I`: symmetric positive definite, built inside the functions.
fn spd(x: &Array) -> rmlx::Result<Array> {
    let n = x.shape()[x.ndim() - 1];
    ops::add(
        &ops::matmul(x, &t(x)?)?,
        &ops::multiply(
            &ops::eye(n, n, 0, x.dtype())?,
            &ops::scalar_like(n as f64, x)?,
        )?,
    )
}

fn one(x: rmlx::Result<Array>) -> rmlx::Result<Vec<Array>> {
    Ok(vec![x?])
}

#[test]
fn linalg_rules() {
    let mut s = Sweep::new("linalg");
    let a = dominant(&[], 4, 1);
    let ab = dominant(&[2], 3, 2);
    let b = arr(&[4, 2], 3, -1.0, 1.0);
    let rect_tall = ops::add(
        &arr(&[5, 3], 4, -1.0, 1.0),
        &ops::eye(5, 3, 0, Dtype::Float64).unwrap(),
    )
    .unwrap();
    let rect_tall = ops::add(
        &rect_tall,
        &ops::multiply(
            &ops::eye(5, 3, 0, Dtype::Float64).unwrap(),
            &Array::from_slice(&[3.0f64, 5.0, 7.0], &[3]).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let rect_wide = ops::contiguous(&t(&rect_tall).unwrap(), false).unwrap();
    let x = arr(&[4, 4], 5, -1.0, 1.0);

    // Inverse, tri_inv, cholesky_inv (composed)
    s.grads_each(
        &|v: &[Array]| one(ops::inv(&v[0])),
        &[
            ("inv", std::slice::from_ref(&a)),
            ("inv batched", std::slice::from_ref(&ab)),
        ],
    );
    s.grads(
        "tri_inv lower",
        &|v: &[Array]| one(ops::tri_inv(&v[0], false)),
        std::slice::from_ref(&a),
    );
    s.grads(
        "tri_inv upper",
        &|v: &[Array]| one(ops::tri_inv(&v[0], true)),
        std::slice::from_ref(&a),
    );
    // Cholesky on the raw matrix (reads one triangle) and on an SPD matrix built inside.
    let spd_raw = ops::add(&spd(&x).unwrap(), &arr(&[4, 4], 6, -0.1, 0.1)).unwrap();
    s.grads(
        "cholesky lower",
        &|v: &[Array]| one(ops::cholesky(&v[0], false)),
        std::slice::from_ref(&spd_raw),
    );
    s.grads(
        "cholesky upper",
        &|v: &[Array]| one(ops::cholesky(&v[0], true)),
        std::slice::from_ref(&spd_raw),
    );
    s.grads(
        "cholesky(X Xᵀ + nI)",
        &|v: &[Array]| one(ops::cholesky(&spd(&v[0])?, false)),
        std::slice::from_ref(&x),
    );
    s.grads(
        "cholesky_inv",
        &|v: &[Array]| {
            one(ops::cholesky_inv(
                &ops::cholesky(&spd(&v[0])?, false)?,
                false,
            ))
        },
        std::slice::from_ref(&x),
    );
    // Solves
    let bv = arr(&[4], 8, -1.0, 1.0);
    let bb = arr(&[2, 3, 2], 9, -1.0, 1.0);
    s.grads_each(
        &|v: &[Array]| one(ops::solve(&v[0], &v[1])),
        &[
            ("solve", &[a.clone(), b.clone()]),
            ("solve vector", &[a.clone(), bv.clone()]),
            ("solve batched", &[ab.clone(), bb.clone()]),
        ],
    );
    s.grads(
        "solve_triangular lower",
        &|v: &[Array]| one(ops::solve_triangular(&v[0], &v[1], false)),
        &[a.clone(), b.clone()],
    );
    s.grads(
        "solve_triangular upper",
        &|v: &[Array]| one(ops::solve_triangular(&v[0], &v[1], true)),
        &[a.clone(), b.clone()],
    );
    // QR (both outputs through one function)
    let qr_sum = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        let (q, r) = ops::qr(&v[0])?;
        let n = q.shape()[q.ndim() - 1];
        // Q·diag(1..n) and R together, so both cotangents are nonzero and distinct.
        let w = Array::from_slice(&(1..=n).map(|i| i as f64).collect::<Vec<_>>(), &[n])?;
        let w = ops::astype(&w, q.dtype())?;
        one(ops::concatenate(
            &[
                ops::flatten(&ops::multiply(&q, &w)?, 0, -1)?,
                ops::flatten(&r, 0, -1)?,
            ],
            0,
        ))
    };
    s.grads("qr square", &qr_sum, std::slice::from_ref(&a));
    s.grads_each(
        &|v: &[Array]| {
            let (q, r) = ops::qr(&v[0])?;
            Ok(vec![ops::add(
                &ops::sum_all(&q, false)?,
                &ops::sum_all(&r, false)?,
            )?])
        },
        &[
            ("qr tall", std::slice::from_ref(&rect_tall)),
            ("qr wide", std::slice::from_ref(&rect_wide)),
        ],
    );
    s.grads(
        "qr R",
        &|v: &[Array]| Ok(vec![ops::qr(&v[0])?.1]),
        std::slice::from_ref(&ab),
    );
    // SVD: singular values alone, and sign-invariant functions of the vectors.
    s.grads_each(
        &|v: &[Array]| Ok(vec![ops::svd(&v[0], false)?.remove(0)]),
        &[
            ("svd S", std::slice::from_ref(&a)),
            ("svd S tall", std::slice::from_ref(&rect_tall)),
            ("svd S wide", std::slice::from_ref(&rect_wide)),
        ],
    );
    let svd_vecs = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        let o = ops::svd(&v[0], true)?;
        let (m, n) = (v[0].shape()[v[0].ndim() - 2], v[0].shape()[v[0].ndim() - 1]);
        let k = m.min(n);
        let u = ops::slice_axis(&o[0], -1, ops::SliceArg::range(0, k))?;
        let vt = ops::slice_axis(&o[2], -2, ops::SliceArg::range(0, k))?;
        // (U·Uᵀ-like) sign-invariant: u_ij² and the rank-1 terms u_i v_iᵀ weighted by s_i.
        let uu = ops::sum(&ops::square(&u)?, &[-1], false)?;
        let outer = ops::matmul(
            &ops::multiply(&u, &ops::expand_dims(&ops::square(&o[1])?, &[-2])?)?,
            &vt,
        )?;
        let sq_u = ops::sum(
            &ops::multiply(&ops::square(&u)?, &ops::expand_dims(&o[1], &[-2])?)?,
            &[-2],
            false,
        )?;
        let sq_v = ops::sum(&ops::square(&vt)?, &[-2], false)?;
        Ok(vec![ops::add(
            &ops::add(&ops::sum_all(&uu, false)?, &ops::sum_all(&outer, false)?)?,
            &ops::add(
                &ops::sum_all(&sq_u, false)?,
                &ops::sum_all(&ops::multiply(&sq_v, &sq_v)?, false)?,
            )?,
        )?])
    };
    s.grads_each(
        &svd_vecs,
        &[
            ("svd vectors", std::slice::from_ref(&a)),
            ("svd vectors tall", std::slice::from_ref(&rect_tall)),
            ("svd vectors wide", std::slice::from_ref(&rect_wide)),
        ],
    );
    s.grads(
        "norm 2",
        &|v: &[Array]| one(ops::norm(&v[0], Some(&ops::NormOrd::Num(2.0)), None, false)),
        std::slice::from_ref(&a),
    );
    s.grads(
        "norm nuc",
        &|v: &[Array]| {
            one(ops::norm(
                &v[0],
                Some(&ops::NormOrd::Str("nuc".into())),
                None,
                false,
            ))
        },
        std::slice::from_ref(&rect_tall),
    );
    s.grads_each(
        &|v: &[Array]| one(ops::pinv(&v[0])),
        &[
            ("pinv square", std::slice::from_ref(&a)),
            ("pinv tall", std::slice::from_ref(&rect_tall)),
            ("pinv wide", std::slice::from_ref(&rect_wide)),
        ],
    );
    // Eigh: eigenvalues, and eigenvectors through V diag(w²) Vᵀ and V∘V (sign-invariant).
    let sym = ops::add(&spd(&x).unwrap(), &dominant(&[], 4, 7)).unwrap();
    s.grads(
        "eigvalsh",
        &|v: &[Array]| one(ops::eigvalsh(&v[0], "L")),
        std::slice::from_ref(&sym),
    );
    s.grads(
        "eigvalsh U",
        &|v: &[Array]| one(ops::eigvalsh(&v[0], "U")),
        std::slice::from_ref(&sym),
    );
    let eigh_fn = |uplo: &'static str| {
        move |v: &[Array]| -> rmlx::Result<Vec<Array>> {
            let (w, vecs) = ops::eigh(&v[0], uplo)?;
            let vv = ops::square(&vecs)?;
            let r = ops::matmul(
                &ops::multiply(&vecs, &ops::expand_dims(&ops::square(&w)?, &[-2])?)?,
                &t(&vecs)?,
            )?;
            Ok(vec![ops::add(
                &ops::matmul(&vv, &w)?,
                &ops::sum(&r, &[-1], false)?,
            )?])
        }
    };
    s.grads("eigh L", &eigh_fn("L"), std::slice::from_ref(&sym));
    s.grads("eigh U", &eigh_fn("U"), std::slice::from_ref(&sym));
    s.grads(
        "eigh(X Xᵀ + nI)",
        &move |v: &[Array]| eigh_fn("L")(&[spd(&v[0])?]),
        &[dominant(&[], 4, 8)],
    );
    // LU and what is built on it.
    s.grads(
        "lu_factor",
        &|v: &[Array]| Ok(vec![ops::lu_factor(&v[0])?.0]),
        std::slice::from_ref(&a),
    );
    s.grads(
        "lu L and U",
        &|v: &[Array]| {
            let (_, l, u) = ops::lu(&v[0])?;
            one(ops::add(
                &l,
                &ops::multiply(&u, &ops::scalar_like(0.5, &u)?)?,
            ))
        },
        std::slice::from_ref(&ab),
    );
    let a5 = dominant(&[2], 5, 10);
    s.grads_each(
        &|v: &[Array]| one(ops::det(&v[0])),
        &[
            ("det 4x4 (LU)", std::slice::from_ref(&a)),
            ("det 5x5 batched", std::slice::from_ref(&a5)),
            ("det 3x3 (closed form)", std::slice::from_ref(&ab)),
        ],
    );
    s.grads(
        "slogdet",
        &|v: &[Array]| Ok(vec![ops::slogdet(&v[0])?.1]),
        std::slice::from_ref(&a5),
    );
    let c3 = arr(&[4, 3], 11, -1.0, 1.0);
    s.grads(
        "cross",
        &|v: &[Array]| one(ops::cross(&v[0], &v[1], -1)),
        &[c3.clone(), arr(&[3], 12, -1.0, 1.0)],
    );

    // vmap of every primitive (batch on the first and on the last axis).
    for axis in [0, -1] {
        let tag = |n: &str| format!("{n} axis {axis}");
        s.vmap(
            &tag("inv"),
            &|v: &[Array]| one(ops::inv(&v[0])),
            std::slice::from_ref(&ab),
            axis,
        );
        s.vmap(
            &tag("tri_inv"),
            &|v: &[Array]| one(ops::tri_inv(&v[0], true)),
            std::slice::from_ref(&a),
            axis,
        );
        s.vmap(
            &tag("cholesky"),
            &|v: &[Array]| one(ops::cholesky(&v[0], false)),
            std::slice::from_ref(&spd_raw),
            axis,
        );
        s.vmap(
            &tag("solve"),
            &|v: &[Array]| one(ops::solve(&v[0], &v[1])),
            &[a.clone(), b.clone()],
            axis,
        );
        s.vmap(
            &tag("solve_triangular"),
            &|v: &[Array]| one(ops::solve_triangular(&v[0], &v[1], false)),
            &[a.clone(), b.clone()],
            axis,
        );
        s.vmap(
            &tag("qr"),
            &|v: &[Array]| Ok(vec![ops::qr(&v[0])?.1]),
            std::slice::from_ref(&rect_tall),
            axis,
        );
        s.vmap(
            &tag("svd S"),
            &|v: &[Array]| Ok(vec![ops::svd(&v[0], false)?.remove(0)]),
            std::slice::from_ref(&rect_wide),
            axis,
        );
        s.vmap(&tag("svd"), &svd_vecs, std::slice::from_ref(&a), axis);
        s.vmap(
            &tag("eigh"),
            &eigh_fn("L"),
            std::slice::from_ref(&sym),
            axis,
        );
        s.vmap(
            &tag("eigvalsh"),
            &|v: &[Array]| one(ops::eigvalsh(&v[0], "U")),
            std::slice::from_ref(&sym),
            axis,
        );
        s.vmap(
            &tag("lu_factor"),
            &|v: &[Array]| Ok(vec![ops::lu_factor(&v[0])?.0]),
            std::slice::from_ref(&a),
            axis,
        );
        s.vmap(
            &tag("det"),
            &|v: &[Array]| one(ops::det(&v[0])),
            std::slice::from_ref(&a5),
            axis,
        );
        s.vmap(
            &tag("pinv"),
            &|v: &[Array]| one(ops::pinv(&v[0])),
            std::slice::from_ref(&rect_tall),
            axis,
        );
        s.vmap(
            &tag("eigvals"),
            &|v: &[Array]| {
                one(ops::real(&ops::multiply(
                    &ops::eigvals(&v[0])?,
                    &ops::eigvals(&v[0])?,
                )?)
                .and_then(|x| ops::sort(&x, Some(-1))))
            },
            std::slice::from_ref(&a),
            axis,
        );
    }
    s.finish();
}

#[test]
fn eig_has_no_gradient() {
    let a = dominant(&[], 3, 1);
    let r = rmlx::transforms::vjp(
        |v: &[Array]| Ok(vec![ops::real(&ops::eigvals(&v[0])?)?]),
        std::slice::from_ref(&a),
        &[ops::ones(&[3], Dtype::Float32).unwrap()],
    );
    assert!(matches!(r, Err(Error::NotImplemented(m)) if m.contains("Eig")));
}

/// Second-order: the gradient of `sum(inv(A))` is itself differentiable.
#[test]
fn grad_of_grad_through_inverse_and_det() {
    let mut s = Sweep::new("linalg");
    let a = dominant(&[], 3, 4);
    let g = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        let (_, gr) = rmlx::transforms::vjp(
            |w: &[Array]| Ok(vec![ops::sum_all(&ops::inv(&w[0])?, false)?]),
            v,
            &[ops::ones(&[], v[0].dtype())?],
        )?;
        Ok(gr)
    };
    s.grads("grad(sum inv)", &g, std::slice::from_ref(&a));
    let gd = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        let (_, gr) = rmlx::transforms::vjp(
            |w: &[Array]| Ok(vec![ops::det(&w[0])?]),
            v,
            &[ops::ones(&[], v[0].dtype())?],
        )?;
        Ok(gr)
    };
    s.grads("grad(det 4x4)", &gd, &[dominant(&[], 4, 5)]);
    s.finish();
}
