//! Evaluation: turning the lazy graph into data.

pub(crate) mod scheduler;
mod tape;

use crate::array::{Array, DONE, SCHEDULED, UNSCHEDULED};
use crate::error::Result;
use scheduler::{dispatch, throttle, wait_until, Task, TaskOutputs};
use std::sync::atomic::Ordering;

/// Dispatches everything `outputs` need; returns without waiting.
fn schedule(outputs: &[Array]) {
    for entry in tape::build(outputs) {
        let tape::TapeEntry { op, array } = entry;
        // Claim the outputs (another thread may have dispatched the operation), then detach:
        // the nodes forget the operation, so the task holds the only handle and
        // intermediates are freed as soon as their consumers finish.
        let outputs = if op.outputs.len() == 1 {
            // The tape's handle is the one output: nothing to allocate on this path.
            if !claim(&array) {
                continue;
            }
            TaskOutputs::One([array])
        } else {
            let mut all = Vec::with_capacity(op.outputs.len());
            let mut claimed = true;
            for (i, w) in op.outputs.iter().enumerate() {
                match w.upgrade() {
                    Some(node) => {
                        let out = Array(node);
                        claimed &= claim(&out);
                        all.push(out);
                    }
                    None => {
                        // A dropped sibling: the kernel still writes it, into a stand-in.
                        let (shape, dtype) = op
                            .sibling_specs
                            .as_ref()
                            .and_then(|s| s.get(i).cloned())
                            .unwrap_or_else(|| (array.shape().to_vec(), array.dtype()));
                        all.push(Array::placeholder(shape, dtype, i as u32));
                    }
                }
            }
            if !claimed {
                continue;
            }
            TaskOutputs::Many(all)
        };
        // Tracers keep their operation: the transform that is tracing them walks it later.
        if !outputs.iter().any(|o| o.0.is_tracer()) {
            for out in outputs.iter() {
                out.0.lock_op().take();
            }
        }
        dispatch(Task { op, outputs });
        throttle();
    }
}

/// Marks `a` scheduled; false if another thread got there first.
fn claim(a: &Array) -> bool {
    a.0.status
        .compare_exchange(UNSCHEDULED, SCHEDULED, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
}

/// Evaluates `outputs` and waits for them. The first error met (out of memory, a kernel
/// failure) is returned; arrays evaluated before it stay readable.
pub fn eval(outputs: &[Array]) -> Result<()> {
    if crate::compile::in_compile_tracing() && outputs.iter().any(Array::is_tracer) {
        return Err(crate::Error::InvalidArgument(
            "[eval] Attempting to eval an array during function transformations like compile \
             or vmap is not allowed."
                .into(),
        ));
    }
    schedule(outputs);
    for a in outputs {
        if a.0.status() != DONE {
            wait_until(|| a.0.status() == DONE);
        }
        if let Some(e) = a.0.error.get() {
            scheduler::acknowledge(e);
            return Err(e.clone());
        }
    }
    Ok(())
}

/// Starts evaluating `outputs` and returns at once; errors surface when the arrays are read
/// or their stream is synchronized.
pub fn async_eval(outputs: &[Array]) -> Result<()> {
    if crate::transforms::in_tracing() {
        return Err(crate::Error::InvalidArgument(
            "[async_eval] Not allowed inside a graph transformation.".into(),
        ));
    }
    schedule(outputs);
    Ok(())
}

#[cfg(test)]
mod tests;
