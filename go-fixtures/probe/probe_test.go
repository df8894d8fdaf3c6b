// Tests for the phase protocol: the shape of a line, the pipe exchange, and
// Phase itself in a child process, both by hand and under a fake harness.
package probe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

var goKeys = []string{
	"heap_alloc_bytes", "heap_sys_bytes", "heap_idle_bytes", "heap_inuse_bytes",
	"heap_released_bytes", "heap_objects", "total_alloc_bytes", "sys_bytes",
	"mallocs", "frees", "stack_inuse_bytes", "stack_sys_bytes",
	"mspan_inuse_bytes", "mspan_sys_bytes", "mcache_inuse_bytes", "mcache_sys_bytes",
	"buck_hash_sys_bytes", "gc_sys_bytes", "other_sys_bytes", "next_gc_bytes",
	"num_gc", "num_forced_gc", "pause_total_ns", "goroutines",
}

// checkLine parses one JSON line and checks its keys; it returns the phase
// name and seq.
func checkLine(t *testing.T, line []byte) (string, int64) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var top map[string]interface{}
	if err := dec.Decode(&top); err != nil {
		t.Fatalf("not JSON: %v: %q", err, line)
	}
	for _, k := range []string{"version", "phase", "seq", "unix_ns", "go", "metrics"} {
		if _, ok := top[k]; !ok {
			t.Fatalf("missing key %q in %s", k, line)
		}
	}
	if v := top["version"]; v != json.Number(strconv.Itoa(ProtocolVersion)) {
		t.Fatalf("version %v, want %d: %s", v, ProtocolVersion, line)
	}
	want := 6
	if hp, ok := top["heap_profile"]; ok {
		if s, _ := hp.(string); s == "" {
			t.Fatalf("heap_profile is not a file name: %s", line)
		}
		want++
	}
	if len(top) != want {
		t.Fatalf("want %d top-level keys, got %d: %s", want, len(top), line)
	}
	goStats, ok := top["go"].(map[string]interface{})
	if !ok {
		t.Fatalf("go is not an object: %s", line)
	}
	for _, k := range goKeys {
		n, ok := goStats[k].(json.Number)
		if !ok {
			t.Fatalf("go.%s missing or not a number: %s", k, line)
		}
		if _, err := n.Int64(); err != nil {
			t.Fatalf("go.%s = %s is not an integer", k, n)
		}
	}
	if len(goStats) != len(goKeys) {
		t.Fatalf("want %d go keys, got %d", len(goKeys), len(goStats))
	}
	ms, ok := top["metrics"].(map[string]interface{})
	if !ok {
		t.Fatalf("metrics is not an object: %s", line)
	}
	for _, k := range []string{"/memory/classes/heap/objects:bytes", "/gc/heap/goal:bytes"} {
		n, ok := ms[k].(json.Number)
		if !ok {
			t.Fatalf("metric %s missing: %s", k, line)
		}
		if strings.ContainsAny(string(n), ".eE") {
			t.Fatalf("uint64 metric %s not written as an integer: %s", k, n)
		}
	}
	for k := range ms {
		if !strings.HasPrefix(k, "/memory/classes/") && !strings.HasPrefix(k, "/gc/") && !strings.HasPrefix(k, "/cpu/classes/") {
			t.Fatalf("unexpected metric %s", k)
		}
	}
	// The CPU classes exist since Go 1.20: where the runtime has them, the
	// line carries them.
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/cpu/classes/") {
			if _, ok := ms[d.Name]; !ok {
				t.Fatalf("metric %s missing: %s", d.Name, line)
			}
		}
	}
	seq, err := top["seq"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("seq: %v", err)
	}
	phase, _ := top["phase"].(string)
	return phase, seq
}

func TestSnapshotLine(t *testing.T) {
	r := newRecorder()
	for want := int64(1); want <= 2; want++ {
		line, err := r.snapshot("allocated")
		if err != nil {
			t.Fatal(err)
		}
		full := r.buf.String()
		if !strings.HasPrefix(full, handPrefix+"{") || !strings.HasSuffix(full, "}\n") {
			t.Fatalf("bad by-hand line %q", full)
		}
		if bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("want exactly one newline in %q", line)
		}
		phase, seq := checkLine(t, line)
		if phase != "allocated" || seq != want {
			t.Fatalf("got phase %q seq %d, want allocated %d", phase, seq, want)
		}
	}
}

func TestExchangeOverPipes(t *testing.T) {
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	defer outW.Close()
	defer inR.Close()

	// The fake harness: read one line, answer it, then hang up.
	done := make(chan string)
	go func() {
		line, _ := bufio.NewReader(outR).ReadString('\n')
		inW.Write([]byte("ok\n"))
		inW.Close()
		done <- line
	}()

	r := newRecorder()
	line, err := r.snapshot("start")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.exchange(outW, inR, line); err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if got := <-done; got != string(line) {
		t.Fatalf("harness got %q, want %q", got, line)
	}
	// The harness has hung up: the next exchange must fail.
	go func() { bufio.NewReader(outR).ReadString('\n') }()
	if err := r.exchange(outW, inR, line); err == nil {
		t.Fatal("exchange after hang-up: want an error")
	}
}

