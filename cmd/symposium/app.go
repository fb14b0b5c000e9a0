package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/symposium-dev/symposium/internal/appmanifest"
)

// runApp runs the GitHub App helpers: `symposium app manifest`.
func runApp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprintln(w, "Usage: symposium app manifest --url https://HOST [--name NAME] [--org ORG] [--form]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "  manifest   print the GitHub App manifest filled in for this deployment")
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "manifest":
		return runAppManifest(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "symposium app: unknown subcommand %q (want manifest)\n", args[0])
		return errUsage
	}
}

// runAppManifest prints the app manifest as JSON, or as an HTML page that
// posts it to GitHub.
func runAppManifest(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("symposium app manifest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts appmanifest.Options
	var org, githubURL string
	var form bool
	fs.StringVar(&opts.URL, "url", "", "public https `URL` of the webhook receiver (required); the webhook URL is this followed by /webhook")
	fs.StringVar(&opts.Name, "name", "", "app `name`, unique on GitHub, at most 34 characters (default from deploy/github-app.yml)")
	fs.StringVar(&opts.RedirectURL, "redirect-url", "", "`URL` GitHub sends the browser to with the code to exchange once the app is created")
	fs.StringVar(&org, "org", "", "register the app under this `organisation` instead of your personal account")
	fs.StringVar(&githubURL, "github", "https://github.com", "GitHub web `URL` (GitHub Enterprise Server: https://HOST)")
	fs.BoolVar(&form, "form", false, "print an HTML page whose button posts the manifest to GitHub, instead of the JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: symposium app manifest --url https://HOST [flags]")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Prints the GitHub App manifest (deploy/github-app.yml) as the JSON GitHub's manifest flow")
		fmt.Fprintln(fs.Output(), "takes: post it as the form field `manifest` to the registration page printed on stderr,")
		fmt.Fprintln(fs.Output(), "or use --form and open the page in a browser.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "symposium app manifest: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	if opts.URL == "" {
		fmt.Fprintln(stderr, "symposium app manifest: --url is required")
		fs.Usage()
		return errUsage
	}
	m, err := appmanifest.Build(opts)
	if err != nil {
		return err
	}
	// The state comes back with the code; comparing them shows the code
	// answers this request.
	state := rand.Text()
	registration, err := appmanifest.RegistrationURL(githubURL, org, state)
	if err != nil {
		return err
	}
	var out []byte
	if form {
		out, err = appmanifest.Form(m, registration)
	} else {
		out, err = m.JSON()
	}
	if err != nil {
		return err
	}
	if _, err := stdout.Write(out); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if !form {
		fmt.Fprintf(stderr, "Post this JSON as the form field \"manifest\" to %s\n", registration)
	}
	if opts.RedirectURL == "" {
		fmt.Fprintln(stderr, "No --redirect-url: set one (http://localhost:PORT/ will do) to be sent the code once the app is created.")
	}
	fmt.Fprintf(stderr, "Then exchange the code GitHub returns (within an hour): POST /app-manifests/CODE/conversions; state is %s\n", state)
	return nil
}
