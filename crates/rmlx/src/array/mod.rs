//! `Array`: a cheap-to-clone handle to a node of the lazy graph.

mod bytes;
mod data;
mod node;
mod operators;
mod readback;

pub use bytes::RawView;
pub use data::ArrayData;
pub(crate) use node::{Node, OpNode, DONE, SCHEDULED, UNSCHEDULED};

use crate::dtype::{Dtype, Element};
use crate::error::{bail, Result};
use crate::primitives::Primitive;
use crate::shape::{fmt_shape, size_of, Shape};
use crate::stream::Stream;
use std::sync::atomic::{AtomicBool, AtomicU8};
use std::sync::{Arc, Mutex, OnceLock};

/// A lazily evaluated N-dimensional array. Cloning copies a pointer; arrays are `Send + Sync`.
#[derive(Clone)]
pub struct Array(pub(crate) Arc<Node>);

impl Array {
    fn new_node(shape: Shape, dtype: Dtype, output_index: u32) -> Node {
        Node {
            shape,
            dtype,
            output_index,
            status: AtomicU8::new(UNSCHEDULED),
            data: OnceLock::new(),
            error: OnceLock::new(),
            op: Mutex::new(None),
            tracer: AtomicBool::new(false),
        }
    }

    /// Whether an operation on `inputs` yields tracers: any input is one (while tracing).
    fn traces(inputs: &[Array]) -> bool {
        inputs.iter().any(|a| a.0.is_tracer())
    }

    /// A stand-in for an output nobody holds any more: it receives the kernel's result,
    /// which is dropped with the task.
    pub(crate) fn placeholder(shape: Shape, dtype: Dtype, output_index: u32) -> Array {
        let node = Array::new_node(shape, dtype, output_index);
        node.status
            .store(SCHEDULED, std::sync::atomic::Ordering::Release);
        Array(Arc::new(node))
    }

    /// An evaluated array over existing data.
    pub(crate) fn from_data(shape: Shape, dtype: Dtype, data: ArrayData) -> Array {
        let node = Array::new_node(shape, dtype, 0);
        node.finish(Ok(data));
        Array(Arc::new(node))
    }

    /// An array whose evaluation already failed (the error surfaces at the next sync).
    pub(crate) fn failed(shape: Shape, dtype: Dtype, err: crate::Error) -> Array {
        let node = Array::new_node(shape, dtype, 0);
        node.finish(Err(err));
        Array(Arc::new(node))
    }

    /// A new graph node: `primitive` applied to `inputs` on `stream`.
    pub(crate) fn from_op(
        shape: Shape,
        dtype: Dtype,
        stream: Stream,
        primitive: impl Primitive,
        inputs: Vec<Array>,
    ) -> Array {
        Array::from_shared_op(shape, dtype, stream, Arc::new(primitive), inputs)
    }

