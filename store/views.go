package store

import (
	"cmp"
	"context"
	"database/sql"
	"strings"

	"github.com/webrana/webrana"
)

// The list views: pages as the panel and the API show them, each read with
// one query however long the page — the names a row shows come by joins,
// never by a query per row or by loading whole tables.

// InstanceRow is an instance with the names it is shown with: its
// provider's, its plan's and its account's ("" when there is none).
type InstanceRow struct {
	*webrana.Instance
	ProviderName string
	PlanName     string
	AccountName  string
}

const instanceRowFrom = ` FROM instances i
	LEFT JOIN providers p ON p.type = i.provider_type
	LEFT JOIN plans pl ON pl.id = i.plan_id
	LEFT JOIN accounts a ON a.id = i.account_id`

func instanceRowColumns() string {
	return qualified("i", instanceColumns) + `, COALESCE(p.name, ''), COALESCE(pl.name, ''), COALESCE(a.name, '')`
}

func scanInstanceRow(s scanner) (*InstanceRow, error) {
	row := &InstanceRow{}
	in, err := scanInstance(also{s, []any{&row.ProviderName, &row.PlanName, &row.AccountName}})
	row.Instance = in
	return row, err
}

// InstanceRowByID returns an instance with its names.
func (db *DB) InstanceRowByID(ctx context.Context, id string) (*InstanceRow, error) {
	row, err := scanInstanceRow(db.conn().row(ctx, `SELECT `+instanceRowColumns()+instanceRowFrom+` WHERE i.id = ?`, id))
	return row, notFound(err, "Server")
}

// InstanceRowWithOwner returns an instance with its names and its owner, in
// one query: what a message about the server to its owner says.
func (db *DB) InstanceRowWithOwner(ctx context.Context, id string) (*InstanceRow, *webrana.User, error) {
	row, owner, err := scanBoth(db.conn().row(ctx, instanceRowsWithOwner+` WHERE i.id = ?`, id), scanInstanceRow, scanUser)
	return row, owner, notFound(err, "Server")
}

// instanceRowsWithOwner selects instances with their names and owners; the
// queries add their conditions.
var instanceRowsWithOwner = `SELECT ` + instanceRowColumns() + `, ` + qualified("u", userColumns) + instanceRowFrom + `
	JOIN users u ON u.id = i.owner_id`

// RowWithOwner is an instance with its names and its owner.
type RowWithOwner struct {
	Row   *InstanceRow
	Owner *webrana.User
}

