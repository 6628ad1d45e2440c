//! Function transforms: vjp against central finite differences (float64), jvp against vjp
//! (⟨jvp(t), c⟩ = ⟨t, vjp(c)⟩), vmap against a loop, plus the transforms' own rules
//! (higher order, eval inside a trace, threads, errors).

use rmlx::transforms::{grad, grad_n, jvp, value_and_grad, vjp, vmap};
use rmlx::{ops, Array, Error, Result};

mod common;
use common::sweep::{arr, to_f64, Fun, Sweep};

/// A named unary op and the interval its inputs are drawn from.
type UnaryCase = (&'static str, fn(&Array) -> Result<Array>, f64, f64);
/// A named binary op and the interval its inputs are drawn from.
type BinaryCase = (&'static str, fn(&Array, &Array) -> Result<Array>, f64, f64);

fn unary_cases() -> Vec<UnaryCase> {
    vec![
        ("abs", ops::abs, 0.2, 2.0),
        ("negative", ops::negative, -2.0, 2.0),
        ("sqrt", ops::sqrt, 0.5, 3.0),
        ("rsqrt", ops::rsqrt, 0.5, 3.0),
        ("square", ops::square, -2.0, 2.0),
        ("reciprocal", ops::reciprocal, 0.5, 2.0),
        ("exp", ops::exp, -2.0, 2.0),
        ("expm1", ops::expm1, -2.0, 2.0),
        ("log", ops::log, 0.5, 3.0),
        ("log2", ops::log2, 0.5, 3.0),
        ("log10", ops::log10, 0.5, 3.0),
        ("log1p", ops::log1p, -0.5, 3.0),
        ("sin", ops::sin, -3.0, 3.0),
        ("cos", ops::cos, -3.0, 3.0),
        ("tan", ops::tan, -1.2, 1.2),
        ("arcsin", ops::arcsin, -0.9, 0.9),
        ("arccos", ops::arccos, -0.9, 0.9),
        ("arctan", ops::arctan, -3.0, 3.0),
        ("sinh", ops::sinh, -2.0, 2.0),
        ("cosh", ops::cosh, -2.0, 2.0),
        ("tanh", ops::tanh, -2.0, 2.0),
        ("arcsinh", ops::arcsinh, -2.0, 2.0),
        ("arccosh", ops::arccosh, 1.2, 3.0),
        ("arctanh", ops::arctanh, -0.9, 0.9),
        ("sigmoid", ops::sigmoid, -3.0, 3.0),
        ("erf", ops::erf, -2.0, 2.0),
        // erfinv is MLX's float32 approximation even for float64 inputs (bit-exact with
        // MLX), so its finite differences differ from the exact derivative the rule uses;
        // `erfinv_rule_is_the_exact_derivative` checks it instead.
        ("floor", ops::floor, 0.1, 0.9),
    ]
}

#[test]
fn unary_rules_match_finite_differences_and_loops() {
    let mut s = Sweep::new("unary");
    for (i, (name, op, lo, hi)) in unary_cases().into_iter().enumerate() {
        let x = arr(&[3, 4], i as u64, lo, hi);
        let f = move |a: &[Array]| Ok(vec![op(&a[0])?]);
        // MLX computes erfinv in float32 even for float64 (and so does rmlx, to match).
        let (eps, rtol) = if name == "erfinv" {
            (1e-3, 1e-3)
        } else {
            (1e-6, 1e-5)
        };
        s.grads_with(name, &f, std::slice::from_ref(&x), eps, rtol);
        s.vmap(name, &f, std::slice::from_ref(&x), 1);
    }
    s.finish();
}

#[test]
fn erfinv_rule_is_the_exact_derivative() {
    let x = arr(&[5], 3, -0.9, 0.9);
    let g = grad(|a: &Array| ops::sum_all(&ops::erfinv(a)?, false))(&x).unwrap();
    let y = to_f64(&ops::erfinv(&x).unwrap());
    for (gi, yi) in to_f64(&g).iter().zip(y) {
        let want = std::f64::consts::PI.sqrt() / 2.0 * (yi * yi).exp();
        assert!((gi - want).abs() <= 1e-12 * want, "{gi} vs {want}");
    }
}

#[test]
fn astype_casts_the_cotangent_back() {
    let x = arr(&[3], 1, -1.0, 1.0);
    let g =
        grad(|a: &Array| ops::sum_all(&ops::astype(a, rmlx::Dtype::Float32)?, false))(&x).unwrap();
    assert_eq!(g.dtype(), rmlx::Dtype::Float64);
    assert_eq!(to_f64(&g), vec![1.0; 3]);
    // As in MLX, the cotangent of an integer cast is the float cotangent converted back.
    let g = grad(|a: &Array| {
        ops::sum_all(
            &ops::astype(
                &ops::multiply(a, &ops::scalar_like(2.0, a)?)?,
                rmlx::Dtype::Int32,
            )?,
            false,
        )
    })(&x)
    .unwrap();
    assert_eq!(to_f64(&g), vec![2.0; 3]);
}

#[test]
fn stop_gradient_has_zero_derivative() {
    let x = arr(&[3], 1, -1.0, 1.0);
    let g = grad(|a: &Array| ops::sum_all(&ops::multiply(&ops::stop_gradient(a)?, a)?, false))(&x)
        .unwrap();
    assert_eq!(to_f64(&g), to_f64(&x));
}

#[test]
fn binary_rules_match_finite_differences_and_loops() {
    let mut s = Sweep::new("binary");
    let cases: Vec<BinaryCase> = vec![
        ("add", ops::add, -2.0, 2.0),
        ("subtract", ops::subtract, -2.0, 2.0),
        ("multiply", ops::multiply, -2.0, 2.0),
        ("divide", ops::divide, 0.5, 2.0),
        ("power", ops::power, 0.5, 2.0),
        ("maximum", ops::maximum, -2.0, 2.0),
        ("minimum", ops::minimum, -2.0, 2.0),
        ("logaddexp", ops::logaddexp, -2.0, 2.0),
        ("arctan2", ops::arctan2, 0.5, 2.0),
        ("remainder", ops::remainder, 0.3, 2.0),
    ];
    for (i, (name, op, lo, hi)) in cases.into_iter().enumerate() {
        let a = arr(&[2, 3], 10 + i as u64, lo, hi);
        let b = arr(&[2, 3], 20 + i as u64, lo, hi);
        let f = move |x: &[Array]| Ok(vec![op(&x[0], &x[1])?]);
        s.grads(name, &f, &[a.clone(), b.clone()]);
        s.vmap(name, &f, &[a.clone(), b.clone()], 0);
        // Broadcasting: the Broadcast rule sums the cotangent back.
        let row = arr(&[3], 30 + i as u64, lo, hi);
        s.grads(&format!("{name} broadcast"), &f, &[a.clone(), row]);
    }
    s.finish();
}

#[test]
fn reduction_rules_match_finite_differences_and_loops() {
    let mut s = Sweep::new("reductions");
    let x = arr(&[3, 4, 2], 5, -2.0, 2.0);
    let cases: Vec<(&str, Box<Fun>)> = vec![
        (
            "sum",
            Box::new(|a: &[Array]| Ok(vec![ops::sum(&a[0], &[1], false)?])),
        ),
        (
            "sum keepdims",
            Box::new(|a: &[Array]| Ok(vec![ops::sum(&a[0], &[0, 2], true)?])),
        ),
        (
            "prod",
            Box::new(|a: &[Array]| Ok(vec![ops::prod(&a[0], &[1], false)?])),
        ),
        (
            "max",
            Box::new(|a: &[Array]| Ok(vec![ops::max(&a[0], &[2], false)?])),
        ),
        (
            "min",
            Box::new(|a: &[Array]| Ok(vec![ops::min(&a[0], &[0, 1], false)?])),
        ),
        (
            "mean",
            Box::new(|a: &[Array]| Ok(vec![ops::mean(&a[0], &[1, 2], false)?])),
        ),
        (
            "var",
            Box::new(|a: &[Array]| Ok(vec![ops::var(&a[0], &[1], false, 1)?])),
        ),
        (
            "std",
            Box::new(|a: &[Array]| Ok(vec![ops::std(&a[0], &[2], true, 0)?])),
        ),
        (
            "logsumexp",
            Box::new(|a: &[Array]| Ok(vec![ops::logsumexp(&a[0], &[1], false)?])),
        ),
        (
            "softmax",
            Box::new(|a: &[Array]| Ok(vec![ops::softmax(&a[0], &[-1], false)?])),
        ),
        (
            "softmax 2 axes",
            Box::new(|a: &[Array]| Ok(vec![ops::softmax(&a[0], &[0, 2], false)?])),
        ),
        (
            "cumsum",
            Box::new(|a: &[Array]| Ok(vec![ops::cumsum(&a[0], Some(1), false, true)?])),
        ),
        (
            "cumsum reverse exclusive",
            Box::new(|a: &[Array]| Ok(vec![ops::cumsum(&a[0], Some(0), true, false)?])),
        ),
        (
            "sort",
            Box::new(|a: &[Array]| Ok(vec![ops::sort(&a[0], Some(1))?])),
        ),
        (
            "partition",
            Box::new(|a: &[Array]| Ok(vec![ops::partition(&a[0], 1, Some(1))?])),
        ),
    ];
    for (name, f) in &cases {
        s.grads(name, f.as_ref(), std::slice::from_ref(&x));
        s.vmap(name, f.as_ref(), std::slice::from_ref(&x), 2);
    }
    // A product with a zero still has the exact gradient (products of the others).
    let z = Array::from_slice(&[2.0f64, 0.0, 3.0, 4.0], &[4]).unwrap();
    let g = grad(|a: &Array| ops::prod(a, &[0], false))(&z).unwrap();
    assert_eq!(g.to_vec::<f64>().unwrap(), vec![0.0, 24.0, 0.0, 0.0]);
    s.finish();
}

#[test]
fn shape_and_product_rules_match_finite_differences_and_loops() {
    let mut s = Sweep::new("shape");
    let x = arr(&[2, 3, 4], 6, -2.0, 2.0);
    let cases: Vec<(&str, Box<Fun>)> = vec![
        (
            "transpose",
            Box::new(|a: &[Array]| Ok(vec![ops::transpose_axes(&a[0], &[2, 0, 1])?])),
        ),
        (
            "reshape",
            Box::new(|a: &[Array]| Ok(vec![ops::reshape(&a[0], &[6, 4])?])),
        ),
        (
            "expand/squeeze",
            Box::new(|a: &[Array]| Ok(vec![ops::squeeze(&ops::expand_dims(&a[0], &[1])?)?])),
        ),
        (
            "slice",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::slice(
                    &a[0],
                    &[0, 2, 3],
                    &[2, 0, 0],
                    &[1, -1, -2],
                )?])
            }),
        ),
        (
            "split",
            Box::new(|a: &[Array]| Ok(vec![ops::split(&a[0], 2, 2)?.remove(1)])),
        ),
        (
            "concatenate",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::concatenate(
                    &[a[0].clone(), ops::exp(&a[0])?],
                    1,
                )?])
            }),
        ),
        (
            "broadcast",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::broadcast_to(
                    &ops::sum(&a[0], &[0], true)?,
                    &[3, 2, 3, 4],
                )?])
            }),
        ),
        (
            "where",
            Box::new(|a: &[Array]| {
                let c = ops::greater(&a[0], &ops::scalar_like(0.0, &a[0])?)?;
                Ok(vec![ops::where_(
                    &c,
                    &ops::sin(&a[0])?,
                    &ops::square(&a[0])?,
                )?])
            }),
        ),
        (
            "take",
            Box::new(|a: &[Array]| {
                let idx = Array::from_slice(&[2i32, 0, 2, 1], &[2, 2])?;
                Ok(vec![ops::take(&a[0], &idx, Some(1))?])
            }),
        ),
        (
            "take_along_axis",
            Box::new(|a: &[Array]| {
                let idx = ops::argsort(&a[0], Some(2))?;
                Ok(vec![ops::take_along_axis(&a[0], &idx, Some(2))?])
            }),
        ),
        (
            "matmul",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::matmul(
                    &a[0],
                    &ops::transpose_axes(&a[0], &[0, 2, 1])?,
                )?])
            }),
        ),
        (
            "matmul vector",
            Box::new(|a: &[Array]| {
                let v = Array::from_slice(&[0.5f64, -1.0, 2.0, 0.25], &[4])?;
                Ok(vec![ops::matmul(&a[0], &v)?])
            }),
        ),
    ];
    for (name, f) in &cases {
        s.grads(name, f.as_ref(), std::slice::from_ref(&x));
        s.vmap(name, f.as_ref(), std::slice::from_ref(&x), 0);
    }
    // Two operands of matmul, one a row vector.
    let a = arr(&[3], 1, -1.0, 1.0);
    let b = arr(&[3, 5], 2, -1.0, 1.0);
    let f = |x: &[Array]| Ok(vec![ops::matmul(&x[0], &x[1])?]);
    s.grads("vector @ matrix", &f, &[a, b]);
    s.finish();
}

