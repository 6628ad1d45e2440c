//! Hugging Face's safetensors: an 8-byte little-endian header length, a JSON header mapping
//! tensor names to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` map of
//! strings), then the tensors' bytes.
//!
//! Loading from a path maps the file: each tensor is a window of the mapping (no copy, no
//! memory until touched) unless its offset is misaligned for its dtype, in which case it is
//! copied. Writing follows the reference implementation: the header is padded with spaces
//! to a multiple of 8 bytes and tensors are laid out largest item size first, so every
//! tensor of a file we write is aligned and loads without a copy.
//!
//! Dtypes: as MLX 0.32, `F8_E4M3`/`F8_E5M2` load as raw `uint8`. rmlx also reads and writes
//! `F64` (MLX refuses it), since NumPy and PyTorch write such files.

use super::json::{self, Json};
use super::source::Source;
use super::{checked_nbytes, dim_i32, with_extension, Format, NamedArrays};
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use std::io::Write;

/// The reference implementation's cap on the header size.
const MAX_HEADER: u64 = 100_000_000;

fn rt(msg: String) -> Error {
    Error::Runtime(msg)
}

/// Loads the safetensors file at `path` (memory-mapped): tensors in header order, and the
/// `__metadata__` strings.
pub fn load_safetensors(path: &str) -> Result<(NamedArrays, Vec<(String, String)>)> {
    let src = Source::open(path, || {
        rt(format!("[load_safetensors] Failed to open file {path}"))
    })?;
    parse(&src)
}

/// Reads a safetensors file held in memory (the tensors are copied out).
pub fn read_safetensors(bytes: &[u8]) -> Result<(NamedArrays, Vec<(String, String)>)> {
    parse(&Source::from_vec(bytes.to_vec()))
}

fn dtype_of(name: &str) -> Result<Dtype> {
    Ok(match name {
        "BOOL" => Dtype::Bool,
        "U8" | "F8_E4M3" | "F8_E5M2" => Dtype::Uint8,
        "I8" => Dtype::Int8,
        "U16" => Dtype::Uint16,
        "I16" => Dtype::Int16,
        "U32" => Dtype::Uint32,
        "I32" => Dtype::Int32,
        "U64" => Dtype::Uint64,
        "I64" => Dtype::Int64,
        "F16" => Dtype::Float16,
        "BF16" => Dtype::Bfloat16,
        "F32" => Dtype::Float32,
        "F64" => Dtype::Float64,
        "C64" => Dtype::Complex64,
        _ => return Err(rt(format!("[safetensor] unsupported dtype {name}"))),
    })
}

fn name_of(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::Bool => "BOOL",
        Dtype::Uint8 => "U8",
        Dtype::Int8 => "I8",
        Dtype::Uint16 => "U16",
        Dtype::Int16 => "I16",
        Dtype::Uint32 => "U32",
        Dtype::Int32 => "I32",
        Dtype::Uint64 => "U64",
        Dtype::Int64 => "I64",
        Dtype::Float16 => "F16",
        Dtype::Bfloat16 => "BF16",
        Dtype::Float32 => "F32",
        Dtype::Float64 => "F64",
        Dtype::Complex64 => "C64",
    }
}

