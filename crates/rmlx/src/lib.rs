//! rmlx: MLX's lazy arrays, function transforms and memory manager, natively in Rust.
//!
//! ```
//! use rmlx::{ops, Array, Dtype};
//! let a = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
//! let b = ops::multiply(&a, &Array::scalar(2.0f32)).unwrap();
//! assert_eq!(b.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0]);
//! ```
//!
//! See `docs/ARCHITECTURE.md` for the code map and the invariants the crate relies on.

#![warn(missing_docs)]

pub mod array;
pub(crate) mod backend;
pub mod compile;
pub mod device;
pub mod dtype;
pub mod error;
pub mod eval;
pub mod export;
pub mod io;
pub mod memory;
pub mod ops;
pub(crate) mod primitives;
pub mod random;
pub mod shape;
pub mod stream;
pub mod transforms;

pub use array::Array;
#[doc(hidden)]
pub use compile::fuse::{fuse_for_tests, graph_primitive_names};
pub use device::{Device, DeviceType};
pub use dtype::{promote_types, Dtype, DtypeCategory, Element, Scalar};
pub use error::{Error, Result};
pub use eval::{async_eval, eval};
pub use stream::{new_stream, new_thread_unsafe_stream, synchronize, Stream};
