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
// The component takes the rules plain ([]component.Rule): they decide the
// trust policy's shape at preview. infer leaves them unmarked, so the SDKs
// accepted an Output of the rules, or inside a rule, which then failed at run
// time ("copying input \"rules\": expected destination type to implement
// pulumi.Input"). Marked plain (the list, its items, each rule's lists and
// their items), the SDKs' types refuse it. Pulumi's Go code generator then
// types the list []RuleArgs, which it defines only with the Go option
// generateExtraInputTypes (see New).
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
	res := pkg.Resources[component.TypeToken]
	rules, ok := res.InputProperties["rules"]
	if !ok || rules.Items == nil {
		return "", fmt.Errorf("provider: %s has no list input rules", component.TypeToken)
	}
	rules.Plain, rules.Items.Plain = true, true
	res.InputProperties["rules"] = rules
	pkg.Resources[component.TypeToken] = res
	out, err := json.Marshal(pkg)
	return string(out), err
}
