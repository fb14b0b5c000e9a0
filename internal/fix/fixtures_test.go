package fix

// BreakingLib asserts at compile time that src/other.rs keeps three spaces
// before a plus, so rustfmt's fix of BreakingOther breaks the build.
const BreakingLib = `pub mod other;

const SRC: &[u8] = include_bytes!("other.rs");

const fn has_three_spaces(s: &[u8]) -> bool {
    let mut i = 0;
    while i + 4 <= s.len() {
        if s[i] == b' ' && s[i + 1] == b' ' && s[i + 2] == b' ' && s[i + 3] == b'+' {
            return true;
        }
        i += 1;
    }
    false
}

const _: () = assert!(has_three_spaces(SRC), "other.rs lost its three spaces");
`

// BreakingOther is badly formatted; formatting it breaks BreakingLib.
const BreakingOther = "pub fn other(x: u32) -> u32 {\n    x   +   1\n}\n"
