package cloud

import "strings"

// AppCategory places a marketplace application in a category from its slug
// or name. Neither provider's API says (DigitalOcean's 1-clicks carry a slug
// only, Linode's StackScripts a label), so the common ones are known here.
func AppCategory(slugOrName string) string {
	s := strings.ToLower(slugOrName)
	for _, c := range []struct{ keyword, name string }{
		{"wordpress", "CMS"}, {"openlitespeed-wp", "CMS"}, {"ghost", "CMS"}, {"drupal", "CMS"}, {"joomla", "CMS"},
		{"discourse", "Community"}, {"docker", "Containers"}, {"kubernetes", "Containers"},
		{"lamp", "Stacks"}, {"lemp", "Stacks"}, {"mean", "Stacks"},
		{"nodejs", "Frameworks"}, {"node.js", "Frameworks"}, {"django", "Frameworks"}, {"rails", "Frameworks"},
		{"mysql", "Databases"}, {"mariadb", "Databases"}, {"mongodb", "Databases"}, {"postgres", "Databases"}, {"redis", "Databases"},
		{"gitlab", "Developer tools"}, {"jenkins", "Developer tools"},
		{"grafana", "Monitoring"}, {"prometheus", "Monitoring"},
	} {
		if strings.Contains(s, c.keyword) {
			return c.name
		}
	}
	return "Other"
}
