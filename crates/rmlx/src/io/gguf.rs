//! GGUF (versions 2 and 3), llama.cpp's weight format: a header of typed key/value metadata,
//! tensor descriptions (name, dimensions innermost first, ggml type, offset) and aligned data
//! (`general.alignment`, 32 by default).
//!
//! As MLX 0.32: F32, F16, I8, I16 and I32 tensors load as such; BF16 loads as float16 (MLX
//! converts it); Q4_0, Q4_1 and Q8_0 load as MLX quantized triplets (see `gguf_quants`);
//! other types are errors. Metadata numbers load as 0-d arrays, numeric arrays as 1-D
//! arrays, strings as strings and string arrays as lists. Unlike MLX (which crashes), `f64`
//! metadata loads as float64 arrays. Saving accepts int8/int16/int32/float16/float32 tensors.

use super::gguf_quants::{unpack, Quant, BLOCK};
use super::source::{copy_array, Source};
use super::{checked_nbytes, dim_i32, with_extension, write_file, Format, NamedArrays, Reader};
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use std::io::Write;

/// A metadata value.
#[derive(Clone, Debug)]
pub enum GgufValue {
    /// A number (0-d) or an array of numbers (1-D).
    Array(Array),
    /// A string.
    String(String),
    /// An array of strings.
    Strings(Vec<String>),
}

// Metadata value types.
const T_U8: u32 = 0;
const T_I8: u32 = 1;
const T_U16: u32 = 2;
const T_I16: u32 = 3;
const T_U32: u32 = 4;
const T_I32: u32 = 5;
const T_F32: u32 = 6;
const T_BOOL: u32 = 7;
const T_STRING: u32 = 8;
const T_ARRAY: u32 = 9;
const T_U64: u32 = 10;
const T_I64: u32 = 11;
const T_F64: u32 = 12;

// ggml tensor types.
const G_F32: u32 = 0;
const G_F16: u32 = 1;
const G_Q4_0: u32 = 2;
const G_Q4_1: u32 = 3;
const G_Q8_0: u32 = 8;
const G_I8: u32 = 24;
const G_I16: u32 = 25;
const G_I32: u32 = 26;
const G_BF16: u32 = 30;

const DEFAULT_ALIGNMENT: u64 = 32;
const MAX_DIMS: u32 = 16;

fn rt(msg: String) -> Error {
    Error::Runtime(msg)
}

/// Loads the GGUF file at `path` (memory-mapped): tensors in file order and metadata.
pub fn load_gguf(path: &str) -> Result<(NamedArrays, Vec<(String, GgufValue)>)> {
    let src = Source::open(path, || {
        Error::InvalidArgument(format!("[load_gguf] Failed to open {path}"))
    })?;
    parse(&src)
}

/// Reads a GGUF file held in memory (tensors are copied out).
pub fn read_gguf(bytes: &[u8]) -> Result<(NamedArrays, Vec<(String, GgufValue)>)> {
    parse(&Source::from_vec(bytes.to_vec()))
}

fn string(r: &mut Reader<'_>) -> Result<String> {
    let n = r.u64()?;
    if n > r.remaining() as u64 {
        return Err(rt(format!(
            "[load_gguf] String of {n} bytes does not fit in the file."
        )));
    }
    Ok(String::from_utf8_lossy(r.take(n as usize)?).into_owned())
}

/// Bytes of one scalar of metadata type `t`, or `None` for strings, arrays and unknowns.
fn scalar_size(t: u32) -> Option<(usize, Dtype)> {
    Some(match t {
        T_U8 => (1, Dtype::Uint8),
        T_I8 => (1, Dtype::Int8),
        T_U16 => (2, Dtype::Uint16),
        T_I16 => (2, Dtype::Int16),
        T_U32 => (4, Dtype::Uint32),
        T_I32 => (4, Dtype::Int32),
        T_F32 => (4, Dtype::Float32),
        T_BOOL => (1, Dtype::Bool),
        T_U64 => (8, Dtype::Uint64),
        T_I64 => (8, Dtype::Int64),
        T_F64 => (8, Dtype::Float64),
        _ => return None,
    })
}

fn value(r: &mut Reader<'_>, t: u32) -> Result<GgufValue> {
    if let Some((size, dtype)) = scalar_size(t) {
        return Ok(GgufValue::Array(copy_array(r.take(size)?, &[], dtype)?));
    }
    match t {
        T_STRING => Ok(GgufValue::String(string(r)?)),
        T_ARRAY => {
            let et = r.u32()?;
            let n = r.u64()?;
            if et == T_ARRAY {
                return Err(Error::InvalidArgument(
                    "[load_gguf] Only supports loading 1-layer of nested arrays.".into(),
                ));
            }
            // Every element takes at least its size (8 bytes of length for strings).
            let min = match et {
                T_STRING => 8,
                _ => {
                    scalar_size(et)
                        .ok_or_else(|| rt(format!("[load_gguf] Unknown metadata type {et}.")))?
                        .0
                }
            };
            if n > (r.remaining() / min) as u64 {
                return Err(rt(format!(
                    "[load_gguf] Array of {n} elements does not fit in the file."
                )));
            }
            let n = n as usize;
            if et == T_STRING {
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    out.push(string(r)?);
                }
                return Ok(GgufValue::Strings(out));
            }
            let (size, dtype) = scalar_size(et).unwrap_or((1, Dtype::Uint8));
            let bytes = r.take(n * size)?;
            Ok(GgufValue::Array(copy_array(bytes, &[n as i32], dtype)?))
        }
        _ => Err(rt(format!("[load_gguf] Unknown metadata type {t}."))),
    }
}

