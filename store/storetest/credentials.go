package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// newSession returns an unsaved browser session of u expiring at expires.
func newSession(u *webrana.User, token string, expires time.Time) *webrana.Session {
	return &webrana.Session{UserID: u.ID, TokenHash: hash(token), Kind: "browser", CSRFToken: "csrf-" + token,
		SourceAddr: "192.0.2.7", ExpiresAt: expires}
}

func mustSession(t *testing.T, db *store.DB, s *webrana.Session) *webrana.Session {
	t.Helper()
	must(t, db.CreateSession(t.Context(), s))
	return s
}

// sessionLive reports whether the session with this token is returned.
func sessionLive(t *testing.T, db *store.DB, token string) bool {
	t.Helper()
	_, err := db.SessionByTokenHash(t.Context(), hash(token))
	switch webrana.ErrorCode(err) {
	case "":
		return true
	case webrana.ENOTFOUND:
		return false
	}
	t.Fatalf("SessionByTokenHash: %v", err)
	return false
}

var _ = register("SessionRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := mustUser(t, db)
	s := mustSession(t, db, &webrana.Session{UserID: u.ID, TokenHash: hash("tok"), Kind: "api", CSRFToken: "c",
		SourceAddr: "2001:db8::1", ExpiresAt: clk.Now().Add(24 * time.Hour)})
	if s.ID == "" || !s.CreatedAt.Equal(clk.Now()) || !s.LastSeenAt.Equal(clk.Now()) {
		t.Fatalf("CreateSession set %+v", s)
	}
	got, err := db.SessionByTokenHash(ctx, hash("tok"))
	must(t, err)
	mustEqual(t, "session", got, s)

	_, err = db.SessionByTokenHash(ctx, hash("other"))
	wantCode(t, err, webrana.ENOTFOUND, "unknown token")
	err = db.CreateSession(ctx, newSession(u, "tok", clk.Now().Add(time.Hour)))
	wantCode(t, err, webrana.ECONFLICT, "duplicate token hash")
	err = db.CreateSession(ctx, newSession(&webrana.User{ID: "ghost"}, "ghost", clk.Now().Add(time.Hour)))
	wantCode(t, err, webrana.EINVALID, "session of an unknown user")
	if err := db.CreateSession(ctx, &webrana.Session{UserID: u.ID, TokenHash: hash("k"), Kind: "carrier-pigeon",
		ExpiresAt: clk.Now().Add(time.Hour)}); err == nil {
		t.Fatal("session of an unknown kind was accepted")
	}
})

var _ = register("SessionExpiry", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	u := mustUser(t, db)
	expires := clk.Now().Add(time.Hour)
	mustSession(t, db, newSession(u, "tok", expires))
	for _, tc := range []struct {
		now  time.Time
		live bool
	}{
		{expires.Add(-time.Hour), true},
		{expires.Add(-time.Microsecond), true},
		{expires, false},
		{expires.Add(time.Microsecond), false},
		{expires.Add(30 * 24 * time.Hour), false},
	} {
		clk.Set(tc.now)
		if got := sessionLive(t, db, "tok"); got != tc.live {
			t.Errorf("at expiry%+v: live %v, want %v", tc.now.Sub(expires), got, tc.live)
		}
	}
})

// SessionExpiryOtherZone: an expiry given in another time zone means the same
// instant.
var _ = register("SessionExpiryOtherZone", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	u := mustUser(t, db)
	east, west := time.FixedZone("east", 10*3600), time.FixedZone("west", -10*3600)
	mustSession(t, db, newSession(u, "live-west", clk.Now().Add(time.Hour).In(west)))
	mustSession(t, db, newSession(u, "live-east", clk.Now().Add(time.Hour).In(east)))
	mustSession(t, db, newSession(u, "dead-east", clk.Now().Add(-time.Hour).In(east)))
	mustSession(t, db, newSession(u, "dead-west", clk.Now().Add(-time.Hour).In(west)))
	for token, live := range map[string]bool{"live-west": true, "live-east": true, "dead-east": false, "dead-west": false} {
		if got := sessionLive(t, db, token); got != live {
			t.Errorf("%s: live %v, want %v", token, got, live)
		}
	}
	got, err := db.SessionByTokenHash(t.Context(), hash("live-west"))
	must(t, err)
	mustEqual(t, "expiry", got.ExpiresAt, clk.Now().Add(time.Hour))

	n, err := db.DeleteExpiredSessions(t.Context())
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteExpiredSessions removed %d, want 2", n)
	}
})

