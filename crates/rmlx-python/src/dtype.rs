//! `Dtype`, `DtypeCategory`, `finfo`, `iinfo`, `issubdtype` and `result_type` as MLX has them.

use crate::array::PyArray;
use crate::errors::{type_error, value_error};
use crate::format::fmt_g6;
use pyo3::prelude::*;
use rmlx::{Dtype, DtypeCategory};

/// An element type (`mx.float32`, ...). Prints as MLX does: `mlx.core.float32`.
#[pyclass(name = "Dtype", module = "rmlx.core", frozen, eq, hash, from_py_object)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDtype(pub Dtype);

#[pymethods]
impl PyDtype {
    /// Bytes per element.
    #[getter]
    fn size(&self) -> usize {
        self.0.size()
    }

    fn __repr__(&self) -> String {
        format!("mlx.core.{}", self.0.name())
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (String,))> {
        let module = py.import("rmlx.core")?;
        let getattr = module.getattr("_dtype_from_name")?;
        Ok((getattr.unbind(), (self.0.name().to_string(),)))
    }
}

/// The dtype named `name` (used by pickling).
#[pyfunction]
pub(crate) fn _dtype_from_name(name: &str) -> PyResult<PyDtype> {
    rmlx::dtype::ALL_DTYPES
        .iter()
        .find(|d| d.name() == name)
        .map(|&d| PyDtype(d))
        .ok_or_else(|| value_error(format!("Unknown dtype {name}.")))
}

/// MLX's dtype categories, for `issubdtype`.
#[pyclass(
    name = "DtypeCategory",
    module = "rmlx.core",
    frozen,
    eq,
    hash,
    from_py_object
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDtypeCategory(pub DtypeCategory);

const CATEGORIES: [(DtypeCategory, &str); 8] = [
    (DtypeCategory::ComplexFloating, "complexfloating"),
    (DtypeCategory::Floating, "floating"),
    (DtypeCategory::Inexact, "inexact"),
    (DtypeCategory::SignedInteger, "signedinteger"),
    (DtypeCategory::UnsignedInteger, "unsignedinteger"),
    (DtypeCategory::Integer, "integer"),
    (DtypeCategory::Number, "number"),
    (DtypeCategory::Generic, "generic"),
];

fn category_name(c: DtypeCategory) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == c)
        .map_or("generic", |(_, n)| n)
}

#[pymethods]
impl PyDtypeCategory {
    fn __repr__(&self) -> String {
        format!("DtypeCategory.{}", category_name(self.0))
    }
    #[getter]
    fn name(&self) -> &'static str {
        category_name(self.0)
    }
    #[getter]
    fn value(&self) -> usize {
        CATEGORIES
            .iter()
            .position(|(k, _)| *k == self.0)
            .unwrap_or(0)
    }
}

/// Which categories contain which (MLX's hierarchy).
fn category_within(inner: DtypeCategory, outer: DtypeCategory) -> bool {
    use DtypeCategory::*;
    inner == outer
        || match outer {
            Generic => true,
            Number => inner != Generic,
            Inexact => matches!(inner, Floating | ComplexFloating),
            Integer => matches!(inner, SignedInteger | UnsignedInteger),
            _ => false,
        }
}

/// A dtype or a category, as `issubdtype` takes them.
enum DtypeOrCategory {
    Dtype(Dtype),
    Category(DtypeCategory),
}

fn dtype_or_category(obj: &Bound<'_, PyAny>) -> PyResult<DtypeOrCategory> {
    if let Ok(d) = obj.extract::<PyDtype>() {
        return Ok(DtypeOrCategory::Dtype(d.0));
    }
    if let Ok(c) = obj.extract::<PyDtypeCategory>() {
        return Ok(DtypeOrCategory::Category(c.0));
    }
    Err(type_error(
        "issubdtype(): incompatible function arguments: expected Dtype or DtypeCategory.",
    ))
}

/// True when `arg1` is `arg2` or within it (dtypes and categories mix as in MLX).
#[pyfunction]
pub(crate) fn issubdtype(arg1: &Bound<'_, PyAny>, arg2: &Bound<'_, PyAny>) -> PyResult<bool> {
    use DtypeOrCategory as D;
    Ok(match (dtype_or_category(arg1)?, dtype_or_category(arg2)?) {
        (D::Dtype(a), D::Dtype(b)) => a == b,
        (D::Dtype(a), D::Category(c)) => a.is_subdtype(c),
        (D::Category(_), D::Dtype(_)) => false,
        (D::Category(a), D::Category(b)) => category_within(a, b),
    })
}

/// Machine limits of a floating type.
#[pyclass(name = "finfo", module = "rmlx.core", frozen)]
pub struct PyFinfo {
    #[pyo3(get)]
    min: f64,
    #[pyo3(get)]
    max: f64,
    #[pyo3(get)]
    eps: f64,
    #[pyo3(get)]
    smallest_normal: f64,
    #[pyo3(get)]
    bits: usize,
    #[pyo3(get)]
    dtype: PyDtype,
}

