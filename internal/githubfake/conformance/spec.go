package conformance

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// spec is GitHub's description kept as raw JSON: every path template for
// routing, and each operation loaded as an OpenAPI document of its own
// (the operation and the components it reaches) the first time a request
// needs it. Loading the whole 13 MB description with kin-openapi takes
// tens of seconds; one operation takes milliseconds.
type spec struct {
	version    string
	paths      map[string]map[string]json.RawMessage // template -> key (get, post, parameters...) -> JSON
	components map[string]map[string]json.RawMessage // section -> name -> JSON
	templates  []template

	mu  sync.Mutex
	ops map[string]*operation // "METHOD template"
}

// operation is one operation loaded for validation.
type operation struct {
	router routers.Router
	err    error
}

// template is a path template split into segments; a "" segment is a
// parameter.
type template struct {
	path     string
	segments []string
	literals int
}

func parseSpec(data []byte) (*spec, error) {
	var raw struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse GitHub's OpenAPI description: %w", err)
	}
	if len(raw.Paths) == 0 {
		return nil, fmt.Errorf("GitHub's OpenAPI description has no paths")
	}
	s := &spec{version: raw.OpenAPI, paths: raw.Paths, components: raw.Components, ops: map[string]*operation{}}
	for p := range raw.Paths {
		t := template{path: p}
		for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				seg = ""
			} else {
				t.literals++
			}
			t.segments = append(t.segments, seg)
		}
		s.templates = append(s.templates, t)
	}
	// Most literal segments first, then earliest literal: the most specific
	// template wins, as on GitHub (/repos/{o}/{r}/issues/comments/{id}
	// before /repos/{o}/{r}/issues/{number}/comments).
	sort.Slice(s.templates, func(i, j int) bool {
		a, b := s.templates[i], s.templates[j]
		if a.literals != b.literals {
			return a.literals > b.literals
		}
		for k := range min(len(a.segments), len(b.segments)) {
			if (a.segments[k] == "") != (b.segments[k] == "") {
				return a.segments[k] != ""
			}
		}
		return a.path < b.path
	})
	return s, nil
}

// match finds the path template of a request path (relative to the API
// root) and whether the template has the method.
func (s *spec) match(method, path string) (tmpl string, hasMethod bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, t := range s.templates {
		if len(t.segments) != len(segs) {
			continue
		}
		ok := true
		for i, seg := range t.segments {
			if segs[i] == "" || (seg != "" && seg != segs[i]) {
				ok = false
				break
			}
		}
		if ok {
			_, has := s.paths[t.path][strings.ToLower(method)]
			if has {
				return t.path, true
			}
			if tmpl == "" {
				tmpl = t.path
			}
		}
	}
	return tmpl, false
}

// router returns a router over the single operation, loading it once.
func (s *spec) router(method, tmpl string) (routers.Router, error) {
	key := method + " " + tmpl
	s.mu.Lock()
	op, ok := s.ops[key]
	if !ok {
		op = &operation{}
		op.router, op.err = s.load(method, tmpl)
		s.ops[key] = op
	}
	s.mu.Unlock()
	return op.router, op.err
}

var refPattern = regexp.MustCompile(`"\$ref"\s*:\s*"#/components/([^/"]+)/([^"]+)"`)

// load builds the OpenAPI document of one operation: its path item with
// only that method, and the components it reaches.
func (s *spec) load(method, tmpl string) (routers.Router, error) {
	item := map[string]json.RawMessage{strings.ToLower(method): s.paths[tmpl][strings.ToLower(method)]}
	if params, ok := s.paths[tmpl]["parameters"]; ok {
		item["parameters"] = params
	}
	components := map[string]map[string]json.RawMessage{}
	var queue [][]byte
	for _, v := range item {
		queue = append(queue, v)
	}
	for len(queue) > 0 {
		next := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, m := range refPattern.FindAllSubmatch(next, -1) {
			section, name := string(m[1]), unescapePointer(string(m[2]))
			if components[section] == nil {
				components[section] = map[string]json.RawMessage{}
			}
			if _, done := components[section][name]; done {
				continue
			}
			v, ok := s.components[section][name]
			if !ok {
				return nil, fmt.Errorf("%s %s: $ref to missing #/components/%s/%s", method, tmpl, section, name)
			}
			components[section][name] = v
			queue = append(queue, v)
		}
	}
	doc, err := json.Marshal(map[string]any{
		"openapi":    s.version,
		"info":       map[string]string{"title": "GitHub REST API: " + method + " " + tmpl, "version": "1"},
		"paths":      map[string]any{tmpl: item},
		"components": components,
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: build the operation's document: %w", method, tmpl, err)
	}
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("%s %s: load the operation: %w", method, tmpl, err)
	}
	r, err := legacy.NewRouter(t, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
	if err != nil {
		return nil, fmt.Errorf("%s %s: route the operation: %w", method, tmpl, err)
	}
	return r, nil
}

// unescapePointer undoes JSON-pointer escaping (~1 is /, ~0 is ~).
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}
