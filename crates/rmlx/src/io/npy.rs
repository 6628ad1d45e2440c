//! NumPy's `.npy` format (versions 1.0, 2.0 and 3.0): a magic string, a Python-literal
//! header (`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`) and raw data.
//!
//! Reading accepts little- and big-endian data and Fortran order (returned as a transposed
//! view, as MLX does). Writing produces NumPy's own bytes for C-ordered arrays (version 1.0,
//! header padded so data starts at a multiple of 64); a column-contiguous array is written in
//! Fortran order. `bfloat16` is written as `<V2` (two opaque bytes), MLX's convention.

use super::source::{copy_array, Source};
use super::{checked_nbytes, with_extension, write_file, Format, Reader};
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::shape::fmt_shape;
use std::io::Write;

const MAGIC: &[u8] = b"\x93NUMPY";

fn corrupt(msg: impl std::fmt::Display) -> Error {
    Error::Runtime(format!("[load] Invalid .npy header: {msg}"))
}

/// Loads the `.npy` file at `path` (memory-mapped; see the module docs of `io`).
pub fn load_npy(path: &str) -> Result<Array> {
    let src = Source::open(path, || {
        Error::Runtime(format!("[load] Failed to open file {path}"))
    })?;
    parse(&src, 0, src.bytes().len())
}

/// Reads a `.npy` file held in memory.
pub fn read_npy(bytes: &[u8]) -> Result<Array> {
    let mut r = Reader::new(bytes, "load");
    let header = read_header(&mut r)?;
    let start = r.pos;
    build(header, bytes, start, &|s, shape, dtype| {
        copy_array(&bytes[s..s + shape_bytes(shape, dtype)], shape, dtype)
    })
}

/// Parses the `.npy` held in `src.bytes()[start..end]`.
fn parse(src: &Source, start: usize, end: usize) -> Result<Array> {
    let bytes = &src.bytes()[start..end];
    let mut r = Reader::new(bytes, "load");
    let header = read_header(&mut r)?;
    let data_start = r.pos;
    build(header, bytes, data_start, &|s, shape, dtype| {
        src.array(start + s, shape, dtype)
    })
}

fn shape_bytes(shape: &[i32], dtype: Dtype) -> usize {
    shape.iter().map(|&d| d as usize).product::<usize>() * dtype.size()
}

/// What the header says.
#[derive(Debug)]
struct Header {
    dtype: Dtype,
    /// True when the file's bytes are big-endian (and the dtype is wider than one byte).
    swap: bool,
    fortran: bool,
    shape: Vec<i32>,
}

type MakeArray<'a> = dyn Fn(usize, &[i32], Dtype) -> Result<Array> + 'a;

/// The array described by `h` whose data starts at `data_start` of `bytes`.
fn build(h: Header, bytes: &[u8], data_start: usize, make: &MakeArray<'_>) -> Result<Array> {
    // Fortran order: the bytes are the row-major layout of the reversed shape.
    let file_shape: Vec<i32> = if h.fortran {
        h.shape.iter().rev().copied().collect()
    } else {
        h.shape.clone()
    };
    let nbytes = checked_nbytes(&file_shape, h.dtype.size())
        .ok_or_else(|| corrupt(format!("shape {} is too large", fmt_shape(&h.shape))))?;
    if bytes.len() - data_start < nbytes {
        return Err(Error::Runtime(format!(
            "[load] The .npy data is truncated: shape {} of {} needs {nbytes} bytes, the file \
             holds {}.",
            fmt_shape(&h.shape),
            h.dtype,
            bytes.len() - data_start
        )));
    }
    let arr = if h.swap {
        let mut data = bytes[data_start..data_start + nbytes].to_vec();
        // Complex numbers swap each of their two parts.
        let unit = if h.dtype == Dtype::Complex64 {
            4
        } else {
            h.dtype.size()
        };
        for chunk in data.chunks_exact_mut(unit) {
            chunk.reverse();
        }
        copy_array(&data, &file_shape, h.dtype)?
    } else {
        make(data_start, &file_shape, h.dtype)?
    };
    if h.fortran && arr.ndim() > 1 {
        let t = crate::ops::transpose(&arr)?;
        t.eval()?;
        Ok(t)
    } else {
        Ok(arr)
    }
}

