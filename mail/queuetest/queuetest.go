// Package queuetest is a stand-in for the outbox in the package tests of
// the services that queue mail: a Mailer that keeps what is queued and
// writes a row in the caller's transaction (an operator's setting named
// "queuetest:N"), so that a test sees only the messages whose transaction
// committed, as the outbox would keep them.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Recorder records queued messages. FailNext makes the next n QueueTx
// calls fail after recording (so their transaction rolls back).
type Recorder struct {
	db *store.DB

	mu       sync.Mutex
	queued   []mail.Message
	failNext int
}

// New returns a Recorder over db.
func New(db *store.DB) *Recorder { return &Recorder{db: db} }

// ErrRefused is what QueueTx returns while FailNext lasts.
var ErrRefused = errors.New("queuetest: queueing refused")

// FailNext makes the next n calls of QueueTx fail.
func (r *Recorder) FailNext(n int) { r.mu.Lock(); r.failNext = n; r.mu.Unlock() }

// QueueTx records m in tx.
func (r *Recorder) QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error {
	if tx == nil {
		return errors.New("queuetest: a message is queued in a transaction")
	}
	r.mu.Lock()
	r.queued = append(r.queued, m)
	n, fail := len(r.queued), r.failNext > 0
	if fail {
		r.failNext--
	}
	r.mu.Unlock()
	if err := tx.SetSetting(ctx, key(n), string(m.Kind)); err != nil {
		return err
	}
	if fail {
		return ErrRefused
	}
	return nil
}

func key(n int) string { return fmt.Sprintf("queuetest:%d", n) }

// Committed returns the messages whose transaction committed, in the
// order they were queued.
func (r *Recorder) Committed(tb testing.TB) []mail.Message {
	tb.Helper()
	r.mu.Lock()
	queued := append([]mail.Message(nil), r.queued...)
	r.mu.Unlock()
	var out []mail.Message
	for i, m := range queued {
		_, ok, err := r.db.Setting(context.Background(), key(i+1))
		if err != nil {
			tb.Fatal(err)
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// Of returns the committed messages of kind.
func (r *Recorder) Of(tb testing.TB, kind mail.Kind) []mail.Message {
	tb.Helper()
	var out []mail.Message
	for _, m := range r.Committed(tb) {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}
