//! `mx.random`: MLX's counter-based random numbers, bit for bit.
//!
//! Keys are uint32 arrays of shape (2,). [`bits`] runs Threefry-2x32 (`threefry`) through
//! the `RandomBits` primitive; every distribution is MLX's composition of ops on top of
//! those bits, so results equal MLX's for the same key. Functions called without a key
//! split the global key ([`state`]) exactly as MLX does.

mod basic;
mod derived;
pub(crate) mod exact;
mod multivariate;
mod state;
pub(crate) mod threefry;

pub use basic::{bits, key, split, uniform};
pub use derived::{
    bernoulli, categorical, gumbel, laplace, normal, permutation, permutation_of, randint,
    truncated_normal,
};
pub use multivariate::multivariate_normal;
pub use state::{seed, set_state, state};
pub use threefry::threefry2x32;
