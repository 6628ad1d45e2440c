//! Fusion of elementwise chains into `Compiled` nodes (`compile::fuse`): node count and
//! names, values equal to the unfused graph for every layout and dtype, multi-output
//! groups, convexity, transforms of fused graphs and memory.

use rmlx::{fuse_for_tests as fuse, graph_primitive_names, memory, ops, transforms, Array, Dtype};
use std::sync::Mutex;

/// Tests measure peak memory; run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

type F = dyn Fn(&[Array]) -> rmlx::Result<Vec<Array>>;

fn compiled_names(outs: &[Array]) -> Vec<String> {
    graph_primitive_names(outs)
        .into_iter()
        .filter(|n| n.starts_with("Compiled"))
        .collect()
}

/// Evaluates `f` unfused and fused on `xs`; asserts equal bytes; returns the fused
/// graph's Compiled node names.
///
/// One exception: a float32 group with a `Tanh` step computes it with
/// `vmath::tanh_fma_f32` (within 1 ulp of tanh) where the unfused kernel uses `tanh_f32`
/// (within 2 ulp), so the two tanh values may differ by up to 3 ulp, and the steps after
/// it carry that difference (`1 + tanh` near -1 turns it into an absolute error of a few
/// 1e-7). Those outputs are compared with |fused - plain| <= 1e-6 (1 + |plain|) instead;
/// every other dtype and op stays bit-identical.
fn check(f: &F, xs: &[Array]) -> Vec<String> {
    let plain = f(xs).unwrap();
    let fused = fuse(xs, &f(xs).unwrap()).unwrap();
    let names = compiled_names(&fused);
    let fast_tanh = names.iter().any(|n| n.contains("Tanh"));
    assert_eq!(plain.len(), fused.len());
    for (p, q) in plain.iter().zip(&fused) {
        assert_eq!(p.shape(), q.shape());
        assert_eq!(p.dtype(), q.dtype());
        if fast_tanh && p.dtype() == Dtype::Float32 {
            let (a, b) = (to_f32(p), to_f32(q));
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                let same = x.to_bits() == y.to_bits() || (x - y).abs() <= 1e-6 * (1.0 + x.abs());
                assert!(same, "fused {y} vs unfused {x} at {i} ({names:?})");
            }
            continue;
        }
        let (a, b) = (p.to_bytes().unwrap(), q.to_bytes().unwrap());
        assert!(
            a == b,
            "fused values differ for {:?} ({names:?})",
            p.dtype()
        );
    }
    names
}