#[test]
fn grad_of_grad_and_value_and_grad_with_aux() {
    // d²/dx² sin(x) = -sin(x)
    let x = arr(&[5], 3, -2.0, 2.0);
    let d2 = grad(|a: &Array| {
        ops::sum_all(
            &grad(|b: &Array| ops::sum_all(&ops::sin(b)?, false))(a)?,
            false,
        )
    });
    let got = to_f64(&d2(&x).unwrap());
    let want = to_f64(&ops::negative(&ops::sin(&x).unwrap()).unwrap());
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-12);
    }
    // value_and_grad: loss first, auxiliary outputs returned, gradients of the loss only.
    let vg = value_and_grad(
        |a: &[Array]| {
            Ok(vec![
                ops::sum_all(&ops::multiply(&a[0], &a[1])?, false)?,
                ops::exp(&a[0])?,
            ])
        },
        &[1],
    );
    let a = arr(&[3], 4, -1.0, 1.0);
    let b = arr(&[3], 5, -1.0, 1.0);
    let (vals, grads) = vg(&[a.clone(), b]).unwrap();
    assert_eq!(vals.len(), 2);
    assert_eq!(grads.len(), 1);
    assert_eq!(to_f64(&grads[0]), to_f64(&a));
    // An argument the loss ignores gets zeros.
    let g = grad_n(|a: &[Array]| ops::sum_all(&a[0], false), &[0, 1])(&[
        arr(&[2], 1, 0.0, 1.0),
        arr(&[3], 2, 0.0, 1.0),
    ])
    .unwrap();
    assert_eq!(to_f64(&g[1]), vec![0.0; 3]);
}

