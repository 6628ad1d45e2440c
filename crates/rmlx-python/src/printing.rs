//! `repr`/`str`/`format` of arrays, in MLX's text: `array([1, 2], dtype=int32)`.
//!
//! Layout rules (established by running MLX 0.32.4):
//! - 0-d arrays print the bare element: `array(3, dtype=int32)`.
//! - Each dimension opens `[`; elements of the last dimension are joined by `", "`, the
//!   sub-arrays of an outer dimension at depth `d` by `",\n"` plus `7 + d` spaces, so they
//!   line up under the first `[`. A dimension of length 0 prints `[]` (and nothing inside).
//! - A dimension longer than 6 is summarized: its first 3 and last 3 entries, with `...`
//!   between them (`", ..., "` in the last dimension, its own line elsewhere). This depends
//!   only on that dimension's length, never on the total size or the values.
//! - Elements: `True`/`False`, integers in full, floats and complex parts through
//!   [`crate::format`] in the current print style (`printoptions`). float16 and bfloat16
//!   print the exact value of the stored number (`0.0999756` for float16 `0.1`).

use crate::array::PyArray;
use crate::errors::{type_error, IntoPy};
use crate::format::{fmt_complex, FloatStyle};
use crate::printoptions::float_style;
use half::{bf16, f16};
use pyo3::prelude::*;
use pyo3::types::PyString;
use rmlx::{ops, Array, Dtype};

/// Dimensions longer than this are summarized.
const SUMMARIZE_ABOVE: i32 = 6;
/// Entries kept at each end of a summarized dimension.
const EDGE_ITEMS: i32 = 3;
/// Width of `array(` plus the first `[`: where nested rows start.
const BASE_INDENT: usize = 7;

#[pymethods]
impl PyArray {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let a = self.inner.clone();
        let style = float_style();
        py.detach(|| array_repr(&a, style))
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        self.__repr__(py)
    }

    /// MLX's `__format__`: a 0-d array formats its Python scalar (`f"{a:.2f}"`; a bool
    /// formats as an int under a non-empty spec); any other array accepts only the empty
    /// spec, which gives its repr.
    fn __format__(slf: &Bound<'_, Self>, spec: &Bound<'_, PyAny>) -> PyResult<String> {
        let py = slf.py();
        let (ndim, dtype) = {
            let this = slf.borrow();
            (this.inner.ndim(), this.inner.dtype())
        };
        let empty_spec = spec
            .cast::<PyString>()
            .is_ok_and(|s| s.is_empty().unwrap_or(false));
        if ndim != 0 {
            if empty_spec {
                return slf.borrow().__repr__(py);
            }
            return Err(type_error(
                "unsupported format string passed to mx.array.__format__",
            ));
        }
        let mut value = slf.call_method0("item")?;
        if dtype == Dtype::Bool && !empty_spec {
            value = py.get_type::<pyo3::types::PyInt>().call1((value,))?;
        }
        let builtins = py.import("builtins")?;
        builtins.getattr("format")?.call1((value, spec))?.extract()
    }
}

/// The text MLX prints for `a` under `style`. Evaluates `a`, then reads only the elements
/// that will be shown (the corners of summarized dimensions), in one copy.
pub(crate) fn array_repr(a: &Array, style: FloatStyle) -> PyResult<String> {
    a.eval().py()?;
    let shape = a.shape().to_vec();
    let shown = shown_shape(&shape);
    let texts = if a.size() == 0 {
        Vec::new()
    } else {
        let corners = corners(a).py()?;
        element_texts(&corners.to_bytes().py()?, a.dtype(), style)
    };
    let mut body = String::new();
    if shape.is_empty() {
        body.push_str(texts.first().map_or("", String::as_str));
    } else {
        // Row-major strides of the shown block, in elements.
        let mut strides = vec![1usize; shown.len()];
        for d in (0..shown.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * shown[d + 1] as usize;
        }
        let layout = Layout {
            shape: &shape,
            strides: &strides,
            texts: &texts,
        };
        layout.write(&mut body, 0, 0);
    }
    Ok(format!("array({body}, dtype={})", a.dtype().name()))
}

/// How many entries of each dimension are shown.
fn shown_shape(shape: &[i32]) -> Vec<i32> {
    shape
        .iter()
        .map(|&n| {
            if n > SUMMARIZE_ABOVE {
                2 * EDGE_ITEMS
            } else {
                n
            }
        })
        .collect()
}

