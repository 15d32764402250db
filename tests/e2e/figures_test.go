package e2e

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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

	fmt.Printf("\n%-52s %s\n", "figure", "value")
	row := func(k string, v any) { fmt.Printf("%-52s %v\n", k, v) }
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