#[test]
fn eval_inside_a_traced_function_keeps_the_graph() {
    let x = arr(&[4], 8, -1.0, 1.0);
    let g = grad(|a: &Array| {
        let y = ops::exp(a)?;
        y.eval()?; // evaluated mid-trace: the transform still walks through it
        ops::sum_all(&ops::multiply(&y, a)?, false)
    })(&x)
    .unwrap();
    // d/dx x·eˣ = eˣ (1 + x)
    let xs = to_f64(&x);
    for (g, x) in to_f64(&g).iter().zip(xs) {
        assert!((g - x.exp() * (1.0 + x)).abs() < 1e-12);
    }
}

#[test]
fn transforms_run_concurrently_on_threads() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let x = arr(&[64], i, -1.0, 1.0);
                for _ in 0..20 {
                    let g = grad(|a: &Array| ops::sum_all(&ops::square(a)?, false))(&x).unwrap();
                    let want: Vec<f64> = to_f64(&x).iter().map(|v| 2.0 * v).collect();
                    assert_eq!(to_f64(&g), want);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn vmap_axes_broadcasting_and_nesting() {
    let x = arr(&[3, 4], 1, -1.0, 1.0);
    let y = arr(&[4], 2, -1.0, 1.0);
    // Unmapped second input; output stacked along axis 1.
    let out = vmap(
        |a: &[Array]| Ok(vec![ops::multiply(&a[0], &a[1])?]),
        &[x.clone(), y.clone()],
        &[Some(0), None],
        &[1],
    )
    .unwrap();
    assert_eq!(out[0].shape(), &[4, 3]);
    let want = ops::transpose(&ops::multiply(&x, &y).unwrap()).unwrap();
    assert_eq!(to_f64(&out[0]), to_f64(&want));
    // An output that does not depend on the mapped input is broadcast.
    let out = vmap(
        |_: &[Array]| Ok(vec![ops::ones(&[2], rmlx::Dtype::Float32)?]),
        std::slice::from_ref(&x),
        &[Some(0)],
        &[0],
    )
    .unwrap();
    assert_eq!(out[0].shape(), &[3, 2]);
    // Nested: an outer product by two vmaps.
    let a = arr(&[3], 3, -1.0, 1.0);
    let b = arr(&[5], 4, -1.0, 1.0);
    let outer = vmap(
        |p: &[Array]| {
            let pa = p[0].clone();
            vmap(
                move |q: &[Array]| Ok(vec![ops::multiply(&pa, &q[0])?]),
                &[p[1].clone()],
                &[Some(0)],
                &[0],
            )
        },
        &[a.clone(), b.clone()],
        &[Some(0), None],
        &[0],
    )
    .unwrap();
    assert_eq!(outer[0].shape(), &[3, 5]);
    let want = ops::multiply(&ops::reshape(&a, &[3, 1]).unwrap(), &b).unwrap();
    assert_eq!(to_f64(&outer[0]), to_f64(&want));
    // vmap of grad: per-example gradients.
    let xs = arr(&[4, 3], 9, -1.0, 1.0);
    let per = vmap(
        |p: &[Array]| {
            Ok(vec![grad(|v: &Array| ops::sum_all(&ops::sin(v)?, false))(
                &p[0],
            )?])
        },
        std::slice::from_ref(&xs),
        &[Some(0)],
        &[0],
    )
    .unwrap();
    let want = to_f64(&ops::cos(&xs).unwrap());
    for (g, w) in to_f64(&per[0]).iter().zip(&want) {
        assert!((g - w).abs() < 1e-12);
    }
}

#[test]
fn errors_match_mlx() {
    let x = arr(&[2], 1, 0.0, 1.0);
    // A non-scalar function: the cotangent shape check, with MLX's message.
    let e = grad(|a: &Array| ops::multiply(a, a))(&x).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidArgument("[vjp] Output shape (2) does not match cotangent shape ().".into())
    );
    let e = grad_n(|a: &[Array]| ops::sum_all(&a[0], false), &[3])(std::slice::from_ref(&x))
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument(m) if m.starts_with("[grad] Can't compute the gradient of argument index 3"))
    );
    let e = grad_n(|a: &[Array]| ops::sum_all(&a[0], false), &[0, 0])(std::slice::from_ref(&x))
        .unwrap_err();
    assert_eq!(
        e,
        Error::InvalidArgument("[grad] Duplicate argument index 0 is not allowed.".into())
    );
    let e = jvp(
        |a: &[Array]| Ok(a.to_vec()),
        std::slice::from_ref(&x),
        &[arr(&[3], 1, 0.0, 1.0)],
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::InvalidArgument("[jvp] Input shape does not match shape of tangent.".into())
    );
    let e = vmap(
        |a: &[Array]| Ok(a.to_vec()),
        &[Array::scalar(1.0f32)],
        &[Some(0)],
        &[0],
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::Index("[vmap] Invalid vectorization axis 0 for array with shape ()".into())
    );
    let e = vmap(
        |a: &[Array]| Ok(a.to_vec()),
        &[x.clone(), arr(&[3], 1, 0.0, 1.0)],
        &[Some(0), Some(0)],
        &[0],
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::InvalidArgument("[vmap] Inconsistent axis sizes: 2 and 3.".into())
    );
    // A primitive without a rule names itself rather than giving a wrong gradient.
    let i = Array::from_slice(&[1i32], &[1]).unwrap();
    let e = jvp(
        |a: &[Array]| {
            let u = ops::reshape(&a[0], &[1, 1])?;
            Ok(vec![ops::scatter_prod(
                &ops::zeros(&[2], rmlx::Dtype::Float64)?,
                std::slice::from_ref(&i),
                &u,
                &[0],
            )?])
        },
        &[arr(&[1], 3, 0.0, 1.0)],
        &[arr(&[1], 4, 0.0, 1.0)],
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::NotImplemented(m) if m.starts_with("[ScatterProd] The jvp transform"))
    );
}