#[pymethods]
impl PyFinfo {
    #[new]
    fn new(dtype: PyDtype) -> PyResult<PyFinfo> {
        let d = dtype.0;
        let (max, eps, tiny) = match d {
            Dtype::Float16 => (65504.0, 2f64.powi(-10), 2f64.powi(-14)),
            Dtype::Bfloat16 => (f64::from(half::bf16::MAX), 2f64.powi(-7), 2f64.powi(-126)),
            Dtype::Float32 | Dtype::Complex64 => (
                f32::MAX as f64,
                f32::EPSILON as f64,
                f32::MIN_POSITIVE as f64,
            ),
            Dtype::Float64 => (f64::MAX, f64::EPSILON, f64::MIN_POSITIVE),
            other => {
                return Err(value_error(format!(
                    "[finfo] dtype {other} is not inexact."
                )))
            }
        };
        let bits = if d == Dtype::Complex64 {
            32
        } else {
            d.size() * 8
        };
        let dtype = if d == Dtype::Complex64 {
            Dtype::Float32
        } else {
            d
        };
        Ok(PyFinfo {
            min: -max,
            max,
            eps,
            smallest_normal: tiny,
            bits,
            dtype: PyDtype(dtype),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "finfo(min={}, max={}, dtype={})",
            fmt_g6(self.min),
            fmt_g6(self.max),
            self.dtype.0.name()
        )
    }
}

/// Machine limits of an integer type.
#[pyclass(name = "iinfo", module = "rmlx.core", frozen)]
pub struct PyIinfo {
    #[pyo3(get)]
    min: i128,
    #[pyo3(get)]
    max: i128,
    #[pyo3(get)]
    dtype: PyDtype,
}

#[pymethods]
impl PyIinfo {
    #[new]
    fn new(dtype: PyDtype) -> PyResult<PyIinfo> {
        let d = dtype.0;
        let (min, max): (i128, i128) = match d {
            Dtype::Uint8 => (0, u8::MAX.into()),
            Dtype::Uint16 => (0, u16::MAX.into()),
            Dtype::Uint32 => (0, u32::MAX.into()),
            Dtype::Uint64 => (0, u64::MAX.into()),
            Dtype::Int8 => (i8::MIN.into(), i8::MAX.into()),
            Dtype::Int16 => (i16::MIN.into(), i16::MAX.into()),
            Dtype::Int32 => (i32::MIN.into(), i32::MAX.into()),
            Dtype::Int64 => (i64::MIN.into(), i64::MAX.into()),
            other => {
                return Err(value_error(format!(
                    "[iinfo] Only integer types supported but {other} was provided"
                )))
            }
        };
        Ok(PyIinfo {
            min,
            max,
            dtype: PyDtype(d),
        })
    }

    #[getter]
    fn bits(&self) -> usize {
        self.dtype.0.size() * 8
    }

    fn __repr__(&self) -> String {
        format!(
            "iinfo(min={}, max={}, dtype={})",
            self.min,
            self.max,
            self.dtype.0.name()
        )
    }
}

/// A dtype argument: a `Dtype`, or an array whose dtype is meant.
pub(crate) fn dtype_arg(obj: &Bound<'_, PyAny>) -> PyResult<Dtype> {
    if let Ok(d) = obj.extract::<PyDtype>() {
        return Ok(d.0);
    }
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(a.borrow().inner.dtype());
    }
    Err(type_error(format!(
        "Expected a Dtype, got {}.",
        obj.get_type().name()?
    )))
}

/// The dtype MLX gives the result of combining `args`: arrays and dtypes only (MLX rejects
/// Python scalars here with a ValueError).
#[pyfunction(signature = (*args))]
pub(crate) fn result_type(args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<PyDtype> {
    let mut out: Option<Dtype> = None;
    for a in args.iter() {
        let d = if let Ok(d) = a.extract::<PyDtype>() {
            d.0
        } else if let Ok(arr) = a.cast::<PyArray>() {
            arr.borrow().inner.dtype()
        } else {
            return Err(value_error(
                "[result_type] Inputs must be arrays or dtypes.",
            ));
        };
        out = Some(out.map_or(d, |o| rmlx::promote_types(o, d)));
    }
    out.map(PyDtype)
        .ok_or_else(|| value_error("[result_type] At least one array or dtype is required."))
}

/// Registers the dtype objects and functions.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDtype>()?;
    m.add_class::<PyDtypeCategory>()?;
    m.add_class::<PyFinfo>()?;
    m.add_class::<PyIinfo>()?;
    for d in rmlx::dtype::ALL_DTYPES {
        m.add(d.name(), PyDtype(d))?;
    }
    m.add("bool_", PyDtype(Dtype::Bool))?;
    for (c, name) in CATEGORIES {
        m.add(name, PyDtypeCategory(c))?;
    }
    // `mx.DtypeCategory.floating` and friends.
    let cls = m.py().get_type::<PyDtypeCategory>();
    for (c, name) in CATEGORIES {
        cls.setattr(name, PyDtypeCategory(c))?;
    }
    m.add_function(wrap_pyfunction!(issubdtype, m)?)?;
    m.add_function(wrap_pyfunction!(result_type, m)?)?;
    m.add_function(wrap_pyfunction!(_dtype_from_name, m)?)?;
    Ok(())
}
