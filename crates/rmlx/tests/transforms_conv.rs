//! The Convolution primitive's rules in the transform sweep: vjp against central finite
//! differences (float64), jvp against vjp, vmap against a loop, over every parameter of the
//! convolution (stride, symmetric / asymmetric / negative padding, kernel and input dilation,
//! groups, flip) and the transposed convolutions and `convolve` built on it; plus the
//! second-order gradient and vmap with only one operand batched.

mod common;
use common::sweep::{arr, to_f64, Sweep};
use rmlx::transforms::{grad, vmap};
use rmlx::{ops, Array, Result};

type Conv = Box<dyn Fn(&Array, &Array) -> Result<Array>>;

/// (name, input shape, weight shape, the convolution).
fn cases() -> Vec<(&'static str, Vec<i32>, Vec<i32>, Conv)> {
    vec![
        (
            "conv1d",
            vec![2, 7, 3],
            vec![4, 3, 3],
            Box::new(|x, w| ops::conv1d(x, w, 1, 0, 1, 1)),
        ),
        (
            "conv1d/stride-pad",
            vec![2, 9, 2],
            vec![3, 3, 2],
            Box::new(|x, w| ops::conv1d(x, w, 2, 2, 1, 1)),
        ),
        (
            "conv1d/dilation",
            vec![1, 9, 2],
            vec![2, 3, 2],
            Box::new(|x, w| ops::conv1d(x, w, 1, 1, 2, 1)),
        ),
        (
            "conv1d/groups",
            vec![2, 8, 4],
            vec![6, 3, 2],
            Box::new(|x, w| ops::conv1d(x, w, 2, 1, 1, 2)),
        ),
        (
            "conv1d/depthwise",
            vec![1, 6, 3],
            vec![3, 2, 1],
            Box::new(|x, w| ops::conv1d(x, w, 1, 1, 1, 3)),
        ),
        (
            "conv1d/pad-beyond-kernel",
            vec![1, 5, 2],
            vec![2, 2, 2],
            Box::new(|x, w| ops::conv1d(x, w, 3, 4, 1, 1)),
        ),
        (
            "conv2d",
            vec![1, 5, 4, 2],
            vec![3, 3, 2, 2],
            Box::new(|x, w| ops::conv2d(x, w, (1, 1), (1, 0), (1, 1), 1)),
        ),
        (
            "conv2d/strides-dilation",
            vec![2, 7, 6, 2],
            vec![2, 2, 3, 2],
            Box::new(|x, w| ops::conv2d(x, w, (2, 3), (1, 2), (2, 1), 1)),
        ),
        (
            "conv2d/groups",
            vec![1, 5, 5, 4],
            vec![4, 3, 3, 2],
            Box::new(|x, w| ops::conv2d(x, w, (2, 2), (1, 1), (1, 1), 2)),
        ),
        (
            "conv3d",
            vec![1, 4, 3, 4, 2],
            vec![2, 2, 2, 3, 2],
            Box::new(|x, w| ops::conv3d(x, w, (2, 1, 1), (1, 0, 1), (1, 1, 2), 1)),
        ),
        (
            "conv_general/asym-pad",
            vec![2, 6, 2],
            vec![3, 3, 2],
            Box::new(|x, w| ops::conv_general(x, w, &[1], &[2], &[0], &[1], &[1], 1, false)),
        ),
        (
            "conv_general/neg-pad",
            vec![1, 6, 5, 2],
            vec![2, 2, 2, 2],
            Box::new(|x, w| {
                ops::conv_general(x, w, &[1, 2], &[-1, 1], &[0, -1], &[1], &[1], 1, false)
            }),
        ),
        (
            "conv_general/input-dilation",
            vec![1, 5, 2],
            vec![2, 3, 2],
            Box::new(|x, w| ops::conv_general(x, w, &[2], &[1], &[2], &[1], &[3], 1, false)),
        ),
        (
            "conv_general/flip",
            vec![2, 6, 4],
            vec![2, 3, 2],
            Box::new(|x, w| ops::conv_general(x, w, &[2], &[1], &[0], &[2], &[1], 2, true)),
        ),
        (
            "conv_general/2d-all",
            vec![1, 5, 6, 2],
            vec![2, 2, 3, 1],
            Box::new(|x, w| {
                ops::conv_general(x, w, &[2, 1], &[1, 2], &[0, 1], &[1, 2], &[2, 1], 2, true)
            }),
        ),
        (
            "conv_transpose1d",
            vec![2, 4, 3],
            vec![2, 3, 3],
            Box::new(|x, w| ops::conv_transpose1d(x, w, 2, 1, 1, 1, 1)),
        ),
        (
            "conv_transpose2d/groups",
            vec![1, 3, 3, 4],
            vec![2, 2, 3, 2],
            Box::new(|x, w| ops::conv_transpose2d(x, w, (2, 1), (0, 1), (1, 2), (1, 0), 2)),
        ),
        (
            "conv_transpose3d",
            vec![1, 2, 3, 2, 2],
            vec![2, 2, 2, 2, 2],
            Box::new(|x, w| {
                ops::conv_transpose3d(x, w, (2, 1, 2), (0, 0, 1), (1, 1, 1), (1, 0, 0), 1)
            }),
        ),
    ]
}

