package store_test

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"sync/atomic"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

var fuzzUsers atomic.Int64

// FuzzLedgerBalance appends up to 32 arbitrary entries (9 bytes each: a
// kind, then an amount) to a new customer's ledger on a real SQLite store,
// from a balance of 0 to 100 credits of MaxAmount (the first byte; written
// in one statement, so that MaxBalance is in reach), and checks them
// against a model in big.Int: an entry is written exactly when its sign
// fits its kind, it moves at most MaxAmount, and, for a credit, the balance
// stays at most MaxBalance; every refusal is a 400 on its field; and the
// store's balance is the model's sum, exactly.
func FuzzLedgerBalance(f *testing.F) {
	db := storetest.OpenSQLite(f)
	kinds := []string{webrana.LedgerCredit, webrana.LedgerRefund, webrana.LedgerRelease, webrana.LedgerCharge, webrana.LedgerHold}
	f.Fuzz(func(t *testing.T, ops []byte) {
		u := &webrana.User{Email: fmt.Sprintf("fuzz%d@example.com", fuzzUsers.Add(1)), Role: webrana.RoleCustomer, PasswordHash: "x"}
		if err := db.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		model := new(big.Int)
		if len(ops) > 0 {
			n := int64(ops[0]) % (webrana.MaxBalance/webrana.MaxAmount + 1)
			startingCredits(t, db, u.ID, n)
			model.SetInt64(n * webrana.MaxAmount)
			ops = ops[1:]
		}
		for i := 0; i+9 <= len(ops) && i < 9*32; i += 9 {
			kind, amount := kinds[int(ops[i])%len(kinds)], int64(binary.BigEndian.Uint64(ops[i+1:i+9]))
			want, field := accepts(kind, amount, model)
			written, err := db.AppendLedger(t.Context(), &webrana.LedgerEntry{UserID: u.ID, Kind: kind, Amount: amount, Currency: "USD"})
			switch {
			case want && (err != nil || !written):
				t.Fatalf("%s of %d on a balance of %s: written %v, %v; want written", kind, amount, model, written, err)
			case !want && (written || webrana.ErrorCode(err) != webrana.EINVALID || webrana.ErrorField(err) != field):
				t.Fatalf("%s of %d on a balance of %s: written %v, %v; want refused on %s", kind, amount, model, written, err, field)
			}
			if want {
				model.Add(model, big.NewInt(amount))
			}
		}
		got, err := db.Balance(t.Context(), u.ID, "USD")
		if err != nil || !model.IsInt64() || got.Amount != model.Int64() {
			t.Fatalf("balance %d, %v; the model says %s", got.Amount, err, model)
		}
	})
}

// startingCredits writes n credits of MaxAmount for a customer in one
// statement: entries the ledger takes, without a transaction each.
func startingCredits(t *testing.T, db *store.DB, userID string, n int64) {
	t.Helper()
	if n == 0 {
		return
	}
	q := `INSERT INTO ledger_entries (id, user_id, kind, amount, currency, note, created_at) VALUES `
	var args []any
	for i := range n {
		if i > 0 {
			q += ", "
		}
		q += "(?, ?, ?, ?, ?, '', ?)"
		args = append(args, fmt.Sprintf("%s-start-%d", userID, i), userID, webrana.LedgerCredit, webrana.MaxAmount, "USD", webrana.Now())
	}
	if _, err := db.SQL().ExecContext(t.Context(), q, args...); err != nil {
		t.Fatal(err)
	}
}

// accepts is the ledger's rule, in big.Int: whether an entry is written on
// a balance, and else the field it is refused on.
func accepts(kind string, amount int64, balance *big.Int) (bool, string) {
	in := kind == webrana.LedgerCredit || kind == webrana.LedgerRefund || kind == webrana.LedgerRelease
	switch {
	case in && amount <= 0, !in && amount >= 0:
		return false, "amount"
	case amount > webrana.MaxAmount || amount < -webrana.MaxAmount:
		return false, "amount"
	case kind == webrana.LedgerCredit && new(big.Int).Add(balance, big.NewInt(amount)).Cmp(big.NewInt(webrana.MaxBalance)) > 0:
		return false, "amount"
	}
	return true, ""
}
