package cloud

// Registration is what a driver package tells Webrana about its provider:
// enough to open a client of any account, and to read the provider's
// name and capabilities without one. Each driver package exports its own
// (digitalocean.Registration), and package providers lists them in its
// registry, the one place that knows which providers exist.
type Registration struct {
	// Type is the provider type, as Webrana, its database and cloudsim
	// name it ("digitalocean"); it is the Driver's Provider.
	Type string
	// Name is the provider's name as people write it ("DigitalOcean").
	Name string
	// Capabilities is what every driver of the provider declares.
	Capabilities Capabilities
	// RatePolicy is the provider's published rate limits, under which
	// the driver paces each account (Pacers.For with Type).
	RatePolicy RatePolicy
	// BudgetPath is an API path of the account's general request budget,
	// where its pacer tells how many requests are left (Pacer.Remaining
	// of GET BudgetPath).
	BudgetPath string
	// New returns a driver for one account.
	New func(DriverConfig) (Driver, error)
}

// Constructor adapts a driver package's New, which returns its concrete
// driver, to Registration.New: a failure is a nil Driver, not a nil
// pointer inside a non-nil interface.
func Constructor[D Driver](newDriver func(DriverConfig) (D, error)) func(DriverConfig) (Driver, error) {
	return func(cfg DriverConfig) (Driver, error) {
		d, err := newDriver(cfg)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
}
