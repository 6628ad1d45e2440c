//! `Buffer`: one allocation owned by the memory manager, returned to it on drop.

use super::allocator::Allocator;
use std::ptr::NonNull;

/// A block of device memory. Dropping it hands the block back to its allocator (cache or
/// system), which is how active memory falls when the last array using it goes away.
pub struct Buffer {
    ptr: NonNull<u8>,
    size: usize,
    allocator: Option<&'static Allocator>,
}

// SAFETY: a Buffer is a uniquely owned allocation; the graph shares it through `Arc<Buffer>`,
// and writes happen only while the evaluator holds the sole reference (donation) or before
// the buffer is published to other arrays.
unsafe impl Send for Buffer {}
// SAFETY: see `Send`; shared access is read-only.
unsafe impl Sync for Buffer {}

impl Buffer {
    pub(crate) fn new(ptr: NonNull<u8>, size: usize, allocator: &'static Allocator) -> Buffer {
        Buffer {
            ptr,
            size,
            allocator: Some(allocator),
        }
    }

    /// A zero-byte buffer; it owns nothing.
    pub(crate) fn empty() -> Buffer {
        Buffer {
            ptr: NonNull::<u64>::dangling().cast(),
            size: 0,
            allocator: None,
        }
    }

    /// Bytes owned.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The start of the allocation.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Some(a) = self.allocator {
            a.free(self.ptr, self.size);
        }
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Buffer({:p}, {} bytes)", self.ptr, self.size)
    }
}
