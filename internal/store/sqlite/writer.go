package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// maxBatch bounds how many callers share one transaction; past a few hundred
// the commit latency of the first caller grows with no gain in throughput.
const maxBatch = 512

// errWriterClosed is returned for writes submitted after Close.
var errWriterClosed = errors.New("database is closing")

// writeFunc runs inside the batch transaction. It returns an error only for
// a database failure; business outcomes (a row not found) travel in the
// caller's own variables, so that one caller's miss does not abort its
// neighbours' writes.
type writeFunc func(tx *txn) error

type writeOp struct {
	fn   writeFunc
	done chan error
}

// writer owns the single write connection. Callers hand it functions; it
// runs all that are waiting in one transaction and one fsync (group
// commit), then answers each caller. This is how durable writes reach tens
// of thousands per second where one transaction per write would give a few
// thousand: the fsync, not the insert, is the cost.
type writer struct {
	db    *sql.DB
	ops   chan *writeOp
	stmts map[string]*sql.Stmt // prepared once, used only by the writer goroutine
	// missing holds queries first seen inside a transaction; they are
	// prepared after it ends, because the one connection is busy until then.
	missing []string
	wg      sync.WaitGroup
	mu      sync.RWMutex
	done    bool
	pool    sync.Pool
}

// txn is a transaction with cached prepared statements.
type txn struct {
	tx *sql.Tx
	w  *writer
}

// exec runs a statement prepared once per process.
func (t *txn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.w.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// query runs a prepared statement that returns rows (UPDATE … RETURNING).
func (t *txn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.w.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func startWriter(db *sql.DB) *writer {
	w := &writer{db: db, ops: make(chan *writeOp, maxBatch*4), stmts: map[string]*sql.Stmt{}}
	w.pool.New = func() any { return &writeOp{done: make(chan error, 1)} }
	w.wg.Add(1)
	go w.loop()
	return w
}

// cached returns the prepared statement for query, or nil and notes the
// query to be prepared once the current transaction has ended.
func (w *writer) cached(query string) *sql.Stmt {
	if st, ok := w.stmts[query]; ok {
		return st
	}
	w.missing = append(w.missing, query)
	return nil
}

// prepareMissing prepares the queries first met in the last transaction.
// A failure only means the next use runs unprepared again.
func (w *writer) prepareMissing() {
	for _, q := range w.missing {
		if _, ok := w.stmts[q]; ok {
			continue
		}
		if st, err := w.db.Prepare(q); err == nil {
			w.stmts[q] = st
		}
	}
	w.missing = w.missing[:0]
}

// do submits fn and waits until the transaction that ran it has committed
// (or failed). Once submitted, the write is not abandoned when ctx ends: the
// caller learns the outcome, so that no write is half-known.
func (w *writer) do(fn writeFunc) error {
	w.mu.RLock()
	if w.done {
		w.mu.RUnlock()
		return errWriterClosed
	}
	op := w.pool.Get().(*writeOp)
	op.fn = fn
	w.ops <- op
	w.mu.RUnlock()
	err := <-op.done
	op.fn = nil
	w.pool.Put(op)
	return err
}

func (w *writer) stop() {
	w.mu.Lock()
	if !w.done {
		w.done = true
		close(w.ops)
	}
	w.mu.Unlock()
	w.wg.Wait()
	for _, st := range w.stmts {
		st.Close()
	}
}

func (w *writer) loop() {
	defer w.wg.Done()
	batch := make([]*writeOp, 0, maxBatch)
	for op := range w.ops {
		batch = append(batch[:0], op)
	drain:
		for len(batch) < maxBatch {
			select {
			case next, ok := <-w.ops:
				if !ok {
					break drain
				}
				batch = append(batch, next)
			default:
				break drain
			}
		}
		err := w.run(batch)
		if err != nil && len(batch) > 1 {
			// One caller's failure must not fail the others: run each alone.
			for _, op := range batch {
				op.done <- w.run([]*writeOp{op})
			}
			continue
		}
		for _, op := range batch {
			op.done <- err
		}
	}
}

// run executes the ops in one transaction and commits it.
func (w *writer) run(ops []*writeOp) (err error) {
	defer w.prepareMissing()
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &txn{tx: tx, w: w}
	for _, op := range ops {
		if err := op.fn(t); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
