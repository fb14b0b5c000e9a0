package cargo

import "encoding/json"

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func equalJSON(a, b any) bool { return mustJSON(a) == mustJSON(b) }
