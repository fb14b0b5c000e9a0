// Package semvercheck compares the public API of a library crate between
// two revisions, from rustdoc's JSON output, and says whether the version
// change in Cargo.toml covers what changed: removed or renamed public
// items, changed function signatures, new required trait items, variants
// added to exhaustive enums. It also reads the text output of
// cargo-semver-checks (tool.go), which the worker prefers when it has it.
// It is pure: running rustdoc or the tool is the caller's job
// (internal/cargo), and their output, produced from untrusted code, is
// parsed as data only.
package semvercheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Item is one public item of an API.
type Item struct {
	// Kind is rustdoc's kind of the item: "function", "struct", "variant"…
	Kind string `json:"kind"`
	// Sig is a canonical text of what callers depend on (a function's
	// signature, a field's type); "" when only the item's presence counts.
	Sig string `json:"sig,omitempty"`
	// Required marks a trait item implementors must provide.
	Required bool `json:"required,omitempty"`
	// Exhaustive marks an enum without #[non_exhaustive].
	Exhaustive bool `json:"exhaustive,omitempty"`
}

// API maps the public paths of a crate ("mylib::mod::Type::method") to
// their items.
type API struct {
	Crate   string          `json:"crate"`
	Version string          `json:"version"`
	Items   map[string]Item `json:"items"`
}

// rustdoc JSON, the parts used. Ids are numbers in recent format versions
// and strings in older ones: kept raw and compared as text.
type rdCrate struct {
	Root         json.RawMessage   `json:"root"`
	CrateVersion string            `json:"crate_version"`
	Index        map[string]rdItem `json:"index"`
}

type rdItem struct {
	CrateID    int                        `json:"crate_id"`
	Name       *string                    `json:"name"`
	Visibility json.RawMessage            `json:"visibility"`
	Attrs      json.RawMessage            `json:"attrs"`
	Inner      map[string]json.RawMessage `json:"inner"`
}

func idKey(raw json.RawMessage) string { return strings.Trim(string(raw), `"`) }

// maxDepth bounds the walk through modules and re-exports.
const maxDepth = 32

// ParseRustdoc extracts the public API from rustdoc's JSON output.
func ParseRustdoc(data []byte) (*API, error) {
	var c rdCrate
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("rustdoc json: %w", err)
	}
	root, ok := c.Index[idKey(c.Root)]
	if !ok || root.Name == nil {
		return nil, fmt.Errorf("rustdoc json: the root module is missing")
	}
	w := &walker{c: &c, api: &API{Crate: *root.Name, Version: c.CrateVersion, Items: map[string]Item{}}, seen: map[string]bool{}}
	w.module(idKey(c.Root), *root.Name, 0)
	return w.api, nil
}

type walker struct {
	c    *rdCrate
	api  *API
	seen map[string]bool // module ids by path, against re-export cycles
}

func (w *walker) item(id string) (rdItem, string, json.RawMessage, bool) {
	it, ok := w.c.Index[id]
	if !ok {
		return rdItem{}, "", nil, false
	}
	for k, v := range it.Inner {
		return it, k, v, true
	}
	return rdItem{}, "", nil, false
}

func public(it rdItem) bool { return string(it.Visibility) == `"public"` }

// module records the public items of a module under prefix.
func (w *walker) module(id, prefix string, depth int) {
	if depth > maxDepth || w.seen[prefix+"\x00"+id] {
		return
	}
	w.seen[prefix+"\x00"+id] = true
	_, kind, inner, ok := w.item(id)
	if !ok || kind != "module" {
		return
	}
	var m struct {
		Items []json.RawMessage `json:"items"`
	}
	_ = json.Unmarshal(inner, &m)
	for _, raw := range m.Items {
		w.member(idKey(raw), prefix, "", depth)
	}
}

// member records item id under prefix; name overrides the item's name (a
// re-export's).
func (w *walker) member(id, prefix, name string, depth int) {
	it, kind, inner, ok := w.item(id)
	if !ok || !public(it) && kind != "use" && kind != "impl" {
		return
	}
	if name == "" && it.Name != nil {
		name = *it.Name
	}
	if kind == "use" {
		var u struct {
			Name   string          `json:"name"`
			ID     json.RawMessage `json:"id"`
			Source string          `json:"source"`
			Glob   bool            `json:"is_glob"`
		}
		_ = json.Unmarshal(inner, &u)
		if !public(it) {
			return
		}
		target := idKey(u.ID)
		if _, tkind, _, ok := w.item(target); ok {
			if u.Glob {
				if tkind == "module" {
					w.module(target, prefix, depth+1)
				}
				return
			}
			w.member(target, prefix, u.Name, depth+1)
			return
		}
		if !u.Glob {
			w.api.Items[prefix+"::"+u.Name] = Item{Kind: "re-export", Sig: u.Source}
		}
		return
	}
	if name == "" {
		return
	}
	path := prefix + "::" + name
	switch kind {
	case "module":
		w.api.Items[path] = Item{Kind: kind}
		w.module(id, path, depth+1)
	case "function":
		w.api.Items[path] = Item{Kind: kind, Sig: canonical(inner, "has_body")}
	case "struct", "union":
		var s struct {
			Kind     map[string]json.RawMessage `json:"kind"`
			Fields   []json.RawMessage          `json:"fields"`
			Generics json.RawMessage            `json:"generics"`
			Impls    []json.RawMessage          `json:"impls"`
		}
		_ = json.Unmarshal(inner, &s)
		w.api.Items[path] = Item{Kind: kind, Sig: canonical(s.Generics)}
		fields := s.Fields
		for k, v := range s.Kind {
			var plain struct {
				Fields []json.RawMessage `json:"fields"`
			}
			switch k {
			case "plain":
				_ = json.Unmarshal(v, &plain)
				fields = plain.Fields
			case "tuple":
				_ = json.Unmarshal(v, &fields)
			}
		}
		for i, f := range fields {
			w.field(idKey(f), path, i)
		}
		w.impls(s.Impls, path, depth)
	case "enum":
		var e struct {
			Variants []json.RawMessage `json:"variants"`
			Generics json.RawMessage   `json:"generics"`
			Impls    []json.RawMessage `json:"impls"`
		}
		_ = json.Unmarshal(inner, &e)
		w.api.Items[path] = Item{Kind: kind, Sig: canonical(e.Generics), Exhaustive: !bytes.Contains(it.Attrs, []byte("non_exhaustive"))}
		for _, v := range e.Variants {
			if vit, vkind, vinner, ok := w.item(idKey(v)); ok && vit.Name != nil {
				w.api.Items[path+"::"+*vit.Name] = Item{Kind: vkind, Sig: w.variantSig(vinner)}
			}
		}
		w.impls(e.Impls, path, depth)
	case "trait":
		var t struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(inner, &t)
		w.api.Items[path] = Item{Kind: kind, Sig: canonical(inner, "items", "implementations")}
		for _, raw := range t.Items {
			tit, tkind, tinner, ok := w.item(idKey(raw))
			if !ok || tit.Name == nil {
				continue
			}
			w.api.Items[path+"::"+*tit.Name] = Item{Kind: tkind, Sig: canonical(tinner, "has_body", "default", "value", "type"), Required: required(tkind, tinner)}
		}
	case "macro", "proc_macro":
		w.api.Items[path] = Item{Kind: kind}
	default: // constant, static, type_alias, trait_alias…
		w.api.Items[path] = Item{Kind: kind, Sig: canonical(inner, "const", "expr", "value")}
	}
}

