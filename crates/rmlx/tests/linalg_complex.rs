//! complex64 `svd` (with and without vectors), `eig` and `eigvals` for every size from 1×1
//! to 64×64 and at 128 and 200, batched and rectangular, checked by reconstruction
//! (A = U diag(S) Vᴴ with unitary U and V; A V = V diag(w) with unit columns) in float64
//! on the host. (faer's complex decompositions need IEEE subnormals: on the kernel threads,
//! which flush them to zero, they used to return wrong factors beyond 8×8.)

mod common;

use num_complex::{Complex32, Complex64};
use rmlx::{ops, Array, Dtype};

/// A deterministic complex64 array with parts in [-1, 1).
fn crand(shape: &[i32], seed: u64) -> Array {
    let n: i32 = shape.iter().product();
    let re = common::random_f32(n as usize, seed);
    let im = common::random_f32(n as usize, seed + 1000);
    let v: Vec<Complex32> = re
        .iter()
        .zip(&im)
        .map(|(a, b)| Complex32::new(a * 2.0 - 1.0, b * 2.0 - 1.0))
        .collect();
    Array::from_slice(&v, shape).unwrap()
}

fn host(a: &Array) -> Vec<Complex64> {
    let a = ops::astype(a, Dtype::Complex64).unwrap();
    a.eval().unwrap();
    a.to_vec::<Complex32>()
        .unwrap()
        .iter()
        .map(|z| Complex64::new(z.re as f64, z.im as f64))
        .collect()
}

fn real(a: &Array) -> Vec<f64> {
    let a = ops::astype(a, Dtype::Float64).unwrap();
    a.eval().unwrap();
    a.to_vec::<f64>().unwrap()
}

