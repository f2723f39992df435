package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents/pdftest"
)

type invoiceJSON struct {
	ID       string
	Number   string
	Kind     string
	Month    string
	Subtotal int64
	Tax      int64
	Total    int64
	TaxRate  int `json:"tax_rate"`
	Seller   struct{ Name string }
	Buyer    struct {
		Name  string
		TaxID string `json:"tax_id"`
	}
	Lines []struct {
		Description string
		Amount      int64
	}
}

type invoiceListJSON struct {
	Items []invoiceJSON
	Total int
}

// TestInvoicesAPI: an operator sets the letterhead and issues a finished
// month (April); the customer's invoice totals the month's charges, with the tax
// contained in it and their billing details; its PDF opens and shows its
// number and total; another customer gets 404; issuing again issues
// nothing; a credit note stays within the invoice.
func TestInvoicesAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.user("admin@example.com", webrana.RoleAdmin)
		ann := h.user("ann@example.com", webrana.RoleCustomer)
		bob := h.user("bob@example.com", webrana.RoleCustomer)

		// April: ann's server is metered five hours at 4.63; bob is credited.
		plan := h.plan(t, webrana.DigitalOcean)
		in := h.server(t, ann, plan, "web-1", webrana.StatusActive)
		h.clock.Advance(-5 * 24 * time.Hour)
		for i := range 5 {
			hour := h.clock.Now().Truncate(time.Hour)
			if _, err := h.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -463, Currency: "USD",
				InstanceID: in.ID, Note: fmt.Sprintf("Hour %d", i), IdempotencyKey: "meter:" + in.ID + ":" + hour.Format(time.RFC3339)}); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(time.Hour)
		}
		if _, err := h.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: bob.ID, Kind: webrana.LedgerCredit, Amount: 500, Currency: "USD", Note: "welcome"}); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(5 * 24 * time.Hour) // May
		admin, annC, bobC := h.login("admin@example.com"), h.login("ann@example.com"), h.login("bob@example.com")

		res := admin.Do("PUT", "/api/admin/letterhead", map[string]any{"legal_name": "PT Awan Jaya", "address": "Jl. Sudirman 1\nJakarta",
			"tax_id": "01.234", "tax_name": "PPN", "tax_rate": 1100})
		mustStatus(t, res, 200, "set letterhead")
		for _, bad := range []map[string]any{{"legal_name": "X", "tax_rate": 10001}, {"legal_name": ""}, {"legal_name": "X", "rate": 1}} {
			if res := admin.Do("PUT", "/api/admin/letterhead", bad); res.Status != 400 {
				t.Errorf("letterhead %v: %d %s", bad, res.Status, res.Body)
			}
		}
		mustStatus(t, annC.Do("PUT", "/api/admin/letterhead", map[string]any{"legal_name": "Mine"}), 403, "a customer's letterhead")
		mustStatus(t, annC.Do("PUT", "/api/billing/details", map[string]any{"name": "Ann Lee", "company": "Lee Digital", "tax_id": "99.1"}), 200, "details")
		if res := annC.Do("PUT", "/api/billing/details", map[string]any{"name": strings.Repeat("n", 201)}); res.ErrorField() != "name" {
			t.Errorf("a long name: %d %s", res.Status, res.Body)
		}
		var details struct{ Company string }
		annC.Do("GET", "/api/billing/details", nil).JSON(t, &details)
		if details.Company != "Lee Digital" {
			t.Errorf("details %+v", details)
		}

		for _, bad := range []string{"2031-05", "2031-07", "April", ""} {
			if res := admin.Do("POST", "/api/admin/invoices/issue", map[string]any{"month": bad}); res.Status != 400 || res.ErrorField() != "month" {
				t.Errorf("issuing %q in May: %d %s", bad, res.Status, res.Body)
			}
		}
		var issued struct {
			Month           string
			Issued, Already int
		}
		res = admin.Do("POST", "/api/admin/invoices/issue", map[string]any{"month": "2031-04"})
		mustStatus(t, res, 200, "issue April")
		res.JSON(t, &issued)
		if issued.Issued != 2 || issued.Already != 0 || issued.Month != "2031-04" {
			t.Fatalf("issued %+v", issued)
		}
		admin.Do("POST", "/api/admin/invoices/issue", map[string]any{"month": "2031-04"}).JSON(t, &issued)
		if issued.Issued != 0 || issued.Already != 2 {
			t.Fatalf("issued again %+v", issued)
		}
		mustStatus(t, annC.Do("POST", "/api/admin/invoices/issue", map[string]any{"month": "2031-04"}), 403, "a customer issuing")

		var list invoiceListJSON
		annC.Do("GET", "/api/billing/invoices", nil).JSON(t, &list)
		if list.Total != 1 || len(list.Items) != 1 {
			t.Fatalf("ann's invoices %+v", list)
		}
		inv := list.Items[0]
		// 23.15 at 11 % included: 2.294… → 2.29 of tax.
		if inv.Total != 5*463 || inv.Tax != 229 || inv.Subtotal != 2086 || inv.TaxRate != 1100 || inv.Seller.Name != "PT Awan Jaya" ||
			inv.Buyer.Name != "Lee Digital" || len(inv.Lines) != 1 || inv.Lines[0].Amount != inv.Total || inv.Kind != "invoice" {
			t.Fatalf("ann's invoice %+v", inv)
		}
		var one invoiceJSON
		annC.Do("GET", "/api/billing/invoices/"+inv.ID, nil).JSON(t, &one)
		if one.Number != inv.Number {
			t.Fatalf("invoice by id %+v", one)
		}
		res = annC.Do("GET", "/api/billing/invoices/"+inv.ID+"/pdf", nil)
		mustStatus(t, res, 200, "PDF")
		if ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"); ct != "application/pdf" || !strings.Contains(cd, inv.Number+".pdf") {
			t.Errorf("PDF headers %q, %q", ct, cd)
		}
		text := pdftest.Text(res.Body)
		if !bytes.HasPrefix(res.Body, []byte("%PDF-")) || !strings.Contains(text, inv.Number) || !strings.Contains(text, "23.15") {
			t.Errorf("PDF lacks number %s or total 23.15:\n%s", inv.Number, text)
		}
		for _, path := range []string{"/api/billing/invoices/" + inv.ID, "/api/billing/invoices/" + inv.ID + "/pdf", "/api/billing/invoices/nope"} {
			if res := bobC.Do("GET", path, nil); res.Status != 404 {
				t.Errorf("bob GET %s: %d", path, res.Status)
			}
		}

		// Credit notes.
		if res := admin.Do("POST", "/api/admin/invoices/"+inv.ID+"/credit-notes", map[string]any{"amount": inv.Total + 1, "reason": "x"}); res.ErrorField() != "amount" {
			t.Errorf("credit beyond the total: %d %s", res.Status, res.Body)
		}
		if res := admin.Do("POST", "/api/admin/invoices/"+inv.ID+"/credit-notes", map[string]any{"amount": 100}); res.ErrorField() != "reason" {
			t.Errorf("credit without a reason: %d %s", res.Status, res.Body)
		}
		mustStatus(t, admin.Do("POST", "/api/admin/invoices/nope/credit-notes", map[string]any{"amount": 100, "reason": "x"}), 404, "credit of no invoice")
		var cn invoiceJSON
		res = admin.Do("POST", "/api/admin/invoices/"+inv.ID+"/credit-notes", map[string]any{"amount": 463, "reason": "An hour of outage"})
		mustStatus(t, res, 201, "credit note")
		res.JSON(t, &cn)
		if cn.Kind != "credit_note" || !strings.HasPrefix(cn.Number, "CN-") || cn.Total != 463 {
			t.Errorf("credit note %+v", cn)
		}
		annC.Do("GET", "/api/billing/invoices", nil).JSON(t, &list)
		if list.Total != 2 || list.Items[0].ID != cn.ID {
			t.Errorf("ann's documents after the credit note: %+v", list)
		}
		admin.Do("GET", "/api/admin/invoices", nil).JSON(t, &list)
		if list.Total != 3 {
			t.Errorf("all documents: %d", list.Total)
		}
		bobC.Do("GET", "/api/billing/invoices", nil).JSON(t, &list)
		if list.Total != 1 || list.Items[0].Total != 0 {
			t.Errorf("bob's documents: %+v", list)
		}
	})
}

