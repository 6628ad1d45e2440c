//! dtype predicates of the array API: `can_cast` and `isdtype`.

use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Result};

/// Whether `from` can be cast to `to` by the promotion rules: promoting the two gives
/// back `to` (so int64 -> float32 is allowed, as in MLX, and uint32 -> int32 is not).
pub fn can_cast(from: Dtype, to: Dtype) -> bool {
    promote_types(from, to) == to
}

/// Whether `dtype` is of the array-API kind named `kind`: `"bool"`, `"signed integer"`,
/// `"unsigned integer"`, `"integral"`, `"real floating"`, `"complex floating"` or
/// `"numeric"` (every dtype but bool). Any other name is an error.
pub fn isdtype(dtype: Dtype, kind: &str) -> Result<bool> {
    Ok(match kind {
        "bool" => dtype == Dtype::Bool,
        "signed integer" => dtype.is_signed_integer(),
        "unsigned integer" => dtype.is_unsigned_integer(),
        "integral" => dtype.is_integer(),
        "real floating" => dtype.is_floating(),
        "complex floating" => dtype.is_complex(),
        "numeric" => dtype != Dtype::Bool,
        other => bail!("[isdtype] Unknown data type kind: '{other}'."),
    })
}
