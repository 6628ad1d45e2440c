//! Reading and writing arrays in MLX's file formats: `.npy`, `.npz`, `.safetensors`, `.gguf`.
//!
//! Every parser treats its input as untrusted: sizes are checked against the file length
//! before anything is allocated, arithmetic is checked, and a corrupt or truncated file is an
//! `Err`, never a panic or an out-of-bounds read (`tests/io_fuzz.rs` and
//! `examples/fuzz_io.rs` mutate valid files to check this).
//!
//! Error types follow MLX 0.32: a missing file is a `Runtime` error for `.npy` and
//! `.safetensors` and an `InvalidArgument` for `.npz` and `.gguf`; malformed contents are
//! `Runtime` errors, except a bad zip container (`InvalidArgument`) and dtypes a format cannot
//! hold (`InvalidArgument` in `.npy`).
//!
//! Loading from a path memory-maps the file (see `source` for how mapped arrays count in
//! memory). The `save_*` functions append the format's extension when the path lacks it, as
//! MLX does.

mod gguf;
mod gguf_quants;
mod json;
mod npy;
mod npz;
mod safetensors;
pub(crate) mod source;
mod zip;

pub use gguf::{load_gguf, read_gguf, save_gguf, write_gguf, GgufValue};
pub use npy::{load_npy, read_npy, save_npy, write_npy};
pub use npz::{load_npz, read_npz, save_npz, write_npz};
pub use safetensors::{load_safetensors, read_safetensors, save_safetensors, write_safetensors};

use crate::error::{Error, Result};

/// Named arrays, in file order.
pub type NamedArrays = Vec<(String, crate::Array)>;

/// The file formats `load` understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// NumPy's single-array format.
    Npy,
    /// A zip of `.npy` members (NumPy's `savez`).
    Npz,
    /// Hugging Face's safetensors.
    Safetensors,
    /// llama.cpp's GGUF (version 2 and 3).
    Gguf,
}

impl Format {
    /// The format named `name` (`"npy"`, `"npz"`, `"safetensors"`, `"gguf"`).
    pub fn from_name(name: &str) -> Result<Format> {
        match name {
            "npy" => Ok(Format::Npy),
            "npz" => Ok(Format::Npz),
            "safetensors" => Ok(Format::Safetensors),
            "gguf" => Ok(Format::Gguf),
            _ => Err(Error::InvalidArgument(format!(
                "[load] Unknown file format {name}"
            ))),
        }
    }

    /// The format given by the text after the last `.` of `path`.
    pub fn infer(path: &str) -> Result<Format> {
        match path.rsplit_once('.') {
            Some((_, ext)) => Format::from_name(ext),
            None => Err(Error::InvalidArgument(
                "[load] Could not infer file format from extension".into(),
            )),
        }
    }

    /// The extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Safetensors => "safetensors",
            Format::Gguf => "gguf",
        }
    }
}

/// `path` with `.ext` appended unless it already ends with it (MLX's rule for saving).
pub fn with_extension(path: &str, format: Format) -> String {
    let ext = format!(".{}", format.extension());
    if path.ends_with(&ext) {
        path.to_string()
    } else {
        format!("{path}{ext}")
    }
}

/// Writes `bytes` to a new file at `path`.
fn write_file(fname: &str, path: &str, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| Error::Runtime(format!("[{fname}] Failed to write file {path}: {e}")))
}

/// A file dimension as an `i32` shape entry, or an error naming the tensor.
fn dim_i32(fname: &str, name: &str, d: u64) -> Result<i32> {
    i32::try_from(d).map_err(|_| {
        Error::Runtime(format!(
            "[{fname}] Tensor '{name}' has a dimension {d} larger than rmlx supports."
        ))
    })
}

/// Bytes of `shape` elements of `itemsize` bytes, or `None` on overflow.
fn checked_nbytes(shape: &[i32], itemsize: usize) -> Option<usize> {
    shape.iter().try_fold(itemsize, |acc, &d| {
        acc.checked_mul(usize::try_from(d).ok()?)
    })
}

/// A little-endian cursor over untrusted bytes: every read is bounds-checked.
#[derive(Debug)]
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    fname: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], fname: &'static str) -> Self {
        Reader {
            bytes,
            pos: 0,
            fname,
        }
    }
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::Runtime(format!(
                "[{}] Unexpected end of file: needed {n} bytes at offset {}, {} left.",
                self.fname,
                self.pos,
                self.remaining()
            )));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}
