// Package e2e runs the stack, the component plugin and the command line
// through the real Pulumi engine. The aws and tls provider plugins cannot be
// had here, so the engine is pointed (PULUMI_DEBUG_PROVIDERS) at stand-ins
// served by this test process: aws does real IAM calls against moto on
// 127.0.0.1, tls does a real TLS handshake with a local issuer.
//
// Run it with scripts/e2e.sh, which builds the tools first; without it every
// test skips.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/mototest"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// repoRoot is the repository's top folder.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// toolsBin is where scripts/e2e-tools.sh installs the pulumi CLI.
func toolsBin() string { return filepath.Join(repoRoot(), ".tools", "bin") }

// requireTools skips the test unless the suite was asked for and the tools
// it needs are built.
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	if os.Getenv("CIRCLECI_OIDC_E2E") == "" {
		t.Skip("the end-to-end suite runs through scripts/e2e.sh, which builds the pulumi CLI and sets CIRCLECI_OIDC_E2E=1")
	}
	for _, n := range append([]string{"pulumi"}, names...) {
		if _, err := os.Stat(filepath.Join(toolsBin(), n)); err != nil {
			t.Skipf("%s is not built: run scripts/e2e-tools.sh (builds the pulumi CLI from the module proxy)", n)
		}
	}
	t.Setenv("PATH", toolsBin()+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// callCounter counts gRPC calls to a stand-in by method.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) add(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[method]++
}

// snapshot returns the counts so far.
func (c *callCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// since returns the counts added after an earlier snapshot.
func (c *callCounter) since(before map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range c.snapshot() {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func writes(calls map[string]int) int { return calls["Create"] + calls["Update"] + calls["Delete"] }

func (c *callCounter) String() string {
	s := c.snapshot()
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, s[k])
	}
	return strings.Join(parts, " ")
}

// serve runs a provider on a loopback port until the test ends.
func serve(t *testing.T, srv pulumirpc.ResourceProviderServer) int {
	t.Helper()
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(s, srv)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(cancel)
		<-handle.Done
	})
	return handle.Port
}

// world is one test's AWS emulator, stand-ins and engine environment.
type world struct {
	iam      *iam.Client
	awsSrv   *awsStandin
	aws, tls *callCounter
	tlsSrv   *tlsStandin
	chain    *issuerChain
	issuer   *oidctest.Issuer
	// quotas are what the aws stand-in enforces.
	quotas iamQuotas
	// env is the environment of every pulumi command.
	env map[string]string
	dir string
}

// worldOption changes a world before its stand-ins serve.
type worldOption func(*world)

// withQuotas makes the aws stand-in enforce these IAM quotas instead of
// IAM's defaults.
func withQuotas(q iamQuotas) worldOption { return func(w *world) { w.quotas = q } }

func newWorld(t *testing.T, opts ...worldOption) *world {
	t.Helper()
	requireTools(t)
	mototest.Start(t)
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{iam: iam.NewFromConfig(cfg), aws: &callCounter{}, tls: &callCounter{}, dir: t.TempDir()}
	for _, o := range opts {
		o(w)
	}

	if w.chain, err = newIssuerChain(); err != nil {
		t.Fatal(err)
	}
	if w.issuer, err = oidctest.NewIssuer(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.issuer.Close)
	https := serveIssuer(w.chain, w.issuer.Config.Handler)
	t.Cleanup(https.Close)
	roots := x509CertPool(w.chain)
	w.tlsSrv = &tlsStandin{addr: https.Listener.Addr().String(), roots: roots, calls: w.tls}

	w.awsSrv = &awsStandin{cfg: cfg, calls: w.aws, quotas: w.quotas}
	awsPort := serve(t, w.awsSrv)
	tlsPort := serve(t, w.tlsSrv)
	w.env = map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.Join(w.dir, "backend"),
		"PULUMI_CONFIG_PASSPHRASE":                    "circleci-oidc-e2e",
		"PULUMI_HOME":                                 filepath.Join(w.dir, "pulumi-home"),
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_DEBUG_PROVIDERS":                      fmt.Sprintf("aws:%d,tls:%d", awsPort, tlsPort),
	}
	for _, d := range []string{"backend", "pulumi-home"} {
		if err := os.MkdirAll(filepath.Join(w.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// Attach answers the engine, which sends it to providers it attaches to
// through PULUMI_DEBUG_PROVIDERS; the stand-ins need nothing from it.
func (p *awsStandin) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Attach answers the engine, as awsStandin's does.
func (p *tlsStandin) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
