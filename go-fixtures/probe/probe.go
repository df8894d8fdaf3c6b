// Package probe is the program side of gomemlab's phase protocol: import it
// in any Go main package to have `gomemlab run PATH` read both views of memory
// (the OS's and the Go runtime's) at the points the program names.
//
//	import "gomemlab.dev/probe"
//
//	func main() {
//		probe.Phase("start")
//		data := make([]byte, 64<<20)
//		probe.Phase("allocated")
//		_ = data
//	}
//
// The import path needs no network: gomemlab supplies this module itself
// when it builds a program (a generated go.work), so a go.mod needs no
// require line for it. To build without gomemlab, point the import at a copy
// (`replace gomemlab.dev/probe => ../probe`). The module keeps a go 1.19 line.
//
// A program calls Phase("name") at each interesting point. Phase reads the Go
// runtime's own view of memory at that instant (runtime.MemStats plus the
// /memory/classes/, /gc/ and /cpu/classes/ metrics of runtime/metrics),
// encodes it as one JSON line and hands it to the harness.
//
// Every line carries "version": ProtocolVersion; a gomemlab speaking another
// version refuses the line and says which to rebuild.
//
// Harness mode: when GOMEMLAB_PROBE_FDS is "W,R", the line is written to fd W
// and Phase blocks until it reads a '\n' from fd R, so the harness can measure
// the process from /proc while it is quiescent. If the harness is gone (write
// error, or EOF on R) the process exits with status 3.
//
// By-hand mode: when GOMEMLAB_PROBE_FDS is unset, the line is written to
// stderr prefixed by "probe: " and Phase returns at once.
//
// Heap profiles: when GOMEMLAB_HEAP_PROFILE names the phase ("p1,p2", or
// "all"), Phase also writes the heap profile (pprof.Lookup("heap"), gzipped
// profile.proto, the format `go tool pprof` opens) to
// $GOMEMLAB_HEAP_PROFILE_DIR/<seq>-<phase>.pb.gz (default directory ".") and
// names that file in the line's "heap_profile" field. Three things to know:
//
//   - The file is written after the harness answered (by hand: after the line
//     is printed), so neither view of the phase includes the ~1 MiB that
//     encoding a profile allocates; the next phase does.
//   - Phase runs no GC for the profile: like every heap profile, it is the one
//     the last completed GC cycle published, so allocations since then are
//     missing from it (a fixture that calls runtime.GC() just before the phase
//     gets an up-to-date one).
//   - Profiling needs the build tag gomemlab_heapprofile. Without it
//     runtime/pprof is not linked, the linker turns memory profiling off
//     (MemProfileRate 0, no profiling buckets), and asking for a profile makes
//     the process exit with status 3. With it the sampling rate is the
//     runtime's default (512 KiB) unless the fixture sets MemProfileRate.
package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FdsEnv names the environment variable that carries the harness's fds.
const FdsEnv = "GOMEMLAB_PROBE_FDS"

// handPrefix starts every line written in by-hand mode.
const handPrefix = "probe: "

// GoStats is the runtime.MemStats part of a phase line.
type GoStats struct {
	HeapAllocBytes    uint64 `json:"heap_alloc_bytes"`
	HeapSysBytes      uint64 `json:"heap_sys_bytes"`
	HeapIdleBytes     uint64 `json:"heap_idle_bytes"`
	HeapInuseBytes    uint64 `json:"heap_inuse_bytes"`
	HeapReleasedBytes uint64 `json:"heap_released_bytes"`
	HeapObjects       uint64 `json:"heap_objects"`
	TotalAllocBytes   uint64 `json:"total_alloc_bytes"`
	SysBytes          uint64 `json:"sys_bytes"`
	Mallocs           uint64 `json:"mallocs"`
	Frees             uint64 `json:"frees"`
	StackInuseBytes   uint64 `json:"stack_inuse_bytes"`
	StackSysBytes     uint64 `json:"stack_sys_bytes"`
	MSpanInuseBytes   uint64 `json:"mspan_inuse_bytes"`
	MSpanSysBytes     uint64 `json:"mspan_sys_bytes"`
	MCacheInuseBytes  uint64 `json:"mcache_inuse_bytes"`
	MCacheSysBytes    uint64 `json:"mcache_sys_bytes"`
	BuckHashSysBytes  uint64 `json:"buck_hash_sys_bytes"`
	GCSysBytes        uint64 `json:"gc_sys_bytes"`
	OtherSysBytes     uint64 `json:"other_sys_bytes"`
	NextGCBytes       uint64 `json:"next_gc_bytes"`
	NumGC             uint64 `json:"num_gc"`
	NumForcedGC       uint64 `json:"num_forced_gc"`
	PauseTotalNs      uint64 `json:"pause_total_ns"`
	Goroutines        uint64 `json:"goroutines"`
}

