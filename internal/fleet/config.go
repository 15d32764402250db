package fleet

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/inputfile"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

// File is fleet.yaml: what to target and each account's configuration, with
// the stack program's own config keys (Pulumi.yaml), reviewed in git.
type File struct {
	// Version is fleet.yaml's format version: 1.
	Version int `yaml:"version"`
	// AssumeRoleName is the role fleet assumes in each account; default
	// OrganizationAccountAccessRole. (roleName is the program's own key: the
	// role the stack creates.)
	AssumeRoleName string `yaml:"assumeRoleName,omitempty"`
	// Region is aws:region of every stack; default us-east-1.
	Region string `yaml:"region,omitempty"`
	// Targets says which accounts to deploy to when no flag does.
	Targets Targets `yaml:"targets,omitempty"`
	// Defaults is the configuration of every account.
	Defaults Config `yaml:"defaults,omitempty"`
	// OUs is configuration by OU path (/prod/eu): the deepest OU wins.
	OUs OUConfigs `yaml:"ous,omitempty"`
	// Accounts is configuration by account ID, which wins over all.
	Accounts AccountConfigs `yaml:"accounts,omitempty"`
}

// Targets is the targets block of fleet.yaml, the same as the flags.
// A run's report keeps them, so that --resume need not be given them again.
type Targets struct {
	Accounts []string `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	Org      bool     `yaml:"org,omitempty" json:"org,omitempty"`
	OUs      []string `yaml:"ous,omitempty" json:"ous,omitempty"`
}

// AccountEntry is one account's block in fleet.yaml.
type AccountEntry struct {
	// Name names an account given by ID only.
	Name string `yaml:"name,omitempty"`
	// AssumeRoleArn replaces the role fleet assumes in this account, for
	// invited or Control Tower accounts.
	AssumeRoleArn string `yaml:"assumeRoleArn,omitempty"`
	// Config is this account's configuration.
	Config Config `yaml:"config,omitempty"`
}

// FileVersion is the fleet.yaml format this build reads.
const FileVersion = 1

// DefaultRoleName is the role Organizations creates in each account it creates.
const DefaultRoleName = "OrganizationAccountAccessRole"

// MaxFileBytes is the largest fleet.yaml LoadFile reads: about 80,000
// accounts of a name and a role ARN each.
const MaxFileBytes = 8 << 20

// LoadFile reads and checks fleet.yaml: a regular file of at most
// MaxFileBytes.
func LoadFile(path string) (*File, error) {
	raw, err := inputfile.Read(path, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return ParseFile(path, raw)
}

// ParseFile parses and checks fleet.yaml's content; name is used in errors.
func ParseFile(name string, raw []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if f.Version != FileVersion {
		return nil, fmt.Errorf("%s: version %d is not supported; set `version: %d`", name, f.Version, FileVersion)
	}
	var errs []string
	check := func(where string, cfg map[string]any) {
		for k := range cfg {
			if !slices.Contains(stack.Keys(), k) {
				errs = append(errs, fmt.Sprintf("%s: %q is not a config key of the stack program (see Pulumi.yaml: %s)",
					Printable(where), k, strings.Join(stack.Keys(), ", ")))
			}
		}
	}
	check("defaults", f.Defaults)
	for p, cfg := range f.OUs {
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, fmt.Sprintf("ous: %q is not an OU path; write it from the root, such as /prod/eu", p))
		} else if chain := ouChain(p); chain[len(chain)-1] != p {
			errs = append(errs, fmt.Sprintf("ous: %q is never an account's OU path; write %q", p, chain[len(chain)-1]))
		}
		check("ous."+p, cfg)
	}
	for id, e := range f.Accounts {
		if err := CheckAccountID(id); err != nil {
			errs = append(errs, fmt.Sprintf("accounts: %v; quote it in YAML", err))
			continue
		}
		check("accounts."+id+".config", e.Config)
		if e.AssumeRoleArn != "" {
			if err := CheckRoleArn(e.AssumeRoleArn, id); err != nil {
				errs = append(errs, fmt.Sprintf("accounts.%s.assumeRoleArn %v", id, err))
			}
		}
	}
	if f.Region != "" {
		if err := CheckRegion(f.Region); err != nil {
			errs = append(errs, "region "+err.Error())
		}
	}
	if f.AssumeRoleName != "" {
		if err := CheckRoleName(f.AssumeRoleName); err != nil {
			errs = append(errs, "assumeRoleName "+err.Error())
		}
	}
	if _, err := f.Targets.check(false); err != nil {
		errs = append(errs, err.Error())
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %s", name, strings.Join(errs, "; "))
	}
	return &f, nil
}

// Effective returns an account's configuration: defaults, then each OU from
// the root down to the account's own (the deepest wins), then the account's
// block. A key set at a deeper level replaces the whole value above it.
func (f *File) Effective(a Account) map[string]any {
	out := map[string]any{}
	if f == nil {
		return out
	}
	apply := func(cfg map[string]any) {
		for k, v := range cfg {
			out[k] = v
		}
	}
	apply(f.Defaults)
	for _, p := range ouChain(a.OU) {
		apply(f.OUs[p])
	}
	apply(f.Accounts[a.ID].Config)
	return out
}

// ouChain returns the OU path and each of its ancestors, root first:
// /prod/eu gives /, /prod, /prod/eu.
func ouChain(path string) []string {
	if path == "" {
		return nil
	}
	out := []string{"/"}
	cur := ""
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		cur += "/" + part
		out = append(out, cur)
	}
	return out
}

// roleName returns the role to assume in each account.
func (f *File) roleName() string {
	if f == nil || f.AssumeRoleName == "" {
		return DefaultRoleName
	}
	return f.AssumeRoleName
}

// region returns aws:region of every stack.
func (f *File) region() string {
	if f == nil || f.Region == "" {
		return "us-east-1"
	}
	return f.Region
}