fn to_f32(a: &Array) -> Vec<f32> {
    a.to_bytes()
        .unwrap()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn floats(n: usize, dt: Dtype) -> Array {
    let v: Vec<f32> = (0..n)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
        .collect();
    ops::astype(&Array::from_slice(&v, &[n as i32]).unwrap(), dt).unwrap()
}

fn s(v: f32) -> Array {
    Array::scalar(v)
}

/// x * sigmoid(x) * w + b
fn swish_affine(v: &[Array]) -> rmlx::Result<Vec<Array>> {
    let x = &v[0];
    let y = ops::multiply(x, &ops::sigmoid(x)?)?;
    Ok(vec![ops::add(&ops::multiply(&y, &v[1])?, &v[2])?])
}

/// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
fn gelu(v: &[Array]) -> rmlx::Result<Vec<Array>> {
    let x = &v[0];
    let x3 = ops::multiply(&ops::multiply(x, x)?, x)?;
    let inner = ops::multiply(
        &s(0.797_884_6),
        &ops::add(x, &ops::multiply(&s(0.044715), &x3)?)?,
    )?;
    let t = ops::add(&s(1.0), &ops::tanh(&inner)?)?;
    Ok(vec![ops::multiply(&ops::multiply(&s(0.5), x)?, &t)?])
}

#[test]
fn chain_becomes_one_named_node() {
    let _g = serial();
    let x = floats(4 * 8, Dtype::Float32).reshape(&[4, 8]).unwrap();
    let w = floats(8, Dtype::Float32);
    let b = floats(8, Dtype::Float32);
    // MLX's name: its ops put a Broadcast before each operand of another shape; rmlx's
    // kernels broadcast, and the fused name carries those broadcasts all the same.
    let names = check(&swish_affine, &[x.clone(), w.clone(), b.clone()]);
    assert_eq!(
        names,
        vec!["CompiledSigmoidMultiplyBroadcastMultiplyBroadcastAdd"]
    );
    // With explicit broadcasts (as MLX's ops build them) the views are absorbed: same name.
    let f = |v: &[Array]| {
        let wb = ops::broadcast_to(&v[1], &[4, 8])?;
        let bb = ops::broadcast_to(&v[2], &[4, 8])?;
        swish_affine(&[v[0].clone(), wb, bb])
    };
    let names = check(&f, &[x.clone(), w, b]);
    assert_eq!(
        names,
        vec!["CompiledSigmoidMultiplyBroadcastMultiplyBroadcastAdd"]
    );
    // The whole graph is that node (on the leaves).
    let xs = std::slice::from_ref(&x);
    let fused = fuse(xs, &gelu(xs).unwrap()).unwrap();
    assert_eq!(graph_primitive_names(&fused).len(), 1);
}

/// `Compiled…` names of common broadcasting shapes, as MLX 0.32.4 names the same
/// functions (each expected name was printed by running the function in MLX): its ops
/// put a `Broadcast` before every operand of another shape (scalars included); rmlx's
/// kernels broadcast themselves, and the name carries the broadcasts all the same.
#[test]
fn names_carry_mlx_broadcasts() {
    let _g = serial();
    let x = floats(12, Dtype::Float32).reshape(&[4, 3]).unwrap();
    let w = floats(3, Dtype::Float32);
    let col = floats(4, Dtype::Float32).reshape(&[4, 1]).unwrap();
    let xi = ops::astype(&x, Dtype::Int32).unwrap();
    let one = |f: &F, xs: &[Array]| {
        let names = check(f, xs);
        assert_eq!(names.len(), 1, "{names:?}");
        names[0].clone()
    };
    // Scalar operands.
    let f = |v: &[Array]| Ok(vec![ops::add(&ops::multiply(&v[0], &s(2.0))?, &s(1.0))?]);
    assert_eq!(
        one(&f, std::slice::from_ref(&x)),
        "CompiledBroadcastMultiplyBroadcastAdd"
    );
    // One broadcast of a scalar read twice (MLX merges equal broadcasts).
    let f = |v: &[Array]| Ok(vec![ops::add(&ops::multiply(&v[0], &s(2.0))?, &s(2.0))?]);
    assert_eq!(
        one(&f, std::slice::from_ref(&x)),
        "CompiledBroadcastMultiplyAdd"
    );
    // Column vector; both operands broadcast.
    let f = |v: &[Array]| Ok(vec![ops::exp(&ops::multiply(&v[0], &v[1])?)?]);
    assert_eq!(
        one(&f, &[x.clone(), col.clone()]),
        "CompiledBroadcastMultiplyExp"
    );
    assert_eq!(
        one(&f, &[col.clone(), w.clone()]),
        "CompiledBroadcastBroadcastMultiplyExp"
    );
    // where: the scalar broadcast is shared by the comparison and the select.
    let f = |v: &[Array]| {
        let c = ops::greater(&v[0], &s(0.0))?;
        Ok(vec![ops::where_(&c, &v[1], &s(0.0))?])
    };
    assert_eq!(
        one(&f, &[x.clone(), w.clone()]),
        "CompiledBroadcastGreaterBroadcastSelect"
    );
    // A smaller node (the comparison of w) joins and is computed at the group's shape.
    let f = |v: &[Array]| {
        let c = ops::greater(&v[1], &s(0.0))?;
        Ok(vec![ops::where_(&c, &v[0], &s(1.0))?])
    };
    assert_eq!(
        one(&f, &[x.clone(), w.clone()]),
        "CompiledBroadcastGreaterBroadcastBroadcastSelect"
    );
    // astype inside the group.
    let f = |v: &[Array]| {
        let h = ops::astype(&ops::multiply(&v[0], &v[1])?, Dtype::Float16)?;
        Ok(vec![ops::add(&h, &ops::astype(&s(1.0), Dtype::Float16)?)?])
    };
    assert_eq!(
        one(&f, &[x.clone(), w.clone()]),
        "CompiledBroadcastMultiplyAsTypeBroadcastAdd"
    );
    let f = |v: &[Array]| Ok(vec![ops::exp(&ops::multiply(&v[0], &s(2.5))?)?]);
    assert_eq!(
        one(&f, std::slice::from_ref(&xi)),
        "CompiledAsTypeBroadcastMultiplyExp"
    );
    // A broadcast the function makes merges with the implicit one of the same value.
    let f = |v: &[Array]| {
        let wb = ops::broadcast_to(&v[1], &[4, 3])?;
        Ok(vec![ops::add(&ops::multiply(&wb, &v[0])?, &v[1])?])
    };
    assert_eq!(
        one(&f, &[x.clone(), w.clone()]),
        "CompiledBroadcastMultiplyAdd"
    );
    // A broadcast read by two members met in an order that splits it (MLX: two copies).
    let f = |v: &[Array]| {
        let e = ops::exp(&v[1])?;
        Ok(vec![ops::add(&e, &ops::multiply(&e, &v[0])?)?])
    };
    assert_eq!(
        one(&f, &[x.clone(), w.clone()]),
        "CompiledExpBroadcastBroadcastMultiplyAdd"
    );
    // A lone op with a broadcast operand is a group of two (MLX fuses it too)...
    let f = |v: &[Array]| Ok(vec![ops::multiply(&v[0], &s(2.0))?]);
    assert_eq!(
        one(&f, std::slice::from_ref(&x)),
        "CompiledBroadcastMultiply"
    );
    let f = |v: &[Array]| Ok(vec![ops::multiply(&v[0], &v[1])?]);
    assert_eq!(
        one(&f, &[x.clone(), col.clone()]),
        "CompiledBroadcastMultiply"
    );
    assert_eq!(
        one(&f, &[w.clone(), x.clone()]),
        "CompiledBroadcastMultiply"
    );
    let f = |v: &[Array]| Ok(vec![ops::add(&v[0], &ops::astype(&s(1.0), Dtype::Int32)?)?]);
    assert_eq!(one(&f, std::slice::from_ref(&xi)), "CompiledBroadcastAdd");
    // ...but not one without.
    let f = |v: &[Array]| Ok(vec![ops::add(&v[0], &v[0])?]);
    assert!(check(&f, std::slice::from_ref(&x)).is_empty());
}

/// Shapeless traces: MLX's ops then broadcast every operand of a binary op or `where`
/// (to any shape the replay brings), which shows in the names.
#[test]
fn shapeless_names_broadcast_every_operand() {
    let _g = serial();
    let names = |f: fn(&[Array]) -> rmlx::Result<Vec<Array>>, xs: &[Array]| {
        let c = rmlx::compile::compile(f, rmlx::compile::CompileOptions { shapeless: true });
        let out = c.call(xs).unwrap();
        assert_eq!(
            out[0].to_bytes().unwrap(),
            f(xs).unwrap()[0].to_bytes().unwrap()
        );
        let info = c.cache().last_tape().unwrap();
        info.nodes
            .into_iter()
            .filter(|n| n.starts_with("Compiled"))
            .collect::<Vec<_>>()
    };
    let x = floats(12, Dtype::Float32).reshape(&[4, 3]).unwrap();
    let w = floats(3, Dtype::Float32);
    fn affine(v: &[Array]) -> rmlx::Result<Vec<Array>> {
        Ok(vec![ops::add(&ops::multiply(&v[0], &v[1])?, &v[1])?])
    }
    assert_eq!(
        names(affine, &[x.clone(), w.clone()]),
        vec!["CompiledBroadcastBroadcastMultiplyBroadcastBroadcastAdd"]
    );
    // The two broadcasts of `x * x` are equal (MLX merges them).
    fn square_plus(v: &[Array]) -> rmlx::Result<Vec<Array>> {
        Ok(vec![ops::add(&ops::multiply(&v[0], &v[0])?, &v[0])?])
    }
    assert_eq!(
        names(square_plus, std::slice::from_ref(&x)),
        vec!["CompiledBroadcastMultiplyBroadcastBroadcastAdd"]
    );
    assert_eq!(
        names(swish_affine, &[x.clone(), w.clone(), w.clone()]),
        vec!["CompiledSigmoidBroadcastBroadcastMultiplyBroadcastBroadcastMultiplyBroadcastBroadcastAdd"]
    );
}

/// A group computes nodes of smaller shapes at its own shape (MLX's rule), for every
/// dtype path, with strided operands.
#[test]
fn smaller_members_match_unfused() {
    let _g = serial();
    for dt in [Dtype::Float32, Dtype::Float64, Dtype::Float16] {
        let x = floats(64 * 30, dt).reshape(&[64, 30]).unwrap();
        let w = floats(30, dt);
        let col = floats(64, dt).reshape(&[64, 1]).unwrap();
        let f = |v: &[Array]| {
            let e = ops::exp(&v[1])?;
            let t = ops::tanh(&v[2])?;
            Ok(vec![ops::add(&ops::multiply(&e, &v[0])?, &t)?])
        };
        assert_eq!(
            check(&f, &[x.clone(), w.clone(), col.clone()]),
            vec!["CompiledExpBroadcastMultiplyTanhBroadcastAdd"]
        );
        let col_t = floats(30, dt).reshape(&[30, 1]).unwrap();
        check(&f, &[ops::transpose(&x).unwrap(), floats(64, dt), col_t]);
    }
    // Transforms replay the steps at their own shapes: gradients of the smaller operands
    // are reduced back to them.
    let g = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        let c = ops::greater(&v[1], &s(0.0))?;
        let e = ops::where_(&c, &ops::exp(&v[1])?, &v[1])?;
        Ok(vec![ops::add(
            &ops::multiply(&e, &v[0])?,
            &ops::tanh(&v[2])?,
        )?])
    };
    let fused_g = |l: &[Array]| fuse(l, &g(l)?);
    let f64s = |n: usize, shape: &[i32]| {
        ops::astype(&floats(n, Dtype::Float32), Dtype::Float64)
            .unwrap()
            .reshape(shape)
            .unwrap()
    };
    let xs = [f64s(18, &[6, 3]), f64s(3, &[3]), f64s(6, &[6, 1])];
    assert_eq!(
        compiled_names(&fused_g(&xs).unwrap()),
        vec!["CompiledBroadcastGreaterExpSelectBroadcastMultiplyTanhBroadcastAdd"]
    );
    let ct = [ops::ones(&[6, 3], Dtype::Float64).unwrap()];
    let (_, g1) = transforms::vjp(g, &xs, &ct).unwrap();
    let (_, g2) = transforms::vjp(fused_g, &xs, &ct).unwrap();
    for (p, q) in g1.iter().zip(&g2) {
        assert_eq!(p.shape(), q.shape());
        assert_eq!(p.to_vec::<f64>().unwrap(), q.to_vec::<f64>().unwrap());
    }
    let v1 = transforms::vmap(g, &xs, &[Some(0), None, Some(0)], &[0]).unwrap();
    let v2 = transforms::vmap(fused_g, &xs, &[Some(0), None, Some(0)], &[0]).unwrap();
    assert_eq!(
        v1[0].to_vec::<f64>().unwrap(),
        v2[0].to_vec::<f64>().unwrap()
    );
}