var _ = register("SessionTouch", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := mustUser(t, db)
	s := mustSession(t, db, newSession(u, "tok", clk.Now().Add(time.Hour)))
	later := clk.Advance(10 * time.Minute)
	must(t, db.TouchSession(ctx, s.ID))
	got, err := db.SessionByTokenHash(ctx, hash("tok"))
	must(t, err)
	want := *s
	want.LastSeenAt = later
	mustEqual(t, "touched session", got, &want)
	wantCode(t, db.TouchSession(ctx, "missing"), webrana.ENOTFOUND, "TouchSession of a missing session")
})

var _ = register("SessionDelete", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ann, bob := mustUser(t, db), mustUser(t, db)
	a1 := mustSession(t, db, newSession(ann, "a1", clk.Now().Add(time.Hour)))
	mustSession(t, db, newSession(ann, "a2", clk.Now().Add(time.Hour)))
	mustSession(t, db, newSession(ann, "a3", clk.Now().Add(2*time.Hour)))
	mustSession(t, db, newSession(bob, "b1", clk.Now().Add(time.Hour)))

	must(t, db.DeleteSession(ctx, a1.ID))
	if sessionLive(t, db, "a1") || !sessionLive(t, db, "a2") {
		t.Fatal("DeleteSession removed the wrong session")
	}
	wantCode(t, db.DeleteSession(ctx, a1.ID), webrana.ENOTFOUND, "deleting a session twice")

	n, err := db.DeleteUserSessions(ctx, ann.ID)
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteUserSessions removed %d, want 2", n)
	}
	if sessionLive(t, db, "a2") || sessionLive(t, db, "a3") || !sessionLive(t, db, "b1") {
		t.Error("DeleteUserSessions removed the wrong sessions")
	}
	n, err = db.DeleteUserSessions(ctx, ann.ID)
	must(t, err)
	if n != 0 {
		t.Errorf("second DeleteUserSessions removed %d", n)
	}
})

var _ = register("SessionDeleteExpired", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	u := mustUser(t, db)
	start := clk.Now()
	mustSession(t, db, newSession(u, "expired", start.Add(time.Minute)))
	mustSession(t, db, newSession(u, "at-now", start.Add(time.Hour)))
	mustSession(t, db, newSession(u, "live", start.Add(time.Hour+time.Microsecond)))
	mustSession(t, db, newSession(u, "long", start.Add(48*time.Hour)))

	clk.Set(start.Add(time.Hour))
	n, err := db.DeleteExpiredSessions(t.Context())
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteExpiredSessions removed %d, want 2", n)
	}
	// Back before any expiry, only rows that are really gone stay hidden.
	clk.Set(start)
	for token, live := range map[string]bool{"expired": false, "at-now": false, "live": true, "long": true} {
		if got := sessionLive(t, db, token); got != live {
			t.Errorf("%s: present %v, want %v", token, got, live)
		}
	}
})

// newToken returns an unsaved API token of u.
func newToken(u *webrana.User, name string, expires *time.Time) *webrana.APIToken {
	return &webrana.APIToken{UserID: u.ID, Name: name, TokenHash: hash(u.ID + name + unique("")), Prefix: "wbr_" + name[:1], ExpiresAt: expires}
}

func mustToken(t *testing.T, db *store.DB, tok *webrana.APIToken) *webrana.APIToken {
	t.Helper()
	must(t, db.CreateAPIToken(t.Context(), tok))
	return tok
}

// tokenLive reports whether APITokenByHash returns tok.
func tokenLive(t *testing.T, db *store.DB, tok *webrana.APIToken) bool {
	t.Helper()
	got, err := db.APITokenByHash(t.Context(), tok.TokenHash)
	switch webrana.ErrorCode(err) {
	case "":
		if got.ID != tok.ID {
			t.Fatalf("APITokenByHash returned token %s, want %s", got.ID, tok.ID)
		}
		return true
	case webrana.ENOTFOUND:
		return false
	}
	t.Fatalf("APITokenByHash: %v", err)
	return false
}

var _ = register("APITokenRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u, other := mustUser(t, db), mustUser(t, db)
	forever := mustToken(t, db, newToken(u, "ci", nil))
	clk.Advance(time.Second)
	expiring := mustToken(t, db, newToken(u, "deploy", ptr(clk.Now().Add(30*24*time.Hour))))
	tied := mustToken(t, db, newToken(u, "tied", nil)) // same CreatedAt as expiring
	mustToken(t, db, newToken(other, "ci", nil))
	if forever.ID == "" || !forever.CreatedAt.Equal(epoch) || forever.LastUsedAt != nil || forever.RevokedAt != nil {
		t.Fatalf("CreateAPIToken set %+v", forever)
	}

	for _, want := range []*webrana.APIToken{forever, expiring} {
		got, err := db.APITokenByHash(ctx, want.TokenHash)
		must(t, err)
		mustEqual(t, "token "+want.Name, got, want)
	}
	got, err := db.ListAPITokens(ctx, u.ID)
	must(t, err)
	newest := []*webrana.APIToken{expiring, tied}
	slices.SortFunc(newest, func(a, b *webrana.APIToken) int { return -cmp.Compare(a.ID, b.ID) })
	mustEqual(t, "ListAPITokens", got, append(newest, forever))

	none, err := db.ListAPITokens(ctx, "nobody")
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("ListAPITokens of nobody: %#v, want an empty list", none)
	}
	wantCode(t, db.CreateAPIToken(ctx, newToken(&webrana.User{ID: "ghost"}, "x", nil)), webrana.EINVALID, "token of an unknown user")
})

