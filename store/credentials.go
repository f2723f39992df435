package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// Sessions and API tokens: only SHA-256 hashes of the tokens are stored, so a
// copy of the database lets no one sign in.

const sessionColumns = `id, user_id, token_hash, kind, csrf_token, source_addr, created_at, expires_at, last_seen_at`

func scanSession(s scanner) (*webrana.Session, error) {
	var x webrana.Session
	err := s.Scan(&x.ID, &x.UserID, &x.TokenHash, &x.Kind, &x.CSRFToken, &x.SourceAddr, &x.CreatedAt, &x.ExpiresAt, &x.LastSeenAt)
	if err != nil {
		return nil, err
	}
	x.CreatedAt, x.ExpiresAt, x.LastSeenAt = x.CreatedAt.UTC(), x.ExpiresAt.UTC(), x.LastSeenAt.UTC()
	return &x, nil
}

// CreateSession inserts s, setting its ID, CreatedAt and LastSeenAt.
func (db *DB) CreateSession(ctx context.Context, s *webrana.Session) error {
	return db.conn().createSession(ctx, s)
}

// CreateSession inserts s inside the transaction.
func (tx *Tx) CreateSession(ctx context.Context, s *webrana.Session) error {
	return tx.conn().createSession(ctx, s)
}

func (c conn) createSession(ctx context.Context, s *webrana.Session) error {
	s.ID = newID()
	s.CreatedAt = c.now()
	s.LastSeenAt = s.CreatedAt
	_, err := c.exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.TokenHash, s.Kind, s.CSRFToken, s.SourceAddr, s.CreatedAt, s.ExpiresAt, s.LastSeenAt)
	return constraintError(err, "Session token collision.", "User not found.")
}

// SessionByTokenHash returns the unexpired session with the given token hash.
func (db *DB) SessionByTokenHash(ctx context.Context, hash []byte) (*webrana.Session, error) {
	s, _, err := db.SessionWithUser(ctx, hash)
	return s, err
}

// SessionWithUser is SessionByTokenHash with the session's user, read in
// the same query: every signed-in request needs both, and one round trip
// to the database is one chance fewer to wait on it.
func (db *DB) SessionWithUser(ctx context.Context, hash []byte) (*webrana.Session, *webrana.User, error) {
	c := db.conn()
	s, u, err := scanBoth(c.row(ctx, sessionWithUserQuery, hash, c.now()), scanSession, scanUser)
	return s, u, notFound(err, "Session")
}

// The queries every signed-in request runs, built once rather than on each
// request (qualified splits and joins the column lists).
var (
	sessionWithUserQuery = `SELECT ` + qualified("s", sessionColumns) + `, ` + qualified("u", userColumns) + `
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`
	apiTokenWithUserQuery = `SELECT ` + qualified("t", apiTokenColumns) + `, ` + qualified("u", userColumns) + `
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`
)

// TouchSession records that the session was used now.
func (db *DB) TouchSession(ctx context.Context, id string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, c.now(), id)
	return mustAffect(res, err, "Session")
}

// DeleteSession removes a session (logout).
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.conn().deleteSession(ctx, id)
}

// DeleteSession removes a session inside the transaction.
func (tx *Tx) DeleteSession(ctx context.Context, id string) error {
	return tx.conn().deleteSession(ctx, id)
}

func (c conn) deleteSession(ctx context.Context, id string) error {
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return mustAffect(res, err, "Session")
}

// DeleteUserSessions removes every session of a user and returns how many.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	return db.conn().deleteUserSessions(ctx, userID)
}

// DeleteUserSessions removes every session of a user inside the transaction.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	return tx.conn().deleteUserSessions(ctx, userID)
}

func (c conn) deleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	c := db.conn()
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, c.now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

const apiTokenColumns = `id, user_id, name, token_hash, prefix, created_at, expires_at, last_used_at, revoked_at`

func scanAPIToken(s scanner) (*webrana.APIToken, error) {
	var t webrana.APIToken
	var expires, used, revoked sql.NullTime
	if err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Prefix, &t.CreatedAt, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = timePtr(expires), timePtr(used), timePtr(revoked)
	return &t, nil
}

// CreateAPIToken inserts t, setting its ID and CreatedAt. Names are unique
// among a user's live tokens.
func (db *DB) CreateAPIToken(ctx context.Context, t *webrana.APIToken) error {
	return db.conn().createAPIToken(ctx, t)
}

// CreateAPIToken inserts t inside the transaction.
func (tx *Tx) CreateAPIToken(ctx context.Context, t *webrana.APIToken) error {
	return tx.conn().createAPIToken(ctx, t)
}

func (c conn) createAPIToken(ctx context.Context, t *webrana.APIToken) error {
	t.ID = newID()
	t.CreatedAt = c.now()
	_, err := c.exec(ctx, `INSERT INTO api_tokens (`+apiTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
		t.ID, t.UserID, t.Name, t.TokenHash, t.Prefix, t.CreatedAt, nullTime(t.ExpiresAt))
	return constraintError(err, "You already have a token with this name.", "User not found.")
}

// APITokenByHash returns the live (unrevoked, unexpired) token with this hash.
func (db *DB) APITokenByHash(ctx context.Context, hash []byte) (*webrana.APIToken, error) {
	t, _, err := db.APITokenWithUser(ctx, hash)
	return t, err
}

// APITokenWithUser is APITokenByHash with the token's user, in one query
// (as SessionWithUser).
func (db *DB) APITokenWithUser(ctx context.Context, hash []byte) (*webrana.APIToken, *webrana.User, error) {
	c := db.conn()
	t, u, err := scanBoth(c.row(ctx, apiTokenWithUserQuery, hash, c.now()), scanAPIToken, scanUser)
	return t, u, notFound(err, "API token")
}