fn read_header(r: &mut Reader<'_>) -> Result<Header> {
    let magic = r.take(6).map_err(|_| corrupt("the file is too short"))?;
    if magic != MAGIC {
        return Err(Error::Runtime(
            "[load] Invalid header: not a .npy file (bad magic string)".into(),
        ));
    }
    let major = r.u8()?;
    let _minor = r.u8()?;
    let len = match major {
        1 => r.u16()? as usize,
        2 | 3 => r.u32()? as usize,
        _ => {
            return Err(Error::Runtime(format!(
                "[load] Unsupported npy format version {major}"
            )))
        }
    };
    let text = r.take(len)?;
    let text = std::str::from_utf8(text).map_err(|_| corrupt("the header is not UTF-8"))?;
    parse_dict(text)
}

/// Parses the Python dict literal of the header.
fn parse_dict(text: &str) -> Result<Header> {
    let mut p = Lit {
        s: text.as_bytes(),
        i: 0,
    };
    p.expect(b'{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        p.ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.ws();
        p.expect(b':')?;
        p.ws();
        match key.as_str() {
            "descr" => descr = Some(p.string()?),
            "fortran_order" => fortran = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            _ => return Err(corrupt(format!("unexpected key '{key}'"))),
        }
        p.ws();
        if !p.eat(b',') {
            p.ws();
            p.expect(b'}')?;
            break;
        }
    }
    let descr = descr.ok_or_else(|| corrupt("missing 'descr'"))?;
    let fortran = fortran.ok_or_else(|| corrupt("missing 'fortran_order'"))?;
    let shape = shape.ok_or_else(|| corrupt("missing 'shape'"))?;
    let (dtype, swap) = parse_descr(&descr)?;
    Ok(Header {
        dtype,
        swap,
        fortran,
        shape,
    })
}

/// `'<f4'` and friends: the dtype and whether bytes must be swapped.
fn parse_descr(descr: &str) -> Result<(Dtype, bool)> {
    let unsupported = || {
        Error::InvalidArgument(format!(
            "[load] Unsupported array protocol type-string: {descr}"
        ))
    };
    let (order, code) = match descr.as_bytes().first() {
        Some(&c @ (b'<' | b'>' | b'|' | b'=')) => (c, &descr[1..]),
        _ => (b'=', descr),
    };
    let dtype = match code {
        "b1" => Dtype::Bool,
        "u1" => Dtype::Uint8,
        "u2" => Dtype::Uint16,
        "u4" => Dtype::Uint32,
        "u8" => Dtype::Uint64,
        "i1" => Dtype::Int8,
        "i2" => Dtype::Int16,
        "i4" => Dtype::Int32,
        "i8" => Dtype::Int64,
        "f2" => Dtype::Float16,
        "f4" => Dtype::Float32,
        "f8" => Dtype::Float64,
        "c8" => Dtype::Complex64,
        "V2" => Dtype::Bfloat16,
        _ => return Err(unsupported()),
    };
    let file_big = match order {
        b'>' => true,
        b'<' => false,
        _ => cfg!(target_endian = "big"),
    };
    let swap = dtype.size() > 1 && file_big != cfg!(target_endian = "big");
    Ok((dtype, swap))
}

/// A cursor over the header's Python literal.
struct Lit<'a> {
    s: &'a [u8],
    i: usize,
}