fn parse(src: &Source) -> Result<(NamedArrays, Vec<(String, GgufValue)>)> {
    let b = src.bytes();
    let mut r = Reader::new(b, "load_gguf");
    if r.take(4).ok() != Some(b"GGUF".as_slice()) {
        return Err(rt("[load_gguf] Not a GGUF file (bad magic).".into()));
    }
    let version = r.u32()?;
    if !(2..=3).contains(&version) {
        return Err(rt(format!(
            "[load_gguf] Unsupported GGUF version {version}."
        )));
    }
    let n_tensors = r.u64()?;
    let n_kv = r.u64()?;
    // Each key/value takes at least 13 bytes and each tensor description 24.
    if n_kv > (r.remaining() / 13) as u64 || n_tensors > (r.remaining() / 24) as u64 {
        return Err(rt(
            "[load_gguf] Counts in the header exceed the file size.".into()
        ));
    }
    let mut metadata = Vec::with_capacity(n_kv as usize);
    let mut alignment = DEFAULT_ALIGNMENT;
    for _ in 0..n_kv {
        let key = string(&mut r)?;
        let t = r.u32()?;
        let v = value(&mut r, t)?;
        if key == "general.alignment" {
            if let GgufValue::Array(a) = &v {
                if t == T_U32 {
                    alignment =
                        u32::from_le_bytes(a.to_bytes()?.try_into().unwrap_or([0; 4])) as u64;
                }
            }
            if alignment == 0 || !alignment.is_power_of_two() {
                return Err(rt(format!("[load_gguf] Invalid alignment {alignment}.")));
            }
        }
        metadata.push((key, v));
    }
    let mut infos = Vec::with_capacity(n_tensors as usize);
    for _ in 0..n_tensors {
        let name = string(&mut r)?;
        let nd = r.u32()?;
        if nd > MAX_DIMS {
            return Err(rt(format!(
                "[load_gguf] Tensor '{name}' has {nd} dimensions (at most {MAX_DIMS})."
            )));
        }
        let mut shape = Vec::with_capacity(nd as usize);
        for _ in 0..nd {
            shape.push(dim_i32("load_gguf", &name, r.u64()?)?);
        }
        shape.reverse(); // GGUF lists the innermost dimension first
        let t = r.u32()?;
        let offset = r.u64()?;
        infos.push((name, shape, t, offset));
    }
    let data_start = (r.pos as u64).next_multiple_of(alignment);
    let mut arrays = Vec::with_capacity(infos.len());
    for (name, shape, t, offset) in infos {
        let past_end = || {
            rt(format!(
                "[load_gguf] Tensor '{name}' extends past the end of the file. Perhaps an \
                 incomplete download or corrupt file?"
            ))
        };
        let start = data_start.checked_add(offset).ok_or_else(past_end)?;
        let plain = match t {
            G_F32 => Some(Dtype::Float32),
            G_F16 => Some(Dtype::Float16),
            G_I8 => Some(Dtype::Int8),
            G_I16 => Some(Dtype::Int16),
            G_I32 => Some(Dtype::Int32),
            G_BF16 => Some(Dtype::Bfloat16),
            _ => None,
        };
        let quant = match t {
            G_Q4_0 => Some(Quant::Q4_0),
            G_Q4_1 => Some(Quant::Q4_1),
            G_Q8_0 => Some(Quant::Q8_0),
            _ => None,
        };
        let nbytes = match (plain, quant) {
            (Some(d), _) => checked_nbytes(&shape, d.size()),
            (_, Some(q)) => {
                let last = shape.last().copied().unwrap_or(0);
                if shape.is_empty() || last % BLOCK as i32 != 0 {
                    return Err(rt(format!(
                        "[load_gguf] Tensor '{name}' has an incompatible last dimension \
                         {last} for a quantized type (must be a multiple of {BLOCK})."
                    )));
                }
                checked_nbytes(&shape, 1).map(|n| n / BLOCK * q.block_bytes())
            }
            _ => {
                return Err(rt(format!(
                    "[load_gguf] Tensor '{name}' has ggml type {t}, which is not supported \
                     (F32, F16, BF16, I8, I16, I32, Q4_0, Q4_1, Q8_0 are)."
                )))
            }
        };
        let end = nbytes
            .and_then(|n| start.checked_add(n as u64))
            .filter(|&e| e <= b.len() as u64)
            .ok_or_else(past_end)?;
        let (start, end) = (start as usize, end as usize);
        match (plain, quant) {
            (Some(Dtype::Bfloat16), _) => {
                // MLX converts bfloat16 tensors to float16.
                let vals: Vec<half::f16> = b[start..end]
                    .chunks_exact(2)
                    .map(|c| half::f16::from_f32(half::bf16::from_le_bytes([c[0], c[1]]).to_f32()))
                    .collect();
                arrays.push((name, Array::from_slice(&vals, &shape)?));
            }
            (Some(d), _) => arrays.push((name.clone(), src.array(start, &shape, d)?)),
            (_, Some(q)) => {
                let (w, s, bias) = unpack(q, &b[start..end], &shape)?;
                let base = name.strip_suffix(".weight").unwrap_or(&name).to_string();
                arrays.push((format!("{base}.scales"), s));
                arrays.push((format!("{base}.biases"), bias));
                arrays.push((name, w));
            }
            _ => {}
        }
    }
    Ok((arrays, metadata))
}

