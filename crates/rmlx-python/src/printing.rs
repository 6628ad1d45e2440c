//! `repr`/`str` of arrays in MLX's format: `array([1, 2], dtype=int32)`.

use crate::dtype::fmt_g6;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use rmlx::{Array, Dtype, Scalar};

/// One element as MLX prints it.
fn fmt_element(s: Scalar, dtype: Dtype) -> String {
    match s {
        Scalar::Bool(b) => if b { "True" } else { "False" }.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Uint(u) => u.to_string(),
        Scalar::Float(f) => {
            let _ = dtype;
            fmt_g6(f)
        }
        Scalar::Complex(re, im) => {
            let sign = if im < 0.0 || (im == 0.0 && im.is_sign_negative()) {
                "-"
            } else {
                "+"
            };
            format!("{}{}{}j", fmt_g6(re as f64), sign, fmt_g6(im.abs() as f64))
        }
    }
}

/// The text MLX prints for an evaluated array.
pub(crate) fn array_repr(a: &Array) -> PyResult<String> {
    let n = a.size();
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        items.push(fmt_element(a.scalar_at(i).py()?, a.dtype()));
    }
    let mut body = String::new();
    if a.ndim() == 0 {
        body.push_str(&items[0]);
    } else {
        let mut it = items.into_iter();
        nest(a.shape(), &mut it, 7, &mut body);
    }
    Ok(format!("array({body}, dtype={})", a.dtype().name()))
}

fn nest(shape: &[i32], items: &mut impl Iterator<Item = String>, indent: usize, out: &mut String) {
    out.push('[');
    let n = shape[0] as usize;
    for i in 0..n {
        if shape.len() == 1 {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&items.next().unwrap_or_default());
        } else {
            if i > 0 {
                out.push_str(",\n");
                out.push_str(&" ".repeat(indent));
            }
            nest(&shape[1..], items, indent + 1, out);
        }
    }
    out.push(']');
}
