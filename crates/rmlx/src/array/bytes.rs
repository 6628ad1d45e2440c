//! Raw-byte construction and readout, for bindings (Python's buffer protocol, NumPy,
//! file formats) that move data without knowing the element type at compile time.

use super::{Array, ArrayData};
use crate::backend::cpu::dispatch::dispatch_all;
use crate::backend::cpu::strided::copy_to_vec;
use crate::dtype::{Dtype, Element, Scalar};
use crate::error::{bail, Error, Result};
use crate::shape::{fmt_shape, size_of};

/// A borrowed look at an evaluated array's memory: where its first element is and how far
/// apart elements are. Valid while the `Array` it came from (or a clone) is alive.
#[derive(Clone, Debug)]
pub struct RawView {
    /// Address of the first element.
    pub ptr: *const u8,
    /// Strides in bytes, one per dimension (0 for broadcast dimensions, negative for
    /// reversed slices).
    pub byte_strides: Vec<isize>,
    /// True when the elements are laid out row-major without gaps.
    pub row_contiguous: bool,
}

impl Array {
    /// An evaluated array that copies `bytes` (native-endian elements of `dtype`, row-major).
    pub fn from_bytes(bytes: &[u8], shape: &[i32], dtype: Dtype) -> Result<Array> {
        if shape.iter().any(|&d| d < 0) {
            bail!(
                "[array] Negative dimensions are not allowed, got shape {}.",
                fmt_shape(shape)
            );
        }
        let n = size_of(shape);
        if n * dtype.size() != bytes.len() {
            bail!(
                "[array] {} bytes cannot hold shape {} of {dtype}.",
                bytes.len(),
                fmt_shape(shape)
            );
        }
        if dtype == Dtype::Bool && bytes.iter().any(|&b| b > 1) {
            bail!("[array] Bool data must hold only 0 and 1.");
        }
        let out = ArrayData::alloc(shape, dtype, crate::device::default_device())?;
        // SAFETY: `out` is a fresh row-contiguous buffer of exactly `bytes.len()` bytes that
        // nothing else references yet.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.ptr_mut::<u8>(), bytes.len());
        }
        Ok(Array::from_data(shape.to_vec(), dtype, out))
    }

    /// A 0-d array of `dtype` holding `value`, converted C-style.
    pub fn from_scalar(value: Scalar, dtype: Dtype) -> Array {
        crate::ops::weak::scalar_of(value, dtype)
    }

    /// Evaluates and copies the elements out in row-major order as native-endian bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.eval()?;
        let data = self
            .data()
            .ok_or_else(|| Error::Runtime("[to_bytes] Array has no data.".into()))?;
        Ok(dispatch_all!(self.dtype(), T => as_bytes(copy_to_vec::<T>(data, self.shape()))))
    }

    /// Evaluates and returns element `index` (row-major position) as a scalar.
    pub fn scalar_at(&self, index: usize) -> Result<Scalar> {
        if index >= self.size() {
            return Err(Error::Index(format!(
                "[scalar_at] Index {index} is out of bounds for size {}.",
                self.size()
            )));
        }
        self.eval()?;
        let data = self
            .data()
            .ok_or_else(|| Error::Runtime("[scalar_at] Array has no data.".into()))?;
        let mut rest = index;
        let mut offset = 0i64;
        for (&n, &s) in self.shape().iter().zip(data.strides()).rev() {
            let i = rest % n as usize;
            rest /= n as usize;
            offset += i as i64 * s;
        }
        Ok(dispatch_all!(self.dtype(), T => {
            // SAFETY: `offset` addresses an element inside the buffer: it is built from an
            // in-range index and the array's own strides.
            unsafe { *data.ptr::<T>().offset(offset as isize) }.to_scalar()
        }))
    }

    /// Evaluates and describes where the elements live, for zero-copy export.
    pub fn raw_view(&self) -> Result<RawView> {
        self.eval()?;
        let data = self
            .data()
            .ok_or_else(|| Error::Runtime("[raw_view] Array has no data.".into()))?;
        let item = self.itemsize() as isize;
        Ok(RawView {
            // The offset counts elements, not bytes.
            ptr: data
                .buffer
                .as_ptr()
                .wrapping_offset(data.offset as isize * item) as *const u8,
            byte_strides: data.strides().iter().map(|&s| s as isize * item).collect(),
            row_contiguous: data.flags().row_contiguous,
        })
    }
}

/// The bytes of a vector of plain elements.
fn as_bytes<T: Element>(v: Vec<T>) -> Vec<u8> {
    let n = std::mem::size_of_val(v.as_slice());
    let mut out = vec![0u8; n];
    // SAFETY: `Element` types are plain data without padding; `out` has room for all bytes.
    unsafe { std::ptr::copy_nonoverlapping(v.as_ptr() as *const u8, out.as_mut_ptr(), n) };
    out
}
