package cloudsim

// Catalog lists, as CatalogCount names them.
const (
	CatalogSizes         = "sizes"         // DigitalOcean sizes, Linode types
	CatalogDistributions = "distributions" // public, current operating system images
	CatalogApplications  = "applications"  // DigitalOcean's 1-Click application images (Linode has none)
	CatalogApps          = "apps"          // DigitalOcean's droplet 1-Clicks, Linode's public StackScripts
)

// CatalogCount is how many items a provider's catalog list holds, for
// tests that check a client got every item of a list that spans several
// pages exactly once. It is 0 for an unknown provider or list.
func CatalogCount(provider, list string) int {
	switch provider {
	case DigitalOcean:
		return doCatalog().count(list)
	case Linode:
		return linodeCat.count(list)
	}
	return 0
}

func (c *doCatalogData) count(list string) int {
	n := 0
	switch list {
	case CatalogSizes:
		n = len(c.sizes)
	case CatalogDistributions, CatalogApplications:
		for _, img := range c.images {
			if img.application == (list == CatalogApplications) {
				n++
			}
		}
	case CatalogApps:
		for _, oc := range c.oneClicks {
			if oc.Type == "droplet" {
				n++
			}
		}
	}
	return n
}

func (c *linodeCatalog) count(list string) int {
	n := 0
	switch list {
	case CatalogSizes:
		n = len(c.types.fields)
	case CatalogDistributions:
		for _, f := range c.images.fields {
			if f["is_public"] == true && f["deprecated"] != true {
				n++
			}
		}
	case CatalogApps:
		for _, f := range c.stackscripts.fields {
			if f["is_public"] == true {
				n++
			}
		}
	}
	return n
}

// ServerExample is a small server the simulator's catalog lets every
// account of a provider create: a region, a size offered there and a
// distribution image.
type ServerExample struct{ Region, Size, Image string }

// Example returns the provider's ServerExample, for tests that need a
// server of each provider without knowing its catalog.
func Example(provider string) ServerExample {
	switch provider {
	case DigitalOcean:
		return ServerExample{Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"}
	case Linode:
		return ServerExample{Region: "us-east", Size: "g6-nanode-1", Image: "linode/ubuntu24.04"}
	}
	return ServerExample{}
}
