// Package documents is what Webrana prints for accountants: receipts,
// invoices and credit notes as PDF, and the operator's letterhead (legal
// name, address, tax id and the tax included in prices) printed on each.
//
// A Document is plain data, built by the package that owns the money it
// describes (payments for receipts, invoicing for invoices); Render lays
// every kind out the same way. PDFs are rendered in-process by fpdf, with
// its core fonts, so no external program or font file is needed.
package documents

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/webrana/webrana"
)

// Party is who a document is from (the operator) or to (the customer).
type Party struct {
	Name    string   `json:"name"`
	Address []string `json:"address,omitempty"` // one line each
	TaxID   string   `json:"tax_id,omitempty"`
	Email   string   `json:"email,omitempty"`
}

// Line is one row of a document: what it is for, a detail under it
// ("720 hours, monthly cap applied") and its amount in minor units.
type Line struct {
	Description string `json:"description"`
	Detail      string `json:"detail,omitempty"`
	Amount      int64  `json:"amount"`
}

// Document is a receipt, an invoice or a credit note, ready to render.
// Amounts are minor units of Currency. Total is what was paid or is owed;
// prices include tax, so Subtotal + Tax = Total and TaxLabel ("PPN 11%")
// names the tax contained in it (empty: no tax line).
type Document struct {
	Title    string // "Receipt", "Invoice", "Credit note"
	Number   string
	Issued   time.Time
	Period   string // "November 2026"; empty when the document has none
	Seller   Party
	Buyer    Party
	Currency string
	Lines    []Line
	Subtotal int64
	Tax      int64
	TaxLabel string
	Total    int64
	Notes    []string // printed under the totals, one paragraph each
}

// Render writes d as a PDF. Content streams are left uncompressed: the
// documents are small, and their text can then be found in the file (by
// tests, and by tools that index documents).
func Render(w io.Writer, d *Document) error {
	if d.Title == "" || d.Number == "" {
		return fmt.Errorf("render document: title and number are required")
	}
	p := newPage(d)
	p.header(d)
	p.parties(d)
	p.lines(d)
	p.totals(d)
	p.notes(d.Notes)
	if err := p.pdf.Output(w); err != nil {
		return fmt.Errorf("render %s %s: %w", d.Title, d.Number, err)
	}
	return nil
}

// page is one document being laid out on A4, in millimetres.
type page struct {
	pdf  *fpdf.Fpdf
	text func(string) string // UTF-8 to the core fonts' code page
	cur  string
}

const (
	margin   = 18.0
	width    = 210 - 2*margin
	amountW  = 40.0
	lineH    = 5.5
	fontName = "Helvetica"
)

func newPage(d *Document) *page {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	// A fixed date makes the same document the same bytes, every time.
	pdf.SetCreationDate(d.Issued)
	pdf.SetModificationDate(d.Issued)
	pdf.SetCatalogSort(true)
	p := &page{pdf: pdf, text: pdf.UnicodeTranslatorFromDescriptor(""), cur: d.Currency}
	pdf.SetTitle(d.Title+" "+d.Number, true)
	pdf.SetAuthor(d.Seller.Name, true)
	pdf.SetCreator("Webrana", true)
	pdf.AddPage()
	return p
}

func (p *page) font(style string, size float64) { p.pdf.SetFont(fontName, style, size) }

// cell writes one line of text of width w (0: to the right margin).
func (p *page) cell(w float64, s, align string, ln int) {
	p.pdf.CellFormat(w, lineH, p.text(s), "", ln, align, false, 0, "")
}

func (p *page) header(d *Document) {
	p.font("B", 18)
	p.pdf.CellFormat(width/2, 10, p.text(d.Title), "", 0, "L", false, 0, "")
	p.font("", 10)
	p.cell(0, "No. "+d.Number, "R", 1)
	p.cell(width/2, "", "L", 0)
	p.cell(0, "Issued "+d.Issued.UTC().Format("2 January 2006"), "R", 1)
	if d.Period != "" {
		p.cell(width/2, "", "L", 0)
		p.cell(0, "Period "+d.Period, "R", 1)
	}
	p.pdf.Ln(6)
}

// parties prints the seller on the left and the buyer on the right.
func (p *page) parties(d *Document) {
	left, right := partyLines("From", d.Seller), partyLines("To", d.Buyer)
	for i := range max(len(left), len(right)) {
		p.font(styleOf(i), 10)
		p.cell(width/2, at(left, i), "L", 0)
		p.cell(0, at(right, i), "L", 1)
	}
	p.pdf.Ln(6)
}

// styleOf makes each party's first line (its heading) bold.
func styleOf(i int) string {
	if i == 0 {
		return "B"
	}
	return ""
}

func partyLines(heading string, pt Party) []string {
	out := []string{heading, pt.Name}
	out = append(out, pt.Address...)
	if pt.TaxID != "" {
		out = append(out, "Tax ID: "+pt.TaxID)
	}
	if pt.Email != "" {
		out = append(out, pt.Email)
	}
	return out
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func (p *page) lines(d *Document) {
	p.font("B", 10)
	p.pdf.SetFillColor(235, 238, 242)
	p.pdf.CellFormat(width-amountW, 7, p.text("Description"), "B", 0, "L", true, 0, "")
	p.pdf.CellFormat(amountW, 7, p.text("Amount ("+d.Currency+")"), "B", 1, "R", true, 0, "")
	for _, l := range d.Lines {
		p.font("", 10)
		p.cell(width-amountW, l.Description, "L", 0)
		p.cell(amountW, webrana.FormatMajor(l.Amount), "R", 1)
		if l.Detail != "" {
			p.font("", 8)
			p.pdf.SetTextColor(90, 90, 90)
			p.cell(width-amountW, "  "+l.Detail, "L", 1)
			p.pdf.SetTextColor(0, 0, 0)
		}
	}
	x, y := p.pdf.GetXY()
	p.pdf.Line(x, y+1, x+width, y+1)
	p.pdf.Ln(3)
}

func (p *page) totals(d *Document) {
	row := func(label string, amount int64, style string) {
		p.font(style, 10)
		p.cell(width-amountW, label, "R", 0)
		p.cell(amountW, webrana.FormatMajor(amount), "R", 1)
	}
	if d.TaxLabel != "" {
		row("Subtotal", d.Subtotal, "")
		row(d.TaxLabel+" (included)", d.Tax, "")
	}
	row("Total "+d.Currency, d.Total, "B")
	p.pdf.Ln(6)
}

func (p *page) notes(notes []string) {
	p.font("", 9)
	for _, n := range notes {
		p.pdf.MultiCell(0, 4.5, p.text(strings.TrimSpace(n)), "", "L", false)
		p.pdf.Ln(1.5)
	}
}