#[test]
fn layouts_match_unfused() {
    let _g = serial();
    for n in [1usize, 7, 1000, 5000, 100_003] {
        let x = floats(n, Dtype::Float32);
        check(&gelu, std::slice::from_ref(&x));
    }
    let x = floats(64 * 300, Dtype::Float32)
        .reshape(&[64, 300])
        .unwrap();
    let xt = ops::transpose(&x).unwrap();
    let sl = ops::slice(&x, &[1, 3], &[64, 300], &[2, 3]).unwrap();
    let rev = ops::slice(&x, &[63, 299], &[-65, -301], &[-1, -1]).unwrap();
    let w = floats(300, Dtype::Float32);
    let wt = floats(64, Dtype::Float32).reshape(&[64, 1]).unwrap();
    for v in [&x, &xt, &sl, &rev] {
        assert_eq!(check(&gelu, std::slice::from_ref(v)).len(), 1);
    }
    // Strided and broadcast operands in one group (f32 path and generic path).
    let w64 = floats(64, Dtype::Float32);
    check(&swish_affine, &[xt.clone(), w64.clone(), s(0.25)]);
    check(&swish_affine, &[x.clone(), w.clone(), wt.clone()]);
    let x64 = ops::astype(&x, Dtype::Float64).unwrap();
    let w64d = ops::astype(&w64, Dtype::Float64).unwrap();
    check(
        &swish_affine,
        &[ops::transpose(&x64).unwrap(), w64d, s(0.25)],
    );
    check(
        &swish_affine,
        &[x64, ops::astype(&wt, Dtype::Float64).unwrap(), s(0.25)],
    );
    // Scalar-only group.
    check(&gelu, &[s(0.3)]);
    // Empty arrays.
    check(&gelu, &[floats(0, Dtype::Float32)]);
}

