//! `CustomFunction` rules and `checkpoint`, including the memory checkpointing saves.

use rmlx::transforms::{checkpoint, grad, jvp, vjp, vmap, CustomFunction};
use rmlx::{memory, ops, Array, Result};
use std::sync::Arc;

fn vec_of(a: &Array) -> Vec<f32> {
    a.to_vec::<f32>().unwrap()
}

fn exp_fn() -> CustomFunction {
    CustomFunction::new(Arc::new(|x: &[Array]| Ok(vec![ops::exp(&x[0])?])))
}

#[test]
fn custom_rules_replace_the_function_s_own() {
    let x = Array::from_slice(&[0.0f32, 1.0], &[2]).unwrap();
    let f = exp_fn()
        .with_vjp(Arc::new(|_p: &[Array], c: &[Array], _o: &[Array]| {
            Ok(vec![ops::full_like(&c[0], 7.0f32, None)?])
        }))
        .with_jvp(Arc::new(|_p: &[Array], t: &[Array]| {
            Ok(vec![ops::multiply(&t[0], &Array::scalar(3.0f32))?])
        }))
        .with_vmap(Arc::new(|x: &[Array], axes: &[Option<i32>]| {
            Ok((vec![ops::negative(&x[0])?], axes.to_vec()))
        }));
    // The forward value is the function's.
    assert_eq!(
        vec_of(&f.call(std::slice::from_ref(&x)).unwrap()[0]),
        vec![1.0, 1.0f32.exp()]
    );
    let f2 = f.clone();
    let g = grad(move |a: &Array| ops::sum_all(&f2.call(std::slice::from_ref(a))?[0], false))(&x)
        .unwrap();
    assert_eq!(vec_of(&g), vec![7.0, 7.0]);
    let f3 = f.clone();
    let (_, t) = jvp(
        move |a: &[Array]| f3.call(a),
        std::slice::from_ref(&x),
        &[ops::ones_like(&x).unwrap()],
    )
    .unwrap();
    assert_eq!(vec_of(&t[0]), vec![3.0, 3.0]);
    let f4 = f.clone();
    let v = vmap(
        move |a: &[Array]| f4.call(a),
        std::slice::from_ref(&x),
        &[Some(0)],
        &[0],
    )
    .unwrap();
    assert_eq!(vec_of(&v[0]), vec![-0.0, -1.0]);
}

#[test]
fn without_rules_the_function_itself_is_transformed() {
    let x = Array::from_slice(&[0.5f32, -1.0, 2.0], &[3]).unwrap();
    let f = exp_fn();
    let g = grad(move |a: &Array| ops::sum_all(&f.call(std::slice::from_ref(a))?[0], false))(&x)
        .unwrap();
    let want: Vec<f32> = vec_of(&x).iter().map(|v| v.exp()).collect();
    for (g, w) in vec_of(&g).iter().zip(want) {
        assert!((g - w).abs() <= 1e-6 * w.abs());
    }
    // Second order through the fallback.
    let f = exp_fn();
    let d2 = grad(move |a: &Array| {
        let f = f.clone();
        ops::sum_all(
            &grad(move |b: &Array| ops::sum_all(&f.call(std::slice::from_ref(b))?[0], false))(a)?,
            false,
        )
    })(&x)
    .unwrap();
    for (g, v) in vec_of(&d2).iter().zip(vec_of(&x)) {
        assert!((g - v.exp()).abs() <= 1e-5 * v.exp());
    }
    // vjp of a two-output custom function with one cotangent each.
    let two = CustomFunction::new(Arc::new(|x: &[Array]| {
        Ok(vec![ops::sin(&x[0])?, ops::multiply(&x[0], &x[1])?])
    }));
    let y = Array::from_slice(&[2.0f32, 3.0, 4.0], &[3]).unwrap();
    let ones = ops::ones_like(&x).unwrap();
    let (_, g) = vjp(
        move |a: &[Array]| two.call(a),
        &[x.clone(), y.clone()],
        &[ones.clone(), ones],
    )
    .unwrap();
    let want0: Vec<f32> = vec_of(&x)
        .iter()
        .zip(vec_of(&y))
        .map(|(a, b)| a.cos() + b)
        .collect();
    for (g, w) in vec_of(&g[0]).iter().zip(want0) {
        assert!((g - w).abs() < 1e-6);
    }
    assert_eq!(vec_of(&g[1]), vec_of(&x));
}

/// A block with several large intermediates.
fn block(x: &[Array]) -> Result<Vec<Array>> {
    let mut h = x[0].clone();
    for _ in 0..4 {
        h = ops::sin(&ops::multiply(&h, &Array::scalar(1.01f32))?)?;
    }
    Ok(vec![h])
}

/// Peak memory of the gradient of four chained blocks, with or without checkpointing.
fn peak_of_gradient(checkpointed: bool) -> (usize, Vec<f32>) {
    let n = 1 << 20; // 4 MiB per intermediate
    let x = ops::astype(
        &ops::arange(0.0, n as f64, 1.0, rmlx::Dtype::Float32).unwrap(),
        rmlx::Dtype::Float32,
    )
    .unwrap();
    let x = ops::multiply(&x, &Array::scalar(1e-6f32)).unwrap();
    x.eval().unwrap();
    memory::clear_cache();
    memory::reset_peak_memory();
    let base = memory::get_active_memory();
    let g = grad(move |a: &Array| {
        let mut h = a.clone();
        let cp = checkpoint(block);
        for _ in 0..4 {
            h = if checkpointed {
                cp(std::slice::from_ref(&h))?.remove(0)
            } else {
                block(std::slice::from_ref(&h))?.remove(0)
            };
        }
        ops::sum_all(&h, false)
    })(&x)
    .unwrap();
    g.eval().unwrap();
    let peak = memory::get_peak_memory() - base;
    (peak, vec_of(&g)[..8].to_vec())
}

#[test]
fn checkpoint_gives_the_same_gradient_with_less_memory() {
    let (plain, g_plain) = peak_of_gradient(false);
    let (saved, g_ckpt) = peak_of_gradient(true);
    assert_eq!(g_plain, g_ckpt);
    // Without checkpointing the backward pass keeps every block's intermediates (16 of
    // them); with it, only the block outputs and one block's recomputed intermediates.
    assert!(
        saved * 2 <= plain,
        "checkpointed peak {saved} B vs plain {plain} B"
    );
    eprintln!("peak memory of the gradient: plain {plain} B, checkpointed {saved} B");
}

#[test]
fn a_vjp_rule_sees_outputs_the_caller_dropped() {
    // Two outputs, exp(x) and 2·x; the caller keeps only the first, yet the rule reads the
    // second: it must see 2·x, not zeros standing in for the dropped array.
    let f = CustomFunction::new(Arc::new(|x: &[Array]| {
        Ok(vec![
            ops::exp(&x[0])?,
            ops::multiply(&x[0], &Array::scalar(2.0f32))?,
        ])
    }))
    .with_vjp(Arc::new(|_p: &[Array], c: &[Array], o: &[Array]| {
        Ok(vec![ops::multiply(&c[0], &o[1])?])
    }));
    let x = Array::from_slice(&[1.0f32, 3.0], &[2]).unwrap();
    let g = grad(|x: &Array| {
        let first = f.call(std::slice::from_ref(x))?.swap_remove(0);
        ops::sum_all(&first, false)
    })(&x)
    .unwrap();
    assert_eq!(vec_of(&g), vec![2.0, 6.0]);
}
