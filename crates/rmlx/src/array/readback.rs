//! Reading values back: evaluation followed by a copy into Rust memory.

use super::Array;
use crate::backend::cpu::strided::copy_to_vec;
use crate::dtype::Element;
use crate::error::{Error, Result};

impl Array {
    /// Evaluates this array (and what it depends on); waits for the result.
    pub fn eval(&self) -> Result<()> {
        crate::eval::eval(std::slice::from_ref(self))
    }

    /// The single element of a 1-element array, as `T` (which must be the array's dtype).
    pub fn item<T: Element>(&self) -> Result<T> {
        if self.size() != 1 {
            return Err(Error::InvalidArgument(format!(
                "[item] Only one element arrays can be converted to scalars, got shape {}.",
                crate::shape::fmt_shape(self.shape())
            )));
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// All elements in row-major order, as `T` (which must be the array's dtype).
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if T::DTYPE != self.dtype() {
            return Err(Error::Type(format!(
                "[to_vec] Array of dtype {} read as {}.",
                self.dtype(),
                T::DTYPE
            )));
        }
        self.eval()?;
        let data = self
            .data()
            .ok_or_else(|| Error::Runtime("[to_vec] Array has no data.".into()))?;
        Ok(copy_to_vec::<T>(data, self.shape()))
    }
}
