//! File formats: round trips for every dtype, hand-built files (NumPy's headers, big-endian,
//! Fortran order, zip64 npz, safetensors with misaligned offsets, GGUF quantized blocks),
//! memory-mapped loading and error cases.

use rmlx::io::{self, GgufValue};
use rmlx::{memory, ops, Array, Dtype, Error};

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("rmlx-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

/// An array of `dtype` with varied values.
fn sample(dtype: Dtype, shape: &[i32]) -> Array {
    let n: i32 = shape.iter().product();
    let base = ops::arange(0.0, n as f64, 1.0, Dtype::Float32).unwrap();
    let base = ops::subtract(&base, &Array::scalar(3.0f32)).unwrap();
    let a = ops::astype(&base, dtype).unwrap();
    ops::reshape(&a, shape).unwrap()
}

fn assert_same(a: &Array, b: &Array) {
    assert_eq!(a.shape(), b.shape());
    assert_eq!(a.dtype(), b.dtype());
    assert_eq!(a.to_bytes().unwrap(), b.to_bytes().unwrap());
}

#[test]
fn npy_roundtrip_every_dtype() {
    for &d in rmlx::dtype::ALL_DTYPES.iter() {
        for shape in [&[][..], &[0][..], &[5][..], &[2, 3][..], &[2, 0, 3][..]] {
            let a = sample(d, shape);
            let mut bytes = Vec::new();
            io::write_npy(&mut bytes, &a).unwrap();
            assert_eq!(bytes.len() % 64, (a.nbytes()) % 64, "header is 64-aligned");
            assert_same(&io::read_npy(&bytes).unwrap(), &a);
            let path = io::save_npy(&tmp("rt"), &a).unwrap();
            assert!(path.ends_with("rt.npy"));
            assert_same(&io::load_npy(&path).unwrap(), &a);
        }
    }
}

#[test]
fn npy_numpy_header_bytes() {
    let a = Array::from_slice(&[1i64, 2, 3], &[3]).unwrap();
    let mut bytes = Vec::new();
    io::write_npy(&mut bytes, &a).unwrap();
    let header = b"\x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    assert_eq!(&bytes[..header.len()], header);
    assert_eq!(bytes.len(), 128 + 24);
    assert_eq!(bytes[127], b'\n');
}

#[test]
fn npy_transposed_written_fortran_and_read_back() {
    let a = sample(Dtype::Int32, &[2, 3]);
    let t = ops::transpose(&a).unwrap();
    let mut bytes = Vec::new();
    io::write_npy(&mut bytes, &t).unwrap();
    assert!(String::from_utf8_lossy(&bytes[..80]).contains("'fortran_order': True"));
    assert_same(
        &ops::contiguous(&io::read_npy(&bytes).unwrap(), false).unwrap(),
        &ops::contiguous(&t, false).unwrap(),
    );
}

fn npy_file(descr: &str, fortran: bool, shape: &str, version: u8, data: &[u8]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}\n",
        if fortran { "True" } else { "False" }
    );
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn npy_big_endian_fortran_and_versions() {
    let be: Vec<u8> = [1i32, 2, 3, 4, 5, 6]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    for version in [1, 2, 3] {
        let a = io::read_npy(&npy_file(">i4", false, "(2, 3)", version, &be)).unwrap();
        assert_eq!(a.to_vec::<i32>().unwrap(), vec![1, 2, 3, 4, 5, 6]);
    }
    // Fortran order: the bytes are columns.
    let le: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let a = io::read_npy(&npy_file("<i4", true, "(2, 3)", 1, &le)).unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(
        ops::contiguous(&a, false).unwrap().to_vec::<i32>().unwrap(),
        vec![1, 2, 3, 4, 5, 6]
    );
    // Big-endian complex swaps each part.
    let c: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let a = io::read_npy(&npy_file(">c8", false, "(1,)", 1, &c)).unwrap();
    assert_eq!(
        a.to_bytes().unwrap(),
        [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat()
    );
}

#[test]
fn npy_errors() {
    let e = io::read_npy(&npy_file("<U1", false, "(1,)", 1, b"a\0\0\0")).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    for bad in [
        &b""[..],
        b"\x93NUMPX\x01\x00",
        b"\x93NUMPY\x09\x00\x02\x00{}",
        &npy_file("<i4", false, "(2, 3)", 1, &[0; 8]),
        &npy_file("<i4", false, "(99999999999,)", 1, &[]),
        &npy_file("<i4", false, "(65536, 65536, 65536)", 1, &[]),
        b"\x93NUMPY\x01\x00\x05\x00{'des",
    ] {
        assert!(
            matches!(io::read_npy(bad), Err(Error::Runtime(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        io::load_npy(&tmp("missing.npy")),
        Err(Error::Runtime(_))
    ));
}

#[test]
fn npz_roundtrip_stored_and_deflated() {
    let arrays: Vec<(String, Array)> = rmlx::dtype::ALL_DTYPES
        .iter()
        .map(|&d| (d.name().to_string(), sample(d, &[3, 4])))
        .collect();
    for compressed in [false, true] {
        let path = io::save_npz(&tmp("z"), &arrays, compressed).unwrap();
        let back = io::load_npz(&path).unwrap();
        assert_eq!(back.len(), arrays.len());
        for ((k1, a), (k2, b)) in arrays.iter().zip(&back) {
            assert_eq!(k1, k2);
            assert_same(a, b);
        }
    }
}

#[test]
fn npz_corruption_is_caught() {
    let arrays = vec![("a".to_string(), sample(Dtype::Float32, &[64]))];
    let mut bytes = Vec::new();
    io::write_npz(&mut bytes, &arrays, true).unwrap();
    // Flip a byte of the deflated data: inflate or the CRC check fails.
    let mut bad = bytes.clone();
    bad[50] ^= 0x55;
    assert!(io::read_npz(&bad).is_err());
    assert!(matches!(
        io::read_npz(b"not a zip"),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        io::load_npz(&tmp("missing.npz")),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn safetensors_roundtrip_metadata_and_alignment() {
    let arrays: Vec<(String, Array)> = rmlx::dtype::ALL_DTYPES
        .iter()
        .map(|&d| (format!("t_{}", d.name()), sample(d, &[3, 5])))
        .collect();
    let meta = vec![
        ("format".to_string(), "pt".to_string()),
        ("q\"".into(), "é\n".into()),
    ];
    let path = io::save_safetensors(&tmp("s"), &arrays, &meta).unwrap();
    let raw = std::fs::read(&path).unwrap();
    let n = u64::from_le_bytes(raw[..8].try_into().unwrap());
    assert_eq!(n % 8, 0);
    let (back, meta_back) = io::load_safetensors(&path).unwrap();
    assert_eq!(meta_back, meta);
    assert_eq!(back.len(), arrays.len());
    for (k, a) in &arrays {
        let b = &back.iter().find(|(n, _)| n == k).unwrap().1;
        assert_same(a, b);
    }
    let (from_mem, _) = io::read_safetensors(&raw).unwrap();
    assert_eq!(from_mem.len(), arrays.len());
}

fn st_file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn safetensors_misaligned_is_copied() {
    let mut data = vec![7u8];
    data.extend([1.5f32, 2.5].iter().flat_map(|v| v.to_le_bytes()));
    let f = st_file(
        r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}"#,
        &data,
    );
    let path = tmp("mis.safetensors");
    std::fs::write(&path, &f).unwrap();
    let (arrays, _) = io::load_safetensors(&path).unwrap();
    assert_eq!(arrays[1].1.to_vec::<f32>().unwrap(), vec![1.5, 2.5]);
    let v = arrays[1].1.raw_view().unwrap();
    assert_eq!(v.ptr as usize % 4, 0);
}

#[test]
fn safetensors_mmap_costs_no_active_memory_and_is_never_donated() {
    let big = ops::full(&[256, 1024], 1.0f32).unwrap();
    let path = io::save_safetensors(&tmp("big"), &[("w".into(), big)], &[]).unwrap();
    let before_file = std::fs::read(&path).unwrap();
    rmlx::stream::synchronize_default().ok();
    let before = memory::get_active_memory();
    let (arrays, _) = io::load_safetensors(&path).unwrap();
    let w = arrays.into_iter().next().unwrap().1;
    assert!(memory::get_active_memory() < before + (1 << 20));
    let y = ops::add(&ops::exp(&w).unwrap(), &Array::scalar(1.0f32)).unwrap();
    drop(w);
    y.eval().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before_file);
}

#[test]
fn safetensors_errors() {
    for (header, data) in [
        (
            r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
            &[0u8; 2][..],
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#,
            &[0u8; 16][..],
        ),
        (
            r#"{"a":{"dtype":"XYZ","shape":[1],"data_offsets":[0,1]}}"#,
            &[0u8][..],
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            &[0u8; 4][..],
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[4294967296, 4294967296],"data_offsets":[0,4]}}"#,
            &[0u8; 4][..],
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
            &[0u8; 4][..],
        ),
        (r#"{"__metadata__":{"x":1}}"#, &[][..]),
        (r#"[]"#, &[][..]),
        (r#"{abc}"#, &[][..]),
    ] {
        let e = io::read_safetensors(&st_file(header, data)).unwrap_err();
        assert!(matches!(e, Error::Runtime(_)), "{header}: {e}");
    }
    let mut lying = (1u64 << 40).to_le_bytes().to_vec();
    lying.extend_from_slice(b"{}");
    assert!(io::read_safetensors(&lying).is_err());
    assert!(io::read_safetensors(&[1, 2, 3]).is_err());
}

#[test]
fn gguf_roundtrip_with_metadata() {
    let arrays: Vec<(String, Array)> = [
        Dtype::Int8,
        Dtype::Int16,
        Dtype::Int32,
        Dtype::Float16,
        Dtype::Float32,
    ]
    .iter()
    .map(|&d| (d.name().to_string(), sample(d, &[2, 3, 5])))
    .chain([("scalar".to_string(), Array::scalar(2.0f32))])
    .collect();
    let meta = vec![
        ("s".to_string(), GgufValue::String("hé".into())),
        (
            "l".to_string(),
            GgufValue::Strings(vec!["a".into(), "bc".into()]),
        ),
        ("n".to_string(), GgufValue::Array(Array::scalar(3i32))),
        (
            "v".to_string(),
            GgufValue::Array(Array::from_slice(&[1u64, 2], &[2]).unwrap()),
        ),
        ("b".to_string(), GgufValue::Array(Array::scalar(true))),
    ];
    let path = io::save_gguf(&tmp("g"), &arrays, &meta).unwrap();
    let (back, meta_back) = io::load_gguf(&path).unwrap();
    for ((k1, a), (k2, b)) in arrays.iter().zip(&back) {
        assert_eq!(k1, k2);
        assert_same(a, b);
    }
    assert_eq!(meta_back.len(), meta.len());
    match (&meta_back[1].1, &meta_back[3].1) {
        (GgufValue::Strings(s), GgufValue::Array(v)) => {
            assert_eq!(s, &["a", "bc"]);
            assert_eq!(v.to_vec::<u64>().unwrap(), vec![1, 2]);
        }
        other => panic!("{other:?}"),
    }
    let bad = io::save_gguf(&tmp("g2"), &[("x".into(), sample(Dtype::Int64, &[2]))], &[]);
    assert!(matches!(bad, Err(Error::Runtime(_))));
    let bad_meta = [(
        "m".to_string(),
        GgufValue::Array(sample(Dtype::Float16, &[2])),
    )];
    assert!(matches!(
        io::save_gguf(&tmp("g3"), &[], &bad_meta),
        Err(Error::InvalidArgument(_))
    ));
}

/// A GGUF file with one tensor of ggml type `t` (innermost dimension first in `ne`).
fn gguf_one(name: &str, ne: &[u64], t: u32, data: &[u8]) -> Vec<u8> {
    let mut o = b"GGUF".to_vec();
    o.extend_from_slice(&3u32.to_le_bytes());
    o.extend_from_slice(&1u64.to_le_bytes());
    o.extend_from_slice(&0u64.to_le_bytes());
    o.extend_from_slice(&(name.len() as u64).to_le_bytes());
    o.extend_from_slice(name.as_bytes());
    o.extend_from_slice(&(ne.len() as u32).to_le_bytes());
    for d in ne {
        o.extend_from_slice(&d.to_le_bytes());
    }
    o.extend_from_slice(&t.to_le_bytes());
    o.extend_from_slice(&0u64.to_le_bytes());
    o.resize(o.len().next_multiple_of(32), 0);
    o.extend_from_slice(data);
    o
}

#[test]
fn gguf_q8_0_becomes_mlx_triplet() {
    // One block: d = 0.5, q = -128..=127 step 8.
    let mut block = half::f16::from_f32(0.5).to_le_bytes().to_vec();
    let q: Vec<i8> = (0..32).map(|i| (i * 8 - 128) as i8).collect();
    block.extend(q.iter().map(|&v| v as u8));
    let (arrays, _) = io::read_gguf(&gguf_one("l.weight", &[32], 8, &block)).unwrap();
    let names: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["l.scales", "l.biases", "l.weight"]);
    let w = arrays[2].1.to_vec::<u32>().unwrap();
    assert_eq!(w.len(), 8);
    assert_eq!(w[0] & 0xff, 0); // -128 + 128
    assert_eq!((w[0] >> 8) & 0xff, 8);
    assert_eq!(
        arrays[1].1.to_vec::<half::f16>().unwrap(),
        vec![half::f16::from_f32(-64.0)]
    );
}

#[test]
fn gguf_q4_0_nibble_order() {
    let mut block = half::f16::from_f32(1.0).to_le_bytes().to_vec();
    block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
    let (arrays, _) = io::read_gguf(&gguf_one("w", &[32], 2, &block)).unwrap();
    let w = arrays
        .iter()
        .find(|(n, _)| n == "w")
        .unwrap()
        .1
        .to_vec::<u32>()
        .unwrap();
    // Values 0..16 are j, values 16..32 are 15 - j, packed 8 per word low nibble first.
    let vals: Vec<u32> = (0..32).map(|k| (w[k / 8] >> (4 * (k % 8))) & 0xf).collect();
    let expect: Vec<u32> = (0..16).chain((0..16).map(|j| 15 - j)).collect();
    assert_eq!(vals, expect);
}

#[test]
fn gguf_errors() {
    assert!(io::read_gguf(b"GGUX\x03\0\0\0").is_err());
    assert!(
        io::read_gguf(&gguf_one("w", &[2], 0, &[0; 4])).is_err(),
        "truncated data"
    );
    assert!(
        io::read_gguf(&gguf_one("w", &[33], 8, &[0; 68])).is_err(),
        "not a multiple of 32"
    );
    assert!(
        io::read_gguf(&gguf_one("w", &[32], 6, &[0; 22])).is_err(),
        "Q5_0"
    );
    assert!(io::read_gguf(&gguf_one("w", &[u64::MAX], 0, &[])).is_err());
    assert!(io::read_gguf(&gguf_one("w", &[1 << 30, 1 << 30], 0, &[])).is_err());
    let mut lying = b"GGUF\x03\0\0\0".to_vec();
    lying.extend_from_slice(&u64::MAX.to_le_bytes());
    lying.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(io::read_gguf(&lying).is_err());
    assert!(matches!(
        io::load_gguf(&tmp("missing.gguf")),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn format_inference() {
    use io::Format;
    assert_eq!(
        Format::infer("a/b.c.safetensors").unwrap(),
        Format::Safetensors
    );
    assert!(matches!(
        Format::infer("noext"),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Format::infer("x.foo"),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(io::with_extension("x.foo", Format::Npy), "x.foo.npy");
    assert_eq!(io::with_extension("x.npy", Format::Npy), "x.npy");
}