    /// [`Array::from_op`] with a primitive shared with other nodes (a compiled function's
    /// tape replays one primitive object into every call's graph).
    pub(crate) fn from_shared_op(
        shape: Shape,
        dtype: Dtype,
        stream: Stream,
        primitive: Arc<dyn Primitive>,
        inputs: Vec<Array>,
    ) -> Array {
        let tracer = Array::traces(&inputs);
        let node = Arc::new_cyclic(|weak| {
            let node = Array::new_node(shape, dtype, 0);
            node.tracer
                .store(tracer, std::sync::atomic::Ordering::Relaxed);
            let op = OpNode {
                primitive,
                inputs,
                outputs: vec![weak.clone()],
                sibling_specs: None,
                stream,
            };
            *node.op.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(op));
            node
        });
        Array(node)
    }

    /// Several outputs of one primitive (siblings), in order.
    pub(crate) fn multi_from_op(
        specs: Vec<(Shape, Dtype)>,
        stream: Stream,
        primitive: impl Primitive,
        inputs: Vec<Array>,
    ) -> Vec<Array> {
        Array::multi_from_shared_op(specs, stream, Arc::new(primitive), inputs)
    }

    /// [`Array::multi_from_op`] with a shared primitive (see [`Array::from_shared_op`]).
    pub(crate) fn multi_from_shared_op(
        specs: Vec<(Shape, Dtype)>,
        stream: Stream,
        primitive: Arc<dyn Primitive>,
        inputs: Vec<Array>,
    ) -> Vec<Array> {
        let tracer = Array::traces(&inputs);
        let nodes: Vec<Arc<Node>> = specs
            .iter()
            .enumerate()
            .map(|(i, (s, d))| {
                let node = Array::new_node(s.clone(), *d, i as u32);
                node.tracer
                    .store(tracer, std::sync::atomic::Ordering::Relaxed);
                Arc::new(node)
            })
            .collect();
        let op = Arc::new(OpNode {
            primitive,
            inputs,
            outputs: nodes.iter().map(Arc::downgrade).collect(),
            sibling_specs: Some(specs.into_boxed_slice()),
            stream,
        });
        for n in &nodes {
            *n.lock_op() = Some(op.clone());
        }
        nodes.into_iter().map(Array).collect()
    }

    /// The shape.
    pub fn shape(&self) -> &[i32] {
        &self.0.shape
    }
    /// Size of dimension `axis` (negative counts from the end).
    pub fn dim(&self, axis: i32) -> Result<i32> {
        let ax = crate::shape::normalize_axis_index("dim", axis, self.ndim())?;
        Ok(self.0.shape[ax])
    }
    /// The element type.
    pub fn dtype(&self) -> Dtype {
        self.0.dtype
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.shape.len()
    }
    /// Number of elements.
    pub fn size(&self) -> usize {
        size_of(&self.0.shape)
    }
    /// Bytes per element.
    pub fn itemsize(&self) -> usize {
        self.0.dtype.size()
    }
    /// Bytes of the logical array.
    pub fn nbytes(&self) -> usize {
        self.size() * self.itemsize()
    }
    /// A unique id for the node (its address), stable while the array lives.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
    /// True when the data is computed.
    pub fn is_available(&self) -> bool {
        self.0.data.get().is_some()
    }
    /// The name of the primitive that produces this array, while it is still in the graph.
    pub fn primitive_name(&self) -> Option<String> {
        self.0.lock_op().as_ref().map(|op| op.primitive.name())
    }
    /// The strides of the evaluated data (`None` before evaluation).
    pub fn strides(&self) -> Option<Vec<i64>> {
        self.0.data.get().map(|d| d.strides.clone())
    }
    /// Layout flags of the evaluated data (`None` before evaluation).
    pub fn flags(&self) -> Option<crate::shape::Flags> {
        self.0.data.get().map(|d| d.flags)
    }

    /// Builds an evaluated array by copying `data` with the given shape.
    pub fn from_slice<T: Element>(data: &[T], shape: &[i32]) -> Result<Array> {
        if shape.iter().any(|&d| d < 0) {
            bail!(
                "[array] Negative dimensions are not allowed, got shape {}.",
                fmt_shape(shape)
            );
        }
        if size_of(shape) != data.len() {
            bail!(
                "[array] Data of {} elements cannot have shape {}.",
                data.len(),
                fmt_shape(shape)
            );
        }
        let device = crate::device::default_device();
        let out = ArrayData::alloc(shape, T::DTYPE, device)?;
        // SAFETY: `out` is a fresh row-contiguous buffer of exactly `data.len()` elements.
        unsafe { out.dense_mut::<T>() }.copy_from_slice(data);
        Ok(Array::from_data(shape.to_vec(), T::DTYPE, out))
    }

    /// A 0-d array holding `value`. An allocation failure of its few bytes surfaces as an
    /// error at the next evaluation instead of a panic.
    pub fn scalar<T: Element>(value: T) -> Array {
        match Array::from_slice(&[value], &[]) {
            Ok(a) => a,
            Err(e) => Array::failed(vec![], T::DTYPE, e),
        }
    }

    /// Whether the array is a tracer of a transform running on this thread.
    pub fn is_tracer(&self) -> bool {
        self.0.is_tracer()
    }

    /// The data, once evaluated.
    pub(crate) fn data(&self) -> Option<&ArrayData> {
        self.0.data.get()
    }
}

impl std::fmt::Debug for Array {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Array(shape={}, dtype={}",
            fmt_shape(self.shape()),
            self.dtype()
        )?;
        if let Some(name) = self.primitive_name() {
            write!(f, ", op={name}")?;
        }
        write!(f, ")")
    }
}

impl<T: Element> From<T> for Array {
    fn from(v: T) -> Array {
        Array::scalar(v)
    }
}
