//! Public operations: each validates its arguments eagerly, infers the output shape and
//! dtype, and builds a graph node. Nothing is computed until evaluation.

pub mod binary;
pub mod creation;
pub mod dynamic_slice;
pub mod fused_mm;
pub mod hadamard;
pub mod indexing;
pub mod linalg;
pub mod pad;
pub mod products;
pub mod rearrange;
pub mod reduce;
pub mod reinterpret;
pub mod scan;
pub mod shape;
pub mod slicing;
pub mod sort;
pub mod ternary;
pub mod unary;
pub mod weak;

pub use binary::*;
pub use creation::*;
pub use dynamic_slice::*;
pub use fused_mm::*;
pub use hadamard::*;
pub use indexing::*;
pub use linalg::*;
pub use pad::*;
pub use products::*;
pub use rearrange::*;
pub use reduce::*;
pub use reinterpret::*;
pub use scan::*;
pub use shape::*;
pub use slicing::*;
pub use sort::*;
pub use ternary::*;
pub use unary::*;
pub use weak::*;

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
