package cloudsim

import (
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// GET /v4/account, GET /v4/profile and GET …/instances/{id}/stats. Values
// not kept in the account (names, dates, uid) are derived from it, so they
// are stable across calls and restarts.

func linodeHash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// linodeUsername derives the profile's username from the e-mail's local
// part: 3–32 of letters, digits, - and _.
func linodeUsername(email string) string {
	local, _, _ := strings.Cut(email, "@")
	var b strings.Builder
	for _, r := range strings.ToLower(local) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	u := b.String()
	for len(u) < 3 {
		u += "_"
	}
	if len(u) > 32 {
		u = u[:32]
	}
	return u
}

type linodeAccountJSON struct {
	ActivePromotions  []struct{}           `json:"active_promotions"`
	ActiveSince       string               `json:"active_since"`
	Address1          string               `json:"address_1"`
	Address2          string               `json:"address_2"`
	Balance           float64              `json:"balance"`
	BalanceUninvoiced float64              `json:"balance_uninvoiced"`
	BillingSource     string               `json:"billing_source"`
	Capabilities      []string             `json:"capabilities"`
	City              string               `json:"city"`
	Company           string               `json:"company"`
	Country           string               `json:"country"`
	CreditCard        linodeCreditCardJSON `json:"credit_card"`
	Email             string               `json:"email"`
	EUUID             string               `json:"euuid"`
	FirstName         string               `json:"first_name"`
	LastName          string               `json:"last_name"`
	Phone             string               `json:"phone"`
	State             string               `json:"state"`
	TaxID             string               `json:"tax_id"`
	Zip               string               `json:"zip"`
}

type linodeCreditCardJSON struct {
	Expiry   string `json:"expiry"`
	LastFour string `json:"last_four"`
}

var linodeAccountCapabilities = []string{"Linodes", "NodeBalancers", "Block Storage", "Object Storage", "Kubernetes",
	"Cloud Firewall", "Vlans", "VPCs", "Managed Databases", "Placement Group", "Block Storage Encryption", "LA Disk Encryption"}

func (l *linode) getAccount(c *call) {
	a := c.acct
	h := linodeHash(a.UUID)
	since := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(h%(8*365*24*3600)) * time.Second)
	balance := 0.0
	switch a.Status {
	case StatusWarning:
		balance = 24.68 // past due: the card was declined
	case StatusLocked:
		balance = 187.2
	}
	first, _, _ := strings.Cut(a.Email, "@")
	if first != "" {
		first = strings.ToUpper(first[:1]) + first[1:]
	}
	writeLinodeJSON(c, http.StatusOK, linodeAccountJSON{ActivePromotions: []struct{}{}, ActiveSince: linodeTime(since),
		Balance: balance, BalanceUninvoiced: linodeUninvoiced(linodeStateOf(c), c.now), BillingSource: "akamai",
		Capabilities: linodeAccountCapabilities, City: "Philadelphia", Country: "US", State: "PA", Zip: "19106",
		CreditCard: linodeCreditCardJSON{Expiry: "12/2029", LastFour: fmt.Sprintf("%04d", h%10000)},
		Email:      a.Email, EUUID: strings.ToUpper(a.UUID), FirstName: first})
}

// linodeUninvoiced is this month's charges so far: each Linode's hourly
// price for every started hour, capped at its monthly price.
func linodeUninvoiced(st *linodeState, now time.Time) float64 {
	total := 0.0
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, in := range st.Instances {
		t := linodeCat.typeByID[in.Type]
		if t == nil {
			continue
		}
		from := in.Created
		if from.Before(month) {
			from = month
		}
		hours := math.Ceil(now.Sub(from).Hours())
		total += min(max(hours, 0)*t.Price.Hourly, t.Price.Monthly)
	}
	return math.Round(total*100) / 100
}

type linodeProfileJSON struct {
	AuthenticationType string   `json:"authentication_type"`
	AuthorizedKeys     []string `json:"authorized_keys"`
	Email              string   `json:"email"`
	EmailNotifications bool     `json:"email_notifications"`
	IPWhitelistEnabled bool     `json:"ip_whitelist_enabled"`
	LishAuthMethod     string   `json:"lish_auth_method"`
	Referrals          struct {
		Code      string `json:"code"`
		Completed int    `json:"completed"`
		Credit    int    `json:"credit"`
		Pending   int    `json:"pending"`
		Total     int    `json:"total"`
		URL       string `json:"url"`
	} `json:"referrals"`
	Restricted          bool    `json:"restricted"`
	Timezone            string  `json:"timezone"`
	TwoFactorAuth       bool    `json:"two_factor_auth"`
	UID                 int     `json:"uid"`
	Username            string  `json:"username"`
	VerifiedPhoneNumber *string `json:"verified_phone_number"`
}

