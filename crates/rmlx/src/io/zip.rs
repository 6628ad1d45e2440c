//! A minimal zip container, enough for `.npz`: reading stored and deflated members (with
//! zip64 sizes and offsets, as NumPy's `savez` writes them) and writing them.
//!
//! Everything is read from the central directory; a member's data is located through its
//! local header and checked against the file length and its CRC-32 before use.

use crate::error::{Error, Result};
use std::borrow::Cow;

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// Deflate cannot expand data more than about 1032:1; a larger claimed size is a lie.
const MAX_DEFLATE_RATIO: u64 = 1032;

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!(
        "[load_npz] Input must be a zip file or a file-like object that can be opened with \
         zipfile.ZipFile ({msg})"
    ))
}

/// One member of the archive.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: String,
    method: u16,
    crc: u32,
    compressed: u64,
    uncompressed: u64,
    local_offset: u64,
}

fn le16(b: &[u8], at: usize) -> Result<u16> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| bad("truncated record"))
}
fn le32(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| bad("truncated record"))
}
fn le64(b: &[u8], at: usize) -> Result<u64> {
    let s = b.get(at..at + 8).ok_or_else(|| bad("truncated record"))?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

/// The central directory's members.
pub(crate) fn entries(b: &[u8]) -> Result<Vec<Entry>> {
    // The end record is in the last 22 + 65535 bytes (it ends with a comment of any length).
    let lo = b.len().saturating_sub(22 + 0xffff);
    let eocd = (lo..=b.len().saturating_sub(22))
        .rev()
        .find(|&i| b.len() >= 22 && le32(b, i).ok() == Some(EOCD_SIG))
        .ok_or_else(|| bad("no end of central directory record"))?;
    let mut count = le16(b, eocd + 10)? as u64;
    let mut cd_size = le32(b, eocd + 12)? as u64;
    let mut cd_off = le32(b, eocd + 16)? as u64;
    // Zip64: a locator just before the end record points at the zip64 end record.
    if eocd >= 20 && le32(b, eocd - 20)? == ZIP64_LOCATOR_SIG {
        let z = usize::try_from(le64(b, eocd - 12)?).map_err(|_| bad("zip64 offset"))?;
        if le32(b, z)? != ZIP64_EOCD_SIG {
            return Err(bad("bad zip64 end record"));
        }
        count = le64(b, z + 32)?;
        cd_size = le64(b, z + 40)?;
        cd_off = le64(b, z + 48)?;
    }
    let end = cd_off
        .checked_add(cd_size)
        .ok_or_else(|| bad("directory size"))?;
    if end > b.len() as u64 || count > cd_size / 46 {
        return Err(bad("central directory outside the file"));
    }
    let cd = &b[cd_off as usize..end as usize];
    let mut out = Vec::with_capacity(count as usize);
    let mut p = 0usize;
    for _ in 0..count {
        if le32(cd, p)? != CENTRAL_SIG {
            return Err(bad("bad central directory entry"));
        }
        let method = le16(cd, p + 10)?;
        let crc = le32(cd, p + 16)?;
        let mut compressed = le32(cd, p + 20)? as u64;
        let mut uncompressed = le32(cd, p + 24)? as u64;
        let name_len = le16(cd, p + 28)? as usize;
        let extra_len = le16(cd, p + 30)? as usize;
        let comment_len = le16(cd, p + 32)? as usize;
        let mut local_offset = le32(cd, p + 42)? as u64;
        let name_at = p + 46;
        let name = cd
            .get(name_at..name_at + name_len)
            .ok_or_else(|| bad("truncated name"))?;
        let name = String::from_utf8_lossy(name).into_owned();
        let extra = cd
            .get(name_at + name_len..name_at + name_len + extra_len)
            .ok_or_else(|| bad("truncated extra field"))?;
        // Zip64 extended information: the 0xFFFFFFFF fields, in order.
        let mut q = 0usize;
        while q + 4 <= extra.len() {
            let id = le16(extra, q)?;
            let len = le16(extra, q + 2)? as usize;
            let body = extra
                .get(q + 4..q + 4 + len)
                .ok_or_else(|| bad("truncated extra field"))?;
            if id == 1 {
                let mut at = 0;
                for field in [&mut uncompressed, &mut compressed, &mut local_offset] {
                    if *field == 0xffff_ffff {
                        *field = le64(body, at)?;
                        at += 8;
                    }
                }
            }
            q += 4 + len;
        }
        out.push(Entry {
            name,
            method,
            crc,
            compressed,
            uncompressed,
            local_offset,
        });
        p = name_at + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// The uncompressed bytes of `e`: borrowed for a stored member, inflated otherwise.
pub(crate) fn data<'a>(b: &'a [u8], e: &Entry) -> Result<Cow<'a, [u8]>> {
    let at = usize::try_from(e.local_offset).map_err(|_| bad("member offset"))?;
    if le32(b, at)? != LOCAL_SIG {
        return Err(bad(format!("bad local header for '{}'", e.name)));
    }
    let start = at + 30 + le16(b, at + 26)? as usize + le16(b, at + 28)? as usize;
    let end = (start as u64)
        .checked_add(e.compressed)
        .filter(|&end| end <= b.len() as u64)
        .ok_or_else(|| bad(format!("member '{}' extends past the end", e.name)))?;
    let raw = &b[start..end as usize];
    let out: Cow<'a, [u8]> = match e.method {
        STORED if e.compressed == e.uncompressed => Cow::Borrowed(raw),
        DEFLATED if e.uncompressed <= e.compressed.saturating_mul(MAX_DEFLATE_RATIO) + 64 => {
            let limit = e.uncompressed as usize;
            let v = miniz_oxide::inflate::decompress_to_vec_with_limit(raw, limit)
                .map_err(|_| bad(format!("member '{}' does not inflate", e.name)))?;
            if v.len() as u64 != e.uncompressed {
                return Err(bad(format!("member '{}' has the wrong size", e.name)));
            }
            Cow::Owned(v)
        }
        _ => return Err(bad(format!("member '{}': unsupported compression", e.name))),
    };
    if crc32(&out) != e.crc {
        return Err(bad(format!("CRC mismatch in member '{}'", e.name)));
    }
    Ok(out)
}

