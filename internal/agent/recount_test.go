package agent

import "testing"

func TestRecountHunks(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			"wrong counts",
			"--- a/f\n+++ b/f\n@@ -5,3 +5,4 @@ fn x\n a\n-b\n+c\n d\n",
			"--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@ fn x\n a\n-b\n+c\n d\n",
		},
		{
			"two hunks and a second file",
			"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\n+z\n@@ -9,9 +10,9 @@\n q\ndiff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -2,0 +3 @@\n+n\n",
			"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,1 +1,2 @@\n-x\n+y\n+z\n@@ -9,1 +10,1 @@\n q\ndiff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -2,0 +3,1 @@\n+n\n",
		},
		{
			"a removed line that looks like a header",
			"--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n--- x\n+y\n",
			"--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n--- x\n+y\n",
		},
		{"no newline marker", "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n", "@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+b\n"},
		{"not a diff", "hello\n", "hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recountHunks(tt.in); got != tt.want {
				t.Errorf("recountHunks:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
