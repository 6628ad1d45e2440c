//! The `array` class: construction, properties, conversions and operators.
//!
//! A Python `array` holds an engine `Array`. Operations that MLX defines as rebinding
//! (`a += b`, `a[i] = v`) replace the held array in place, so every Python reference to the
//! object sees the new value, as in MLX.

use crate::convert::{operand_pair, to_array, Operand};
use crate::device::on_stream;
use crate::dtype::{dtype_arg, PyDtype};
use crate::errors::{type_error, value_error, IntoPy};
use crate::scalars::{scalar_to_py, to_pylist};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rmlx::{ops, Array};

/// An N-dimensional array (MLX's `mlx.core.array`).
#[pyclass(name = "array", module = "rmlx.core", weakref)]
pub struct PyArray {
    pub inner: Array,
}

impl PyArray {
    pub(crate) fn new_py(inner: Array) -> PyArray {
        PyArray { inner }
    }
}

/// A binary engine op.
type BinaryFn = fn(&Array, &Array) -> rmlx::Result<Array>;

/// `self op other` (or `other op self` when `reflected`), with weak Python scalars;
/// `NotImplemented` for operands that are not array-like, so Python can try the other side.
fn binary(
    slf: &Array,
    other: &Bound<'_, PyAny>,
    f: BinaryFn,
    reflected: bool,
) -> PyResult<Option<Array>> {
    let Some(o) = Operand::extract(other)? else {
        return Ok(None);
    };
    let (a, b) = if reflected {
        operand_pair(o, Operand::Array(slf.clone()))?
    } else {
        operand_pair(Operand::Array(slf.clone()), o)?
    };
    f(&a, &b).py().map(Some)
}

/// `self op other` for a bitwise operator: MLX's operators (unlike its functions) refuse
/// floating-point operands with a ValueError naming the operation (`what`).
fn bitwise(
    slf: &Array,
    other: &Bound<'_, PyAny>,
    f: BinaryFn,
    what: &str,
) -> PyResult<Option<Array>> {
    let Some(o) = Operand::extract(other)? else {
        return Ok(None);
    };
    let (a, b) = operand_pair(Operand::Array(slf.clone()), o)?;
    if a.dtype().is_inexact() || b.dtype().is_inexact() {
        return Err(value_error(format!(
            "Floating point types not allowed with {what}."
        )));
    }
    f(&a, &b).py().map(Some)
}

/// The rebinding form `a op= b`: MLX replaces the array held by `a`.
fn inplace(slf: &Array, other: &Bound<'_, PyAny>, f: BinaryFn) -> PyResult<Array> {
    rebind(binary(slf, other, f, false)?, other)
}