fn tensor_type(d: Dtype) -> Result<u32> {
    Ok(match d {
        Dtype::Float32 => G_F32,
        Dtype::Float16 => G_F16,
        Dtype::Int8 => G_I8,
        Dtype::Int16 => G_I16,
        Dtype::Int32 => G_I32,
        _ => return Err(rt(format!("[save_gguf] dtype {d} is not supported"))),
    })
}

fn meta_type(d: Dtype) -> Result<u32> {
    Ok(match d {
        Dtype::Uint8 => T_U8,
        Dtype::Int8 => T_I8,
        Dtype::Uint16 => T_U16,
        Dtype::Int16 => T_I16,
        Dtype::Uint32 => T_U32,
        Dtype::Int32 => T_I32,
        Dtype::Float32 => T_F32,
        Dtype::Bool => T_BOOL,
        Dtype::Uint64 => T_U64,
        Dtype::Int64 => T_I64,
        _ => {
            return Err(Error::InvalidArgument(format!(
                "[save_gguf] array type {d} not support for metadata."
            )))
        }
    })
}

fn put_str(o: &mut Vec<u8>, s: &str) {
    o.extend_from_slice(&(s.len() as u64).to_le_bytes());
    o.extend_from_slice(s.as_bytes());
}

/// Writes a GGUF v3 file to `w`.
pub fn write_gguf<W: Write>(
    w: &mut W,
    arrays: &[(String, Array)],
    metadata: &[(String, GgufValue)],
) -> Result<()> {
    let mut o = b"GGUF".to_vec();
    o.extend_from_slice(&3u32.to_le_bytes());
    o.extend_from_slice(&(arrays.len() as u64).to_le_bytes());
    o.extend_from_slice(&(metadata.len() as u64).to_le_bytes());
    for (key, v) in metadata {
        put_str(&mut o, key);
        match v {
            GgufValue::String(s) => {
                o.extend_from_slice(&T_STRING.to_le_bytes());
                put_str(&mut o, s);
            }
            GgufValue::Strings(items) => {
                o.extend_from_slice(&T_ARRAY.to_le_bytes());
                o.extend_from_slice(&T_STRING.to_le_bytes());
                o.extend_from_slice(&(items.len() as u64).to_le_bytes());
                for s in items {
                    put_str(&mut o, s);
                }
            }
            GgufValue::Array(a) => {
                let t = meta_type(a.dtype())?;
                match a.ndim() {
                    0 => o.extend_from_slice(&t.to_le_bytes()),
                    1 => {
                        o.extend_from_slice(&T_ARRAY.to_le_bytes());
                        o.extend_from_slice(&t.to_le_bytes());
                        o.extend_from_slice(&(a.size() as u64).to_le_bytes());
                    }
                    _ => {
                        return Err(rt(
                            "[save_gguf] Cannot save arrays with more than one dimension.".into(),
                        ))
                    }
                }
                o.extend_from_slice(&a.to_bytes()?);
            }
        }
    }
    let align = DEFAULT_ALIGNMENT as usize;
    let mut offset = 0usize;
    for (name, a) in arrays {
        let t = tensor_type(a.dtype())?;
        put_str(&mut o, name);
        o.extend_from_slice(&(a.ndim() as u32).to_le_bytes());
        for &d in a.shape().iter().rev() {
            o.extend_from_slice(&(d as u64).to_le_bytes());
        }
        o.extend_from_slice(&t.to_le_bytes());
        o.extend_from_slice(&(offset as u64).to_le_bytes());
        offset = (offset + a.nbytes()).next_multiple_of(align);
    }
    // Each tensor starts aligned; like MLX, nothing pads the end of the file.
    for (_, a) in arrays {
        o.resize(o.len().next_multiple_of(align), 0);
        o.extend_from_slice(&a.to_bytes()?);
    }
    w.write_all(&o)
        .map_err(|e| rt(format!("[save_gguf] Failed to write: {e}")))
}

/// Saves to `path` (`.gguf` appended when missing); returns the path used.
pub fn save_gguf(
    path: &str,
    arrays: &[(String, Array)],
    metadata: &[(String, GgufValue)],
) -> Result<String> {
    let path = with_extension(path, Format::Gguf);
    let mut out = Vec::new();
    write_gguf(&mut out, arrays, metadata)?;
    write_file("save_gguf", &path, &out)?;
    Ok(path)
}