// ProtocolVersion is the version of the phase protocol this probe speaks,
// sent in every line; the harness refuses lines of another version.
const ProtocolVersion = 1

// Line is one phase report, encoded as one JSON line.
type Line struct {
	Version int                    `json:"version"`
	Phase   string                 `json:"phase"`
	Seq     uint64                 `json:"seq"`
	UnixNs  int64                  `json:"unix_ns"`
	Go      GoStats                `json:"go"`
	Metrics map[string]json.Number `json:"metrics"`
	// HeapProfile is the file the heap profile of this phase goes to (only
	// at phases named in GOMEMLAB_HEAP_PROFILE).
	HeapProfile string `json:"heap_profile,omitempty"`
}

// recorder holds everything Phase reuses from one call to the next, so that a
// phase allocates little beyond the encoded line itself.
type recorder struct {
	mu      sync.Mutex
	seq     uint64
	ms      runtime.MemStats
	samples []metrics.Sample
	line    Line
	buf     bytes.Buffer
	enc     *json.Encoder
	reply   [1]byte
	heap    heapConfig
}

// sentPrefixes are the runtime/metrics a phase line carries: memory classes,
// GC counters, and (Go 1.20+) the CPU classes, which say how much CPU the GC
// took (/cpu/classes/gc/total:cpu-seconds against /cpu/classes/total).
// Prefixes, not names, so a Go without a metric simply does not send it.
var sentPrefixes = []string{"/memory/classes/", "/gc/", "/cpu/classes/"}

// sentMetric says whether a phase line carries the metric called name.
func sentMetric(name string) bool {
	for _, p := range sentPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func newRecorder() *recorder {
	r := &recorder{}
	for _, d := range metrics.All() {
		if !sentMetric(d.Name) {
			continue
		}
		if d.Kind != metrics.KindUint64 && d.Kind != metrics.KindFloat64 {
			continue // histograms and anything unknown
		}
		r.samples = append(r.samples, metrics.Sample{Name: d.Name})
	}
	r.line.Metrics = make(map[string]json.Number, len(r.samples))
	r.enc = json.NewEncoder(&r.buf)
	return r
}

// snapshot reads the runtime's view now and leaves the encoded line in r.buf
// as "probe: {...}\n". It returns the JSON part without the prefix.
func (r *recorder) snapshot(name string) ([]byte, error) {
	// Read first, so the encoding below does not show up in the numbers.
	runtime.ReadMemStats(&r.ms)
	metrics.Read(r.samples)
	goroutines := runtime.NumGoroutine()
	now := time.Now().UnixNano()

	r.seq++
	ms := &r.ms
	r.line.Version = ProtocolVersion
	r.line.Phase = name
	r.line.Seq = r.seq
	r.line.UnixNs = now
	r.line.HeapProfile = r.heap.path(r.seq, name)
	r.line.Go = GoStats{
		HeapAllocBytes:    ms.HeapAlloc,
		HeapSysBytes:      ms.HeapSys,
		HeapIdleBytes:     ms.HeapIdle,
		HeapInuseBytes:    ms.HeapInuse,
		HeapReleasedBytes: ms.HeapReleased,
		HeapObjects:       ms.HeapObjects,
		TotalAllocBytes:   ms.TotalAlloc,
		SysBytes:          ms.Sys,
		Mallocs:           ms.Mallocs,
		Frees:             ms.Frees,
		StackInuseBytes:   ms.StackInuse,
		StackSysBytes:     ms.StackSys,
		MSpanInuseBytes:   ms.MSpanInuse,
		MSpanSysBytes:     ms.MSpanSys,
		MCacheInuseBytes:  ms.MCacheInuse,
		MCacheSysBytes:    ms.MCacheSys,
		BuckHashSysBytes:  ms.BuckHashSys,
		GCSysBytes:        ms.GCSys,
		OtherSysBytes:     ms.OtherSys,
		NextGCBytes:       ms.NextGC,
		NumGC:             uint64(ms.NumGC),
		NumForcedGC:       uint64(ms.NumForcedGC),
		PauseTotalNs:      ms.PauseTotalNs,
		Goroutines:        uint64(goroutines),
	}
	for _, s := range r.samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			r.line.Metrics[s.Name] = json.Number(strconv.FormatUint(s.Value.Uint64(), 10))
		case metrics.KindFloat64:
			v := s.Value.Float64()
			if math.IsNaN(v) || math.IsInf(v, 0) {
				delete(r.line.Metrics, s.Name) // not representable in JSON
				continue
			}
			r.line.Metrics[s.Name] = json.Number(strconv.FormatFloat(v, 'g', -1, 64))
		}
	}

	r.buf.Reset()
	r.buf.WriteString(handPrefix)
	if err := r.enc.Encode(&r.line); err != nil { // Encode appends '\n'
		return nil, err
	}
	return r.buf.Bytes()[len(handPrefix):], nil
}