var _ = register("APITokenByHashLiveOnly", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := mustUser(t, db)
	start := clk.Now()
	forever := mustToken(t, db, newToken(u, "forever", nil))
	expiring := mustToken(t, db, newToken(u, "expiring", ptr(start.Add(time.Hour))))
	revoked := mustToken(t, db, newToken(u, "revoked", nil))
	clk.Advance(time.Minute)
	must(t, db.RevokeAPIToken(ctx, u.ID, revoked.ID))

	for _, tc := range []struct {
		at                         time.Time
		forever, expiring, revoked bool
	}{
		{start.Add(time.Minute), true, true, false},
		{start.Add(time.Hour - time.Microsecond), true, true, false},
		{start.Add(time.Hour), true, false, false},
		{start.Add(365 * 24 * time.Hour), true, false, false},
	} {
		clk.Set(tc.at)
		for tok, want := range map[*webrana.APIToken]bool{forever: tc.forever, expiring: tc.expiring, revoked: tc.revoked} {
			if got := tokenLive(t, db, tok); got != want {
				t.Errorf("%s at +%v: live %v, want %v", tok.Name, tc.at.Sub(start), got, want)
			}
		}
	}
	_, err := db.APITokenByHash(ctx, hash("unknown"))
	wantCode(t, err, webrana.ENOTFOUND, "unknown token hash")
})

var _ = register("APITokenTouch", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := mustUser(t, db)
	tok := mustToken(t, db, newToken(u, "ci", nil))
	used := clk.Advance(3 * time.Hour)
	must(t, db.TouchAPIToken(ctx, tok.ID))
	got, err := db.APITokenByHash(ctx, tok.TokenHash)
	must(t, err)
	want := *tok
	want.LastUsedAt = &used
	mustEqual(t, "touched token", got, &want)
	wantCode(t, db.TouchAPIToken(ctx, "missing"), webrana.ENOTFOUND, "TouchAPIToken of a missing token")
})

var _ = register("APITokenNames", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u, other := mustUser(t, db), mustUser(t, db)
	first := mustToken(t, db, newToken(u, "ci", nil))
	wantCode(t, db.CreateAPIToken(ctx, newToken(u, "ci", nil)), webrana.ECONFLICT, "second live token named ci")
	mustToken(t, db, newToken(other, "ci", nil)) // names are per user

	revokedAt := clk.Advance(time.Minute)
	must(t, db.RevokeAPIToken(ctx, u.ID, first.ID))
	wantCode(t, db.RevokeAPIToken(ctx, u.ID, first.ID), webrana.ENOTFOUND, "revoking twice")
	second := mustToken(t, db, newToken(u, "ci", nil)) // a revoked token's name is free again
	wantCode(t, db.CreateAPIToken(ctx, newToken(u, "ci", nil)), webrana.ECONFLICT, "third token named ci")

	list, err := db.ListAPITokens(ctx, u.ID)
	must(t, err)
	revoked := *first
	revoked.RevokedAt = &revokedAt
	mustEqual(t, "tokens", list, []*webrana.APIToken{second, &revoked})

	dupHash := newToken(u, "other-name", nil)
	dupHash.TokenHash = second.TokenHash
	wantCode(t, db.CreateAPIToken(ctx, dupHash), webrana.ECONFLICT, "token hash collision")
})

// APITokenRevokeScoped: a user cannot revoke another user's token.
var _ = register("APITokenRevokeScoped", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ann, bob := mustUser(t, db), mustUser(t, db)
	tok := mustToken(t, db, newToken(ann, "ci", nil))
	wantCode(t, db.RevokeAPIToken(ctx, bob.ID, tok.ID), webrana.ENOTFOUND, "revoking another user's token")
	wantCode(t, db.RevokeAPIToken(ctx, ann.ID, "missing"), webrana.ENOTFOUND, "revoking a missing token")
	got, err := db.APITokenByHash(ctx, tok.TokenHash)
	must(t, err)
	mustEqual(t, "token after the refused revocation", got, tok)
})

