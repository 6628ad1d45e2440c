//! `array.__getitem__` / `__setitem__` and the index plan shared with `array.at[...]`.
//!
//! An index is an int, a slice, `None` (new axis), `...`, an integer array (an `array`, a
//! list of ints, a NumPy integer array) or a tuple of these. Reading follows NumPy's rules as
//! MLX applies them: basic indices (ints, slices, `None`) make views; integer arrays gather,
//! ints then count as arrays too, and the gathered dimensions stay in place when the array
//! indices are adjacent, else they move to the front.
//!
//! Writing follows MLX's `__setitem__`, which differs in one point: Python ints only select
//! (they never join the array indices), so `a[0, :, [1, 2]] = v` takes `v` of shape
//! `(a.shape[1], 2)`. The result replaces the array held by the Python object (rebinding:
//! every reference sees it; views taken earlier keep the old values).
//!
//! Safety (beyond MLX): a Python int out of range raises `IndexError` as in NumPy; array
//! indices out of range clamp when reading and drop their update when writing (rmlx's
//! gather/scatter rule).

use crate::array::PyArray;
use crate::convert::{python_scalar, to_array};
use crate::errors::{value_error, IntoPy};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PySlice, PyTuple};
use rmlx::ops::{self, ScatterMode, SliceArg};
use rmlx::{Array, Dtype};

/// One entry of an index tuple.
#[derive(Clone)]
enum Entry<'py> {
    Int(i64),
    Slice(Bound<'py, PySlice>),
    NewAxis,
    Ellipsis,
    Array(Array),
}

fn invalid_type() -> PyErr {
    value_error("Cannot index mlx array using the given type.")
}

/// An integer index array from an MLX array, a list or a NumPy array; MLX's errors for bool
/// and floating-point indices.
fn index_array(a: Array, func: &str) -> PyResult<Array> {
    match a.dtype() {
        Dtype::Bool => Err(value_error("boolean indices are not yet supported")),
        d if d.is_integer() => Ok(a),
        _ => Err(value_error(format!(
            "[{func}] Got indices with invalid dtype. Indices must be integral."
        ))),
    }
}

/// Reads one index entry. `writing` selects MLX's setitem reading of `True` (a new axis).
fn entry<'py>(obj: &Bound<'py, PyAny>, func: &str, writing: bool) -> PyResult<Entry<'py>> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Entry::NewAxis);
    }
    if obj.is(py.Ellipsis()) {
        return Ok(Entry::Ellipsis);
    }
    if let Ok(s) = obj.cast::<PySlice>() {
        return Ok(Entry::Slice(s.clone()));
    }
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(Entry::Array(index_array(a.borrow().inner.clone(), func)?));
    }
    if obj.is_instance_of::<PyBool>() {
        // MLX: reading with a bool raises; writing with True selects everything.
        return match (writing, obj.extract::<bool>()?) {
            (true, true) => Ok(Entry::NewAxis),
            _ => Err(invalid_type()),
        };
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map(Entry::Int).map_err(|_| {
            PyIndexError::new_err("index is out of bounds: it does not fit in 64 bits")
        });
    }
    if obj.is_instance_of::<PyList>() {
        return Ok(Entry::Array(index_array(to_array(obj, None)?, func)?));
    }
    // NumPy integer scalars (anything with `__index__` that is not a sequence).
    if obj.hasattr("__index__")? && !obj.hasattr("__len__")? {
        return obj
            .call_method0("__index__")?
            .extract::<i64>()
            .map(Entry::Int);
    }
    // NumPy arrays and other buffer providers (MLX rejects these; rmlx reads them).
    if obj.hasattr("__array__")? || obj.hasattr("__array_interface__")? {
        return Ok(Entry::Array(index_array(to_array(obj, None)?, func)?));
    }
    Err(invalid_type())
}

