package providers

import (
	"slices"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/digitalocean"
	"github.com/webrana/webrana/cloud/linode"
)

// registry is every provider Webrana drives, in display order: the one
// table that knows which providers exist. A new provider is one line here
// (see the package doc).
var registry = []cloud.Registration{
	digitalocean.Registration(),
	linode.Registration(),
}

// Lookup returns the registration of a provider type; ok is false for a
// type no driver serves.
func Lookup(t webrana.ProviderType) (reg cloud.Registration, ok bool) {
	i := slices.IndexFunc(registry, func(r cloud.Registration) bool { return r.Type == string(t) })
	if i < 0 {
		return cloud.Registration{}, false
	}
	return registry[i], true
}

// Of returns the registration of a provider type, for callers that hold a
// type already checked (a stored server's, a validated order's). For a
// type no driver serves it is one named by the type, whose Capabilities
// can do nothing and which opens no driver.
func Of(t webrana.ProviderType) cloud.Registration {
	if reg, ok := Lookup(t); ok {
		return reg
	}
	return cloud.Registration{Type: string(t), Name: string(t)}
}

// All returns every registration, in display order.
func All() []cloud.Registration { return slices.Clone(registry) }

// NamesWith names, for messages, the providers whose capabilities have
// what has asks: "DigitalOcean", or several joined with "and".
func NamesWith(has func(cloud.Capabilities) bool) string {
	var names []string
	for _, r := range registry {
		if has(r.Capabilities) {
			names = append(names, r.Name)
		}
	}
	return webrana.JoinWords(names, "and")
}
