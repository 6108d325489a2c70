package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/schedule"
)

// TickOutput is a schedule trigger's output: when the tick was due and
// when it fired.
type TickOutput struct {
	ScheduledTime time.Time `json:"scheduled_time"`
	ActualTime    time.Time `json:"actual_time"`
}

// tick fires a schedule trigger: one job, then the next due time. After
// downtime that missed several ticks it fires once, for the latest missed
// one (schedule.After), not once per missed tick.
func (s *Scheduler) tick(ctx context.Context, r *catalog.Recipe, c store.TriggerClaim) error {
	t := r.Doc.Trigger
	sched, err := schedule.Parse(time.Duration(t.Every), t.Cron, t.Timezone)
	if err != nil {
		return fmt.Errorf("recipe %s: %w", r.ID, err)
	}
	now := s.Now()
	fired := c.Due
	if !sched.Next(c.Due).After(now) {
		fired = sched.After(c.Due, now)
	}
	next := sched.Next(fired)
	out := TickOutput{ScheduledTime: fired.UTC(), ActualTime: now.UTC()}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	health, _ := json.Marshal(Health{Status: HealthOK, LastRunAt: &out.ActualTime, NextRunAt: timePtr(next.UTC()), Schedule: sched.String()})
	res, err := s.Store.CompleteTrigger(context.WithoutCancel(ctx), store.TriggerCompletion{
		RecipeID: r.ID, Owner: s.Owner, Due: c.Due, FiredAt: fired, Now: now, Next: next,
		Jobs: []queue.NewJob{{RecipeID: r.ID, Payload: body}}, Health: health,
	})
	if err != nil {
		return err
	}
	s.counted("tick", "ok")
	if res.LeaseLost || res.AlreadyFired {
		s.Log.Info("schedule tick already fired elsewhere", "recipe", r.ID, "due", fired, "lease_lost", res.LeaseLost)
	}
	return nil
}

func timePtr(t time.Time) *time.Time { return &t }
