//! Transform rules of the fast primitives (`RMSNorm`, `LayerNorm`, `RoPE`,
//! `ScaledDotProductAttention`): vjp against finite differences and jvp against vjp in
//! float64, float32 on non-contiguous inputs, vmap against a loop — and the gradients equal
//! to those of the composed references (`ops::fast::fallback`).

mod common;
use common::sweep::{arr, to_f64, Sweep};
use rmlx::ops::fast::{self, fallback, AttentionMask, RopeOffset};
use rmlx::transforms::{vjp, vmap};
use rmlx::{ops, Array, Result};

#[test]
fn norm_rules() {
    let mut s = Sweep::new("fast");
    let x = arr(&[3, 4, 6], 1, -1.0, 1.5);
    let w = arr(&[6], 2, 0.5, 1.5);
    let b = arr(&[6], 3, -1.0, 1.0);
    let rms = |v: &[Array]| Ok(vec![fast::rms_norm(&v[0], Some(&v[1]), 1e-5)?]);
    let rms0 = |v: &[Array]| Ok(vec![fast::rms_norm(&v[0], None, 1e-5)?]);
    let ln = |v: &[Array]| {
        Ok(vec![fast::layer_norm(
            &v[0],
            Some(&v[1]),
            Some(&v[2]),
            1e-5,
        )?])
    };
    let ln0 = |v: &[Array]| Ok(vec![fast::layer_norm(&v[0], None, None, 1e-5)?]);
    let ln_b = |v: &[Array]| Ok(vec![fast::layer_norm(&v[0], None, Some(&v[1]), 1e-5)?]);
    s.grads("rms_norm", &rms, &[x.clone(), w.clone()]);
    s.grads("rms_norm/no-weight", &rms0, std::slice::from_ref(&x));
    s.grads("layer_norm", &ln, &[x.clone(), w.clone(), b.clone()]);
    s.grads("layer_norm/none", &ln0, std::slice::from_ref(&x));
    s.grads("layer_norm/bias", &ln_b, &[x.clone(), b.clone()]);
    s.vmap("rms_norm", &rms, &[x.clone(), w.clone()], 0);
    for axis in [0, 2] {
        let w1 = w.clone();
        let rms_x = move |v: &[Array]| Ok(vec![fast::rms_norm(&v[0], Some(&w1), 1e-5)?]);
        let (w2, b2) = (w.clone(), b.clone());
        let ln_x =
            move |v: &[Array]| Ok(vec![fast::layer_norm(&v[0], Some(&w2), Some(&b2), 1e-5)?]);
        s.vmap("rms_norm/x", &rms_x, std::slice::from_ref(&x), axis);
        s.vmap("layer_norm/x", &ln_x, std::slice::from_ref(&x), axis);
    }
    s.vmap("layer_norm", &ln, &[x.clone(), w.clone(), b.clone()], 0);
    s.finish();
}

#[test]
fn rope_rules() {
    let mut s = Sweep::new("fast");
    let x = arr(&[2, 3, 5, 8], 4, -1.0, 1.0);
    let freqs = arr(&[3], 5, 1.0, 4.0);
    let offs = Array::from_slice(&[2i32, 9], &[2]).unwrap();
    for trad in [false, true] {
        let tag = if trad { "traditional" } else { "default" };
        let f = move |v: &[Array]| {
            Ok(vec![fast::rope(
                &v[0],
                6,
                trad,
                Some(100.0),
                0.5,
                &RopeOffset::Int(3),
                None,
            )?])
        };
        let o = offs.clone();
        let fo = move |v: &[Array]| {
            let off = RopeOffset::Array(o.clone());
            Ok(vec![fast::rope(
                &v[0],
                8,
                trad,
                Some(100.0),
                1.0,
                &off,
                None,
            )?])
        };
        let ff = move |v: &[Array]| {
            Ok(vec![fast::rope(
                &v[0],
                6,
                trad,
                None,
                1.0,
                &RopeOffset::Int(1),
                Some(&v[1]),
            )?])
        };
        s.grads(&format!("rope/{tag}"), &f, std::slice::from_ref(&x));
        s.grads(
            &format!("rope/{tag}/offsets"),
            &fo,
            std::slice::from_ref(&x),
        );
        s.grads(
            &format!("rope/{tag}/freqs"),
            &ff,
            &[x.clone(), freqs.clone()],
        );
        for axis in [0, 3] {
            s.vmap(&format!("rope/{tag}"), &f, std::slice::from_ref(&x), axis);
            s.vmap(
                &format!("rope/{tag}/offsets"),
                &fo,
                std::slice::from_ref(&x),
                axis,
            );
        }
        s.vmap(
            &format!("rope/{tag}/freqs"),
            &ff,
            &[x.clone(), freqs.clone()],
            0,
        );
    }
    s.finish();
}

