package fleet

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

// backendIndex is what a run reads of the Pulumi backend once, before any
// account needs it: the stacks it holds (one `pulumi stack ls`, where each
// account used to list every stack), and, for a file backend, the folder
// of the stacks' checkpoints.
type backendIndex struct {
	// ws is the workspace at the run's work directory, which exports a
	// stack when its checkpoint can't be read directly.
	ws    auto.Workspace
	names map[string]bool
	// stacks is the file backend's folder of checkpoints of this project
	// (<root>/.pulumi/stacks/circleci-oidc); empty for other backends.
	stacks string
}

// backendOnce makes the index once per Engine, that is once per run.
type backendOnce struct {
	once sync.Once
	idx  *backendIndex
	err  error
}

// index returns the run's backend index, listing the stacks on first use.
func (e *Engine) index(ctx context.Context) (*backendIndex, error) {
	e.backend.once.Do(func() { e.backend.idx, e.backend.err = e.readIndex(ctx) })
	return e.backend.idx, e.backend.err
}

// readIndex lists the backend's stacks and asks pulumi where the backend is.
func (e *Engine) readIndex(ctx context.Context) (*backendIndex, error) {
	if err := os.MkdirAll(e.WorkDir, 0o755); err != nil {
		return nil, err
	}
	ws, err := e.workspace(ctx, e.WorkDir)
	if err != nil {
		return nil, err
	}
	names, err := listStacks(ctx, ws)
	if err != nil {
		return nil, err
	}
	idx := &backendIndex{ws: ws, names: names}
	// Where whoami fails or the backend is not a file backend of a known
	// layout, stacks are exported one by one, as before.
	if who, err := ws.WhoAmIDetails(ctx); err == nil {
		idx.stacks = checkpointDir(who.URL)
	}
	return idx, nil
}

// listStacks returns the names of the project's stacks, the last segment of
// a fully qualified name (org/project/stack).
func listStacks(ctx context.Context, ws auto.Workspace) (map[string]bool, error) {
	list, err := ws.ListStacks(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the stacks of the backend: %w", err)
	}
	names := map[string]bool{}
	for _, s := range list {
		names[s.Name[strings.LastIndex(s.Name, "/")+1:]] = true
	}
	return names, nil
}

// hasStack reports whether the backend holds the stack, from the run's one
// listing. Only a run that creates stacks (up) must not ask it.
func (e *Engine) hasStack(ctx context.Context, name string) (bool, error) {
	idx, err := e.index(ctx)
	if err != nil {
		return false, err
	}
	return idx.names[name], nil
}

// checkpointDir is the folder of the project's checkpoints in a file
// backend (file:///path, as `pulumi whoami --json` gives its URL), or "" when
// the backend is not one whose layout this reads: the project-scoped layout,
// version 1 of .pulumi/meta.yaml (pkg/backend/diy/meta.go, store.go).
func checkpointDir(backendURL string) string {
	u, err := url.Parse(backendURL)
	if err != nil || u.Scheme != "file" || u.Host != "" || !filepath.IsAbs(u.Path) || u.RawQuery != "" {
		return ""
	}
	bookkeeping := filepath.Join(filepath.FromSlash(u.Path), ".pulumi")
	data, err := readCapped(filepath.Join(bookkeeping, "meta.yaml"), 1<<16)
	if err != nil {
		return ""
	}
	var meta struct {
		Version *int `yaml:"version"`
	}
	if yaml.Unmarshal(data, &meta) != nil || meta.Version == nil || *meta.Version != 1 {
		return ""
	}
	return filepath.Join(bookkeeping, "stacks", stack.Project)
}

// maxCheckpoint bounds a checkpoint read directly; a fleet stack's is a few
// kilobytes, and a larger one is exported through pulumi instead.
const maxCheckpoint = 64 << 20

// stackState is what fleet reads of a stack without running it: its
// resources and its outputs.
type stackState struct {
	resources []apitype.ResourceV3
	outputs   map[string]any
}

// owns reports whether the stack holds a resource of this type and ID.
func (s stackState) owns(typ, id string) bool {
	return id != "" && slices.ContainsFunc(s.resources, func(r apitype.ResourceV3) bool {
		return string(r.Type) == typ && r.ID.String() == id
	})
}

// output returns a string output, or "".
func (s stackState) output(key string) string {
	v, _ := s.outputs[key].(string)
	return v
}