// TestInvoicePages: the billing page lists the customer's invoices with
// their PDFs and saves billing details (with a message on a bad one); the
// operators' Invoices page issues a month and saves the letterhead.
func TestInvoicePages(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		ann := h.user("ann@example.com", webrana.RoleCustomer)
		h.clock.Advance(-24 * time.Hour) // April
		if _, err := h.db.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCredit, Amount: 500,
			Currency: "USD", Note: "welcome"}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -250,
			Currency: "USD", Note: "an hour"}); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(24 * time.Hour)
		_, annB, annCSRF := signedIn(t, h, "ann@example.com")
		_, opB, opCSRF := signedIn(t, h, "admin@example.com")

		res := annB.Do("GET", "/billing", nil)
		mustStatus(t, res, 200, "billing page")
		pageHas(t, res, "billing page", `id="no-invoices"`, `id="billing-details-form"`)
		res = annB.PostForm("/billing/details", url.Values{"name": {strings.Repeat("n", 201)}, "csrf_token": {annCSRF}})
		mustStatus(t, res, 400, "bad details")
		pageHas(t, res, "bad details", `id="details-name-error"`)
		mustStatus(t, annB.PostForm("/billing/details", url.Values{"company": {"Lee Digital"}, "csrf_token": {annCSRF}}), 303, "details")

		res = opB.PostForm("/admin/letterhead", url.Values{"legal_name": {"PT Awan Jaya"}, "tax_name": {"PPN"}, "tax_rate": {"101"}, "csrf_token": {opCSRF}})
		mustStatus(t, res, 400, "a rate above 100 %")
		pageHas(t, res, "bad rate", `id="lh-tax-rate-error"`)
		mustStatus(t, opB.PostForm("/admin/letterhead", url.Values{"legal_name": {"PT Awan Jaya"}, "tax_name": {"PPN"}, "tax_rate": {"11"}, "csrf_token": {opCSRF}}),
			303, "letterhead")
		res = opB.PostForm("/admin/invoices/issue", url.Values{"month": {"2031-05"}, "csrf_token": {opCSRF}})
		mustStatus(t, res, 400, "issuing the current month")
		pageHas(t, res, "current month", `id="issue-month-error"`)
		mustStatus(t, opB.PostForm("/admin/invoices/issue", url.Values{"month": {"2031-04"}, "csrf_token": {opCSRF}}), 303, "issue April")
		res = opB.Do("GET", "/admin/invoices", nil)
		mustStatus(t, res, 200, "invoices page")
		pageHas(t, res, "invoices page", "INV-000001", "ann@example.com", `value="PT Awan Jaya"`, `value="11"`)

		res = annB.Do("GET", "/billing", nil)
		pageHas(t, res, "billing page with an invoice", "INV-000001", "April 2031", `value="Lee Digital"`)
		var list invoiceListJSON
		h.login("ann@example.com").Do("GET", "/api/billing/invoices", nil).JSON(t, &list)
		res = annB.Do("GET", "/billing/invoices/"+list.Items[0].ID, nil)
		mustStatus(t, res, 200, "invoice PDF page")
		if !bytes.HasPrefix(res.Body, []byte("%PDF-")) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
			t.Errorf("the invoice page is not an inline PDF: %q", res.Header.Get("Content-Disposition"))
		}

		// The operator's page of the invoice issues a credit note.
		id := list.Items[0].ID
		res = opB.Do("GET", "/admin/invoices/"+id, nil)
		mustStatus(t, res, 200, "operator's invoice page")
		pageHas(t, res, "operator's invoice page", "INV-000001", "Other charges", "2.50 USD", `id="credit-note-form"`)
		for _, bad := range []url.Values{{"amount": {"abc"}, "reason": {"x"}}, {"amount": {"2.51"}, "reason": {"x"}}} {
			bad.Set("csrf_token", opCSRF)
			res = opB.PostForm("/admin/invoices/"+id+"/credit-notes", bad)
			mustStatus(t, res, 400, "bad credit note")
			pageHas(t, res, "bad credit note", `id="cn-amount-error"`)
		}
		res = opB.PostForm("/admin/invoices/"+id+"/credit-notes", url.Values{"amount": {"1"}, "reason": {"Goodwill"}, "csrf_token": {opCSRF}})
		mustStatus(t, res, 303, "credit note")
		res = opB.Do("GET", "/admin/invoices/"+id, nil)
		pageHas(t, res, "credited invoice", "CN-000002", "Credited 1.00 USD; at most 1.50 USD more.")
		mustStatus(t, annB.Do("GET", "/admin/invoices/"+id, nil), 403, "a customer on the operator's invoice page")
	})
}
