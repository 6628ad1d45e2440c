//! NumPy's `.npz`: a zip archive of `.npy` members named `<key>.npy`, stored (`savez`) or
//! deflated (`savez_compressed`).

use super::source::Source;
use super::{npy, with_extension, write_file, zip, Format, NamedArrays};
use crate::array::Array;
use crate::error::{Error, Result};
use std::io::Write;

/// Loads the `.npz` file at `path`; keys are member names without `.npy`, in archive order.
pub fn load_npz(path: &str) -> Result<NamedArrays> {
    let src = Source::open(path, || {
        Error::InvalidArgument(
            "[load_npz] Input must be a zip file or a file-like object that can be opened \
             with zipfile.ZipFile"
                .into(),
        )
    })?;
    read_npz(src.bytes())
}

/// Reads a `.npz` archive held in memory.
pub fn read_npz(bytes: &[u8]) -> Result<NamedArrays> {
    let mut out = Vec::new();
    for e in zip::entries(bytes)? {
        let data = zip::data(bytes, &e)?;
        let key = e.name.strip_suffix(".npy").unwrap_or(&e.name).to_string();
        out.push((key, npy::read_npy(&data)?));
    }
    Ok(out)
}

/// Writes `arrays` as an `.npz` archive to `w`.
pub fn write_npz<W: Write>(w: &mut W, arrays: &[(String, Array)], compressed: bool) -> Result<()> {
    let mut z = zip::Writer::default();
    for (name, a) in arrays {
        let mut member = Vec::new();
        npy::write_npy(&mut member, a)?;
        z.add(&format!("{name}.npy"), &member, compressed);
    }
    w.write_all(&z.finish())
        .map_err(|e| Error::Runtime(format!("[savez] Failed to write: {e}")))
}

/// Saves `arrays` to `path` (`.npz` appended when missing); returns the path used.
pub fn save_npz(path: &str, arrays: &[(String, Array)], compressed: bool) -> Result<String> {
    let path = with_extension(path, Format::Npz);
    let mut out = Vec::new();
    write_npz(&mut out, arrays, compressed)?;
    write_file("savez", &path, &out)?;
    Ok(path)
}