/// The entries of an index, with the ellipsis expanded into whole-axis slices; each
/// non-`NewAxis` entry then addresses one axis of an array of `ndim` dimensions, in order.
fn parse_key<'py>(
    key: &Bound<'py, PyAny>,
    ndim: usize,
    func: &str,
    writing: bool,
) -> PyResult<Vec<Entry<'py>>> {
    let raw: Vec<Entry<'py>> = match key.cast::<PyTuple>() {
        Ok(t) => t
            .iter()
            .map(|o| entry(&o, func, writing))
            .collect::<PyResult<_>>()?,
        Err(_) => vec![entry(key, func, writing)?],
    };
    let ellipses = raw.iter().filter(|e| matches!(e, Entry::Ellipsis)).count();
    if ellipses > 1 {
        return Err(value_error(
            "An index can only have a single ellipsis (...)",
        ));
    }
    let used = raw
        .iter()
        .filter(|e| !matches!(e, Entry::NewAxis | Entry::Ellipsis))
        .count();
    if used > ndim {
        return Err(value_error(if ndim == 0 {
            "too many indices for array: array is 0-dimensional".to_string()
        } else {
            format!("Too many indices for array with {ndim} dimensions.")
        }));
    }
    let whole = || Entry::Slice(PySlice::full(key.py()));
    let mut out = Vec::with_capacity(raw.len() + ndim - used);
    for e in raw {
        if matches!(e, Entry::Ellipsis) {
            out.extend((0..ndim - used).map(|_| whole()));
        } else {
            out.push(e);
        }
    }
    if ellipses == 0 {
        out.extend((0..ndim - used).map(|_| whole()));
    }
    Ok(out)
}

/// A Python int index on an axis of size `n`, wrapped; `IndexError` when out of range.
fn wrap_int(i: i64, axis: usize, n: i32) -> PyResult<i32> {
    let n64 = n as i64;
    if i < -n64 || i >= n64 {
        return Err(PyIndexError::new_err(format!(
            "index {i} is out of bounds for axis {axis} with size {n}"
        )));
    }
    Ok(if i < 0 { i + n64 } else { i } as i32)
}

/// A slice bound read from Python (any int), clamped to i32 (slicing clamps anyway).
fn bound(v: &Bound<'_, PyAny>) -> PyResult<Option<i32>> {
    if v.is_none() {
        return Ok(None);
    }
    let big = |neg: bool| if neg { i32::MIN } else { i32::MAX };
    match v.extract::<i64>() {
        Ok(x) => Ok(Some(x.clamp(i32::MIN as i64, i32::MAX as i64) as i32)),
        Err(_) => {
            let neg = v.lt(0i64)?;
            Ok(Some(big(neg)))
        }
    }
}

/// A Python slice as the engine's `SliceArg` (Python defaults for omitted bounds).
fn slice_arg(s: &Bound<'_, PySlice>) -> PyResult<SliceArg> {
    let step = bound(&s.getattr("step")?)?.unwrap_or(1);
    if step == 0 {
        return Err(value_error("slice step cannot be zero"));
    }
    Ok(SliceArg::new(
        bound(&s.getattr("start")?)?,
        bound(&s.getattr("stop")?)?,
        step,
    ))
}

/// Where the dimensions of an index's result come from, in output order.
struct Layout {
    /// Output positions of the `None` entries.
    new_axes: Vec<i32>,
    /// Whether the block of array-index dimensions stays in place (the array entries are
    /// adjacent) rather than moving to the front.
    in_place: bool,
    /// In place: the number of slice dimensions (not counting `None`s) before the block.
    block_at: usize,
}