#[test]
fn dtypes_match_unfused() {
    let _g = serial();
    for dt in [
        Dtype::Float32,
        Dtype::Float64,
        Dtype::Float16,
        Dtype::Bfloat16,
    ] {
        let x = floats(3000, dt).reshape(&[30, 100]).unwrap();
        check(&gelu, std::slice::from_ref(&x));
        check(&gelu, &[ops::transpose(&x).unwrap()]);
        let w = floats(100, dt);
        check(&swish_affine, &[x.clone(), w.clone(), w]);
    }
    // Integers: arithmetic, comparisons and select.
    for dt in [Dtype::Int32, Dtype::Int64, Dtype::Uint8, Dtype::Int16] {
        let x = ops::astype(&floats(2000, Dtype::Float32), dt).unwrap();
        let f = |v: &[Array]| {
            let x = &v[0];
            let y = ops::add(
                &ops::multiply(x, x)?,
                &ops::astype(&Array::scalar(3i32), x.dtype())?,
            )?;
            let c = ops::greater(&y, x)?;
            Ok(vec![ops::where_(&c, &y, &ops::negative(x)?)?])
        };
        assert_eq!(check(&f, std::slice::from_ref(&x)).len(), 1);
    }
    // Bool logic.
    let b = ops::greater(&floats(999, Dtype::Float32), &s(0.0)).unwrap();
    let f = |v: &[Array]| {
        let n = ops::logical_not(&v[0])?;
        Ok(vec![ops::logical_and(&n, &ops::logical_not(&n)?)?])
    };
    check(&f, &[b]);
    // Complex.
    let z = ops::astype(&floats(777, Dtype::Float32), Dtype::Complex64).unwrap();
    let f = |v: &[Array]| {
        let e = ops::exp(&ops::multiply(&v[0], &s(0.1))?)?;
        Ok(vec![ops::add(&ops::multiply(&e, &v[0])?, &v[0])?])
    };
    check(&f, &[z]);
    // Casts inside the group.
    let x = floats(4096, Dtype::Float32);
    let f = |v: &[Array]| {
        let h = ops::astype(&ops::exp(&v[0])?, Dtype::Float16)?;
        Ok(vec![ops::astype(&ops::add(&h, &h)?, Dtype::Float32)?])
    };
    assert_eq!(check(&f, &[x]), vec!["CompiledExpAsTypeAddAsType"]);
}

