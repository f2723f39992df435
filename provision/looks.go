package provision

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/jobs"
)

// When the boot watch looks (watch.go): at the moments its servers are due
// to run, by the boot time it learns of each provider (boots), within a
// budget of two lists of an account's servers in any tick (watchMemo).

// LookLead is how much sooner than its look the watch asks River to run
// it: River finds a job due again by polling (jobs.DuePoll), so a job
// snoozed to the moment runs up to a poll late, and the boot time learnt
// from such looks is as late. The watch's snooze ends LookLead early, and
// the run waits the rest (onTime): a look comes when it is due.
const LookLead = jobs.DuePoll + 10*time.Millisecond

// early is the snooze that ends LookLead before d.
func early(d time.Duration) time.Duration { return max(d-LookLead, 0) }

// onTime waits for the moment the snooze that scheduled this run meant:
// LookLead after the run was due (scheduled). A run River started later
// than that goes on at once.
func (w *Worker) onTime(ctx context.Context, scheduled time.Time) error {
	if wait := min(scheduled.Add(LookLead).Sub(w.now()), LookLead); wait > 0 && !scheduled.IsZero() {
		return w.cfg.Sleep(ctx, wait)
	}
	return nil
}

// dueSlack is how close to its due a server counts as due. A look comes
// at its due give or take a few milliseconds (timers, the reads before
// it), and the boot learnt from a look is as much too long; a look that
// found a server due in a millisecond not due would leave it, running,
// for half a tick.
const dueSlack = 10 * time.Millisecond

// tick is what one look found.
type tick struct {
	looked   int                  // booting orders looked at
	provider webrana.ProviderType // of the account
	listed   time.Time            // when it sent its list; zero: it called no provider
	booting  []time.Time          // when each order still booting was recorded
}

// nextLook is how long the watch waits before its next look. A look before
// a server is due (recorded the provider's learnt boot time ago) would
// find none running, so the watch waits for the servers' dues, however far
// off; while no boot time is learnt, for the booting servers' whole ticks
// (onTicks). A server due and still booting is looked at again in half a
// tick while it is just late, as most are a little (the learnt time is the
// shortest of recent boots), and in a tick once it is later than that.
//
// No look lists sooner than the account's budget allows, two lists in any
// tick (memo). Within it, the servers due close together (within half a
// tick of the first the budget allows) are seen by one look at the last of
// them, or by two when the budget has room for a second by then: the
// first at the due that spares them the most waiting in all (split). A
// burst of creates, sent over a few tenths of a second, is so seen in two
// looks rather than in one that keeps its first servers waiting for its
// last. A server booting faster than every recent one (the estimate is
// their shortest) is seen when it was due.
func (w *Worker) nextLook(t tick, memo watchMemo) time.Duration {
	if len(t.booting) == 0 {
		return w.cfg.Tick
	}
	now, half := w.now(), w.cfg.Tick/2
	free, second := memo.room(now, w.cfg.Tick)
	free = max(free, 0)
	boot, known := w.boots.estimate(t.provider)
	if !known {
		return max(w.onTicks(slices.MinFunc(t.booting, time.Time.Compare)), free)
	}
	var dues []time.Duration
	late := time.Duration(0) // when to look again for the servers late, if any
	for _, recorded := range t.booting {
		at := recorded.Add(boot)
		switch due := at.Sub(now); {
		case t.listed.IsZero() || at.After(t.listed.Add(dueSlack)):
			// Not due when the list was sent: looked at when due, or as soon
			// as the budget allows if that passed while this look worked.
			dues = append(dues, max(due, 0))
		case due > -w.cfg.Tick: // due, and listed booting: late
			late = half
		case late == 0:
			late = w.cfg.Tick
		}
	}
	if len(dues) == 0 {
		return max(late, free)
	}
	slices.Sort(dues)
	start := max(dues[0], free)
	n := 1
	for n < len(dues) && dues[n] <= start+half {
		n++
	}
	next := max(dues[n-1], start)
	if second <= next {
		next = split(dues[:n], start, next)
	}
	if late > 0 {
		next = min(next, late)
	}
	return max(next, free)
}

