//! `rmlx::compile`: retrace rules, constants, simplification counts, shapeless replay,
//! transforms of and around compiled functions, and the global switch.

use rmlx::compile::{compile, disable_compile, enable_compile, export_to_dot, CompileOptions};
use rmlx::{ops, transforms, Array, Error};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The compile switch is process-wide: tests that depend on it run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn f32s(v: &[f32], shape: &[i32]) -> Array {
    Array::from_slice(v, shape).unwrap()
}

fn vals(a: &Array) -> Vec<f32> {
    a.to_vec::<f32>().unwrap()
}

const SHAPED: CompileOptions = CompileOptions { shapeless: false };
const SHAPELESS: CompileOptions = CompileOptions { shapeless: true };

#[test]
fn same_values_as_the_function() {
    let _g = serial();
    let f = |x: &[Array]| -> rmlx::Result<Vec<Array>> {
        let y = ops::exp(&x[0])?;
        Ok(vec![ops::add(&ops::multiply(&y, &x[1])?, &x[0])?])
    };
    let c = compile(f, SHAPED);
    let x = f32s(&[0.5, -1.0, 2.0], &[3]);
    let w = f32s(&[2.0, 3.0, 4.0], &[3]);
    let want = vals(&f(&[x.clone(), w.clone()]).unwrap()[0]);
    for _ in 0..3 {
        assert_eq!(vals(&c.call(&[x.clone(), w.clone()]).unwrap()[0]), want);
    }
    assert_eq!(c.cache().traces(), 1);
}

#[test]
fn retraces_on_shape_dtype_and_rank_only() {
    let _g = serial();
    let calls = AtomicUsize::new(0);
    let c = compile(
        |x: &[Array]| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(vec![ops::multiply(&x[0], &x[0])?])
        },
        SHAPED,
    );
    let a = f32s(&[1.0, 2.0], &[2]);
    c.call(&[a.clone()]).unwrap();
    c.call(&[f32s(&[5.0, 6.0], &[2])]).unwrap(); // same key: new values only
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    c.call(&[f32s(&[1.0, 2.0, 3.0], &[3])]).unwrap(); // shape
    assert_eq!(calls.load(Ordering::Relaxed), 2);
    c.call(&[ops::astype(&a, rmlx::Dtype::Float16).unwrap()])
        .unwrap(); // dtype
    assert_eq!(calls.load(Ordering::Relaxed), 3);
    c.call(&[f32s(&[1.0, 2.0], &[1, 2])]).unwrap(); // rank
    assert_eq!(calls.load(Ordering::Relaxed), 4);
    c.call(&[a]).unwrap(); // back to the first key: cached
    assert_eq!(calls.load(Ordering::Relaxed), 4);
    assert_eq!(c.cache().traces(), 4);
}

#[test]
fn captured_arrays_are_constants() {
    let _g = serial();
    let w = f32s(&[10.0, 20.0], &[2]);
    let c = compile(|x: &[Array]| Ok(vec![ops::add(&x[0], &w)?]), SHAPED);
    let out = c.call(&[f32s(&[1.0, 2.0], &[2])]).unwrap();
    assert_eq!(vals(&out[0]), vec![11.0, 22.0]);
    let info = c.cache().last_tape().unwrap();
    assert_eq!(info.nodes, vec!["Add"]);
    assert_eq!(info.constants, 1);
    let out = c.call(&[f32s(&[3.0, 4.0], &[2])]).unwrap();
    assert_eq!(vals(&out[0]), vec![13.0, 24.0]);
}

#[test]
fn equal_scalar_constants_are_merged() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            let a = ops::multiply(&x[0], &Array::scalar(2.0f32))?;
            let b = ops::add(&a, &Array::scalar(2.0f32))?;
            let c = ops::add(&b, &Array::scalar(3.0f32))?;
            Ok(vec![c])
        },
        SHAPED,
    );
    let out = c.call(&[f32s(&[1.0, 2.0], &[2])]).unwrap();
    assert_eq!(vals(&out[0]), vec![7.0, 9.0]);
    let info = c.cache().last_tape().unwrap();
    assert_eq!(info.stats.merged_constants, 1);
    assert_eq!(info.constants, 2); // 2.0 once, 3.0
}