fn parse(src: &Source) -> Result<(NamedArrays, Vec<(String, String)>)> {
    let b = src.bytes();
    let mut r = super::Reader::new(b, "read");
    let n = r.u64()?;
    if n > MAX_HEADER || n > r.remaining() as u64 {
        return Err(rt(
            "[load_safetensors] Invalid json header length: it does not fit in the file".into(),
        ));
    }
    let header = json::parse(r.take(n as usize)?)?;
    let data_start = r.pos;
    let data_len = b.len() - data_start;
    let Json::Object(entries) = header else {
        return Err(rt(
            "[load_safetensors] Invalid json metadata: the header is not an object".into(),
        ));
    };
    let mut arrays = Vec::new();
    let mut metadata = Vec::new();
    for (name, v) in &entries {
        if name == "__metadata__" {
            match v {
                Json::Null => {}
                Json::Object(m) => {
                    for (k, v) in m {
                        match v {
                            Json::String(s) => metadata.push((k.clone(), s.clone())),
                            _ => {
                                return Err(rt(format!(
                                    "[load_safetensors] Metadata value of '{k}' must be a string"
                                )))
                            }
                        }
                    }
                }
                _ => {
                    return Err(rt(
                        "[load_safetensors] __metadata__ must be a map of strings".into(),
                    ))
                }
            }
            continue;
        }
        let bad = |what: &str| rt(format!("[load_safetensors] Tensor '{name}': {what}"));
        let dtype = match v.get("dtype") {
            Some(Json::String(s)) => dtype_of(s)?,
            _ => return Err(bad("missing dtype")),
        };
        let shape = match v.get("shape") {
            Some(Json::Array(dims)) if dims.len() <= 64 => dims
                .iter()
                .map(|d| {
                    d.as_u64()
                        .ok_or_else(|| bad("shape entries must be non-negative integers"))
                        .and_then(|d| dim_i32("load_safetensors", name, d))
                })
                .collect::<Result<Vec<i32>>>()?,
            _ => return Err(bad("missing or invalid shape")),
        };
        let (begin, end) = match v.get("data_offsets") {
            Some(Json::Array(o)) if o.len() == 2 => match (o[0].as_u64(), o[1].as_u64()) {
                (Some(a), Some(b)) if a <= b => (a, b),
                _ => return Err(bad("invalid data_offsets")),
            },
            _ => return Err(bad("missing data_offsets")),
        };
        if end > data_len as u64 {
            return Err(rt(format!(
                "[load_safetensors] Tensor '{name}' invalid data offsets ({begin}, {end}) \
                 exceeding the size of the file. Perhaps an incomplete download or corrupt file?"
            )));
        }
        let expect = checked_nbytes(&shape, dtype.size());
        if expect != Some((end - begin) as usize) {
            return Err(rt(format!(
                "[load_safetensors] Tensor '{name}' invalid data offsets ({begin}, {end}) for \
                 shape {} of {dtype}.",
                crate::shape::fmt_shape(&shape)
            )));
        }
        let a = src.array(data_start + begin as usize, &shape, dtype)?;
        arrays.push((name.clone(), a));
    }
    Ok((arrays, metadata))
}

/// Writes `arrays` and `metadata` as safetensors to `w`.
pub fn write_safetensors<W: Write>(
    w: &mut W,
    arrays: &[(String, Array)],
    metadata: &[(String, String)],
) -> Result<()> {
    // Largest item size first keeps every tensor aligned after the 8-aligned header.
    let mut order: Vec<&(String, Array)> = arrays.iter().collect();
    order.sort_by(|a, b| b.1.itemsize().cmp(&a.1.itemsize()).then(a.0.cmp(&b.0)));
    let mut header = String::from("{");
    if !metadata.is_empty() {
        header.push_str("\"__metadata__\":{");
        let items: Vec<String> = metadata
            .iter()
            .map(|(k, v)| format!("{}:{}", json::quote(k), json::quote(v)))
            .collect();
        header.push_str(&items.join(","));
        header.push('}');
    }
    let mut offset = 0usize;
    for (i, (name, a)) in order.iter().enumerate() {
        if i > 0 || !metadata.is_empty() {
            header.push(',');
        }
        let dims: Vec<String> = a.shape().iter().map(|d| d.to_string()).collect();
        header.push_str(&format!(
            "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
            json::quote(name),
            name_of(a.dtype()),
            dims.join(","),
            offset,
            offset + a.nbytes()
        ));
        offset += a.nbytes();
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let io_err = |e: std::io::Error| rt(format!("[save_safetensors] Failed to write: {e}"));
    w.write_all(&(header.len() as u64).to_le_bytes())
        .map_err(io_err)?;
    w.write_all(header.as_bytes()).map_err(io_err)?;
    for (_, a) in order {
        w.write_all(&a.to_bytes()?).map_err(io_err)?;
    }
    Ok(())
}

/// Saves to `path` (`.safetensors` appended when missing); returns the path used.
pub fn save_safetensors(
    path: &str,
    arrays: &[(String, Array)],
    metadata: &[(String, String)],
) -> Result<String> {
    let path = with_extension(path, Format::Safetensors);
    let file = std::fs::File::create(&path).map_err(|e| {
        rt(format!(
            "[save_safetensors] Failed to open file {path}: {e}"
        ))
    })?;
    let mut w = std::io::BufWriter::new(file);
    write_safetensors(&mut w, arrays, metadata)?;
    w.flush()
        .map_err(|e| rt(format!("[save_safetensors] Failed to write: {e}")))?;
    Ok(path)
}
