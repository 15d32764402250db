package orbpack

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// builtinSteps are CircleCI's own steps (configuration reference, "steps").
var builtinSteps = map[string]bool{
	"run": true, "checkout": true, "save_cache": true, "restore_cache": true, "persist_to_workspace": true,
	"attach_workspace": true, "store_artifacts": true, "store_test_results": true, "add_ssh_keys": true,
	"setup_remote_docker": true, "when": true, "unless": true, "steps": true,
}

// jobInvocationKeys may be given to any job in a workflow besides its
// parameters (configuration reference, "workflows", "jobs").
var jobInvocationKeys = map[string]bool{
	"name": true, "context": true, "requires": true, "filters": true, "matrix": true, "pre-steps": true,
	"post-steps": true, "type": true, "serial-group": true, "override-with": true,
}

// paramRE finds a parameter reference that is not escaped as \<<.
var paramRE = regexp.MustCompile(`(^|[^\\])<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>`)

// escapedParamRE finds a parameter reference escaped as \<<, as Pack writes
// every << of an included script: CircleCI prints it as it is, never filled
// in, so a script must take its parameters from the run step's environment.
var escapedParamRE = regexp.MustCompile(`\\<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>`)

// orb is the packed orb, as far as Check reads it.
type orb struct {
	Commands  map[string]entity `yaml:"commands"`
	Jobs      map[string]entity `yaml:"jobs"`
	Executors map[string]entity `yaml:"executors"`
	Examples  map[string]struct {
		Description string         `yaml:"description"`
		Usage       map[string]any `yaml:"usage"`
	} `yaml:"examples"`
}

// entity is a command, job or executor.
type entity struct {
	Description string                    `yaml:"description"`
	Parameters  map[string]map[string]any `yaml:"parameters"`
	Steps       []any                     `yaml:"steps"`
	Executor    any                       `yaml:"executor"`
	Body        map[string]any            `yaml:",inline"`
}

// Check reads a packed orb and returns every way it does not hold together:
// a parameter used but not declared, or declared but never used; a
// parameter referenced inside an included script, where it is never filled in; a
// parameter without a type or description; an include left unresolved or a
// placeholder left unreplaced; a step or job of the orb's own that does not
// exist, or is given a parameter it does not declare, or misses one that has
// no default; an executor that does not exist. name is the orb's registry
// name, such as circleci-oidc/circleci-oidc, by which the examples import it.
func Check(packed []byte, name string) error {
	var o orb
	if err := yaml.Unmarshal(packed, &o); err != nil {
		return fmt.Errorf("orbpack: the packed orb is not YAML: %w", err)
	}
	text := string(packed)
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.Contains(text, VersionPlaceholder) {
		bad("the version placeholder %s is left in the packed orb", VersionPlaceholder)
	}
	if includeRE.MatchString(strings.ReplaceAll(text, `\<<`, "")) {
		bad("an include directive is left in the packed orb")
	}
	if len(o.Commands)+len(o.Jobs) == 0 {
		bad("the orb has no commands and no jobs")
	}

	for _, kind := range []struct {
		name string
		m    map[string]entity
	}{{"command", o.Commands}, {"job", o.Jobs}, {"executor", o.Executors}} {
		for _, n := range sortedKeys(kind.m) {
			e := kind.m[n]
			where := kind.name + " " + n
			if strings.TrimSpace(e.Description) == "" {
				bad("%s has no description", where)
			}
			b, _ := yaml.Marshal(e)
			used := map[string]bool{}
			for _, m := range paramRE.FindAllStringSubmatch(string(b), -1) {
				used[m[2]] = true
			}
			for _, m := range escapedParamRE.FindAllStringSubmatch(string(b), -1) {
				bad("%s: an included script uses << parameters.%s >>, which CircleCI does not fill in there: "+
					"pass it through the run step's environment, as PARAM_%s", where, m[1], strings.ToUpper(m[1]))
			}
			for _, p := range sortedKeys(used) {
				if _, ok := e.Parameters[p]; !ok {
					bad("%s uses << parameters.%s >> but declares no such parameter", where, p)
				}
			}
			for _, p := range sortedKeys(e.Parameters) {
				decl := e.Parameters[p]
				if !used[p] {
					bad("%s declares parameter %s but never uses it", where, p)
				}
				if decl["type"] == nil {
					bad("%s: parameter %s has no type", where, p)
				}
				if s, _ := decl["description"].(string); strings.TrimSpace(s) == "" {
					bad("%s: parameter %s has no description", where, p)
				}
			}
			checkSteps(o, "", where, e.Steps, bad)
			if kind.name == "job" {
				checkExecutor(o, where, e, bad)
			}
		}
	}

	for _, n := range sortedKeys(o.Examples) {
		ex := o.Examples[n]
		where := "example " + n
		if strings.TrimSpace(ex.Description) == "" {
			bad("%s has no description", where)
		}
		if ex.Usage == nil {
			bad("%s has no usage", where)
			continue
		}
		alias := ""
		orbs, _ := ex.Usage["orbs"].(map[string]any)
		for a, ref := range orbs {
			if s, _ := ref.(string); strings.HasPrefix(s, name+"@") {
				alias = a
			}
		}
		if alias == "" {
			bad("%s does not import %s under orbs", where, name)
			continue
		}
		jobs, _ := ex.Usage["jobs"].(map[string]any)
		for _, jn := range sortedKeys(jobs) {
			j, _ := jobs[jn].(map[string]any)
			steps, _ := j["steps"].([]any)
			checkSteps(o, alias+"/", where+", job "+jn, steps, bad)
		}
		workflows, _ := ex.Usage["workflows"].(map[string]any)
		for _, wn := range sortedKeys(workflows) {
			w, _ := workflows[wn].(map[string]any)
			list, _ := w["jobs"].([]any)
			for _, item := range list {
				jobName, args := stepOf(item)
				local, ok := strings.CutPrefix(jobName, alias+"/")
				if !ok {
					continue
				}
				job, exists := o.Jobs[local]
				if !exists {
					bad("%s, workflow %s: the orb has no job %s", where, wn, local)
					continue
				}
				checkArgs(where+", workflow "+wn+", job "+jobName, job.Parameters, args, jobInvocationKeys, bad)
			}
		}
		rest := map[string]any{}
		for k, v := range ex.Usage {
			if k != "orbs" {
				rest[k] = v
			}
		}
		b, _ := yaml.Marshal(rest)
		for _, m := range regexp.MustCompile(regexp.QuoteMeta(alias)+`/([A-Za-z0-9_-]+)`).FindAllStringSubmatch(string(b), -1) {
			if _, c := o.Commands[m[1]]; !c {
				if _, j := o.Jobs[m[1]]; !j {
					bad("%s names %s/%s, which the orb does not define", where, alias, m[1])
				}
			}
		}
	}
	if len(problems) > 0 {
		return errors.New("orbpack: the orb does not hold together:\n  " + strings.Join(problems, "\n  "))
	}
	return nil
}