/// How many times `op` appears in the tape's node names (fused names list their steps).
fn occurrences(nodes: &[String], op: &str) -> usize {
    nodes.iter().map(|n| n.matches(op).count()).sum()
}

#[test]
fn common_subexpressions_are_merged() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            let a = ops::exp(&x[0])?;
            let b = ops::exp(&x[0])?;
            let s1 = ops::sum(&a, &[0], false)?;
            let s2 = ops::sum(&b, &[0], false)?;
            Ok(vec![
                ops::add(&s1, &s2)?,
                ops::transpose(&ops::add(&a, &b)?)?,
            ])
        },
        SHAPED,
    );
    let x = f32s(&[0.0, 1.0], &[2]);
    let out = c.call(&[x]).unwrap();
    let e1 = 1.0f32.exp();
    assert!((vals(&out[0])[0] - 2.0 * (1.0 + e1)).abs() < 1e-5);
    let info = c.cache().last_tape().unwrap();
    // exp and sum each merged once: Exp, Reduce, Add, Add (transpose of 1-d is a no-op op);
    // fusion then runs on the merged graph, so one Exp is computed, inside a fused node.
    assert_eq!(info.stats.common_subexpressions, 2);
    assert_eq!(occurrences(&info.nodes, "Exp"), 1, "{info:?}");
    assert_eq!(occurrences(&info.nodes, "Reduce"), 1, "{info:?}");
}

#[test]
fn different_parameters_are_not_merged() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            let a = ops::sum(&x[0], &[0], false)?;
            let b = ops::sum(&x[0], &[1], false)?;
            let e = ops::exp(&x[0])?;
            let l = ops::log(&x[0])?;
            Ok(vec![a, b, ops::add(&e, &l)?])
        },
        SHAPED,
    );
    let x = f32s(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let out = c.call(&[x]).unwrap();
    assert_eq!(vals(&out[0]), vec![4.0, 6.0]);
    assert_eq!(vals(&out[1]), vec![3.0, 7.0]);
    let info = c.cache().last_tape().unwrap();
    assert_eq!(info.stats.common_subexpressions, 0);
    // Two sums, and exp, log and add fused into one node.
    assert_eq!(info.nodes.len(), 3, "{info:?}");
    assert!(
        info.nodes.iter().any(|n| n == "CompiledExpLogAdd"),
        "{info:?}"
    );
}

#[test]
fn noops_and_dead_code_are_removed() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            let unused = ops::exp(&x[0])?; // dead
            let _ = ops::sum(&unused, &[0], false)?; // dead
            let same = ops::astype(&x[0], rmlx::Dtype::Float32)?; // no node at all (op shortcut)
            let y = ops::multiply(&same, &same)?;
            Ok(vec![y])
        },
        SHAPED,
    );
    let out = c.call(&[f32s(&[3.0], &[1])]).unwrap();
    assert_eq!(vals(&out[0]), vec![9.0]);
    let info = c.cache().last_tape().unwrap();
    assert_eq!(info.nodes, vec!["Multiply"]);
    // Dead nodes are not even reached from the outputs; the walk records only live ones.
    assert_eq!(info.stats.dead, 0);
}

#[test]
fn cse_and_noop_copies_of_a_nested_transform() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            // grad inside the compiled function: its tracer leaf is an identity Copy node.
            let a =
                transforms::grad(|v: &Array| ops::sum_all(&ops::multiply(v, v)?, false))(&x[0])?;
            let b = ops::negative(&x[0])?;
            let c = ops::negative(&x[0])?;
            Ok(vec![ops::add(&ops::multiply(&a, &b)?, &c)?])
        },
        SHAPED,
    );
    let out = c.call(&[f32s(&[1.0, 2.0], &[2])]).unwrap();
    assert_eq!(vals(&out[0]), vec![-3.0, -10.0]);
    let info = c.cache().last_tape().unwrap();
    assert!(info.stats.noops >= 1, "{info:?}");
    assert!(!info.nodes.iter().any(|n| n == "Copy"), "{info:?}");
    assert!(info.stats.common_subexpressions >= 1, "{info:?}");
    assert_eq!(occurrences(&info.nodes, "Negative"), 1, "{info:?}");
    // The merged Negative is dead once its consumer reads the first one.
    assert!(info.stats.dead >= 1, "{info:?}");
    let out = c.call(&[f32s(&[3.0, 1.0], &[2])]).unwrap();
    assert_eq!(vals(&out[0]), vec![-21.0, -3.0]);
}

