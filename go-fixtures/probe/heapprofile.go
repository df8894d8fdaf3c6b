// Heap profiles at chosen phases: which phases, where the files go, and
// how a file is written. The profiling itself is in heapprofile_pprof.go,
// compiled only with the gomemlab_heapprofile build tag.

package probe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HeapProfileEnv names the phases that write a heap profile: a comma-separated
// list of phase names, or "all". Unset or empty: no profiles.
const HeapProfileEnv = "GOMEMLAB_HEAP_PROFILE"

// HeapProfileDirEnv names the directory the profiles go to ("." when unset).
const HeapProfileDirEnv = "GOMEMLAB_HEAP_PROFILE_DIR"

// HeapProfileTag is the build tag that links runtime/pprof into the probe.
const HeapProfileTag = "gomemlab_heapprofile"

// heapConfig says at which phases Phase writes a heap profile, and where.
type heapConfig struct {
	dir    string
	all    bool
	phases map[string]bool
}

// parseHeapConfig reads the two variables' values. With profiling compiled
// out (no HeapProfileTag), asking for profiles is an error rather than a
// silent nothing.
func parseHeapConfig(phases, dir string, compiled bool) (heapConfig, error) {
	c := heapConfig{dir: dir, phases: map[string]bool{}}
	if c.dir == "" {
		c.dir = "."
	}
	for _, p := range strings.Split(phases, ",") {
		p = strings.TrimSpace(p)
		switch p {
		case "":
		case "all":
			c.all = true
		default:
			c.phases[p] = true
		}
	}
	if c.enabled() && !compiled {
		return c, fmt.Errorf("%s=%q: this binary was built without -tags %s, so it cannot write heap profiles",
			HeapProfileEnv, phases, HeapProfileTag)
	}
	return c, nil
}

func (c *heapConfig) enabled() bool {
	return c.all || len(c.phases) > 0
}

// path is the file the profile of phase number seq goes to, or "" when this
// phase is not profiled.
func (c *heapConfig) path(seq uint64, name string) string {
	if !c.all && !c.phases[name] {
		return ""
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
	return filepath.Join(c.dir, fmt.Sprintf("%03d-%s.pb.gz", seq, safe))
}

// errNoHeapProfiling is what writeHeap returns in a build without HeapProfileTag.
var errNoHeapProfiling = errors.New("heap profiling is not compiled in (build with -tags " + HeapProfileTag + ")")

// writeHeapFile writes the heap profile to path through a temporary file in
// the same directory, so the file is either whole or absent.
func writeHeapFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".heap-*.tmp")
	if err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a profile is as readable as any output.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := writeHeap(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
