package pages

import (
	"strconv"

	"github.com/webrana/webrana"
)

// minPassword is the shortest password accepted, for forms to say.
func minPassword() string { return strconv.Itoa(webrana.MinPasswordLength) }