fn idx(v: &[i32], shape: &[i32]) -> Array {
    Array::from_slice(v, shape).unwrap()
}

/// The op-set primitives: fused products, structural ops, pads, rolls, strided views,
/// scans, scatters. Index arrays are captured (in range), only floating inputs vary.
#[test]
fn op_set_rules_match_finite_differences_and_loops() {
    let mut s = Sweep::new("op_set");
    use rmlx::ops::PadMode;
    let cases: Vec<(&str, Box<Fun>, Vec<Array>)> = vec![
        (
            "addmm",
            Box::new(|a: &[Array]| Ok(vec![ops::addmm(&a[0], &a[1], &a[2], 0.5, 2.0)?])),
            vec![
                arr(&[2, 4], 1, -1.0, 1.0),
                arr(&[2, 3], 2, -1.0, 1.0),
                arr(&[3, 4], 3, -1.0, 1.0),
            ],
        ),
        (
            "addmm vector",
            Box::new(|a: &[Array]| Ok(vec![ops::addmm(&a[0], &a[1], &a[2], -1.5, 0.25)?])),
            vec![
                arr(&[4], 1, -1.0, 1.0),
                arr(&[3], 2, -1.0, 1.0),
                arr(&[3, 4], 3, -1.0, 1.0),
            ],
        ),
        (
            "gather_mm",
            Box::new(|a: &[Array]| {
                let (l, r) = (idx(&[2, 0, 1, 2], &[4]), idx(&[1, 1, 0, 0], &[4]));
                Ok(vec![ops::gather_mm(
                    &a[0],
                    &a[1],
                    Some(&l),
                    Some(&r),
                    false,
                )?])
            }),
            vec![arr(&[3, 2, 3], 4, -1.0, 1.0), arr(&[2, 3, 2], 5, -1.0, 1.0)],
        ),
        (
            "segmented_mm",
            Box::new(|a: &[Array]| {
                let seg = idx(&[0, 2, 2, 5, 1, 1, 3, 1], &[4, 2]);
                Ok(vec![ops::segmented_mm(&a[0], &a[1], &seg)?])
            }),
            vec![arr(&[2, 5], 6, -1.0, 1.0), arr(&[5, 3], 7, -1.0, 1.0)],
        ),
        (
            "block_masked_mm",
            Box::new(|a: &[Array]| {
                let out = Array::from_slice(&[true, false], &[2, 1])?;
                let lhs = Array::from_slice(&[0.5f32, 2.0], &[2, 1])?;
                Ok(vec![ops::block_masked_mm(
                    &a[0],
                    &a[1],
                    32,
                    Some(&out),
                    Some(&lhs),
                    None,
                )?])
            }),
            vec![arr(&[33, 2], 8, -1.0, 1.0), arr(&[2, 3], 9, -1.0, 1.0)],
        ),
        (
            "diagonal",
            Box::new(|a: &[Array]| Ok(vec![ops::diagonal(&a[0], 1, 2, 0)?])),
            vec![arr(&[3, 2, 4], 10, -1.0, 1.0)],
        ),
        (
            "trace",
            Box::new(|a: &[Array]| Ok(vec![ops::trace(&a[0], -1, 0, 1, None)?])),
            vec![arr(&[4, 3, 2], 11, -1.0, 1.0)],
        ),
        (
            "dynamic_slice",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::dynamic_slice(
                    &a[0],
                    &idx(&[1, 2], &[2]),
                    &[0, 1],
                    &[2, 3],
                )?])
            }),
            vec![arr(&[4, 5], 12, -1.0, 1.0)],
        ),
        (
            "dynamic_slice_update",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::dynamic_slice_update(
                    &a[0],
                    &a[1],
                    &idx(&[2], &[1]),
                    &[1],
                )?])
            }),
            vec![arr(&[4, 5], 13, -1.0, 1.0), arr(&[4, 2], 14, -1.0, 1.0)],
        ),
        (
            "pad constant",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::pad(
                    &a[0],
                    &[(1, 2), (0, 1)],
                    &a[1],
                    PadMode::Constant,
                )?])
            }),
            vec![arr(&[3, 2], 15, -1.0, 1.0), arr(&[], 16, -1.0, 1.0)],
        ),
        (
            "pad edge",
            Box::new(|a: &[Array]| {
                let z = ops::zeros(&[], rmlx::Dtype::Float64)?;
                Ok(vec![ops::pad(&a[0], &[(2, 1), (3, 0)], &z, PadMode::Edge)?])
            }),
            vec![arr(&[3, 2], 17, -1.0, 1.0)],
        ),
        (
            "pad reflect",
            Box::new(|a: &[Array]| {
                let z = ops::zeros(&[], rmlx::Dtype::Float64)?;
                Ok(vec![ops::pad(
                    &a[0],
                    &[(2, 3), (1, 1)],
                    &z,
                    PadMode::Reflect,
                )?])
            }),
            vec![arr(&[3, 2], 18, -1.0, 1.0)],
        ),
        (
            "pad symmetric",
            Box::new(|a: &[Array]| {
                let z = ops::zeros(&[], rmlx::Dtype::Float64)?;
                Ok(vec![ops::pad(
                    &a[0],
                    &[(4, 2), (0, 3)],
                    &z,
                    PadMode::Symmetric,
                )?])
            }),
            vec![arr(&[3, 2], 19, -1.0, 1.0)],
        ),
        (
            "roll",
            Box::new(|a: &[Array]| Ok(vec![ops::roll(&a[0], &[2, -1], Some(&[0, 1]))?])),
            vec![arr(&[3, 4], 20, -1.0, 1.0)],
        ),
        (
            "as_strided overlapping",
            Box::new(|a: &[Array]| {
                Ok(vec![ops::as_strided(
                    &a[0],
                    Some(&[3, 4]),
                    Some(&[2, 1]),
                    1,
                )?])
            }),
            vec![arr(&[12], 21, -1.0, 1.0)],
        ),
        (
            "view",
            // A same-kind view in the input's own float width (the identity on bits).
            Box::new(|a: &[Array]| Ok(vec![ops::view(&a[0], a[0].dtype())?])),
            vec![arr(&[3], 22, -1.0, 1.0)],
        ),
        (
            "cumprod with zeros",
            Box::new(|a: &[Array]| {
                let z = Array::from_slice(&[1.0, 1.0, 0.0, 1.0, 0.0, 1.0], &[6])?;
                Ok(vec![ops::cumprod(
                    &ops::multiply(&a[0], &z)?,
                    Some(0),
                    false,
                    true,
                )?])
            }),
            vec![arr(&[6], 23, 0.5, 2.0)],
        ),
        (
            "cumprod one zero reverse exclusive",
            Box::new(|a: &[Array]| {
                let z = Array::from_slice(&[1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0], &[2, 4])?;
                Ok(vec![ops::cumprod(
                    &ops::multiply(&a[0], &z)?,
                    Some(1),
                    true,
                    false,
                )?])
            }),
            vec![arr(&[2, 4], 24, 0.5, 2.0)],
        ),
        (
            "cumprod",
            Box::new(|a: &[Array]| Ok(vec![ops::cumprod(&a[0], Some(0), false, false)?])),
            vec![arr(&[4, 2], 25, 0.5, 2.0)],
        ),
        (
            "cummax",
            Box::new(|a: &[Array]| Ok(vec![ops::cummax(&a[0], Some(1), false, true)?])),
            vec![arr(&[2, 5], 26, -1.0, 1.0)],
        ),
        (
            "cummin reverse",
            Box::new(|a: &[Array]| Ok(vec![ops::cummin(&a[0], Some(0), true, true)?])),
            vec![arr(&[5, 2], 27, -1.0, 1.0)],
        ),
        (
            "logcumsumexp",
            Box::new(|a: &[Array]| Ok(vec![ops::logcumsumexp(&a[0], Some(1), false, true)?])),
            vec![arr(&[2, 4], 28, -1.0, 1.0)],
        ),
        (
            "logcumsumexp reverse",
            Box::new(|a: &[Array]| Ok(vec![ops::logcumsumexp(&a[0], Some(0), true, true)?])),
            vec![arr(&[4, 2], 29, -1.0, 1.0)],
        ),
        (
            "scatter_max",
            Box::new(|a: &[Array]| {
                let i = idx(&[0, 2, 3], &[3]);
                let u = ops::reshape(&a[1], &[3, 1, 2])?;
                Ok(vec![ops::scatter_max(&a[0], &[i], &u, &[0])?])
            }),
            vec![arr(&[4, 2], 30, -1.0, 1.0), arr(&[3, 2], 31, -1.0, 1.0)],
        ),
        (
            "put_along_axis",
            Box::new(|a: &[Array]| {
                let i = idx(&[2, 0], &[1, 2]);
                Ok(vec![ops::put_along_axis(&a[0], &i, &a[1], Some(1))?])
            }),
            vec![arr(&[3, 4], 32, -1.0, 1.0), arr(&[3, 2], 33, -1.0, 1.0)],
        ),
        (
            "depends",
            Box::new(|a: &[Array]| {
                Ok(vec![
                    ops::depends(&[ops::exp(&a[0])?], &[a[1].clone()])?.remove(0)
                ])
            }),
            vec![arr(&[3], 34, -1.0, 1.0), arr(&[2], 35, -1.0, 1.0)],
        ),
    ];
    for (name, f, inputs) in &cases {
        eprintln!("case {name}");
        s.grads(name, f.as_ref(), inputs);
        s.vmap(name, f.as_ref(), inputs, 0);
        if inputs.iter().all(|x| x.ndim() >= 1) {
            s.vmap(name, f.as_ref(), inputs, 1);
        }
    }
    s.finish();
}