/// The fused float32 tanh (`vmath::tanh_fma_f32` on FMA hardware, `tanh_f32` elsewhere)
/// is within 1 ulp of the float64 tanh, special values included.
#[test]
fn fused_tanh_is_faithful() {
    let _g = serial();
    let mut v: Vec<f32> = (0..40_001)
        .map(|i| (i as f32 - 20_000.0) / 1000.0)
        .collect();
    v.extend([
        0.0,
        -0.0,
        1e-30,
        -1e-30,
        0.624_999_9,
        0.625,
        9.01,
        9.02,
        1e30,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ]);
    let x = Array::from_slice(&v, &[v.len() as i32]).unwrap();
    // `x * 1` keeps the values and makes a two-step group.
    let f = |a: &[Array]| -> rmlx::Result<Vec<Array>> {
        Ok(vec![ops::tanh(&ops::multiply(&a[0], &s(1.0))?)?])
    };
    let out = fuse(
        std::slice::from_ref(&x),
        &f(std::slice::from_ref(&x)).unwrap(),
    )
    .unwrap();
    assert_eq!(compiled_names(&out), vec!["CompiledBroadcastMultiplyTanh"]);
    let got = to_f32(&out[0]);
    let key = |t: f32| {
        let i = t.to_bits() as i32;
        (if i < 0 { i32::MIN.wrapping_sub(i) } else { i }) as i64
    };
    for (&x, &y) in v.iter().zip(&got) {
        let want = (x as f64).tanh() as f32;
        if want.is_nan() {
            assert!(y.is_nan(), "tanh({x}) = {y}");
            continue;
        }
        assert!(
            (key(y) - key(want)).abs() <= 1,
            "tanh({x}) = {y}, want {want}"
        );
        assert_eq!(
            y.is_sign_negative(),
            want.is_sign_negative(),
            "sign of tanh({x})"
        );
    }
}

