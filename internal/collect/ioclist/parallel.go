package ioclist

import (
	"io"
	"runtime"
	"sync"
)

// recordSource is a list whose records can be screened away from the
// goroutine that reads them: reading (decompression, CSV syntax) is
// sequential, screening every value through the ioc engine is most of
// the work and independent per record.
type recordSource interface {
	record() (rec []string, line int, err error) // io.EOF at the end
	screenRecord(r *Row, rec []string, line int)
}

// screenBlock is how many records travel together between goroutines:
// enough that channel hand-offs cost nothing next to the screening.
const screenBlock = 512

type recordBlock struct {
	seq   int
	recs  [][]string
	lines []int
	rows  []Row
	err   error // after the records (a syntax error, say); ends the input
}

// collectScreened is collect for a recordSource: one goroutine reads
// blocks of records, GOMAXPROCS workers screen them, and the rows are
// added to the batch in input order, so the batch, its rejection samples
// and a strict run's first error are the same as collect's. Rows reach
// the builder's emit while later blocks are still being screened.
func collectScreened(src recordSource, bd *builder) error {
	workers := runtime.GOMAXPROCS(0)
	done := make(chan struct{})
	todo := make(chan *recordBlock, workers)
	screened := make(chan *recordBlock, workers)
	// On an early return (a strict reject) the reader must have stopped
	// before the caller closes the input: it checks done per record, and
	// the return waits for it.
	var reading sync.WaitGroup
	defer func() {
		close(done)
		reading.Wait()
	}()
	reading.Add(1)
	go func() {
		defer reading.Done()
		defer close(todo)
		for seq := 0; ; seq++ {
			b := &recordBlock{seq: seq}
			for len(b.recs) < screenBlock {
				select {
				case <-done:
					return
				default:
				}
				rec, line, err := src.record()
				if err != nil {
					if err != io.EOF {
						b.err = err
					}
					break
				}
				b.recs, b.lines = append(b.recs, rec), append(b.lines, line)
			}
			last := len(b.recs) < screenBlock
			select {
			case todo <- b:
			case <-done:
				return
			}
			if last {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range todo {
				b.rows = make([]Row, len(b.recs))
				for i, rec := range b.recs {
					src.screenRecord(&b.rows[i], rec, b.lines[i])
				}
				b.recs = nil
				select {
				case screened <- b:
				case <-done:
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(screened)
	}()

	pending := map[int]*recordBlock{}
	next := 0
	for b := range screened {
		pending[b.seq] = b
		for b := pending[next]; b != nil; b = pending[next] {
			delete(pending, next)
			next++
			for i := range b.rows {
				if err := bd.add(&b.rows[i]); err != nil {
					return err
				}
			}
			if b.err != nil {
				return b.err
			}
		}
	}
	return nil
}
