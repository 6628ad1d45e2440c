//! Transform sweep of the `FFT` primitive: vjp against finite differences and jvp against
//! vjp (float64 inputs, computed in complex64 as MLX does, so with a wider step and
//! tolerance), float32 on non-contiguous inputs, and vmap against a loop, for every kind
//! (complex forward/inverse, real forward/inverse) with cropping, padding, several axes,
//! the real axis first or last, and the three norms. Complex outputs are checked through
//! their real and imaginary parts (real functions of the inputs); complex inputs are built
//! from two real ones.

mod common;

use common::sweep::{arr, Fun, Sweep};
use num_complex::Complex32;
use rmlx::ops::{self, FftNorm};
use rmlx::{Array, Result};

/// `x + i·y`.
fn complex(x: &Array, y: &Array) -> Result<Array> {
    let i = Array::from_slice(&[Complex32::new(0.0, 1.0)], &[])?;
    let xc = ops::astype(x, rmlx::Dtype::Complex64)?;
    let yc = ops::astype(y, rmlx::Dtype::Complex64)?;
    ops::add(&xc, &ops::multiply(&yc, &i)?)
}

/// Real part plus 0.7 × imaginary part: one real output that sees both halves.
fn project(z: &Array) -> Result<Array> {
    let im = ops::imag(z)?;
    ops::add(
        &ops::real(z)?,
        &ops::multiply(&im, &ops::scalar_like(0.7, &im)?)?,
    )
}

/// Runs the float64/float32 gradient checks and vmap over axes 0 and 1.
fn sweep(s: &mut Sweep, name: &str, f: &Fun, inputs: &[Array]) {
    s.grads_with(name, f, inputs, 1e-2, 1e-2);
    s.vmap(name, f, inputs, 0);
    s.vmap(&format!("{name} axis1"), f, inputs, 1);
}

