package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/orbpack"
)

// orbStep is a run step of the packed orb, with its parameters filled in as
// CircleCI fills them in: << parameters.x >> replaced, then the \<< that orb
// pack wrote into included scripts turned back into <<.
type orbStep struct {
	Name, Command, When string
	Env                 map[string]string
}

// packedOrb is the orb packed at the release's version, as YAML data.
type packedOrb map[string]any

func packOrb(t *testing.T, version string) packedOrb {
	t.Helper()
	packed, err := orbpack.Pack(filepath.Join(repoRoot(), "orb", "src"), version)
	require.NoError(t, err)
	require.NoError(t, orbpack.Check(packed, orbpack.DefaultName))
	var o map[string]any // not packedOrb: yaml.v3 would decode every nested map as one too
	require.NoError(t, yaml.Unmarshal(packed, &o))
	return packedOrb(o)
}

var paramRef = regexp.MustCompile(`<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>`)

// steps returns the run steps of a command or job (section "commands" or
// "jobs") invoked with args, the orb's own commands expanded in place.
// CircleCI's other steps (checkout, caches, workspaces, artifacts) are the
// platform's and are left out.
func (o packedOrb) steps(t *testing.T, section, name string, args map[string]string) []orbStep {
	t.Helper()
	entities, _ := o[section].(map[string]any)
	e, ok := entities[name].(map[string]any)
	require.True(t, ok, "the orb has no %s %s", section, name)
	values := map[string]string{}
	params, _ := e["parameters"].(map[string]any)
	for p, d := range params {
		if def, ok := d.(map[string]any)["default"]; ok {
			values[p] = fmt.Sprint(def)
		}
	}
	for k, v := range args {
		_, declared := params[k]
		require.True(t, declared, "%s %s has no parameter %s", section, name, k)
		values[k] = v
	}
	fill := func(s string) string {
		s = paramRef.ReplaceAllStringFunc(s, func(m string) string {
			v, ok := values[paramRef.FindStringSubmatch(m)[1]]
			require.True(t, ok, "%s %s: %s has no value", section, name, m)
			return v
		})
		return strings.ReplaceAll(s, `\<<`, "<<")
	}
	var out []orbStep
	var walk func(steps []any)
	walk = func(steps []any) {
		for _, s := range steps {
			m, ok := s.(map[string]any)
			if !ok {
				continue // checkout
			}
			for key, body := range m {
				b, _ := body.(map[string]any)
				switch {
				case key == "run":
					st := orbStep{Name: fill(fmt.Sprint(b["name"])), Command: fill(fmt.Sprint(b["command"])), Env: map[string]string{}}
					if w, ok := b["when"]; ok {
						st.When = fill(fmt.Sprint(w))
					}
					env, _ := b["environment"].(map[string]any)
					for k, v := range env {
						st.Env[k] = fill(fmt.Sprint(v))
					}
					out = append(out, st)
				case key == "when":
					if fill(fmt.Sprint(b["condition"])) == "true" {
						inner, _ := b["steps"].([]any)
						walk(inner)
					}
				default:
					if cmds, _ := o["commands"].(map[string]any); cmds[key] != nil {
						inner := map[string]string{}
						for k, v := range b {
							inner[k] = fill(fmt.Sprint(v))
						}
						out = append(out, o.steps(t, "commands", key, inner)...)
					}
				}
			}
		}
	}
	steps, _ := e["steps"].([]any)
	walk(steps)
	return out
}

// job is a CircleCI job's machine: its environment, a $BASH_ENV file, and
// the log that everything its steps print goes to.
type job struct {
	dir    string
	env    map[string]string
	log    bytes.Buffer
	failed bool
}

// newJob makes a job with the variables CircleCI sets in every job, and vars.
func newJob(t *testing.T, vars map[string]string) *job {
	t.Helper()
	dir := t.TempDir()
	j := &job{dir: dir, env: map[string]string{
		"HOME": filepath.Join(dir, "home"), "CIRCLECI": "true", "CI": "true",
		"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "1", "CIRCLE_JOB": "deploy",
		"CIRCLE_WORKING_DIRECTORY": filepath.Join(dir, "project"),
		"BASH_ENV":                 filepath.Join(dir, "bash_env"),
		"PATH":                     os.Getenv("PATH"),
	}}
	require.NoError(t, os.MkdirAll(j.env["HOME"], 0o755))
	require.NoError(t, os.MkdirAll(j.env["CIRCLE_WORKING_DIRECTORY"], 0o755))
	require.NoError(t, os.WriteFile(j.env["BASH_ENV"], nil, 0o644))
	for k, v := range vars {
		j.env[k] = v
	}
	return j
}

// run runs steps as CircleCI does: each in `bash -eo pipefail` (CircleCI's
// default shell, which reads $BASH_ENV first), in the working directory, a
// step with when: on_fail only after a failure, others only before one. It
// returns the exit code of each step that ran, by name.
func (j *job) run(t *testing.T, steps ...orbStep) map[string]int {
	t.Helper()
	codes := map[string]int{}
	for _, s := range steps {
		when := s.When
		if when == "" {
			when = "on_success"
		}
		if (when == "on_success" && j.failed) || (when == "on_fail" && !j.failed) {
			continue
		}
		fmt.Fprintf(&j.log, "#### %s\n", s.Name)
		cmd := exec.CommandContext(t.Context(), "bash", "-eo", "pipefail", "-c", s.Command)
		cmd.Dir = j.env["CIRCLE_WORKING_DIRECTORY"]
		env := map[string]string{}
		for k, v := range j.env {
			env[k] = v
		}
		for k, v := range s.Env {
			env[k] = v
		}
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		cmd.Env = nil
		for _, k := range keys {
			cmd.Env = append(cmd.Env, k+"="+env[k])
		}
		cmd.Stdout, cmd.Stderr = &j.log, &j.log
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		codes[s.Name] = code
		if code != 0 {
			j.failed = true
			fmt.Fprintf(&j.log, "Exited with code exit status %d\n", code)
		}
	}
	return codes
}

// shell is a plain run step of the user's own.
func shell(name, command string) orbStep {
	return orbStep{Name: name, Command: command, Env: map[string]string{}}
}