/// Computes the layout from the entries; `advanced(e)` says which entries join the array
/// block (arrays, and for reading ints when any array is present), `block_ndim` is the
/// block's rank.
fn layout(
    entries: &[Entry<'_>],
    advanced: impl Fn(&Entry<'_>) -> bool,
    block_ndim: usize,
) -> Layout {
    let pos: Vec<usize> = (0..entries.len())
        .filter(|&i| advanced(&entries[i]))
        .collect();
    let in_place = match (pos.first(), pos.last()) {
        (Some(&f), Some(&l)) => l - f + 1 == pos.len(),
        _ => true,
    };
    let mut p = if in_place { 0 } else { block_ndim };
    let mut block_at = 0;
    let mut slices = 0;
    let mut seen_block = false;
    let mut new_axes = vec![];
    for e in entries {
        if advanced(e) {
            if in_place && !seen_block {
                block_at = slices;
                p += block_ndim;
            }
            seen_block = true;
            continue;
        }
        match e {
            Entry::Slice(_) => {
                p += 1;
                slices += 1;
            }
            Entry::NewAxis => {
                new_axes.push(p as i32);
                p += 1;
            }
            _ => {}
        }
    }
    Layout {
        new_axes,
        in_place,
        block_at,
    }
}

/// The axis permutation that moves a leading block of `k` dims to position `at`.
fn block_to(k: usize, at: usize, nd: usize) -> Vec<i32> {
    (k..k + at)
        .chain(0..k)
        .chain(k + at..nd)
        .map(|d| d as i32)
        .collect()
}

/// `a[key]`.
pub(crate) fn get_item(a: &Array, key: &Bound<'_, PyAny>) -> PyResult<Array> {
    let entries = parse_key(key, a.ndim(), "gather", false)?;
    let has_array = entries.iter().any(|e| matches!(e, Entry::Array(_)));
    let advanced =
        |e: &Entry<'_>| matches!(e, Entry::Array(_)) || (has_array && matches!(e, Entry::Int(_)));

    // Basic part: slices (and, without arrays, ints) as views.
    let mut args = Vec::with_capacity(a.ndim());
    let mut int_axes = vec![];
    let mut adv_axes = vec![];
    let mut adv_idx = vec![];
    let mut axis = 0usize;
    for e in &entries {
        match e {
            Entry::NewAxis | Entry::Ellipsis => continue,
            Entry::Slice(s) => args.push(slice_arg(s)?),
            Entry::Int(i) => {
                let i = wrap_int(*i, axis, a.shape()[axis])?;
                if has_array {
                    args.push(SliceArg::all());
                    adv_axes.push(axis as i32);
                    adv_idx.push(Array::scalar(i));
                } else {
                    args.push(SliceArg::range(i, i + 1));
                    int_axes.push(axis as i32);
                }
            }
            Entry::Array(x) => {
                args.push(SliceArg::all());
                adv_axes.push(axis as i32);
                adv_idx.push(x.clone());
            }
        }
        axis += 1;
    }
    let mut out = ops::slice_axes(a, &args).py()?;
    let mut block = 0;
    if has_array {
        // Gather over the indexed axes, then drop their size-1 slice dimensions.
        let idx = ops::broadcast_arrays(&adv_idx).py()?;
        block = idx[0].ndim();
        if out
            .shape()
            .iter()
            .zip(0..)
            .any(|(&n, d)| n == 0 && adv_axes.contains(&d))
            && idx[0].size() > 0
        {
            return Err(PyIndexError::new_err(
                "cannot do a non-empty take from an empty axis",
            ));
        }
        let mut sizes = out.shape().to_vec();
        for &ax in &adv_axes {
            sizes[ax as usize] = sizes[ax as usize].min(1);
        }
        let g = ops::gather(&out, &idx, &adv_axes, &sizes).py()?;
        // Drop the indexed axes' slice dims (size 1, or 0 for an empty take).
        let mut shape = idx[0].shape().to_vec();
        shape.extend(
            sizes
                .iter()
                .enumerate()
                .filter(|&(d, _)| !adv_axes.contains(&(d as i32)))
                .map(|(_, &n)| n),
        );
        out = ops::reshape(&g, &shape).py()?;
    } else if !int_axes.is_empty() {
        out = ops::squeeze_axes(&out, &int_axes).py()?;
    }
    let lay = layout(&entries, advanced, block);
    if has_array && lay.in_place && lay.block_at > 0 && block > 0 {
        out = ops::transpose_axes(&out, &block_to(block, lay.block_at, out.ndim())).py()?;
    }
    if !lay.new_axes.is_empty() {
        out = ops::expand_dims(&out, &lay.new_axes).py()?;
    }
    Ok(out)
}

/// One dimension of the region a write covers, in the order the value is laid out.
#[derive(Clone, Copy)]
enum Dim {
    /// Dimension `j` of the broadcast array indices.
    Block(usize),
    /// A `None` entry (size 1).
    New,
    /// A slice of `axis` with `len` elements; `whole` when it is the whole axis in order.
    Slice { axis: usize, len: i32, whole: bool },
}

/// A slice entry's geometry on an axis of size `n`: (start, step, length).
fn slice_geometry(s: &Bound<'_, PySlice>, n: i32) -> PyResult<(i32, i32, i32)> {
    slice_arg(s)?; // rejects a zero step
    let ind = s.indices(n as isize)?;
    Ok((ind.start as i32, ind.step as i32, ind.slicelength as i32))
}

/// The dims of the written region, in MLX's order.
///
/// Without array indices this is NumPy's reading order (ints removed, `None`s kept). With
/// array indices MLX lays the value out as: index dims (the array block, `None`s and every
/// slice that is not "simple", in order; the block first when the arrays are separated),
/// then the simple slices (step 1, after the last array, no stepped slice after them).
fn write_dims(entries: &[Entry<'_>], shape: &[i32], block_ndim: usize) -> PyResult<Vec<Dim>> {
    // Entries without ints (MLX's writes ignore them for the layout), with their axes.
    let mut items: Vec<(usize, &Entry<'_>)> = vec![];
    let mut axis = 0;
    for e in entries {
        match e {
            Entry::NewAxis | Entry::Ellipsis => items.push((usize::MAX, e)),
            Entry::Int(_) => axis += 1,
            _ => {
                items.push((axis, e));
                axis += 1;
            }
        }
    }
    let geom = |ax: usize, s: &Bound<'_, PySlice>| -> PyResult<Dim> {
        let n = shape[ax];
        let (_, step, len) = slice_geometry(s, n)?;
        Ok(Dim::Slice {
            axis: ax,
            len,
            whole: step == 1 && len == n,
        })
    };
    let is_array = |e: &Entry<'_>| matches!(e, Entry::Array(_));
    let mut out = vec![];
    let Some(last_array) = items.iter().rposition(|(_, e)| is_array(e)) else {
        for &(ax, e) in &items {
            match e {
                Entry::NewAxis => out.push(Dim::New),
                Entry::Slice(s) => out.push(geom(ax, s)?),
                _ => {}
            }
        }
        return Ok(out);
    };
    let first_array = items.iter().position(|(_, e)| is_array(e)).unwrap_or(0);
    let separated = items[first_array..=last_array]
        .iter()
        .any(|(_, e)| !is_array(e));
    let stepped = |e: &Entry<'_>| -> PyResult<bool> {
        Ok(match e {
            Entry::Slice(s) => slice_arg(s)?.step != 1,
            _ => false,
        })
    };
    let block = (0..block_ndim).map(Dim::Block);
    if separated {
        out.extend(block.clone());
    }
    let mut tail = vec![];
    for (i, &(ax, e)) in items.iter().enumerate() {
        match e {
            Entry::Array(_) if !separated && i == first_array => out.extend(block.clone()),
            Entry::NewAxis => out.push(Dim::New),
            Entry::Slice(s) => {
                let mut later_stepped = false;
                for (_, f) in &items[i + 1..] {
                    later_stepped |= stepped(f)?;
                }
                let simple = i > last_array && !stepped(e)? && !later_stepped;
                if simple {
                    tail.push(geom(ax, s)?);
                } else {
                    out.push(geom(ax, s)?);
                }
            }
            _ => {}
        }
    }
    out.extend(tail);
    Ok(out)
}

/// `a` with `value` combined in at `key` (`a[key] = value` for `ScatterMode::None`).
/// `value` is an array (already weakly typed against `a`).
pub(crate) fn scatter_item(
    a: &Array,
    key: &Bound<'_, PyAny>,
    value: &Array,
    mode: ScatterMode,
) -> PyResult<Array> {
    let entries = parse_key(key, a.ndim(), mode_name(mode), true)?;
    let arrays: Vec<Array> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Array(x) => Some(x.clone()),
            _ => None,
        })
        .collect();
    let arrays = if arrays.is_empty() {
        arrays
    } else {
        ops::broadcast_arrays(&arrays).py()?
    };
    let block_shape: Vec<i32> = arrays.first().map_or(vec![], |x| x.shape().to_vec());
    let k = block_shape.len();
    let dims = write_dims(&entries, a.shape(), k)?;

    // The value, broadcast to the region, without the `None` dims.
    let region: Vec<i32> = dims
        .iter()
        .map(|d| match *d {
            Dim::Block(j) => block_shape[j],
            Dim::New => 1,
            Dim::Slice { len, .. } => len,
        })
        .collect();
    let v = fit_value(value, &region)?;
    let new_axes: Vec<i32> = (0..dims.len())
        .filter(|&i| matches!(dims[i], Dim::New))
        .map(|i| i as i32)
        .collect();
    let v = if new_axes.is_empty() {
        v
    } else {
        ops::squeeze_axes(&v, &new_axes).py()?
    };
    let dims: Vec<Dim> = dims
        .into_iter()
        .filter(|d| !matches!(d, Dim::New))
        .collect();

    // Reorder to: block dims, picked slices (index dims), whole slices in axis order.
    let pos_of = |pred: &dyn Fn(&Dim) -> bool| -> Vec<usize> {
        (0..dims.len()).filter(|&i| pred(&dims[i])).collect()
    };
    let block_pos = pos_of(&|d| matches!(d, Dim::Block(_)));
    let picked_pos = pos_of(&|d| matches!(d, Dim::Slice { whole: false, .. }));
    let mut whole_pos = pos_of(&|d| matches!(d, Dim::Slice { whole: true, .. }));
    whole_pos.sort_by_key(|&i| match dims[i] {
        Dim::Slice { axis, .. } => axis,
        _ => 0,
    });
    let perm: Vec<i32> = block_pos
        .iter()
        .chain(&picked_pos)
        .chain(&whole_pos)
        .map(|&i| i as i32)
        .collect();
    let v = ops::transpose_axes(&v, &perm).py()?;
    let n_index = k + picked_pos.len();

    // Index arrays over the index dims, one per axis that is not taken whole.
    let mut axes = vec![];
    let mut index_arrays = vec![];
    let mut picked_axes = vec![];
    let mut block_i = 0;
    let mut axis = 0usize;
    for e in &entries {
        let n = match e {
            Entry::NewAxis | Entry::Ellipsis => continue,
            _ => a.shape()[axis],
        };
        let arr = match e {
            Entry::Int(i) => Some(Array::scalar(wrap_int(*i, axis, n)?)),
            Entry::Array(_) => {
                let x = arrays[block_i].clone();
                block_i += 1;
                let trailing: Vec<i32> = (k..n_index).map(|d| d as i32).collect();
                Some(ops::expand_dims(&x, &trailing).py()?)
            }
            Entry::Slice(s) => {
                let (start, step, len) = slice_geometry(s, n)?;
                if step == 1 && len == n {
                    None
                } else {
                    let p = picked_pos
                        .iter()
                        .position(|&i| matches!(dims[i], Dim::Slice { axis: ax, .. } if ax == axis))
                        .unwrap_or(0);
                    let vals: Vec<i32> = (0..len).map(|j| start + j * step).collect();
                    let mut shape = vec![1; n_index];
                    shape[k + p] = len;
                    Some(Array::from_slice(&vals, &shape).py()?)
                }
            }
            _ => None,
        };
        if let Some(arr) = arr {
            axes.push(axis as i32);
            index_arrays.push(arr);
            picked_axes.push(axis);
        }
        axis += 1;
    }
    // Updates: index dims, then one slice size per axis of `a` (1 where indexed).
    let ones_at: Vec<i32> = picked_axes
        .iter()
        .map(|&ax| (n_index + ax) as i32)
        .collect();
    let updates = ops::expand_dims(&v, &ones_at).py()?;
    ops::scatter(a, &index_arrays, &updates, &axes, mode).py()
}

