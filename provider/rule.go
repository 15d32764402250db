package provider

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
)

// ruleToken is the schema type of component.Rule.
const ruleToken = "circleci-oidc:index:Rule"

// ruleDescription describes component.Rule in the schema.
const ruleDescription = "One group of CircleCI jobs that may assume the role, with its own limits. " +
	"Each rule must set `projectIds` or `vcsOrigins`."

// describeRule gives the schema's Rule type the descriptions of the
// component's inputs of the same names, and marks the rules plain. infer
// reads descriptions from an Annotate method, which component.Rule cannot
// have without importing pulumi-go-provider into the component.
//
// The component takes each rule's lists plain (component.Rule): they decide
// the trust policy's shape at preview. infer leaves them unmarked, so the
// SDKs accepted an Output inside a rule, which then failed at run time.
// Marked plain, with their items, the SDKs' types refuse it. The rules list
// itself stays as infer writes it: marked plain, Pulumi's Go code generator
// (v3.274.1) types it []RuleArgs and defines no RuleArgs, so the Go SDK would
// not compile.
func describeRule(raw string) (string, error) {
	var pkg schema.PackageSpec
	if err := json.Unmarshal([]byte(raw), &pkg); err != nil {
		return "", err
	}
	rule, ok := pkg.Types[ruleToken]
	if !ok {
		return "", fmt.Errorf("provider: the schema has no type %s", ruleToken)
	}
	inputs := pkg.Resources[component.TypeToken].InputProperties
	rule.Description = ruleDescription
	for name, prop := range rule.Properties {
		in, ok := inputs[name]
		if !ok {
			return "", fmt.Errorf("provider: %s.%s is no input of %s to take a description from",
				ruleToken, name, component.TypeToken)
		}
		prop.Description = in.Description
		prop.Plain = true
		if prop.Items != nil {
			prop.Items.Plain = true
		}
		rule.Properties[name] = prop
	}
	pkg.Types[ruleToken] = rule
	out, err := json.Marshal(pkg)
	return string(out), err
}