// readState reads a stack's state from its checkpoint when the backend is a
// file backend, without starting pulumi, else through `pulumi stack export`.
func (e *Engine) readState(ctx context.Context, name string) (stackState, error) {
	idx, err := e.index(ctx)
	if err != nil {
		return stackState{}, err
	}
	if idx.stacks != "" {
		if s, ok := readCheckpoint(idx.stacks, name); ok {
			return s, nil
		}
	}
	dep, err := idx.ws.ExportStack(ctx, name)
	if err != nil {
		return stackState{}, fmt.Errorf("exporting stack %s: %w", name, err)
	}
	if len(bytes.TrimSpace(dep.Deployment)) == 0 {
		return stackState{}, nil // a stack that never ran
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		return stackState{}, fmt.Errorf("reading the export of stack %s: %w", name, err)
	}
	return stateOf(d), nil
}

// readCheckpoint reads a stack's checkpoint in a file backend: the newest of
// <name>.json, .json.gz and .json.zst, as the backend itself picks
// (pkg/backend/diy/state.go, stackPath). It leaves to pulumi, by returning
// false, whatever it does not fully understand: a missing, oversized or
// unreadable file, an unknown version, an encrypted output.
func readCheckpoint(dir, name string) (stackState, bool) {
	var newest string
	var mod int64
	for _, ext := range []string{".json", ".json.gz", ".json.zst"} {
		fi, err := os.Stat(filepath.Join(dir, name+ext))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if t := fi.ModTime().UnixNano(); newest == "" || t >= mod {
			newest, mod = filepath.Join(dir, name+ext), t
		}
	}
	if newest == "" {
		return stackState{}, false
	}
	data, err := readCapped(newest, maxCheckpoint)
	if err != nil {
		return stackState{}, false
	}
	switch {
	case strings.HasSuffix(newest, ".gz"):
		r, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return stackState{}, false
		}
		if data, err = readAllCapped(r, maxCheckpoint); err != nil {
			return stackState{}, false
		}
	case strings.HasSuffix(newest, ".zst"):
		r, err := zstd.NewReader(bytes.NewReader(data))
		if err != nil {
			return stackState{}, false
		}
		data, err = readAllCapped(r, maxCheckpoint)
		r.Close()
		if err != nil {
			return stackState{}, false
		}
	}
	var v apitype.VersionedCheckpoint
	if json.Unmarshal(data, &v) != nil {
		return stackState{}, false
	}
	// Versions 3 and 4 hold a CheckpointV3 (apitype/core.go); 4 only adds
	// features this reader does not need. Others are left to pulumi.
	if v.Version != apitype.DeploymentSchemaVersionCurrent && v.Version != apitype.DeploymentSchemaVersionLatest {
		return stackState{}, false
	}
	var cp apitype.CheckpointV3
	if json.Unmarshal(v.Checkpoint, &cp) != nil {
		return stackState{}, false
	}
	if cp.Latest == nil {
		return stackState{}, true // a stack that never ran
	}
	s := stateOf(*cp.Latest)
	for _, o := range s.outputs {
		if _, encrypted := o.(secretValue); encrypted {
			return stackState{}, false // pulumi decrypts it
		}
	}
	return s, true
}

// secretValue is a secret output whose plaintext the state does not hold.
type secretValue struct{}

// stateOf picks the resources and the root stack's outputs out of a
// deployment; a secret output is its plaintext when the deployment holds
// it (an export with --show-secrets), else a secretValue.
func stateOf(d apitype.DeploymentV3) stackState {
	s := stackState{resources: d.Resources, outputs: map[string]any{}}
	for _, r := range d.Resources {
		if r.Type != "pulumi:pulumi:Stack" || r.Parent != "" {
			continue
		}
		for k, v := range r.Outputs {
			s.outputs[k] = plain(v)
		}
	}
	return s
}

func plain(v any) any {
	m, ok := v.(map[string]any)
	if !ok || m[sig.Key] != sig.Secret {
		return v
	}
	if text, ok := m["plaintext"].(string); ok {
		var out any
		if json.Unmarshal([]byte(text), &out) == nil {
			return out
		}
	}
	return secretValue{}
}

// readCapped reads a regular file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("not a regular file")}
	}
	return readAllCapped(f, limit)
}

func readAllCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("over %d MiB", limit>>20)
	}
	return data, nil
}
