package fleet

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

// StackPrefix starts every fleet stack's name; the account ID follows.
const StackPrefix = "acct-"

// StackName is the stack of an account: acct-<12 digits>.
func StackName(accountID string) string { return StackPrefix + accountID }

// AccountOfStack returns the account ID of a fleet stack's name, and false
// for a stack that is not a fleet stack.
func AccountOfStack(name string) (string, bool) {
	// A fully qualified name (org/project/stack) ends with the stack's own.
	name = name[strings.LastIndex(name, "/")+1:]
	id, ok := strings.CutPrefix(name, StackPrefix)
	return id, ok && accountIDPattern.MatchString(id)
}

// assumeRoleKey is the pulumi-aws provider config that makes every call of a
// stack assume a role. pulumi-aws v6, which this module pins, reads the
// object aws:assumeRole (roleArn, sessionName, ...); v7 replaced it with the
// list aws:assumeRoles (pulumi-aws v7 migration guide). Only providerConfig
// writes it: moving to v7 changes this one place.
const assumeRoleKey = "aws:assumeRole"

// SessionName is the role session name of every fleet stack, so CloudTrail
// shows who made a change.
const SessionName = "circleci-oidc-fleet"

// providerConfig is the aws provider config of an account's stack: its
// region, the role to assume (none for the management account, which uses
// the ambient credentials) and the allowed account, so that credentials for
// any other account fail before anything is written.
func providerConfig(accountID, roleArn, region string) map[string]any {
	cfg := map[string]any{
		"aws:region":            region,
		"aws:allowedAccountIds": []string{accountID},
	}
	if roleArn != "" {
		cfg[assumeRoleKey] = map[string]string{"roleArn": roleArn, "sessionName": SessionName}
	}
	return cfg
}

// RoleArn is the ARN of the role named roleName in an account.
func RoleArn(partition, accountID, roleName string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, accountID, roleName)
}

// ConfigMap turns an account's effective program config and its provider
// config into the stack's config, as `pulumi config set --path` would store
// it: strings as they are, other values as structured (object) values.
func ConfigMap(program, provider map[string]any) (config.Map, error) {
	out := config.Map{}
	put := func(full string, v any) error {
		key, err := config.ParseKey(full)
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case string:
			out[key] = config.NewValue(x)
		case bool, int, int64, float64:
			out[key] = config.NewValue(fmt.Sprint(x))
		default:
			b, err := json.Marshal(normalise(v))
			if err != nil {
				return fmt.Errorf("config %s: %w", full, err)
			}
			out[key] = config.NewObjectValue(string(b))
		}
		return nil
	}
	for k, v := range program {
		if err := put(stack.Project+":"+k, v); err != nil {
			return nil, err
		}
	}
	for k, v := range provider {
		if err := put(k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// normalise turns the map[any]any that YAML may give into JSON-encodable maps.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalise(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalise(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalise(e)
		}
		return out
	}
	return v
}

// IssuerURL is the token issuer an account's stack trusts: issuerUrl, or
// CircleCI cloud's issuer of organizationId.
func IssuerURL(cfg map[string]any) string {
	if s, _ := cfg["issuerUrl"].(string); s != "" {
		return s
	}
	org, _ := cfg["organizationId"].(string)
	return "https://oidc.circleci.com/org/" + org
}

// ProviderArn is the ARN IAM gives the OIDC provider of an issuer in an
// account: the issuer without its scheme (IAM API reference,
// CreateOpenIDConnectProvider).
func ProviderArn(partition, accountID, issuer string) string {
	host := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, accountID, strings.TrimSuffix(host, "/"))
}

// reuses reports whether an account's config already reuses a provider.
func reuses(cfg map[string]any) bool {
	if b, _ := cfg["reuseProvider"].(bool); b {
		return true
	}
	s, _ := cfg["existingProviderArn"].(string)
	return s != ""
}