// newSSHKey returns an unsaved SSH key of u with the given fingerprint.
func newSSHKey(u *webrana.User, name, fingerprint string) *webrana.SSHKey {
	return &webrana.SSHKey{UserID: u.ID, Name: name, PublicKey: "ssh-ed25519 AAAAC3Nz" + fingerprint + " " + name,
		FingerprintMD5: "md5:" + fingerprint, FingerprintSHA256: "SHA256:" + fingerprint}
}

func mustSSHKey(t *testing.T, db *store.DB, k *webrana.SSHKey) *webrana.SSHKey {
	t.Helper()
	must(t, db.CreateSSHKey(t.Context(), k))
	return k
}

var _ = register("SSHKeyRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u, other := mustUser(t, db), mustUser(t, db)
	clk.Advance(time.Minute)
	b := mustSSHKey(t, db, newSSHKey(u, "laptop", "bbb"))
	clk.Set(epoch)
	a := mustSSHKey(t, db, newSSHKey(u, "desktop", "aaa"))
	mustSSHKey(t, db, newSSHKey(other, "x", "ccc"))
	if b.ID == "" || !b.CreatedAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("CreateSSHKey set %+v", b)
	}
	got, err := db.SSHKeyByID(ctx, u.ID, b.ID)
	must(t, err)
	mustEqual(t, "SSHKeyByID", got, b)
	list, err := db.ListSSHKeys(ctx, u.ID)
	must(t, err)
	mustEqual(t, "ListSSHKeys (oldest first)", list, []*webrana.SSHKey{a, b})
	wantCode(t, db.CreateSSHKey(ctx, newSSHKey(&webrana.User{ID: "ghost"}, "x", "ddd")), webrana.EINVALID, "key of an unknown user")
})

var _ = register("SSHKeyDuplicateFingerprint", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u, other := mustUser(t, db), mustUser(t, db)
	mustSSHKey(t, db, newSSHKey(u, "laptop", "same"))
	wantCode(t, db.CreateSSHKey(ctx, newSSHKey(u, "laptop again", "same")), webrana.ECONFLICT, "same key twice")
	mustSSHKey(t, db, newSSHKey(other, "laptop", "same")) // another user may add it
	list, err := db.ListSSHKeys(ctx, u.ID)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("%d keys stored, want 1", len(list))
	}
})

// SSHKeyScoped: a user can neither read nor delete another user's key.
var _ = register("SSHKeyScoped", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ann, bob := mustUser(t, db), mustUser(t, db)
	k := mustSSHKey(t, db, newSSHKey(ann, "laptop", "fp"))
	_, err := db.SSHKeyByID(ctx, bob.ID, k.ID)
	wantCode(t, err, webrana.ENOTFOUND, "reading another user's key")
	wantCode(t, db.DeleteSSHKey(ctx, bob.ID, k.ID), webrana.ENOTFOUND, "deleting another user's key")
	got, err := db.SSHKeyByID(ctx, ann.ID, k.ID)
	must(t, err)
	mustEqual(t, "key after the refused delete", got, k)

	must(t, db.DeleteSSHKey(ctx, ann.ID, k.ID))
	_, err = db.SSHKeyByID(ctx, ann.ID, k.ID)
	wantCode(t, err, webrana.ENOTFOUND, "reading a deleted key")
	wantCode(t, db.DeleteSSHKey(ctx, ann.ID, k.ID), webrana.ENOTFOUND, "deleting twice")
})

// CredentialsWithTheirUser: a session and an API token are read with their
// own user in one query, the user as UserByID reads it; an expired session
// or a revoked token is not found, whatever its user.
var _ = register("CredentialsWithTheirUser", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u, other := mustUser(t, db), mustUser(t, db)
	mustSession(t, db, newSession(other, "theirs", clk.Now().Add(time.Hour)))
	s := mustSession(t, db, newSession(u, "mine", clk.Now().Add(time.Hour)))
	tok := mustToken(t, db, newToken(u, "ci", nil))
	mustToken(t, db, newToken(other, "ci", nil))
	want, err := db.UserByID(ctx, u.ID)
	must(t, err)

	gotS, gotU, err := db.SessionWithUser(ctx, hash("mine"))
	must(t, err)
	mustEqual(t, "session", gotS, s)
	mustEqual(t, "session's user", gotU, want)
	gotT, gotU, err := db.APITokenWithUser(ctx, tok.TokenHash)
	must(t, err)
	mustEqual(t, "token", gotT, tok)
	mustEqual(t, "token's user", gotU, want)

	clk.Advance(2 * time.Hour)
	_, _, err = db.SessionWithUser(ctx, hash("mine"))
	wantCode(t, err, webrana.ENOTFOUND, "expired session")
	must(t, db.RevokeAPIToken(ctx, u.ID, tok.ID))
	_, _, err = db.APITokenWithUser(ctx, tok.TokenHash)
	wantCode(t, err, webrana.ENOTFOUND, "revoked token")
})
