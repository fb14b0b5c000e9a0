package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// EnvGraphQLPath names the environment variable holding the path of
// GitHub's GraphQL schema (schema.graphql of @octokit/graphql-schema).
const EnvGraphQLPath = "SYMPOSIUM_GITHUB_GRAPHQL_SCHEMA"

// GraphQLPath is $SYMPOSIUM_GITHUB_GRAPHQL_SCHEMA, else where
// .ci/install-openapi puts it, beside the REST description.
func GraphQLPath() string {
	if p := os.Getenv(EnvGraphQLPath); p != "" {
		return p
	}
	modules := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(DefaultPath())))) // .../node_modules
	return filepath.Join(modules, "@octokit", "graphql-schema", "schema.graphql")
}

// GraphQL validates GraphQL requests against GitHub's schema.
type GraphQL struct {
	schema *ast.Schema
}

var (
	graphqlOnce   sync.Once
	graphqlLoaded *GraphQL
	graphqlFailed error
)

// LoadGraphQL reads the schema at GraphQLPath once per process. A missing
// file is ErrMissing.
func LoadGraphQL() (*GraphQL, error) {
	graphqlOnce.Do(func() {
		path := GraphQLPath()
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			graphqlFailed = fmt.Errorf("%w: no %s", ErrMissing, path)
			return
		}
		if err != nil {
			graphqlFailed = fmt.Errorf("read GitHub's GraphQL schema: %w", err)
			return
		}
		s, err := loadSchema(data)
		if err != nil {
			graphqlFailed = fmt.Errorf("parse GitHub's GraphQL schema: %w", err)
			return
		}
		graphqlLoaded = &GraphQL{schema: s}
	})
	return graphqlLoaded, graphqlFailed
}

// graphqlRequest is the JSON body of POST /graphql.
type graphqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// Check validates the JSON body of a GraphQL request: the query against
// the schema (fields, arguments, types) and the variables against the
// operation's declarations.
func (g *GraphQL) Check(body []byte) error {
	var req graphqlRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("GraphQL request body: %w", err)
	}
	if req.Query == "" {
		return errors.New("GraphQL request without a query")
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: req.Query})
	if err != nil {
		return fmt.Errorf("GraphQL query: %w", err)
	}
	if errs := validator.Validate(g.schema, doc); len(errs) > 0 {
		return fmt.Errorf("GraphQL query: %w", errs)
	}
	var op *ast.OperationDefinition
	if req.OperationName != "" {
		op = doc.Operations.ForName(req.OperationName)
	} else if len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	if op == nil {
		return fmt.Errorf("GraphQL query: no operation %q", req.OperationName)
	}
	if _, err := validator.VariableValues(g.schema, op, req.Variables); err != nil {
		return fmt.Errorf("GraphQL variables: %w", err)
	}
	return nil
}

// loadSchema parses GitHub's SDL. The published schema defines some fields
// twice (EnterpriseOwnerInfo.repositoryDeployKeySetting in 15.26.1), which
// gqlparser refuses; the first definition of each field is kept.
func loadSchema(sdl []byte) (*ast.Schema, error) {
	doc, err := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "github.graphql", Input: string(sdl)})
	if err != nil {
		return nil, err
	}
	for _, defs := range []ast.DefinitionList{doc.Definitions, doc.Extensions} {
		for _, def := range defs {
			seen := map[string]bool{}
			fields := def.Fields[:0]
			for _, f := range def.Fields {
				if !seen[f.Name] {
					seen[f.Name] = true
					fields = append(fields, f)
				}
			}
			def.Fields = fields
		}
	}
	return validator.ValidateSchemaDocument(doc)
}
