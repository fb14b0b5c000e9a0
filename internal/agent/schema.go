package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SchemaJSON is the JSON schema of every agent's answer, whatever the
// backend. summary and body are markdown; start_line is 0 for a
// single-line comment; diff is a unified diff against the head.
const SchemaJSON = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["summary", "comments", "patches"],
  "properties": {
    "summary": {"type": "string"},
    "comments": {"type": "array", "items": {
      "type": "object",
      "additionalProperties": false,
      "required": ["path", "line", "start_line", "severity", "body"],
      "properties": {
        "path": {"type": "string"},
        "line": {"type": "integer"},
        "start_line": {"type": "integer"},
        "severity": {"type": "string", "enum": ["error", "warning", "note"]},
        "body": {"type": "string"}
      }
    }},
    "patches": {"type": "array", "items": {
      "type": "object",
      "additionalProperties": false,
      "required": ["description", "diff"],
      "properties": {
        "description": {"type": "string"},
        "diff": {"type": "string"}
      }
    }}
  }
}`

// SchemaCompact is SchemaJSON without insignificant whitespace, as sent.
var SchemaCompact = func() string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(SchemaJSON)); err != nil {
		panic(fmt.Sprintf("agent: bad SchemaJSON: %v", err))
	}
	return b.String()
}()

// schemaMap returns SchemaJSON decoded, for SDKs that take a map.
func schemaMap() map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(SchemaJSON), &m); err != nil {
		panic(fmt.Sprintf("agent: bad SchemaJSON: %v", err))
	}
	return m
}

// ParseResponse decodes one JSON object and checks it against the schema:
// unknown fields, missing required fields, wrong types or an unknown
// severity are errors whose text tells the model what to fix.
func ParseResponse(data []byte) (Response, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return Response{}, fmt.Errorf("answer is not a JSON object: %w", err)
	}
	for _, k := range []string{"summary", "comments", "patches"} {
		if _, ok := top[k]; !ok {
			return Response{}, fmt.Errorf("answer lacks the required field %q", k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Response
	if err := dec.Decode(&r); err != nil {
		return Response{}, fmt.Errorf("answer does not match the schema: %w", err)
	}
	if dec.More() {
		return Response{}, errors.New("answer has trailing data after the JSON object")
	}
	var errs []error
	for i, c := range r.Comments {
		switch {
		case c.Path == "":
			errs = append(errs, fmt.Errorf("comments[%d].path is empty", i))
		case c.Line <= 0:
			errs = append(errs, fmt.Errorf("comments[%d].line must be a positive head line number", i))
		case c.StartLine < 0 || c.StartLine > c.Line:
			errs = append(errs, fmt.Errorf("comments[%d].start_line must be 0 or between 1 and line", i))
		case c.Severity != "error" && c.Severity != "warning" && c.Severity != "note":
			errs = append(errs, fmt.Errorf("comments[%d].severity %q is not error, warning or note", i, c.Severity))
		case strings.TrimSpace(c.Body) == "":
			errs = append(errs, fmt.Errorf("comments[%d].body is empty", i))
		}
	}
	for i, p := range r.Patches {
		if strings.TrimSpace(p.Diff) == "" {
			errs = append(errs, fmt.Errorf("patches[%d].diff is empty", i))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Response{}, err
	}
	return r, nil
}

// ExtractResponse finds the answer in free text (an agent's messages may
// carry notices, prose or code fences around it): the last JSON object in
// text that matches the schema. With none, the error is the schema error of
// the last JSON object found, or says that there was none.
func ExtractResponse(text string) (Response, error) {
	var firstErr error
	for i := strings.LastIndexByte(text, '{'); i >= 0; i = strings.LastIndexByte(text[:i], '{') {
		dec := json.NewDecoder(strings.NewReader(text[i:]))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			continue
		}
		r, err := ParseResponse(raw)
		if err == nil {
			return r, nil
		}
		if firstErr == nil && bytes.Contains(raw, []byte(`"summary"`)) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return Response{}, firstErr
	}
	return Response{}, errors.New("answer holds no JSON object with summary, comments and patches")
}