#[test]
fn multi_output_groups() {
    let _g = serial();
    let x = floats(5000, Dtype::Float32).reshape(&[50, 100]).unwrap();
    let y = floats(5000, Dtype::Float32).reshape(&[50, 100]).unwrap();
    let f = |v: &[Array]| {
        let a = ops::add(&ops::exp(&v[0])?, &v[1])?;
        let b = ops::multiply(&a, &s(2.0))?;
        let c = ops::where_(&ops::greater(&a, &s(1.0))?, &a, &v[1])?;
        Ok(vec![a, b, ops::astype(&c, Dtype::Float16)?])
    };
    // MLX's rule: a value read outside its group (`a`, read by the multiply and the
    // select's group) is never an intermediate, so `a` is the root of a group of its own.
    let names = check(&f, &[x.clone(), y.clone()]);
    assert_eq!(
        names,
        vec![
            "CompiledExpAdd",
            "CompiledBroadcastMultiply",
            "CompiledBroadcastGreaterSelectAsType"
        ]
    );
    // An intermediate also read by a reduction ends its group; the add that reads the
    // reduction roots another (names as MLX's).
    let g = |v: &[Array]| {
        let a = ops::tanh(&ops::multiply(&v[0], &v[1])?)?;
        let total = ops::sum(&a, &[0, 1], false)?;
        Ok(vec![ops::add(&ops::exp(&a)?, &total)?])
    };
    let names = check(&g, &[x.clone(), y.clone()]);
    assert_eq!(
        names,
        vec!["CompiledMultiplyTanh", "CompiledExpBroadcastAdd"]
    );
    // Sibling chains meeting at one node merge into one group.
    let h = |v: &[Array]| {
        let a = ops::exp(&ops::multiply(&v[0], &s(0.5))?)?;
        let b = ops::tanh(&ops::add(&v[1], &s(1.0))?)?;
        Ok(vec![ops::subtract(&a, &b)?])
    };
    assert_eq!(
        check(&h, &[x, y]),
        vec!["CompiledBroadcastMultiplyExpBroadcastAddTanhSubtract"]
    );
}

