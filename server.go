package webrana

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// labelPattern is Linode's label rule, applied to both providers so a label
// means the same everywhere: 3 to 64 letters, digits, '-', '_' or '.',
// starting and ending with a letter or digit.
var labelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,62}[A-Za-z0-9]$`)

// ValidLabel trims and checks a server label.
func ValidLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if !labelPattern.MatchString(label) || strings.Contains(label, "--") || strings.Contains(label, "__") || strings.Contains(label, "..") {
		return "", FieldError("label", "A label is 3 to 64 letters, digits, dashes, underscores or dots, starting and ending with a letter or digit, with no two of - _ . in a row.")
	}
	return label, nil
}

// CheckRootPassword applies Linode's root password rules to every provider:
// 11 to 128 characters, at least three of lower case, upper case, digits
// and symbols, and not built from the label or the customer's e-mail.
func CheckRootPassword(pw, label, email string) error {
	n := utf8.RuneCountInString(pw)
	if n < 11 || n > 128 {
		return FieldError("root_password", "The root password must be 11 to 128 characters.")
	}
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsControl(r):
			return FieldError("root_password", "The root password cannot contain control characters.")
		default:
			symbol = true
		}
	}
	classes := 0
	for _, ok := range []bool{lower, upper, digit, symbol} {
		if ok {
			classes++
		}
	}
	if classes < 3 {
		return FieldError("root_password", "The root password is too weak: use at least three of lower case, upper case, digits and symbols.")
	}
	low := strings.ToLower(pw)
	user, _, _ := strings.Cut(strings.ToLower(email), "@")
	for _, word := range []string{strings.ToLower(label), user, "password", "webrana"} {
		if len(word) >= 4 && strings.Contains(low, word) {
			return FieldError("root_password", "The root password is too easy to guess: it contains %q.", word)
		}
	}
	return nil
}