#[test]
fn shapeless_replays_other_shapes() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            let y = ops::add(&ops::exp(&x[0])?, &x[1])?;
            Ok(vec![ops::sum(&y, &[-1], true)?, ops::reshape(&y, &[-1])?])
        },
        SHAPELESS,
    );
    let a = c
        .call(&[f32s(&[0.0; 6], &[2, 3]), f32s(&[1.0; 3], &[3])])
        .unwrap();
    assert_eq!(a[0].shape(), &[2, 1]);
    assert_eq!(vals(&a[0]), vec![6.0, 6.0]);
    assert_eq!(a[1].shape(), &[6]);
    let b = c
        .call(&[f32s(&[0.0; 12], &[4, 3]), f32s(&[2.0; 3], &[3])])
        .unwrap();
    assert_eq!(c.cache().traces(), 1);
    assert_eq!(b[0].shape(), &[4, 1]);
    assert_eq!(vals(&b[0]), vec![9.0; 4]);
    assert_eq!(b[1].shape(), &[12]);
    // A rank change retraces even when shapeless.
    c.call(&[f32s(&[0.0; 3], &[3]), f32s(&[1.0; 3], &[3])])
        .unwrap();
    assert_eq!(c.cache().traces(), 2);
}

#[test]
fn shapeless_zeros_like_follows_the_input() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            Ok(vec![ops::add(
                &ops::ones_like(&x[0])?,
                &ops::zeros_like(&x[0])?,
            )?])
        },
        SHAPELESS,
    );
    assert_eq!(
        c.call(&[f32s(&[0.0; 2], &[1, 2])]).unwrap()[0].shape(),
        &[1, 2]
    );
    let out = c.call(&[f32s(&[0.0; 6], &[3, 2])]).unwrap();
    assert_eq!(out[0].shape(), &[3, 2]);
    assert_eq!(vals(&out[0]), vec![1.0; 6]);
    assert_eq!(c.cache().traces(), 1);
}

#[test]
fn uncaptured_inputs_are_an_error() {
    let _g = serial();
    let x = f32s(&[1.0, 2.0], &[2]);
    let captured = x.clone();
    let c = compile(
        move |v: &[Array]| Ok(vec![ops::add(&v[0], &captured)?]),
        SHAPED,
    );
    let e = c.call(&[x]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[compile] Attempting to compile a function with uncaptured inputs is not allowed."
    );
}

/// Deterministic float32 values of `shape`.
fn ramp(shape: &[i32]) -> Array {
    let n: i32 = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| ((i * 7 % 13) as f32 - 6.0) / 5.0).collect();
    f32s(&v, shape)
}

