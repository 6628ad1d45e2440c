//! Public operations: each validates its arguments eagerly, infers the output shape and
//! dtype, and builds a graph node. Nothing is computed until evaluation.

pub mod binary;
pub mod creation;
pub mod indexing;
pub mod linalg;
pub mod reduce;
pub mod scan;
pub mod shape;
pub mod slicing;
pub mod sort;
pub mod ternary;
pub mod unary;
pub mod weak;
pub mod compare;
pub mod dtype_kind;
pub mod depends;
pub mod diagonal;
pub mod grid;
pub mod search;
pub mod stats;
pub mod triangular;
pub mod window;

pub use binary::*;
pub use creation::*;
pub use indexing::*;
pub use linalg::*;
pub use reduce::*;
pub use scan::*;
pub use shape::*;
pub use slicing::*;
pub use sort::*;
pub use ternary::*;
pub use unary::*;
pub use weak::*;
pub use compare::*;
pub use dtype_kind::*;
pub use depends::*;
pub use diagonal::*;
pub use grid::*;
pub use search::*;
pub use stats::*;
pub use triangular::*;
pub use window::*;

use crate::device::DeviceType;
use crate::error::Result;
use crate::stream::{current_stream, gpu_unavailable, Stream};

/// The stream an op called now runs on; GPU streams fail until the CUDA backend lands.
pub(crate) fn op_stream(func: &str) -> Result<Stream> {
    let s = current_stream()?;
    if s.device.kind == DeviceType::Gpu {
        return Err(gpu_unavailable(func, s));
    }
    Ok(s)
}
