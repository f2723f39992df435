package cloudsim

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode"
)

// Validation as the Linode API does it: 400 with every problem found, each
// {"reason","field"}. Reasons are the real API's where known.

const (
	linodeReasonLimit     = "Account Limit reached. Please open a support ticket."
	linodeReasonBadType   = "A valid plan type by that ID was not found"
	linodeReasonBadRegion = "region is not valid"
	linodeReasonBadImage  = "image is not valid"
	linodeReasonPassLen   = "Length must be 11-128 characters"
	linodeReasonPassWeak  = "Password does not meet strength requirement."
	linodeReasonBusy      = "Linode busy."
	linodeReasonLocked    = "Your account is locked. Please open a support ticket."
)

// linodeErrs collects field errors.
type linodeErrs []linodeFieldError

func (e *linodeErrs) add(field, reason string) {
	*e = append(*e, linodeFieldError{Field: field, Reason: reason})
}

// checkLinodeLabel applies the label rules: 3–64 characters, starting with
// a letter and ending with a letter or digit; letters, digits, -, _ and .;
// never two of -, _, . in a row.
func checkLinodeLabel(errs *linodeErrs, label string) {
	if n := len(label); n < 3 || n > 64 {
		errs.add("label", "Length must be 3-64 characters")
		return
	}
	ok := isASCIILetter(rune(label[0])) && isASCIIAlnum(rune(label[len(label)-1]))
	for i, r := range label {
		if !isASCIIAlnum(r) && r != '-' && r != '_' && r != '.' {
			ok = false
		}
		if i > 0 && (r == '-' || r == '_' || r == '.') && rune(label[i-1]) == r {
			ok = false
		}
	}
	if !ok {
		errs.add("label", "Label must begin with a letter, end with a letter or number, and may only contain letters, numbers, dashes, underscores, and periods, without two dashes, underscores, or periods in a row")
	}
}

