package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
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
// neighbours' writes. It may run twice (see loop), so it must assign its
// outputs rather than append to them.
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
//
// It talks to the driver's connection directly rather than through
// database/sql: on this hot path database/sql's per-call locking, argument
// conversion and statement wrappers cost as much as SQLite's own work.
type writer struct {
	db    *sql.DB
	ops   chan *writeOp
	stmts map[string]driver.Stmt // prepared once, used only by the writer goroutine
	conn  driver.Conn
	wg    sync.WaitGroup
	mu    sync.RWMutex
	done  bool
	pool  sync.Pool
	ready chan error
}

// txn is the running batch transaction.
type txn struct {
	w *writer
}

// result is what an exec reports.
type result interface {
	RowsAffected() (int64, error)
}

// exec runs a statement prepared once per process.
func (t *txn) exec(ctx context.Context, query string, args ...any) (result, error) {
	st, err := t.w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.(driver.StmtExecContext).ExecContext(ctx, named(args))
}

// execOnce runs a statement that is not worth preparing (its text varies).
func (t *txn) execOnce(ctx context.Context, query string, args ...any) (result, error) {
	return t.w.conn.(driver.ExecerContext).ExecContext(ctx, query, named(args))
}

// query runs a prepared statement that returns rows (UPDATE … RETURNING).
func (t *txn) query(ctx context.Context, query string, args ...any) (*rows, error) {
	st, err := t.w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := st.(driver.StmtQueryContext).QueryContext(ctx, named(args))
	if err != nil {
		return nil, err
	}
	return &rows{r: r, vals: make([]driver.Value, len(r.Columns()))}, nil
}

// exists reports whether a query returns a row.
func (t *txn) exists(ctx context.Context, query string, args ...any) (bool, error) {
	rs, err := t.query(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rs.Close()
	if !rs.Next() {
		return false, rs.Err()
	}
	return true, nil
}

// rows is a small cursor over driver rows.
type rows struct {
	r    driver.Rows
	vals []driver.Value
	err  error
}

func (r *rows) Next() bool {
	if r.err != nil {
		return false
	}
	if err := r.r.Next(r.vals); err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = err
		}
		return false
	}
	return true
}

// Scan copies the current row into pointers to string, int, int64 or []byte.
func (r *rows) Scan(dest ...any) error {
	for i, d := range dest {
		v := r.vals[i]
		switch p := d.(type) {
		case *string:
			switch x := v.(type) {
			case string:
				*p = x
			case []byte:
				*p = string(x)
			case nil:
				*p = ""
			default:
				return fmt.Errorf("column %d: %T is not text", i, v)
			}
		case *int:
			x, ok := v.(int64)
			if !ok {
				return fmt.Errorf("column %d: %T is not an integer", i, v)
			}
			*p = int(x)
		case *int64:
			x, ok := v.(int64)
			if !ok {
				return fmt.Errorf("column %d: %T is not an integer", i, v)
			}
			*p = x
		case *[]byte:
			switch x := v.(type) {
			case []byte:
				*p = append([]byte(nil), x...)
			case string:
				*p = []byte(x)
			case nil:
				*p = nil
			default:
				return fmt.Errorf("column %d: %T is not a blob", i, v)
			}
		default:
			return fmt.Errorf("column %d: cannot scan into %T", i, d)
		}
	}
	return nil
}

func (r *rows) Err() error { return r.err }

func (r *rows) Close() error { return r.r.Close() }

// named converts arguments to the driver's form.
func named(args []any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: driverValue(a)}
	}
	return out
}

func driverValue(a any) driver.Value {
	switch v := a.(type) {
	case int:
		return int64(v)
	case sql.NullString:
		if !v.Valid {
			return nil
		}
		return v.String
	case bool:
		if v {
			return int64(1)
		}
		return int64(0)
	}
	return a
}

func startWriter(db *sql.DB) (*writer, error) {
	w := &writer{db: db, ops: make(chan *writeOp, maxBatch*4), stmts: map[string]driver.Stmt{}, ready: make(chan error, 1)}
	w.pool.New = func() any { return &writeOp{done: make(chan error, 1)} }
	w.wg.Add(1)
	go w.own()
	if err := <-w.ready; err != nil {
		w.wg.Wait()
		return nil, err
	}
	return w, nil
}

// own holds the driver connection for the writer's whole life.
func (w *writer) own() {
	defer w.wg.Done()
	conn, err := w.db.Conn(context.Background())
	if err != nil {
		w.ready <- err
		return
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		w.conn = dc.(driver.Conn)
		w.ready <- nil
		w.loop()
		for _, st := range w.stmts {
			st.Close()
		}
		return nil
	})
	if err != nil {
		select {
		case w.ready <- err:
		default:
		}
	}
}

func (w *writer) stmt(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
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
}

func (w *writer) loop() {
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
func (w *writer) run(ops []*writeOp) error {
	ctx := context.Background()
	tx, err := w.conn.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &txn{w: w}
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

// execOne runs one statement through the writer and returns none when it
// touched no row (the row is missing, or no longer in the state the
// statement requires).
func (s *Store) execOne(ctx context.Context, none error, query string, args ...any) error {
	var n int64
	err := s.writer.do(func(t *txn) error {
		res, err := t.exec(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}
