package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPythonFigures prints how long a Python user waits from an empty folder
// to the first `up`: the venv and `pip install -r requirements.txt` by name
// (with an empty pip cache, then a warm one), then the first `up`, the
// plugin's download included. It asserts nothing about time.
// scripts/e2e-figures.sh runs it.
func TestPythonFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; run scripts/e2e-figures.sh")
	}
	w := newWorld(t)
	rel := requireDist(t)
	requirePythonTools(t)
	index := startPyPIServer(t, defaultIndex(t))
	out, err := index.publish(t, index.Token, rel.sdkFile(t, ".whl"))
	if err != nil {
		t.Fatalf("publishing the wheel: %v\n%s", err, out)
	}
	cache := filepath.Join(w.dir, "pip-cache")
	cold := newPythonConsumer(t, filepath.Join(w.dir, "cold"), index.URL+"simple/", rel, "PIP_CACHE_DIR="+cache)
	warm := newPythonConsumer(t, filepath.Join(w.dir, "python"), index.URL+"simple/", rel, "PIP_CACHE_DIR="+cache)

	newConsumer(t, w, rel)
	delete(w.env, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION")
	warm.env = os.Environ()
	for k, v := range w.env {
		warm.env = append(warm.env, k+"="+v)
	}
	start := time.Now()
	warm.run(t, "dev", map[string]string{"aws:region": "us-east-1"}, "up")
	up := time.Since(start)
	warm.run(t, "dev", nil, "destroy")

	fmt.Printf("\n%-58s %s\n", "python figure", "value")
	row := func(k string, v any) { fmt.Printf("%-58s %v\n", k, v) }
	row("python: venv + pip install by name, empty pip cache", cold.install.Round(100*time.Millisecond))
	row("python: venv + pip install by name, warm pip cache", warm.install.Round(100*time.Millisecond))
	row("python: first up (plugin download included)", up.Round(100*time.Millisecond))
	row("python: empty folder to first up, empty pip cache", (cold.install + up).Round(100*time.Millisecond))
	row("python: empty folder to first up, warm pip cache", (warm.install + up).Round(100*time.Millisecond))
}
