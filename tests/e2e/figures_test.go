package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"
)

// TestFigures prints the suite's performance figures; it asserts nothing about
// time. scripts/e2e-figures.sh runs it.
func TestFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; run scripts/e2e-figures.sh")
	}
	w := newWorld(t)
	ctx := t.Context()
	const runs = 3
	median := func(f func()) time.Duration {
		var d []time.Duration
		for range runs {
			start := time.Now()
			f()
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	preview := func(st auto.Stack) {
		_, err := st.Preview(ctx, optpreview.ProgressStreams(io.Discard))
		require.NoError(t, err)
	}

	emptyDir := filepath.Join(w.dir, "empty")
	require.NoError(t, os.MkdirAll(emptyDir, 0o755))
	empty, err := auto.UpsertStackInlineSource(ctx, "empty", "empty", func(*pulumi.Context) error { return nil },
		auto.WorkDir(emptyDir), auto.EnvVars(w.env))
	require.NoError(t, err)
	emptyPreview := median(func() { preview(empty) })

	st := w.devStack(t, "dev")
	hs := w.tlsSrv.handshakes.Load()
	preview(st)
	fetchHandshakes := w.tlsSrv.handshakes.Load() - hs

	before := w.aws.snapshot()
	start := time.Now()
	_, err = st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	upTime := time.Since(start)
	upCalls := w.aws.since(before)

	noopPreview := median(func() { preview(st) })
	before = w.aws.snapshot()
	start = time.Now()
	_, err = st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	noopUpTime := time.Since(start)
	noopCalls := w.aws.since(before)

	setPath(t, st, "circleci-oidc:thumbprints[0]", fingerprint(w.chain.intermediate))
	hs = w.tlsSrv.handshakes.Load()
	preview(st)
	givenHandshakes := w.tlsSrv.handshakes.Load() - hs

	reuse := w.devStack(t, "reuse")
	setPath(t, reuse, "circleci-oidc:roleName", "circleci-deploy-reuse")
	outs, err := st.Outputs(ctx)
	require.NoError(t, err)
	setPath(t, reuse, "circleci-oidc:existingProviderArn", outs["providerArn"].Value.(string))
	hs = w.tlsSrv.handshakes.Load()
	preview(reuse)
	reuseHandshakes := w.tlsSrv.handshakes.Load() - hs

	fmt.Printf("\n%-58s %s\n", "figure", "value")
	row := func(k string, v any) { fmt.Printf("%-58s %v\n", k, v) }
	row("preview, empty program (median of 3)", emptyPreview.Round(time.Millisecond))
	row("preview, no-op, stack program (median of 3)", noopPreview.Round(time.Millisecond))
	row("no-op preview / empty preview", fmt.Sprintf("%.2f", float64(noopPreview)/float64(emptyPreview)))
	row("up, first, wall time", upTime.Round(time.Millisecond))
	row("up, no-op, wall time", noopUpTime.Round(time.Millisecond))
	row("aws stand-in calls per first up", fmt.Sprintf("%v (writes %d)", upCalls, writes(upCalls)))
	row("aws stand-in calls per no-op up", fmt.Sprintf("%v (writes %d)", noopCalls, writes(noopCalls)))
	row("TLS handshakes per preview, thumbprint fetched", fetchHandshakes)
	row("TLS handshakes per preview, thumbprints given", givenHandshakes)
	row("TLS handshakes per preview, provider reused", reuseHandshakes)
	require.Zero(t, writes(noopCalls), "a no-op up writes nothing")
	require.Zero(t, givenHandshakes)
	require.Zero(t, reuseHandshakes)
}

// TestPluginFigures prints what the plugin costs a consumer: the cold build
// that a first `pulumi package add` runs, the binary's size, its start-up
// time and its peak RSS during a preview of the YAML example. It asserts
// nothing about time. scripts/e2e-figures.sh runs it.
func TestPluginFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; run scripts/e2e-figures.sh")
	}
	w := newWorld(t)
	requireTools(t, "pulumi-language-yaml")

	// Cold: an empty build cache, the module cache as it is (a consumer's
	// first build also downloads the modules).
	cold := filepath.Join(w.dir, "cold")
	start := time.Now()
	// pulumi-language-go's build (see buildPlugin) with an empty build cache and
	// a warm module cache: what a CI runner pays at every preview of a source plugin.
	run(t, filepath.Join(repoRoot(), "provider", "cmd", pluginName), []string{"GOCACHE=" + filepath.Join(w.dir, "gocache")},
		"go", "build", "-buildvcs=false", "-o", filepath.Join(cold, pluginName))
	coldBuild := time.Since(start)
	bin, warmBuild := buildPlugin(t, repoRoot(), filepath.Join(w.dir, "warm"))
	info, err := os.Stat(bin)
	require.NoError(t, err)

	// Start-up: from exec to the port on standard output, which is when the
	// engine can talk to the plugin.
	var startups []time.Duration
	for range 5 {
		cmd := exec.Command(bin)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, cmd.Start())
		line, err := bufio.NewReader(stdout).ReadString('\n')
		startups = append(startups, time.Since(start))
		require.NoError(t, err)
		_, err = strconv.Atoi(strings.TrimSpace(line))
		require.NoError(t, err, "the plugin prints its port first: %q", line)
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
	}
	slices.Sort(startups)

	// Peak RSS: the engine starts the plugin for a preview of the YAML
	// example; its VmHWM is read from /proc while it runs.
	plugin := filepath.Dir(bin)
	dir := filepath.Join(w.dir, "yaml")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	copyFile(t, filepath.Join(repoRoot(), "examples", "yaml", "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	w.env["PATH"] = plugin + string(os.PathListSeparator) + os.Getenv("PATH")
	ws, err := auto.NewLocalWorkspace(t.Context(), auto.WorkDir(dir), auto.EnvVars(w.env))
	require.NoError(t, err)
	st, err := auto.UpsertStack(t.Context(), "dev", ws)
	require.NoError(t, err)
	require.NoError(t, st.SetConfig(t.Context(), "aws:region", auto.ConfigValue{Value: "eu-west-1"}))
	done := make(chan struct{})
	peak := make(chan int)
	go func() {
		most := 0
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			most = max(most, peakRSS(bin))
			select {
			case <-done:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	start = time.Now()
	_, err = st.Preview(t.Context(), optpreview.ProgressStreams(io.Discard))
	previewTime := time.Since(start)
	close(done)
	rss := <-peak
	require.NoError(t, err)

	fmt.Printf("\n%-58s %s\n", "plugin figure", "value")
	row := func(k string, v any) { fmt.Printf("%-58s %v\n", k, v) }
	row("source plugin: Pulumi's go build, empty build cache", coldBuild.Round(time.Second))
	row("source plugin: Pulumi's go build, warm build cache", warmBuild.Round(time.Millisecond))
	row("source plugin: go builds per preview and up (RunPlugin)", 1)
	row("source plugin: first preview = cold build + preview", (coldBuild + previewTime).Round(time.Second))
	row("binary size, go build without -s -w", fmt.Sprintf("%.1f MiB", float64(info.Size())/(1<<20)))
	row("start-up to port printed (median of 5)", startups[len(startups)/2].Round(time.Millisecond))
	row("preview of the YAML example, plugin started by engine", previewTime.Round(time.Millisecond))
	row("plugin peak RSS during that preview (VmHWM)", fmt.Sprintf("%.1f MiB", float64(rss)/1024))
}

// TestReleaseFigures prints the prebuilt path's figures beside the source
// path's: a consumer's first add and preview, go calls, and the release's sizes.
func TestReleaseFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; run scripts/e2e-figures.sh")
	}
	w := newWorld(t)
	requireTools(t, "pulumi-language-yaml")
	rel := requireDist(t)
	f := runConsumer(t, w, rel)

	fmt.Printf("\n%-58s %s\n", "prebuilt figure", "value")
	row := func(k string, v any) { fmt.Printf("%-58s %v\n", k, v) }
	row("prebuilt: first pulumi package add (download)", f.add)
	row("prebuilt: first preview", f.preview)
	row("prebuilt: go calls for add, install, preview, up", f.goCalls)
	archives, err := filepath.Glob(filepath.Join(rel.Dir, "*.tar.gz"))
	require.NoError(t, err)
	for _, a := range archives {
		info, err := os.Stat(a)
		require.NoError(t, err)
		label := strings.Replace(strings.TrimSuffix(filepath.Base(a), ".tar.gz"), "-v"+rel.Version+"-", " ", 1)
		row("archive "+label,
			fmt.Sprintf("%.1f MiB", float64(info.Size())/(1<<20)))
	}
	dir := filepath.Join(w.dir, "unpacked")
	untar(t, filepath.Join(rel.Dir, rel.archive(runtime.GOOS, runtime.GOARCH)), dir)
	info, err := os.Stat(filepath.Join(dir, pluginName))
	require.NoError(t, err)
	row("binary size with -s -w (this machine's target)", fmt.Sprintf("%.1f MiB", float64(info.Size())/(1<<20)))
}

// peakRSS returns the largest VmHWM, in KiB, of the running processes whose
// executable is bin.
func peakRSS(bin string) int {
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	most := 0
	for _, exe := range procs {
		if target, err := os.Readlink(exe); err != nil || target != bin {
			continue
		}
		status, err := os.ReadFile(filepath.Join(filepath.Dir(exe), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
				most = max(most, kb)
			}
		}
	}
	return most
}
