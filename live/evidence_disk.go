package live

import (
	"os"
	"sync"
	"sync/atomic"
)

// The writer's queue: chunks of this size, at most maxChunks of them
// queued or being filled. 32 MiB is most of a second at 50 MB/s, more
// than the pauses a disk under write-back pressure imposes; chunks are
// made as needed and reused, so a quiet capture uses few.
const (
	chunkSize = 1 << 20
	maxChunks = 32
)

// diskWriter writes the evidence files in a goroutine of its own, so that
// a slow disk (dirty-page throttling, removing a big old file) does not
// stall the capture: the capture's goroutine copies packets into chunks
// and queues them. When every chunk is queued it waits for one (a stall,
// counted), and the kernel's capture buffer takes the packets meanwhile;
// evidence is never dropped, so the files stay what the pipeline saw.
type diskWriter struct {
	queue    chan diskOp
	free     chan []byte
	made     int
	done     chan struct{}
	stalls   atomic.Int64
	removed  atomic.Int64
	onRemove func(path string, err error)
}

type diskOpKind uint8

const (
	opWrite diskOpKind = iota
	opClose
	opRemove
)

// diskOp is one thing for the writer goroutine to do, in order.
type diskOp struct {
	kind  diskOpKind
	file  *diskFile
	chunk []byte
	frame int64  // opWrite: the frame whose bytes begin the chunk
	path  string // opRemove
}

// diskFile is a file being written: the capture's goroutine queues its
// bytes, the writer's goroutine writes them and records the first
// failure.
type diskFile struct {
	f    *os.File
	path string
	mu   sync.Mutex
	err  *WriteError
}

// failure returns the first write failure, nil if none.
func (df *diskFile) failure() *WriteError {
	df.mu.Lock()
	defer df.mu.Unlock()
	return df.err
}

func (df *diskFile) fail(frame int64, err error) {
	df.mu.Lock()
	defer df.mu.Unlock()
	if df.err == nil {
		df.err = &WriteError{Path: df.path, Frame: frame, Err: err}
	}
}

func newDiskWriter(onRemove func(string, error)) *diskWriter {
	w := &diskWriter{
		queue:    make(chan diskOp, maxChunks+8),
		free:     make(chan []byte, maxChunks),
		done:     make(chan struct{}),
		onRemove: onRemove,
	}
	go w.run()
	return w
}

func (w *diskWriter) run() {
	defer close(w.done)
	for op := range w.queue {
		switch op.kind {
		case opWrite:
			if op.file.failure() == nil {
				if _, err := op.file.f.Write(op.chunk); err != nil {
					op.file.fail(op.frame, err)
				}
			}
			w.free <- op.chunk[:0]
		case opClose:
			if err := op.file.f.Close(); err != nil {
				op.file.fail(0, err)
			}
		case opRemove:
			err := os.Remove(op.path)
			if err == nil {
				w.removed.Add(1)
			}
			if w.onRemove != nil {
				w.onRemove(op.path, err)
			}
		}
	}
}

// chunk returns an empty chunk: a free one, a new one while fewer than
// maxChunks exist, or, when all are queued, the first one the writer
// frees.
func (w *diskWriter) chunk() []byte {
	select {
	case c := <-w.free:
		return c
	default:
	}
	if w.made < maxChunks {
		w.made++
		return make([]byte, 0, chunkSize)
	}
	w.stalls.Add(1)
	return <-w.free
}

// stop writes everything queued and ends the goroutine.
func (w *diskWriter) stop() {
	close(w.queue)
	<-w.done
}

// chunkStream is the io.Writer of one file on the capture's side: bytes
// go into the current chunk, and a full chunk is queued. frame is the
// packet being written, so that a chunk that fails to reach the disk
// names the first packet it held.
type chunkStream struct {
	w     *diskWriter
	file  *diskFile
	cur   []byte
	first int64 // frame of the first byte in cur
	frame int64 // frame being written now
}

func (s *chunkStream) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if s.cur == nil {
			s.cur = s.w.chunk()
			s.first = s.frame
		}
		k := copy(s.cur[len(s.cur):cap(s.cur)], p)
		s.cur = s.cur[:len(s.cur)+k]
		p = p[k:]
		if len(s.cur) == cap(s.cur) {
			s.flush()
		}
	}
	return n, nil
}

// flush queues the current chunk, full or not.
func (s *chunkStream) flush() {
	if len(s.cur) == 0 {
		return
	}
	s.w.queue <- diskOp{kind: opWrite, file: s.file, chunk: s.cur, frame: s.first}
	s.cur = nil
}

// close queues what is left and the file's closing.
func (s *chunkStream) close() {
	s.flush()
	s.w.queue <- diskOp{kind: opClose, file: s.file}
}