func (l *linode) getProfile(c *call) {
	a := c.acct
	h := linodeHash("profile", a.UUID)
	p := linodeProfileJSON{AuthenticationType: "password", Email: a.Email, EmailNotifications: true,
		LishAuthMethod: "password_keys", Timezone: "US/Eastern", TwoFactorAuth: true,
		UID: 1000000 + int(h%9000000), Username: linodeUsername(a.Email)}
	p.Referrals.Code = fmt.Sprintf("%040x", h)[:40]
	p.Referrals.URL = "https://www.linode.com/?r=" + p.Referrals.Code
	writeLinodeJSON(c, http.StatusOK, p)
}

// ---- stats ----

type linodeStatsJSON struct {
	Title string          `json:"title"`
	Data  linodeStatsData `json:"data"`
}

type linodeStatsData struct {
	CPU   [][2]float64   `json:"cpu"`
	IO    linodeStatsIO  `json:"io"`
	NetV4 linodeStatsNet `json:"netv4"`
	NetV6 linodeStatsNet `json:"netv6"`
}

type linodeStatsIO struct {
	IO   [][2]float64 `json:"io"`
	Swap [][2]float64 `json:"swap"`
}

type linodeStatsNet struct {
	In         [][2]float64 `json:"in"`
	Out        [][2]float64 `json:"out"`
	PrivateIn  [][2]float64 `json:"private_in"`
	PrivateOut [][2]float64 `json:"private_out"`
}

// instanceStats answers the last 24 hours in 5-minute averages, as
// [milliseconds, value] pairs: CPU percent (100 per core), disk blocks/s,
// network bits/s. Values are a daily curve with noise, derived from the
// Linode's id and the time, so repeated calls agree.
func (l *linode) instanceStats(c *call) {
	_, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	const step = 5 * time.Minute
	end := c.now.UTC().Truncate(step)
	start := end.Add(-24*time.Hour + step)
	if created := in.Created.Add(step - 1).Truncate(step); created.After(start) {
		start = created
	}
	vcpus := 1
	if t := linodeCat.typeByID[in.Type]; t != nil {
		vcpus = t.VCPUs
	}
	var d linodeStatsData
	series := func(name string, lo, hi float64) func(time.Time) [2]float64 {
		return func(t time.Time) [2]float64 {
			n := float64(linodeHash(fmt.Sprint(in.ID), name, fmt.Sprint(t.Unix()))%10000) / 10000
			day := 0.5 + 0.5*math.Sin(2*math.Pi*float64(t.Unix()%86400)/86400-math.Pi/2)
			v := lo + (hi-lo)*(0.35*day+0.65*n)
			return [2]float64{float64(t.UnixMilli()), math.Round(v*100) / 100}
		}
	}
	zero := func(t time.Time) [2]float64 { return [2]float64{float64(t.UnixMilli()), 0} }
	cpu := series("cpu", 0.3, 12*float64(vcpus))
	io, v4in, v4out := series("io", 0.1, 9), series("v4in", 900, 48000), series("v4out", 1500, 96000)
	v6in, v6out := series("v6in", 20, 1600), series("v6out", 10, 900)
	for t := start; !t.After(end); t = t.Add(step) {
		d.CPU = append(d.CPU, cpu(t))
		d.IO.IO = append(d.IO.IO, io(t))
		d.IO.Swap = append(d.IO.Swap, zero(t))
		d.NetV4.In = append(d.NetV4.In, v4in(t))
		d.NetV4.Out = append(d.NetV4.Out, v4out(t))
		d.NetV4.PrivateIn = append(d.NetV4.PrivateIn, zero(t))
		d.NetV4.PrivateOut = append(d.NetV4.PrivateOut, zero(t))
		d.NetV6.In = append(d.NetV6.In, v6in(t))
		d.NetV6.Out = append(d.NetV6.Out, v6out(t))
		d.NetV6.PrivateIn = append(d.NetV6.PrivateIn, zero(t))
		d.NetV6.PrivateOut = append(d.NetV6.PrivateOut, zero(t))
	}
	for _, s := range []*[][2]float64{&d.CPU, &d.IO.IO, &d.IO.Swap, &d.NetV4.In, &d.NetV4.Out, &d.NetV4.PrivateIn,
		&d.NetV4.PrivateOut, &d.NetV6.In, &d.NetV6.Out, &d.NetV6.PrivateIn, &d.NetV6.PrivateOut} {
		if *s == nil {
			*s = [][2]float64{}
		}
	}
	writeLinodeJSON(c, http.StatusOK, linodeStatsJSON{
		Title: fmt.Sprintf("linode.com - %s (linode%d) - day (5 min avg)", in.Label, in.ID), Data: d})
}