/// A shapeless `a @ b` whose batch dimensions broadcast replays with other batch sizes,
/// broadcasting them again (MLX 0.32.4's results and errors): the batch dimensions are
/// left to the kernel instead of being broadcast to the traced shape.
#[test]
fn shapeless_matmul_broadcasts_batches() {
    let _g = serial();
    let mm = |x: &[Array]| Ok(vec![ops::matmul(&x[0], &x[1])?]);
    let c = compile(mm, SHAPELESS);
    for (a, b, out) in [
        (vec![2, 1, 3, 4], vec![5, 4, 6], vec![2, 5, 3, 6]),
        (vec![3, 1, 3, 4], vec![7, 4, 6], vec![3, 7, 3, 6]),
        (vec![1, 1, 3, 4], vec![1, 4, 6], vec![1, 1, 3, 6]),
        (vec![2, 5, 7, 8], vec![5, 8, 2], vec![2, 5, 7, 2]),
    ] {
        let (a, b) = (ramp(&a), ramp(&b));
        let got = c.call(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(got[0].shape(), out.as_slice());
        assert_eq!(vals(&got[0]), vals(&ops::matmul(&a, &b).unwrap()));
    }
    assert_eq!(c.cache().traces(), 1);
    let e = c
        .call(&[ramp(&[2, 2, 3, 4]), ramp(&[5, 4, 6])])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "[broadcast_shapes] Shapes (2,2) and (5) cannot be broadcast."
    );
    // Traced with equal batches, replayed with broadcasting ones.
    let c = compile(mm, SHAPELESS);
    c.call(&[ramp(&[2, 5, 3, 4]), ramp(&[2, 5, 4, 6])]).unwrap();
    let (a, b) = (ramp(&[1, 5, 3, 4]), ramp(&[2, 1, 4, 6]));
    let got = c.call(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(vals(&got[0]), vals(&ops::matmul(&a, &b).unwrap()));
    // A vector operand.
    let c = compile(mm, SHAPELESS);
    c.call(&[ramp(&[4]), ramp(&[5, 4, 6])]).unwrap();
    let (a, b) = (ramp(&[4]), ramp(&[7, 4, 6]));
    let got = c.call(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(got[0].shape(), &[7, 6]);
    assert_eq!(vals(&got[0]), vals(&ops::matmul(&a, &b).unwrap()));
    // The vjp traced inside: cotangents are summed back over the broadcast batches.
    let vjp = compile(
        |x: &[Array]| {
            let (_, g) = transforms::vjp(
                |p: &[Array]| Ok(vec![ops::matmul(&p[0], &p[1])?]),
                &x[..2],
                &x[2..],
            )?;
            Ok(g)
        },
        SHAPELESS,
    );
    for (a, b, ct) in [
        (vec![2, 1, 3, 4], vec![5, 4, 6], vec![2, 5, 3, 6]),
        (vec![3, 1, 3, 4], vec![7, 4, 6], vec![3, 7, 3, 6]),
    ] {
        let xs = [ramp(&a), ramp(&b), ramp(&ct)];
        let got = vjp.call(&xs).unwrap();
        let (_, want) = transforms::vjp(
            |p: &[Array]| Ok(vec![ops::matmul(&p[0], &p[1])?]),
            &xs[..2],
            &xs[2..],
        )
        .unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.shape(), w.shape());
            let (g, w) = (vals(g), vals(w));
            for (p, q) in g.iter().zip(&w) {
                assert!((p - q).abs() <= 1e-4 * (1.0 + q.abs()), "{p} vs {q}");
            }
        }
    }
    assert_eq!(vjp.cache().traces(), 1);
}

#[test]
fn shapeless_fixed_reshape_and_slice_fail_as_in_mlx() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| Ok(vec![ops::reshape(&x[0], &[3, 4])?]),
        SHAPELESS,
    );
    assert_eq!(
        c.call(&[f32s(&[0.0; 12], &[12])]).unwrap()[0].shape(),
        &[3, 4]
    );
    let e = c.call(&[f32s(&[0.0; 24], &[24])]).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    assert!(e
        .to_string()
        .starts_with("[reshape] Cannot reshape array of size 24"));
    let s = compile(
        |x: &[Array]| Ok(vec![ops::slice(&x[0], &[1], &[3], &[1])?]),
        SHAPELESS,
    );
    let e = s.call(&[f32s(&[0.0; 4], &[4])]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[Primitive::output_shapes] Slice cannot infer output shapes."
    );
}

#[test]
fn grad_and_vmap_of_a_compiled_function() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| Ok(vec![ops::sum_all(&ops::multiply(&x[0], &x[0])?, false)?]),
        SHAPED,
    );
    let x = f32s(&[1.0, 2.0, 3.0], &[3]);
    let g = transforms::grad(|x: &Array| Ok(c.call(&[x.clone()])?.remove(0)))(&x).unwrap();
    assert_eq!(vals(&g), vec![2.0, 4.0, 6.0]);
    let xs = f32s(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let v = transforms::vmap(|v: &[Array]| c.call(v), &[xs], &[Some(0)], &[0]).unwrap();
    assert_eq!(vals(&v[0]), vec![5.0, 25.0]);
    // The replayed graph of a plain call differentiates too (grad of the replay).
    let (_, gs) = transforms::vjp(
        |v: &[Array]| {
            let y = c.call(v)?;
            Ok(y)
        },
        &[x.clone()],
        &[Array::scalar(1.0f32)],
    )
    .unwrap();
    assert_eq!(vals(&gs[0]), vec![2.0, 4.0, 6.0]);
}

