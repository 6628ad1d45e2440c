//! `Buffer`: one allocation owned by the memory manager, returned to it on drop.

use super::allocator::Allocator;
use std::ptr::NonNull;
use std::sync::Arc;

/// A block of device memory. Dropping it hands the block back to its allocator (cache or
/// system), which is how active memory falls when the last array using it goes away.
///
/// A buffer may instead be a window of memory owned by something else (`owner`): a private,
/// copy-on-write file mapping made by `io` when loading weights. Such a buffer has no
/// allocator: it is not counted in active memory (its pages are file-backed and cost nothing
/// until read), it is never cached, and `is_borrowed` keeps it from being donated.
pub struct Buffer {
    ptr: NonNull<u8>,
    size: usize,
    allocator: Option<&'static Allocator>,
    /// Keeps borrowed memory alive (dropped with the last buffer over it).
    owner: Option<Arc<dyn Send + Sync>>,
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
            owner: None,
        }
    }

    /// A window of `size` bytes at `ptr` inside memory that `owner` keeps alive.
    ///
    /// # Safety
    /// `ptr..ptr + size` must stay valid, readable and writable (writes may stay private to
    /// this process, as with a copy-on-write mapping) for as long as `owner` lives, and must
    /// not be freed by anyone else.
    pub(crate) unsafe fn borrowed(
        ptr: NonNull<u8>,
        size: usize,
        owner: Arc<dyn Send + Sync>,
    ) -> Buffer {
        Buffer {
            ptr,
            size,
            allocator: None,
            owner: Some(owner),
        }
    }

    /// True for a window of memory the allocator does not own (a mapped file): such a
    /// buffer must never be donated to an op's output nor returned to the cache.
    pub fn is_borrowed(&self) -> bool {
        self.owner.is_some()
    }

    /// A zero-byte buffer; it owns nothing.
    pub(crate) fn empty() -> Buffer {
        Buffer {
            ptr: NonNull::<u64>::dangling().cast(),
            size: 0,
            allocator: None,
            owner: None,
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
        // Borrowed memory goes away with its owner (the field's own drop), never to the cache.
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
