//! A small library.

/// Kept as is.
pub fn keep() -> u32 {
    2
}

/// The first element.
pub fn first(v: &[u32]) -> u32 {
    assert!(!v.is_empty());
    let p = v.as_ptr();
    unsafe { *p }
}

/// Three ones.
pub fn ones() -> usize {
    std::iter::repeat_n(1u8, 3).count() + buildhelper::help()
}
