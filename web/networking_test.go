package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// Issue 19's networking: reverse DNS, resizes with or without the disk,
// and VPCs customers own.

type actionJSON struct {
	ID, Type, Status, Note string
	Params                 struct {
		PlanID string `json:"plan_id"`
		Disk   bool
		IP     string
		PTR    string
	}
}

// wantField asserts an answer is a 400 about field.
func wantField(t *testing.T, res *webtest.Response, field, what string) {
	t.Helper()
	if res.Status != 400 || res.ErrorField() != field {
		t.Fatalf("%s: %d %s, want 400 on %s", what, res.Status, res.Body, field)
	}
}

// addressedServer is a running server of owner with both addresses.
func (h *harness) addressedServer(t *testing.T, owner *webrana.User, plan *webrana.Plan, label string) *webrana.Instance {
	t.Helper()
	in := h.server(t, owner, plan, label, webrana.StatusActive)
	v6 := "2001:db8::7"
	if _, err := h.db.UpdateInstance(context.Background(), in.ID, store.InstanceUpdate{IPv6: &v6}); err != nil {
		t.Fatal(err)
	}
	in.IPv6 = v6
	return in
}

// TestSetRDNS: set_rdns is accepted for the server's own addresses (in any
// spelling) with a host name, saying on DigitalOcean that the droplet is
// renamed; another address or a bad name is a field error; another
// customer's server is not found; a suspended server refuses it.
func TestSetRDNS(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		alice, _ := h.user("alice@example.com", webrana.RoleCustomer), h.user("bob@example.com", webrana.RoleCustomer)
		ac, bc := h.login("alice@example.com"), h.login("bob@example.com")
		do := h.addressedServer(t, alice, h.plan(t, webrana.DigitalOcean), "web")
		li := h.addressedServer(t, alice, h.plan(t, webrana.Linode), "db")
		path := func(in *webrana.Instance) string { return "/api/vps/" + in.ID + "/actions" }
		rdns := func(ip, ptr string) map[string]string {
			return map[string]string{"type": "set_rdns", "ip": ip, "ptr": ptr}
		}

		wantField(t, ac.Do("POST", path(do), rdns("198.51.100.1", "mail.example.com")), "ip", "an address not the server's")
		wantField(t, ac.Do("POST", path(do), rdns("", "mail.example.com")), "ip", "no address")
		for _, bad := range []string{"", "localhost", "not a name", "-x.example.com", "mail.example.123"} {
			wantField(t, ac.Do("POST", path(do), rdns("203.0.113.7", bad)), "ptr", "PTR "+bad)
		}
		mustStatus(t, bc.Do("POST", path(do), rdns("203.0.113.7", "mail.example.com")), 404, "another customer's server")

		res := ac.Do("POST", path(do), rdns("203.0.113.7", "Mail.Example.com."))
		mustStatus(t, res, 202, "set_rdns on DigitalOcean")
		var a actionJSON
		res.JSON(t, &a)
		if a.Type != "set_rdns" || a.Status != "queued" || a.Params.IP != "203.0.113.7" || a.Params.PTR != "mail.example.com" ||
			!strings.Contains(a.Note, "renamed to mail.example.com") || !strings.Contains(a.Note, "label in Webrana stays web") {
			t.Fatalf("DigitalOcean set_rdns %+v", a)
		}
		res = ac.Do("POST", path(li), rdns("2001:0db8:0000::0007", "v6.example.com"))
		mustStatus(t, res, 202, "set_rdns on Linode's IPv6")
		a = actionJSON{}
		res.JSON(t, &a)
		if a.Params.IP != "2001:db8::7" || a.Params.PTR != "v6.example.com" || a.Note != "" {
			t.Fatalf("Linode set_rdns %+v", a)
		}
		var list struct{ Items []actionJSON }
		ac.Do("GET", path(li), nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Type != "set_rdns" {
			t.Fatalf("history %+v", list.Items)
		}
		h.setStatus(t, do.ID, webrana.StatusSuspended)
		mustStatus(t, ac.Do("POST", path(do), rdns("203.0.113.7", "mail.example.com")), 409, "a suspended server")
	})
}