// InstanceRowsWithOwner is InstanceRowWithOwner for several instances, in
// one query, by instance id; an instance missing is missing from the map.
func (db *DB) InstanceRowsWithOwner(ctx context.Context, ids []string) (map[string]RowWithOwner, error) {
	out := make(map[string]RowWithOwner, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	scan := func(s scanner) (RowWithOwner, error) {
		row, owner, err := scanBoth(s, scanInstanceRow, scanUser)
		return RowWithOwner{Row: row, Owner: owner}, err
	}
	rows, err := list(ctx, db.conn(), scan, instanceRowsWithOwner+` WHERE i.id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	for _, r := range rows {
		out[r.Row.ID] = r
	}
	return out, err
}

// ListInstanceRows is ListInstances with each instance's names. Its total
// is estimated when f allows it (see webrana.InstanceFilter.Estimate and
// DB.EstimateFrom).
func (db *DB) ListInstanceRows(ctx context.Context, f webrana.InstanceFilter) ([]*InstanceRow, Total, error) {
	return listInstances(ctx, db.conn(), f, cmp.Or(db.EstimateFrom, DefaultEstimateFrom),
		`SELECT `+instanceRowColumns()+instanceRowFrom, scanInstanceRow)
}

// AttemptRow is an order's attempt with its account's name ("" when the
// account is gone).
type AttemptRow struct {
	*webrana.Attempt
	AccountName string
}

// ListAttemptRows is ListAttempts with each attempt's account name.
func (db *DB) ListAttemptRows(ctx context.Context, orderID string) ([]*AttemptRow, error) {
	scan := func(s scanner) (*AttemptRow, error) {
		row := &AttemptRow{}
		a, err := scanAttempt(also{s, []any{&row.AccountName}})
		row.Attempt = a
		return row, err
	}
	return list(ctx, db.conn(), scan, `SELECT `+qualified("t", attemptColumns)+`, COALESCE(a.name, '')
		FROM order_attempts t LEFT JOIN accounts a ON a.id = t.account_id
		WHERE t.order_id = ? ORDER BY t.started_at, t.id`, orderID)
}

// LedgerRow is a ledger entry with the label of the server it names, when
// that server is the entry's customer's and still on record ("" else).
type LedgerRow struct {
	*webrana.LedgerEntry
	ServerLabel string
}

// ListLedgerRows is ListLedger with each entry's server label: the billing
// page.
func (db *DB) ListLedgerRows(ctx context.Context, userID string, p webrana.Page) ([]*LedgerRow, int, error) {
	scan := func(s scanner) (*LedgerRow, error) {
		row := &LedgerRow{}
		e, err := scanLedger(also{s, []any{&row.ServerLabel}})
		row.LedgerEntry = e
		return row, err
	}
	return listPage(ctx, db.conn(), scan, `SELECT `+qualified("e", ledgerColumns)+`, COALESCE(i.label, '')
		FROM ledger_entries e LEFT JOIN instances i ON i.id = e.instance_id AND i.owner_id = e.user_id
		WHERE e.user_id = ? ORDER BY e.created_at DESC, e.id DESC`,
		`SELECT COUNT(*) FROM ledger_entries WHERE user_id = ?`, []any{userID}, p)
}

// TopUpRow is a top-up with its customer's e-mail: the operators'
// Payments page and list.
type TopUpRow struct {
	*webrana.TopUp
	Email string
}

// ListTopUpRows is every customer's top-ups, newest first, each with the
// customer's e-mail, in one query.
func (db *DB) ListTopUpRows(ctx context.Context, p webrana.Page) ([]*TopUpRow, int, error) {
	scan := func(s scanner) (*TopUpRow, error) {
		row := &TopUpRow{}
		t, err := scanTopUp(also{s, []any{&row.Email}})
		row.TopUp = t
		return row, err
	}
	return listPage(ctx, db.conn(), scan, `SELECT `+qualified("t", topUpColumns)+`, u.email
		FROM top_ups t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id DESC`,
		`SELECT COUNT(*) FROM top_ups`, nil, p)
}

// UserBalance is a user as the operator's list shows them: with their
// balance when they are a customer (administrators have none).
type UserBalance struct {
	*webrana.User
	Balance *webrana.Money
}

// ListUserBalances is ListUsers with each customer's balance in currency:
// the customers page.
func (db *DB) ListUserBalances(ctx context.Context, f UserFilter, currency string) ([]*UserBalance, int, error) {
	where, args := whereClause{}.eq("role", string(f.Role)).build()
	scan := func(s scanner) (*UserBalance, error) {
		var balance sql.NullInt64
		u, err := scanUser(also{s, []any{&balance}})
		row := &UserBalance{User: u}
		if balance.Valid {
			row.Balance = &webrana.Money{Amount: balance.Int64, Currency: currency}
		}
		return row, err
	}
	// The balance is summed per row of the page, through the ledger's
	// user index, rather than over every customer's entries.
	query := `SELECT ` + userColumns + `, CASE WHEN role = ? THEN
			(SELECT COALESCE(SUM(amount), 0) FROM ledger_entries l WHERE l.user_id = users.id AND l.currency = ?) END
		FROM users` + where + ` ORDER BY created_at, id`
	c, p := db.conn(), f.Page.Normalize()
	items, err := list(ctx, c, scan, query+limitOffset(p.PerPage, p.Offset()),
		append([]any{webrana.RoleCustomer, currency}, args...)...)
	if err != nil {
		return nil, 0, err
	}
	total, err := c.count(ctx, `SELECT COUNT(*) FROM users`+where, args...)
	return items, total, err
}

// FindingRow is a finding with its account's name and provider ("" when
// the account is gone).
type FindingRow struct {
	*webrana.Finding
	AccountName  string
	ProviderType webrana.ProviderType
}

// ListFindingRows is ListFindings with each finding's account: the
// reconciliation page.
func (db *DB) ListFindingRows(ctx context.Context, openOnly bool, p webrana.Page) ([]*FindingRow, int, error) {
	where, args := whereClause{}.cond(openOnly, "f.status = ?", webrana.FindingOpen).build()
	scan := func(s scanner) (*FindingRow, error) {
		row := &FindingRow{}
		f, err := scanFinding(also{s, []any{&row.AccountName, &row.ProviderType}})
		row.Finding = f
		return row, err
	}
	return listPage(ctx, db.conn(), scan, `SELECT `+qualified("f", findingColumns)+`, COALESCE(a.name, ''), COALESCE(a.provider_type, '')
		FROM reconciliation_findings f LEFT JOIN accounts a ON a.id = f.account_id`+where+
		` ORDER BY f.found_at DESC, f.id DESC`, `SELECT COUNT(*) FROM reconciliation_findings f`+where, args, p)
}

// also scans a row of a type's columns followed by more: a view's names.
type also struct {
	s     scanner
	extra []any
}

func (a also) Scan(dest ...any) error { return a.s.Scan(append(dest, a.extra...)...) }

// scanFunc is a function as a scanner: a scan of more columns than one
// scan function knows (scanBoth).
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// scanBoth scans a row of two things' columns, one's (scanned by first)
// followed by the other's (by second): a row of a join. Each scan function
// keeps its own locals and post-processing.
func scanBoth[A, B any](s scanner, first func(scanner) (A, error), second func(scanner) (B, error)) (A, B, error) {
	var b B
	a, err := first(scanFunc(func(dest ...any) error {
		var err error
		b, err = second(scanFunc(func(more ...any) error { return s.Scan(append(dest, more...)...) }))
		return err
	}))
	return a, b, err
}

// qualified prefixes each of a column list's names with a table alias.
func qualified(alias, columns string) string {
	names := strings.Split(columns, ",")
	for i, n := range names {
		names[i] = alias + "." + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}