#[test]
fn conv_rules() {
    let mut s = Sweep::new("conv");
    for (i, (name, xs, ws, conv)) in cases().into_iter().enumerate() {
        let x = arr(&xs, 2 * i as u64, -1.0, 1.0);
        let w = arr(&ws, 2 * i as u64 + 1, -1.0, 1.0);
        let f = move |v: &[Array]| Ok(vec![conv(&v[0], &v[1])?]);
        s.grads(name, &f, &[x.clone(), w.clone()]);
        s.vmap(name, &f, &[x, w], 0);
    }
    for mode in ["full", "same", "valid"] {
        let f = move |v: &[Array]| Ok(vec![ops::convolve(&v[0], &v[1], mode)?]);
        let (a, v) = (arr(&[7], 40, -1.0, 1.0), arr(&[3], 41, -1.0, 1.0));
        s.grads(mode, &f, &[a.clone(), v.clone()]);
        s.vmap(mode, &f, &[a, v], 0);
    }
    s.finish();
}

fn close(a: &Array, b: &Array, tol: f64) {
    assert_eq!(a.shape(), b.shape());
    for (x, y) in to_f64(a).iter().zip(to_f64(b)) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{x} vs {y}");
    }
}

#[test]
fn second_order_matches_finite_differences() {
    let x = arr(&[1, 6, 2], 1, -1.0, 1.0);
    let w = arr(&[2, 3, 2], 2, -1.0, 1.0);
    // d/dw of sum(grad_x(sum(conv(x, w)^2))^2)
    let outer = |w: &Array| -> Result<Array> {
        let inner = |x: &Array| ops::sum_all(&ops::square(&ops::conv1d(x, w, 2, 1, 1, 1)?)?, false);
        ops::sum_all(&ops::square(&grad(inner)(&x)?)?, false)
    };
    let g = grad(outer)(&w).unwrap();
    let base = to_f64(&w);
    let eps = 1e-5;
    let mut fd = Vec::new();
    for i in 0..base.len() {
        let bump = |d: f64| {
            let mut v = base.clone();
            v[i] += d;
            outer(&Array::from_slice(&v, w.shape()).unwrap())
                .unwrap()
                .item::<f64>()
                .unwrap()
        };
        fd.push((bump(eps) - bump(-eps)) / (2.0 * eps));
    }
    close(&g, &Array::from_slice(&fd, w.shape()).unwrap(), 1e-5);
}

#[test]
fn vmap_with_one_operand_batched() {
    let x = arr(&[3, 2, 7, 4], 5, -1.0, 1.0); // batch of 3 inputs
    let w = arr(&[3, 6, 3, 2], 6, -1.0, 1.0); // batch of 3 weights
    let conv = |x: &Array, w: &Array| ops::conv1d(x, w, 2, 1, 1, 2);
    let take =
        |a: &Array, i: i32| ops::take(a, &Array::from_slice(&[i], &[]).unwrap(), Some(0)).unwrap();
    // Input batched only.
    let w0 = take(&w, 0);
    let got = vmap(
        |v: &[Array]| Ok(vec![conv(&v[0], &w0)?]),
        std::slice::from_ref(&x),
        &[Some(0)],
        &[0],
    )
    .unwrap();
    let want: Vec<Array> = (0..3).map(|i| conv(&take(&x, i), &w0).unwrap()).collect();
    close(&got[0], &ops::stack(&want, 0).unwrap(), 1e-12);
    // Weight batched only (through groups), on its axis 1.
    let x0 = take(&x, 0);
    let wt = ops::swapaxes(&w, 0, 1).unwrap();
    let got = vmap(
        |v: &[Array]| Ok(vec![conv(&x0, &v[0])?]),
        &[wt],
        &[Some(1)],
        &[0],
    )
    .unwrap();
    let want: Vec<Array> = (0..3).map(|i| conv(&x0, &take(&w, i)).unwrap()).collect();
    close(&got[0], &ops::stack(&want, 0).unwrap(), 1e-12);
}
