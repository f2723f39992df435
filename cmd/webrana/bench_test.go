package main

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// BenchmarkSandboxStartup measures `webrana` in sandbox mode from nothing to
// /readyz answering 200: data dir, key, SQLite, migrations (Webrana's and
// River's), two demo users (two argon2id hashes), the job queue and the
// listener. "first" starts on an empty data dir, "restart" on an existing one.
func BenchmarkSandboxStartup(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			startAndStop(b, b.TempDir())
		}
	})
	b.Run("restart", func(b *testing.B) {
		dir := b.TempDir()
		startAndStop(b, dir)
		for b.Loop() {
			startAndStop(b, dir)
		}
	})
}

func startAndStop(b *testing.B, dir string) {
	cfg, err := LoadConfig("bench", nil, testEnv(map[string]string{"WEBRANA_DATA_DIR": dir, "WEBRANA_ADDR": "127.0.0.1:0"}), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	<-m.Ready()
	res, err := http.Get("http://" + m.Addr() + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("/readyz: %v %v", res, err)
	}
	res.Body.Close()
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	m.Close()
	b.StartTimer()
}
