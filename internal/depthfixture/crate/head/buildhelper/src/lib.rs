/// Helps.
pub fn help() -> usize {
    0
}
