package termguard

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRestore: after Restore, TERM is what the process started with, as
// /proc/self/environ still shows it, set or not.
func TestRestore(t *testing.T) {
	initial, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Skipf("no /proc/self/environ: %v", err)
	}
	want, wantSet := "", false
	for _, kv := range bytes.Split(initial, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("TERM=")); ok {
			want, wantSet = string(v), true
		}
	}
	assert.Equal(t, "dumb", os.Getenv("TERM"), "set during initialization")
	Restore()
	got, gotSet := os.LookupEnv("TERM")
	assert.Equal(t, wantSet, gotSet)
	assert.Equal(t, want, got)

	// Later calls do nothing.
	t.Setenv("TERM", "xterm")
	Restore()
	assert.Equal(t, "xterm", os.Getenv("TERM"))
}
