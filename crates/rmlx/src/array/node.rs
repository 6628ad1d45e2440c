//! Graph nodes: an array's node and the operation node shared by an op's outputs.

use super::{Array, ArrayData};
use crate::dtype::Dtype;
use crate::error::Error;
use crate::primitives::Primitive;
use crate::shape::Shape;
use crate::stream::Stream;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Not yet handed to a stream.
pub(crate) const UNSCHEDULED: u8 = 0;
/// Handed to a stream; data not there yet.
pub(crate) const SCHEDULED: u8 = 1;
/// Data (or an error) is set.
pub(crate) const DONE: u8 = 2;

/// One array in the graph. Shape and dtype are fixed at creation (ops validate eagerly);
/// data arrives once, when the producing task finishes.
pub(crate) struct Node {
    pub shape: Shape,
    pub dtype: Dtype,
    /// Which output of its operation this array is.
    pub output_index: u32,
    pub status: AtomicU8,
    pub data: OnceLock<ArrayData>,
    pub error: OnceLock<Error>,
    /// The producing operation until the array is dispatched (then detached: `None`), or
    /// for good when the array is a tracer evaluated inside a transform.
    pub op: Mutex<Option<Arc<OpNode>>>,
    /// Depends on the inputs of a transform being traced (see `crate::transforms`): its
    /// graph is kept through evaluation so the transform can walk it.
    pub tracer: AtomicBool,
}

/// An operation: a primitive applied to inputs on a stream, producing `outputs`.
/// Outputs are weak so that a node and its operation never keep each other alive.
pub(crate) struct OpNode {
    /// Shared so that a compiled function's tape can replay one primitive into many graphs.
    pub primitive: Arc<dyn Primitive>,
    pub inputs: Vec<Array>,
    pub outputs: Vec<Weak<Node>>,
    /// Shapes and dtypes of the outputs of a multi-output operation, so that a sibling the
    /// user dropped can still be given to the kernel (`None` for single-output operations,
    /// whose one output is alive whenever the operation is evaluated).
    pub sibling_specs: Option<Box<[(Shape, Dtype)]>>,
    pub stream: Stream,
}

impl std::fmt::Debug for OpNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpNode({:?} on {:?})", self.primitive, self.stream)
    }
}

impl Node {
    pub fn lock_op(&self) -> std::sync::MutexGuard<'_, Option<Arc<OpNode>>> {
        self.op.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether this array is a tracer of a transform running on this thread.
    pub fn is_tracer(&self) -> bool {
        self.tracer.load(Ordering::Relaxed) && crate::transforms::in_tracing()
    }

    pub fn status(&self) -> u8 {
        self.status.load(Ordering::Acquire)
    }

    /// Publishes the result of this array's computation and wakes waiters.
    pub fn finish(&self, result: Result<ArrayData, Error>) {
        match result {
            Ok(d) => {
                let _ = self.data.set(d);
            }
            Err(e) => {
                let _ = self.error.set(e);
            }
        }
        self.status.store(DONE, Ordering::Release);
    }
}

impl Drop for Node {
    /// Drops long unevaluated chains without recursion: inputs whose last owner is this
    /// chain are unlinked one at a time on an explicit stack.
    fn drop(&mut self) {
        let Some(op) = self.op.get_mut().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        // The stack allocates only when a chain actually continues (not for the common
        // case of an op whose inputs are still held elsewhere).
        let mut stack = Vec::new();
        let mut current = Some(op);
        while let Some(op) = current.take().or_else(|| stack.pop()) {
            let Ok(mut op) = Arc::try_unwrap(op) else {
                continue;
            };
            for input in op.inputs.drain(..) {
                if let Ok(mut node) = Arc::try_unwrap(input.0) {
                    if let Some(next) = node.op.get_mut().unwrap_or_else(|p| p.into_inner()).take()
                    {
                        stack.push(next);
                    }
                }
            }
        }
    }
}
