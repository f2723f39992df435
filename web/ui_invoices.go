package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/invoicing"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// invoicePages registers the invoices' pages: a document's PDF in the
// browser, the billing details form (on the billing page), and the
// operators' Invoices page with its issue and letterhead forms.
func (s *Server) invoicePages() {
	s.ui("GET /billing/invoices/{id}", SignedIn, s.handleInvoicePage)
	s.ui("POST /billing/details", SignedIn, s.handleDetailsForm)
	s.ui("GET /admin/invoices", Admin, s.opInvoices)
	s.ui("POST /admin/invoices/issue", Admin, s.opIssueInvoices)
	s.ui("GET /admin/invoices/{id}", Admin, s.opInvoice)
	s.ui("POST /admin/invoices/{id}/credit-notes", Admin, s.opCreditNote)
	s.ui("POST /admin/letterhead", Admin, s.opSaveLetterhead)
}

// billingInvoicesShown is how many invoices the billing page lists.
const billingInvoicesShown = 12

// handleInvoicePage opens one of the caller's documents as PDF in the
// browser (the link of the invoice e-mail and the billing page).
func (s *Server) handleInvoicePage(w http.ResponseWriter, r *http.Request) error {
	return s.writeInvoicePDF(w, r, "inline")
}

// billingInvoices is the billing page's invoices section; form, when not
// nil, is the details form as sent back with its error.
func (s *Server) billingInvoices(r *http.Request, form *pages.DetailsForm) (pages.BillingInvoices, error) {
	var out pages.BillingInvoices
	items, total, err := s.invoices.List(r.Context(), actor(r), webrana.Page{PerPage: billingInvoicesShown})
	if err != nil {
		return out, err
	}
	out.Rows, out.Total = invoiceRows(items), total
	if form != nil {
		out.Details = *form
		return out, nil
	}
	d, err := s.invoices.Details(r.Context(), actor(r))
	if err != nil {
		return out, err
	}
	out.Details = pages.DetailsForm{Name: d.Name, Company: d.Company, Address: d.Address, TaxID: d.TaxID}
	return out, nil
}

func invoiceRows(items []*invoicing.Invoice) []pages.InvoiceRow {
	rows := make([]pages.InvoiceRow, len(items))
	for i, in := range items {
		rows[i] = pages.InvoiceRow{ID: in.ID, Number: in.Number, Kind: in.Kind, Period: in.Period, Customer: in.Buyer.Email,
			IssuedAt: in.IssuedAt, Total: pages.Price(in.Total, in.Currency)}
	}
	return rows
}

// handleDetailsForm saves the billing details as PUT /api/billing/details.
func (s *Server) handleDetailsForm(w http.ResponseWriter, r *http.Request) error {
	form := pages.DetailsForm{Name: r.PostFormValue("name"), Company: r.PostFormValue("company"),
		Address: r.PostFormValue("address"), TaxID: r.PostFormValue("tax_id")}
	_, err := s.invoices.SetDetails(r.Context(), actor(r),
		invoicing.Details{Name: form.Name, Company: form.Company, Address: form.Address, TaxID: form.TaxID})
	if err != nil {
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		return s.renderBillingPage(w, r, ErrorStatus(err), nil, &form)
	}
	redirectFlash(w, r, "/billing", "Billing details saved: your next invoices print them.")
	return nil
}

func (s *Server) opInvoices(w http.ResponseWriter, r *http.Request) error {
	return s.renderOpInvoices(w, r, http.StatusOK, pages.OpInvoicesData{}, nil)
}

// renderOpInvoices shows the Invoices page with the forms as given in d
// (the letterhead as saved unless lh is given back with its error).
func (s *Server) renderOpInvoices(w http.ResponseWriter, r *http.Request, status int, d pages.OpInvoicesData, lh *pages.LetterheadForm) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.invoices.ListAll(r.Context(), page)
	if err != nil {
		return err
	}
	p := page.Normalize()
	d.Rows, d.Total, d.Page, d.PerPage = invoiceRows(items), total, p.Page, p.PerPage
	if lh != nil {
		d.Letterhead = *lh
	} else {
		l, err := s.invoices.Letterhead(r.Context())
		if err != nil {
			return err
		}
		d.Letterhead = pages.LetterheadForm{LegalName: l.LegalName, Address: l.Address, TaxID: l.TaxID, TaxName: l.TaxName,
			TaxRate: strings.TrimSuffix(documents.FormatRate(l.TaxRate), "%")}
	}
	s.render(w, r, status, pages.OpInvoices(s.frame(w, r, "Invoices", "admin-invoices"), d))
	return nil
}

