package unsafereview

import (
	"reflect"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func TestScan(t *testing.T) {
	src := `// SAFETY: not an item, just a comment about unsafe { }
const S: &str = "unsafe { fake }";
const R: &str = r#"unsafe fn fake() {}"#;

pub fn read(p: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer,
    // checked above.
    let v = unsafe { *p };
    let w = unsafe { *p.add(1) };
    v + w
}

/// Reads.
///
/// # Safety
/// p must be valid.
#[inline]
pub unsafe fn raw(p: *const u8) -> u8 { unsafe { *p } } // SAFETY: no, after

unsafe impl<'a> Send for Wrapper<'a> {}

extern "C" {
    fn abs(x: i32) -> i32;
}

unsafe extern "C" fn callback(x: i32) -> i32 { x }

type F = unsafe fn(u8);
extern crate core;
/* SAFETY: block comment */ unsafe trait Zeroable {}
fn lifetimes<'a>(c: char) -> bool { c == '"' || c == '\'' }
fn late() { unsafe { g() } }
`
	all := func(int) bool { return true }
	got := Scan("src/lib.rs", []byte(src), all)
	want := []review.UnsafeItem{
		{Path: "src/lib.rs", Line: 8, Kind: review.UnsafeBlock, Safety: "the caller passes a valid pointer, checked above."},
		{Path: "src/lib.rs", Line: 9, Kind: review.UnsafeBlock},
		{Path: "src/lib.rs", Line: 18, Kind: review.UnsafeFn, Name: "raw", Safety: "p must be valid."},
		{Path: "src/lib.rs", Line: 18, Kind: review.UnsafeBlock},
		{Path: "src/lib.rs", Line: 20, Kind: review.UnsafeImpl, Name: "<'a>Send for Wrapper<'a>"},
		{Path: "src/lib.rs", Line: 22, Kind: review.UnsafeExtern},
		{Path: "src/lib.rs", Line: 26, Kind: review.UnsafeFn, Name: "callback"},
		{Path: "src/lib.rs", Line: 30, Kind: review.UnsafeTrait, Name: "Zeroable", Safety: "block comment"},
		{Path: "src/lib.rs", Line: 32, Kind: review.UnsafeBlock},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Scan:\n got %+v\nwant %+v", got, want)
	}

	only := func(n int) bool { return n == 9 }
	if got := Scan("src/lib.rs", []byte(src), only); len(got) != 1 || got[0].Line != 9 {
		t.Errorf("Scan of line 9 only: %+v", got)
	}
}