// checkSteps checks steps that name the orb's own commands: bare names inside
// the orb (prefix ""), alias/name in an example.
func checkSteps(o orb, prefix, where string, steps []any, bad func(string, ...any)) {
	for _, s := range steps {
		name, args := stepOf(s)
		if name == "when" || name == "unless" {
			inner, _ := args["steps"].([]any)
			checkSteps(o, prefix, where, inner, bad)
			continue
		}
		if prefix == "" && builtinSteps[name] {
			continue
		}
		local, ok := strings.CutPrefix(name, prefix)
		if !ok || (prefix != "" && builtinSteps[name]) || (prefix == "" && strings.Contains(name, "/")) {
			continue // a built-in step in an example, or another orb's command
		}
		cmd, exists := o.Commands[local]
		if !exists {
			bad("%s: step %s is not a command of the orb", where, name)
			continue
		}
		checkArgs(where+", step "+name, cmd.Parameters, args, nil, bad)
	}
}

// checkArgs checks the arguments given to a command or job against its
// parameters: each must be declared (or be one of extra), and each
// parameter without a default must be given.
func checkArgs(where string, params map[string]map[string]any, args map[string]any, extra map[string]bool, bad func(string, ...any)) {
	for _, a := range sortedKeys(args) {
		if _, ok := params[a]; !ok && !extra[a] {
			bad("%s: no parameter %s", where, a)
		}
	}
	for _, p := range sortedKeys(params) {
		if _, hasDefault := params[p]["default"]; !hasDefault {
			if _, given := args[p]; !given {
				bad("%s: parameter %s has no default and is not given", where, p)
			}
		}
	}
}

// checkExecutor checks that a job's executor, or its executor parameter's
// default, is one of the orb's executors.
func checkExecutor(o orb, where string, e entity, bad func(string, ...any)) {
	name, _ := e.Executor.(string)
	if m := paramRE.FindStringSubmatch(name); m != nil {
		name, _ = e.Parameters[m[2]]["default"].(string)
	}
	if name == "" {
		if e.Body["docker"] == nil && e.Body["machine"] == nil && e.Body["macos"] == nil {
			bad("%s has no executor", where)
		}
		return
	}
	if _, ok := o.Executors[name]; !ok && !strings.Contains(name, "/") {
		bad("%s: executor %s is not an executor of the orb", where, name)
	}
}

// stepOf returns a step's name and arguments: "checkout" or {name: {args}}.
func stepOf(s any) (string, map[string]any) {
	switch v := s.(type) {
	case string:
		return v, nil
	case map[string]any:
		for k, a := range v {
			args, _ := a.(map[string]any)
			return k, args
		}
	}
	return "", nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