fn sd(v: &[Array], m: &AttentionMask, sk: Option<&Array>) -> Result<Vec<Array>> {
    Ok(vec![fast::scaled_dot_product_attention(
        &v[0], &v[1], &v[2], 0.7, m, sk,
    )?])
}

#[test]
fn attention_rules() {
    let mut s = Sweep::new("fast");
    let q = arr(&[1, 4, 3, 4], 6, -1.0, 1.0);
    let k = arr(&[1, 2, 5, 4], 7, -1.0, 1.0);
    let v = arr(&[1, 2, 5, 3], 8, -1.0, 1.0);
    let add = arr(&[3, 5], 9, -1.0, 1.0);
    let sinks = arr(&[4], 10, -1.0, 1.0);
    let keep = ops::greater(&arr(&[1, 1, 3, 5], 11, 0.0, 1.0), &Array::scalar(0.3f64)).unwrap();
    let qkv = [q.clone(), k.clone(), v.clone()];
    let none = |x: &[Array]| sd(x, &AttentionMask::None, None);
    let causal = |x: &[Array]| sd(x, &AttentionMask::Causal, None);
    let k2 = keep.clone();
    let boolean = move |x: &[Array]| sd(x, &AttentionMask::Array(k2.clone()), None);
    let additive = |x: &[Array]| sd(&x[..3], &AttentionMask::Array(x[3].clone()), None);
    let with_sinks = |x: &[Array]| sd(&x[..3], &AttentionMask::Causal, Some(&x[3]));
    s.grads("sdpa", &none, &qkv);
    s.grads("sdpa/causal", &causal, &qkv);
    s.grads("sdpa/bool", &boolean, &qkv);
    let mut qkvm = qkv.to_vec();
    qkvm.push(add.clone());
    s.grads("sdpa/additive", &additive, &qkvm);
    let mut qkvs = qkv.to_vec();
    qkvs.push(sinks.clone());
    s.grads("sdpa/sinks", &with_sinks, &qkvs);
    for axis in [0, 2] {
        s.vmap("sdpa", &none, &qkv, axis);
        s.vmap("sdpa/causal", &causal, &qkv, axis);
        s.vmap("sdpa/bool", &boolean, &qkv, axis);
    }
    s.vmap("sdpa/additive", &additive, &qkvm, 0);
    s.vmap("sdpa/sinks", &with_sinks, &qkvs, 0);
    // Only q mapped (k, v shared), and a mask with its own batch axis.
    let bmask = arr(&[1, 4, 3, 5], 12, -1.0, 1.0);
    let bm = bmask.clone();
    let (kk, vv) = (k.clone(), v.clone());
    let q_only = move |x: &[Array]| {
        sd(
            &[x[0].clone(), kk.clone(), vv.clone()],
            &AttentionMask::Array(bm.clone()),
            None,
        )
    };
    s.vmap("sdpa/q-only", &q_only, std::slice::from_ref(&q), 1);
    s.finish();
}

