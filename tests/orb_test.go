package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/orbpack"
)

// copyOrb copies orb/src into a temporary folder, applies edit (file ->
// new content, "" deletes), and returns the copy.
func copyOrb(t *testing.T, edit map[string]string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "src")
	require.NoError(t, os.CopyFS(dst, os.DirFS("../orb/src")))
	for f, content := range edit {
		path := filepath.Join(dst, f)
		if content == "" {
			require.NoError(t, os.Remove(path))
			continue
		}
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dst
}

func readOrb(t *testing.T, f string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../orb/src", f))
	require.NoError(t, err)
	return string(b)
}

// The orb packs, at the release's version, into one orb.yml that holds
// together: every parameter used is declared and every one declared is used,
// every include was found, and the examples use only the orb's commands and
// jobs with the parameters they declare.
func TestOrbPacksAndHoldsTogether(t *testing.T) {
	packed, err := orbpack.Pack("../orb/src", "1.2.3")
	require.NoError(t, err)
	require.NoError(t, orbpack.Check(packed, orbpack.DefaultName))

	var o struct {
		Commands map[string]struct {
			Parameters map[string]map[string]any `yaml:"parameters"`
			Steps      []map[string]map[string]any
		} `yaml:"commands"`
		Jobs      map[string]any `yaml:"jobs"`
		Executors map[string]any `yaml:"executors"`
		Examples  map[string]any `yaml:"examples"`
	}
	require.NoError(t, yaml.Unmarshal(packed, &o))
	assert.ElementsMatch(t, []string{"install", "doctor"}, keys(o.Commands))
	assert.ElementsMatch(t, []string{"fleet-up", "fleet-report"}, keys(o.Jobs))
	assert.ElementsMatch(t, []string{"default"}, keys(o.Executors))
	assert.NotEmpty(t, o.Examples)
	assert.Equal(t, "1.2.3", o.Commands["install"].Parameters["version"]["default"], "install defaults to the orb's own version")
	// Each script is in the orb whole, as a run step's command, with its << escaped as circleci-cli does.
	var generic any
	require.NoError(t, yaml.Unmarshal(packed, &generic))
	commands := map[string]bool{}
	collectCommands(generic, commands)
	for _, script := range []string{"install.sh", "doctor.sh", "fleet-up.sh", "fleet-report.sh", "fleet-verdict.sh"} {
		body := strings.ReplaceAll(readOrb(t, "scripts/"+script), "<<", `\<<`)
		assert.True(t, commands[body], "%s is a run step's command, whole", script)
		assert.NotRegexp(t, `(?m)^\s*set\s+(-[a-z]*x|-o\s+xtrace)`, body, "%s must not trace its commands, and so their arguments, into the log", script)
	}
}

// Check refuses each way an orb can fall apart.
func TestOrbCheckRefuses(t *testing.T) {
	install := readOrb(t, "commands/install.yml")
	fleetExample := readOrb(t, "examples/fleet.yml")
	doctorExample := readOrb(t, "examples/doctor.yml")
	tests := []struct {
		name string
		edit map[string]string
		want string // from Pack or Check
	}{
		{"a parameter used but not declared", map[string]string{"commands/install.yml": strings.Replace(install,
			"PARAM_INSTALL_DIR: << parameters.install_dir >>", "PARAM_INSTALL_DIR: << parameters.install_folder >>", 1)},
			"command install uses << parameters.install_folder >> but declares no such parameter"},
		{"a parameter declared but never used", map[string]string{"commands/install.yml": strings.Replace(install,
			"parameters:\n", "parameters:\n  unused:\n    description: x\n    type: string\n    default: x\n", 1)},
			"command install declares parameter unused but never uses it"},
		{"a parameter without a description", map[string]string{"commands/install.yml": strings.Replace(install,
			"    description: Also keep the folder between jobs with save_cache and restore_cache, keyed by version and architecture.\n", "", 1)},
			"command install: parameter cache has no description"},
		{"a missing script", map[string]string{"scripts/doctor.sh": ""}, "could not open"},
		{"a parameter used inside an included script", map[string]string{"scripts/install.sh": readOrb(t, "scripts/install.sh") +
			"echo \"<< parameters.install_folder >>\"\n"},
			"command install: an included script uses << parameters.install_folder >>, which CircleCI does not fill in there"},
		{"an include inside a longer string", map[string]string{"commands/install.yml": strings.Replace(install,
			"command: <<include(scripts/install.sh)>>", "command: bash <<include(scripts/install.sh)>>", 1)},
			"entire string must be include statement"},
		{"an example with a command the orb lacks", map[string]string{"examples/doctor.yml": strings.Replace(doctorExample,
			"- circleci-oidc/doctor", "- circleci-oidc/explain", 1)},
			"example doctor, job deploy: step circleci-oidc/explain is not a command of the orb"},
		{"an example with a parameter the job lacks", map[string]string{"examples/fleet.yml": strings.Replace(fleetExample,
			"parallelism: 4", "shards: 4", 1)},
			"example fleet, workflow fleet, job circleci-oidc/fleet-up: no parameter shards"},
		{"a job in a workflow the orb lacks", map[string]string{"examples/fleet.yml": strings.Replace(fleetExample,
			"- circleci-oidc/fleet-report:", "- circleci-oidc/fleet-merge:", 1)},
			"the orb has no job fleet-merge"},
		{"a job with a missing executor", map[string]string{"executors/default.yml": ""},
			"job fleet-up: executor default is not an executor of the orb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := copyOrb(t, tt.edit)
			packed, err := orbpack.Pack(src, "1.2.3")
			if err == nil {
				err = orbpack.Check(packed, orbpack.DefaultName)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// collectCommands gathers the command of every run step under v.
func collectCommands(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if run, ok := x["run"].(map[string]any); ok {
			if c, ok := run["command"].(string); ok {
				into[c] = true
			}
		}
		for _, c := range x {
			collectCommands(c, into)
		}
	case []any:
		for _, c := range x {
			collectCommands(c, into)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