impl Lit<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(corrupt(format!(
                "expected '{}' at byte {}",
                c as char, self.i
            )))
        }
    }
    fn string(&mut self) -> Result<String> {
        let q = match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(corrupt(format!("expected a string at byte {}", self.i))),
        };
        self.i += 1;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != q {
            self.i += 1;
        }
        if self.i >= self.s.len() {
            return Err(corrupt("unterminated string"));
        }
        let out = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.i += 1;
        Ok(out)
    }
    fn boolean(&mut self) -> Result<bool> {
        let rest = &self.s[self.i..];
        if rest.starts_with(b"True") {
            self.i += 4;
            Ok(true)
        } else if rest.starts_with(b"False") {
            self.i += 5;
            Ok(false)
        } else {
            Err(corrupt("'fortran_order' must be True or False"))
        }
    }
    fn tuple(&mut self) -> Result<Vec<i32>> {
        self.expect(b'(')?;
        let mut out = Vec::new();
        loop {
            self.ws();
            if self.eat(b')') {
                return Ok(out);
            }
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
            let d: i32 = digits
                .parse()
                .map_err(|_| corrupt(format!("bad shape entry at byte {start}")))?;
            out.push(d);
            if out.len() > 64 {
                return Err(corrupt("too many dimensions"));
            }
            self.eat(b'L'); // Python 2 longs
            self.ws();
            if !self.eat(b',') {
                self.ws();
                self.expect(b')')?;
                return Ok(out);
            }
        }
    }
}

/// The `descr` NumPy uses for `dtype`.
fn descr(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::Bool => "|b1",
        Dtype::Uint8 => "|u1",
        Dtype::Uint16 => "<u2",
        Dtype::Uint32 => "<u4",
        Dtype::Uint64 => "<u8",
        Dtype::Int8 => "|i1",
        Dtype::Int16 => "<i2",
        Dtype::Int32 => "<i4",
        Dtype::Int64 => "<i8",
        Dtype::Float16 => "<f2",
        Dtype::Bfloat16 => "<V2",
        Dtype::Float32 => "<f4",
        Dtype::Float64 => "<f8",
        Dtype::Complex64 => "<c8",
    }
}

/// The complete `.npy` bytes of a header for `shape`/`dtype` (NumPy's layout).
pub(super) fn header_bytes(shape: &[i32], dtype: Dtype, fortran: bool) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': {}, 'shape': {tuple}, }}",
        descr(dtype),
        if fortran { "True" } else { "False" }
    );
    // Version 1.0 stores the header length in 2 bytes, 2.0 in 4.
    let (version, len_bytes) = if dict.len() + 64 + 12 > u16::MAX as usize {
        (2u8, 4)
    } else {
        (1u8, 2)
    };
    let prefix = MAGIC.len() + 2 + len_bytes;
    let pad = (64 - (prefix + dict.len() + 1) % 64) % 64;
    let hlen = dict.len() + pad + 1;
    let mut out = Vec::with_capacity(prefix + hlen);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(hlen as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(hlen as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    out
}

/// Writes `a` as `.npy` to `w`.
pub fn write_npy<W: Write>(w: &mut W, a: &Array) -> Result<()> {
    a.eval()?;
    let flags = a.flags().unwrap_or_default();
    // A column-contiguous (transposed) array goes out in Fortran order, as NumPy would.
    let fortran = a.ndim() > 1 && !flags.row_contiguous && flags.col_contiguous;
    let data = if fortran {
        crate::ops::transpose(a)?.to_bytes()?
    } else {
        a.to_bytes()?
    };
    let io_err = |e: std::io::Error| Error::Runtime(format!("[save] Failed to write: {e}"));
    w.write_all(&header_bytes(a.shape(), a.dtype(), fortran))
        .map_err(io_err)?;
    w.write_all(&data).map_err(io_err)
}

/// Saves `a` to `path` (`.npy` appended when missing, as MLX does); returns the path used.
pub fn save_npy(path: &str, a: &Array) -> Result<String> {
    let path = with_extension(path, Format::Npy);
    let mut out = Vec::new();
    write_npy(&mut out, a)?;
    write_file("save", &path, &out)?;
    Ok(path)
}
