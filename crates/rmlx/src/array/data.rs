//! `ArrayData`: an evaluated array's view of a buffer (offset, strides, flags).

use crate::device::Device;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::memory::{allocator_for, Buffer};
use crate::shape::{layout_flags, row_major_strides, size_of, Flags, Strides};
use std::sync::Arc;

/// The storage of an evaluated array. Views share `buffer` and differ in offset and strides.
#[derive(Clone, Debug)]
pub struct ArrayData {
    /// The allocation, shared by every view of it.
    pub(crate) buffer: Arc<Buffer>,
    /// Element offset of the array's first element in the buffer.
    pub(crate) offset: i64,
    /// Element strides; 0 for broadcast dimensions, negative for reversed slices.
    pub(crate) strides: Strides,
    /// Number of buffer slots the array spans from its lowest address.
    pub(crate) data_size: usize,
    /// Layout facts.
    pub(crate) flags: Flags,
}

impl ArrayData {
    /// A fresh row-contiguous buffer for `shape` of `dtype`.
    pub(crate) fn alloc(shape: &[i32], dtype: Dtype, device: Device) -> Result<ArrayData> {
        let n = size_of(shape);
        let buffer = allocator_for(device)?.malloc(n * dtype.size())?;
        Ok(ArrayData::row_contiguous(Arc::new(buffer), shape))
    }

    /// A fresh buffer laid out like `like` (same strides when `like` is dense).
    pub(crate) fn alloc_like(
        like: &ArrayData,
        shape: &[i32],
        dtype: Dtype,
        device: Device,
    ) -> Result<ArrayData> {
        if like.flags.contiguous && like.data_size == size_of(shape) {
            let buffer = allocator_for(device)?.malloc(like.data_size * dtype.size())?;
            Ok(ArrayData {
                buffer: Arc::new(buffer),
                offset: 0,
                strides: like.strides.clone(),
                data_size: like.data_size,
                flags: like.flags,
            })
        } else {
            ArrayData::alloc(shape, dtype, device)
        }
    }

    /// Row-contiguous data over a whole buffer.
    pub(crate) fn row_contiguous(buffer: Arc<Buffer>, shape: &[i32]) -> ArrayData {
        let strides = row_major_strides(shape);
        let (flags, data_size) = layout_flags(shape, &strides);
        ArrayData {
            buffer,
            offset: 0,
            strides,
            data_size,
            flags,
        }
    }

    /// A view of the same buffer with another offset and strides.
    pub(crate) fn view(&self, shape: &[i32], strides: Strides, offset: i64) -> ArrayData {
        let (flags, data_size) = layout_flags(shape, &strides);
        ArrayData {
            buffer: self.buffer.clone(),
            offset,
            strides,
            data_size,
            flags,
        }
    }

    /// Pointer to the first element, typed.
    pub(crate) fn ptr<T>(&self) -> *const T {
        // SAFETY: `offset` lies inside the buffer for every non-empty array (views are built
        // from in-bounds element positions); for empty arrays the pointer is never read.
        unsafe { (self.buffer.as_ptr() as *const T).offset(self.offset as isize) }
    }

    /// Mutable pointer to the first element. Writing through it is allowed only while the
    /// caller holds the sole reference to the buffer (fresh allocation or donation).
    pub(crate) fn ptr_mut<T>(&self) -> *mut T {
        self.ptr::<T>() as *mut T
    }

    /// The `data_size` dense slots as a slice. Valid for contiguous data of element type `T`.
    pub(crate) fn dense<T>(&self) -> &[T] {
        debug_assert!(self.flags.contiguous);
        // SAFETY: dense data spans exactly `data_size` initialised elements from `ptr`; the
        // caller picks `T` from the array's dtype.
        unsafe { std::slice::from_raw_parts(self.ptr::<T>(), self.data_size) }
    }

    /// The dense slots as a mutable slice.
    ///
    /// # Safety
    /// The caller must be the only one reading or writing this buffer for the slice's life
    /// (a fresh output buffer, or a donated input that nothing else references).
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn dense_mut<T>(&self) -> &mut [T] {
        debug_assert!(self.flags.contiguous);
        // SAFETY: exclusivity is the caller's contract; bounds as in `dense`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr_mut::<T>(), self.data_size) }
    }

    /// Strides in elements.
    pub fn strides(&self) -> &[i64] {
        &self.strides
    }

    /// Layout flags.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// True when no other data holds this buffer and the allocator owns it (a window of a
    /// mapped file is never donated: its memory is not the allocator's to hand on).
    pub(crate) fn owns_buffer(&self) -> bool {
        Arc::strong_count(&self.buffer) == 1 && !self.buffer.is_borrowed()
    }

    /// Bytes of the underlying buffer.
    pub(crate) fn buffer_size(&self) -> usize {
        self.buffer.size()
    }
}