/// CRC-32 (IEEE, reflected), the zip checksum.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &x| {
        table[((c ^ x as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

/// Builds an archive member by member.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u64,
}

impl Writer {
    /// Appends a member; `compress` deflates it.
    pub(crate) fn add(&mut self, name: &str, data: &[u8], compress: bool) {
        let crc = crc32(data);
        let deflated;
        let (method, body) = if compress {
            deflated = miniz_oxide::deflate::compress_to_vec(data, 6);
            (DEFLATED, deflated.as_slice())
        } else {
            (STORED, data)
        };
        let offset = self.out.len() as u64;
        let (usize_, csize) = (data.len() as u64, body.len() as u64);
        let big = usize_ >= 0xffff_ffff || csize >= 0xffff_ffff || offset >= 0xffff_ffff;
        let clamp = |v: u64| if big { 0xffff_ffff } else { v as u32 };
        // Zip64 extra field: sizes (both in the local header), plus the offset centrally.
        let mut local_extra = Vec::new();
        let mut central_extra = Vec::new();
        if big {
            local_extra.extend_from_slice(&1u16.to_le_bytes());
            local_extra.extend_from_slice(&16u16.to_le_bytes());
            local_extra.extend_from_slice(&usize_.to_le_bytes());
            local_extra.extend_from_slice(&csize.to_le_bytes());
            central_extra.extend_from_slice(&1u16.to_le_bytes());
            central_extra.extend_from_slice(&24u16.to_le_bytes());
            central_extra.extend_from_slice(&usize_.to_le_bytes());
            central_extra.extend_from_slice(&csize.to_le_bytes());
            central_extra.extend_from_slice(&offset.to_le_bytes());
        }
        let version: u16 = if big { 45 } else { 20 };
        // Fixed time stamp: 1980-01-01 00:00 (files are reproducible byte for byte).
        let (time, date) = (0u16, 0x21u16);
        let o = &mut self.out;
        o.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        for v in [version, 0, method, time, date] {
            o.extend_from_slice(&v.to_le_bytes());
        }
        o.extend_from_slice(&crc.to_le_bytes());
        o.extend_from_slice(&clamp(csize).to_le_bytes());
        o.extend_from_slice(&clamp(usize_).to_le_bytes());
        o.extend_from_slice(&(name.len() as u16).to_le_bytes());
        o.extend_from_slice(&(local_extra.len() as u16).to_le_bytes());
        o.extend_from_slice(name.as_bytes());
        o.extend_from_slice(&local_extra);
        o.extend_from_slice(body);

        let c = &mut self.central;
        c.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        for v in [version, version, 0, method, time, date] {
            c.extend_from_slice(&v.to_le_bytes());
        }
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&clamp(csize).to_le_bytes());
        c.extend_from_slice(&clamp(usize_).to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&(central_extra.len() as u16).to_le_bytes());
        for v in [0u16, 0, 0] {
            c.extend_from_slice(&v.to_le_bytes()); // comment length, disk, internal attrs
        }
        c.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        c.extend_from_slice(&clamp(offset).to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        c.extend_from_slice(&central_extra);
        self.count += 1;
    }

    /// The finished archive.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let cd_off = self.out.len() as u64;
        let cd_size = self.central.len() as u64;
        self.out.extend_from_slice(&self.central);
        let big = cd_off >= 0xffff_ffff || self.count >= 0xffff;
        let o = &mut self.out;
        if big {
            let z = o.len() as u64;
            o.extend_from_slice(&ZIP64_EOCD_SIG.to_le_bytes());
            o.extend_from_slice(&44u64.to_le_bytes());
            o.extend_from_slice(&45u16.to_le_bytes());
            o.extend_from_slice(&45u16.to_le_bytes());
            o.extend_from_slice(&0u32.to_le_bytes());
            o.extend_from_slice(&0u32.to_le_bytes());
            o.extend_from_slice(&self.count.to_le_bytes());
            o.extend_from_slice(&self.count.to_le_bytes());
            o.extend_from_slice(&cd_size.to_le_bytes());
            o.extend_from_slice(&cd_off.to_le_bytes());
            o.extend_from_slice(&ZIP64_LOCATOR_SIG.to_le_bytes());
            o.extend_from_slice(&0u32.to_le_bytes());
            o.extend_from_slice(&z.to_le_bytes());
            o.extend_from_slice(&1u32.to_le_bytes());
        }
        let n16 = if big { 0xffff } else { self.count as u16 };
        let c32 = |v: u64| if big { 0xffff_ffff } else { v as u32 };
        o.extend_from_slice(&EOCD_SIG.to_le_bytes());
        o.extend_from_slice(&0u32.to_le_bytes()); // disk numbers
        o.extend_from_slice(&n16.to_le_bytes());
        o.extend_from_slice(&n16.to_le_bytes());
        o.extend_from_slice(&c32(cd_size).to_le_bytes());
        o.extend_from_slice(&c32(cd_off).to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}
