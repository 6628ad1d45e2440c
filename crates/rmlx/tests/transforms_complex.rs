//! Complex arguments follow MLX's convention: the gradient of a real loss `L` with respect
//! to `z = x + iy` is `∂L/∂x + i·∂L/∂y`, and the vjp of a holomorphic map is
//! `c·conj(f'(z))`. Every function below is checked against central differences of a real
//! loss in each real direction, so one rule left in the plain-transpose convention (or two
//! rules disagreeing) fails.

use num_complex::Complex32;
use rmlx::ops::{self, FftNorm};
use rmlx::transforms::{grad, vjp};
use rmlx::{Array, Result};

fn carr(v: &[(f32, f32)], shape: &[i32]) -> Array {
    let c: Vec<Complex32> = v.iter().map(|&(r, i)| Complex32::new(r, i)).collect();
    Array::from_slice(&c, shape).unwrap()
}

fn read(a: &Array) -> Vec<Complex32> {
    ops::astype(a, rmlx::Dtype::Complex64)
        .unwrap()
        .to_vec::<Complex32>()
        .unwrap()
}

/// Six values away from the branch cuts and poles of the functions below.
fn z0() -> Array {
    carr(
        &[
            (0.8, 0.3),
            (-0.5, 0.9),
            (1.2, -0.4),
            (0.6, 0.7),
            (-0.9, -0.6),
            (0.4, -1.1),
        ],
        &[2, 3],
    )
}

/// Fixed complex weights of `shape` (unit modulus, varied phase).
fn weights(shape: &[i32]) -> Result<Array> {
    let n: i32 = shape.iter().product();
    let v: Vec<Complex32> = (0..n)
        .map(|k| Complex32::from_polar(1.0, 0.9 * k as f32 + 0.3))
        .collect();
    Array::from_slice(&v, shape)
}

/// `Σ |f(z)·w|² + Σ re(f(z))`: real, and sensitive to both parts of `f(z)`.
fn loss(f: &dyn Fn(&Array) -> Result<Array>, z: &Array) -> Result<Array> {
    let out = ops::astype(&f(z)?, rmlx::Dtype::Complex64)?;
    let a = ops::abs(&ops::multiply(&out, &weights(out.shape())?)?)?;
    ops::add(
        &ops::sum_all(&ops::square(&a)?, false)?,
        &ops::sum_all(&ops::real(&out)?, false)?,
    )
}

fn check(name: &str, f: &dyn Fn(&Array) -> Result<Array>) {
    let z = z0();
    let g = read(&grad(|z: &Array| loss(f, z))(&z).unwrap());
    let base = read(&z);
    let h = 1e-2f32;
    for (i, gi) in g.iter().enumerate() {
        let mut partial = [0f32; 2];
        for (part, d) in [Complex32::new(h, 0.0), Complex32::new(0.0, h)]
            .iter()
            .enumerate()
        {
            let shifted = |sign: f32| {
                let mut v = base.clone();
                v[i] += d * sign;
                let za = Array::from_slice(&v, z.shape()).unwrap();
                loss(f, &za).unwrap().to_vec::<f32>().unwrap()[0]
            };
            partial[part] = (shifted(1.0) - shifted(-1.0)) / (2.0 * h);
        }
        let want = Complex32::new(partial[0], partial[1]);
        let err = (gi - want).norm();
        assert!(
            err <= 2e-2 * (1.0 + want.norm()),
            "{name}: element {i}: grad {gi} vs finite differences {want}"
        );
    }
}

#[test]
fn real_losses_of_complex_functions() {
    let b = carr(
        &[
            (0.7, -0.2),
            (0.3, 0.8),
            (-1.0, 0.4),
            (0.5, 0.5),
            (1.3, 0.1),
            (-0.2, -0.9),
        ],
        &[2, 3],
    );
    let m = carr(
        &[
            (0.2, 0.1),
            (-0.3, 0.6),
            (0.9, -0.5),
            (0.4, 0.4),
            (-0.7, 0.2),
            (0.1, -0.8),
            (0.5, 0.3),
            (0.6, -0.1),
            (-0.4, -0.4),
        ],
        &[3, 3],
    );
    let fs: Vec<(&str, Box<dyn Fn(&Array) -> Result<Array>>)> = vec![
        ("multiply", Box::new(move |z| ops::multiply(z, &b))),
        (
            "divide",
            Box::new(|z| ops::divide(&ops::add(z, &carr(&[(2.0, 1.0)], &[]))?, z)),
        ),
        ("exp", Box::new(ops::exp)),
        ("sin", Box::new(ops::sin)),
        ("log", Box::new(ops::log)),
        ("sqrt", Box::new(ops::sqrt)),
        ("square", Box::new(ops::square)),
        ("reciprocal", Box::new(ops::reciprocal)),
        ("tanh", Box::new(ops::tanh)),
        (
            "power",
            Box::new(|z| ops::power(z, &carr(&[(1.5, 0.5)], &[]))),
        ),
        ("conjugate", Box::new(ops::conjugate)),
        ("abs", Box::new(ops::abs)),
        ("real", Box::new(ops::real)),
        ("imag", Box::new(ops::imag)),
        ("matmul", Box::new(move |z| ops::matmul(z, &m))),
        ("prod", Box::new(|z| ops::prod(z, &[1], true))),
        (
            "cumprod",
            Box::new(|z| ops::cumprod(z, Some(1), false, true)),
        ),
        ("cumsum", Box::new(|z| ops::cumsum(z, Some(1), false, true))),
        (
            "fft",
            Box::new(|z| ops::fft(z, None, -1, FftNorm::Backward)),
        ),
        (
            "ifft2",
            Box::new(|z| ops::ifft2(z, None, None, FftNorm::Backward)),
        ),
        (
            "exp of product",
            Box::new(|z| ops::exp(&ops::multiply(z, &ops::conjugate(z)?)?)),
        ),
    ];
    for (name, f) in &fs {
        check(name, f.as_ref());
    }
}

#[test]
fn holomorphic_vjp_conjugates_the_derivative() {
    // The vjp of z·b at cotangent c is c·conj(b) (MLX: [1.25+1.25i] for these numbers).
    let z = carr(&[(1.0, 2.0)], &[1]);
    let b = carr(&[(3.0, -1.0)], &[1]);
    let c = carr(&[(0.5, 0.25)], &[1]);
    let (_, g) = vjp(
        |v: &[Array]| Ok(vec![ops::multiply(&v[0], &b)?]),
        &[z],
        &[c],
    )
    .unwrap();
    assert_eq!(read(&g[0]), vec![Complex32::new(1.25, 1.25)]);
}