/// The new array of an in-place operator, or the TypeError for an operand it cannot use.
fn rebind(result: Option<Array>, other: &Bound<'_, PyAny>) -> PyResult<Array> {
    result.ok_or_else(|| {
        type_error(format!(
            "unsupported operand type for in-place operation: {}",
            other
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })
}

/// The right operand of `@`/`matmul`: MLX accepts only its own arrays (TypeError otherwise).
pub(crate) fn matmul_operand(other: &Bound<'_, PyAny>, func: &str) -> PyResult<Array> {
    match other.cast::<PyArray>() {
        Ok(a) => Ok(a.borrow().inner.clone()),
        Err(_) => Err(type_error(format!(
            "{func}(): incompatible function arguments: expected an array, got {}",
            other.get_type().name()?
        ))),
    }
}

fn wrap(py: Python<'_>, result: Option<Array>) -> PyResult<Py<PyAny>> {
    match result {
        Some(a) => Ok(Py::new(py, PyArray::new_py(a))?.into_any()),
        None => Ok(py.NotImplemented()),
    }
}

// PyO3's generated wrappers for methods written by a `macro_rules!` carry this crate's
// spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's own code.
#[allow(unsafe_op_in_unsafe_fn)]
mod dunders {
    use super::*;

    /// Generates `__op__`, `__rop__` and `__iop__` for a binary engine op. `$swap`: the
    /// reflected operator computes `other op self`; MLX's commutative reflected operators
    /// compute `self op other` (which shows in graph and `Compiled…` names).
    macro_rules! binary_dunders {
        ($($f:path => $op:ident, $rop:ident, $iop:ident, $swap:literal;)*) => {
            #[pymethods]
            impl PyArray {
                $(
                    fn $op(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                        wrap(py, binary(&self.inner, other, $f, false)?)
                    }
                    fn $rop(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                        wrap(py, binary(&self.inner, other, $f, $swap)?)
                    }
                    fn $iop(&mut self, other: &Bound<'_, PyAny>) -> PyResult<()> {
                        self.inner = inplace(&self.inner, other, $f)?;
                        Ok(())
                    }
                )*
            }
        };
    }

    binary_dunders! {
        ops::add => __add__, __radd__, __iadd__, false;
        ops::subtract => __sub__, __rsub__, __isub__, true;
        ops::multiply => __mul__, __rmul__, __imul__, false;
        ops::floor_divide => __floordiv__, __rfloordiv__, __ifloordiv__, true;
        ops::remainder => __mod__, __rmod__, __imod__, true;
    }

    /// Generates `__op__` and `__iop__` for a bitwise engine op. MLX's array has no
    /// reflected bitwise operators, so `2 & a` is Python's TypeError there too.
    macro_rules! bitwise_dunders {
        ($($f:path, $what:literal => $op:ident, $iop:ident;)*) => {
            #[pymethods]
            impl PyArray {
                $(
                    fn $op(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                        wrap(py, bitwise(&self.inner, other, $f, $what)?)
                    }
                    fn $iop(&mut self, other: &Bound<'_, PyAny>) -> PyResult<()> {
                        self.inner = rebind(bitwise(&self.inner, other, $f, $what)?, other)?;
                        Ok(())
                    }
                )*
            }
        };
    }

    bitwise_dunders! {
        ops::bitwise_and, "bitwise and" => __and__, __iand__;
        ops::bitwise_or, "bitwise or" => __or__, __ior__;
        ops::bitwise_xor, "bitwise xor" => __xor__, __ixor__;
        ops::left_shift, "left shift" => __lshift__, __ilshift__;
        ops::right_shift, "right shift" => __rshift__, __irshift__;
    }
}

#[pymethods]
impl PyArray {
    #[new]
    #[pyo3(signature = (val, dtype = None))]
    fn new(val: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
        let dtype = dtype.filter(|d| !d.is_none()).map(dtype_arg).transpose()?;
        Ok(PyArray::new_py(to_array(val, dtype)?))
    }

    // ----- properties -----
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.shape())
    }
    #[getter]
    fn dtype(&self) -> PyDtype {
        PyDtype(self.inner.dtype())
    }
    #[getter]
    fn ndim(&self) -> usize {
        self.inner.ndim()
    }
    #[getter]
    fn size(&self) -> usize {
        self.inner.size()
    }
    #[getter]
    fn itemsize(&self) -> usize {
        self.inner.itemsize()
    }
    #[getter]
    fn nbytes(&self) -> usize {
        self.inner.nbytes()
    }
    #[getter(T)]
    fn t(&self) -> PyResult<PyArray> {
        Ok(PyArray::new_py(ops::transpose(&self.inner).py()?))
    }
    #[getter]
    fn real(&self) -> PyResult<PyArray> {
        Ok(PyArray::new_py(ops::real(&self.inner).py()?))
    }
    #[getter]
    fn imag(&self) -> PyResult<PyArray> {
        Ok(PyArray::new_py(ops::imag(&self.inner).py()?))
    }

    // ----- conversions -----
    /// The single element as a Python scalar.
    fn item(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let a = self.inner.clone();
        if a.size() != 1 {
            return Err(value_error("item can only be called on arrays of size 1."));
        }
        let s = py.detach(|| a.scalar_at(0)).py()?;
        scalar_to_py(py, s)
    }

    /// Nested lists of Python scalars.
    fn tolist(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let a = self.inner.clone();
        py.detach(|| a.eval()).py()?;
        to_pylist(py, &self.inner)
    }

    #[pyo3(signature = (dtype, stream = None))]
    fn astype(
        &self,
        dtype: &Bound<'_, PyAny>,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        let d = dtype_arg(dtype)?;
        on_stream(stream, || ops::astype(&self.inner, d)).map(PyArray::new_py)
    }

    fn __len__(&self) -> PyResult<usize> {
        match self.inner.shape().first() {
            Some(&n) => Ok(n as usize),
            None => Err(type_error("len() 0-dimensional array.")),
        }
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        if self.inner.size() != 1 {
            return Err(value_error(
                "The truth value of an array with more than one element is ambiguous.",
            ));
        }
        let a = self.inner.clone();
        Ok(py.detach(|| a.scalar_at(0)).py()?.as_bool())
    }

    fn __int__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let v = self.item(py)?;
        Ok(py.get_type::<pyo3::types::PyInt>().call1((v,))?.unbind())
    }

    fn __float__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let v = self.item(py)?;
        Ok(py.get_type::<pyo3::types::PyFloat>().call1((v,))?.unbind())
    }

    fn __index__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if !(self.inner.dtype().is_integer()) || self.inner.size() != 1 {
            return Err(type_error(
                "Only integer scalar arrays can be converted to a scalar index.",
            ));
        }
        self.item(py)
    }

    fn __hash__(&self) -> usize {
        self.inner.id()
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<ArrayIterator> {
        if slf.inner.ndim() == 0 {
            return Err(type_error("iteration over a 0-d array."));
        }
        Ok(ArrayIterator {
            array: slf.inner.clone(),
            next: 0,
        })
    }

    // ----- unary operators -----
    fn __neg__(&self) -> PyResult<PyArray> {
        ops::negative(&self.inner).py().map(PyArray::new_py)
    }
    fn __pos__(&self) -> PyArray {
        PyArray::new_py(self.inner.clone())
    }
    fn __abs__(&self) -> PyResult<PyArray> {
        ops::abs(&self.inner).py().map(PyArray::new_py)
    }
    fn __invert__(&self) -> PyResult<PyArray> {
        if self.inner.dtype().is_inexact() {
            return Err(value_error(
                "Floating point types not allowed with bitwise inversion.",
            ));
        }
        if self.inner.dtype() == rmlx::Dtype::Bool {
            return ops::logical_not(&self.inner).py().map(PyArray::new_py);
        }
        ops::bitwise_invert(&self.inner).py().map(PyArray::new_py)
    }

    // ----- matmul: MLX takes only arrays here (no scalars, lists or NumPy arrays) -----
    fn __matmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let b = matmul_operand(other, "__matmul__")?;
        ops::matmul(&self.inner, &b).py().map(PyArray::new_py)
    }
    fn __imatmul__(&mut self, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let b = matmul_operand(other, "__imatmul__")?;
        self.inner = ops::matmul(&self.inner, &b).py()?;
        Ok(())
    }

    // ----- division, power and comparisons -----
    fn __truediv__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, binary(&self.inner, other, ops::divide, false)?)
    }
    fn __rtruediv__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, binary(&self.inner, other, ops::divide, true)?)
    }
    /// `a /= b` keeps `a` inexact: MLX refuses it on integer and boolean arrays.
    fn __itruediv__(&mut self, other: &Bound<'_, PyAny>) -> PyResult<()> {
        if !self.inner.dtype().is_inexact() {
            return Err(value_error(
                "In place division cannot cast to non-floating point type.",
            ));
        }
        self.inner = inplace(&self.inner, other, ops::divide)?;
        Ok(())
    }
    fn __pow__(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        _modulo: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        wrap(py, binary(&self.inner, other, ops::power, false)?)
    }
    fn __rpow__(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        _modulo: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        wrap(py, binary(&self.inner, other, ops::power, true)?)
    }
    fn __ipow__(&mut self, other: &Bound<'_, PyAny>, _modulo: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner = inplace(&self.inner, other, ops::power)?;
        Ok(())
    }
    fn __richcmp__(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: pyo3::basic::CompareOp,
    ) -> PyResult<Py<PyAny>> {
        use pyo3::basic::CompareOp::*;
        // MLX: `a == None` is a TypeError, while `a == "x"` or `a == [1]` is simply unequal.
        if other.is_none() {
            return Err(type_error(format!(
                "{}(): incompatible function arguments: NoneType",
                match op {
                    Lt => "__lt__",
                    Le => "__le__",
                    Eq => "__eq__",
                    Ne => "__ne__",
                    Gt => "__gt__",
                    Ge => "__ge__",
                }
            )));
        }
        let unequal_kind = other.is_instance_of::<pyo3::types::PyString>()
            || other.is_instance_of::<pyo3::types::PyList>()
            || other.is_instance_of::<pyo3::types::PyTuple>();
        if unequal_kind && matches!(op, Eq | Ne) {
            return Ok(matches!(op, Ne)
                .into_pyobject(py)?
                .to_owned()
                .into_any()
                .unbind());
        }
        let f: BinaryFn = match op {
            Lt => ops::less,
            Le => ops::less_equal,
            Eq => ops::equal,
            Ne => ops::not_equal,
            Gt => ops::greater,
            Ge => ops::greater_equal,
        };
        match binary(&self.inner, other, f, false)? {
            Some(a) => Ok(Py::new(py, PyArray::new_py(a))?.into_any()),
            // MLX: comparing with something that is not array-like is simply unequal.
            None if matches!(op, Eq) => Ok(false.into_pyobject(py)?.to_owned().into_any().unbind()),
            None if matches!(op, Ne) => Ok(true.into_pyobject(py)?.to_owned().into_any().unbind()),
            None => Ok(py.NotImplemented()),
        }
    }
}

/// Iterates over the first axis.
#[pyclass(name = "ArrayIterator", module = "rmlx.core")]
pub struct ArrayIterator {
    array: Array,
    next: i32,
}

#[pymethods]
impl ArrayIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&mut self) -> PyResult<Option<PyArray>> {
        if self.next >= self.array.shape()[0] {
            return Ok(None);
        }
        let i = self.next;
        self.next += 1;
        let row = ops::slice_axis(&self.array, 0, ops::SliceArg::range(i, i + 1)).py()?;
        Ok(Some(PyArray::new_py(ops::squeeze_axes(&row, &[0]).py()?)))
    }
}
