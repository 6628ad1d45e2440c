//! Unit tests of the evaluator that need crate internals (test primitives, the tape).

use crate::array::{Array, ArrayData};
use crate::backend::cpu::strided::copy_to_vec;
use crate::primitives::{KernelCtx, Primitive};
use crate::{ops, Result};

/// A two-output primitive: the first and second half of a 1-D f32 input.
#[derive(Debug)]
struct Halves;

impl Primitive for Halves {
    fn name(&self) -> String {
        "Halves".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = copy_to_vec::<f32>(ctx.input(0), ctx.inputs[0].shape());
        let h = x.len() / 2;
        let mut outs = Vec::new();
        for part in [&x[..h], &x[h..]] {
            let d = ArrayData::alloc(&[part.len() as i32], crate::Dtype::Float32, ctx.device)?;
            // SAFETY: fresh buffer owned by this kernel.
            unsafe { d.dense_mut::<f32>() }.copy_from_slice(part);
            outs.push(d);
        }
        Ok(outs)
    }
}

/// A primitive that always fails, to test error propagation.
#[derive(Debug)]
struct Fails;

impl Primitive for Fails {
    fn name(&self) -> String {
        "Fails".into()
    }
    fn eval_cpu(&self, _ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        Err(crate::Error::Runtime("[Fails] on purpose".into()))
    }
}

fn halves(x: &Array) -> Vec<Array> {
    let h = x.shape()[0] / 2;
    let s = crate::ops::op_stream("halves").unwrap();
    Array::multi_from_op(
        vec![(vec![h], x.dtype()), (vec![x.shape()[0] - h], x.dtype())],
        s,
        Halves,
        vec![x.clone()],
    )
}

#[test]
fn multi_output_primitive_fills_all_siblings() {
    let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0], &[5]).unwrap();
    let parts = halves(&x);
    assert_eq!(parts[0].primitive_name().as_deref(), Some("Halves"));
    // Evaluating one output computes its sibling too.
    parts[1].eval().unwrap();
    assert!(parts[0].is_available());
    assert_eq!(parts[0].to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
    assert_eq!(parts[1].to_vec::<f32>().unwrap(), vec![3.0, 4.0, 5.0]);
    // Detached after dispatch.
    assert!(parts[0].primitive_name().is_none());
}

#[test]
fn dropped_sibling_does_not_block_evaluation() {
    let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[4]).unwrap();
    let mut parts = halves(&x);
    let second = parts.pop().unwrap();
    drop(parts);
    let y = ops::add(&second, &second).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![6.0, 8.0]);
}

#[test]
fn kernel_errors_propagate_to_consumers_and_synchronize() {
    let s = crate::ops::op_stream("t").unwrap();
    let x = Array::from_slice(&[1.0f32], &[1]).unwrap();
    let bad = Array::from_op(vec![1], crate::Dtype::Float32, s, Fails, vec![x.clone()]);
    let dep = ops::exp(&bad).unwrap();
    crate::async_eval(std::slice::from_ref(&dep)).unwrap();
    let err = crate::stream::synchronize(s).unwrap_err();
    assert_eq!(err.to_string(), "[Fails] on purpose");
    // The error stays with the arrays; the stream's record is cleared.
    assert!(dep.eval().is_err());
    assert!(crate::stream::synchronize(s).is_ok());
    assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.0]);
}

#[test]
fn an_error_eval_reported_is_not_raised_again_by_synchronize() {
    let s = crate::ops::op_stream("t2").unwrap();
    let x = Array::from_slice(&[1.0f32], &[1]).unwrap();
    let bad = Array::from_op(vec![1], crate::Dtype::Float32, s, Fails, vec![x.clone()]);
    let dep = ops::exp(&bad).unwrap();
    assert!(dep.eval().is_err());
    assert!(crate::stream::synchronize(s).is_ok());
}

#[test]
fn tape_is_breadth_first_up_to_the_width_then_depth_first() {
    // Three independent chains joined at the end: narrow graphs are emitted breadth first,
    // so the chains interleave in dispatch order.
    let leaf = Array::from_slice(&[1.0f32], &[1]).unwrap();
    let chains: Vec<Array> = (0..3)
        .map(|_| {
            let mut y = leaf.clone();
            for _ in 0..3 {
                y = ops::exp(&y).unwrap();
            }
            y
        })
        .collect();
    let out = ops::add(&ops::add(&chains[0], &chains[1]).unwrap(), &chains[2]).unwrap();
    let tape = super::tape::build(std::slice::from_ref(&out));
    assert_eq!(tape.len(), 3 * 3 + 2);
    let names: Vec<String> = tape.iter().map(|e| e.op.primitive.name()).collect();
    // The first three dispatched are the first op of each chain.
    assert_eq!(&names[..3], &["Exp", "Exp", "Exp"]);
    assert_eq!(names.last().unwrap(), "Add");
    // A wide graph (25 branches > width 20) still yields a valid topological order.
    let branches: Vec<Array> = (0..25)
        .map(|_| ops::exp(&ops::exp(&leaf).unwrap()).unwrap())
        .collect();
    let mut acc = branches[0].clone();
    for b in &branches[1..] {
        acc = ops::add(&acc, b).unwrap();
    }
    let tape = super::tape::build(std::slice::from_ref(&acc));
    assert_eq!(tape.len(), 25 * 2 + 24);
    let mut seen = std::collections::HashSet::new();
    for e in &tape {
        for i in &e.op.inputs {
            if let Some(op) = i.0.lock_op().as_ref() {
                assert!(
                    seen.contains(&(std::sync::Arc::as_ptr(op) as usize)),
                    "input before consumer"
                );
            }
        }
        seen.insert(std::sync::Arc::as_ptr(&e.op) as usize);
    }
    drop(tape);
    assert_eq!(acc.to_vec::<f32>().unwrap().len(), 1);
}