// TestChildProcess is not a test on its own: it is the fixture when this test
// binary is re-run by the tests below.
func TestChildProcess(t *testing.T) {
	if os.Getenv("GOMEMLAB_PROBE_TEST_CHILD") != "1" {
		t.Skip("helper for the subprocess tests")
	}
	Phase("one")
	Phase("two")
	os.Exit(0)
}

func childCmd() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "GOMEMLAB_PROBE_TEST_CHILD=1")
	return cmd
}

func TestPhaseByHand(t *testing.T) {
	cmd := childCmd()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var lines []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(l, handPrefix) {
			lines = append(lines, strings.TrimPrefix(l, handPrefix))
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 probe lines, got %d:\n%s", len(lines), stderr.String())
	}
	for i, want := range []string{"one", "two"} {
		phase, seq := checkLine(t, []byte(lines[i]))
		if phase != want || seq != int64(i+1) {
			t.Fatalf("line %d: got %q seq %d", i, phase, seq)
		}
	}
}

// runHarnessed runs the child with fds 3 (lines out) and 4 (answers in) and
// answers at most `answers` lines before hanging up. It returns the lines and
// the child's exit code.
func runHarnessed(t *testing.T, answers int) ([]string, int) {
	t.Helper()
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := childCmd()
	cmd.Env = append(cmd.Env, FdsEnv+"=3,4")
	cmd.ExtraFiles = []*os.File{outW, inR} // become fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	inR.Close()

	var lines []string
	br := bufio.NewReader(outR)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			break
		}
		lines = append(lines, line)
		if len(lines) > answers {
			inW.Close()
			continue
		}
		inW.Write([]byte("\n"))
	}
	inW.Close()
	outR.Close()

	code := 0
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("wait: %v", err)
		}
		code = ee.ExitCode()
	}
	if strings.Contains(stderr.String(), handPrefix+"{") {
		t.Fatalf("harness mode wrote lines to stderr:\n%s", stderr.String())
	}
	return lines, code
}

func TestPhaseUnderHarness(t *testing.T) {
	lines, code := runHarnessed(t, 2)
	if code != 0 {
		t.Fatalf("child exit code %d, want 0", code)
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d", len(lines))
	}
	for i, want := range []string{"one", "two"} {
		phase, seq := checkLine(t, []byte(lines[i]))
		if phase != want || seq != int64(i+1) {
			t.Fatalf("line %d: got %q seq %d", i, phase, seq)
		}
	}
}

func TestPhaseHarnessGone(t *testing.T) {
	lines, code := runHarnessed(t, 0)
	if code != 3 {
		t.Fatalf("child exit code %d, want 3", code)
	}
	if len(lines) != 1 {
		t.Fatalf("want 1 line before the hang-up, got %d", len(lines))
	}
}

func TestHeapConfig(t *testing.T) {
	off, err := parseHeapConfig("", "", false)
	if err != nil || off.enabled() || off.path(1, "start") != "" {
		t.Fatalf("unset: got %+v, %v", off, err)
	}
	c, err := parseHeapConfig(" allocated, ,freed", "/tmp/x", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.path(2, "allocated"); got != "/tmp/x/002-allocated.pb.gz" {
		t.Fatalf("path: %q", got)
	}
	if got := c.path(3, "collected"); got != "" {
		t.Fatalf("collected is not asked for, got %q", got)
	}
	all, err := parseHeapConfig("all", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := all.path(12, "a b/c"); got != "012-a_b_c.pb.gz" {
		t.Fatalf("all, odd name: %q", got)
	}
	if _, err := parseHeapConfig("all", "", false); err == nil || !strings.Contains(err.Error(), HeapProfileTag) {
		t.Fatalf("without the tag: want an error naming it, got %v", err)
	}
}

// TestPhaseWritesHeapProfile runs the child by hand with phase "two"
// profiled: with the build tag the file is there, whole, and named in the
// line; without it the child refuses with status 3.
func TestPhaseWritesHeapProfile(t *testing.T) {
	dir := t.TempDir()
	cmd := childCmd()
	cmd.Env = append(cmd.Env, HeapProfileEnv+"=two", HeapProfileDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if !heapProfiling {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(stderr.String(), HeapProfileTag) {
			t.Fatalf("want exit 3 naming the tag, got %v:\n%s", err, stderr.String())
		}
		return
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var lines []map[string]interface{}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(l, handPrefix) {
			checkLine(t, []byte(strings.TrimPrefix(l, handPrefix)))
			var top map[string]interface{}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, handPrefix)), &top); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, top)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 probe lines:\n%s", stderr.String())
	}
	if _, ok := lines[0]["heap_profile"]; ok {
		t.Fatalf("phase one is not profiled: %v", lines[0])
	}
	want := filepath.Join(dir, "002-two.pb.gz")
	if lines[1]["heap_profile"] != want {
		t.Fatalf("heap_profile = %v, want %s", lines[1]["heap_profile"], want)
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 20 || data[0] != 0x1f || data[1] != 0x8b {
		t.Fatalf("not a gzip file (%d bytes)", len(data))
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("want only the profile in %s, got %v (%v)", dir, entries, err)
	}
}
