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

// commonPasswordParts make a password guessable wherever they appear.
var commonPasswordParts = []string{"password", "passw0rd", "qwerty", "asdfgh", "zxcvbn", "letmein", "welcome",
	"admin", "iloveyou", "monkey", "dragon", "linode", "changeme", "webrana", "123456", "654321", "abc123", "111111"}

// CheckRootPassword applies Linode's root password rules to every provider,
// so a password is refused when the order is placed rather than by the
// provider later: 11 to 128 characters; three of lower case, upper case,
// digits and symbols (two will do from 20 characters); enough different
// characters; no common password, label or e-mail name inside; no run of
// four equal or five consecutive characters.
func CheckRootPassword(pw, label, email string) error {
	n := utf8.RuneCountInString(pw)
	if n < 11 || n > 128 {
		return FieldError("root_password", "The root password must be 11 to 128 characters.")
	}
	var lower, upper, digit, symbol bool
	distinct := map[rune]bool{}
	for _, r := range pw {
		distinct[r] = true
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
	if classes < 3 && (classes < 2 || n < 20) {
		return FieldError("root_password", "The root password is too weak: use at least three of lower case, upper case, digits and symbols.")
	}
	if len(distinct) < max(6, n/4) {
		return FieldError("root_password", "The root password repeats too few characters; use more different ones.")
	}
	low := strings.ToLower(pw)
	user, _, _ := strings.Cut(strings.ToLower(email), "@")
	for _, word := range append([]string{strings.ToLower(label), user}, commonPasswordParts...) {
		if len(word) >= 4 && strings.Contains(low, word) {
			return FieldError("root_password", "The root password is too easy to guess: it contains %q.", word)
		}
	}
	if hasRunOrSequence(low) {
		return FieldError("root_password", "The root password is too easy to guess: it has a run such as aaaa or 12345.")
	}
	return nil
}

// hasRunOrSequence reports four equal characters in a row, or five
// consecutive ones (abcde, 54321).
func hasRunOrSequence(s string) bool {
	r := []rune(s)
	run, seq := 1, 1
	for i := 1; i < len(r); i++ {
		run = map[bool]int{true: run + 1, false: 1}[r[i] == r[i-1]]
		d := r[i] - r[i-1]
		seq = map[bool]int{true: seq + 1, false: 1}[d == 1 || d == -1]
		if run >= 4 || seq >= 5 {
			return true
		}
	}
	return false
}
