// Package inputfile reads a file named on the command line with bounds:
// only a regular file, and only up to a size. doctor's --policy and fleet's
// --config, --resume and report files all read through it.
package inputfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Error is a file Read refused: not a regular file, or over the limit.
type Error struct {
	// Path is the file as it was named.
	Path string
	// Kind names what the file is when it is not a regular file, such as
	// "a named pipe"; empty when it is one, but too large.
	Kind string
	// Limit is the most Read takes, in bytes.
	Limit int64
}

// Error says what is wrong with the file, in the form "PATH is not a
// regular file (KIND)" or "PATH holds more than LIMIT bytes".
func (e *Error) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("%s is not a regular file (%s)", e.Path, e.Kind)
	}
	return fmt.Sprintf("%s holds more than %d bytes", e.Path, e.Limit)
}

// Read returns the content of the regular file at path, of at most limit
// bytes. Devices, such as /dev/zero, and named pipes, which block until a
// writer comes, are refused before they are opened, and a file replaced
// between the check and the opening is refused. No more than limit+1 bytes
// are ever read.
func Read(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &Error{Path: path, Kind: kind(info.Mode()), Limit: limit}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opened, err := f.Stat(); err != nil {
		return nil, err
	} else if !os.SameFile(info, opened) {
		return nil, fmt.Errorf("%s was replaced between its check and its opening; give it again", path)
	}
	if info.Size() > limit {
		return nil, &Error{Path: path, Limit: limit}
	}
	// One buffer of the file's size; the limit holds if it grows meanwhile.
	buf := bytes.NewBuffer(make([]byte, 0, info.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(buf.Len()) > limit {
		return nil, &Error{Path: path, Limit: limit}
	}
	return buf.Bytes(), nil
}

// kind names the kind of a file that is not regular.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}
