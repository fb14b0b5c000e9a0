//! A small library.

/// The old entry point.
pub fn old_api() -> u32 {
    1
}

/// Kept as is.
pub fn keep() -> u32 {
    2
}