// split is when to look first at servers due (sorted) when a second look
// will come at end and the first may come from start on: at the due, or
// start, where the servers it sees (each spared the wait until end) times
// that wait is the most. It is end itself when no earlier look spares any.
func split(dues []time.Duration, start, end time.Duration) time.Duration {
	best, spared := end, time.Duration(0)
	for i, due := range dues {
		at := max(due, start)
		if i+1 < len(dues) && dues[i+1] <= at {
			continue // the look at at sees the next one too
		}
		if s := time.Duration(i+1) * (end - at); s > spared {
			best, spared = at, s
		}
	}
	return best
}

// onTicks is how long until a whole number of ticks after recorded: while
// no boot time is learnt, the watch looks when the server booting longest
// has booted 1, 2, 3… ticks, so that the first boot it sees end is late by
// at most a tick and by nothing for the part of the boot before the watch
// first ran (River picks a new job up a poll or more after it was
// inserted). Looking a tick after each look instead would carry that start
// into every boot learnt, and into every look planned from them.
func (w *Worker) onTicks(recorded time.Time) time.Duration {
	since := max(w.now().Sub(recorded), 0)
	next := w.cfg.Tick - since%w.cfg.Tick
	if next <= dueSlack { // this look counted the whole tick as come (notDue)
		next += w.cfg.Tick
	}
	return next
}

// watchMemo is what a run of an account's watch leaves the next: when it
// last listed the account's servers, to hold the watch to two lists in any
// tick. About one a tick, as the provider's request budget allows, with
// room for a second when it spares servers a wait. It is kept in the
// watch's job row (river.RecordOutput, WorkerConfig.Record), which River
// writes on every snooze anyway: the next run may be another replica's.
type watchMemo struct {
	Lists [2]time.Time `json:"lists"` // the two latest lists, older first; zero: none
}

// memoOf reads the memo a watch's last run left in its job's metadata. A
// new watch has none: it lists as its servers are due.
func memoOf(metadata []byte) watchMemo {
	var m struct {
		Output watchMemo `json:"output"`
	}
	if len(metadata) > 0 {
		_ = json.Unmarshal(metadata, &m) // unreadable: as a new watch, at most two lists more
	}
	return m.Output
}

// listed is the memo after a list sent at at.
func (m watchMemo) listed(at time.Time) watchMemo {
	return watchMemo{Lists: [2]time.Time{m.Lists[1], at}}
}

// room returns how long after now the budget allows the next list, and
// the one after that (negative: already).
func (m watchMemo) room(now time.Time, tick time.Duration) (next, after time.Duration) {
	return m.Lists[0].Add(tick).Sub(now), m.Lists[1].Add(tick).Sub(now)
}

// boots learns how long each provider takes to boot a server: the
// shortest of the last boots the watch saw end. A boot is seen to end at
// the list that shows the server running, so each is at most a look's
// wait too long; the shortest of several is close to the provider's own
// time. Each look gives one, the shortest it saw end (the server recorded
// last among those running, the least overdue): the others it found were
// overdue by as much as the look's wait, and a burst of them would push
// the closest out of the last few. Kept in memory: a restarted process
// learns again within a few servers.
type boots struct {
	mu   sync.Mutex
	seen map[webrana.ProviderType][]time.Duration // the last bootsKept, oldest first
}

// bootsKept is how many recent boots the estimate is the shortest of: few
// enough that a provider getting slower is followed within a few servers.
const bootsKept = 16

func (b *boots) observe(p webrana.ProviderType, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[webrana.ProviderType][]time.Duration{}
	}
	seen := append(b.seen[p], d)
	b.seen[p] = seen[max(0, len(seen)-bootsKept):]
}

func (b *boots) estimate(p webrana.ProviderType) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.seen[p]) == 0 {
		return 0, false
	}
	return slices.Min(b.seen[p]), true
}