// ListAPITokens returns a user's tokens, newest first, revoked ones included.
func (db *DB) ListAPITokens(ctx context.Context, userID string) ([]*webrana.APIToken, error) {
	return list(ctx, db.conn(), scanAPIToken, `SELECT `+apiTokenColumns+` FROM api_tokens
		WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
}

// TouchAPIToken records that the token was used now.
func (db *DB) TouchAPIToken(ctx context.Context, id string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, c.now(), id)
	return mustAffect(res, err, "API token")
}

// RevokeAPIToken revokes the user's live token with the given id. Another
// user's token is reported not found.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id string) error {
	return db.conn().revokeAPIToken(ctx, userID, id)
}

// RevokeAPIToken revokes the user's token inside the transaction.
func (tx *Tx) RevokeAPIToken(ctx context.Context, userID, id string) error {
	return tx.conn().revokeAPIToken(ctx, userID, id)
}

func (c conn) revokeAPIToken(ctx context.Context, userID, id string) error {
	res, err := c.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
		c.now(), id, userID)
	return mustAffect(res, err, "API token")
}

const sshKeyColumns = `id, user_id, name, public_key, fingerprint_md5, fingerprint_sha256, created_at`

func scanSSHKey(s scanner) (*webrana.SSHKey, error) {
	var k webrana.SSHKey
	if err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.PublicKey, &k.FingerprintMD5, &k.FingerprintSHA256, &k.CreatedAt); err != nil {
		return nil, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	return &k, nil
}

// CreateSSHKey inserts k, setting its ID and CreatedAt. A user cannot add the
// same key twice.
func (db *DB) CreateSSHKey(ctx context.Context, k *webrana.SSHKey) error {
	c := db.conn()
	k.ID = newID()
	k.CreatedAt = c.now()
	_, err := c.exec(ctx, `INSERT INTO ssh_keys (`+sshKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.PublicKey, k.FingerprintMD5, k.FingerprintSHA256, k.CreatedAt)
	return constraintError(err, "You have already added this SSH key.", "User not found.")
}

// SSHKeyByID returns the user's key with the given id; another user's key is
// reported not found.
func (db *DB) SSHKeyByID(ctx context.Context, userID, id string) (*webrana.SSHKey, error) {
	k, err := scanSSHKey(db.conn().row(ctx, `SELECT `+sshKeyColumns+` FROM ssh_keys WHERE id = ? AND user_id = ?`, id, userID))
	return k, notFound(err, "SSH key")
}

// ListSSHKeys returns a user's keys, oldest first.
func (db *DB) ListSSHKeys(ctx context.Context, userID string) ([]*webrana.SSHKey, error) {
	return list(ctx, db.conn(), scanSSHKey, `SELECT `+sshKeyColumns+` FROM ssh_keys WHERE user_id = ? ORDER BY created_at, id`, userID)
}

// DeleteSSHKey removes the user's key with the given id.
func (db *DB) DeleteSSHKey(ctx context.Context, userID, id string) error {
	res, err := db.conn().exec(ctx, `DELETE FROM ssh_keys WHERE id = ? AND user_id = ?`, id, userID)
	return mustAffect(res, err, "SSH key")
}

const auditColumns = `id, actor_id, actor_email, action, target_type, target_id, detail, source_addr, created_at`

func scanAudit(s scanner) (*webrana.AuditEntry, error) {
	var e webrana.AuditEntry
	var actor sql.NullString
	if err := s.Scan(&e.ID, &actor, &e.ActorEmail, &e.Action, &e.TargetType, &e.TargetID, &e.Detail, &e.SourceAddr, &e.CreatedAt); err != nil {
		return nil, err
	}
	e.ActorID = actor.String
	e.CreatedAt = e.CreatedAt.UTC()
	return &e, nil
}

// AppendAudit records e, setting its ID and CreatedAt.
func (db *DB) AppendAudit(ctx context.Context, e *webrana.AuditEntry) error {
	return db.conn().appendAudit(ctx, e)
}

// AppendAudit records e inside the transaction, so the action and its record
// commit together.
func (tx *Tx) AppendAudit(ctx context.Context, e *webrana.AuditEntry) error {
	return tx.conn().appendAudit(ctx, e)
}

func (c conn) appendAudit(ctx context.Context, e *webrana.AuditEntry) error {
	e.ID = newID()
	e.CreatedAt = c.now()
	_, err := c.exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, nullString(e.ActorID), e.ActorEmail, e.Action, e.TargetType, e.TargetID, e.Detail, e.SourceAddr, e.CreatedAt)
	return err
}

// AuditFilter narrows ListAudit. Empty fields and zero times match everything.
type AuditFilter struct {
	ActorID    string
	Action     string
	TargetType string
	TargetID   string
	Since      time.Time
	Until      time.Time
	Page       webrana.Page
}

// ListAudit returns a page of audit entries, newest first, and the total.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]*webrana.AuditEntry, int, error) {
	where, args := whereClause{}.
		eq("actor_id", f.ActorID).eq("action", f.Action).eq("target_type", f.TargetType).eq("target_id", f.TargetID).
		cond(!f.Since.IsZero(), "created_at >= ?", f.Since.UTC()).
		cond(!f.Until.IsZero(), "created_at < ?", f.Until.UTC()).
		build()
	return listPage(ctx, db.conn(), scanAudit, `SELECT `+auditColumns+` FROM audit_log`+where+` ORDER BY created_at DESC, id DESC`,
		`SELECT COUNT(*) FROM audit_log`+where, args, f.Page)
}
