// Command spikes is the fast tier's benchmark: short memory spikes a sampler
// either sees or misses. After a lead time at baseline it maps -size bytes of
// anonymous memory, touches every page (so all of it is resident), holds it
// -hold, unmaps it (RSS drops at once), and repeats every -every, -count
// times. The memory is mmap'd directly, not from the Go heap, so each spike
// starts and ends exactly when the fixture says and the GC plays no part.
//
// Phases: start (before the first spike) and done (after the last; its peak
// is the highest RSS of all spikes). At exit it prints its own VmHWM, its CPU
// time and each spike's true height (its RSS with the spike fully resident,
// read from /proc/self/statm at the top of the spike) and each spike's span
// (from its mmap to its munmap, in ms after leaving phase start) on stdout,
// for samplers that do not read the peak themselves:
//
//	spikes: vmhwm_kib=163900 cpu_ns=412000000 heights_kib=163880,163884 spans_ms=300.104-312.552,600.087-611.873
//
// and, with -report FILE, the same line into FILE (a harness that keeps the
// fixture's stdout to itself).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"gomemlab.dev/probe"
)

// pageSize is the stride used to touch memory: one write per 4 KiB page.
const pageSize = 4096

func main() {
	count := flag.Int("count", 10, "number of spikes")
	size := flag.Int("size", 150<<20, "size of each spike in bytes")
	hold := flag.Duration("hold", 10*time.Millisecond, "how long each spike stays fully resident")
	every := flag.Duration("every", 300*time.Millisecond, "time from one spike's start to the next one's")
	lead := flag.Duration("lead", 300*time.Millisecond, "time at baseline before the first spike (and after the last)")
	report := flag.String("report", "", "also write the summary line into this file")
	flag.Parse()
	if *count < 0 || *size <= 0 || *hold < 0 || *every <= 0 || *lead < 0 {
		fmt.Fprintln(os.Stderr, "spikes: -count must not be negative; -size and -every must be positive")
		os.Exit(2)
	}

	probe.Phase("start")
	begin := time.Now()
	time.Sleep(*lead)
	next := time.Now()
	heights := make([]string, 0, *count)
	spans := make([]string, 0, *count)
	ms := func() float64 { return float64(time.Since(begin).Microseconds()) / 1000 }
	for i := 0; i < *count; i++ {
		time.Sleep(time.Until(next))
		from := ms()
		heights = append(heights, fmt.Sprint(spike(*size, *hold)))
		spans = append(spans, fmt.Sprintf("%.3f-%.3f", from, ms()))
		next = next.Add(*every)
	}
	time.Sleep(*lead)
	probe.Phase("done")
	line := fmt.Sprintf("spikes: vmhwm_kib=%d cpu_ns=%d heights_kib=%s spans_ms=%s\n", vmHWM(), cpuNs(), strings.Join(heights, ","), strings.Join(spans, ","))
	fmt.Print(line)
	if *report != "" {
		if err := os.WriteFile(*report, []byte(line), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "spikes: %v\n", err)
			os.Exit(1)
		}
	}
}

// spike maps size bytes, makes every page resident, holds them, unmaps them;
// it returns the process's RSS in KiB while the spike was resident.
func spike(size int, hold time.Duration) int64 {
	// MAP_POPULATE: the kernel makes the pages resident inside the call,
	// several times faster than one fault per page from here, so a spike
	// rises in a few ms even on a busy machine.
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_POPULATE)
	if err != nil {
		fmt.Fprintf(os.Stderr, "spikes: mmap %d bytes: %v\n", size, err)
		os.Exit(1)
	}
	for i := 0; i < len(mem); i += pageSize {
		mem[i] = 1
	}
	height := rssKiB()
	time.Sleep(hold)
	if err := syscall.Munmap(mem); err != nil {
		fmt.Fprintf(os.Stderr, "spikes: munmap: %v\n", err)
		os.Exit(1)
	}
	return height
}

// rssKiB is the process's RSS in KiB, from /proc/self/statm (-1 if unread).
func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	var size, resident int64
	if _, err := fmt.Sscanf(string(b), "%d %d", &size, &resident); err != nil {
		return -1
	}
	return resident * int64(os.Getpagesize()) / 1024
}

// vmHWM is the process's peak RSS in KiB, from /proc/self/status.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// HasPrefix + TrimPrefix, not strings.CutPrefix: that is go1.20+.
		if line := s.Text(); strings.HasPrefix(line, "VmHWM:") {
			var kib int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kib)
			return kib
		}
	}
	return -1
}

// cpuNs is the CPU time (user + system) this process has used.
func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