// field records a public field of a struct.
func (w *walker) field(id, parent string, index int) {
	it, kind, inner, ok := w.item(id)
	if !ok || !public(it) {
		return
	}
	name := fmt.Sprint(index)
	if it.Name != nil {
		name = *it.Name
	}
	w.api.Items[parent+"::"+name] = Item{Kind: kind, Sig: canonical(inner)}
}

// impls records the public methods and constants of inherent impls, and
// the traits implemented (not auto or blanket impls).
func (w *walker) impls(ids []json.RawMessage, parent string, depth int) {
	for _, raw := range ids {
		_, kind, inner, ok := w.item(idKey(raw))
		if !ok || kind != "impl" {
			continue
		}
		var im struct {
			Trait *struct {
				Path string `json:"path"`
				Name string `json:"name"`
			} `json:"trait"`
			Items     []json.RawMessage `json:"items"`
			Synthetic bool              `json:"is_synthetic"`
			Blanket   json.RawMessage   `json:"blanket_impl"`
		}
		_ = json.Unmarshal(inner, &im)
		if im.Synthetic || len(im.Blanket) > 0 && string(im.Blanket) != "null" {
			continue
		}
		if im.Trait != nil {
			name := im.Trait.Path
			if name == "" {
				name = im.Trait.Name
			}
			w.api.Items[parent+" impl "+name] = Item{Kind: "impl"}
			continue
		}
		for _, m := range im.Items {
			w.member(idKey(m), parent, "", depth+1)
		}
	}
}

// variantSig describes a variant's shape with its fields' types.
func (w *walker) variantSig(inner json.RawMessage) string {
	var v struct {
		Kind json.RawMessage `json:"kind"`
	}
	_ = json.Unmarshal(inner, &v)
	var shape map[string]json.RawMessage
	if json.Unmarshal(v.Kind, &shape) != nil {
		return canonical(v.Kind) // "plain"
	}
	var parts []string
	for k, body := range shape {
		var ids []json.RawMessage
		if k == "struct" {
			var s struct {
				Fields []json.RawMessage `json:"fields"`
			}
			_ = json.Unmarshal(body, &s)
			ids = s.Fields
		} else {
			_ = json.Unmarshal(body, &ids)
		}
		parts = append(parts, k)
		for _, id := range ids {
			if fit, _, finner, ok := w.item(idKey(id)); ok {
				n := ""
				if fit.Name != nil {
					n = *fit.Name + ": "
				}
				parts = append(parts, n+canonical(finner))
			} else {
				parts = append(parts, "_")
			}
		}
	}
	return strings.Join(parts, " ")
}

// required reports a trait item without a default.
func required(kind string, inner json.RawMessage) bool {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(inner, &m)
	switch kind {
	case "function":
		return string(m["has_body"]) == "false"
	case "assoc_type":
		return isNull(m["type"]) && isNull(m["default"])
	case "assoc_const":
		return isNull(m["value"]) && isNull(m["default"])
	}
	return false
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// canonical renders JSON without ids, spans and the listed keys, with
// sorted keys, so the same API gives the same text across builds.
func canonical(raw json.RawMessage, drop ...string) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	v = strip(v, append(drop, "id", "span", "docs", "links"), true)
	b, _ := json.Marshal(v)
	return string(b)
}

func strip(v any, drop []string, top bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			skip := false
			for i, d := range drop {
				// Caller's keys apply at the top only; ids and spans everywhere.
				if k == d && (i >= len(drop)-4 || top) {
					skip = true
				}
			}
			if !skip {
				out[k] = strip(val, drop, false)
			}
		}
		return out
	case []any:
		for i := range x {
			x[i] = strip(x[i], drop, false)
		}
		return x
	}
	return v
}

// Paths returns the API's paths, sorted.
func (a *API) Paths() []string {
	out := make([]string, 0, len(a.Items))
	for p := range a.Items {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
