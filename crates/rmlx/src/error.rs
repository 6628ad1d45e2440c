//! The one error type of the crate.
//!
//! Every message starts with `[function_name]`, as MLX's do, and names the shapes and dtypes
//! involved. Each variant maps to one Python exception type (see `python_exception`).

use crate::device::Device;

/// Errors returned by every fallible rmlx function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad argument values or shapes (Python `ValueError`).
    #[error("{0}")]
    InvalidArgument(String),
    /// Index or axis out of range where MLX raises `IndexError`.
    #[error("{0}")]
    Index(String),
    /// An argument of the wrong type or dtype (Python `TypeError`).
    #[error("{0}")]
    Type(String),
    /// The system (RAM plus swap, or device memory) could not supply an allocation.
    #[error(
        "[malloc] Out of memory on {device}: requested {requested} bytes \
         (active {active} bytes, cache {cache} bytes, memory limit {limit} bytes)"
    )]
    OutOfMemory {
        /// Bytes asked for.
        requested: usize,
        /// Bytes in live buffers when the request failed.
        active: usize,
        /// Bytes in the buffer cache when the request failed (after it was cleared).
        cache: usize,
        /// The memory limit (a guideline) in force.
        limit: usize,
        /// Where the allocation was attempted.
        device: Device,
    },
    /// A failure while evaluating the graph (Python `RuntimeError`).
    #[error("{0}")]
    Runtime(String),
    /// A feature that rmlx does not provide yet; the message names it.
    #[error("{0}")]
    NotImplemented(String),
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The Python exception class MLX raises for this error.
    pub fn python_exception(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "ValueError",
            Error::Index(_) => "IndexError",
            Error::Type(_) => "TypeError",
            Error::OutOfMemory { .. } | Error::Runtime(_) | Error::NotImplemented(_) => {
                "RuntimeError"
            }
        }
    }
}

/// Builds an `Error::InvalidArgument` with `format!` syntax.
macro_rules! invalid {
    ($($arg:tt)*) => { $crate::error::Error::InvalidArgument(format!($($arg)*)) };
}
pub(crate) use invalid;

/// Returns early with an `Error::InvalidArgument`.
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::invalid!($($arg)*)) };
}
pub(crate) use bail;