/// The Hadamard transform is symmetric: its vjp and jvp are the transform itself, and
/// under vmap a batch axis at the end moves away from the transformed axis.
#[test]
fn hadamard_and_search_rules() {
    let x = ops::astype(&arr(&[3, 8], 40, -1.0, 1.0), rmlx::Dtype::Float32).unwrap();
    let c = ops::astype(&arr(&[3, 8], 41, -1.0, 1.0), rmlx::Dtype::Float32).unwrap();
    let f = |a: &[Array]| Ok(vec![ops::hadamard_transform(&a[0], Some(0.5))?]);
    let (_, g) = vjp(f, std::slice::from_ref(&x), std::slice::from_ref(&c)).unwrap();
    let want = ops::hadamard_transform(&c, Some(0.5)).unwrap();
    assert!(ops::allclose(&g[0], &want, 1e-5, 1e-6, false)
        .unwrap()
        .item::<bool>()
        .unwrap());
    let (_, t) = jvp(f, std::slice::from_ref(&x), std::slice::from_ref(&c)).unwrap();
    assert!(ops::allclose(&t[0], &want, 1e-5, 1e-6, false)
        .unwrap()
        .item::<bool>()
        .unwrap());
    for axis in [0, 1] {
        let xt = if axis == 1 {
            ops::transpose(&x).unwrap()
        } else {
            x.clone()
        };
        let got = vmap(f, &[xt], &[Some(axis)], &[0]).unwrap().remove(0);
        let want = ops::hadamard_transform(&x, Some(0.5)).unwrap();
        assert!(ops::allclose(&got, &want, 1e-5, 1e-6, false)
            .unwrap()
            .item::<bool>()
            .unwrap());
    }
    // searchsorted: zero gradient, vmap over the values only.
    let seq = Array::from_slice(&[0.0, 1.0, 2.0, 3.0], &[4]).unwrap();
    let vals = arr(&[3, 2], 42, -1.0, 4.0);
    let g = grad(|a: &Array| {
        ops::sum_all(
            &ops::astype(&ops::searchsorted(a, &vals, "left")?, rmlx::Dtype::Float64)?,
            false,
        )
    })(&seq)
    .unwrap();
    assert_eq!(to_f64(&g), vec![0.0; 4]);
    let got = vmap(
        |a: &[Array]| Ok(vec![ops::searchsorted(&seq, &a[0], "right")?]),
        std::slice::from_ref(&vals),
        &[Some(0)],
        &[0],
    )
    .unwrap()
    .remove(0);
    let want = ops::searchsorted(&seq, &vals, "right").unwrap();
    assert_eq!(to_f64(&got), to_f64(&want));
    let err = vmap(
        |a: &[Array]| Ok(vec![ops::searchsorted(&a[0], &vals, "right")?]),
        &[ops::stack(&[seq.clone(), seq.clone()], 0).unwrap()],
        &[Some(0)],
        &[0],
    );
    assert!(matches!(err, Err(Error::InvalidArgument(_))));
    // View across dtype kinds has no derivative (MLX raises); scatter_prod has no vjp.
    let v = grad(|a: &Array| {
        ops::sum_all(
            &ops::astype(&ops::view(a, rmlx::Dtype::Int64)?, rmlx::Dtype::Float64)?,
            false,
        )
    })(&seq);
    assert!(matches!(v, Err(Error::InvalidArgument(_))));
}

/// Random bits under vmap: one draw per key, equal to a loop over the keys.
#[test]
fn random_vmap_over_keys() {
    let keys = rmlx::random::split(&rmlx::random::key(3), 4).unwrap();
    let f = |k: &[Array]| Ok(vec![rmlx::random::bits(&[5], 4, Some(&k[0]))?]);
    let got = vmap(f, std::slice::from_ref(&keys), &[Some(0)], &[0])
        .unwrap()
        .remove(0);
    for b in 0..4 {
        let k = ops::squeeze_axes(
            &ops::slice(&keys, &[b, 0], &[b + 1, 2], &[1, 1]).unwrap(),
            &[0],
        )
        .unwrap();
        let want = rmlx::random::bits(&[5], 4, Some(&k)).unwrap();
        let row = ops::squeeze_axes(
            &ops::slice(&got, &[b, 0], &[b + 1, 5], &[1, 1]).unwrap(),
            &[0],
        )
        .unwrap();
        assert_eq!(row.to_vec::<u32>().unwrap(), want.to_vec::<u32>().unwrap());
    }
}
