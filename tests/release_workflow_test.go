package tests

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestReleaseWorkflowRunsWhatCIRuns keeps the CircleCI release workflow to
// commands that CI also runs, in their snapshot or dry-run form, so that a
// release never runs a command for the first time.
func TestReleaseWorkflowRunsWhatCIRuns(t *testing.T) {
	raw, err := os.ReadFile("../.circleci/config.yml")
	require.NoError(t, err)
	var cfg struct {
		Jobs map[string]struct {
			Steps []any `yaml:"steps"`
		} `yaml:"jobs"`
		Workflows map[string]struct {
			Jobs []map[string]struct {
				Filters struct {
					Tags     struct{ Only string }   `yaml:"tags"`
					Branches struct{ Ignore string } `yaml:"branches"`
				} `yaml:"filters"`
			} `yaml:"jobs"`
		} `yaml:"workflows"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &cfg))

	job := cfg.Workflows["release"].Jobs[0]["release"]
	tags := regexp.MustCompile(strings.Trim(job.Filters.Tags.Only, "/"))
	for _, tag := range []string{"v1.2.3", "v0.3.0-rc.1"} {
		assert.True(t, tags.MatchString(tag), "the workflow runs on %s", tag)
	}
	for _, tag := range []string{"1.2.3", "v1.2", "sdk/go/circlecioidc/v1.2.3", "vnext"} {
		assert.False(t, tags.MatchString(tag), "the workflow ignores %s", tag)
	}
	assert.Equal(t, "/.*/", job.Filters.Branches.Ignore, "only tags release")

	ci, err := os.ReadFile("../.ci/run")
	require.NoError(t, err)
	e2e, err := os.ReadFile("../scripts/e2e.sh")
	require.NoError(t, err)
	ciRuns := string(ci) + string(e2e)
	var commands []string
	for _, step := range cfg.Jobs["release"].Steps {
		m, ok := step.(map[string]any)
		if !ok {
			continue
		}
		if r, ok := m["run"].(map[string]any); ok {
			commands = append(commands, r["command"].(string))
		}
	}
	require.NotEmpty(t, commands)
	for _, c := range commands {
		switch {
		case strings.HasPrefix(c, "bash scripts/release.sh --release"):
			dry := strings.Replace(c, "--release", "--host", 1) + " --dry-run"
			assert.Contains(t, ciRuns, dry, "CI runs the release step's dry-run form")
			// And the step itself, guards and all, in a tagged clone (scenario 19).
			e2eTest, err := os.ReadFile("e2e/release_test.go")
			require.NoError(t, err)
			args := `"` + strings.Join(strings.Fields(strings.TrimPrefix(c, "bash ")), `", "`) + `", "--dry-run"`
			assert.Contains(t, string(e2eTest), args, "tests/e2e runs the release step with --dry-run")
		case strings.HasPrefix(c, "go run ./tools/cmd/orb-pack "):
			assert.Contains(t, ciRuns, c+" -dry-run", "CI packs, checks and dry-runs the orb's publishing")
		case strings.HasPrefix(c, "go test"), strings.Contains(c, "apt-get install"):
			// go test ./... in CI runs these tests; e2e-tools.sh installs the same packages.
			if strings.Contains(c, "apt-get") {
				assert.Contains(t, mustReadTools(t), "python3-build python3-setuptools python3-wheel python3-venv")
			}
		default:
			t.Errorf("the release workflow runs %q, which CI never runs", c)
		}
	}
}

func mustReadTools(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../scripts/e2e-tools.sh")
	require.NoError(t, err)
	return string(b)
}