// exchange sends one line to the harness and waits for its answer: bytes up
// to and including a '\n'.
func (r *recorder) exchange(w io.Writer, rd io.Reader, line []byte) error {
	if _, err := w.Write(line); err != nil {
		return err
	}
	for {
		n, err := rd.Read(r.reply[:])
		if n == 1 && r.reply[0] == '\n' {
			return nil
		}
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
}

var (
	rec       = newRecorder()
	setUpOnce sync.Once
	harness   bool
	toHarn    *os.File
	fromHarn  *os.File
)

// setUp reads the environment once: the harness's fds and the heap profile
// settings.
func setUp() {
	heap, err := parseHeapConfig(os.Getenv(HeapProfileEnv), os.Getenv(HeapProfileDirEnv), heapProfiling)
	if err != nil {
		fail(err)
	}
	rec.heap = heap
	openHarness()
}

// openHarness parses GOMEMLAB_PROBE_FDS and opens the two fds.
func openHarness() {
	v, ok := os.LookupEnv(FdsEnv)
	if !ok {
		return
	}
	parts := strings.Split(v, ",")
	if len(parts) != 2 {
		fail(fmt.Errorf("%s=%q: want \"W,R\"", FdsEnv, v))
	}
	w, errW := strconv.Atoi(strings.TrimSpace(parts[0]))
	r, errR := strconv.Atoi(strings.TrimSpace(parts[1]))
	if errW != nil || errR != nil || w < 0 || r < 0 {
		fail(fmt.Errorf("%s=%q: want two fd numbers \"W,R\"", FdsEnv, v))
	}
	toHarn = os.NewFile(uintptr(w), "probe-out")
	fromHarn = os.NewFile(uintptr(r), "probe-in")
	if toHarn == nil || fromHarn == nil {
		fail(fmt.Errorf("%s=%q: bad fd", FdsEnv, v))
	}
	harness = true
}

// fail reports a broken harness connection (or a bad setting) and exits
// with status 3.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "probe: %v\n", err)
	os.Exit(3)
}

// Phase reports a named phase and, under the harness, waits for its answer.
// Then, if this phase is profiled, it writes the heap profile.
func Phase(name string) {
	setUpOnce.Do(setUp)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	line, err := rec.snapshot(name)
	if err != nil {
		fail(err)
	}
	if !harness {
		os.Stderr.Write(rec.buf.Bytes()) // "probe: {...}\n"; by-hand runs ignore errors
	} else if err := rec.exchange(toHarn, fromHarn, line); err != nil {
		fail(fmt.Errorf("harness gone: %v", err))
	}
	if path := rec.line.HeapProfile; path != "" {
		if err := writeHeapFile(path); err != nil {
			fail(fmt.Errorf("heap profile of phase %q: %v", name, err))
		}
	}
}

// Hold keeps the process alive for d (used by the fixtures' -hold flag).
func Hold(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
}