#[test]
fn compile_inside_grad_traces_through() {
    let _g = serial();
    let x = f32s(&[1.0, 2.0], &[2]);
    let g = transforms::grad(|x: &Array| {
        let c = compile(
            |v: &[Array]| Ok(vec![ops::sum_all(&ops::exp(&v[0])?, false)?]),
            SHAPED,
        );
        let out = c.call(&[x.clone()])?.remove(0);
        assert_eq!(
            c.cache().traces(),
            0,
            "tracer inputs call the function directly"
        );
        Ok(out)
    })(&x)
    .unwrap();
    let want: Vec<f32> = [1.0f32, 2.0].iter().map(|v| v.exp()).collect();
    for (a, b) in vals(&g).iter().zip(want) {
        assert!((a - b).abs() < 1e-5);
    }
}

#[test]
fn disable_and_enable() {
    let _g = serial();
    let calls = AtomicUsize::new(0);
    let c = compile(
        |x: &[Array]| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(vec![ops::negative(&x[0])?])
        },
        SHAPED,
    );
    let x = f32s(&[1.0], &[1]);
    disable_compile();
    c.call(&[x.clone()]).unwrap();
    c.call(&[x.clone()]).unwrap();
    assert_eq!(c.cache().traces(), 0);
    assert_eq!(calls.load(Ordering::Relaxed), 2);
    enable_compile();
    c.call(&[x.clone()]).unwrap();
    c.call(&[x.clone()]).unwrap();
    assert_eq!(c.cache().traces(), 1);
    assert_eq!(calls.load(Ordering::Relaxed), 3);
}

#[test]
fn eval_inside_a_trace_is_refused_and_leaks_fail() {
    let _g = serial();
    let c = compile(
        |x: &[Array]| {
            let y = ops::exp(&x[0])?;
            rmlx::eval(std::slice::from_ref(&y))?;
            Ok(vec![y])
        },
        SHAPED,
    );
    let e = c.call(&[f32s(&[1.0], &[1])]).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("[eval] Attempting to eval an array during"));
    let leaked = Mutex::new(None);
    let c = compile(
        |x: &[Array]| {
            *leaked.lock().unwrap() = Some(ops::exp(&x[0])?);
            Ok(vec![ops::negative(&x[0])?])
        },
        SHAPED,
    );
    c.call(&[f32s(&[1.0], &[1])]).unwrap();
    let l = leaked.lock().unwrap().take().unwrap();
    let e = rmlx::eval(&[l]).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("[eval] Attempting to eval an array without a primitive."));
}

#[test]
fn multi_output_primitives_replay() {
    let _g = serial();
    let c = compile(|x: &[Array]| ops::split(&x[0], 2, 0), SHAPED);
    let out = c.call(&[f32s(&[1.0, 2.0, 3.0, 4.0], &[4])]).unwrap();
    assert_eq!(vals(&out[0]), vec![1.0, 2.0]);
    assert_eq!(vals(&out[1]), vec![3.0, 4.0]);
    let out = c.call(&[f32s(&[5.0, 6.0, 7.0, 8.0], &[4])]).unwrap();
    assert_eq!(vals(&out[1]), vec![7.0, 8.0]);
}

#[test]
fn dot_export_names_primitives() {
    let x = f32s(&[1.0, 2.0], &[2]);
    let y = Array::scalar(2.0f32);
    let out = ops::add(&ops::multiply(&ops::exp(&x).unwrap(), &y).unwrap(), &x).unwrap();
    let mut buf = Vec::new();
    export_to_dot(&mut buf, &[out], &[("x".into(), x.clone())]).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(
        text.starts_with("digraph {\n{ rank=source; \"x\"; }\n"),
        "{text}"
    );
    assert!(text.contains("[label =\"Exp\", shape=rectangle]; }"));
    assert!(text.contains("{ rank=source; \"C\"; }"), "{text}");
    assert!(text.contains("{ rank=sink; \"E\"; }"), "{text}");
    assert!(text.ends_with("}\n"));
}
