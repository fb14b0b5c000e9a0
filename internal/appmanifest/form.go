package appmanifest

import (
	"bytes"
	"fmt"
	"html/template"
)

// formPage posts the manifest to GitHub from the browser: the manifest flow
// starts with a form POST, not a link.
var formPage = template.Must(template.New("form").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Create the {{.Name}} GitHub App</title></head>
<body>
<p>This page registers the GitHub App <strong>{{.Name}}</strong> from its manifest.
GitHub shows the settings before anything is created.</p>
<form action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<button type="submit">Create the GitHub App on GitHub</button>
</form>
</body>
</html>
`))

// Form returns an HTML page with a form that posts m to action, a URL from
// RegistrationURL. Opening it in a browser and pressing the button starts
// GitHub's manifest flow.
func Form(m Manifest, action string) ([]byte, error) {
	manifest, err := m.JSON()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = formPage.Execute(&buf, struct {
		Name, Action, Manifest string
	}{m.Name, action, string(manifest)})
	if err != nil {
		return nil, fmt.Errorf("render manifest form: %w", err)
	}
	return buf.Bytes(), nil
}
