package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	gojson "github.com/goccy/go-json"
)

// FuzzDecodeMatchesStdlib checks that go-json, which Route decodes with,
// accepts and rejects the payloads encoding/json does and decodes them to
// the same values.
func FuzzDecodeMatchesStdlib(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`{"action":"x","foo":[1,2,}`, `{"action":"x"} junk`, `{"foo":"\q"}`, `{"pull_request":{"number":"1"}}`,
		`{"ACTION":"opened"}`, `{"action":"a","action":"b"}`, `{"issue":{"pull_request":null}}`, "{\"action\":\"\xff\"}", `{"action":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var std, ours payload
		errStd, errOurs := json.Unmarshal(b, &std), gojson.Unmarshal(b, &ours)
		if (errStd == nil) != (errOurs == nil) {
			t.Fatalf("encoding/json: %v, go-json: %v", errStd, errOurs)
		}
		if errStd == nil && !reflect.DeepEqual(std, ours) {
			t.Fatalf("encoding/json %+v, go-json %+v", std, ours)
		}
	})
}
