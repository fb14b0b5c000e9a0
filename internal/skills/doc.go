// Package skills finds the agent skills that apply to a checkout, the way
// the Symposium project (symposium-dev/symposium) defines them, so that a
// crate's skills written for Symposium work in our reviews unchanged.
//
// A skill is a SKILL.md file in a skill directory, in the agentskills.io
// format: "A SKILL.md file has YAML frontmatter followed by a markdown
// body", with the fields `name` ("Skill identifier", required),
// `description` (required, at most 1024 bytes), `depends-on` and `predicates`;
// "every frontmatter value must be a string"
// (md/reference/skill-definition.md, md/reference/depends-on.md,
// md/reference/predicates.md).
//
// Where skills come from:
//
//   - Crates the workspace depends on directly, at their locked versions,
//     from each package's source directory as `cargo metadata` reports it.
//     "By default Symposium looks in your crate's `skills/` directory. To
//     customize the layout ... you describe your crate's plugin inline under
//     `[package.metadata.symposium]` in `Cargo.toml`. This block uses the
//     exact same schema as a `SYMPOSIUM.toml` plugin manifest"; "If you ship
//     both ... they are combined"; "`source.path` groups: look in that
//     subdirectory of your crate's source, in addition to the default
//     `skills/` group unless you opt out of it" with
//     `[package.metadata.symposium.defaults] skills = false`; "If a
//     `source.path` group references a directory that doesn't exist,
//     Symposium silently produces zero skills for that group"; "If
//     `[package.metadata.symposium]` or `SYMPOSIUM.toml` doesn't parse as a
//     manifest ... Symposium ignores that layer and still resolves the rest
//     (at minimum the default `skills/` group)"
//     (md/crate-authors/supporting-your-crate.md). Groups with `source.git`
//     and `[[plugins]]` chained references are not followed (no network, no
//     crates outside the lock file); they are reported as skipped.
//   - The workspace's own skills (md/workspace-skills.md): for the
//     repository's root, the workspace's root and each member, the default
//     groups `skills/` and, gated by `workspace-member()`, `.agents/skills`,
//     plus a SYMPOSIUM.toml's groups; "the frontmatter is optional: name
//     defaults to the name of the skill's directory". All read at the base
//     revision (the trusted one), never from the pull request's head.
//     Crates that live inside the repository (path dependencies) are read at
//     the base revision too.
//   - Operator directories (SYMPOSIUM_SKILLS, colon-separated).
//
// A crate or an operator directory is a plugin source (plugins.go): each
// directory holding a SYMPOSIUM.toml is a plugin whose manifest gates its
// skill groups; without one, a crate's skills/ or the operator's directory
// as a whole is searched.
//
// A group's directory is searched recursively for SKILL.md files, a skill's
// own subdirectories pruned, within a depth and count bound.
//
// Matching (md/reference/depends-on.md): "A predicate matches against a
// workspace's direct dependency set"; atoms are "a package name with an
// optional version requirement": "bare name: matches if the workspace has
// this package as a direct dependency (any version)"; "`>=`, `<=`, `>`, `<`,
// `^`, `~`: standard semver operators applied to the workspace's version of
// the package"; "`=1.0`: compatible-version matching, equivalent to
// `^1.0`"; "`==1.0.219`: exact-version matching"; "`*`: wildcard — always
// matches, even a workspace with zero dependencies". "Write the atom without
// spaces. `serde >=1.0` is rejected"; "Names match exactly, as the crate is
// published: a `serde-json` atom does not match the `serde_json` crate".
// "SKILL.md frontmatter splits `depends-on` on commas" and "A `depends-on`
// list matches if at least one atom in the list matches the workspace";
// "If there are multiple `depends-on` declarations in scope, all of them
// must match (AND composition)" (manifest, skill group, frontmatter). A
// range is written `predicates: depends-on(serde>=1.0,<2.0)`, "every part
// of which must hold". "The `crates` field (in manifests and in SKILL.md
// frontmatter) and the `crate(...)` predicate are rejected; use
// `depends-on`." Versions compare with Cargo's semantics (caret for `^` and
// `=`, partial versions and pre-releases as Cargo reads them; `==1.0` is
// Cargo's `=1.0`).
//
// Predicates (md/reference/predicates.md) combine with not/any/all; in a
// review `shell(...)` never runs and does not hold, `env(...)` sees no
// variable and `path_exists(...)` looks only in the workspace at the base.
//
// A skill whose predicate does not hold is never offered. Crate sources are
// untrusted: every file is read through an os.Root confined to the crate's
// directory, regular files only, size-capped.
package skills