/// The shown elements of `a`: along every summarized axis, the first and last
/// `EDGE_ITEMS` entries joined. `a` itself when nothing is summarized.
fn corners(a: &Array) -> rmlx::Result<Array> {
    let mut out = a.clone();
    for (axis, &n) in a.shape().iter().enumerate() {
        if n <= SUMMARIZE_ABOVE {
            continue;
        }
        let nd = out.ndim();
        let mut start = vec![0; nd];
        let mut stop = out.shape().to_vec();
        let strides = vec![1; nd];
        stop[axis] = EDGE_ITEMS;
        let head = ops::slice(&out, &start, &stop, &strides)?;
        start[axis] = n - EDGE_ITEMS;
        stop[axis] = n;
        let tail = ops::slice(&out, &start, &stop, &strides)?;
        out = ops::concatenate(&[head, tail], axis as i32)?;
    }
    Ok(out)
}

/// Every element of a row-major `bytes` buffer of `dtype`, as MLX prints it.
fn element_texts(bytes: &[u8], dtype: Dtype, style: FloatStyle) -> Vec<String> {
    match dtype {
        Dtype::Bool => decode(bytes, |[b]: [u8; 1]| {
            if b != 0 { "True" } else { "False" }.to_string()
        }),
        Dtype::Uint8 => decode(bytes, |b| u8::from_ne_bytes(b).to_string()),
        Dtype::Uint16 => decode(bytes, |b| u16::from_ne_bytes(b).to_string()),
        Dtype::Uint32 => decode(bytes, |b| u32::from_ne_bytes(b).to_string()),
        Dtype::Uint64 => decode(bytes, |b| u64::from_ne_bytes(b).to_string()),
        Dtype::Int8 => decode(bytes, |b| i8::from_ne_bytes(b).to_string()),
        Dtype::Int16 => decode(bytes, |b| i16::from_ne_bytes(b).to_string()),
        Dtype::Int32 => decode(bytes, |b| i32::from_ne_bytes(b).to_string()),
        Dtype::Int64 => decode(bytes, |b| i64::from_ne_bytes(b).to_string()),
        Dtype::Float16 => decode(bytes, |b| {
            style.format(f16::from_bits(u16::from_ne_bytes(b)).to_f64())
        }),
        Dtype::Bfloat16 => decode(bytes, |b| {
            style.format(bf16::from_bits(u16::from_ne_bytes(b)).to_f64())
        }),
        Dtype::Float32 => decode(bytes, |b| style.format(f32::from_ne_bytes(b) as f64)),
        Dtype::Float64 => decode(bytes, |b| style.format(f64::from_ne_bytes(b))),
        Dtype::Complex64 => decode(bytes, |b: [u8; 8]| {
            let re = f32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            let im = f32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
            fmt_complex(re as f64, im as f64, style)
        }),
    }
}

/// Splits `bytes` into `N`-byte elements and formats each.
fn decode<const N: usize>(bytes: &[u8], text: impl Fn([u8; N]) -> String) -> Vec<String> {
    bytes
        .chunks_exact(N)
        .map(|c| {
            let mut b = [0u8; N];
            b.copy_from_slice(c);
            text(b)
        })
        .collect()
}

/// The nested-bracket writer over the shown elements.
struct Layout<'a> {
    /// The array's full shape (decides summarization).
    shape: &'a [i32],
    /// Row-major strides of the shown block.
    strides: &'a [usize],
    /// The shown elements, formatted, row-major.
    texts: &'a [String],
}

impl Layout<'_> {
    /// Writes dimension `depth`, whose first shown element is `texts[offset]`.
    fn write(&self, out: &mut String, depth: usize, offset: usize) {
        let n = self.shape[depth];
        let summarized = n > SUMMARIZE_ABOVE;
        let count = if summarized { 2 * EDGE_ITEMS } else { n } as usize;
        let last = depth + 1 == self.shape.len();
        let sep = if last {
            ", ".to_string()
        } else {
            format!(",\n{}", " ".repeat(BASE_INDENT + depth))
        };
        out.push('[');
        for j in 0..count {
            if j > 0 {
                out.push_str(&sep);
            }
            if summarized && j == EDGE_ITEMS as usize {
                out.push_str("...");
                out.push_str(&sep);
            }
            let at = offset + j * self.strides[depth];
            if last {
                out.push_str(self.texts.get(at).map_or("", String::as_str));
            } else {
                self.write(out, depth + 1, at);
            }
        }
        out.push(']');
    }
}
