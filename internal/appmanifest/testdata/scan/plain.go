package scan

type x struct{ Checks struct{ Anything int } }

var _ = x{}.Checks.Anything