#[test]
fn groups_stay_convex() {
    let _g = serial();
    // exp(x) feeds a reduction that feeds the chain: the chain cannot contain exp(x).
    let x = floats(600, Dtype::Float32).reshape(&[20, 30]).unwrap();
    let f = |v: &[Array]| {
        let a = ops::exp(&v[0])?;
        let m = ops::sum(&a, &[1], true)?;
        let b = ops::multiply(&a, &m)?;
        Ok(vec![ops::add(&b, &a)?])
    };
    assert_eq!(check(&f, &[x]), vec!["CompiledBroadcastMultiplyAdd"]);
}

#[test]
fn leaves_and_constants_are_not_fused() {
    let _g = serial();
    let x = floats(100, Dtype::Float32);
    // A captured constant computed from other arrays stays outside the group.
    let c = ops::exp(&floats(100, Dtype::Float32)).unwrap();
    let f = move |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        Ok(vec![ops::add(
            &ops::negative(&ops::multiply(&v[0], &c)?)?,
            &s(1.0),
        )?])
    };
    let plain = f(std::slice::from_ref(&x)).unwrap();
    let fused = fuse(std::slice::from_ref(&x), &plain).unwrap();
    let names = graph_primitive_names(&fused);
    assert!(names.contains(&"Exp".to_string()), "{names:?}");
    assert!(
        names.contains(&"CompiledMultiplyNegativeBroadcastAdd".to_string()),
        "{names:?}"
    );
    // A lone op is left alone; an identity function returns its input.
    let one = fuse(std::slice::from_ref(&x), &[ops::exp(&x).unwrap()]).unwrap();
    assert_eq!(one[0].primitive_name().as_deref(), Some("Exp"));
    let same = fuse(std::slice::from_ref(&x), std::slice::from_ref(&x)).unwrap();
    assert_eq!(same[0].id(), x.id());
}

#[test]
fn transforms_of_fused_graphs() {
    let _g = serial();
    let x = ops::astype(&floats(60, Dtype::Float32), Dtype::Float64)
        .unwrap()
        .reshape(&[6, 10])
        .unwrap();
    let w = ops::astype(&floats(10, Dtype::Float32), Dtype::Float64).unwrap();
    let b = ops::astype(&floats(10, Dtype::Float32), Dtype::Float64).unwrap();
    let xs = [x.clone(), w.clone(), b.clone()];
    let fused_f = |l: &[Array]| fuse(l, &swish_affine(l)?);
    let ct = [ops::ones(&[6, 10], Dtype::Float64).unwrap()];
    let (o1, g1) = transforms::vjp(swish_affine, &xs, &ct).unwrap();
    let (o2, g2) = transforms::vjp(fused_f, &xs, &ct).unwrap();
    let close = |a: &Array, b: &Array| {
        let (a, b) = (a.to_vec::<f64>().unwrap(), b.to_vec::<f64>().unwrap());
        assert_eq!(a.len(), b.len());
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() <= 1e-12 * (1.0 + p.abs()), "{p} vs {q}");
        }
    };
    close(&o1[0], &o2[0]);
    for (p, q) in g1.iter().zip(&g2) {
        close(p, q);
    }
    let tan = [x.clone(), w.clone(), b.clone()];
    let (_, t1) = transforms::jvp(swish_affine, &xs, &tan).unwrap();
    let (_, t2) = transforms::jvp(fused_f, &xs, &tan).unwrap();
    close(&t1[0], &t2[0]);
    // vmap over the rows of x; a vmap of the Compiled primitive itself (fuse outside).
    let v1 = transforms::vmap(swish_affine, &xs, &[Some(0), None, None], &[0]).unwrap();
    let v2 = transforms::vmap(fused_f, &xs, &[Some(0), None, None], &[0]).unwrap();
    close(&v1[0], &v2[0]);
    // The Compiled node's own rules: grad through a graph fused before the transform.
    let fused = fuse(&xs, &swish_affine(&xs).unwrap()).unwrap();
    assert_eq!(compiled_names(&fused).len(), 1);
}