func isASCIILetter(r rune) bool { return r < 128 && unicode.IsLetter(r) }
func isASCIIAlnum(r rune) bool  { return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// checkLinodeRootPass applies Linode's root password rules: 11–128
// characters and a strength score. Linode scores passwords with a zxcvbn
// estimator; this one asks for three kinds of character (or a long
// passphrase of two), enough distinct characters, and no runs, sequences,
// keyboard walks or common passwords.
func checkLinodeRootPass(errs *linodeErrs, field, pass string) {
	if n := len(pass); n < 11 || n > 128 {
		errs.add(field, linodeReasonPassLen)
		return
	}
	if !strongLinodePassword(pass) {
		errs.add(field, linodeReasonPassWeak)
	}
}

var weakPasswordParts = []string{"password", "passw0rd", "qwerty", "asdfgh", "zxcvbn", "letmein", "welcome",
	"admin", "iloveyou", "monkey", "dragon", "linode", "changeme", "123456", "654321", "abc123", "111111"}

func strongLinodePassword(p string) bool {
	var lower, upper, digit, other bool
	distinct := map[rune]bool{}
	for _, r := range p {
		distinct[r] = true
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	kinds := 0
	for _, k := range []bool{lower, upper, digit, other} {
		if k {
			kinds++
		}
	}
	if kinds < 3 && !(kinds == 2 && len(p) >= 20) {
		return false
	}
	if len(distinct) < max(6, len(p)/4) {
		return false
	}
	lp := strings.ToLower(p)
	for _, w := range weakPasswordParts {
		if strings.Contains(lp, w) {
			return false
		}
	}
	run, seq := 1, 1
	for i := 1; i < len(lp); i++ {
		if lp[i] == lp[i-1] {
			run++
		} else {
			run = 1
		}
		if d := int(lp[i]) - int(lp[i-1]); d == 1 || d == -1 {
			seq++
		} else {
			seq = 1
		}
		if run >= 4 || seq >= 5 {
			return false
		}
	}
	return true
}

var sshKeyTypes = map[string]bool{"ssh-rsa": true, "ssh-dss": true, "ssh-ed25519": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp521": true,
	"sk-ssh-ed25519@openssh.com": true, "sk-ecdsa-sha2-nistp256@openssh.com": true}

// validSSHPublicKey checks an OpenSSH public key line: type, base64 blob
// whose first field repeats the type, optional comment.
func validSSHPublicKey(key string) bool {
	if strings.ContainsAny(key, "\r\n") {
		return false
	}
	f := strings.Fields(key)
	if len(f) < 2 || !sshKeyTypes[f[0]] {
		return false
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(blob) < 4 {
		return false
	}
	n := binary.BigEndian.Uint32(blob)
	return int(n) <= len(blob)-4 && string(blob[4:4+n]) == f[0]
}

func checkLinodeAuthorizedKeys(errs *linodeErrs, keys []string) {
	for _, k := range keys {
		if !validSSHPublicKey(k) {
			errs.add("authorized_keys", "Invalid SSH key")
			return
		}
	}
}

func checkLinodeAuthorizedUsers(errs *linodeErrs, users []string, username string) {
	for _, u := range users {
		if u != username {
			errs.add("authorized_users", fmt.Sprintf("Username %s not found", u))
		}
	}
}

// normalizeLinodeTags checks tags (3–50 characters) and removes duplicates.
func normalizeLinodeTags(errs *linodeErrs, tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		if n := len(t); n < 3 || n > 50 {
			errs.add("tags", "Length must be 3-50 characters")
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// checkLinodeStackScript checks a StackScript deployment: the script
// exists, takes the image, and stackscript_data gives every required UDF
// (one without a default) and only allowed values for oneOf/manyOf.
func checkLinodeStackScript(errs *linodeErrs, id int, image string, data map[string]any) {
	s := linodeCat.scriptByID[id]
	if s == nil {
		errs.add("stackscript_id", "StackScript not found")
		return
	}
	if image == "" {
		errs.add("image", "image is required when deploying a StackScript")
	} else if linodeCat.imageByID[image] != nil && !s.allowsImage(image) {
		errs.add("image", fmt.Sprintf("Image %s is not compatible with this StackScript", image))
	}
	if b, _ := json.Marshal(data); len(b) > 65535 {
		errs.add("stackscript_data", "Must be 65535 characters or less")
	}
	for _, u := range s.UDFs {
		raw, given := data[u.Name]
		v, isStr := raw.(string)
		if given && !isStr {
			errs.add("stackscript_data", fmt.Sprintf("%s must be a string", u.Name))
			continue
		}
		if !given || v == "" {
			if u.Default == nil {
				errs.add("stackscript_data", fmt.Sprintf("%s is required", u.Name))
			}
			continue
		}
		switch {
		case u.OneOf != "":
			if !containsString(strings.Split(u.OneOf, ","), v) {
				errs.add("stackscript_data", fmt.Sprintf("%s must be one of %s", u.Name, u.OneOf))
			}
		case u.ManyOf != "":
			for _, part := range strings.Split(v, ",") {
				if !containsString(strings.Split(u.ManyOf, ","), part) {
					errs.add("stackscript_data", fmt.Sprintf("%s must be any of %s", u.Name, u.ManyOf))
					break
				}
			}
		}
	}
}

// checkLinodeUserData checks metadata.user_data: base64 of at most 64 KiB
// of cloud-config, for an image with cloud-init.
func checkLinodeUserData(errs *linodeErrs, userData, image string) {
	b, err := base64.StdEncoding.DecodeString(userData)
	switch {
	case err != nil:
		errs.add("metadata.user_data", "Must be valid base64")
	case len(b) > 65535:
		errs.add("metadata.user_data", "Must be 65535 bytes or less before encoding")
	case image == "":
		errs.add("metadata.user_data", "An image is required to use user data")
	default:
		if im := linodeCat.imageByID[image]; im != nil && !containsString(im.Capabilities, "cloud-init") {
			errs.add("metadata.user_data", "The selected image does not support cloud-init")
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decodeLinodeBody reads a JSON request body (at most 1 MiB) into v; a
// malformed one gets Linode's 400.
func decodeLinodeBody(c *call, v any) bool {
	var errs linodeErrs
	body, err := io.ReadAll(io.LimitReader(c.r.Body, 1<<20+1))
	switch {
	case err != nil:
		errs.add("", "Invalid request body")
	case len(body) > 1<<20:
		errs.add("", "Request body too large")
	case len(bytes.TrimSpace(body)) == 0:
		return true
	default:
		err = json.Unmarshal(body, v)
		var te *json.UnmarshalTypeError
		switch {
		case err == nil:
			return true
		case errors.As(err, &te) && te.Field != "":
			errs.add(te.Field, "Must be "+jsonKind(te.Type.Kind()))
		default:
			errs.add("", "Invalid JSON")
		}
	}
	writeLinodeErrors(c, http.StatusBadRequest, errs)
	return false
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}
