package documents_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/documents/pdftest"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

func TestSplitTax(t *testing.T) {
	for _, tc := range []struct {
		total    int64
		rate     int
		net, tax int64
	}{
		{11100, 1100, 10000, 1100}, // 111.00 at 11 % holds 11.00
		{1000, 0, 1000, 0},
		{0, 1100, 0, 0},
		{100, 1100, 90, 10},           // 9.909… rounds to 10
		{1, 1100, 1, 0},               // 0.099… rounds to 0
		{-11100, 1100, -10000, -1100}, // a credit note
		{2000, 10000, 1000, 1000},     // 100 %: half of it
		{1075, 750, 1000, 75},
	} {
		net, tax := documents.SplitTax(tc.total, tc.rate)
		if net != tc.net || tax != tc.tax {
			t.Errorf("SplitTax(%d, %d) = %d, %d; want %d, %d", tc.total, tc.rate, net, tax, tc.net, tc.tax)
		}
	}
}

// The parts always add up to the total and the tax never exceeds what the
// rate allows, even at the extremes of int64.
func TestSplitTaxAddsUp(t *testing.T) {
	for _, total := range []int64{math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 / 3, 7, -7, 123456789} {
		for _, rate := range []int{1, 999, 1100, 2500, documents.MaxTaxRate} {
			net, tax := documents.SplitTax(total, rate)
			if net+tax != total {
				t.Errorf("SplitTax(%d, %d): %d + %d ≠ total", total, rate, net, tax)
			}
			if (total > 0 && (tax < 0 || tax > total/2+1)) || (total < 0 && (tax > 0 || tax < total/2-1)) {
				t.Errorf("SplitTax(%d, %d): tax %d out of bounds", total, rate, tax)
			}
		}
	}
}

func sample() *documents.Document {
	return &documents.Document{
		Title: "Invoice", Number: "INV-000042", Issued: time.Date(2026, 12, 1, 0, 5, 0, 0, time.UTC), Period: "November 2026",
		Seller:   documents.Party{Name: "PT Awan Jaya", Address: []string{"Jl. Sudirman 1", "Jakarta"}, TaxID: "01.234.567.8-901.000"},
		Buyer:    documents.Party{Name: "Ana Müller", Email: "ana@example.com"},
		Currency: "USD",
		Lines: []documents.Line{
			{Description: "web-1 (Basic 1 GB)", Detail: "720 hours, monthly cap applied", Amount: 600},
			{Description: "db-1 (Basic 2 GB)", Detail: "12 hours", Amount: 36},
		},
		Subtotal: 573, Tax: 63, TaxLabel: "PPN 11%", Total: 636,
		Notes: []string{"Prices include PPN 11%.", "Paid from the account balance."},
	}
}

func render(t *testing.T, d *documents.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := documents.Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A rendered document is a PDF whose text holds its number, parties,
// lines and total, and the same document renders to the same bytes.
func TestRender(t *testing.T) {
	pdf := render(t, sample())
	if !pdftest.IsPDF(pdf) {
		t.Fatalf("not a PDF: %q…", pdf[:min(20, len(pdf))])
	}
	text := pdftest.Text(pdf)
	for _, want := range []string{"INV-000042", "PT Awan Jaya", "01.234.567.8-901.000", "web-1 (Basic 1 GB)", "6.00", "Total USD", "6.36",
		"PPN 11% (included)", "0.63", "November 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	// UTF-8 reaches the core fonts' code page and back.
	if !strings.Contains(text, "Ana Müller") {
		t.Errorf("the buyer's name is not in the PDF's text:\n%s", text)
	}
	if again := render(t, sample()); !bytes.Equal(pdf, again) {
		t.Error("the same document rendered to different bytes")
	}
}

// Without a tax rate there is no tax line; long documents go on to more
// pages; a document without a number is refused.
func TestRenderShapes(t *testing.T) {
	d := sample()
	d.TaxLabel, d.Tax, d.Subtotal = "", 0, d.Total
	if pdf := render(t, d); strings.Contains(pdftest.Text(pdf), "included") {
		t.Error("a tax line without a tax rate")
	}
	d.Lines = nil
	for i := range 120 {
		d.Lines = append(d.Lines, documents.Line{Description: fmt.Sprintf("server-%d", i), Amount: int64(i)})
	}
	pdf := render(t, d)
	if n := bytes.Count(pdf, []byte("/Type /Page\n")); n < 3 {
		t.Errorf("%d pages for 120 lines, want at least 3", n)
	}
	if !strings.Contains(pdftest.Text(pdf), "server-119") {
		t.Error("the last line is missing")
	}
	d.Number = ""
	if err := documents.Render(&bytes.Buffer{}, d); err == nil {
		t.Error("a document without a number rendered")
	}
}

func engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.OpenPostgres(t)) })
}

// The letterhead starts as "Webrana" without tax, is saved trimmed with
// its audit entry, and refuses what does not fit.
func TestLetterhead(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		l, err := documents.LoadLetterhead(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if l.LegalName != documents.DefaultLegalName || l.TaxRate != 0 || l.TaxLabel() != "" {
			t.Fatalf("default letterhead %+v", l)
		}
		admin := &webrana.User{Email: "op@example.com", Role: webrana.RoleAdmin, PasswordHash: "x"}
		if err := db.CreateUser(ctx, admin); err != nil {
			t.Fatal(err)
		}
		by := webrana.Actor{User: admin, Source: "127.0.0.1"}
		saved, err := documents.SaveLetterhead(ctx, db, by, documents.Letterhead{
			LegalName: "  PT Awan Jaya ", Address: "Jl. Sudirman 1\r\n\r\n  Jakarta  ", TaxID: "01.234", TaxName: "PPN", TaxRate: 1100})
		if err != nil {
			t.Fatal(err)
		}
		l, err = documents.LoadLetterhead(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if *l != *saved || l.LegalName != "PT Awan Jaya" || l.Address != "Jl. Sudirman 1\nJakarta" || l.TaxLabel() != "PPN 11%" {
			t.Errorf("loaded %+v, saved %+v", l, saved)
		}
		if p := l.Seller(); len(p.Address) != 2 || p.TaxID != "01.234" {
			t.Errorf("seller %+v", p)
		}
		entries, _, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != "letterhead.updated" || entries[0].ActorID != admin.ID {
			t.Errorf("audit %+v", entries)
		}
		for _, bad := range []documents.Letterhead{
			{LegalName: " "},
			{LegalName: "X", TaxRate: -1},
			{LegalName: "X", TaxRate: documents.MaxTaxRate + 1},
			{LegalName: strings.Repeat("x", 201)},
			{LegalName: "X", Address: "1\n2\n3\n4\n5\n6\n7"},
		} {
			_, err := documents.SaveLetterhead(ctx, db, by, bad)
			var e *webrana.Error
			if !errors.As(err, &e) || e.Code != webrana.EINVALID || e.Field == "" {
				t.Errorf("%+v: %v, want a field error", bad, err)
			}
		}
		if l2, _ := documents.LoadLetterhead(ctx, db); *l2 != *saved {
			t.Errorf("a refused letterhead changed the saved one: %+v", l2)
		}
	})
}

func TestFormatRate(t *testing.T) {
	for bp, want := range map[int]string{1100: "11%", 750: "7.5%", 1: "0.01%", 10000: "100%"} {
		if got := documents.FormatRate(bp); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", bp, got, want)
		}
	}
}
