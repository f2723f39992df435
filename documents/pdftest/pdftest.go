// Package pdftest reads back what a PDF rendered by package documents
// shows, so tests can assert on a document's text rather than on its bytes.
package pdftest

import (
	"bytes"
	"regexp"
	"strings"
)

// shown matches a literal string drawn by the Tj operator, as fpdf writes
// them into uncompressed content streams: "(text) Tj".
var shown = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)

// Text returns the text a PDF draws, one shown string per line, in the
// order drawn. Escapes are undone, and the core fonts' code page (cp1252)
// is read as Latin-1, which agrees with it on letters such as "ü".
func Text(pdf []byte) string {
	var out strings.Builder
	for _, m := range shown.FindAllSubmatch(pdf, -1) {
		out.WriteString(unescape(m[1]))
		out.WriteByte('\n')
	}
	return out.String()
}

// IsPDF reports whether b starts and ends as a PDF file does.
func IsPDF(b []byte) bool {
	return bytes.HasPrefix(b, []byte("%PDF-")) && bytes.Contains(b[max(0, len(b)-64):], []byte("%%EOF"))
}

func unescape(b []byte) string {
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) {
			i++
			switch e := b[i]; e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
					i++
					v = v*8 + int(b[i]-'0')
				}
				c = byte(v)
			default:
				c = e // \\ \( \) and anything else stand for themselves
			}
		}
		out.WriteRune(rune(c)) // Latin-1 to UTF-8
	}
	return out.String()
}
