//! Function compilation: graph transformations applied to a traced function.

pub(crate) mod fuse;