/// The fast ops' gradients equal their composed references' (float64, tight).
#[test]
fn gradients_equal_the_references() {
    let x = arr(&[2, 3, 4, 8], 20, -1.0, 1.0);
    let w = arr(&[8], 21, 0.5, 1.5);
    let kv = arr(&[2, 1, 6, 8], 22, -1.0, 1.0);
    let c = arr(&[2, 3, 4, 8], 23, -1.0, 1.0);
    type F = Box<dyn Fn(&[Array]) -> Result<Vec<Array>>>;
    let pairs: Vec<(&str, F, F, Vec<Array>)> = vec![
        (
            "rms_norm",
            Box::new(|v| Ok(vec![fast::rms_norm(&v[0], Some(&v[1]), 1e-5)?])),
            Box::new(|v| Ok(vec![fallback::rms_norm(&v[0], Some(&v[1]), 1e-5)?])),
            vec![x.clone(), w.clone()],
        ),
        (
            "layer_norm",
            Box::new(|v| {
                Ok(vec![fast::layer_norm(
                    &v[0],
                    Some(&v[1]),
                    Some(&v[1]),
                    1e-5,
                )?])
            }),
            Box::new(|v| {
                Ok(vec![fallback::layer_norm(
                    &v[0],
                    Some(&v[1]),
                    Some(&v[1]),
                    1e-5,
                )?])
            }),
            vec![x.clone(), w.clone()],
        ),
        (
            "rope",
            Box::new(|v| {
                Ok(vec![fast::rope(
                    &v[0],
                    8,
                    false,
                    Some(1e4),
                    1.0,
                    &RopeOffset::Int(4),
                    None,
                )?])
            }),
            Box::new(|v| {
                Ok(vec![fallback::rope(
                    &v[0],
                    8,
                    false,
                    Some(1e4),
                    1.0,
                    &RopeOffset::Int(4),
                    None,
                )?])
            }),
            vec![x.clone()],
        ),
        (
            "sdpa",
            Box::new(|v| {
                Ok(vec![fast::scaled_dot_product_attention(
                    &v[0],
                    &v[1],
                    &v[1],
                    0.3,
                    &AttentionMask::Causal,
                    None,
                )?])
            }),
            Box::new(|v| {
                Ok(vec![fallback::scaled_dot_product_attention(
                    &v[0],
                    &v[1],
                    &v[1],
                    0.3,
                    &AttentionMask::Causal,
                    None,
                )?])
            }),
            vec![x.clone(), kv.clone()],
        ),
    ];
    for (name, f, r, inputs) in pairs {
        let (_, gf) = vjp(|v| f(v), &inputs, std::slice::from_ref(&c)).unwrap();
        let (_, gr) = vjp(|v| r(v), &inputs, std::slice::from_ref(&c)).unwrap();
        for (a, b) in gf.iter().zip(&gr) {
            let (a, b) = (to_f64(a), to_f64(b));
            for (p, q) in a.iter().zip(&b) {
                assert!(
                    (p - q).abs() <= 1e-12 * (1.0 + q.abs()),
                    "{name}: {p} vs {q}"
                );
            }
        }
        // Second order: the gradient is itself differentiable.
        let g2 = vjp(
            |v| {
                let (_, g) = vjp(|u| f(u), v, std::slice::from_ref(&c))?;
                Ok(vec![ops::sum_all(&ops::square(&g[0])?, false)?])
            },
            &inputs,
            &[Array::scalar(1.0f64)],
        );
        assert!(g2.is_ok(), "{name}: second-order gradient: {:?}", g2.err());
    }
    // vmap of the fast op equals the loop for a batched weight too (mapped reference).
    let ws = arr(&[3, 8], 24, 0.5, 1.5);
    let out = vmap(
        |v| Ok(vec![fast::rms_norm(&v[0], Some(&v[1]), 1e-5)?]),
        &[x.clone(), ws.clone()],
        &[None, Some(0)],
        &[0],
    )
    .unwrap();
    assert_eq!(out[0].shape(), &[3, 2, 3, 4, 8]);
}