// TestResizeDisk: on DigitalOcean a resize keeping the disk is refused when
// the plan's disk is bigger and accepted when it is not; with disk it is
// accepted and says so. On Linode disk:false is refused and the default is
// the disk resize.
func TestResizeDisk(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		alice := h.user("alice@example.com", webrana.RoleCustomer)
		ac := h.login("alice@example.com")
		plan := func(p webrana.ProviderType, size string, disk, memory int, price int64) *webrana.Plan {
			pl := h.plan(t, p)
			pl.SizeSlug, pl.DiskGB, pl.MemoryMB, pl.VCPUs, pl.PriceMonthly = size, disk, memory, 1, price
			if _, err := h.db.UpdatePlan(context.Background(), pl); err != nil {
				t.Fatal(err)
			}
			return pl
		}
		small := plan(webrana.DigitalOcean, "s-1vcpu-1gb", 25, 1024, 600)
		bigDisk := plan(webrana.DigitalOcean, "s-1vcpu-2gb", 50, 2048, 1200)
		sameDisk := plan(webrana.DigitalOcean, "s-1vcpu-2gb", 25, 2048, 900)
		resize := func(in *webrana.Instance, planID string, disk *bool) *webtest.Response {
			body := map[string]any{"type": "resize", "plan_id": planID}
			if disk != nil {
				body["disk"] = *disk
			}
			return ac.Do("POST", "/api/vps/"+in.ID+"/actions", body)
		}
		yes, no := true, false
		off := h.server(t, alice, small, "web", webrana.StatusOff)
		res := resize(off, bigDisk.ID, nil)
		wantField(t, res, "disk", "a CPU-only resize to a bigger disk")
		if !strings.Contains(res.ErrorMessage(), "permanent") {
			t.Fatalf("the refusal does not say a disk resize is permanent: %s", res.ErrorMessage())
		}
		wantField(t, resize(off, bigDisk.ID, &no), "disk", "disk:false to a bigger disk")
		res = resize(off, sameDisk.ID, nil)
		mustStatus(t, res, 202, "CPU and memory resize to the same disk")
		var a actionJSON
		if res.JSON(t, &a); a.Params.Disk || a.Params.PlanID != sameDisk.ID {
			t.Fatalf("CPU-only resize %+v", a)
		}
		other := h.server(t, alice, small, "web-2", webrana.StatusOff)
		res = resize(other, bigDisk.ID, &yes)
		mustStatus(t, res, 202, "disk resize")
		if res.JSON(t, &a); !a.Params.Disk || a.Params.PlanID != bigDisk.ID {
			t.Fatalf("disk resize %+v", a)
		}

		lsmall := plan(webrana.Linode, "g6-nanode-1", 25, 1024, 500)
		lbig := plan(webrana.Linode, "g6-standard-1", 50, 2048, 1000)
		lin := h.server(t, alice, lsmall, "li", webrana.StatusActive)
		wantField(t, resize(lin, lbig.ID, &no), "disk", "a Linode resize keeping the disk")
		res = resize(lin, lbig.ID, nil)
		mustStatus(t, res, 202, "a Linode resize")
		if res.JSON(t, &a); !a.Params.Disk {
			t.Fatalf("a Linode resize does not say it resizes the disk: %+v", a)
		}
	})
}

type vpcJSON struct {
	ID        string
	UUID      string `json:"vpc_uuid"`
	Region    string
	Name      string
	Origin    string
	AccountID string `json:"account_id"`
	OwnerID   string `json:"owner_id"`
}

