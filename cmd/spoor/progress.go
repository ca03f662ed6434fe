package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar on a terminal and stays silent
// otherwise (pipes, CI logs, tests).
type progress struct {
	w     io.Writer
	label string
	on    bool
	last  time.Time
	start time.Time // first update, for the rate of work of unknown size
}

func newProgress(w io.Writer, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, on: ok && term.IsTerminal(int(f.Fd()))}
}

// update redraws at most ten times a second, and always at the end. A
// total of 0 is work of unknown size (a streamed list): the line shows
// the count and the rate instead of a bar, and end closes it.
func (p *progress) update(done, total int) {
	if !p.on {
		return
	}
	if total <= 0 {
		now := time.Now()
		if p.start.IsZero() {
			p.start = now
		}
		msg := fmt.Sprintf("%d rows", done)
		if secs := now.Sub(p.start).Seconds(); secs >= 1 {
			msg += fmt.Sprintf(" (%.0f rows/s)", float64(done)/secs)
		}
		p.status(msg)
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	filled := width * done / total
	bar := make([]byte, width)
	for i := range bar {
		if i < filled {
			bar[i] = '#'
		} else {
			bar[i] = '.'
		}
	}
	fmt.Fprintf(p.w, "\r%s [%s] %d/%d (%d%%)", p.label, bar, done, total, 100*done/total)
	if done >= total {
		fmt.Fprintln(p.w)
		p.last = time.Time{} // the line is closed: end has nothing to do
	}
}

// note prints a status line on a terminal.
func (p *progress) note(msg string) {
	if p.on {
		fmt.Fprintf(p.w, "%s: %s\n", p.label, msg)
	}
}

// status redraws a line of counts for work of unknown size (a crawl), at
// most ten times a second; end closes the line.
func (p *progress) status(msg string) {
	if !p.on {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		fmt.Fprintf(p.w, "\r\033[K%s: %s", p.label, msg)
	}
}

func (p *progress) end() {
	if p.on && !p.last.IsZero() {
		fmt.Fprintln(p.w)
	}
}
