package cloudtest

import (
	"context"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
)

// The answer of a create, an action or a delete can be lost after the
// provider did the work (the simulator's drop fault). Neither provider has
// idempotency keys; the contract lets a caller find out what happened
// instead of doing it twice.

func testLostCreate(t *testing.T, f *fixture) {
	ctx := context.Background()
	f.dropNext("POST", f.h.CreatePath)
	_, err := f.client.CreateInstance(ctx, f.createReq("webrana-77777777", "webrana-order-lost"))
	if err == nil {
		t.Fatal("a create whose answer was lost reported success")
	}
	if !cloud.Transient(err) {
		t.Fatalf("lost answer classified %v, want a transient code (the outcome is unknown)", cloud.Code(err))
	}
	found, err := f.client.ListInstances(ctx, cloud.ListOptions{Tag: "webrana-order-lost"})
	if err != nil || len(found) != 1 {
		t.Fatalf("the lost create's server by tag: %v %v, want exactly one", found, err)
	}
}

// dropNext loses the answer of the next request of method under path (the
// work is done, the connection closes).
func (f *fixture) dropNext(method, path string) {
	f.t.Helper()
	if err := f.sim.AddFault(cloudsim.FaultSpec{Token: f.token, Method: method, PathPrefix: path, Drop: true, Count: 1}); err != nil {
		f.t.Fatal(err)
	}
}

// instancePath is the API path of a server, under which its actions are.
func (f *fixture) instancePath(id string) string { return f.h.CreatePath + "/" + id }

// testLostAction: an action whose answer is lost reached the provider once,
// and ListActions shows it exactly once, so that a retry adopts it
// (FindAction) instead of sending it again.
func testLostAction(t *testing.T, f *fixture) {
	ctx := context.Background()
	in := f.mustCreate("webrana-99999999")
	f.clock.Advance(createDelay + time.Second)
	rebuild := cloud.ActionRequest{Type: cloud.ActionRebuild, Image: f.h.Image}
	if f.caps().RebuildPassword {
		rebuild.Password = rootPassword
	}
	for _, req := range []cloud.ActionRequest{{Type: cloud.ActionReboot}, rebuild} {
		sent := f.clock.Now()
		if a, err := f.client.FindAction(ctx, in.ID, req.Type, sent, nil); err != nil || a != nil {
			t.Fatalf("%s before sending one: %+v, %v; want none", req.Type, a, err)
		}
		f.dropNext("POST", f.instancePath(in.ID))
		_, err := f.client.DoAction(ctx, in.ID, req)
		if err == nil || !cloud.Transient(err) {
			t.Fatalf("%s with its answer lost: %v (code %v), want a transient error", req.Type, err, cloud.Code(err))
		}
		actions, err := f.client.ListActions(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		listed := f.driver.ListedAs(req.Type)
		var matching []*cloud.Action
		for i, a := range actions {
			if a.ID == "" || a.StartedAt.IsZero() {
				t.Fatalf("listed action %+v lacks an id or a start", a)
			}
			if i > 0 && a.StartedAt.After(actions[i-1].StartedAt) {
				t.Fatalf("actions not newest first at %d: %v after %v", i, a.StartedAt, actions[i-1].StartedAt)
			}
			if a.Type == listed && !a.StartedAt.Before(sent.Truncate(time.Second)) {
				matching = append(matching, a)
			}
		}
		if len(matching) != 1 || matching[0].Status != cloud.ActionInProgress {
			t.Fatalf("%s sent once with its answer lost: listed %d times as %s since %v: %+v", req.Type, len(matching), listed, sent, matching)
		}
		found, err := f.client.FindAction(ctx, in.ID, req.Type, sent, nil)
		if err != nil || found == nil || found.ID != matching[0].ID {
			t.Fatalf("FindAction %s = %+v, %v; want %+v", req.Type, found, err, matching[0])
		}
		// An action the caller knows already is not the lost one.
		if again, err := f.client.FindAction(ctx, in.ID, req.Type, sent.Add(-time.Minute), []string{found.ID}); err != nil || again != nil {
			t.Fatalf("FindAction %s leaving out %s = %+v, %v; want none", req.Type, found.ID, again, err)
		}
		if done := f.waitAction(in.ID, found); done.ID != found.ID {
			t.Fatalf("GetAction of the adopted action answered %+v", done)
		}
		f.clock.Advance(time.Second)
	}
	_, err := f.client.ListActions(ctx, "999999999")
	wantCode(t, err, cloud.NotFound, "ListActions of an unknown server")
}

// testLostDelete: a delete whose answer is lost has deleted the server;
// the retry finds it gone (NotFound), which a caller takes as done.
func testLostDelete(t *testing.T, f *fixture) {
	ctx := context.Background()
	in := f.mustCreate("webrana-12121212")
	f.clock.Advance(createDelay + time.Second)
	f.dropNext("DELETE", f.instancePath(in.ID))
	if err := f.driver.DeleteInstance(ctx, in.ID); err == nil || f.driver.Classify(err).Code != cloud.Unavailable {
		t.Fatalf("delete with its answer lost: %v, want Unavailable (the outcome is unknown)", err)
	}
	_, err := f.client.GetInstance(ctx, in.ID)
	wantCode(t, err, cloud.NotFound, "get after a delete whose answer was lost")

	// Through the client, the retry of a delete whose answer was lost
	// finds the server gone.
	other := f.mustCreate("webrana-13131313")
	f.dropNext("DELETE", f.instancePath(other.ID))
	wantCode(t, f.client.DeleteInstance(ctx, other.ID), cloud.NotFound, "client delete whose first answer was lost")
	_, err = f.client.GetInstance(ctx, other.ID)
	wantCode(t, err, cloud.NotFound, "get after the client's delete")
}
