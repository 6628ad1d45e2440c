//! `Source`: the bytes of a file being loaded, either memory-mapped (a path) or owned (bytes
//! handed over by a caller, e.g. a Python file object), and how arrays are cut out of them.
//!
//! Arrays from a mapped file are windows of the mapping when the data is aligned for its
//! dtype: they cost no memory until their pages are read. The mapping is private and
//! copy-on-write (`MAP_PRIVATE`), so a write through an array's buffer (Python's buffer
//! protocol) lands in a private page: it can never fault and never changes the file. Such
//! buffers are not counted in `get_active_memory` (they are file-backed, like a page cache),
//! never enter the allocator cache, and are never donated (`Buffer::is_borrowed`).
//! Misaligned data, big-endian data and booleans are copied into ordinary buffers.

use crate::array::{Array, ArrayData};
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::memory::Buffer;
use crate::shape::size_of;
use std::ptr::NonNull;
use std::sync::Arc;

/// The bytes of one file.
#[derive(Debug)]
pub(crate) struct Source {
    bytes: Bytes,
}

#[derive(Debug)]
enum Bytes {
    Mapped(Arc<memmap2::MmapMut>),
    Owned(Vec<u8>),
}

impl Source {
    /// Maps the file at `path`. `open_error` builds the error MLX raises for a missing or
    /// unreadable file (its type differs between formats).
    pub(crate) fn open(
        path: impl AsRef<std::path::Path>,
        open_error: impl Fn() -> Error,
    ) -> Result<Source> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|_| open_error())?;
        let len = file.metadata().map_err(|_| open_error())?.len();
        if len == 0 {
            // An empty mapping is an error on Linux; an empty file is just no bytes.
            return Ok(Source::from_vec(Vec::new()));
        }
        // SAFETY: the mapping is private (copy-on-write): our writes never reach the file.
        // Another process truncating the file while it is mapped would make reads fault
        // (SIGBUS); that is the documented cost of loading without copying, shared by every
        // mmap-based loader (NumPy's mmap_mode, safetensors, MLX).
        let map = unsafe { memmap2::MmapOptions::new().map_copy(&file) }.map_err(|e| {
            Error::Runtime(format!("[load] Failed to map file {}: {e}", path.display()))
        })?;
        Ok(Source {
            bytes: Bytes::Mapped(Arc::new(map)),
        })
    }

    /// Bytes already in memory; arrays are copied out of them.
    pub(crate) fn from_vec(v: Vec<u8>) -> Source {
        Source {
            bytes: Bytes::Owned(v),
        }
    }

    /// All bytes of the file.
    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }

    /// A row-contiguous array of `shape` and `dtype` whose native-endian elements are the
    /// bytes at `start..start + nbytes`: a window of the mapping when possible, else a copy.
    /// The caller has checked that the range lies inside the file.
    pub(crate) fn array(&self, start: usize, shape: &[i32], dtype: Dtype) -> Result<Array> {
        let nbytes = size_of(shape) * dtype.size();
        let bytes = &self.bytes()[start..start + nbytes];
        match &self.bytes {
            Bytes::Mapped(map)
                if nbytes > 0
                    && dtype != Dtype::Bool
                    && (bytes.as_ptr() as usize).is_multiple_of(dtype.size()) =>
            {
                let ptr = NonNull::new(bytes.as_ptr() as *mut u8)
                    .ok_or_else(|| Error::Runtime("[load] Null mapping.".into()))?;
                let owner: Arc<dyn Send + Sync> = map.clone();
                // SAFETY: `ptr..ptr + nbytes` lies inside the mapping (the slice above was
                // bounds-checked), which stays mapped, readable and writable (privately, copy
                // on write) while `owner` lives; nobody frees it but the mapping's drop.
                let buffer = unsafe { Buffer::borrowed(ptr, nbytes, owner) };
                let data = ArrayData::row_contiguous(Arc::new(buffer), shape);
                Ok(Array::from_data(shape.to_vec(), dtype, data))
            }
            _ => copy_array(bytes, shape, dtype),
        }
    }
}

/// An array holding a copy of `bytes`; booleans are normalised to 0/1 (any nonzero byte is
/// true), since other byte values are not valid booleans.
pub(crate) fn copy_array(bytes: &[u8], shape: &[i32], dtype: Dtype) -> Result<Array> {
    if dtype == Dtype::Bool && bytes.iter().any(|&b| b > 1) {
        let norm: Vec<u8> = bytes.iter().map(|&b| (b != 0) as u8).collect();
        return Array::from_bytes(&norm, shape, dtype);
    }
    Array::from_bytes(bytes, shape, dtype)
}