#[test]
fn fft_rules() {
    let mut s = Sweep::new("fft");
    let bw = FftNorm::Backward;
    let x = arr(&[3, 6], 1, -1.0, 1.0);
    let y = arr(&[3, 6], 2, -1.0, 1.0);
    let x5 = arr(&[2, 5], 3, -1.0, 1.0);
    let y5 = arr(&[2, 5], 4, -1.0, 1.0);
    let x3 = arr(&[3, 4, 5], 5, -1.0, 1.0);
    let y3 = arr(&[3, 4, 5], 6, -1.0, 1.0);

    // Complex transforms of a real input and of a complex one.
    for (n, axis, norm) in [
        (None, -1, bw),
        (Some(9), -1, bw),
        (Some(4), -1, FftNorm::Ortho),
        (None, 0, FftNorm::Forward),
        (Some(2), 0, bw),
    ] {
        let tag = format!("n={n:?} axis={axis} {norm:?}");
        s.grads_with(
            &format!("fft real in {tag}"),
            &move |v: &[Array]| Ok(vec![project(&ops::fft(&v[0], n, axis, norm)?)?]),
            std::slice::from_ref(&x),
            1e-2,
            1e-2,
        );
        sweep(
            &mut s,
            &format!("fft {tag}"),
            &move |v: &[Array]| {
                Ok(vec![project(&ops::fft(
                    &complex(&v[0], &v[1])?,
                    n,
                    axis,
                    norm,
                )?)?])
            },
            &[x.clone(), y.clone()],
        );
        sweep(
            &mut s,
            &format!("ifft {tag}"),
            &move |v: &[Array]| {
                Ok(vec![project(&ops::ifft(
                    &complex(&v[0], &v[1])?,
                    n,
                    axis,
                    norm,
                )?)?])
            },
            &[x5.clone(), y5.clone()],
        );
    }

    // Real transforms: even and odd lengths, crop and pad, both axes.
    for (input, n, axis, norm) in [
        (&x, None, -1, bw),
        (&x5, None, -1, bw),
        (&x, Some(5), -1, FftNorm::Ortho),
        (&x5, Some(8), -1, FftNorm::Forward),
        (&x, None, 0, bw),
    ] {
        let tag = format!("{:?} n={n:?} axis={axis} {norm:?}", input.shape());
        sweep(
            &mut s,
            &format!("rfft {tag}"),
            &move |v: &[Array]| Ok(vec![project(&ops::rfft(&v[0], n, axis, norm)?)?]),
            std::slice::from_ref(&input),
        );
    }
    for (n, axis, norm) in [
        (None, -1, bw),
        (Some(7), -1, bw),
        (Some(9), -1, FftNorm::Ortho),
        (Some(3), -1, FftNorm::Forward),
        (Some(4), 0, bw),
    ] {
        let tag = format!("n={n:?} axis={axis} {norm:?}");
        sweep(
            &mut s,
            &format!("irfft {tag}"),
            &move |v: &[Array]| Ok(vec![ops::irfft(&complex(&v[0], &v[1])?, n, axis, norm)?]),
            &[x.clone(), y.clone()],
        );
    }

    // Several axes: the real axis last or first, sizes changed by `s`.
    let cases: Vec<(&str, Option<Vec<i32>>, Vec<i32>)> = vec![
        ("last two", None, vec![1, 2]),
        ("all, real first", None, vec![2, 0, 1]),
        ("s crop/pad", Some(vec![2, 6]), vec![0, 2]),
    ];
    for (tag, sz, axes) in cases {
        let (s1, a1) = (sz.clone(), axes.clone());
        sweep(
            &mut s,
            &format!("fftn {tag}"),
            &move |v: &[Array]| {
                let z = complex(&v[0], &v[1])?;
                Ok(vec![project(&ops::fftn(
                    &z,
                    s1.as_deref(),
                    Some(&a1),
                    bw,
                )?)?])
            },
            &[x3.clone(), y3.clone()],
        );
        let (s2, a2) = (sz.clone(), axes.clone());
        sweep(
            &mut s,
            &format!("ifftn {tag}"),
            &move |v: &[Array]| {
                let z = complex(&v[0], &v[1])?;
                Ok(vec![project(&ops::ifftn(
                    &z,
                    s2.as_deref(),
                    Some(&a2),
                    FftNorm::Ortho,
                )?)?])
            },
            &[x3.clone(), y3.clone()],
        );
        let (s3, a3) = (sz.clone(), axes.clone());
        sweep(
            &mut s,
            &format!("rfftn {tag}"),
            &move |v: &[Array]| {
                Ok(vec![project(&ops::rfftn(
                    &v[0],
                    s3.as_deref(),
                    Some(&a3),
                    bw,
                )?)?])
            },
            std::slice::from_ref(&x3),
        );
        let (s4, a4) = (sz.clone(), axes.clone());
        sweep(
            &mut s,
            &format!("irfftn {tag}"),
            &move |v: &[Array]| {
                let z = complex(&v[0], &v[1])?;
                Ok(vec![ops::irfftn(&z, s4.as_deref(), Some(&a4), bw)?])
            },
            &[x3.clone(), y3.clone()],
        );
    }
    // The 2-D defaults and the shifts (compositions of roll).
    sweep(
        &mut s,
        "rfft2",
        &move |v: &[Array]| Ok(vec![project(&ops::rfft2(&v[0], None, None, bw)?)?]),
        std::slice::from_ref(&x3),
    );
    sweep(
        &mut s,
        "irfft2",
        &move |v: &[Array]| Ok(vec![ops::irfft2(&complex(&v[0], &v[1])?, None, None, bw)?]),
        &[x3.clone(), y3.clone()],
    );
    sweep(
        &mut s,
        "fftshift",
        &|v: &[Array]| Ok(vec![ops::fftshift(&v[0], None)?]),
        std::slice::from_ref(&x5),
    );
    sweep(
        &mut s,
        "ifftshift",
        &|v: &[Array]| Ok(vec![ops::ifftshift(&v[0], Some(&[-1]))?]),
        std::slice::from_ref(&x5),
    );
    s.finish();
}