/// The value broadcast to the written region's shape: leading size-1 dims beyond its rank
/// are dropped first (MLX).
fn fit_value(value: &Array, shape: &[i32]) -> PyResult<Array> {
    let mut v = value.clone();
    while v.ndim() > shape.len() && v.shape()[0] == 1 {
        v = ops::squeeze_axes(&v, &[0]).py()?;
    }
    if v.ndim() > shape.len() {
        return Err(value_error(format!(
            "Cannot broadcast array of shape {} into shape {}.",
            rmlx::shape::fmt_shape(value.shape()),
            rmlx::shape::fmt_shape(shape)
        )));
    }
    ops::broadcast_to(&v, shape).py()
}

fn mode_name(mode: ScatterMode) -> &'static str {
    match mode {
        ScatterMode::None => "scatter",
        ScatterMode::Add => "scatter_add",
        ScatterMode::Prod => "scatter_prod",
        ScatterMode::Max => "scatter_max",
        ScatterMode::Min => "scatter_min",
    }
}

/// A value to write: an array as it is, a Python scalar weakly typed against `like`, or any
/// array-like.
pub(crate) fn value_arg(obj: &Bound<'_, PyAny>, like: &Array) -> PyResult<Array> {
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(a.borrow().inner.clone());
    }
    if let Some(s) = python_scalar(obj)? {
        return ops::scalar_like(s, like).py();
    }
    to_array(obj, None)
}

#[pymethods]
impl PyArray {
    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        get_item(&self.inner, key).map(PyArray::new_py)
    }

    fn __setitem__(&mut self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = value_arg(value, &self.inner)?;
        let v = ops::astype(&v, self.inner.dtype()).py()?;
        self.inner = scatter_item(&self.inner, key, &v, ScatterMode::None)?;
        Ok(())
    }

    /// `a.at[idx].add(v)` and friends: updates that accumulate over repeated indices.
    #[getter]
    fn at(&self) -> crate::array_at::ArrayAt {
        crate::array_at::ArrayAt::new(self.inner.clone())
    }
}