// opIssueInvoices issues a finished month's invoices as POST
// /api/admin/invoices/issue.
func (s *Server) opIssueInvoices(w http.ResponseWriter, r *http.Request) error {
	month := r.PostFormValue("month")
	out, err := s.issueMonth(r, month)
	if err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		return s.renderOpInvoices(w, r, ErrorStatus(err), pages.OpInvoicesData{Month: month, IssueErr: in}, nil)
	}
	redirectFlash(w, r, "/admin/invoices", "Invoices of "+out.Month+": "+strconv.Itoa(out.Issued)+" issued now, "+strconv.Itoa(out.Already)+" already issued.")
	return nil
}

// opSaveLetterhead saves the letterhead as PUT /api/admin/letterhead; the
// rate is typed in percent.
func (s *Server) opSaveLetterhead(w http.ResponseWriter, r *http.Request) error {
	form := pages.LetterheadForm{LegalName: r.PostFormValue("legal_name"), Address: r.PostFormValue("address"),
		TaxID: r.PostFormValue("tax_id"), TaxName: r.PostFormValue("tax_name"), TaxRate: strings.TrimSpace(r.PostFormValue("tax_rate"))}
	l := documents.Letterhead{LegalName: form.LegalName, Address: form.Address, TaxID: form.TaxID, TaxName: form.TaxName}
	var err error
	if form.TaxRate != "" {
		bp, ok := webrana.ParseMajor(strings.TrimSuffix(form.TaxRate, "%")) // percent with two decimals is basis points
		if !ok || bp > documents.MaxTaxRate {
			err = webrana.FieldError("tax_rate", "The tax rate is a percentage from 0 to 100, with at most two decimals (11, 7.5).")
		}
		l.TaxRate = int(min(bp, documents.MaxTaxRate+1))
	}
	if err == nil {
		_, err = s.invoices.SetLetterhead(r.Context(), actor(r), l)
	}
	if err != nil {
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		return s.renderOpInvoices(w, r, ErrorStatus(err), pages.OpInvoicesData{}, &form)
	}
	redirectFlash(w, r, "/admin/invoices", "Letterhead saved: invoices issued from now on print it.")
	return nil
}

func (s *Server) opInvoice(w http.ResponseWriter, r *http.Request) error {
	return s.renderOpInvoice(w, r, http.StatusOK, pages.OpInvoiceData{})
}

// renderOpInvoice shows one document to operators with the credit note
// form as given in form.
func (s *Server) renderOpInvoice(w http.ResponseWriter, r *http.Request, status int, form pages.OpInvoiceData) error {
	in, err := s.invoices.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	money := func(v int64) string { return pages.Price(v, in.Currency) }
	d := form
	d.ID, d.Number, d.Kind, d.Period, d.Customer, d.Issued = in.ID, in.Number, in.Kind, in.Period, in.Buyer.Email, pages.Date(in.IssuedAt)
	d.Subtotal, d.Tax, d.Total, d.TaxLabel = money(in.Subtotal), money(in.Tax), money(in.Total), in.TaxLabel
	for _, l := range in.Lines {
		d.Lines = append(d.Lines, pages.InvoiceLineRow{Description: l.Description, Detail: l.Detail, Amount: money(l.Amount)})
	}
	if in.Kind == store.KindInvoice {
		notes, credited, err := s.invoices.CreditNotes(r.Context(), in.ID)
		if err != nil {
			return err
		}
		d.CreditNotes, d.Credited, d.Left = invoiceRows(notes), money(credited), money(max(0, in.Total-credited))
		d.CanCredit = in.Total-credited > 0
	}
	s.render(w, r, status, pages.OpInvoice(s.frame(w, r, in.Number, "admin-invoices"), d))
	return nil
}

// opCreditNote issues a credit note as POST
// /api/admin/invoices/{id}/credit-notes; the amount is typed in major
// units.
func (s *Server) opCreditNote(w http.ResponseWriter, r *http.Request) error {
	form := pages.OpInvoiceData{Amount: strings.TrimSpace(r.PostFormValue("amount")), Reason: r.PostFormValue("reason")}
	amount, ok := webrana.ParseMajor(form.Amount)
	var err error
	var cn *invoicing.Invoice
	if !ok {
		err = webrana.FieldError("amount", "The amount is in %s with at most two decimals (4.63).", webrana.BillingCurrency)
	} else {
		cn, err = s.invoices.CreditNote(r.Context(), actor(r), r.PathValue("id"), amount, form.Reason)
	}
	if err != nil {
		var ok bool
		if form.Err, ok = inputError(err); !ok || ErrorStatus(err) == http.StatusNotFound {
			return err
		}
		return s.renderOpInvoice(w, r, ErrorStatus(err), form)
	}
	redirectFlash(w, r, "/admin/invoices/"+r.PathValue("id"), "Credit note "+cn.Number+" issued: "+pages.Price(cn.Total, cn.Currency)+" credited to the customer's balance.")
	return nil
}
