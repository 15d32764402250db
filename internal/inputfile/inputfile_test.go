package inputfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadTakesOnlyBoundedRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	small := filepath.Join(dir, "small")
	require.NoError(t, os.WriteFile(small, []byte("12345"), 0o600))
	tests := []struct {
		name, path string
		limit      int64
		want       string
	}{
		{"a device", "/dev/zero", 10, "/dev/zero is not a regular file (a character device)"},
		{"a named pipe", fifo, 10, fifo + " is not a regular file (a named pipe)"},
		{"a directory", dir, 10, dir + " is not a regular file (a directory)"},
		{"over the limit", small, 4, small + " holds more than 4 bytes"},
		{"missing", filepath.Join(dir, "none"), 10, "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.path, tt.limit)
			require.ErrorContains(t, err, tt.want)
		})
	}
	b, err := Read(small, 5)
	require.NoError(t, err)
	assert.Equal(t, "12345", string(b))
}
