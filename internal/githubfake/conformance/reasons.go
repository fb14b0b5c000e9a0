package conformance

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// reasons flattens a validation error into short lines ("parameter state:
// at /: value is not one of the allowed values"), without the schema dumps
// of kin-openapi's messages. With lenient, a missing required property is
// no mismatch: the fake's answers are go-github values, which leave empty
// fields out, so only the types, formats and enums of the fields they
// have are checked.
func reasons(err error, lenient bool) []string {
	var out []string
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(prefix, x)
			}
		case *openapi3filter.RequestError:
			switch {
			case e.Parameter != nil:
				prefix += fmt.Sprintf("parameter %s (%s): ", e.Parameter.Name, e.Parameter.In)
			case e.RequestBody != nil:
				prefix += "body: "
			}
			if e.Err == nil {
				out = append(out, prefix+e.Reason)
				return
			}
			walk(prefix, e.Err)
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				out = append(out, prefix+e.Reason)
				return
			}
			walk(prefix+"body: ", e.Err)
		case *openapi3.SchemaError:
			at := "/" + strings.Join(e.JSONPointer(), "/")
			switch e.SchemaField {
			case "required", "discriminator":
				// A missing discriminator property is a missing property
				// too (users' user_view_type); a wrong value is not.
				if !lenient || (e.SchemaField == "discriminator" && !strings.Contains(e.Reason, "does not contain")) {
					out = append(out, fmt.Sprintf("%sat %s: %s", prefix, at, e.Reason))
				}
			case "allOf":
				for _, b := range branchErrors(e.Origin) {
					walk(prefix, b)
				}
			case "oneOf", "anyOf":
				if lenient {
					for _, b := range branchErrors(e.Origin) {
						if len(reasons(b, true)) == 0 {
							return // a branch fails only for missing properties
						}
					}
				}
				out = append(out, fmt.Sprintf("%sat %s: %s", prefix, at, e.Reason))
			default:
				out = append(out, fmt.Sprintf("%sat %s: %s", prefix, at, e.Reason))
			}
		default:
			out = append(out, prefix+err.Error())
		}
	}
	walk("", err)
	return out
}

// branchErrors are the errors of the branches of a oneOf, anyOf or allOf
// (wrapped as "doesn't match schema due to: ...").
func branchErrors(origin error) []error {
	for e := origin; e != nil; e = errors.Unwrap(e) {
		if me, ok := e.(openapi3.MultiError); ok {
			return me
		}
	}
	if origin == nil {
		return nil
	}
	return []error{origin}
}