#[test]
fn fused_chain_allocates_only_its_output() {
    let _g = serial();
    let n = 1usize << 22;
    let x = floats(n, Dtype::Float32);
    x.eval().unwrap();
    let chain = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        let x = &v[0];
        let a = ops::exp(&ops::multiply(x, &s(0.01))?)?;
        let b = ops::tanh(&ops::add(&a, x)?)?;
        Ok(vec![ops::multiply(&b, &s(3.0))?])
    };
    let out = fuse(
        std::slice::from_ref(&x),
        &chain(std::slice::from_ref(&x)).unwrap(),
    )
    .unwrap();
    assert_eq!(
        compiled_names(&out),
        vec!["CompiledBroadcastMultiplyExpAddTanhBroadcastMultiply"]
    );
    rmlx::stream::synchronize_default().ok();
    let before = memory::get_active_memory();
    memory::reset_peak_memory();
    out[0].eval().unwrap();
    let peak = memory::get_peak_memory();
    let extra = peak.saturating_sub(before);
    // The output plus block scratch (a few KiB per thread).
    assert!(
        extra <= n * 4 + (1 << 20),
        "peak grew by {extra} bytes for a {} byte output",
        n * 4
    );
    // Same for the general (per-primitive) interpreter: float64.
    let x = floats(n / 2, Dtype::Float64);
    x.eval().unwrap();
    let out = fuse(
        std::slice::from_ref(&x),
        &chain(std::slice::from_ref(&x)).unwrap(),
    )
    .unwrap();
    rmlx::stream::synchronize_default().ok();
    let before = memory::get_active_memory();
    memory::reset_peak_memory();
    out[0].eval().unwrap();
    let extra = memory::get_peak_memory().saturating_sub(before);
    assert!(
        extra <= n * 4 + (1 << 20),
        "peak grew by {extra} bytes (float64)"
    );
}

/// A group of one op and broadcasts (`mm * 2`) runs the op's own kernel, which takes over
/// a temporary input's buffer as the unfused op would.
#[test]
fn lone_op_group_donates_its_input() {
    let _g = serial();
    let a = floats(1024 * 64, Dtype::Float32)
        .reshape(&[1024, 64])
        .unwrap();
    let b = floats(64 * 1024, Dtype::Float32)
        .reshape(&[64, 1024])
        .unwrap();
    a.eval().unwrap();
    b.eval().unwrap();
    let f = |v: &[Array]| -> rmlx::Result<Vec<Array>> {
        Ok(vec![ops::multiply(&ops::matmul(&v[0], &v[1])?, &s(2.0))?])
    };
    let xs = [a.clone(), b.clone()];
    let out = fuse(&xs, &f(&xs).unwrap()).unwrap();
    assert_eq!(compiled_names(&out), vec!["CompiledBroadcastMultiply"]);
    rmlx::stream::synchronize_default().ok();
    let before = memory::get_active_memory();
    memory::reset_peak_memory();
    out[0].eval().unwrap();
    let extra = memory::get_peak_memory().saturating_sub(before);
    let size = 1024 * 1024 * 4;
    assert!(
        extra < 2 * size,
        "peak grew by {extra} bytes for {size}-byte arrays"
    );
    assert_eq!(
        out[0].to_bytes().unwrap(),
        f(&xs).unwrap()[0].to_bytes().unwrap()
    );
}

/// Timing of GELU over 16M floats, fused (f32 and general interpreters) and unfused:
/// `cargo test --release -p rmlx --test fusion -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_gelu_16m() {
    let _g = serial();
    let n = 1usize << 24;
    let time = |dt: Dtype, fused: bool| {
        let x = floats(n, dt);
        x.eval().unwrap();
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let out = gelu(std::slice::from_ref(&x)).unwrap();
            let out = if fused {
                fuse(std::slice::from_ref(&x), &out).unwrap()
            } else {
                out
            };
            out[0].eval().unwrap();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        best
    };
    for dt in [Dtype::Float32, Dtype::Float64, Dtype::Float16] {
        println!(
            "gelu 16M {dt}: fused {:.1} ms, unfused {:.1} ms",
            time(dt, true),
            time(dt, false)
        );
    }
}
