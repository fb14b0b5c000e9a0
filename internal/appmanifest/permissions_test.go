package appmanifest_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/appmanifest"
)

// services maps each go-github service field of github.Client ("Checks") to
// the service's type, found by reflection so the list follows the library.
func services() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	client := reflect.TypeFor[github.Client]()
	for i := range client.NumField() {
		f := client.Field(i)
		if f.IsExported() && f.Type.Kind() == reflect.Pointer && strings.HasSuffix(f.Type.Elem().Name(), "Service") {
			out[f.Name] = f.Type
		}
	}
	return out
}

func TestNeedsNameRealCalls(t *testing.T) {
	svcs := services()
	seen := map[string]bool{}
	for _, n := range appmanifest.Needs {
		if seen[n.Call] {
			t.Errorf("%s is listed twice", n.Call)
		}
		seen[n.Call] = true
		if (n.Scope == "") != (n.Access == "") {
			t.Errorf("%s: scope %q with access %q", n.Call, n.Scope, n.Access)
		}
		if strings.HasPrefix(n.Call, "git ") {
			continue
		}
		svc, method, ok := strings.Cut(n.Call, ".")
		typ, known := svcs[svc]
		if !ok || !known {
			t.Errorf("%s: %q is not a go-github service", n.Call, svc)
			continue
		}
		if _, ok := typ.MethodByName(method); !ok {
			t.Errorf("%s: go-github's %s has no method %s", n.Call, typ.Elem().Name(), method)
		}
	}
}

// TestManifestGrantsExactlyWhatIsNeeded: every need is granted, and every
// grant is needed at the level granted.
func TestManifestGrantsExactlyWhatIsNeeded(t *testing.T) {
	m, err := appmanifest.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range appmanifest.Needs {
		if !m.Grants(n) {
			t.Errorf("%s needs %s: %s, which deploy/github-app.yml does not grant", n.Call, n.Scope, n.Access)
		}
	}
	if need := appmanifest.RequiredPermissions(appmanifest.Needs); !maps.Equal(m.DefaultPermissions, need) {
		t.Errorf("deploy/github-app.yml grants %v; the calls need exactly %v", m.DefaultPermissions, need)
	}
}

func TestRequiredPermissions(t *testing.T) {
	got := appmanifest.RequiredPermissions([]appmanifest.Need{
		{Call: "a", Scope: "checks", Access: appmanifest.Read},
		{Call: "b", Scope: "checks", Access: appmanifest.Write},
		{Call: "c", Scope: "checks", Access: appmanifest.Read},
		{Call: "d", Scope: "metadata", Access: appmanifest.Read},
		{Call: "e"},
	})
	want := map[string]appmanifest.Access{"checks": appmanifest.Write, "metadata": appmanifest.Read}
	if !maps.Equal(got, want) {
		t.Errorf("RequiredPermissions = %v, want %v", got, want)
	}
}

// TestCodeCallsOnlyListedAPIs reads every non-test Go file of the module
// that imports go-github and checks each client.Service.Method it names is
// in appmanifest.Needs, so a new call cannot need a permission the app lacks.
func TestCodeCallsOnlyListedAPIs(t *testing.T) {
	unlisted, calls, files := scanCalls(t, moduleRoot(t))
	for _, u := range unlisted {
		t.Errorf("%s is not in appmanifest.Needs: add it with the permission it takes "+
			"(and to deploy/github-app.yml if that grows)", u)
	}
	t.Logf("%d go-github calls in %d files, %d unlisted", calls, files, len(unlisted))
}

// TestScanFindsUnlistedCalls runs the scan on a file that calls an API the
// app has no permission for, and on one without go-github.
func TestScanFindsUnlistedCalls(t *testing.T) {
	unlisted, calls, files := scanCalls(t, filepath.Join("testdata", "scan"))
	if files != 1 || calls != 3 {
		t.Errorf("scan saw %d calls in %d files, want 3 in 1", calls, files)
	}
	if len(unlisted) != 1 || !strings.Contains(unlisted[0], "Organizations.IsMember") {
		t.Errorf("unlisted = %q, want Organizations.IsMember alone", unlisted)
	}
}

// scanCalls walks root and returns the go-github calls missing from
// appmanifest.Needs (with their positions), and how many calls and files it
// looked at.
func scanCalls(t *testing.T, root string) (unlisted []string, calls, files int) {
	t.Helper()
	svcs := services()
	listed := map[string]bool{}
	for _, n := range appmanifest.Needs {
		listed[n.Call] = true
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			// The fake GitHub serves the API, it does not call it.
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor" ||
				rel == filepath.Join("internal", "githubfake")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			// A file mid-edit by someone else must not hide the others.
			t.Logf("skipping %s: %v", rel, err)
			return nil
		}
		if !importsGoGitHub(f) {
			return nil
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			inner, ok := sel.X.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if _, ok := svcs[inner.Sel.Name]; !ok {
				return true
			}
			calls++
			if call := inner.Sel.Name + "." + sel.Sel.Name; !listed[call] {
				unlisted = append(unlisted, fmt.Sprintf("%s: %s", fset.Position(sel.Pos()), call))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return unlisted, calls, files
}

func importsGoGitHub(f *ast.File) bool {
	return slices.ContainsFunc(f.Imports, func(imp *ast.ImportSpec) bool {
		path, err := strconv.Unquote(imp.Path.Value)
		return err == nil && strings.HasPrefix(path, "github.com/google/go-github/")
	})
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