/// Checks `svd` of a `[batch, m, n]` complex matrix by reconstruction and unitarity.
fn check_svd(batch: usize, m: usize, n: usize, seed: u64) {
    let a = crand(&[batch as i32, m as i32, n as i32], seed);
    let usv = ops::svd(&a, true).unwrap();
    assert_eq!(usv[0].shape(), &[batch as i32, m as i32, m as i32]);
    assert_eq!(usv[2].shape(), &[batch as i32, n as i32, n as i32]);
    assert_eq!(usv[1].dtype(), Dtype::Float32);
    let (av, u, s, vh) = (host(&a), host(&usv[0]), real(&usv[1]), host(&usv[2]));
    let s_only = real(&ops::svd(&a, false).unwrap()[0]);
    let k = m.min(n);
    for b in 0..batch {
        let (a, u, vh) = (
            &av[b * m * n..],
            &u[b * m * m..(b + 1) * m * m],
            &vh[b * n * n..(b + 1) * n * n],
        );
        let s = &s[b * k..(b + 1) * k];
        let norm = a[..m * n].iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        let mut err = 0.0f64;
        for i in 0..m {
            for j in 0..n {
                let mut acc = Complex64::new(0.0, 0.0);
                for l in 0..k {
                    acc += u[i * m + l] * s[l] * vh[l * n + j];
                }
                err += (acc - a[i * n + j]).norm_sqr();
            }
        }
        let rel = err.sqrt() / norm.max(1e-30);
        assert!(rel < 2e-5, "svd {m}x{n} batch {b}: relative residual {rel}");
        for (p, q) in [(u, m), (vh, n)] {
            let mut off = 0.0f64;
            for i in 0..q {
                for j in 0..q {
                    let mut acc = Complex64::new(0.0, 0.0);
                    for l in 0..q {
                        acc += p[l * q + i].conj() * p[l * q + j];
                    }
                    let want = if i == j { 1.0 } else { 0.0 };
                    off = off.max((acc - want).norm());
                }
            }
            assert!(off < 1e-4, "svd {m}x{n}: factor not unitary ({off})");
        }
        for w in s.windows(2) {
            assert!(w[0] >= w[1], "singular values not descending: {s:?}");
        }
        for (x, y) in s.iter().zip(&s_only[b * k..(b + 1) * k]) {
            assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }
}

/// Checks `eig` of a `[batch, n, n]` complex matrix: A V = V diag(w), unit columns, and
/// `eigvals` equal to `w`.
fn check_eig(batch: usize, n: usize, seed: u64) {
    let a = crand(&[batch as i32, n as i32, n as i32], seed);
    let (w, v) = ops::eig(&a).unwrap();
    assert_eq!(w.dtype(), Dtype::Complex64);
    assert_eq!(v.shape(), &[batch as i32, n as i32, n as i32]);
    let (av, wv, vv, w2) = (
        host(&a),
        host(&w),
        host(&v),
        host(&ops::eigvals(&a).unwrap()),
    );
    for b in 0..batch {
        let (a, v, w) = (
            &av[b * n * n..(b + 1) * n * n],
            &vv[b * n * n..(b + 1) * n * n],
            &wv[b * n..(b + 1) * n],
        );
        let norm = a.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        let mut worst = 0.0f64;
        for j in 0..n {
            let mut err = 0.0f64;
            let mut len = 0.0f64;
            for i in 0..n {
                let mut acc = Complex64::new(0.0, 0.0);
                for l in 0..n {
                    acc += a[i * n + l] * v[l * n + j];
                }
                err += (acc - v[i * n + j] * w[j]).norm_sqr();
                len += v[i * n + j].norm_sqr();
            }
            assert!(
                (len.sqrt() - 1.0).abs() < 1e-4,
                "eig {n}: column {j} norm {len}"
            );
            worst = worst.max(err.sqrt());
        }
        assert!(
            worst < 2e-5 * (1.0 + norm),
            "eig {n}x{n} batch {b}: residual {worst} (‖A‖ {norm})"
        );
        // eigvals: the same values (each within reach of one of eig's).
        for z in &w2[b * n..(b + 1) * n] {
            let d = w
                .iter()
                .map(|x| (x - z).norm())
                .fold(f64::INFINITY, f64::min);
            assert!(d < 1e-3 * (1.0 + z.norm()), "eigvals {z} not among eig's");
        }
    }
}

#[test]
fn complex_svd_every_size_to_64() {
    for n in 1..=64 {
        check_svd(1, n, n, n as u64);
    }
}

#[test]
fn complex_svd_rectangular_and_batched() {
    for (m, n) in [
        (1, 5),
        (5, 1),
        (3, 17),
        (17, 3),
        (40, 24),
        (24, 40),
        (63, 64),
        (65, 33),
    ] {
        check_svd(2, m, n, (m * 100 + n) as u64);
    }
    check_svd(3, 12, 12, 7);
}

#[test]
fn complex_svd_large() {
    check_svd(1, 128, 128, 128);
    check_svd(1, 200, 200, 200);
    check_svd(1, 200, 150, 201);
}

#[test]
fn complex_eig_every_size_to_64() {
    for n in 1..=64 {
        check_eig(1, n, 500 + n as u64);
    }
}

#[test]
fn complex_eig_batched_and_large() {
    check_eig(3, 9, 11);
    check_eig(2, 33, 12);
    check_eig(1, 128, 13);
    check_eig(1, 200, 14);
}

#[test]
fn real_eig_larger_sizes() {
    // float32 input, complex eigenpairs.
    for n in [17, 50, 100] {
        let a = ops::astype(&crand(&[n, n], 900 + n as u64), Dtype::Float32).unwrap();
        let (w, v) = ops::eig(&a).unwrap();
        let ac = ops::astype(&a, Dtype::Complex64).unwrap();
        let av = host(&ops::matmul(&ac, &v).unwrap());
        let vw = host(&ops::multiply(&v, &ops::expand_dims(&w, &[-2]).unwrap()).unwrap());
        for (x, y) in av.iter().zip(&vw) {
            assert!((x - y).norm() < 1e-3, "{x} vs {y}");
        }
    }
}
