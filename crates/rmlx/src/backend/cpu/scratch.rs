//! Kernel scratch memory taken from the memory manager.
//!
//! Accumulators sized like a kernel's output (a column sum's running totals, softmax's
//! per-row max) can be as large as the output itself, so they are counted in active memory
//! and can fail with `OutOfMemory` like any buffer, instead of coming from the heap.

use crate::error::Result;
use crate::memory::{cpu_allocator, Buffer};
use std::marker::PhantomData;

/// `len` values of a plain number type in an allocator buffer.
pub(crate) struct Scratch<A> {
    buffer: Buffer,
    len: usize,
    _values: PhantomData<A>,
}

impl<A: Copy> Scratch<A> {
    /// `len` copies of `value`.
    pub fn filled(len: usize, value: A) -> Result<Scratch<A>> {
        // Allocator buffers are 64-byte aligned; the empty buffer's pointer is 8-aligned.
        debug_assert!(std::mem::align_of::<A>() <= 8);
        let buffer = cpu_allocator().malloc(len * std::mem::size_of::<A>())?;
        let p = buffer.as_ptr() as *mut A;
        for i in 0..len {
            // SAFETY: slot `i` lies inside the fresh `len * size_of::<A>()`-byte buffer, which
            // is suitably aligned; writing initialises it without reading.
            unsafe { p.add(i).write(value) };
        }
        Ok(Scratch {
            buffer,
            len,
            _values: PhantomData,
        })
    }
}

impl<A> std::ops::Deref for Scratch<A> {
    type Target = [A];
    fn deref(&self) -> &[A] {
        // SAFETY: `filled` initialised all `len` slots of the buffer this value owns.
        unsafe { std::slice::from_raw_parts(self.buffer.as_ptr() as *const A, self.len) }
    }
}

impl<A> std::ops::DerefMut for Scratch<A> {
    fn deref_mut(&mut self) -> &mut [A] {
        // SAFETY: as in `deref`; `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.buffer.as_ptr() as *mut A, self.len) }
    }
}