// TestVPCs: a customer creates VPCs on the pool's account, lists and
// deletes their own and never another's (404); an order must name one of
// the customer's own VPCs, in its region, on an account with room; a VPC
// in use cannot be deleted; the operator assigns an existing VPC, not a
// region's default.
func TestVPCs(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		alice, bob := h.user("alice@example.com", webrana.RoleCustomer), h.user("bob@example.com", webrana.RoleCustomer)
		admin, ac, bc := h.login("admin@example.com"), h.login("alice@example.com"), h.login("bob@example.com")
		acc := createAccount(t, admin, "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "DO", "token": "token-digitalocean"})

		wantField(t, ac.Do("POST", "/api/vpcs", map[string]string{"name": "bad name", "region": "sgp1"}), "name", "a bad name")
		wantField(t, ac.Do("POST", "/api/vpcs", map[string]string{"name": "prod"}), "region", "no region")
		wantField(t, ac.Do("POST", "/api/vpcs", map[string]string{"name": "prod", "region": "us-east", "provider": "linode"}), "provider", "Linode")
		res := ac.Do("POST", "/api/vpcs", map[string]string{"name": "prod", "region": "sgp1"})
		mustStatus(t, res, 201, "create a VPC")
		var mine vpcJSON
		res.JSON(t, &mine)
		if mine.UUID == "" || mine.Region != "sgp1" || mine.Name != "prod" || mine.Origin != "created" || mine.AccountID != "" || mine.OwnerID != alice.ID {
			t.Fatalf("created %+v", mine)
		}
		mustStatus(t, ac.Do("POST", "/api/vpcs", map[string]string{"name": "prod", "region": "sgp1"}), 409, "the same name twice")
		var theirs vpcJSON
		res = bc.Do("POST", "/api/vpcs", map[string]string{"name": "prod", "region": "sgp1"})
		mustStatus(t, res, 201, "bob's VPC of the same name")
		res.JSON(t, &theirs)

		var list struct{ Items []vpcJSON }
		ac.Do("GET", "/api/vpcs", nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != mine.ID {
			t.Fatalf("alice's VPCs %+v", list.Items)
		}
		mustStatus(t, bc.Do("GET", "/api/vpcs/"+mine.ID, nil), 404, "another customer's VPC")
		mustStatus(t, bc.Do("DELETE", "/api/vpcs/"+mine.ID, nil), 404, "deleting another customer's VPC")
		admin.Do("GET", "/api/admin/vpcs", nil).JSON(t, &list)
		if len(list.Items) != 2 || list.Items[0].AccountID != acc.ID {
			t.Fatalf("the operator's list %+v", list.Items)
		}

		plan := h.plan(t, webrana.DigitalOcean)
		h.credit(t, ac, 5000)
		order := func(vpc, region string) *webtest.Response {
			return ac.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": region,
				"image": "ubuntu-24-04-x64", "label": "in-vpc", "root_password": "Kx9!mQ2#vLp7", "vpc_uuid": vpc})
		}
		for what, uuid := range map[string]string{"bob's": theirs.UUID, "unknown": "5a4981aa-9653-4bd1-bef5-d6bff52042e4"} {
			res := order(uuid, "sgp1")
			wantField(t, res, "vpc_uuid", what+" VPC")
			if res.ErrorMessage() != uuid+" is not one of your VPCs." {
				t.Fatalf("%s VPC refused with %q", what, res.ErrorMessage())
			}
		}
		wantField(t, order(mine.UUID, "nyc3"), "vpc_uuid", "a VPC of another region")
		setLimit := func(n int) {
			if _, err := h.db.UpdateAccount(context.Background(), acc.ID, store.AccountUpdate{Limit: &n}); err != nil {
				t.Fatal(err)
			}
		}
		setLimit(1) // the simulator's account has 3 servers already
		wantField(t, order(mine.UUID, "sgp1"), "vpc_uuid", "a VPC whose account is full")
		setLimit(25)
		mustStatus(t, order(mine.UUID, "sgp1"), 202, "an order in the customer's VPC")
		mustStatus(t, ac.Do("DELETE", "/api/vpcs/"+mine.ID, nil), 409, "deleting a VPC a server is being made in")
		mustStatus(t, bc.Do("DELETE", "/api/vpcs/"+theirs.ID, nil), 204, "deleting an unused VPC")
		mustStatus(t, bc.Do("GET", "/api/vpcs/"+theirs.ID, nil), 404, "a deleted VPC")

		// The operator assigns a VPC made at the provider outside Webrana.
		outside := simVPC(t, h, "token-digitalocean", "legacy-net", "sgp1")
		assign := map[string]string{"owner_id": bob.ID, "account_id": acc.ID, "vpc_uuid": outside}
		mustStatus(t, bc.Do("POST", "/api/admin/vpcs", assign), 403, "a customer assigning")
		res = admin.Do("POST", "/api/admin/vpcs", assign)
		mustStatus(t, res, 201, "assign")
		var assigned vpcJSON
		if res.JSON(t, &assigned); assigned.Origin != "assigned" || assigned.Name != "legacy-net" || assigned.OwnerID != bob.ID {
			t.Fatalf("assigned %+v", assigned)
		}
		mustStatus(t, admin.Do("POST", "/api/admin/vpcs", assign), 409, "assigning a VPC twice")
		wantField(t, admin.Do("POST", "/api/admin/vpcs", map[string]string{"owner_id": bob.ID, "account_id": acc.ID,
			"vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4"}), "vpc_uuid", "a VPC not on the account")
		wantField(t, admin.Do("POST", "/api/admin/vpcs", map[string]string{"owner_id": "nobody", "account_id": acc.ID,
			"vpc_uuid": outside}), "owner_id", "an unknown customer")
		ac.Do("GET", "/api/vpcs", nil).JSON(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("alice sees %d VPCs after bob's assignment", len(list.Items))
		}
	})
}

// simVPC creates a VPC at the harness's simulator directly, as someone
// outside Webrana would, and returns its id.
func simVPC(t *testing.T, h *harness, token, name, region string) string {
	t.Helper()
	srv := httptest.NewServer(h.sim.Handler())
	defer srv.Close()
	body, _ := json.Marshal(map[string]string{"name": name, "region": region})
	req, _ := http.NewRequest("POST", srv.URL+"/v2/vpcs", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ VPC struct{ ID string } }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 201 {
		t.Fatalf("sim VPC: %d %v", res.StatusCode, err)
	}
	return out.VPC.ID
}
