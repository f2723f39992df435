package provision

import (
	"regexp"
	"slices"

	"github.com/webrana/webrana"
)

// MaxTags bounds the tags of one server.
const MaxTags = 20

// tagPattern is a tag as DigitalOcean takes one: letters, digits,
// underscores, hyphens and colons, 1 to 255 of them.
var tagPattern = regexp.MustCompile(`^[a-zA-Z0-9_:-]{1,255}$`)

// ValidTag reports whether tag is a tag a server may carry.
func ValidTag(tag string) bool { return tagPattern.MatchString(tag) }

// checkTags validates the customer's tags on a new server. Tags are the
// customer's own: another customer's tags of the same name are others.
func checkTags(tags []string) error {
	if len(tags) > MaxTags {
		return webrana.FieldError("tags", "At most %d tags per server.", MaxTags)
	}
	for i, t := range tags {
		if !ValidTag(t) {
			return webrana.FieldError("tags", "Tag %q: a tag is 1 to 255 letters, digits, underscores, hyphens and colons.", t)
		}
		if slices.Contains(tags[:i], t) {
			return webrana.FieldError("tags", "Tag %q is listed twice.", t)
		}
	}
	return nil
}
